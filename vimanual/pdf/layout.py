"""The book's PDF, laid out in parts and stitched together.

Every chapter starts on a new page, so a chapter's layout does not depend on the
chapters around it. Each chapter (and the glossary, and a release's review record) is
laid out as a document of its own, in parallel worker processes, and kept in
build/cache/layout/ under a key of everything that affects it (pdf/layouts.py). Only then
is the page map known: the contents (front matter, numbered i, ii …) is laid out with true
page numbers (a draft's beside the chapters, its numbers written in after: pdf/tocpages.py),
and the page margins (running head, marking, edition, page X of Y) are laid
out as pages of their own and laid under the body pages. ``stitch`` makes one book.

``choose_path`` decides how a book is laid out: in parts (the build), its main matter in
one call (``joint``: the reference the parallel layout is tested against; front matter
and margins are the same passes), or whole (a template from before parts).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from vimanual.base.clonekey import cache_secret
from vimanual.base.errors import ToolError, VimanualError
from vimanual.base.fsutil import atomic_output, atomic_write, file_sha256, sha256_hex
from vimanual.pdf import folios
from vimanual.pdf.fontunion import fonttools_version
from vimanual.pdf.layouts import Laid, Layouts, Progress
from vimanual.pdf.margins import BLANK, PAGE, Margins, margin_document
from vimanual.pdf.pageplan import BookPlan, group_units, plan_joint, plan_parts
from vimanual.pdf.stitch import LINK_SCHEME, Sheet
from vimanual.pdf.tocpages import WRITE_VERSION, EarlyContents
from vimanual.pdf.weasy import FONT_SUBSETTER, LayoutPool
from vimanual.tools import proc

#: Margin pages are laid out in pieces of this many pages: pieces run in parallel, and a
#: piece whose pages keep their heads and numbers comes from the cache.
MARGIN_PIECE = 100
#: A draft's margin patterns (pdf/folios.py: a head a chapter) go in documents of at most this
#: many sheets: each sheet is a whole page of boxes, and a worker should stay near a chapter's size.
PATTERN_PIECE = 60

ID_RE = re.compile(r'\sid="([^"]+)"')
HREF_RE = re.compile(r'href="#([^"]*)"')
#: Writes what was laid out already; False, having written nothing, if it cannot (``_written_contents``).
Writer = Callable[[], bool]


@dataclass(frozen=True)
class Part:
    """Which part of the manual one document holds (see the template's ``part``)."""

    kind: str = "book"  # book | front | body
    slugs: frozenset[str] | None = None  # body: these chapters (None: all)
    glossary: bool = True
    record: bool = True
    pages: Mapping[str, str] = field(default_factory=dict)  # front: id → page number


@dataclass(frozen=True)
class Unit:
    """A layout unit: it starts at element ``ident`` on a right-hand page, under ``head``."""

    ident: str
    head: str
    part: Part


def link_across(document: str) -> str:
    """Links to an id this document does not hold point at ``vimanual-dest:ID``; the
    stitched book links them to the named destination of the part that holds the id."""
    ids = set(ID_RE.findall(document))
    return HREF_RE.sub(
        lambda m: m.group(0) if m.group(1) in ids else f'href="{LINK_SCHEME}{m.group(1)}"', document
    )


def roman(number: int) -> str:
    values = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
              (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
    out = ""
    for value, letters in values:
        while number >= value:
            out += letters
            number -= value
    return out


@dataclass
class BookLayout:
    pages: int
    refused: list[str]
    laid_out: int
    reused: int


def body_documents(units: list[Unit], document: Callable[[Part], str], joint: bool,
                   grouped: bool = False) -> tuple[list[list[Unit]], list[str]]:
    """The main matter's parts, as (the units of each part, each part's document): one part per
    unit, or (``joint``) one for all of them, or (``grouped``) runs of short chapters together
    (pdf/pageplan.py's ``group_units``)."""
    if joint:
        return [units], [link_across(document(Part("body", None, any(u.part.glossary for u in units),
                                                   any(u.part.record for u in units))))]
    alone = [link_across(document(unit.part)) for unit in units]
    if not grouped:
        return [[unit] for unit in units], alone
    chapter = [bool(u.part.slugs) and not u.part.glossary and not u.part.record for u in units]
    groups = group_units([u.ident for u in units], [len(doc) for doc in alone], chapter)
    parts = [[units[i] for i in group] for group in groups]
    docs = [alone[group[0]] if len(group) == 1 else link_across(document(Part(
        "body", frozenset(s for u in part for s in u.part.slugs or ()), False, False)))
        for group, part in zip(groups, parts, strict=True)]
    return parts, docs


def lay_out_book(
    units: list[Unit],
    document: Callable[[Part], str],
    margin_styles: str,
    margins: Margins,
    target: Path,
    pool: LayoutPool,
    layouts: Layouts,
    joint: bool,
    progress: Progress | None = None,
    *,
    tagged: bool = True,
    patterns: bool = False,
    grouped: bool = False,
    body_parts: tuple[list[list[Unit]], list[str]] | None = None,
    early: bool = False,
    font_files: Sequence[Path] = (),
) -> BookLayout:
    """Lay out the body, then the front matter and margins from the page map, and stitch
    the book into ``target`` (the caller makes that atomic). ``body_parts``: what
    ``body_documents`` gives for these arguments, if the caller has it already. ``early``:
    the contents is laid out beside the body, its page numbers written in after
    (pdf/tocpages.py). ``font_files``: to subset each face's one program from (pdf/stitch.py)."""
    from vimanual.pdf.stitch import stitch

    def front_margins(pages: int) -> str:
        """The margins of a front matter of ``pages`` pages (and a blank verso to make it even)."""
        return margin_document(margin_styles, margins, [
            ("", "" if n == 1 else margins.front_folio.format(n=roman(n)), BLANK if n > pages else PAGE)
            for n in range(1, pages + pages % 2 + 1)])

    parts, docs = body_parts or body_documents(units, document, joint, grouped)
    contents = EarlyContents(lambda pages: link_across(document(Part("front", pages=pages))), docs,
                             tagged, front_margins) if early and not joint else None
    try:
        body = layouts.get([(html, tagged) for html in docs], progress,
                           contents.first if contents else None, contents.more if contents else None)
    except ToolError:
        if joint or len(parts) == len(units) or pool.timed_out.is_set():
            raise
        # A run of chapters laid out together failed: lay them out one by one, so that the
        # error names the chapter at fault (and a book whose chapters each lay out alone is made).
        pool.release()
        parts, docs = body_documents(units, document, joint, False)
        body, contents = layouts.get([(html, tagged) for html in docs], progress), None
    early_laid = body[len(docs):]
    body = body[: len(docs)]
    heads = [[(unit.ident, unit.head) for unit in part] for part in parts]
    plan = plan_joint(heads[0], body[0]) if joint else plan_parts(heads, body)
    front_doc = link_across(document(Part("front", pages=plan.folios)))
    margin_progress = None if progress is None else (
        lambda stage, done, total: progress("margins" if stage == "layout" else stage, done, total))
    # (the writer's thread ends before the scratch files it writes are deleted)
    with contextlib.ExitStack() as scratch, ThreadPoolExecutor(max_workers=1) as writer:
        early_front, write = None, None
        if contents is not None and early_laid:
            early_front, write = _written_contents(contents, early_laid, plan.folios, front_doc, layouts,
                                                   scratch)
        # The contents is written in (here, with pikepdf) while the workers lay out the margins.
        writing = writer.submit(write) if write is not None else None
        front, main_margins, laid = _main_margins(plan, front_doc, margin_styles, margins, layouts,
                                                  tagged, patterns, margin_progress, scratch, early_front)
        if writing is not None:
            if not writing.result():  # its placeholders cannot be trusted after all
                front = layouts.get([(front_doc, tagged)], margin_progress)[0]
                laid = [*laid, front]
            proc.give_back_memory()  # what the writer's thread freed, before the stitcher's peak
        front_count = front.pages + front.pages % 2  # the main matter starts on a right-hand page
        front_margin = layouts.get([(front_margins(front.pages), False)])[0]
        pool.release()  # stitching needs the memory, not the workers
        sheets = [Sheet(0, page) for page in range(front.pages)] + [Sheet(None)] * (front.pages % 2)
        sheets += [Sheet(s.source, s.page) for s in plan.sheets]
        stitch([front.path] + [b.path for b in body], sheets, [front_margin.path, *main_margins],
               front_count, target, layouts.cache if layouts.use_cache else None, font_files)
    refused: list[str] = []
    for item in [*body, *laid, front_margin]:
        refused.extend(url for url in item.refused if url not in refused)
    return BookLayout(len(sheets), refused, layouts.laid_out, layouts.reused)


def _written_contents(contents: EarlyContents, early: list[Laid], folios: dict[str, str], front_doc: str,
                      layouts: Layouts, scratch: contextlib.ExitStack) -> tuple[Laid | None, Writer | None]:
    """The contents laid out early (among ``early``, in pieces or whole) with its true numbers
    (``folios``; ``front_doc``, the front matter made with them) written in, kept in the
    cache under what it is made from (a rebuild with the same pages reuses it): (the front
    matter as it will be once written, or None if its placeholders or pieces cannot be
    trusted (pdf/tocpages.py, pdf/tocpieces.py); the function that writes it, which returns
    False, having written nothing, if they cannot be trusted after all; None if the cache has
    it already). The caller may write it while the margins are laid out."""
    pieces = contents.laid(early)
    if pieces is not None and not contents.fits(folios):  # the book's estimated length was wrong
        again = contents.redo(folios)
        pieces = None if again is None else [(again[1], layouts.get([(again[0], contents.tagged)])[0])]
    if pieces is None:
        return None, None
    if len(pieces) == 1:  # as before pieces: the cache's written contents still count
        made_from: list[Any] = [pieces[0][1].path.name, sorted(folios.items()), WRITE_VERSION]
    else:
        made_from = [[laid.path.name for _, laid in pieces], [piece.kept for piece, _ in pieces],
                     sorted(folios.items()), WRITE_VERSION]
    path = layouts.cache / f"contents-{sha256_hex(json.dumps(made_from))}.pdf"
    last_piece, last = pieces[-1]
    refused = tuple(dict.fromkeys(url for _, laid in pieces for url in laid.refused))
    written = Laid(path, last_piece.offset + last.pages, refused)
    if layouts.use_cache and path.is_file():
        os.utime(path)  # recently used: kept by prune()
        return written, None
    target = _scratch_file(layouts, scratch, "contents")
    joining = _scratch_file(layouts, scratch, "contents-joined")

    def write() -> bool:
        if not contents.write([(piece, laid.path) for piece, laid in pieces], folios, front_doc, target,
                              joining):
            return False
        with open(target, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(target, path)
        return True

    return written, write


def _scratch_file(layouts: Layouts, scratch: contextlib.ExitStack, name: str) -> Path:
    """A file of the build's own in the cache folder, deleted when ``scratch`` closes."""
    path = layouts.cache / f".{name}-{os.getpid()}-{secrets.token_hex(4)}.pdf.tmp"
    scratch.callback(path.unlink, missing_ok=True)
    return path


def _expanded(layouts: Layouts, scratch: contextlib.ExitStack, laid: list[Path], plan: folios.FolioPlan,
              size: int) -> Path | None:
    """The main matter's margin pages expanded from the ``laid`` patterns (folios.expand), kept in
    the layout cache by what they are made of (an edit that moves no page takes them from there);
    None if a pattern's sentinels are not where they must be."""
    key = sha256_hex(json.dumps([[path.name for path in laid], plan.sheets, sorted(plan.sentinels.items()),
                                 plan.uses, plan.digit_sheet, size, "expanded"]))
    kept = layouts.cache / f"margins-{key}.pdf"
    if layouts.use_cache and kept.is_file():
        os.utime(kept)  # recently used: kept by Layouts.prune()
        return kept
    target = _scratch_file(layouts, scratch, "margins")
    if not folios.expand(laid, plan, target, size):
        return None
    if layouts.use_cache:
        os.replace(target, kept)
        return kept
    return target


def _main_margins(plan: BookPlan, front_doc: str, margin_styles: str, margins: Margins,
                  layouts: Layouts, tagged: bool, patterns: bool, progress: Progress | None,
                  scratch: contextlib.ExitStack,
                  front: Laid | None = None) -> tuple[Laid, list[Path], list[Laid]]:
    """Lay out the front matter (unless ``front`` has it) and the main matter's margin pages side
    by side: (the front matter, the margin PDFs one page per book page, everything laid out).

    ``patterns``: one margin page per kind of page, reused with only the numbers changed
    (pdf/folios.py); else every margin page laid out, in cached pieces of MARGIN_PIECE.
    """
    from vimanual.pdf.folios import plan_folios

    total = len(plan.sheets)
    own = [] if front is not None else [(front_doc, tagged)]  # the front matter, if laid out here
    first: list[Laid] = []
    if patterns:
        folios = plan_folios(list(zip(plan.heads, plan.kinds, strict=True)), margins.folio,
                             margins.marking + margins.label + margins.draft_word)
        # in pieces, as the pages' margins below: a long book has a head a chapter
        sheets, size = folios.pieces(PATTERN_PIECE)
        first = layouts.get(own + [(margin_document(margin_styles, margins, piece), False)
                                   for piece in sheets], progress)
        first = first if front is None else [front, *first]
        expanded = _expanded(layouts, scratch, [laid.path for laid in first[1:]], folios, size)
        if expanded is not None:
            return first[0], [expanded], first
        # a sentinel not where it must be: every margin page laid out, as below
    main = [(head, margins.folio.format(n=n, total=total), kind)
            for n, (head, kind) in enumerate(zip(plan.heads, plan.kinds, strict=True), start=1)]
    pieces = [main[i : i + MARGIN_PIECE] for i in range(0, len(main), MARGIN_PIECE)]
    laid = layouts.get(own * (not first)
                       + [(margin_document(margin_styles, margins, piece), False) for piece in pieces],
                       progress)
    if first:
        return first[0], [m.path for m in laid], first + laid
    laid = laid if front is None else [front, *laid]
    return laid[0], [m.path for m in laid[1:]], laid


WHOLE, JOINT, PARTS = "whole", "joint", "parts"


def choose_path(template_has_parts: bool, reference: bool = False) -> str:
    """How the book's PDF is laid out; the one place this is decided.

    PARTS: each chapter on its own, in parallel, cached, stitched (the build's way).
    JOINT: the whole main matter in one WeasyPrint call, with the same front matter and
    margin passes (the reference the tests compare PARTS with; never a user option).
    WHOLE: the whole book in one call, for a template from before parts (an old edition's).
    """
    if not template_has_parts:
        return WHOLE
    return JOINT if reference else PARTS


class PdfRecord:
    """What was last written to a PDF target: its key, checksum, pages and refused URLs, so
    that a build that would write the same bytes keeps the file instead."""

    def __init__(self, cache: Path, target: Path) -> None:
        self.path = cache.parent / "pdf" / f"{sha256_hex(str(target))[:16]}.json"
        self.target = target

    def unchanged(self, key: str) -> dict[str, Any] | None:
        """The record, if the target still holds the PDF written under ``key``."""
        with contextlib.suppress(FileNotFoundError, ValueError, KeyError):
            record = json.loads(self.path.read_text(encoding="utf-8"))
            if record["key"] == _private(key) and file_sha256(self.target) == record["sha256"]:
                return dict(record)
        return None

    def remember(self, key: str, pages: int, refused: list[str]) -> None:
        atomic_write(self.path, json.dumps({"key": _private(key), "sha256": file_sha256(self.target),
                                            "pages": pages, "refused": refused}))


def _private(key: str) -> str:
    """``key`` as a record keeps it: with this user's secret (a committed record and PDF are
    never taken for the book a build would write; see cache_secret)."""
    return sha256_hex(key + cache_secret())


@dataclass(frozen=True)
class PdfRequest:
    """How the book's PDF is to be written, resolved once by the build plan
    (``BuildPlan.pdf_request``) and handed down to every layout step."""

    path: str  # see choose_path
    cache: Path  # build/cache/layout
    salt: str  # what a layout depends on besides its HTML (styles, versions), as JSON
    base_dir: Path  # the stylesheets' relative URLs resolve against it
    allowed_roots: tuple[Path, ...]  # the only folders WeasyPrint may read from
    jobs: int
    timeout: float
    memory_mb: int
    use_cache: bool = True
    # PDF/UA-1 tags (structure tree, language, alt text): released editions and prints always;
    # a draft only when asked (it costs ~1.1-1.3x the layout time).
    tagged: bool = True
    font_subsetter: str = FONT_SUBSETTER  # see vimanual.pdf.weasy.FONT_SUBSETTER
    # The flags below are on for a draft, and for an edition whose layout (book/plan.PDF_LAYOUTS)
    # has them: an edition is rebuilt the way it was released, byte for byte.
    # The main matter's margins laid out once per kind of page and reused with only the
    # numbers changed (pdf/folios.py).
    margin_patterns: bool = False
    # Runs of short chapters laid out as one document (pdf/pageplan.py's ``group_units``).
    group_parts: bool = False
    # Each leader (the contents' dots) drawn as one run of text, not a box a dot (pdf/leaders.py).
    one_run_leaders: bool = False
    # The contents laid out beside the chapters, its page numbers written in after
    # (pdf/tocpages.py), not once the pages are known.
    early_contents: bool = False
    # Each face's one program subset from its font file under base_dir, not merged from the
    # parts' subsets (pdf/fontunion.FontFiles).
    fonts_from_files: bool = False
    # List markers the markers layout's way (pdf/markers.py): each laid out once a document and
    # copied to the items alike; an ordered list numbered from its ``start``.
    markers_layout: bool = False

    def font_files(self) -> tuple[Path, ...]:
        """The font files the stylesheets can name (the .ttf files under base_dir, none through a
        link: nothing outside it is read; none over 64 MiB), if asked for."""
        if not self.fonts_from_files:
            return ()
        base = self.base_dir.resolve()
        return tuple(sorted(path for path in base.rglob("*.[tT][tT][fF]") if path.is_file()
                            and path.resolve().is_relative_to(base) and path.stat().st_size <= 64 << 20))

    def pool(self, scratch_in: Path) -> LayoutPool:
        """Layout workers for this request (not started until first needed)."""
        return LayoutPool(self.base_dir, list(self.allowed_roots), self.jobs, self.timeout,
                          self.memory_mb, scratch_in, font_subsetter=self.font_subsetter,
                          one_run_leaders=self.one_run_leaders, markers_layout=self.markers_layout)


def write_pdf(
    units: list[Unit],
    document: Callable[[Part], str],
    margin_styles: str,
    margins: Margins,
    target: Path,
    request: PdfRequest,
    progress: Progress | None = None,
    pool: LayoutPool | None = None,
) -> tuple[BookLayout, bool]:
    """Write the book's PDF to ``target`` atomically by ``request.path`` (see ``choose_path``),
    or keep it if the same book was already written there. Returns (layout, reused). ``pool``
    is a ``LayoutPool`` the caller started early, else one is started here."""
    if request.path == WHOLE:
        return _write_whole(document(Part()), target, request, progress)
    # The subsetter changes the bytes of every part: it is part of their cache keys (and so
    # are one-run leaders and reused markers; a release's keys are as they were before those existed).
    salt = json.dumps([*json.loads(request.salt), request.font_subsetter, fonttools_version()]
                      + ["one-run leaders"] * request.one_run_leaders
                      + ["reused markers"] * request.markers_layout)
    return _write_book(units, document, margin_styles, margins, target,
                       replace(request, salt=salt), progress, pool)


def _write_whole(document: str, target: Path, request: PdfRequest,
                 progress: Progress | None) -> tuple[BookLayout, bool]:
    """The whole book in one WeasyPrint call."""
    from vimanual.pdf.weasy import render_pdf_isolated

    identity = sha256_hex(json.dumps([document, *json.loads(request.salt)]))
    # The subsetter changes the bytes, so it is part of the cache key, but not of the PDF's
    # /ID (``identity``), which editions released before it was recorded were built with.
    # An untagged draft is other bytes again: its key says so (a tagged book's key is as it was).
    key = sha256_hex(json.dumps([identity, request.font_subsetter, fonttools_version()]
                                + ([] if request.tagged else ["untagged"])))
    record = PdfRecord(request.cache, target)
    found = record.unchanged(key) if request.use_cache else None
    if found is not None:
        return BookLayout(int(found["pages"]), list(found["refused"]), 0, 0), True
    with atomic_output(target) as tmp:
        # A stable /ID from the document itself: the same document gives the same bytes.
        log = render_pdf_isolated(document, request.base_dir, list(request.allowed_roots), tmp,
                                  request.timeout, request.memory_mb, progress,
                                  identifier=identity[:32], font_subsetter=request.font_subsetter,
                                  tagged=request.tagged)
    record.remember(key, log.pages, log.refused)
    return BookLayout(log.pages, log.refused, 0, 0), False


def _write_book(
    units: list[Unit],
    document: Callable[[Part], str],
    margin_styles: str,
    margins: Margins,
    target: Path,
    request: PdfRequest,
    progress: Progress | None = None,
    pool: LayoutPool | None = None,
) -> tuple[BookLayout, bool]:
    """The book laid out in parts (or, ``joint``, its main matter in one call) and stitched."""
    import pikepdf

    documents: dict[tuple[frozenset[str], bool, bool], str] = {}

    def remembered(part: Part) -> str:  # each part's document is made once per build
        if part.kind != "body" or part.slugs is None:
            return document(part)
        key = (part.slugs, part.glossary, part.record)
        if key not in documents:
            documents[key] = document(part)
        return documents[key]

    joint = request.path == JOINT
    body_parts = body_documents(units, remembered, joint, request.group_parts)
    key = sha256_hex(json.dumps([body_parts[1], document(Part("front")), margin_styles,
                                 [margins.paper, margins.marking, margins.label, margins.draft],
                                 request.salt] + ([] if request.tagged else ["untagged"])
                                + (["font files"] if request.fonts_from_files else [])))
    record = PdfRecord(request.cache, target)
    found = record.unchanged(key) if request.use_cache else None
    if found is not None:
        return BookLayout(int(found["pages"]), list(found["refused"]), 0, len(units)), True
    with atomic_output(target) as tmp, contextlib.ExitStack() as stack:
        if pool is None:
            pool = stack.enter_context(request.pool(target.parent))
        layouts = Layouts(request.cache, request.salt, pool, request.use_cache)
        try:
            book = lay_out_book(units, remembered, margin_styles, margins, tmp, pool, layouts,
                                joint, progress, tagged=request.tagged, patterns=request.margin_patterns,
                                grouped=request.group_parts, body_parts=body_parts,
                                early=request.early_contents, font_files=request.font_files())
        except pikepdf.PdfError as exc:
            raise VimanualError(f"cannot stitch the PDF: {exc}",
                                "a layout in build/cache/layout/ may be damaged: run "
                                "'vimanual build --no-cache'") from None
        layouts.prune()
    record.remember(key, book.pages, book.refused)
    return book, False
