"""The build pipeline: plan → convert chapters (pandoc, cached, parallel) → sanitize →
number and link → assemble HTML documents from the template → lay out the PDF.

Each stage takes the ``BuildPlan`` resolved once at the start. Outputs are written
atomically: a failed build leaves the previous manual intact.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from vimanual.base.errors import Problem, VimanualError
from vimanual.base.fsutil import atomic_write
from vimanual.base.tables import over_limits
from vimanual.book import stamp as stamps
from vimanual.book.plan import (
    COVER_LABEL_LAYOUT,
    BuildOptions,
    BuildPlan,
    BuildResult,
    Progress,
    edition_label,
    plan_build,
)
from vimanual.workspace.load import Workspace

if TYPE_CHECKING:
    from vimanual.book.chapters import ChapterCache, RenderedChapter

# The stages (pandoc, the sanitizer, the template, the PDF's layout) are imported when a build
# runs them: a build with nothing changed stops at its stamp (book/stamp.py) without them.


def build(
    workspace: Workspace, options: BuildOptions, progress: Progress | None = None,
    settle: Callable[[], None] = lambda: None, early: dict[str, str] | None = None,
) -> BuildResult:
    """Build the requested outputs; the previous outputs stay intact if anything fails. When
    nothing they are made from changed and they are as written, they are kept as they are.
    ``settle`` is called once the chapters are converted, before anything is laid out or
    written (and before outputs are kept): it may refuse the build (book/preflight.py: the check
    runs beside the conversion). ``early``: chapters' HTML converted as the workspace loaded
    (book/preflight.py: ``EarlyHTML``)."""
    from vimanual.pdf.workers import end_spare_workers

    stamp = stamps.stamp_for(workspace, options)
    kept = stamps.kept(stamp)
    if kept is not None:
        end_spare_workers()  # one started early (api.build): nothing to lay out
        settle()
        return kept
    from vimanual.book.chapters import ChapterCache
    from vimanual.pdf.layout import PARTS, WHOLE, choose_path

    plan = plan_build(workspace, options)
    plan.out_dir.mkdir(parents=True, exist_ok=True)
    cache = ChapterCache(workspace, options.jurisdiction, early)
    pdf_path = choose_path(plan.template_has_parts, options.reference_layout)
    with contextlib.ExitStack() as stack:
        stack.callback(end_spare_workers)  # one started early that this build did not take up
        pool = None
        if "pdf" in options.formats and pdf_path != WHOLE:
            pool = stack.enter_context(_layout_pool(plan))
            # Chapters to convert will be laid out too: start the layout workers now, so
            # that they import WeasyPrint while pandoc runs; where they are forked, have the
            # fork server warm up with the book's styles while the chapters are prepared.
            if pdf_path == PARTS:
                pending = cache.pending(plan.chapters, options.use_cache)
                pool.prestart(pending)
                if pending > pool.size:  # as many documents as ``LayoutPool.run`` warms up for
                    pool.warm_soon(lambda: _empty_part(plan))
        result, images = _build(plan, cache, pdf_path, progress, pool, settle)
    stamps.remember(stamp, result, images)
    return result


def _empty_part(plan: BuildPlan) -> str:
    """A part document of the book with no chapter: the styles every part carries."""
    from vimanual.book.document import assemble
    from vimanual.pdf.layout import Part

    return assemble(plan, [], "pdf", Part("body", frozenset(), False, False))


def _layout_pool(plan: BuildPlan) -> Any:
    from vimanual.pdf.layout import PARTS

    return plan.pdf_request(PARTS).pool(plan.out_dir)


def _build(plan: BuildPlan, cache: ChapterCache, pdf_path: str, progress: Progress | None,
           pool: Any, settle: Callable[[], None]) -> tuple[BuildResult, dict[str, str]]:
    """``build`` once planned, and the image paths its chapters named (see ``render_chapters``).
    ``pool``: the layout workers, or None (no PDF, or a whole book)."""
    from vimanual.book.chapters import render_chapters
    from vimanual.book.document import assemble

    options = plan.options
    rendered, converted, problems, images = render_chapters(plan, cache, progress)
    settle()
    if "pdf" in options.formats:
        _refuse_long_tables(plan, rendered)
    problems = [*plan.problems, *problems]
    outputs = {}
    pages: int | None = None
    reused = False
    laid_out = layout_cached = 0
    staged_html = ""
    if "html" in options.formats:
        staged_html = assemble(plan, rendered, "html")
        outputs["html"] = plan.out_dir / f"{plan.stem}.html"
    if "pdf" in options.formats:
        outputs["pdf"] = plan.out_dir / f"{plan.stem}.pdf"
        book, reused = _write_pdf(plan, rendered, pdf_path, progress, pool)
        problems.extend(_refusals(book.refused))
        pages, laid_out, layout_cached = book.pages, book.laid_out, book.reused
    if "html" in outputs:
        atomic_write(outputs["html"], staged_html)
    count = len(plan.chapters)
    return BuildResult(outputs, count, converted, count - converted, pages, reused, problems,
                       laid_out, layout_cached), images


def _write_pdf(plan: BuildPlan, rendered: list[RenderedChapter], pdf_path: str, progress: Progress | None,
               pool: Any) -> tuple[Any, bool]:
    """The book's PDF, laid out by ``pdf_path`` (pdf/layout.py)."""
    from vimanual.book.document import assemble
    from vimanual.book.languages import direction
    from vimanual.pdf.layout import Part, Unit, write_pdf
    from vimanual.pdf.margins import Margins

    release = plan.options.release
    words = plan.labels
    units = [Unit(c.slug, f"{words['appendix'] + ' ' if c.appendix else ''}{c.number} {c.title}",
                  Part("body", frozenset({c.slug}), False, False)) for c in rendered]
    if plan.glossary:
        units.append(Unit("glossary", words["glossary"], Part("body", frozenset(), True, False)))
    if release is not None:
        units.append(Unit("review-record", words["review_record"], Part("body", frozenset(), False, True)))

    def document(part: Part) -> str:
        return assemble(plan, rendered, "pdf", part)

    styles = "\n".join(plan.css(name) for name in ("fonts.css", "print.css"))
    marking = plan.workspace.manual.marking or ""
    label = edition_label(release, [c.number for c in rendered]) if release is not None else ""
    margins = Margins(plan.paper, marking, label, plan.options.draft, words["draft"], words["folio"],
                      words["front_folio"], plan.workspace.manual.language,
                      direction(plan.workspace.manual.language), plan.laid_out_since(COVER_LABEL_LAYOUT))
    return write_pdf(units, document, styles, margins, plan.out_dir / f"{plan.stem}.pdf",
                     plan.pdf_request(pdf_path), progress, pool)


def _refuse_long_tables(plan: BuildPlan, rendered: list[RenderedChapter]) -> None:
    """Refuse, before any layout starts, a chapter whose tables cannot be laid out within the
    layout's time limit on any machine, or within its memory cap (base/tables.py), naming it:
    the layout would otherwise run until it reached the limit and then fail."""
    limits = plan.workspace.manual.limits
    files = {c.slug: c.rel for c in plan.chapters}
    for chapter in rendered:
        found = over_limits(chapter.print_html, limits.pdf_timeout_seconds, limits.pdf_memory_mb)
        if found is None:
            continue
        if found.seconds:
            reason = (f"its tables take at least {found.seconds:,.0f} s to lay out, more than the PDF "
                      f"layout limit of {limits.pdf_timeout_seconds:,} s")
            limit = "limits.pdf_timeout_seconds"
        else:
            reason = (f"its tables need at least {found.mib:,.0f} MB of memory to lay out, more than the "
                      f"PDF layout's cap of {limits.pdf_memory_mb:,} MB")
            limit = "limits.pdf_memory_mb"
        raise VimanualError(
            f"{reason} (the largest: {found.largest.describe()})",
            "split the table into smaller ones, or move it to an annex published beside the manual; "
            f"or raise {limit} in manual.yaml",
            file=files.get(chapter.slug, f"chapters/{chapter.slug}.md"))


def _refusals(urls: list[str]) -> list[Problem]:
    return [
        Problem("styles", None, f"refused to fetch {url[:120]}",
                "stylesheets may only use files inside the workspace", "unsafe-url", "warning")
        for url in urls
    ]
