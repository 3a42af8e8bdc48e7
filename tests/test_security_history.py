"""Issue 20 item 9: ``verify`` covers contribution decisions as it covers review events, and
an event or decision dated in the future is refused (it would override every later real one)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.helpers import git, run, small_workspace
from vimanual.review.store import ReviewEvent, dump_event, load_events
from vimanual.workspace.load import load_manual

pytestmark = [pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
              pytest.mark.usefixtures("isolated_git")]


def _accepted_repo(tmp_path: Path) -> tuple[Path, Path]:
    ws = small_workspace(tmp_path / "ws")
    sub = tmp_path / "sub.md"
    sub.write_text("# Gamma\n\nSample text: a new procedure.\n", encoding="utf-8")
    result = run("-C", ws, "submit", sub, "--chapter", "gamma", "--jurisdiction", "AU", "--as", "Bea",
                 "--json")
    assert result.exit_code == 0, result.output
    contribution = json.loads(result.stdout)["id"]
    assert run("-C", ws, "accept", contribution, "--as", "Ed").exit_code == 0
    git(ws, "init", "-q", "-b", "main")
    git(ws, "add", "-A")
    git(ws, "commit", "-q", "-m", "accept gamma")
    [decision] = (ws / "contributions" / contribution / "decisions").iterdir()
    return ws, decision


def test_verify_passes_and_counts_decisions(tmp_path: Path) -> None:
    ws, _ = _accepted_repo(tmp_path)
    result = run("-C", ws, "verify")
    assert result.exit_code == 0, result.output
    assert result.stdout == "0 review event(s) and 1 contribution decision(s) verified, no problems.\n"


def test_verify_catches_a_deleted_committed_accept(tmp_path: Path) -> None:
    """Deleting a committed accept used to pass verify."""
    ws, decision = _accepted_repo(tmp_path)
    rel = decision.relative_to(ws).as_posix()
    decision.unlink()
    result = run("-C", ws, "verify")
    assert result.exit_code == 1, result.output
    assert f"{rel}: committed contribution decision is deleted in the working tree" in result.output
    git(ws, "commit", "-q", "-am", "drop the accept")
    result = run("-C", ws, "verify")
    assert result.exit_code == 1
    assert re.search(rf"{re.escape(rel)}: committed contribution decision was deleted in commit [0-9a-f]+",
                     result.output), result.output


def test_verify_catches_an_edited_decision(tmp_path: Path) -> None:
    ws, decision = _accepted_repo(tmp_path)
    decision.write_text(decision.read_text(encoding="utf-8").replace("by: Ed", "by: Someone Else"),
                        encoding="utf-8")
    result = run("-C", ws, "verify")
    assert result.exit_code == 1
    assert "committed contribution decision is modified in the working tree" in result.output


def _forge(ws: Path, decision: str, time: str) -> Path:
    """A well-formed event with a valid digest, as a collaborator with write access could make."""
    chapter_hash = json.loads(run("-C", ws, "status", "--json").stdout)
    [alpha] = [c for c in chapter_hash["chapters"] if c["slug"] == "alpha"]
    event = ReviewEvent("alpha", "UK", decision, "Ruth Reviewer", time, alpha["content_hash"]).sealed()
    path = ws / "reviews" / "alpha" / event.file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_event(event), encoding="utf-8")
    return path


def _uk_state(ws: Path) -> str:
    result = run("-C", ws, "status", "--json")
    [alpha] = [c for c in json.loads(result.stdout)["chapters"] if c["slug"] == "alpha"]
    return str(alpha["states"]["UK"])


def test_a_future_dated_event_does_not_override_a_later_real_decision(tmp_path: Path) -> None:
    ws = small_workspace(tmp_path / "ws")
    forged = _forge(ws, "approve", "2099-01-01T00:00:00.000000Z")
    result = run("-C", ws, "review", "alpha", "-j", "UK", "--request-changes", "-m", "fix step 2",
                 "--as", "Ruth Reviewer")
    assert result.exit_code == 0, result.output
    assert _uk_state(ws) == "changes-requested"  # was 'approved' by the forged event
    assert [e.time for e in load_events(ws, load_manual(ws)[0]).events if e.decision == "approve"] == []
    result = run("-C", ws, "verify")
    assert result.exit_code == 1
    rel = forged.relative_to(ws).as_posix()
    assert f"{rel}: review event is dated in the future (2099-01-01T00:00:00.000000Z)" in result.output


def test_a_future_dated_decision_is_refused(tmp_path: Path) -> None:
    ws, decision = _accepted_repo(tmp_path)
    decision.write_text(re.sub(r"(?m)^at: .*$", "at: '2099-01-01T00:00:00.000000Z'",
                               decision.read_text(encoding="utf-8")), encoding="utf-8")
    result = run("-C", ws, "contributions")
    assert result.exit_code == 2
    assert "decision is dated in the future (2099-01-01T00:00:00.000000Z)" in result.output
