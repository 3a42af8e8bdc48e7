"""Contributions shared the way teams share a workspace: parallel processes and git clones."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.docs_helpers import PERSON
from tests.helpers import git, run, start_subprocess
from vimanual.contributions.store import load_contribution


def vimanual(*args: str | Path) -> subprocess.Popen[str]:
    return start_subprocess(*args, env={"VIMANUAL_USER": PERSON})


@pytest.mark.slow
def test_two_submits_at_the_same_moment_both_succeed(workspace: Path, tmp_path: Path) -> None:
    source = tmp_path / "same.md"
    source.write_text("## Steps\n\nSample text.\n", encoding="utf-8")
    args = ("-C", workspace, "submit", source, "--chapter", "gamma", "--jurisdiction", "UK")
    procs = [vimanual(*args) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    folders = sorted(p.name for p in (workspace / "contributions").iterdir())
    assert len(folders) == 2 and folders[0] != folders[1]
    for folder in folders:
        assert load_contribution(workspace, folder).latest.file == "r1.md"


@pytest.mark.slow
@pytest.mark.usefixtures("isolated_git")
def test_clones_with_new_submissions_and_decisions_merge_cleanly(workspace: Path, tmp_path: Path) -> None:
    (workspace / ".gitignore").write_text(".vimanual.lock\nbuild/\n", encoding="utf-8")
    shared = tmp_path / "first.md"
    shared.write_text("## First\n\nSample text.\n", encoding="utf-8")
    result = run("-C", workspace, "submit", shared, "--chapter", "gamma", "--jurisdiction", "UK",
                 "--as", PERSON)
    assert result.exit_code == 0, result.output
    (first_id,) = [p.name for p in (workspace / "contributions").iterdir()]
    git(workspace, "init", "-q", "-b", "main")
    git(workspace, "add", "-A")
    git(workspace, "commit", "-q", "-m", "start")
    a, b = tmp_path / "a", tmp_path / "b"
    git(tmp_path, "clone", "-q", str(workspace), str(a))
    git(tmp_path, "clone", "-q", str(workspace), str(b))

    # Clone A: the editor accepts the first contribution and someone submits a new one.
    assert run("-C", a, "accept", first_id, "--as", "Erin Editor").exit_code == 0
    text = tmp_path / "a.md"
    text.write_text("## From A\n\nSample text.\n", encoding="utf-8")
    assert run("-C", a, "submit", text, "--chapter", "delta", "--jurisdiction", "AU",
               "--as", "Alex (AU)").exit_code == 0
    # Clone B, at the same time: the contributor revises the first one and submits another.
    revised = tmp_path / "b1.md"
    revised.write_text("## First\n\nSample text, revised.\n", encoding="utf-8")
    assert run("-C", b, "submit", revised, "--revises", first_id, "--as", PERSON).exit_code == 0
    other = tmp_path / "b2.md"
    other.write_text("## From B\n\nSample text.\n", encoding="utf-8")
    assert run("-C", b, "submit", other, "--chapter", "delta", "--jurisdiction", "UK",
               "--as", PERSON).exit_code == 0
    for clone in (a, b):
        git(clone, "add", "-A")
        git(clone, "commit", "-q", "-m", f"work in {clone.name}")

    git(a, "pull", "-q", "--no-rebase", "--no-edit", str(b), "main")
    assert git(a, "status", "--porcelain") == ""
    listed = json.loads(run("-C", a, "contributions", "--json").output)
    assert len(listed) == 3
    first = load_contribution(a, first_id)
    assert [r.number for r in first.revisions] == [1, 2]
    # r1 was accepted in A, r2 arrived from B: waiting for the editor again.
    assert first.state == "submitted" and first.acceptance is not None
    assert run("-C", a, "accept", first_id, "--as", "Erin Editor").exit_code == 0
    assert run("-C", a, "check").exit_code == 0
