"""Review events shared through real git: history checks in verify, and merging two clones."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import git, run, small_workspace

pytestmark = [pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
              pytest.mark.usefixtures("isolated_git")]


def repo_with_reviews(root: Path) -> Path:
    ws = small_workspace(root)
    git(ws, "init", "-q", "-b", "main")
    assert run("-C", ws, "review", "alpha", "-j", "UK", "--approve", "--as", "Ruth Reviewer").exit_code == 0
    assert run("-C", ws, "review", "beta", "-j", "AU", "--comment", "-m", "ok", "--as", "Alan Reviewer"
               ).exit_code == 0
    git(ws, "add", "-A")
    git(ws, "commit", "-q", "-m", "reviews")
    return ws


def event_file(ws: Path, slug: str) -> Path:
    [path] = (ws / "reviews" / slug).iterdir()
    return path


def test_verify_passes_on_an_untouched_history(tmp_path: Path) -> None:
    ws = repo_with_reviews(tmp_path / "ws")
    result = run("-C", ws, "verify")
    assert result.exit_code == 0, result.output
    assert result.stdout == "2 review event(s) and 0 contribution decision(s) verified, no problems.\n"


def test_verify_catches_a_committed_event_deleted_in_history(tmp_path: Path) -> None:
    ws = repo_with_reviews(tmp_path / "ws")
    path = event_file(ws, "beta")
    rel = path.relative_to(ws).as_posix()
    git(ws, "rm", "-q", rel)
    git(ws, "commit", "-q", "-m", "drop a review")
    commit = git(ws, "rev-parse", "--short", "HEAD").strip()
    result = run("-C", ws, "verify")
    assert result.exit_code == 1
    assert f"error: {rel}: committed review event was deleted in commit {commit}" in result.stderr
    assert f"(git checkout {commit}^ -- {rel})" in " ".join(result.stderr.split())


def test_verify_catches_an_event_deleted_or_edited_in_the_working_tree(tmp_path: Path) -> None:
    ws = repo_with_reviews(tmp_path / "ws")
    deleted = event_file(ws, "beta")
    deleted.unlink()
    edited = event_file(ws, "alpha")
    # a comment-only edit keeps the digest valid: only history can tell
    edited.write_text(edited.read_text() + "# harmless?\n")
    data = json.loads(run("-C", ws, "verify", "--json").stdout)
    assert data["ok"] is False
    found = {(p["file"], p["message"]) for p in data["problems"]}
    assert found == {
        (deleted.relative_to(ws).as_posix(), "committed review event is deleted in the working tree"),
        (edited.relative_to(ws).as_posix(), "committed review event is modified in the working tree"),
    }


def test_verify_catches_an_event_modified_in_a_commit_even_with_a_valid_digest(tmp_path: Path) -> None:
    ws = repo_with_reviews(tmp_path / "ws")
    path = event_file(ws, "alpha")
    path.write_text(path.read_text().replace("# vimanual review event", "# edited review event"))
    git(ws, "commit", "-q", "-am", "tidy")
    result = run("-C", ws, "verify")
    assert result.exit_code == 1
    assert "committed review event was modified in commit" in result.stderr


def test_verify_works_in_a_workspace_below_the_repository_root(tmp_path: Path) -> None:
    outer = tmp_path / "repo"
    outer.mkdir()
    git(outer, "init", "-q", "-b", "main")
    ws = small_workspace(outer / "manual")
    assert run("-C", ws, "review", "alpha", "-j", "UK", "--approve", "--as", "Ruth Reviewer").exit_code == 0
    git(outer, "add", "-A")
    git(outer, "commit", "-q", "-m", "reviews")
    event_file(ws, "alpha").unlink()
    data = json.loads(run("-C", ws, "verify", "--json").stdout)
    assert [p["file"] for p in data["problems"]] == [event_file_name(outer)]


def event_file_name(outer: Path) -> str:
    listed = git(outer, "ls-tree", "-r", "--name-only", "HEAD", "--", "manual/reviews/").split()
    return listed[0].removeprefix("manual/")


@pytest.mark.slow
def test_two_clones_review_the_same_chapter_and_merge_without_conflict(tmp_path: Path) -> None:
    origin = small_workspace(tmp_path / "origin")
    git(origin, "init", "-q", "-b", "main")
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "manual")
    uk, au = tmp_path / "uk", tmp_path / "au"
    git(tmp_path, "clone", "-q", str(origin), str(uk))
    git(tmp_path, "clone", "-q", str(origin), str(au))

    # UK approves in one clone, AU asks for changes and then approves in the other, and UK,
    # later still, changes its mind in its own clone: the latest decision must win after the merge.
    def review(ws: Path, *args: str) -> None:
        result = run("-C", ws, "review", "alpha", *args)
        assert result.exit_code == 0, result.output

    review(uk, "-j", "UK", "--approve", "--as", "Ruth Reviewer")
    review(au, "-j", "AU", "--request-changes", "-m", "Add a source.", "--as", "Alan Reviewer")
    review(au, "-j", "AU", "--approve", "--as", "Alan Reviewer")
    review(uk, "-j", "UK", "--request-changes", "-m", "Second thoughts on 1.2.", "--as", "Ruth Reviewer")
    git(uk, "add", "-A")
    git(uk, "commit", "-q", "-m", "UK review")
    git(au, "add", "-A")
    git(au, "commit", "-q", "-m", "AU review")

    git(uk, "pull", "-q", "--no-rebase", "--no-edit", str(au), "main")
    assert git(uk, "status", "--porcelain") == ""
    assert git(uk, "diff", "--name-only", "--diff-filter=U") == ""
    assert len(list((uk / "reviews" / "alpha").iterdir())) == 4

    status = json.loads(run("-C", uk, "status", "--json").stdout)
    assert status["chapters"][0]["states"] == {"UK": "changes-requested", "AU": "approved"}
    assert run("-C", uk, "verify").exit_code == 0
    # the other clone, merging the other way, agrees
    git(au, "pull", "-q", "--no-rebase", "--no-edit", str(uk), "main")
    assert json.loads(run("-C", au, "status", "--json").stdout) == status
