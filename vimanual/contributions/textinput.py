"""Reading a submitted text file (Markdown, plain text, HTML): its encoding and its nesting.

Notepad and Word's "Save as web page" still write UTF-16 or Latin-1; such a file gets either
decoded (HTML that declares its charset) or a hint that says how to save it as UTF-8, never
"binary data". Deep nesting (lists in lists, quotes in quotes) is refused past a stated
depth, naming the line, before pandoc or the PDF renderer recurse into it.
"""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser

# Nesting beyond this many levels of lists, quotes and blocks is refused at submit and by
# `vimanual check`. Real manuals nest a handful of levels; the PDF renderer recurses per
# level and fails with a RecursionError a few hundred levels down, after minutes.
MAX_NESTING = 32
UTF16_HINT = ("save it as UTF-8 (Notepad: File > Save As > Encoding 'UTF-8'; Word: Save As > "
              "Plain Text > Unicode (UTF-8))")
# Encodings an HTML page may declare and be decoded from (Word's "web page" uses windows-1252).
DECLARABLE = {"utf-8", "iso8859-1", "cp1252", "iso8859-15", "cp1250", "iso8859-2", "ascii"}
_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def utf16_problem(raw: bytes) -> bool:
    """Whether ``raw`` looks like UTF-16 text (a BOM, or a NUL in every other byte)."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    sample = raw[:512]
    return len(sample) >= 8 and (sample[1::2].count(0) > len(sample) // 3 or
                                 sample[0::2].count(0) > len(sample) // 3)


def declared_charset(raw: bytes) -> str | None:
    """The Python codec name an HTML page declares in its first 4 KB (``<meta charset>``), if known."""
    match = _META_CHARSET_RE.search(raw[:4096])
    if not match:
        return None
    try:
        name = codecs.lookup(match.group(1).decode("ascii", "replace")).name
    except LookupError:
        return None
    return name if name in DECLARABLE else None


_LIST_OR_QUOTE_RE = re.compile(r"( *)(?:>[ \t]?|(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$))")


def markdown_nesting(text: str, first_line: int = 1) -> tuple[int, int] | None:
    """(line, depth) of the first line nested deeper than MAX_NESTING, or None.

    A line's depth counts its leading quote markers and list markers, and the indentation of a
    list item (two spaces a level), a fair bound on how deep pandoc and the renderer recurse.
    """
    fence: str | None = None
    for number, line in enumerate(text.split("\n"), start=first_line):
        stripped = line.lstrip(" >")
        if fence is not None:
            if stripped.startswith(fence):
                fence = None
            continue
        if stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
            continue
        depth = position = 0
        indent = len(line) - len(line.lstrip(" "))
        while True:
            match = _LIST_OR_QUOTE_RE.match(line, position)
            if not match or match.end() == position:
                break
            depth += 1
            position = match.end()
        if depth and depth + indent // 2 > MAX_NESTING:
            return number, depth + indent // 2
    return None


class _Depth(HTMLParser):
    CONTAINERS = {"ul", "ol", "dl", "blockquote", "div", "table", "section", "article", "aside",
                  "details", "figure", "nav", "main", "header", "footer", "form", "fieldset"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.found: tuple[int, int] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.CONTAINERS:
            self.stack.append(tag)
            if self.found is None and len(self.stack) > MAX_NESTING:
                self.found = (self.getpos()[0], len(self.stack))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass


def html_nesting(text: str) -> tuple[int, int] | None:
    """(line, depth) of the first element nested deeper than MAX_NESTING, or None."""
    parser = _Depth()
    parser.feed(text)
    parser.close()
    return parser.found
