"""Issue 20 item 3: symbolic links at the workspace's top level (build, contributions,
editions, reviews, chapters, styles, manual.yaml, .vimanual.lock) are refused when they
lead outside the workspace (or into .git), for every command, before anything is read or
written; the lock file and the intent file are never followed at all."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import REPO, git, run, small_workspace, snapshot

CANARY = "CANARY-7f3a outside the workspace"


def _submit_file(tmp_path: Path) -> Path:
    path = tmp_path / "sub.md"
    path.write_text("# Gamma\n\nSample text.\n", encoding="utf-8")
    return path


COMMANDS = {
    "build": ["build", "--format", "html", "--force"],
    "contributions": ["submit", "{sub}", "--chapter", "gamma", "--jurisdiction", "AU", "--as", "Bea"],
    "editions": ["release", "1.0"],
    "reviews": ["review", "alpha", "-j", "UK", "--approve", "--as", "Ruth Reviewer"],
    "chapters": ["status"],
    "styles": ["build", "--format", "html", "--force"],
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_top_level_folder_linked_outside_is_refused(tmp_path: Path, name: str) -> None:
    ws = small_workspace(tmp_path / "ws")
    outside = tmp_path / "outside" / name
    outside.parent.mkdir()
    if (ws / name).is_dir():
        shutil.move(ws / name, outside)
    else:
        outside.mkdir()
    (outside / "canary.txt").write_text(CANARY, encoding="utf-8")
    (ws / name).symlink_to(outside, target_is_directory=True)
    before = snapshot(tmp_path / "outside")
    args = [a.replace("{sub}", str(_submit_file(tmp_path))) for a in COMMANDS[name]]
    for command in (args, ["status"], ["check"]):
        result = run("-C", ws, *command, env={"VIMANUAL_USER": "Ed"})
        assert result.exit_code == 2, result.output
        assert f"Error: '{name}' is a symbolic link to {outside}, outside the workspace" in result.output
        assert "Traceback" not in result.output
    assert snapshot(tmp_path / "outside") == before


def test_a_manual_yaml_linked_outside_is_not_read(tmp_path: Path) -> None:
    ws = small_workspace(tmp_path / "ws")
    outside = tmp_path / "manual.yaml"
    outside.write_text((ws / "manual.yaml").read_text(encoding="utf-8").replace("Test Manual", CANARY),
                       encoding="utf-8")
    (ws / "manual.yaml").unlink()
    (ws / "manual.yaml").symlink_to(outside)
    result = run("-C", ws, "build", "--format", "html", "--force")
    assert result.exit_code == 2, result.output
    assert "'manual.yaml' is a symbolic link to" in result.output and CANARY not in result.output
    assert not (ws / "build" / "manual.html").exists()


def test_a_link_into_git_is_refused_too(tmp_path: Path) -> None:
    ws = small_workspace(tmp_path / "ws")
    (ws / ".git").mkdir()
    (ws / "build").symlink_to(ws / ".git", target_is_directory=True)
    result = run("-C", ws, "build", "--format", "html", "--force")
    assert result.exit_code == 2 and "'build' is a symbolic link into .git" in result.output
    assert list((ws / ".git").iterdir()) == []


def test_a_link_that_stays_inside_is_allowed(tmp_path: Path) -> None:
    ws = small_workspace(tmp_path / "ws")
    (ws / "shared").mkdir()
    (ws / "build").symlink_to(ws / "shared", target_is_directory=True)
    result = run("-C", ws, "build", "--format", "html", "--force")
    assert result.exit_code == 0, result.output
    assert (ws / "shared" / "manual.html").is_file()


def test_a_styles_link_that_leads_nowhere_is_named_and_the_bundled_styles_are_used(tmp_path: Path) -> None:
    """A workspace copied without the folder its ``styles`` link points at (the sample's is a
    relative link into the package) builds with the bundled styles, and says so."""
    ws = small_workspace(tmp_path / "ws")
    (ws / "styles").symlink_to("vimanual/defaults/styles", target_is_directory=True)
    for command in (["check"], ["build", "--format", "html", "--force"]):
        result = run("-C", ws, *command)
        assert result.exit_code == 0, result.output
        assert ("warning: styles: a link to vimanual/defaults/styles, which is not a folder: "
                "the bundled styles are used instead") in " ".join(result.output.split())
    html = (ws / "build" / "manual.html").read_text(encoding="utf-8")
    assert (REPO / "vimanual" / "defaults" / "styles" / "base.css").read_text(encoding="utf-8")[:200] in html
    (ws / "styles").unlink()
    (ws / "styles").mkdir()  # the folder itself, empty: its files fall back one by one, silently
    assert "styles" not in run("-C", ws, "check").output


@pytest.mark.parametrize("target", ["manual.yaml", "chapters", "outside", "missing"])
def test_a_linked_lock_file_is_refused_without_a_traceback(tmp_path: Path, target: str) -> None:
    """The lock used to follow the link (truncating what it pointed at, or a traceback)."""
    ws = small_workspace(tmp_path / "ws")
    (tmp_path / "outside").write_text(CANARY, encoding="utf-8")
    pointed = tmp_path / "outside" if target == "outside" else ws / target
    (ws / ".vimanual.lock").symlink_to(pointed)
    manual = (ws / "manual.yaml").read_bytes()
    result = run("-C", ws, "review", "alpha", "-j", "UK", "--approve", "--as", "Ruth Reviewer")
    assert result.exit_code == 2, result.output
    assert "Error: '.vimanual.lock' is a symbolic link" in result.output
    assert (ws / "manual.yaml").read_bytes() == manual
    assert (tmp_path / "outside").read_text(encoding="utf-8") == CANARY


@pytest.mark.parametrize("maker", ["sample", "init"])
@pytest.mark.usefixtures("isolated_git")
def test_a_link_named_build_is_ignored_by_git(tmp_path: Path, maker: str) -> None:
    """'build/' matched only a folder, so a link named build could be committed."""
    ws = tmp_path / "ws"
    if maker == "init":
        assert run("init", ws).exit_code == 0
    else:
        ws.mkdir()
        shutil.copy(REPO / ".gitignore", ws / ".gitignore")
    git(ws, "init", "-q")
    (ws / "build").symlink_to(tmp_path, target_is_directory=True)
    assert git(ws, "check-ignore", "build").strip() == "build"
