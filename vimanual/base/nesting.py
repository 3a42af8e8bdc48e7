"""How deep a text nests lists, quotes and blocks, and emphasis, links and spans within a
paragraph: one measure for submit and for check.

Deep nesting is refused past a stated depth, naming the line, before pandoc or the PDF
renderer recurse into it (WeasyPrint recurses per level and fails with a RecursionError a
few hundred levels down, after minutes).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

# Nesting beyond this many levels of lists, quotes and blocks is refused at submit and by
# `vimanual check`. Real manuals nest a handful of levels; the PDF renderer recurses per
# level and fails with a RecursionError a few hundred levels down, after minutes.
MAX_NESTING = 32
# pandoc's fenced divs: an opening fence carries attributes or a class, a closing one nothing.
_DIV_OPEN_RE = re.compile(r":{3,}[ \t]*(?:\{[^{}\n]*\}|[^\s:{}]+)[ \t]*:*[ \t]*$")
_DIV_CLOSE_RE = re.compile(r":{3,}[ \t]*$")
_LIST_OR_QUOTE_RE = re.compile(r"( *)(?:>[ \t]?|(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$))")


# Emphasis, strong, strike-out, super/subscript, links and spans nested beyond this many levels in
# one paragraph are refused too: WeasyPrint recurses per inline box as well (emphasis 500 deep
# ends in a RecursionError). Real text nests two or three.
MAX_INLINE_NESTING = 32
# A run of delimiters is taken whole, whatever its characters: '*_*_' opens four levels at
# once as pandoc reads it (each of its '_' would alone be both opening and closing).
_INLINE_RUN_RE = re.compile(r"\\.|`+|[*_~^]+|\[|\]")
_SAME_CHAR_RE = re.compile(r"\*+|_+|~+|\^+")
_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def _outside_code(text: str, first_line: int) -> Iterator[tuple[int, str]]:
    """Each line of ``text`` with its number; a fenced code block, its fences included, as
    blank lines (code nests nothing, and a fence ends a paragraph as a blank line does)."""
    fence: str | None = None
    for number, line in enumerate(text.split("\n"), start=first_line):
        stripped = line.lstrip(" >")
        if fence is not None:
            if stripped.startswith(fence):
                fence = None
            yield number, ""
        elif stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
            yield number, ""
        else:
            yield number, line


def _side(char: str) -> str:
    return "space" if not char or char.isspace() else "punct" if char in _PUNCTUATION else "word"


def inline_nesting(text: str, first_line: int = 1, limit: int = MAX_INLINE_NESTING) -> tuple[int, int] | None:
    """(line, depth) where a paragraph first nests inline markup deeper than ``limit``.

    Counts like CommonMark's delimiter runs, without pairing them: a run of ``*``, ``_``, ``~``
    or ``^`` that can only open adds a level (``***`` two), one that can only close removes one;
    ``[`` and ``]`` do the same. A blank line ends the paragraph. Code is skipped (backtick runs
    to the matching run, fenced blocks); give ``text`` with code blanked where that is known.
    """
    depth = 0
    for number, line in _outside_code(text, first_line):
        if not line.lstrip(" >").strip():
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
                    levels = sum((len(part) + 1) // 2 for part in _SAME_CHAR_RE.findall(run))
                    depth = depth + levels if opens else max(0, depth - levels)
            if depth > limit:
                return number, depth
    return None


def markdown_nesting(text: str, first_line: int = 1, limit: int = MAX_NESTING) -> tuple[int, int] | None:
    """(line, depth) of the first line nested deeper than ``limit``, or None.

    A line's depth counts the fenced divs open around it, its leading quote markers and list
    markers, and the indentation of a list item (two spaces a level), a fair bound on how deep
    pandoc and the renderer recurse.
    """
    divs = 0
    for number, line in _outside_code(text, first_line):
        stripped = line.lstrip(" >")
        if _DIV_CLOSE_RE.match(stripped):
            divs = max(0, divs - 1)
            continue
        if _DIV_OPEN_RE.match(stripped):
            divs += 1
            if divs > limit:
                return number, divs
            continue
        depth = position = 0
        indent = len(line) - len(line.lstrip(" "))
        while True:
            match = _LIST_OR_QUOTE_RE.match(line, position)
            if not match or match.end() == position:
                break
            depth += 1
            position = match.end()
        if depth and divs + depth + indent // 2 > limit:
            return number, divs + depth + indent // 2
    return None


#: Text nested this deep is never handed to pandoc to find its images and ids, so a workspace
#: holding it does not load (naming the chapter and line) instead of waiting for pandoc to run
#: out of time or memory: pandoc 3.9 reads a list indented 300 levels deep in 0.9 CPU s, 600 in
#: 7.8 s, 1,000 in 43 s. Emphasis costs it little (2,000 levels in 0.2 s; the renderer is what
#: fails on it), so inline markup gets a higher bound. Both are well above the depths check
#: refuses, so that nothing changes for text pandoc reads in a moment.
PANDOC_NESTING = 8 * MAX_NESTING
PANDOC_INLINE_NESTING = 1000


def beyond_pandoc(text: str) -> tuple[int, int, str] | None:
    """(line, depth, what) where ``text`` nests deeper than PANDOC_NESTING (lists, quotes,
    blocks) or PANDOC_INLINE_NESTING (emphasis, links, spans), or None."""
    found = markdown_nesting(text, limit=PANDOC_NESTING)
    if found is not None:
        return (*found, "lists, quotes or blocks")
    found = inline_nesting(text, limit=PANDOC_INLINE_NESTING)
    if found is not None:
        return (*found, "emphasis, links or spans")
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
