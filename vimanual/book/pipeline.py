"""The build pipeline: load → convert chapters (pandoc, cached, parallel) → sanitize →
number and link → assemble one HTML document from the template → WeasyPrint → PDF.

Outputs are written atomically: a failed build leaves the previous manual intact.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import string
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vimanual import __version__
from vimanual.base.errors import Problem, VimanualError
from vimanual.base.fsutil import atomic_output, atomic_write, file_sha256, is_within
from vimanual.base.names import check_slug, did_you_mean
from vimanual.book import html as book
from vimanual.book.sanitize import FragmentContext, clean_fragment
from vimanual.pdf.layout import Part, body_page_css, css_string
from vimanual.tools import pandoc
from vimanual.workspace.glossary import Term, load_glossary
from vimanual.workspace.load import Chapter, Workspace
from vimanual.workspace.schema import PAPERS

DEFAULT_STYLES = Path(__file__).parent.parent / "defaults" / "styles"
FORMATS = ("pdf", "html")

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RecordEntry:
    """One chapter of a released edition's review record: who approved it, for which jurisdiction."""

    slug: str
    title: str
    approvals: tuple[tuple[str, str, str], ...]  # (jurisdiction name, reviewer, date)


@dataclass(frozen=True)
class ReleaseInfo:
    """What a released edition's PDF and HTML show: its label, its date and the review record."""

    version: str
    date: str
    record: tuple[RecordEntry, ...] = ()


@dataclass(frozen=True)
class BuildOptions:
    """What to build; every field has the default a plain ``vimanual build`` uses."""

    formats: tuple[str, ...] = FORMATS
    output: Path | None = None
    paper: str | None = None
    chapters: tuple[str, ...] = ()
    jobs: int | None = None
    draft: bool = True
    date: str | None = None
    jurisdiction: str | None = None
    release: ReleaseInfo | None = None
    use_cache: bool = True
    # How fonts are subset (see vimanual.pdf.weasy.FONT_SUBSETTER); a released edition's
    # rebuild uses the one the edition was made with.
    font_subsetter: str = "fonttools"


@dataclass
class RenderedChapter:
    """One chapter ready for the template: ``html`` for screens, ``print_html`` for the PDF."""

    slug: str
    number: str
    title: str
    byline: str
    banner: str
    html: str
    print_html: str
    appendix: bool
    sections: list[book.Section] = field(default_factory=list)


@dataclass
class BuildResult:
    """What a build made and what it had to remove or refuse on the way."""

    outputs: dict[str, Path]
    chapters: int
    converted: int
    cached: int
    pages: int | None
    pdf_reused: bool
    problems: list[Problem]
    laid_out: int = 0  # PDF parts laid out by WeasyPrint in this build
    layout_cached: int = 0  # PDF parts taken from the layout cache


def style_path(workspace: Workspace, name: str) -> Path:
    """A style file from the workspace's styles/, else the tool's default."""
    own = workspace.root / "styles" / name
    if own.is_symlink() and not is_within(own.resolve(), workspace.root.resolve()):
        raise VimanualError(f"styles/{name} is a link to a file outside the workspace",
                            f"replace styles/{name} with the file itself")
    return own if own.is_file() else DEFAULT_STYLES / name


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _pandoc_args(workspace: Workspace, chapter: Chapter, jurisdiction: str | None = None) -> list[str]:
    manual = workspace.manual
    return pandoc.chapter_args(
        chapter.slug, workspace.file(manual.bibliography), workspace.file(manual.csl), jurisdiction
    )


def _cache_key(workspace: Workspace, chapter: Chapter, args: list[str]) -> str:
    """The args name the jurisdiction (if any) and the filter; the filter's text counts too."""
    inputs = [
        (path.read_bytes() if path else b"")
        for path in (workspace.file(workspace.manual.bibliography), workspace.file(workspace.manual.csl))
    ]
    inputs.append(pandoc.ONLY_FILTER.read_bytes())
    blob = json.dumps([pandoc.pandoc_version(), args, chapter.body, [_sha256(i) for i in inputs]])
    return _sha256(blob.encode("utf-8"))


def _convert(
    workspace: Workspace, chapter: Chapter, jurisdiction: str | None = None, use_cache: bool = True
) -> tuple[str, bool]:
    """pandoc's HTML for one chapter, from the cache when its key is known; (html, converted)."""
    args = _pandoc_args(workspace, chapter, jurisdiction)
    cache = workspace.build_dir / "cache" / "chapters" / f"{_cache_key(workspace, chapter, args)}.html"
    if use_cache:
        with contextlib.suppress(FileNotFoundError):
            return cache.read_text(encoding="utf-8"), False
    try:
        limits = workspace.manual.limits
        html = pandoc.markdown_to_html(
            chapter.body, args, limits.pandoc_timeout_seconds, limits.pandoc_memory_mb
        )
    except VimanualError as exc:
        raise VimanualError(f"{chapter.rel}: {exc.message}", exc.hint) from None
    atomic_write(cache, html)
    return html, True


def chapter_numbers(chapters: list[Chapter]) -> dict[str, str]:
    """Chapters are numbered 1, 2, 3 …; appendices A, B, C …, each in manual order."""
    numbers: dict[str, str] = {}
    regular = 0
    letters = iter(string.ascii_uppercase)
    for chapter in chapters:
        if chapter.front.appendix:
            numbers[chapter.slug] = next(letters, "Z")
        else:
            regular += 1
            numbers[chapter.slug] = str(regular)
    return numbers


def _byline(workspace: Workspace, chapter: Chapter) -> str:
    parts = []
    if chapter.front.authors:
        parts.append(", ".join(chapter.front.authors))
    if chapter.front.lead:
        names = {j.code: j.name for j in workspace.manual.jurisdictions}
        parts.append(f"Lead: {names.get(chapter.front.lead, chapter.front.lead)}")
    return " · ".join(parts)


def review_banners(workspace: Workspace) -> dict[str, str]:
    """Each chapter's draft banner: its readiness and review state per jurisdiction."""
    from vimanual.review.store import NOT_APPLICABLE, chapter_infos, derive_states, load_events

    events = load_events(workspace.root).events
    banners = {}
    for review in derive_states(chapter_infos(workspace), workspace.manual.codes, events):
        states = " · ".join(f"{code} {cell.state}" for code, cell in review.cells.items()
                            if cell.state != NOT_APPLICABLE)
        verdict = "ready" if review.ready else "not ready"
        banners[review.slug] = f"Draft · review: {verdict} · {states or 'no reviewing jurisdiction'}"
    return banners


def _print_marking_css(workspace: Workspace) -> str:
    """The marking on every page when a reader prints the HTML; the paper is the printer's."""
    if not workspace.manual.marking:
        return ""
    return (f"@media print {{ @page {{ @bottom-left {{ content: {css_string(workspace.manual.marking)}; "
            'font-family: "Manual Sans", sans-serif; font-size: 8.5pt; font-weight: bold; } } }')


def _selected(workspace: Workspace, options: BuildOptions) -> list[Chapter]:
    if not options.chapters:
        return list(workspace.chapters.values())
    for slug in options.chapters:
        check_slug(slug)
        if slug not in workspace.chapters:
            raise VimanualError(
                f"unknown chapter '{slug}'",
                did_you_mean(slug, workspace.chapters) + f"known chapters: {', '.join(workspace.chapters)}",
            )
    return [c for c in workspace.chapters.values() if c.slug in options.chapters]


def _paper(workspace: Workspace, options: BuildOptions) -> str:
    wanted = options.paper or workspace.manual.paper
    for paper in PAPERS:
        if paper.lower() == wanted.lower():
            return paper
    raise VimanualError(f"paper '{wanted}' is not supported", f"use one of: {', '.join(PAPERS)}")


def render_chapters(
    workspace: Workspace,
    chapters: list[Chapter],
    glossary: list[Term],
    jobs: int | None = None,
    progress: Progress | None = None,
    jurisdiction: str | None = None,
    use_cache: bool = True,
) -> tuple[list[RenderedChapter], int, list[Problem]]:
    """Convert (or fetch from cache), sanitize, number and link every chapter, in manual order."""
    workers = max(1, jobs or os.cpu_count() or 1)
    results: dict[str, tuple[str, bool]] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(_convert, workspace, c, jurisdiction, use_cache): c.slug for c in chapters}
        for done, (future, slug) in enumerate(futures.items(), start=1):
            results[slug] = future.result()
            if progress:
                progress("chapters", done, len(chapters))
    problems: list[Problem] = []
    slugs = frozenset(c.slug for c in chapters)
    numbers = chapter_numbers(chapters)
    cleaned: dict[str, str] = {}
    for chapter in chapters:
        ctx = FragmentContext(workspace.root, chapter.rel, chapter.slug, slugs)
        cleaned[chapter.slug] = clean_fragment(results[chapter.slug][0], ctx)
        problems.extend(ctx.problems)
    all_ids = book.collect_ids(cleaned.values()) | slugs | {t.id for t in glossary}
    terms = [(term.pattern(), term.id) for term in glossary]
    banners = review_banners(workspace)
    rendered: list[RenderedChapter] = []
    for chapter in chapters:
        number = numbers[chapter.slug]
        html, link_problems = book.resolve_links(cleaned[chapter.slug], chapter.slug, all_ids, chapter.rel)
        problems.extend(link_problems)
        html, sections = book.number_sections(html, number)
        html = book.number_captions(html, number)
        if terms:
            html = book.link_first_uses(html, terms)
        rendered.append(RenderedChapter(
            slug=chapter.slug, number=number, title=chapter.title,
            byline=_byline(workspace, chapter), banner=banners[chapter.slug],
            html=html, print_html=book.footnotes_to_print(html), appendix=chapter.front.appendix,
            sections=sections,
        ))
    converted = sum(was_converted for _, was_converted in results.values())
    return rendered, converted, problems


def _page_css(workspace: Workspace, paper: str, release: ReleaseInfo | None = None) -> str:
    rule = f"@page {{ size: {paper}; "
    if workspace.manual.marking:
        rule += f"@bottom-left {{ content: {css_string(workspace.manual.marking)}; }} "
    if release is not None:
        label = f"Edition {release.version} · {release.date}"
        rule += (f"@bottom-center {{ content: {css_string(label)}; "
                 'font-family: "Manual Sans", sans-serif; font-size: 8.5pt; } ')
    return rule + "}"


def assemble(
    workspace: Workspace,
    chapters: list[RenderedChapter],
    glossary: list[Term],
    target: str,
    paper: str,
    draft: bool,
    date: str,
    release: ReleaseInfo | None = None,
    part: Part | None = None,
) -> str:
    """One HTML document for ``target`` ('html' or 'pdf') from the workspace's template.

    ``release`` (a released edition) puts its label and date on the cover and in the
    footer and adds the review record of the chapters built. ``part`` (PDF only) makes
    the document just the front matter or some of the body (see layout.py).
    """
    part = part or Part()
    import jinja2

    def css(name: str, media: str = "") -> dict[str, str]:
        text = style_path(workspace, name).read_text(encoding="utf-8")
        return {"text": text.replace("</", "<\\/"), "media": media}

    if target == "pdf":
        stylesheets = [css("fonts.css"), css("base.css"), css("print.css")]
    else:
        stylesheets = [css("base.css"), css("screen.css", "screen"), css("print.css", "print")]
    template_path = style_path(workspace, "manual.html.j2")
    manual = workspace.manual
    authors = sorted({a for c in workspace.chapters.values() for a in c.front.authors})
    try:
        if target != "pdf":
            page_css = _print_marking_css(workspace)
        elif part.kind == "book":
            page_css = _page_css(workspace, paper, release)
        else:
            page_css = body_page_css(paper)
        return _template(template_path, template_path.read_text(encoding="utf-8")).render(
            manual=manual,
            part=part.kind,
            chapters=chapters if part.slugs is None else [c for c in chapters if c.slug in part.slugs],
            glossary=glossary if part.glossary else [],
            with_record=part.record,
            pages=part.pages,
            target=target,
            stylesheets=stylesheets,
            page_css=page_css,
            draft=draft,
            release=release,
            record=[] if release is None else [
                entry for entry in release.record if entry.slug in {c.slug for c in chapters}
            ],
            date=date,
            version=__version__,
            authors=", ".join(authors),
            subject=manual.subtitle or manual.title,
            jurisdictions=" · ".join(j.name for j in manual.jurisdictions),
        )
    except jinja2.TemplateSyntaxError as exc:
        raise VimanualError(f"styles/{template_path.name}:{exc.lineno}: template error: {exc.message}",
                            "fix the template, or delete it to use the default") from None
    except jinja2.TemplateError as exc:
        raise VimanualError(f"styles/{template_path.name}: template error: {exc}",
                            "fix the template, or delete it to use the default") from None


@functools.lru_cache(maxsize=8)
def _template(path: Path, source: str) -> Any:
    """The compiled template (a PDF build renders it once per chapter: compile it once)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(path.parent)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return env.from_string(source)


def build(
    workspace: Workspace, options: BuildOptions, progress: Progress | None = None
) -> BuildResult:
    """Build the requested outputs; the previous outputs stay intact if anything fails."""
    for fmt in options.formats:
        if fmt not in FORMATS:
            raise VimanualError(f"unknown format '{fmt}'", "use pdf, html or all")
    chapters = _selected(workspace, options)
    paper = _paper(workspace, options)
    if options.jurisdiction is not None and options.jurisdiction not in workspace.manual.codes:
        raise VimanualError(f"unknown jurisdiction '{options.jurisdiction}'",
                            did_you_mean(options.jurisdiction, workspace.manual.codes)
                            + f"known: {', '.join(workspace.manual.codes)}")
    date = options.date or dt.datetime.now(dt.UTC).date().isoformat()
    out_dir = (options.output or workspace.build_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    glossary, problems = load_glossary(workspace.root)
    if any(p.severity == "error" for p in problems):
        raise VimanualError(str(problems[0]), problems[0].hint)
    with contextlib.ExitStack() as stack:
        pool = None
        if "pdf" in options.formats and _template_has_parts(workspace):
            pool = stack.enter_context(_layout_pool(workspace, options, out_dir))
            # Chapters to convert will be laid out too: start the layout workers now, so
            # that they import WeasyPrint while pandoc runs.
            pool.prestart(_pending_conversions(workspace, chapters, options))
        return _build(workspace, options, chapters, paper, date, out_dir, glossary, problems,
                      progress, pool)


def _layout_pool(workspace: Workspace, options: BuildOptions, out_dir: Path) -> Any:
    from vimanual.pdf.weasy import LayoutPool

    limits = workspace.manual.limits
    return LayoutPool(style_path(workspace, "fonts.css").parent, [workspace.root, DEFAULT_STYLES],
                      _jobs(options), limits.pdf_timeout_seconds, limits.pdf_memory_mb, out_dir,
                      font_subsetter=options.font_subsetter)


def _jobs(options: BuildOptions) -> int:
    """Layout workers: as asked, else one per core this process may run on."""
    if options.jobs:
        return options.jobs
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, cores or 1)


def _pending_conversions(workspace: Workspace, chapters: list[Chapter], options: BuildOptions) -> int:
    """How many chapters pandoc has to convert (not in its cache)."""
    if not options.use_cache:
        return len(chapters)
    folder = workspace.build_dir / "cache" / "chapters"
    return sum(
        not (folder / f"{_cache_key(workspace, c, _pandoc_args(workspace, c, options.jurisdiction))}.html")
        .is_file()
        for c in chapters
    )


def _build(
    workspace: Workspace,
    options: BuildOptions,
    chapters: list[Chapter],
    paper: str,
    date: str,
    out_dir: Path,
    glossary: list[Term],
    problems: list[Problem],
    progress: Progress | None,
    pool: Any,
) -> BuildResult:
    """``build`` once the options are checked. ``pool``: the layout workers of a PDF laid out
    in parts; None for a template without parts (the whole book in one call) or no PDF."""
    rendered, converted, chapter_problems = render_chapters(
        workspace, chapters, glossary, options.jobs, progress, options.jurisdiction, options.use_cache
    )
    problems.extend(chapter_problems)
    outputs: dict[str, Path] = {}
    pages: int | None = None
    reused = False
    laid_out = layout_cached = 0
    staged_html = ""
    if "html" in options.formats:
        staged_html = assemble(workspace, rendered, glossary, "html", paper, options.draft, date,
                               options.release)
        outputs["html"] = out_dir / "manual.html"
    if "pdf" in options.formats:
        outputs["pdf"] = out_dir / "manual.pdf"
        if pool is not None:
            book, reused = _write_book(workspace, rendered, glossary, paper, date, options,
                                       outputs["pdf"], progress, pool)
            problems.extend(_refusals(book.refused))
            pages, laid_out, layout_cached = book.pages, book.laid_out, book.reused
        else:  # a template from before parts (an old edition's): the whole book in one call
            document = assemble(workspace, rendered, glossary, "pdf", paper, options.draft, date,
                                options.release)
            pages, reused = _write_pdf(workspace, document, outputs["pdf"], problems, progress,
                                       options.font_subsetter)
    if "html" in outputs:
        atomic_write(outputs["html"], staged_html)
    return BuildResult(outputs, len(chapters), converted, len(chapters) - converted, pages, reused,
                       problems, laid_out, layout_cached)


def _template_has_parts(workspace: Workspace) -> bool:
    """Whether the template can render the front matter and body parts on their own."""
    import jinja2
    import jinja2.meta

    source = style_path(workspace, "manual.html.j2").read_text(encoding="utf-8")
    try:
        return "part" in jinja2.meta.find_undeclared_variables(jinja2.Environment().parse(source))
    except jinja2.TemplateSyntaxError:
        return False  # assemble() reports it with its line


def _write_book(
    workspace: Workspace,
    rendered: list[RenderedChapter],
    glossary: list[Term],
    paper: str,
    date: str,
    options: BuildOptions,
    target: Path,
    progress: Progress | None,
    pool: Any = None,
) -> tuple[Any, bool]:
    """The PDF laid out in parts, in parallel, cached per part (layout.py)."""
    import importlib.metadata

    from vimanual.pdf.layout import Margins, Unit, write_pdf

    release = options.release
    units = [Unit(c.slug, f"{'Appendix ' if c.appendix else ''}{c.number} {c.title}",
                  Part("body", frozenset({c.slug}), False, False)) for c in rendered]
    if glossary:
        units.append(Unit("glossary", "Glossary", Part("body", frozenset(), True, False)))
    if release is not None:
        units.append(Unit("review-record", "Review record", Part("body", frozenset(), False, True)))

    def document(part: Part) -> str:
        return assemble(workspace, rendered, glossary, "pdf", paper, options.draft, date, release, part)

    styles = "\n".join(style_path(workspace, name).read_text(encoding="utf-8").replace("</", "<\\/")
                       for name in ("fonts.css", "print.css"))
    marking = workspace.manual.marking or ""
    label = f"Edition {release.version} · {release.date}" if release is not None else ""
    salt = json.dumps([_styles_digest(workspace), importlib.metadata.version("weasyprint"), __version__,
                       options.font_subsetter, importlib.metadata.version("fonttools")])
    limits = workspace.manual.limits
    return write_pdf(
        units, document, styles, Margins(paper, marking, label, options.draft), target,
        cache=workspace.build_dir / "cache" / "layout", salt=salt,
        base_dir=style_path(workspace, "fonts.css").parent,
        allowed_roots=[workspace.root, DEFAULT_STYLES],
        jobs=_jobs(options), timeout=limits.pdf_timeout_seconds, memory_mb=limits.pdf_memory_mb,
        use_cache=options.use_cache, progress=progress, pool=pool,
    )


def _styles_digest(workspace: Workspace) -> str:
    """Digest of every file the PDF renderer may read from the styles folder (fonts included)."""
    folder = style_path(workspace, "fonts.css").parent
    digest = hashlib.sha256()
    # Files that resolve outside the allowed roots are never read by the renderer: skip them
    # (a link to a device such as /dev/zero would never finish).
    roots = (workspace.root.resolve(), DEFAULT_STYLES.resolve())
    for path in sorted(p for p in folder.rglob("*")
                       if any(is_within(p.resolve(), r) for r in roots) and p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _write_pdf(
    workspace: Workspace,
    document: str,
    target: Path,
    problems: list[Problem],
    progress: Progress | None,
    font_subsetter: str = "fonttools",
) -> tuple[int, bool]:
    """Render the PDF unless the same document was already rendered to ``target``.

    Returns (pages, reused). The record of the last rendering lives in build/cache/.
    """
    import importlib.metadata

    identity = _sha256(json.dumps([
        document, _styles_digest(workspace), importlib.metadata.version("weasyprint"), __version__,
    ]).encode("utf-8"))
    # The subsetter changes the bytes, so it is part of the cache key, but not of the PDF's
    # /ID (``identity``), which editions released before it was recorded were built with.
    key = _sha256(json.dumps([identity, font_subsetter, importlib.metadata.version("fonttools")]).encode())
    record_path = workspace.build_dir / "cache" / "pdf" / f"{_sha256(str(target).encode())[:16]}.json"
    with contextlib.suppress(FileNotFoundError, ValueError, KeyError):
        record = json.loads(record_path.read_text(encoding="utf-8"))
        if record["key"] == key and file_sha256(target) == record["sha256"]:
            problems.extend(_refusals(record["refused"]))
            return int(record["pages"]), True

    from vimanual.pdf.weasy import render_pdf_isolated

    with atomic_output(target) as tmp:
        styles = style_path(workspace, "fonts.css").parent
        limits = workspace.manual.limits
        # A stable /ID from the document itself: the same document gives the same bytes.
        log = render_pdf_isolated(
            document, styles, [workspace.root, DEFAULT_STYLES], tmp,
            limits.pdf_timeout_seconds, limits.pdf_memory_mb, progress, identifier=identity[:32],
            font_subsetter=font_subsetter,
        )
    problems.extend(_refusals(log.refused))
    record = {"key": key, "sha256": file_sha256(target), "pages": log.pages,
              "refused": log.refused}
    atomic_write(record_path, json.dumps(record))
    return log.pages, False


def _refusals(urls: list[str]) -> list[Problem]:
    return [
        Problem("styles", None, f"refused to fetch {url[:120]}",
                "stylesheets may only use files inside the workspace", "unsafe-url", "warning")
        for url in urls
    ]
