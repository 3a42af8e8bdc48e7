"""How deep a text nests lists, quotes and blocks: one measure for submit and for check.

Deep nesting is refused past a stated depth, naming the line, before pandoc or the PDF
renderer recurse into it (WeasyPrint recurses per level and fails with a RecursionError a
few hundred levels down, after minutes).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Nesting beyond this many levels of lists, quotes and blocks is refused at submit and by
# `vimanual check`. Real manuals nest a handful of levels; the PDF renderer recurses per
# level and fails with a RecursionError a few hundred levels down, after minutes.
MAX_NESTING = 32
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
