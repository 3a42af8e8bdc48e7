"""A long contents laid out in pieces, so that no layout holds all of it at once.

WeasyPrint holds every box of a document until it is written. A contents is many small
boxes: a 2,000-page book's (about 2,100 entries, 51 pages) took 195 MiB in its worker, a
generated chapter about 80 MiB. So a draft's contents of more than PIECE entries is laid
out as a chain of documents, each of about PIECE entries, one after another:

- The first piece is the front matter as it is (cover, title, the first entries).
- Each piece is cut at its last page but one that starts with an entry of its own (not
  the end of one from the page before). Its pages before that one are kept; the next piece
  starts with that entry, on a page of the same side (the root's ``break-before``: recto or
  verso), inside the same lists, which show nothing of their tops there (the margins,
  padding and borders that were on pages before).

Nothing is taken on trust: the page a piece was cut at (laid out in the flow of the whole
contents) must be drawn exactly as the next piece's first page is (the same text, glyphs,
positions and links). If not, or if the contents is not made the way the bundled template
makes it (one list of chapters, each with one list of sections), the contents is laid out
whole, as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape as html_unescape
from pathlib import Path
from typing import Any
from urllib.parse import unquote

#: Entries a piece of the contents holds (about five pages of the bundled styles; a piece
#: of 300 took its worker to 91 MiB, one of 200 to 89 against a chapter's 73-80).
PIECE = 200
TAG = re.compile(r"<(/?)(ol|li|nav)\b[^>]*>")
HREF = re.compile(r'\shref="([^"]*)"')
#: What a piece sets on the lists around its first entry: their tops were on pages before.
NO_TOP = "margin-top: 0; padding-top: 0; border-top-width: 0"


@dataclass
class _Chapter:
    """A chapter's item in the contents: its ``<li>``, its own line, and its sections."""

    before: str  # whitespace before the item
    open: str  # the <li ...> tag
    line: str  # the chapter's line: up to its list of sections, or to its </li>
    list_open: str = ""  # the <ol ...> of its sections ('' if none)
    sections: list[str] = field(default_factory=list)  # each section's item, whitespace before it
    close: str = ""  # from after the last section to the chapter's </li>, inclusive


@dataclass
class Toc:
    """The contents' HTML taken apart where pieces may start (see ``split``)."""

    head: str  # to the end of the <body ...> tag
    lead: str  # after that: the cover, the contents' title, to the end of the list's <ol ...> tag
    nav: str  # the contents' <nav ...> tag
    outer: str  # the list's <ol ...> tag
    chapters: list[_Chapter]
    tail: str  # from the list's </ol> to the end
    entries: list[tuple[int, int | None]]  # (chapter, section or None: the chapter's line)
    index: dict[str, int]  # the address an entry links to (unquoted) → the entry

    def piece(self, start: int, end: int, offset: int) -> str:
        """The document of entries ``start`` to ``end`` (exclusive), whose first page is the
        contents' page ``offset`` (from 0): one that does not start the contents starts on a
        page of that side (recto or verso)."""
        if start == 0:
            out = [self.head, self.lead]
        else:
            side = "recto" if offset % 2 == 0 else "verso"
            out = [_with_style(self.head, "html", f"break-before: {side}"), "\n",
                   _with_style(_unnamed(self.nav), "nav", NO_TOP), _with_style(self.outer, "ol", NO_TOP)]
        first_chapter, first_section = self.entries[start]
        last_chapter, last_section = self.entries[end - 1]
        for number in range(first_chapter, last_chapter + 1):
            chapter = self.chapters[number]
            sections = range(len(chapter.sections))
            if number == last_chapter:
                sections = range(0 if last_section is None else last_section + 1)
            if number == first_chapter and first_section is not None:
                # the chapter's line was on a page before: only its list goes on
                wrapper = _with_style(chapter.open, "li", f"{NO_TOP}; list-style: none")
                # its list of sections starts here (all of it drawn) or went on from before
                nested = chapter.list_open if first_section == 0 \
                    else _with_style(chapter.list_open, "ol", NO_TOP)
                out += [chapter.before, wrapper, nested]
                sections = range(first_section, sections.stop)
            else:
                out += [chapter.before, chapter.open, chapter.line]
                if chapter.list_open and sections:
                    out.append(chapter.list_open)
            out += [chapter.sections[at] for at in sections]
            if chapter.list_open and sections:
                out.append(chapter.close)
            elif chapter.list_open:
                out.append("</li>")
            else:
                out.append(chapter.close)
        out.append(self.tail)
        return "".join(out)


def split(html: str) -> Toc | None:
    """The contents ``html`` (a front matter document) taken apart, or None if it is not made
    as the bundled template makes it (its pieces could then not be trusted to fit)."""
    nav = re.search(r'<nav\b[^>]*\bclass="toc"[^>]*>', html)
    body = re.search(r"<body\b[^>]*>", html)
    if nav is None or body is None or body.end() > nav.start():
        return None
    outer = TAG.search(html, nav.end())
    if outer is None or outer.group(0)[:3] != "<ol" or outer.group(2) != "ol" or outer.group(1):
        return None
    if TAG.search(html, nav.end(), outer.start()) is not None:
        return None
    chapters: list[_Chapter] = []
    at, state = outer.end(), "list"  # list: between chapters; line; sections; close
    tail = None
    for tag in TAG.finditer(html, outer.end()):
        if tag.start() < at:
            continue  # inside a section's item, taken whole
        text, closing, name = tag.group(0), tag.group(1), tag.group(2)
        between = html[at:tag.start()]
        if state == "list" and not closing and name == "li" and not between.strip():
            chapters.append(_Chapter(between, text, ""))
            state = "line"
        elif state == "list" and closing and name == "ol" and not between.strip():
            tail = html[tag.start():]
            break
        elif state == "line" and not closing and name == "ol":
            chapters[-1].line, chapters[-1].list_open, state = between, text, "sections"
        elif state == "line" and closing and name == "li":
            chapters[-1].line, chapters[-1].close, state = between, text, "list"
        elif state == "sections" and not closing and name == "li" and not between.strip():
            section_start = tag.start() - len(between)
            end = html.find("</li>", tag.end())
            inner = html[tag.end():end] if end >= 0 else "<"
            if TAG.search(inner) is not None:
                return None
            chapters[-1].sections.append(html[section_start:end + len("</li>")])
            at = end + len("</li>")
            continue
        elif state == "sections" and closing and name == "ol" and not between.strip():
            close = html.find("</li>", tag.end())
            if close < 0 or html[tag.end():close].strip():
                return None
            chapters[-1].close = html[tag.start() - len(between):close + len("</li>")]
            at, state = close + len("</li>"), "list"
            continue
        else:
            return None
        at = tag.end()
    if tail is None or not chapters or TAG.search(tail, len("</ol>")) is None:
        return None
    if "<nav" in tail or "<ol" in tail or "<li" in tail:
        return None
    entries: list[tuple[int, int | None]] = []
    index: dict[str, int] = {}
    texts = []
    for number, chapter in enumerate(chapters):
        entries.append((number, None))
        texts.append(chapter.line)
        for section, item in enumerate(chapter.sections):
            entries.append((number, section))
            texts.append(item)
    for number, text in enumerate(texts):
        links = [unquote(html_unescape(link)) for link in HREF.findall(text)]
        if len(links) != 1 or links[0] in index:
            return None
        index[links[0]] = number
    for tag_text in (html[body.start():body.end()], nav.group(0), outer.group(0),
                     *(c.open for c in chapters), *(c.list_open for c in chapters)):
        if " style=" in tag_text:
            return None
    return Toc(html[: body.end()], html[body.end(): outer.end()], nav.group(0), outer.group(0),
               chapters, tail, entries, index)


def _with_style(html: str, name: str, style: str) -> str:
    """``html`` with ``style`` on its first <name> tag (which has none)."""
    return re.sub(rf"<{name}\b", f'<{name} style="{style}"', html, count=1)


def _unnamed(tag: str) -> str:
    """A <nav> tag without its id and label: the first piece's holds them."""
    return re.sub(r'\s(id|aria-labelledby)="[^"]*"', "", tag)


def linked(page: Any, scheme: str) -> Iterator[str]:
    """The targets of ``page``'s links to ``scheme``, in order, each run of one target once."""
    import pikepdf

    last = None
    for annot in page.obj.get("/Annots", []):
        action = annot.get("/A")
        uri = str(action.get("/URI", "")) if isinstance(action, pikepdf.Dictionary) else ""
        if uri.startswith(scheme):
            target = unquote(uri.removeprefix(scheme))
            if target != last:
                yield target
            last = target


@dataclass
class Piece:
    """A piece of the contents sent to be laid out: its entries, and where it goes."""

    start: int
    end: int
    index: int  # its document's index among ``Layouts.get``'s
    offset: int  # the contents' page its first page is (from 0)
    kept: int | None = None  # its pages that go in the book (None: all, the last piece)


def cut(toc: Toc, piece: Piece, path: Path, scheme: str) -> tuple[tuple[int, int] | None, int]:
    """Where the next piece starts after ``piece`` (laid out in ``path``): (the pages of
    ``piece`` to keep, the entry that starts the next) or None if no page will do; and how
    many of its entries it shows (a stylesheet may hide some, as the bundled one hides the
    third level)."""
    import pikepdf

    with pikepdf.open(path) as pdf:
        pages = [[toc.index[scheme + target] for target in linked(page, scheme)
                  if scheme + target in toc.index] for page in pdf.pages]
    shown = len({entry for entries in pages for entry in entries})
    filled = [number for number, entries in enumerate(pages) if entries]
    if len(filled) < 3:
        return None, shown
    for page in range(filled[-1] - 1, 0, -1):
        entries = pages[page]
        if entries and entries[0] not in pages[page - 1] and piece.start < entries[0] < piece.end:
            return (page, entries[0]), shown
    return None, shown


def _drawing(pdf: Any, number: int) -> list[Any]:
    """Page ``number`` of ``pdf`` as what it draws: each instruction with fonts named by their
    face (not their subset or resource name), then its links (rectangle, target)."""
    import pikepdf

    page = pdf.pages[number]
    faces = _faces(page)
    drawn: list[Any] = [[float(v) for v in page.MediaBox]]
    for instruction in pikepdf.parse_content_stream(page):
        operands = [faces.get(str(op), str(op)) if isinstance(op, pikepdf.Name) else
                    bytes(op) if isinstance(op, pikepdf.String) else
                    repr(op) if isinstance(op, pikepdf.Array) else op
                    for op in instruction.operands]
        drawn.append((str(instruction.operator), operands))
    return drawn + _links(page)


def _faces(page: Any) -> dict[str, str]:
    """A page's font resource names → their faces (the base font without its subset tag)."""
    fonts = page.obj.get("/Resources", {}).get("/Font", {})
    return {str(name): re.sub(r"^[A-Z]{6}\+", "", str(font.get("/BaseFont", "")))
            for name, font in fonts.items()}


def _links(page: Any) -> list[Any]:
    """A page's links: (rectangle, target) each."""
    import pikepdf

    links: list[Any] = []
    for annot in page.obj.get("/Annots", []):
        action = annot.get("/A")
        links.append(([round(float(v), 2) for v in annot.get("/Rect", [])],
                      str(action.get("/URI", "")) if isinstance(action, pikepdf.Dictionary) else ""))
    return links


def _drawn_alike(pdf: Any, number: int, other: Any, other_number: int) -> bool:
    """Whether page ``number`` of ``pdf`` draws what page ``other_number`` of ``other`` does
    (``_drawing``). Pages whose instructions are the same bytes, with the same fonts under the
    same names, the same size and the same links, do: that is checked first, as it costs a
    fraction of parsing both (the pieces of one contents name their fonts alike)."""
    page, other_page = pdf.pages[number], other.pages[other_number]
    if _drawn_bytes(page) == _drawn_bytes(other_page):
        return True
    return _drawing(pdf, number) == _drawing(other, other_number)


def _drawn_bytes(page: Any) -> tuple[Any, ...]:
    """What a page draws as raw bytes: its size, its fonts by name and face, its instructions
    as written, and its links (rectangle, target) as ``_drawing`` reads them."""
    import pikepdf

    contents = page.obj.get("/Contents")
    streams = contents if isinstance(contents, pikepdf.Array) else [] if contents is None else [contents]
    return ([float(v) for v in page.MediaBox], sorted(_faces(page).items()),
            [stream.read_bytes() for stream in streams], _links(page))


def joined(pieces: list[tuple[Piece, Path]], target: Path) -> bool:
    """Write to ``target`` the pieces' kept pages as one PDF (the first piece's, whose catalog
    is the contents'); False (nothing written) if a piece's cut page is not drawn exactly as
    the next piece's first."""
    import contextlib

    import pikepdf

    with contextlib.ExitStack() as stack:
        opened = [stack.enter_context(pikepdf.open(path)) for _, path in pieces]
        for number, (piece, _) in enumerate(pieces[:-1]):
            if piece.kept is None or not _drawn_alike(opened[number], piece.kept, opened[number + 1], 0):
                return False
        book = opened[0]
        keep = pieces[0][0].kept
        while keep is not None and len(book.pages) > keep:
            del book.pages[-1]
        for (piece, _), pdf in zip(pieces[1:], opened[1:], strict=True):
            book.pages.extend(pdf.pages[: len(pdf.pages) if piece.kept is None else piece.kept])
        book.save(target)
    return True
