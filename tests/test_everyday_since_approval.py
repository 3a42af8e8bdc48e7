"""Issue 15, point 4: a reviewer sees what changed since their jurisdiction approved a chapter."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.helpers import chapter_md, git, run

PLAIN = {"COLUMNS": "100", "NO_COLOR": "1"}
BEFORE = "## First steps {#first}\n\nSample text: record the exhibit number before anything else.\n"
AFTER = ("## First steps {#first}\n\n"
         "Sample text: record the exhibit number and the date before anything else.\n")


def _approve_then_edit(workspace: Path) -> None:
    chapter = workspace / "chapters" / "alpha.md"
    chapter.write_text(chapter_md("Alpha Chapter", BEFORE, lead="UK"), encoding="utf-8")
    approved = run("-C", workspace, "review", "alpha", "-j", "UK", "--approve", "--as", "Ruth Reviewer")
    assert approved.exit_code == 0, approved.output
    chapter.write_text(chapter_md("Alpha Chapter", AFTER, lead="UK"), encoding="utf-8")


def test_word_diff_since_approval_in_terminal_and_markdown(workspace: Path) -> None:
    _approve_then_edit(workspace)
    status = run("-C", workspace, "status", "alpha", env=PLAIN)
    assert "What changed since an approval, word by word:\n  vimanual diff alpha --since-approval -j UK\n" \
        in status.stdout
    result = run("-C", workspace, "diff", "alpha", "--since-approval", "-j", "uk", env=PLAIN)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("alpha: changes since UK approved it (Ruth Reviewer, ")
    old, new = lines[1].split(":")[0].removeprefix("text ").split(" → ")
    assert lines[1] == f"text {old} → {new}: 3 words added, 0 removed ([-removed-], {{+added+}})"
    assert lines[2].startswith(f"approved text from chapters/.history/alpha/approved-{old}")
    assert "record the exhibit number {+and the date +}before anything else." in result.stdout
    md = run("-C", workspace, "diff", "alpha", "--since-approval", "-j", "UK", "--format", "md")
    assert md.exit_code == 0, md.output
    assert md.stdout.splitlines()[0] == "## Changes to 'alpha' since UK approved it"
    assert "record the exhibit number **and the date** before anything else." in md.stdout


def test_approved_text_is_recovered_from_git_history(workspace: Path, isolated_git: Path) -> None:
    _approve_then_edit(workspace)
    shutil.rmtree(workspace / "chapters" / ".history")  # an approval made before copies were kept
    after = (workspace / "chapters" / "alpha.md").read_text(encoding="utf-8")
    (workspace / "chapters" / "alpha.md").write_text(chapter_md("Alpha Chapter", BEFORE, lead="UK"),
                                                     encoding="utf-8")
    git(workspace, "init", "-q")
    git(workspace, "add", "-A")
    git(workspace, "commit", "-q", "-m", "approved text")
    (workspace / "chapters" / "alpha.md").write_text(after, encoding="utf-8")
    result = run("-C", workspace, "diff", "alpha", "--since-approval", "-j", "UK", env=PLAIN)
    assert result.exit_code == 0, result.output
    assert "approved text from git history of chapters/alpha.md (1 commit(s) back)" in result.stdout
    assert "{+and the date +}" in result.stdout


def test_refusals(workspace: Path) -> None:
    never = run("-C", workspace, "diff", "alpha", "--since-approval", "-j", "AU")
    assert never.exit_code == 2
    assert never.stderr.splitlines()[0] == (
        "Error: AU has not approved chapter 'alpha' yet: there is nothing to compare with")
    _approve_then_edit(workspace)
    shutil.rmtree(workspace / "chapters" / ".history")
    lost = run("-C", workspace, "diff", "alpha", "--since-approval", "-j", "UK")
    assert lost.exit_code == 2
    assert lost.stderr.splitlines()[0].startswith("Error: the text UK approved on ")
    assert "is not kept in this workspace" in lost.stderr
    no_code = run("-C", workspace, "diff", "alpha", "--since-approval")
    assert no_code.exit_code == 2
    assert no_code.stderr.splitlines()[0] == (
        "Error: --since-approval needs --jurisdiction CODE (whose approval)")
