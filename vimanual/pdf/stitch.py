"""Stitch separately laid-out PDFs into one book with pikepdf.

The front matter's PDF is the base: its catalog, metadata, language and structure
tree root are the book's. The main matter's pages are appended in order, with blank
pages where a chapter must start on a right-hand page; then the book gets one outline,
one set of named destinations (so links across chapters work), one structure tree
(PDF/UA), page labels (front matter i, ii …, main matter 1, 2 …), the page margins
(running head, marking, page numbers) laid under each page as an artifact, and one
copy of each font.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

#: Links to a target in another part of the book are written as this URI scheme when a
#: part is laid out on its own; stitching turns them into links to named destinations.
LINK_SCHEME = "vimanual-dest:"

PAINT_OPERATORS = frozenset(
    ["Tj", "TJ", "'", '"', "Do", "f", "F", "f*", "B", "B*", "b", "b*", "S", "s", "sh", "BI"]
)


@dataclass(frozen=True)
class Sheet:
    """One page of the book: page ``page`` of source ``source``, or a blank page."""

    source: int | None
    page: int = 0


def page_dests(pdf: Any) -> dict[str, tuple[int, float, float]]:
    """Named destinations of a pikepdf.Pdf: name → (page index, left, top)."""
    import pikepdf

    names = pdf.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return {}
    index = {page.objgen: number for number, page in enumerate(pdf.pages)}
    found: dict[str, tuple[int, float, float]] = {}
    for name, dest in pikepdf.NameTree(names.Dests).items():
        if isinstance(dest, pikepdf.Dictionary):
            dest = dest.D
        page = index.get(dest[0].objgen)
        if page is not None:
            found[str(name)] = (page, _number(dest, 2), _number(dest, 3))
    return found


def _number(array: Any, position: int) -> float:
    try:
        return float(array[position])
    except (IndexError, TypeError, ValueError):
        return 0.0


class _Paints(Exception):
    """A page's contents paint: found, so the rest is not read."""


@functools.cache
def _paint_finder() -> type:
    """qpdf's content stream parser (through pikepdf), stopped at the first operator that paints."""
    import pikepdf

    class PaintFinder(pikepdf.StreamParser):  # type: ignore[misc]
        def handle_object(self, obj: Any, *_: Any) -> None:
            if isinstance(obj, pikepdf.Operator) and str(obj) in PAINT_OPERATORS:
                raise _Paints

        def handle_eof(self) -> None:
            pass

    return PaintFinder


def is_blank(page: Any) -> bool:
    """Whether a pikepdf page paints nothing (a blank verso a layout inserted). Read only up to
    the first operator that paints (the first line of a page of text): reading every instruction,
    as objects, took 0.5 ms a page, most of a build's reading of its parts' places. (An inline
    image counts as painting: ``BI`` reaches the parser as an operator of its own.)"""
    import pikepdf

    try:
        pikepdf.Page(page).parse_contents(_paint_finder()())
    except _Paints:
        return False
    return True


def blank_pages(pdf: Any) -> set[int]:
    """Pages of a pikepdf.Pdf that paint nothing (the blank versos a layout inserted)."""
    return {number for number, page in enumerate(pdf.pages) if is_blank(page)}


def _flat_nums(tree: Any) -> Iterator[tuple[int, Any]]:
    """The (key, value) pairs of a PDF number tree, kids included."""
    if "/Nums" in tree:
        nums = tree.Nums
        for position in range(0, len(nums) - 1, 2):
            yield int(nums[position]), nums[position + 1]
    for kid in tree.get("/Kids", []):
        yield from _flat_nums(kid)


def _as_list(value: Any) -> list[Any]:
    import pikepdf

    if value is None:
        return []
    return list(value) if isinstance(value, pikepdf.Array) else [value]


def stitch(
    sources: list[Path],
    sheets: list[Sheet],
    margins: list[Path],
    front_pages: int,
    target: Path,
    font_cache: Path | None = None,
    font_files: Sequence[Path] = (),
) -> None:
    """Write the book to ``target``: ``sheets`` in order, ``sources[0]`` being the front
    matter (its pages must come first, in order), ``margins`` the margin pages laid under
    the sheets one for one.

    Memory stays flat in the book's length: the parts are opened one at a time, in the
    order their pages come, and each is closed once its pages, structure tree, named
    destinations and bookmarks are copied (pikepdf keeps what it copied readable after
    the source is closed), so only the book being written and one part are held.
    ``font_files``: the stylesheets' font files, to subset each face's union from
    (pdf/fonts.merge_fonts).
    """
    import pikepdf

    runs = _runs(sheets)
    with pikepdf.open(sources[0]) as out:
        book = _Book(out, sheets)
        for number, run in runs:
            with pikepdf.open(sources[number]) as source:
                book.add(number, source, run)
        book.finish(margins, front_pages, target, font_cache, font_files)


def _runs(sheets: list[Sheet]) -> list[tuple[int, list[Sheet]]]:
    """The sheets after the front matter, as (source, its sheets) in book order; blank
    sheets go with the source before them. Each source's pages must be contiguous."""
    runs: list[tuple[int, list[Sheet]]] = []
    done: set[int] = {0}
    pending: list[Sheet] = []  # blank sheets before the first source after the front matter
    for sheet in sheets:
        if sheet.source == 0:
            continue
        if sheet.source is None:
            (runs[-1][1] if runs else pending).append(sheet)
        elif runs and runs[-1][0] == sheet.source:
            runs[-1][1].append(sheet)
        elif sheet.source in done:
            raise ValueError(f"the pages of part {sheet.source} must come together")
        else:
            done.add(sheet.source)
            runs.append((sheet.source, [*pending, sheet]))
            pending = []
    if pending:
        runs.append((0, pending))
    return runs


class _Book:
    """The book being stitched: the front matter's PDF, to which each part is added."""

    def __init__(self, out: Any, sheets: list[Sheet]) -> None:
        import pikepdf

        self.out = out
        self.sheets = sheets
        self.front = front = [s for s in sheets if s.source == 0]
        if [s.page for s in front] != list(range(len(out.pages))) or sheets[: len(front)] != front:
            raise ValueError("the front matter's pages must come first, all of them, in order")
        # An untagged book (a draft) has no structure tree to join: its parts carry none either.
        self.tagged = "/StructTreeRoot" in out.Root
        self.kids: list[Any] = []
        self.nums: list[Any] = []
        self.next_key = 0
        if self.tagged:
            struct = out.Root.StructTreeRoot
            self.struct = struct
            self.document = struct.K if isinstance(struct.K, pikepdf.Dictionary) else struct.K[0]
            self.kids = _as_list(self.document.get("/K"))
            self.nums = [item for pair in _flat_nums(struct.ParentTree) for item in pair]
            self.next_key = max((k for k, _ in _flat_nums(struct.ParentTree)), default=-1) + 1
        self.width, self.height = (float(v) for v in out.pages[0].MediaBox[2:4])
        # Each part's page (part, page) as the book's page object (looking a page up by its
        # number in pikepdf costs as much as copying a small page).
        self.where: dict[tuple[int, int], Any] = {(0, s.page): page.obj for s, page in zip(
            self.front, out.pages, strict=False)}
        self.dests: dict[str, Any] = {}
        self.outline: list[Any] = []
        self.links: list[Any] = []  # link annotations to another part, noted as their pages come
        for page in out.pages:
            self._note_links(page)
        # The front matter is the book's first part: its destinations and bookmarks now,
        # before the book's pages and outline change.
        self._collect(0, out)

    def add(self, number: int, source: Any, run: list[Sheet]) -> None:
        """Append ``run`` (sheets of part ``number``, open as ``source``, and blanks)."""
        import pikepdf

        out = self.out
        offset = self.next_key
        for sheet in run:
            if sheet.source is None:
                out.add_blank_page(page_size=(self.width, self.height))
                continue
            out.pages.append(source.pages[sheet.page])
            page = out.pages[-1]
            self.where[(number, sheet.page)] = page.obj
            if "/StructParents" in page:
                page.StructParents = int(page.StructParents) + offset
            for annot in page.get("/Annots", []):
                if "/StructParent" in annot:
                    annot.StructParent = int(annot.StructParent) + offset
            self._note_links(page)
        if number == 0:
            return  # only blank sheets
        if not self.tagged:
            self._collect(number, source)
            return
        parent_tree = source.Root.StructTreeRoot.ParentTree
        self.next_key += max((k for k, _ in _flat_nums(parent_tree)), default=-1) + 1
        tree = out.copy_foreign(source.Root.StructTreeRoot)
        for kid in _as_list((tree.K if isinstance(tree.K, pikepdf.Dictionary) else tree.K[0]).get("/K")):
            kid.P = self.document
            self.kids.append(kid)
        for key, value in _flat_nums(tree.ParentTree):
            self.nums.extend([key + offset, value])
        self._collect(number, source)

    def _note_links(self, page: Any) -> None:
        """Note ``page``'s links to another part (a placeholder URI, see ``_link_across``)."""
        import pikepdf

        for annot in page.get("/Annots", []):
            action = annot.get("/A")
            if action is not None and action.get("/S") == pikepdf.Name.URI \
                    and str(action.URI).startswith(LINK_SCHEME):
                self.links.append(annot)

    def _collect(self, number: int, source: Any) -> None:
        """Part ``number``'s named destinations and bookmarks, pointed at the book's pages."""
        import pikepdf

        out, where = self.out, self.where
        for name, (page_number, left, top) in page_dests(source).items():
            if (number, page_number) in where:
                self.dests[name] = pikepdf.Array([where[(number, page_number)], pikepdf.Name.XYZ, left, top,
                                                  0])
        index = {page.objgen: n for n, page in enumerate(source.pages)}

        def convert(item: Any) -> Any:
            dest = item.destination
            if isinstance(dest, pikepdf.Array) and dest[0].objgen in index:
                page = where.get((number, index[dest[0].objgen]))
            else:
                page = None
            # The destination pikepdf would make from a page number (XYZ, zoom 0), given whole.
            made = pikepdf.OutlineItem(item.title, pikepdf.Array([
                page, pikepdf.Name.XYZ, _number(dest, 2), _number(dest, 3), 0])) if page is not None \
                else pikepdf.OutlineItem(item.title)
            made.children.extend(convert(child) for child in item.children)
            return made

        # open_outline() as a context writes the outline back on leaving: a part's is only read
        # (its file is not written); the front matter's, the book's own, is written back as it
        # always was, which numbers the book's objects as editions released before have them.
        if source is not out:
            self.outline.extend(convert(item) for item in source.open_outline().root)
            return
        with source.open_outline() as outline:
            self.outline.extend(convert(item) for item in outline.root)

    def finish(self, margins: list[Path], front_pages: int, target: Path, font_cache: Path | None,
               font_files: Sequence[Path] = ()) -> None:
        """Structure tree, names, links, outline, margins, labels and fonts; then save."""
        import pikepdf

        from vimanual.pdf.fonts import merge_fonts

        out = self.out
        if self.tagged:
            self.document.K = pikepdf.Array(self.kids)
            self.struct.ParentTree = pikepdf.Dictionary(Nums=pikepdf.Array(self.nums))
            self.struct.ParentTreeNextKey = self.next_key
        named = pikepdf.NameTree.new(out)
        for name in sorted(self.dests):
            named[name] = self.dests[name]
        out.Root.Names = pikepdf.Dictionary(Dests=named.obj)
        _link_across(self.links, set(self.dests))
        with out.open_outline() as outline:
            outline.root.clear()
            outline.root.extend(self.outline)
        _lay_margins(out, margins)
        out.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array([
            0, pikepdf.Dictionary(S=pikepdf.Name.r),
            front_pages, pikepdf.Dictionary(S=pikepdf.Name.D),
        ]))
        merge_fonts(out, font_cache, sizes=False, font_files=font_files)
        out.save(target, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)


def _link_across(links: list[Any], names: set[str]) -> None:
    """Turn the placeholder URIs of ``links`` (link annotations to another part) into links to
    named destinations."""
    import pikepdf

    for annot in links:
        action = annot.get("/A")
        if action is None or action.get("/S") != pikepdf.Name.URI:
            continue  # (an annotation on two pages: done already)
        uri = str(action.URI)
        del annot["/A"]
        name = unquote(uri.removeprefix(LINK_SCHEME))
        # /Contents is the link's text for assistive technology; WeasyPrint gives an
        # internal link its target's name there, so the stitched link does the same.
        annot.Contents = pikepdf.String(name)
        if name in names:
            annot.Dest = pikepdf.String(name)


def _lay_margins(out: Any, margins: list[Path]) -> None:
    """Lay margin page i under book page i, marked as an artifact (not part of the text
    a screen reader reads; the running head, marking and page numbers are furniture)."""
    import pikepdf

    pages = []
    for path in margins:
        with pikepdf.open(path) as margin:
            for page in margin.pages:
                pages.append(out.copy_foreign(page.as_form_xobject()))
    if len(pages) != len(out.pages):
        raise ValueError(f"{len(pages)} margin pages for a book of {len(out.pages)}")
    for page, form in zip(out.pages, pages, strict=True):
        resources = pikepdf.Dictionary(dict(page.obj.get("/Resources", pikepdf.Dictionary()).items()))
        xobjects = pikepdf.Dictionary(dict(resources.get("/XObject", pikepdf.Dictionary()).items()))
        xobjects["/VmMargins"] = form
        resources.XObject = xobjects
        page.Resources = resources
        page.contents_add(out.make_stream(b"/Artifact BMC q /VmMargins Do Q EMC\n"), prepend=True)
