"""Promise 9: approvals are tied to the exact text and media.

One changed byte of a chapter or of an image it shows makes its approvals stale; an edited,
deleted or history-rewritten review event makes 'vimanual verify' fail.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import build_file_tree, chapter_md, git, manual_yaml, run
from tests.security_helpers import PNG_1PX
from vimanual.workspace.load import content_hash


def _states(ws: Path) -> dict[str, dict[str, str]]:
    result = run("-C", ws, "status", "--json")
    return {c["slug"]: c["states"] for c in json.loads(result.output)["chapters"]}


def _approved_workspace(tmp_path: Path) -> Path:
    ws = build_file_tree(tmp_path / "ws", {
        "manual.yaml": manual_yaml(chapters=["alpha", "beta"]),
        "chapters": {
            # ref.png is shown through a reference (an unused definition shows nothing and,
            # since the media set comes from pandoc's parse, is not part of the approval)
            "alpha.md": chapter_md(
                "Alpha", "Text.\n\n![pic](media/pic.png) ![ref][r]\n\n[r]: media/ref.png\n", lead="UK"),
            "beta.md": chapter_md("Beta", "See [alpha](alpha.md).\n", lead="AU"),
            "media": {"pic.png": PNG_1PX, "ref.png": PNG_1PX + b"ref"},
        },
    })
    for slug, code, name in (("alpha", "UK", "Ruth Reviewer"), ("beta", "AU", "Alan Reviewer")):
        assert run("-C", ws, "review", slug, "-j", code, "--approve", "--as", name).exit_code == 0
    return ws


def test_one_byte_of_text_or_image_makes_approvals_stale(tmp_path: Path) -> None:
    ws = _approved_workspace(tmp_path)
    assert _states(ws)["alpha"]["UK"] == "approved"
    chapter = ws / "chapters" / "alpha.md"
    text = chapter.read_bytes()
    chapter.write_bytes(text.replace(b"\n", b"\r\n"))  # line endings are not a change
    assert _states(ws)["alpha"]["UK"] == "approved"
    for image in ("pic.png", "ref.png"):
        path = ws / "chapters" / "media" / image
        original = path.read_bytes()
        path.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
        assert _states(ws)["alpha"]["UK"] == "stale", image
        path.write_bytes(original)
        assert _states(ws)["alpha"]["UK"] == "approved"
    chapter.write_bytes(text.replace(b"Text.", b"Text!"))
    assert _states(ws)["alpha"]["UK"] == "stale"
    # Another chapter's edit is not this chapter's change.
    assert _states(ws)["beta"]["AU"] == "approved"


def test_text_without_local_images_hashes_as_before(tmp_path: Path) -> None:
    import hashlib

    raw = b"---\ntitle: X\n---\n\n[web](https://example.org) [other](alpha.md)\r\n"
    assert content_hash(raw, tmp_path, tmp_path) == hashlib.sha256(raw.replace(b"\r\n", b"\n")).hexdigest()


@pytest.mark.usefixtures("isolated_git")
def test_verify_reports_edits_deletions_and_rewritten_history(tmp_path: Path) -> None:
    ws = _approved_workspace(tmp_path)
    git(ws, "init", "-q")
    git(ws, "add", "-A")
    git(ws, "commit", "-qm", "approvals")
    assert run("-C", ws, "verify").exit_code == 0
    event = next((ws / "reviews" / "alpha").glob("*.yaml"))
    rel = event.relative_to(ws).as_posix()

    original = event.read_text(encoding="utf-8")
    event.write_text(original.replace("approve", "request-changes", 1), encoding="utf-8")
    edited = run("-C", ws, "verify")
    assert edited.exit_code == 1 and rel in edited.output
    event.unlink()
    deleted = run("-C", ws, "verify")
    assert deleted.exit_code == 1 and "deleted in the working tree" in " ".join(deleted.output.split())
    git(ws, "checkout", "--", rel)

    # Rewrite history so the approval never happened: amend it away, leaving no trace in the log.
    git(ws, "rm", "-q", rel)
    git(ws, "commit", "-q", "--amend", "-m", "approvals")
    assert rel not in git(ws, "log", "--all", "--name-only")
    rewritten = run("-C", ws, "verify")
    assert rewritten.exit_code == 1, rewritten.output
    assert "history rewritten" in " ".join(rewritten.output.split())
