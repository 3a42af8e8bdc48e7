"""The test helpers hold: one of each (CLI runner, subprocess runner, git, snapshot) is used
everywhere, git is isolated from the machine, and a snapshot sees every change it should."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.helpers import GIT_USER, REPO, cli_env, git, run, snapshot

TESTS = Path(__file__).parent
# Ways of doing by hand what one helper does; only tests/helpers.py and conftest.py may use them.
BY_HAND = {
    "a CLI subprocess (use run_subprocess)": re.compile(r"""["']-m["'],\s*["']vimanual["']"""),
    "a CliRunner (use run)": re.compile(r"\bCliRunner\b"),
    "git by hand (use git and the isolated_git fixture)": re.compile(
        r"""GIT_CONFIG|user\.name=|GIT_AUTHOR_NAME|\[\s*["']git["']"""),
    "a snapshot helper (use snapshot)": re.compile(r"^def _?snapshot\(", re.M),
}


def test_no_test_module_does_by_hand_what_a_helper_does() -> None:
    found = [f"{path.name}: {what}" for path in sorted(TESTS.glob("*.py"))
             if path.name not in ("helpers.py", "conftest.py", "test_helpers.py")
             for what, pattern in BY_HAND.items() if pattern.search(path.read_text(encoding="utf-8"))]
    assert found == []


def test_git_refuses_to_run_without_the_isolated_git_fixture(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    with pytest.raises(AssertionError, match="isolated_git"):
        git(tmp_path, "init", "-q")


def test_isolated_git_sees_none_of_the_machines_config(isolated_git: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    listed = git(repo, "config", "--show-origin", "--list")
    origins = {line.split("\t", 1)[0] for line in listed.splitlines()}
    assert origins == {f"file:{isolated_git / '.gitconfig'}", "file:.git/config"}, listed
    assert git(repo, "config", "user.name").strip() == GIT_USER[0]
    assert git(repo, "config", "commit.gpgsign").strip() == "false"
    assert git(repo, "symbolic-ref", "--short", "HEAD").strip() == "main"
    assert list((repo / ".git").glob("hooks/*")) == []  # no template hooks copied in
    assert not isolated_git.is_relative_to(tmp_path)  # snapshots of tmp_path never see git's home


def test_the_cli_in_process_gets_80_columns_whatever_the_machine_says(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("FORCE_COLOR", "1")
    result = run("-C", workspace, "status", "alpha")
    assert result.exit_code == 0, result.output
    assert "\x1b[" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_a_cli_subprocess_gets_a_clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIMANUAL_USER", "Someone From The Machine")
    monkeypatch.setenv("FORCE_COLOR", "1")
    env = cli_env({"NO_COLOR": "1"})
    assert "VIMANUAL_USER" not in env and "FORCE_COLOR" not in env
    assert env["PYTHONPATH"] == str(REPO) and env["COLUMNS"] == "80" and env["NO_COLOR"] == "1"
    assert env["PATH"] == os.environ["PATH"]


def test_snapshot_sees_bytes_folders_and_links_and_leaves_out_only_an_empty_workspace_lock(
    workspace: Path, tmp_path: Path
) -> None:
    before = snapshot(tmp_path)
    (workspace / ".vimanual.lock").write_bytes(b"")
    assert snapshot(tmp_path) == before  # the lock a command leaves behind holds no state
    changes = [
        lambda: (workspace / ".vimanual.lock").write_bytes(b"x"),
        lambda: (tmp_path / ".vimanual.lock").write_bytes(b""),  # not a workspace's lock
        lambda: (workspace / "chapters" / "alpha.md").write_bytes(
            (workspace / "chapters" / "alpha.md").read_bytes().replace(b"Alpha text", b"Alpha texT")),
        lambda: (workspace / "contributions" / ".staging").mkdir(parents=True),
        lambda: (workspace / "link").symlink_to(workspace / "manual.yaml"),
    ]
    for change in changes:
        before = snapshot(tmp_path)
        change()
        assert snapshot(tmp_path) != before
    build = workspace / "build"
    build.mkdir()
    before = snapshot(tmp_path, skip=(build,))
    (build / "manual.html").write_text("<p>x</p>", encoding="utf-8")
    assert snapshot(tmp_path, skip=(build,)) == before
