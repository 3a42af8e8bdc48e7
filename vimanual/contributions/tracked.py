"""Tracked changes and comments in a contributed Word file, as pandoc reads them.

pandoc's ``--track-changes=all`` marks each insertion and deletion as a Span with class
``insertion``/``deletion`` and each comment as a ``comment-start`` Span holding the
comment's text (``comment-end`` closes the range). Unreviewed insertions must never become
manual text without anyone knowing: these are counted, and only resolved (accepted or
rejected) when the contributor chose to; comments are taken out of the text and kept with
the revision.
"""

from __future__ import annotations

from typing import Any

from vimanual.contributions.astwalk import inline_text, walk_nodes
from vimanual.contributions.package import DocumentComment

TRACK_CHANGES = ("accept", "reject")
_MARKERS = {"insertion", "deletion", "comment-start", "comment-end", "paragraph-insertion",
            "paragraph-deletion"}


def _kind(node: Any) -> str | None:
    if isinstance(node, dict) and node.get("t") == "Span":
        classes = node["c"][0][1]
        for name in classes:
            if name in _MARKERS:
                return str(name)
    return None


def _plain(nodes: Any) -> str:
    """The words a reader of the resolved text would see: not a comment's own text, not deletions."""
    return inline_text(nodes, lambda node: _kind(node) in ("comment-start", "deletion"))


def count_changes(ast: dict[str, Any]) -> tuple[int, int, dict[str, DocumentComment]]:
    """(insertions, deletions, comments by their id) marked in an AST read with ``--track-changes=all``.
    A paragraph mark inserted or deleted (a paragraph split or joined) counts only in a document
    whose changes are all of that kind: otherwise it is part of an insertion or deletion counted
    already (a new paragraph is its words and its mark), but alone it must be resolved too."""
    insertions = deletions = marks_in = marks_out = 0
    comments: dict[str, DocumentComment] = {}

    def visit(node: Any) -> None:
        nonlocal insertions, deletions, marks_in, marks_out
        if isinstance(node, list):
            for index, item in enumerate(node):
                kind = _kind(item)
                if kind == "insertion":
                    insertions += 1
                elif kind == "deletion":
                    deletions += 1
                elif kind in ("paragraph-insertion", "paragraph-deletion"):
                    marks_in += kind == "paragraph-insertion"
                    marks_out += kind == "paragraph-deletion"
                elif kind == "comment-start":
                    comment_id = str(dict(item["c"][0][2]).get("id", f"#{len(comments)}"))
                    comments[comment_id] = _comment(item, node[index + 1:])
                    continue
                visit(item)
        elif isinstance(node, dict):
            visit(node.get("c"))

    visit(ast["blocks"])
    if not insertions and not deletions:
        insertions, deletions = marks_in, marks_out
    return insertions, deletions, comments


def _comment(start: dict[str, Any], following: list[Any]) -> DocumentComment:
    attr = dict(start["c"][0][2])
    comment_id = attr.get("id")
    anchored: list[Any] = []
    for item in following:
        if _kind(item) == "comment-end" and dict(item["c"][0][2]).get("id") == comment_id:
            break
        anchored.append(item)
    return DocumentComment(attr.get("author", "unknown"), attr.get("date", ""), _plain(start["c"][1]),
                           _plain(anchored)[:200])


_TEXT_BLOCKS = ("Para", "Plain", "Header")
_NO_WORDS = ("Space", "SoftBreak", "LineBreak")


def _inlines(block: dict[str, Any]) -> list[Any]:
    return list(block["c"][2] if block["t"] == "Header" else block["c"])


def _changed_blocks(blocks: list[Any], gone: str) -> set[int]:
    """The paragraphs and headings holding a change of kind ``gone`` (by identity)."""
    return {id(node) for node in walk_nodes(blocks) if node["t"] in _TEXT_BLOCKS
            and any(_kind(inline) == gone for inline in walk_nodes(_inlines(node)))}


def _drop_emptied(node: Any, changed: set[int]) -> Any:
    """``node`` without the paragraphs and headings that resolving left with no words (a deleted
    heading, accepted, printed as an empty numbered section), then without the list items and
    lists that left empty: a deleted list item printed as an empty bullet."""
    if isinstance(node, list):
        out = []
        for item in node:
            if isinstance(item, dict) and id(item) in changed and all(
                    isinstance(inline, dict) and inline.get("t") in _NO_WORDS for inline in _inlines(item)):
                continue
            item = _drop_emptied(item, changed)
            if isinstance(item, dict) and item.get("t") in ("BulletList", "OrderedList"):
                items = item["c"] if item["t"] == "BulletList" else item["c"][1]
                items[:] = [entry for entry in items if entry]
                if not items:
                    continue
            out.append(item)
        return out
    if isinstance(node, dict) and "c" in node:
        node["c"] = _drop_emptied(node["c"], changed)
    return node


def _joined_paragraphs(node: Any, joining: set[int]) -> Any:
    """``node`` with each paragraph in ``joining`` (its mark went with the resolved change:
    deleted and accepted, or inserted and rejected) joined with the paragraph after it, as
    Word joins them (by a space: pandoc trims the one at a paragraph's end); a paragraph and
    a heading or a list stay apart."""
    if isinstance(node, list):
        out: list[Any] = []
        for item in node:
            item = _joined_paragraphs(item, joining)
            previous = out[-1] if out else None
            if isinstance(previous, dict) and id(previous) in joining and isinstance(item, dict) \
                    and previous.get("t") in ("Para", "Plain") and item.get("t") in ("Para", "Plain"):
                previous["c"] = [*previous["c"], {"t": "Space"}, *item["c"]]  # pandoc trimmed the space
                joining.discard(id(previous))
                if id(item) in joining:
                    joining.add(id(previous))
                continue
            out.append(item)
        return out
    if isinstance(node, dict) and "c" in node:
        node["c"] = _joined_paragraphs(node["c"], joining)
    return node


def resolve_changes(ast: dict[str, Any], mode: str) -> None:
    """Accept or reject every tracked change in place; comment markers leave the text, a
    paragraph, heading or list item that only a change made or kept leaves with it, and a
    paragraph whose mark goes is joined with the next. (A .docx's table rows inserted or deleted
    whole are resolved in its XML, before pandoc reads it: contributions/formatting.py.)"""
    keep = "insertion" if mode == "accept" else "deletion"
    gone = "deletion" if mode == "accept" else "insertion"
    changed = _changed_blocks(ast["blocks"], gone)
    joining = _changed_blocks(ast["blocks"], f"paragraph-{gone}")

    def rewrite(node: Any) -> Any:
        if isinstance(node, list):
            out: list[Any] = []
            for item in node:
                kind = _kind(item)
                if kind is None:
                    out.append(rewrite(item))
                elif kind == keep:
                    out.extend(rewrite(item["c"][1]))
                # the other kind of change, comments and paragraph marks leave the text
            return out
        if isinstance(node, dict) and "c" in node:
            node["c"] = rewrite(node["c"])
        return node

    ast["blocks"] = _joined_paragraphs(_drop_emptied(rewrite(ast["blocks"]), changed), joining)
