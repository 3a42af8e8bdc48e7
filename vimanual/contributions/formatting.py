"""Tracked formatting changes in a contributed .docx, undone when the contributor rejects changes.

Word records a formatting change made with changes tracked (bold added, a paragraph made a
Heading 2 or a list item) as the new properties, with the old ones kept beside them in a
``w:rPrChange`` (a run's) or ``w:pPrChange`` (a paragraph's). pandoc reads only the new ones,
so ``--track-changes reject`` left the text bold and the paragraph a heading. Rejecting puts
the old properties back here, in the document's XML, before pandoc reads it; accepting needs
nothing (the new properties are what pandoc reads).
"""

from __future__ import annotations

import re

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


def reject_format_changes(part: bytes) -> bytes:
    """``part`` with every tracked formatting change of a run or paragraph undone."""
    if b"PrChange" not in part:
        return part
    part = _RUN_CHANGE_RE.sub(lambda m: b"<w:rPr>" + (m.group(1) or b"") + b"</w:rPr>", part)
    return _PARAGRAPH_CHANGE_RE.sub(_old_paragraph, part)
