"""How deep a text nests lists, quotes and blocks, and emphasis, links and spans within a
paragraph: one measure for submit and for check.

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


# Emphasis, strong, strike-out, super/subscript, links and spans nested beyond this many levels in
# one paragraph are refused too: WeasyPrint recurses per inline box as well (emphasis 500 deep
# ends in a RecursionError). Real text nests two or three.
MAX_INLINE_NESTING = 32
_INLINE_RUN_RE = re.compile(r"\\.|`+|\*+|_+|~+|\^+|\[|\]")
_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def _side(char: str) -> str:
    return "space" if not char or char.isspace() else "punct" if char in _PUNCTUATION else "word"


def inline_nesting(text: str, first_line: int = 1) -> tuple[int, int] | None:
    """(line, depth) where a paragraph first nests inline markup deeper than MAX_INLINE_NESTING.

    Counts like CommonMark's delimiter runs, without pairing them: a run of ``*``, ``_``, ``~``
    or ``^`` that can only open adds a level (``***`` two), one that can only close removes one;
    ``[`` and ``]`` do the same. A blank line ends the paragraph. Code is skipped (backtick runs
    to the matching run, fenced blocks); give ``text`` with code blanked where that is known.
    """
    depth = 0
    fence: str | None = None
    for number, line in enumerate(text.split("\n"), start=first_line):
        stripped = line.lstrip(" >")
        if fence is not None:
            if stripped.startswith(fence):
                fence = None
            continue
        if stripped.startswith(("```", "~~~")):
            fence, depth = stripped[:3], 0
            continue
        if not stripped.strip():
            depth = 0
            continue
        code: str | None = None
        for match in _INLINE_RUN_RE.finditer(line):
            run = match.group()
            if code is not None:
                code = None if run == code else code
                continue
            if run.startswith("`"):
                code = run
            elif run.startswith("\\"):
                continue
            elif run == "[":
                depth += 1
            elif run == "]":
                depth = max(0, depth - 1)
            else:
                before = _side(line[match.start() - 1] if match.start() else "")
                after = _side(line[match.end()] if match.end() < len(line) else "")
                opens = after != "space" and (after == "word" or before != "word")
                closes = before != "space" and (before == "word" or after != "word")
                if opens != closes:
                    levels = (len(run) + 1) // 2
                    depth = depth + levels if opens else max(0, depth - levels)
            if depth > MAX_INLINE_NESTING:
                return number, depth
    return None


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


_CONTAINERS = frozenset({"ul", "ol", "dl", "blockquote", "div", "table", "section", "article", "aside",
                         "details", "figure", "nav", "main", "header", "footer", "form", "fieldset"})
_INLINE = frozenset({"a", "abbr", "b", "cite", "code", "del", "em", "font", "i", "ins", "mark", "q", "s",
                     "small", "span", "strike", "strong", "sub", "sup", "u"})


class _Depth(HTMLParser):
    def __init__(self, tags: frozenset[str], limit: int) -> None:
        super().__init__(convert_charrefs=True)
        self.tags, self.limit = tags, limit
        self.stack: list[str] = []
        self.found: tuple[int, int] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.tags:
            self.stack.append(tag)
            if self.found is None and len(self.stack) > self.limit:
                self.found = (self.getpos()[0], len(self.stack))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass


def _html_depth(text: str, tags: frozenset[str], limit: int) -> tuple[int, int] | None:
    parser = _Depth(tags, limit)
    parser.feed(text)
    parser.close()
    return parser.found


def html_nesting(text: str) -> tuple[int, int] | None:
    """(line, depth) of the first element nested deeper than MAX_NESTING, or None."""
    return _html_depth(text, _CONTAINERS, MAX_NESTING)


def html_inline_nesting(text: str) -> tuple[int, int] | None:
    """(line, depth) of the first inline element (emphasis, link, span) nested deeper than
    MAX_INLINE_NESTING, or None."""
    return _html_depth(text, _INLINE, MAX_INLINE_NESTING)
