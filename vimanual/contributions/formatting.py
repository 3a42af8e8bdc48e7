"""Tracked changes pandoc does not resolve in a .docx: formatting, and whole table rows.

Word records a formatting change made with changes tracked (bold added, a paragraph made a
Heading 2 or a list item) as the new properties, with the old ones kept beside them in a
``w:rPrChange`` (a run's) or ``w:pPrChange`` (a paragraph's). pandoc reads only the new ones,
so ``--track-changes reject`` left the text bold and the paragraph a heading. Rejecting puts
the old properties back here, in the document's XML, before pandoc reads it; accepting needs
nothing (the new properties are what pandoc reads). A table row inserted or deleted whole is
marked on the row (``w:trPr``), which pandoc ignores: the row goes here when the choice takes
it out (deleted and accepted, inserted and rejected), however little its cells held.
"""

from __future__ import annotations

import re

from vimanual.contributions.contents import cut_spans, matched_elements

# A run's properties with their tracked change: the old properties, empty (<w:rPr/>) or not.
# (Each part is kept from running past its element's end, so that the cost stays linear in
# the document on any input.)
_RUN_CHANGE_RE = re.compile(
    rb"<w:rPr>(?:(?!</w:rPr>|<w:rPrChange\b).)*<w:rPrChange\b[^>]*>"
    rb"(?:<w:rPr/>|<w:rPr>((?:(?!</w:rPr>).)*)</w:rPr>)</w:rPrChange></w:rPr>", re.S)
# A paragraph's properties with their tracked change (the last of its properties, by the schema).
_PARAGRAPH_CHANGE_RE = re.compile(
    rb"<w:pPr>((?:(?!</w:pPr>|<w:pPrChange\b).)*)<w:pPrChange\b[^>]*>"
    rb"(?:<w:pPr/>|<w:pPr>((?:(?!</w:pPr>).)*)</w:pPr>)</w:pPrChange></w:pPr>", re.S)
# What a paragraph's old properties do not hold: its mark's run properties, its section.
_KEPT_RE = re.compile(
    rb"<w:rPr>(?:(?!</w:rPr>).)*</w:rPr>|<w:rPr/>|<w:sectPr\b(?:(?!</w:sectPr>).)*</w:sectPr>", re.S)


def count_format_changes(part: bytes) -> int:
    """How many tracked formatting changes (of runs and paragraphs) ``part`` holds."""
    return part.count(b"<w:rPrChange") + part.count(b"<w:pPrChange")


def _old_paragraph(match: re.Match[bytes]) -> bytes:
    kept = b"".join(found.group() for found in _KEPT_RE.finditer(match.group(1)))
    return b"<w:pPr>" + (match.group(2) or b"") + kept + b"</w:pPr>"


def resolve_tracked_properties(part: bytes, mode: str | None) -> bytes:
    """``part`` with what pandoc does not resolve resolved as ``mode`` (accept, reject, or
    None: nothing): table rows inserted or deleted, and (reject) formatting changes."""
    if mode is None:
        return part
    part = resolve_row_changes(part, mode)
    return reject_format_changes(part) if mode == "reject" else part


def reject_format_changes(part: bytes) -> bytes:
    """``part`` with every tracked formatting change of a run or paragraph undone."""
    if b"PrChange" not in part:
        return part
    part = _RUN_CHANGE_RE.sub(lambda m: b"<w:rPr>" + (m.group(1) or b"") + b"</w:rPr>", part)
    return _PARAGRAPH_CHANGE_RE.sub(_old_paragraph, part)


_ROW_TAG_RE = re.compile(rb"<w:tr(?=[\s>])[^>]*>|</w:tr>")
_ROW_MARK_RE = re.compile(rb"<w:trPr\b[^>]*>((?:(?!</w:trPr>).)*)</w:trPr>", re.S)


def count_row_changes(part: bytes) -> int:
    """How many table rows ``part`` marks as inserted or deleted with changes tracked."""
    return sum(1 for start, end, _ in _tracked_rows(part))


def _tracked_rows(part: bytes) -> list[tuple[int, int, bytes]]:
    """(start, end, b"ins" or b"del") of each table row marked inserted or deleted (w:trPr)."""
    if b"<w:trPr" not in part:
        return []
    rows = []
    for start, inner, close, end in matched_elements(part, _ROW_TAG_RE):
        mark = _ROW_MARK_RE.match(part, inner)
        found = re.search(rb"<w:(ins|del)\b", mark.group(1)) if mark and mark.end() <= close else None
        if found:
            rows.append((start, end, found.group(1)))
    return rows


def resolve_row_changes(part: bytes, mode: str) -> bytes:
    """``part`` without the rows the contributor's choice takes out: deleted ones when changes
    are accepted, inserted ones when they are rejected. pandoc keeps such a row with its cells
    emptied of the words that went, or whole when its cells held no words."""
    gone = b"del" if mode == "accept" else b"ins"
    spans: list[tuple[int, int]] = []
    for start, end, kind in sorted(_tracked_rows(part)):
        if kind == gone and not (spans and start < spans[-1][1]):  # not inside a row taken already
            spans.append((start, end))
    if not spans:
        return part
    return _EMPTY_TABLE_RE.sub(b"", cut_spans(part, spans))  # a table all of whose rows went, with them


_EMPTY_TABLE_RE = re.compile(rb"<w:tbl(?=[\s>])[^>]*>(?:(?!<w:tr(?=[\s>])|</w:tbl>).)*</w:tbl>", re.S)
