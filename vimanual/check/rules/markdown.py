"""A small, line-exact scanner for pandoc Markdown, built for the check rules.

pandoc's AST carries no source positions for its Markdown reader, so the rules work
on this scan instead: blocks (headings, paragraphs, tables, code) with their body
offsets, links and images, silencing markers, and a copy of the body in which code
(fenced, indented and inline) is blanked out with spaces, so that every regex match
on it still maps to the exact file line. It approximates pandoc where that is cheap
and is conservative (treats text as prose) where it is not.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

FENCE_RE = re.compile(r" {0,3}(`{3,}|~{3,})")
ATX_RE = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
HEADING_ATTR_RE = re.compile(r"\s*\{([^{}]*)\}\s*$")
CLOSING_HASHES_RE = re.compile(r"\s+#+\s*$")
SETEXT_RE = re.compile(r" {0,3}(=+|-+)[ \t]*$")
LIST_RE = re.compile(r" {0,3}(?:[-*+]|\d+[.)]|#[.)]|[a-zA-Z][.)]|\(\d+\))[ \t]+\S")
FOOTNOTE_DEF_RE = re.compile(r" {0,3}\[\^[^\]]+\]:")
PIPE_SEPARATOR_RE = re.compile(r"\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
GRID_BORDER_RE = re.compile(r"\s*\+[-=:+]+\+\s*$")
GRID_HEADER_RE = re.compile(r"\s*\+[=:+]+\+\s*$")
SIMPLE_HEADERLESS_RE = re.compile(r" {0,3}-{3,}(?:[ \t]+-{3,})+[ \t]*$")
# The dashes under a simple table's header row: two or more runs of dashes (one run is a
# setext heading), as pandoc writes the tables of converted Word files.
SIMPLE_SEPARATOR_RE = re.compile(r" {0,3}-+(?:[ \t]+-+)+[ \t]*$")
HRULE_RE = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
DIV_FENCE_RE = re.compile(r" {0,3}:{3,}.*$")
INLINE_CODE_RE = re.compile(r"(?<!`)(`+)(?!`)((?:(?!\n[ \t]*\n).)+?)(?<!`)\1(?!`)", re.S)
# [text](target "title") and ![alt](src){attrs}; text may hold one level of brackets.
INLINE_LINK_RE = re.compile(
    r"(!?)\[((?:[^\[\]]|\[[^\[\]]*\])*)\]"
    r"\(\s*(<[^<>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)"
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?\s*\)"
)
REF_LINK_RE = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\[\]]*\])+)\]\[([^\[\]]*)\]")
REF_DEF_RE = re.compile(r"^ {0,3}\[([^\]^][^\]]*)\]:[ \t]*(<[^>\n]*>|\S+)", re.M)
AUTOLINK_RE = re.compile(r"<([a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^\s<>]+|[^\s<>@]+@[^\s<>]+)>")
# The silencing marker: an empty span, invisible in the output because raw HTML is off.
MARKER_RE = re.compile(r"\[\]\{\.vimanual-allow\s+rule=\"?([A-Za-z0-9/_.-]+)\"?\s*\}")
ID_ATTR_RE = re.compile(r"(?:^|\s)#([^\s}]+)")
PLAIN_LINK_RE = re.compile(r"!?\[([^\[\]]*)\]\([^()]*\)")


@dataclass(frozen=True)
class Block:
    """One block of the body; offsets are into the (newline-normalised) body."""

    kind: str  # heading, paragraph, list, quote, table, code, rule, div
    start: int
    end: int
    level: int = 0
    text: str = ""
    headerless: bool = False
    explicit_id: str | None = None


@dataclass(frozen=True)
class Link:
    """A link or an image as written; ``start`` is the offset of its first character."""

    start: int
    end: int
    text: str
    target: str
    image: bool
    reference: str | None = None  # for [text][ref]: the label, resolved or not


@dataclass(frozen=True)
class Marker:
    start: int
    end: int
    rule: str


@dataclass
class ParsedBody:
    """A chapter body scanned once and shared by every rule."""

    text: str
    masked: str
    blocks: list[Block] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    line_starts: list[int] = field(default_factory=list)

    def line_index(self, offset: int) -> int:
        """0-based body line of ``offset``."""
        return bisect.bisect_right(self.line_starts, offset) - 1

    def block_at(self, offset: int) -> Block | None:
        starts = [b.start for b in self.blocks]
        index = bisect.bisect_right(starts, offset) - 1
        if index >= 0 and self.blocks[index].start <= offset < self.blocks[index].end:
            return self.blocks[index]
        return None


def _indent(line: str) -> int:
    width = 0
    for char in line:
        if char == " ":
            width += 1
        elif char == "\t":
            width += 4 - width % 4
        else:
            break
    return width


def _blank(chars: list[str], start: int, end: int) -> None:
    for index in range(start, end):
        if chars[index] != "\n":
            chars[index] = " "


def _heading(raw: str) -> tuple[str, str | None]:
    """Heading text without closing hashes and attributes, and its explicit id."""
    explicit: str | None = None
    attrs = HEADING_ATTR_RE.search(raw)
    if attrs:
        found = ID_ATTR_RE.search(attrs.group(1))
        explicit = found.group(1) if found else None
        raw = raw[: attrs.start()]
    raw = CLOSING_HASHES_RE.sub("", raw)
    return raw.strip(), explicit


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.starts: list[int] = []
        offset = 0
        for line in self.lines:
            self.starts.append(offset)
            offset += len(line)
        self.starts.append(offset)
        self.chars = list(text)
        self.blocks: list[Block] = []

    def end_of(self, index: int) -> int:
        """Offset just after line ``index`` (inclusive), without its newline."""
        return self.starts[index] + len(self.lines[index].rstrip("\n"))

    def until_blank(self, index: int) -> int:
        """The last line index of the run of non-blank lines starting at ``index``."""
        while index + 1 < len(self.lines) and self.lines[index + 1].strip():
            index += 1
        return index

    def add(self, kind: str, first: int, last: int, **extra: object) -> None:
        self.blocks.append(Block(kind, self.starts[first], self.end_of(last), **extra))  # type: ignore[arg-type]

    def scan(self) -> None:
        lines = self.lines
        index, prev_blank, in_list = 0, True, False
        while index < len(lines):
            line = lines[index].rstrip("\n")
            if not line.strip():
                prev_blank = True
                index += 1
                continue
            indent = _indent(line)
            if prev_blank and indent < 4 and not LIST_RE.match(line) and not FOOTNOTE_DEF_RE.match(line):
                in_list = False
            index = self.block(index, line, indent, prev_blank, in_list)
            if LIST_RE.match(line) or FOOTNOTE_DEF_RE.match(line):
                in_list = True
            prev_blank = False

    def block(self, index: int, line: str, indent: int, prev_blank: bool, in_list: bool) -> int:
        """Scan the block starting at line ``index``; return the next line to look at."""
        lines = self.lines
        fence = FENCE_RE.match(line)
        if fence:
            mark = fence.group(1)
            last = index + 1
            while last < len(lines):
                closing = lines[last].strip()
                if closing.startswith(mark[0] * len(mark)) and not closing.strip(mark[0]):
                    break
                last += 1
            last = min(last, len(lines) - 1)
            self.add("code", index, last)
            _blank(self.chars, self.starts[index], self.end_of(last))
            return last + 1
        if prev_blank and indent >= (8 if in_list else 4):
            last = index
            probe = index + 1
            while probe < len(lines):
                if lines[probe].strip():
                    if _indent(lines[probe]) < (8 if in_list else 4):
                        break
                    last = probe
                probe += 1
            self.add("code", index, last)
            _blank(self.chars, self.starts[index], self.end_of(last))
            return last + 1
        atx = ATX_RE.match(line)
        if atx and prev_blank:
            text, explicit = _heading(atx.group(2) or "")
            self.add("heading", index, index, level=len(atx.group(1)), text=text, explicit_id=explicit)
            return index + 1
        next_line = lines[index + 1].rstrip("\n") if index + 1 < len(lines) else ""
        if prev_blank and not LIST_RE.match(line) and SETEXT_RE.match(next_line) and indent < 4:
            text, explicit = _heading(line)
            level = 1 if next_line.strip().startswith("=") else 2
            self.add("heading", index, index + 1, level=level, text=text, explicit_id=explicit)
            return index + 2
        if "|" in line and PIPE_SEPARATOR_RE.match(next_line) and "-" in next_line:
            last = self.until_blank(index)
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            self.add("table", index, last, headerless=not any(cells))
            return last + 1
        if GRID_BORDER_RE.match(line):
            last = self.until_blank(index)
            header = any(GRID_HEADER_RE.match(lines[i]) for i in range(index, last + 1))
            self.add("table", index, last, headerless=not header)
            return last + 1
        if prev_blank and line.strip() and SIMPLE_SEPARATOR_RE.match(next_line):
            last = self.until_blank(index)
            self.add("table", index, last, headerless=False)
            return last + 1
        if prev_blank and SIMPLE_HEADERLESS_RE.match(line):
            last = self.until_blank(index)
            self.add("table", index, last, headerless=True)
            return last + 1
        if HRULE_RE.match(line):
            self.add("rule", index, index)
            return index + 1
        if DIV_FENCE_RE.match(line):
            self.add("div", index, index)
            _blank(self.chars, self.starts[index], self.end_of(index))
            return index + 1
        last = self._paragraph_end(index)
        kind = "list" if LIST_RE.match(line) or in_list else "paragraph"
        if line.lstrip().startswith(">"):
            kind = "quote"
        self.add(kind, index, last)
        return last + 1

    def _paragraph_end(self, index: int) -> int:
        """A paragraph runs to the next blank line or fence (list items end at the next item)."""
        lines = self.lines
        item = LIST_RE.match(lines[index]) is not None
        last = index
        while last + 1 < len(lines):
            following = lines[last + 1]
            if not following.strip() or FENCE_RE.match(following):
                break
            if item and LIST_RE.match(following):
                break
            last += 1
        return last


def parse_body(body: str) -> ParsedBody:
    """Scan a chapter body (line endings are normalised; offsets refer to the result)."""
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    scanner = _Scanner(text)
    scanner.scan()
    masked_chars = scanner.chars
    joined = "".join(masked_chars)
    for match in INLINE_CODE_RE.finditer(joined):
        _blank(masked_chars, match.start(), match.end())
    masked = "".join(masked_chars)
    starts = scanner.starts[:-1] or [0]
    parsed = ParsedBody(text=text, masked=masked, blocks=scanner.blocks, line_starts=starts)
    parsed.markers = [Marker(m.start(), m.end(), m.group(1)) for m in MARKER_RE.finditer(masked)]
    parsed.links = _links(masked)
    return parsed


def _unwrap(target: str) -> str:
    return target[1:-1] if target.startswith("<") and target.endswith(">") else target


def _label(text: str) -> str:
    return " ".join(text.lower().split())


def _links(masked: str) -> list[Link]:
    definitions: dict[str, str] = {}
    spans: list[tuple[int, int]] = []
    links: list[Link] = []
    defined: list[tuple[str, Link]] = []
    for match in REF_DEF_RE.finditer(masked):
        definitions.setdefault(_label(match.group(1)), _unwrap(match.group(2)))
        target = _unwrap(match.group(2))
        defined.append((_label(match.group(1)), Link(match.start(2), match.end(2), "", target, False)))
        spans.append((match.start(), match.end()))
    for match in INLINE_LINK_RE.finditer(masked):
        if match.group(2).startswith("^") or MARKER_RE.match(masked, match.start()):
            continue
        links.append(Link(match.start(), match.end(), match.group(2), _unwrap(match.group(3)),
                          bool(match.group(1))))
        spans.append((match.start(), match.end()))
    for match in REF_LINK_RE.finditer(masked):
        if any(s <= match.start() < e for s, e in spans):
            continue
        label = _label(match.group(3) or match.group(2))
        links.append(Link(match.start(), match.end(), match.group(2), definitions.get(label, ""),
                          bool(match.group(1)), reference=label))
    # A definition that only images use ("![Flow][flow]" … "[flow]: media/flow.png") is an image.
    image_alt = {link.reference: link.text for link in links if link.image and link.reference}
    used_by_links = {link.reference for link in links if not link.image and link.reference}
    for label, link in defined:
        image = label in image_alt and label not in used_by_links
        links.append(Link(link.start, link.end, image_alt[label], link.target, True) if image else link)
    for match in AUTOLINK_RE.finditer(masked):
        target = match.group(1)
        if "@" in target and ":" not in target:
            target = "mailto:" + target
        links.append(Link(match.start(), match.end(), match.group(1), target, False))
    links.sort(key=lambda link: link.start)
    return links


def plain_text(inline: str) -> str:
    """Markdown inline text without emphasis marks, links' targets and extra spaces."""
    # no bracket inside the text, no parenthesis inside the target: each scan stops at the
    # next one, so 200,000 '[' take linear time (they took 106 s with '[^\]]*')
    text = PLAIN_LINK_RE.sub(r"\1", inline)
    text = re.sub(r"[*_`~]", "", text)
    return " ".join(text.split())
