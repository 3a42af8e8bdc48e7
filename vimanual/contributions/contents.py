"""A contributed .docx's own table of contents (or list of figures or tables), taken out.

pandoc reads Word's table of contents as text: a "Contents" heading that took the chapter's
title, and entries with the document's own page numbers, printed as links. The manual makes
its contents itself, so the document's goes before pandoc reads it (with a warning at submit).
"""

from __future__ import annotations

import re

# Word's table of contents: a content control of the "Table of Contents" gallery, or (older
# files, LibreOffice's) paragraphs in the contents styles. pandoc reads it as text: a
# "Contents" heading that took the chapter's title, and entries with the document's own page
# numbers, printed as links.
_CONTENTS_STYLE_RE = re.compile(
    rb'<w:pStyle w:val="(?:TOCHeading|TOC ?[1-9]|ContentsHeading|Contents ?[1-9]|IndexHeading|TableofFigures|'
    rb'(?:Figure|Illustration|Table|Object)Index ?(?:[1-9]|Heading))"/>')
_SDT_RE = re.compile(rb"<w:sdt>|<w:sdt\s[^>]*>|</w:sdt>")
_PARAGRAPH_TAG_RE = re.compile(rb"<w:p(?=[\s>/])[^>]*?(/?)>|</w:p>")


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
    spans: list[tuple[int, int]] = []
    stack: list[int] = []
    for mark in _SDT_RE.finditer(document):  # content controls nest: matched by depth
        if mark.group().startswith(b"</"):
            if stack:
                start = stack.pop()
                head_end = document.find(b"</w:sdtPr>", start, mark.start())
                gallery = b'w:docPartGallery w:val="Table of Contents"'
                if head_end >= 0 and gallery in document[start:head_end]:
                    spans.append((start, mark.end()))
        else:
            stack.append(mark.start())
    document = cut_spans(document, spans) if spans else document
    spans, stack = [], []
    for tag in _PARAGRAPH_TAG_RE.finditer(document):
        if tag.group(1):  # <w:p/>
            continue
        if not tag.group().startswith(b"</"):
            stack.append(tag.start())
            continue
        if stack:
            start = stack.pop()
            opened = document.find(b">", start) + 1
            has_properties = document.startswith(b"<w:pPr>", opened)
            closed = document.find(b"</w:pPr>", opened, tag.start()) if has_properties else -1
            if closed >= 0 and _CONTENTS_STYLE_RE.search(document, opened, closed):
                spans.append((start, tag.end()))
    return cut_spans(document, spans) if spans else document
