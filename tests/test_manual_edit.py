"""Adding a chapter to manual.yaml as text: comments and layout survive."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import REPO, build_file_tree, manual_yaml, run
from vimanual.base.errors import VimanualError
from vimanual.base.yamlio import parse_yaml
from vimanual.workspace.edits import add_chapter

COMMENTED = """\
# The manual (a comment that must survive)
title: T   # inline comment
jurisdictions:
  - {code: UK, name: United Kingdom}
chapters:
  - alpha   # first
  # a comment between items
  - beta
# trailing comment
"""


def test_appends_below_last_item_keeping_comments() -> None:
    result = add_chapter(COMMENTED, "gamma")
    assert result == COMMENTED.replace("  - beta\n", "  - beta\n  - gamma\n")


def test_inserts_after_a_named_chapter() -> None:
    result = add_chapter(COMMENTED, "gamma", after="alpha")
    assert result == COMMENTED.replace("  - alpha   # first\n", "  - alpha   # first\n  - gamma\n")


@pytest.mark.parametrize(
    ("text", "after", "expected"),
    [
        ("title: T\nchapters: []   # none yet\n", None, "title: T\nchapters: [gamma]   # none yet\n"),
        ("title: T\nchapters: [a, b]\n", "a", "title: T\nchapters: [a, gamma, b]\n"),
        ("title: T\nchapters:\n- a", None, "title: T\nchapters:\n- a\n- gamma\n"),
        ("title: T\r\nchapters:\r\n  - a\r\n", None, "title: T\r\nchapters:\r\n  - a\r\n  - gamma\r\n"),
    ],
)
def test_flow_lists_and_line_endings(text: str, after: str | None, expected: str) -> None:
    assert add_chapter(text, "gamma", after) == expected


def test_sample_manual_yaml_keeps_every_comment() -> None:
    text = (REPO / "manual.yaml").read_text(encoding="utf-8")
    result = add_chapter(text, "new-chapter", after="image-triage")
    comments = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    assert [line for line in result.splitlines() if line.lstrip().startswith("#")] == comments
    order = parse_yaml(result, "m").data["chapters"]
    assert order[order.index("image-triage") + 1] == "new-chapter"


@pytest.mark.parametrize(
    ("slug", "after", "message"),
    [("alpha", None, "already listed"), ("gamma", "zeta", r"'zeta' \(--after\) is not in")],
)
def test_refusals(slug: str, after: str | None, message: str) -> None:
    with pytest.raises(VimanualError, match=message):
        add_chapter(COMMENTED, slug, after)


def test_limits_in_manual_yaml_are_validated(tmp_path: Path) -> None:
    root = build_file_tree(tmp_path / "ws", {
        "manual.yaml": manual_yaml(chapters=[], limits={"max_submission_bytes": 0, "max_pages": 3}),
    })
    result = run("-C", root, "check")
    assert result.exit_code == 1
    assert "limit 'max_submission_bytes' must be a positive whole number, found 0" in result.output
    assert "unknown limit 'max_pages'" in result.output
