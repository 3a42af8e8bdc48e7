"""Turn sanitized chapter fragments into parts of a book: numbers for sections, figures
and tables; links between chapters; page-bottom footnotes for print; glossary links.

Each function takes and returns HTML as serialised by the sanitizer (nh3), whose
output shape is stable, so plain regular expressions over it are reliable.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from vimanual.base.errors import Problem

SECTION_RE = re.compile(
    r'<section id="(?P<id>[^"]+)" class="level(?P<level>[23])(?P<cls>[^"]*)"[^>]*>\s*'
    r"<h(?P=level)(?P<attrs>[^>]*)>(?P<title>.*?)</h(?P=level)>",
    re.S,
)
FIGCAPTION_RE = re.compile(r"(<figure\b[^>]*>.*?<figcaption\b[^>]*>)", re.S)
CAPTION_RE = re.compile(r"(<table\b[^>]*>\s*<caption>(?:\s*<p>)?)", re.S)
ID_RE = re.compile(r'\sid="([^"]+)"')
OPENING_ID_RE = re.compile(r'<(?:figure|table)\b[^>]*?\sid="([^"]+)"')
# A link whose whole text is a typed figure or table number ("Figure 1", "Table 2.3").
# A reference showing a figure's or table's typed number ("Table 4"), alone or, from Word's
# "Entire caption" references, followed by the caption's words ("Table 4: Exhibit register").
TYPED_REFERENCE_RE = re.compile(
    r'(<a href="#([^"]+)"[^>]*>)\s*(?:Figure|Fig\.|Table|Illustration|Drawing)\s+\d+(?:[.-]\d+)*'
    r'((?:\s*[:.\-–—]\s+[^<]+?)?)\s*</a>', re.IGNORECASE)
HREF_RE = re.compile(r'<a href="#([^"]*)"')
TAG_RE = re.compile(r"<[^>]+>")
FOOTNOTES_RE = re.compile(
    r'<section id="[^"]*--footnotes" class="footnotes[^"]*"[^>]*>\s*<hr>\s*'
    r"<ol>(?P<items>.*?)</ol>\s*</section>",
    re.S,
)
NOTE_RE = re.compile(r'<li id="(?P<id>[^"]+)">(?P<body>.*?)</li>\s*(?=<li id=|$)', re.S)
NOTE_REF_RE = re.compile(r'<a href="#(?P<id>[^"]+)" class="footnote-ref"[^>]*><sup>\d+</sup></a>')
BACKLINK_RE = re.compile(r'<a href="#[^"]+" class="footnote-back"[^>]*>.*?</a>', re.S)


@dataclass(frozen=True)
class Section:
    id: str
    number: str
    title: str
    level: int


def plain_text(fragment: str) -> str:
    """The text of an HTML fragment, tags removed and entities decoded."""
    return " ".join(htmllib.unescape(TAG_RE.sub("", fragment)).split())


def number_sections(html: str, chapter_number: str) -> tuple[str, list[Section]]:
    """Number level-2 and level-3 sections (1.1, 1.1.1) and list them for the contents."""
    sections: list[Section] = []
    counters = [0, 0]

    def replace(match: re.Match[str]) -> str:
        level = int(match.group("level"))
        if "unnumbered" in match.group("cls"):
            return match.group(0)
        if level == 2:
            counters[0] += 1
            counters[1] = 0
        else:
            counters[1] += 1
        parts = [chapter_number, str(counters[0])] + ([str(counters[1])] if level == 3 else [])
        number = ".".join(parts)
        sections.append(Section(match.group("id"), number, plain_text(match.group("title")), level))
        start = match.start(0)
        head = match.group(0)[: match.start("title") - start]
        tail = match.group(0)[match.end("title") - start :]
        return f'{head}<span class="num">{number}</span> {match.group("title")}{tail}'

    return SECTION_RE.sub(replace, html), sections


def number_captions(html: str, chapter_number: str, figure: str = "Figure", table: str = "Table") -> str:
    """Prefix figure and table captions with 'Figure 2.1.' / 'Table 2.1.' (in the book's language).

    A cross-reference that shows the contributor's own number ("see Figure 1", a Word REF
    field's text) and points at a numbered figure or table shows the manual's number instead.
    """
    figures = iter(range(1, 10_000))
    tables = iter(range(1, 10_000))
    labels: dict[str, str] = {}

    def label(match: re.Match[str], word: str, numbers: Iterator[int]) -> str:
        text = f"{word} {chapter_number}.{next(numbers)}"
        opening = OPENING_ID_RE.match(match.group(1))
        if opening:
            labels[opening.group(1)] = text
        return f'{match.group(1)}<span class="caption-num">{text}.</span> '

    html = FIGCAPTION_RE.sub(lambda m: label(m, figure, figures), html)
    html = CAPTION_RE.sub(lambda m: label(m, table, tables), html)
    if not labels:
        return html
    return TYPED_REFERENCE_RE.sub(
        lambda m: f'{m.group(1)}{labels[m.group(2)]}{m.group(3)}</a>' if m.group(2) in labels else m.group(0),
        html)


FIGURE_RE = re.compile(r"(<figure\b[^>]*>)(.*?)(</figure>)", re.S)
FIGCAPTION_BLOCK_RE = re.compile(r"<figcaption\b[^>]*>(.*?)</figcaption>", re.S)
TABLE_TAG_RE = re.compile(r"<(/?)table\b[^>]*>")
TABLE_CAPTION_RE = re.compile(r"<caption\b[^>]*>(.*?)</caption>", re.S)


def _scroller(inner: str, name: str) -> str:
    """A horizontal scroll container a keyboard can reach and a screen reader can name."""
    label = htmllib.escape(name, quote=True)
    return f'<div class="scroll-x" role="region" tabindex="0" aria-label="{label}">{inner}</div>'


def scroll_wrappers(html: str, figure: str = "Figure", table: str = "Table") -> str:
    """For screens: each figure's picture and each table in its own sideways scroll container,
    so that a phone shows a wide figure or table at a legible size and scrolls it rather than
    shrinking its labels or widening the page. Each is named by its caption (``Figure 5.1. …``)
    and focusable (tabindex=0), so it can be scrolled from the keyboard."""

    def wrap_figure(match: re.Match[str]) -> str:
        start, inner, end = match.groups()
        caption = FIGCAPTION_BLOCK_RE.search(inner)
        if caption is None:
            return start + _scroller(inner, figure) + end
        body = inner[: caption.start()] + inner[caption.end():]
        if not body.strip():
            return match.group(0)
        before = inner[: caption.start()]
        after = inner[caption.end():]
        name = plain_text(caption.group(1)) or figure
        if before.strip():  # the caption follows the picture (pandoc's way)
            return start + _scroller(before, name) + inner[caption.start():] + end
        return start + caption.group(0) + _scroller(after, name) + end

    html = FIGURE_RE.sub(wrap_figure, html)
    out: list[str] = []
    depth, opened, last = 0, 0, 0
    for tag in TABLE_TAG_RE.finditer(html):
        if not tag.group(1):
            if depth == 0:
                out.append(html[last:tag.start()])
                opened = tag.start()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                whole = html[opened:tag.end()]
                caption = TABLE_CAPTION_RE.search(whole)
                name = (plain_text(caption.group(1)) if caption else "") or table
                out.append(_scroller(whole, name))
                last = tag.end()
    if depth:  # an unclosed table (not from pandoc): leave the rest as it is
        last = opened
    out.append(html[last:])
    return "".join(out)


def collect_ids(fragments: Iterable[str]) -> set[str]:
    return {found for fragment in fragments for found in ID_RE.findall(fragment)}


class LinkTargets:
    """Every id of the book, and the prefixed ids by their unprefixed part ('slug--id' under
    'id'), indexed once per build rather than once per chapter."""

    def __init__(self, all_ids: set[str]) -> None:
        self.ids = all_ids
        self.by_suffix: dict[str, list[str]] = {}
        for ident in all_ids:
            _, sep, suffix = ident.partition("--")
            if sep:
                self.by_suffix.setdefault(suffix, []).append(ident)


def resolve_links(html: str, slug: str, targets: LinkTargets, where: str) -> tuple[str, list[Problem]]:
    """Point '#id' links at the chapter that defines 'id' when it is not in this chapter.

    pandoc prefixes every in-chapter link with the chapter's slug; a pandoc-style
    cross-reference to a section of another chapter is found by its unprefixed id.
    A link that resolves nowhere loses its target and is reported.
    """
    problems: list[Problem] = []
    all_ids, by_suffix = targets.ids, targets.by_suffix

    def replace(match: re.Match[str]) -> str:
        target = match.group(1)
        if target in all_ids:
            return match.group(0)
        bare = target.removeprefix(f"{slug}--")
        candidates = sorted(by_suffix.get(bare, []))
        if len(candidates) == 1:
            return f'<a href="#{candidates[0]}"'
        problems.append(Problem(
            where, None, f"link to '#{bare}' resolves nowhere; its target was removed",
            "link to a section id of this chapter, or to another chapter as 'slug.md#section'",
            "broken-link", "warning",
        ))
        return "<a"

    return HREF_RE.sub(replace, html), problems


def footnotes_to_print(html: str) -> str:
    """Move end-of-chapter notes to where they are cited, as print footnotes (float: footnote)."""
    section = FOOTNOTES_RE.search(html)
    if section is None:
        return html
    notes: dict[str, str] = {}
    for note in NOTE_RE.finditer(section.group("items")):
        body = BACKLINK_RE.sub("", note.group("body"))
        body = re.sub(r"</p>\s*<p>", " ", body)
        body = re.sub(r"</?p>", "", body).strip()
        notes[note.group("id")] = body
    if "<ol" in "".join(notes.values()) or "<ul" in "".join(notes.values()):
        return html  # a list inside a note cannot sit in an inline footnote: keep endnotes

    def replace(match: re.Match[str]) -> str:
        body = notes.get(match.group("id"))
        return f'<span class="footnote">{body}</span>' if body is not None else match.group(0)

    without = html[: section.start()] + html[section.end() :]
    return NOTE_REF_RE.sub(replace, without)


def link_first_uses(html: str, terms: list[tuple[re.Pattern[str], str]]) -> str:
    """Link the first use of each glossary term in a chapter to its definition.

    Only text outside links, headings, code, captions and notes is considered.
    """
    skip = {"a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "caption", "sup"}
    pending = list(terms)
    out: list[str] = []
    stack: list[str] = []
    for token in re.split(r"(<[^>]+>)", html):
        if token.startswith("<"):
            name = re.match(r"</?([a-zA-Z0-9]+)", token)
            if name:
                tag = name.group(1).lower()
                if token.startswith("</"):
                    if tag in stack:
                        while stack and stack.pop() != tag:
                            pass
                elif not token.endswith("/>") and tag not in {"br", "hr", "img", "col", "wbr"}:
                    stack.append(tag)
            out.append(token)
            continue
        if not pending or skip.intersection(stack):
            out.append(token)
            continue
        while pending:
            found = [(m, entry) for entry in pending if (m := entry[0].search(token))]
            if not found:
                break
            match, entry = min(found, key=lambda item: item[0].start())
            out.append(token[: match.start()])
            out.append(f'<a class="glossary-term" href="#{entry[1]}">{match.group(0)}</a>')
            token = token[match.end() :]
            pending.remove(entry)
        out.append(token)
    return "".join(out)
