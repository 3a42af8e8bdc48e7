"""A contributed .docx's own table of contents (or list of figures or tables), taken out.

pandoc reads Word's table of contents as text: a "Contents" heading that took the chapter's
title, and entries with the document's own page numbers, printed as links. The manual makes
its contents itself, so the document's goes before pandoc reads it (with a warning at submit).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

# Word's table of contents: a content control of the "Table of Contents" gallery, or (older
# files, LibreOffice's) paragraphs in the contents styles. pandoc reads it as text: a
# "Contents" heading that took the chapter's title, and entries with the document's own page
# numbers, printed as links.
_CONTENTS_STYLE_RE = re.compile(
    rb'<w:pStyle w:val="(?:TOCHeading|TOC ?[1-9]|ContentsHeading|Contents ?[1-9]|IndexHeading|TableofFigures|'
    rb'(?:Figure|Illustration|Table|Object)Index ?(?:[1-9]|Heading))"/>')
_SDT_RE = re.compile(rb"<w:sdt>|<w:sdt\s[^>]*>|</w:sdt>")
_PARAGRAPH_TAG_RE = re.compile(rb"<w:p(?=[\s>/])[^>]*?(/?)>|</w:p>")


def matched_elements(part: bytes, tags: re.Pattern[bytes]) -> Iterator[tuple[int, int, int, int]]:
    """(start, content start, content end, end) of each element whose opening and closing tags
    ``tags`` finds, paired by depth, innermost first; self-closing ones are not elements here.
    One pass over the tags: the rewrites of contents.py, fields.py and formatting.py share it."""
    stack: list[tuple[int, int]] = []
    for tag in tags.finditer(part):
        text = tag.group()
        if text.startswith(b"</"):
            if stack:
                start, inner = stack.pop()
                yield start, inner, tag.start(), tag.end()
        elif not text.endswith(b"/>"):
            stack.append((tag.start(), tag.end()))


def cut_spans(document: bytes, spans: list[tuple[int, int]]) -> bytes:
    """``document`` without ``spans`` (those inside another are part of it): one join, however
    many (the rewrites of fields.py and formatting.py share it)."""
    kept, done = [], 0
    for start, end in sorted(spans):
        if start < done:
            continue
        kept.append(document[done:start])
        done = end
    kept.append(document[done:])
    return b"".join(kept)


def drop_contents(document: bytes) -> bytes:
    """The main part without Word's table of contents (or list of figures): a content control
    of the contents gallery, or paragraphs in a contents style. Each tag is looked at once, so
    the cost stays linear whatever nests in what."""
    gallery = b'w:docPartGallery w:val="Table of Contents"'
    spans = []
    if gallery in document:
        # each control's properties end at the first </w:sdtPr> after its start, if it starts
        # with them (they hold no control): found by bisection, not by a search through the
        # control, which nested controls without properties made quadratic
        heads = [found.start() for found in re.finditer(rb"</w:sdtPr>", document)]
        for start, inner, close, end in matched_elements(document, _SDT_RE):  # content controls nest
            at = bisect.bisect_left(heads, inner)
            opens = document[inner:inner + 200].lstrip()
            if at < len(heads) and heads[at] < close and opens.startswith(b"<w:sdtPr") \
                    and gallery in document[inner:heads[at]]:
                spans.append((start, end))
    document = cut_spans(document, spans) if spans else document
    spans = []
    for start, inner, close, end in matched_elements(document, _PARAGRAPH_TAG_RE):
        has_properties = document.startswith(b"<w:pPr>", inner)
        closed = document.find(b"</w:pPr>", inner, close) if has_properties else -1
        if closed >= 0 and _CONTENTS_STYLE_RE.search(document, inner, closed):
            spans.append((start, end))
    return cut_spans(document, spans) if spans else document
