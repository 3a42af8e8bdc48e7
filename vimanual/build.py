"""The build pipeline: load → convert chapters (pandoc, cached, parallel) → sanitize →
assemble one HTML document from the template → WeasyPrint → PDF, written atomically."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import html as htmllib
import json
import os
import re
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from vimanual import __version__, pandoc
from vimanual.errors import Problem, VimanualError
from vimanual.fsutil import atomic_write, fsync_dir
from vimanual.names import check_slug, did_you_mean
from vimanual.sanitize import FragmentContext, clean_fragment
from vimanual.schema import PAPERS
from vimanual.workspace import Chapter, Workspace

DEFAULT_STYLES = Path(__file__).parent / "defaults" / "styles"
FORMATS = ("pdf", "html")
SECTION_RE = re.compile(
    r'<section id="(?P<id>[^"]+)" class="level(?P<level>[23])(?P<cls>[^"]*)">\s*'
    r"<h(?P=level)(?P<attrs>[^>]*)>(?P<title>.*?)</h(?P=level)>",
    re.S,
)
TAG_RE = re.compile(r"<[^>]+>")

Progress = Callable[[str, int, int], None]


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


@dataclass(frozen=True)
class Section:
    id: str
    number: str
    title: str
    level: int


@dataclass
class RenderedChapter:
    slug: str
    number: str
    title: str
    byline: str
    banner: str
    html: str
    sections: list[Section] = field(default_factory=list)


@dataclass
class BuildResult:
    """What a build made and what it had to remove or refuse on the way."""

    outputs: dict[str, Path]
    chapters: int
    converted: int
    cached: int
    pages: int | None
    problems: list[Problem]


def style_path(workspace: Workspace, name: str) -> Path:
    """A style file from the workspace's styles/, else the tool's default."""
    own = workspace.root / "styles" / name
    return own if own.is_file() else DEFAULT_STYLES / name


def _cache_key(chapter: Chapter) -> str:
    blob = json.dumps([pandoc.pandoc_version(), pandoc.chapter_args(chapter.slug), chapter.body])
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _convert(workspace: Workspace, chapter: Chapter) -> tuple[str, bool]:
    """pandoc's HTML for one chapter, from the cache when its key is known; (html, converted)."""
    cache = workspace.build_dir / "cache" / "chapters" / f"{_cache_key(chapter)}.html"
    with contextlib.suppress(FileNotFoundError):
        return cache.read_text(encoding="utf-8"), False
    try:
        html = pandoc.markdown_to_html(chapter.body, chapter.slug)
    except VimanualError as exc:
        raise VimanualError(f"{chapter.rel}: {exc.message}", exc.hint) from None
    atomic_write(cache, html)
    return html, True


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
        title = htmllib.unescape(TAG_RE.sub("", match.group("title"))).strip()
        sections.append(Section(match.group("id"), number, title, level))
        head = match.group(0)[: match.start("title") - match.start(0)]
        tail = match.group(0)[match.end("title") - match.start(0) :]
        return f'{head}<span class="num">{number}</span> {match.group("title")}{tail}'

    return SECTION_RE.sub(replace, html), sections


def _byline(workspace: Workspace, chapter: Chapter) -> str:
    parts = []
    if chapter.front.authors:
        parts.append(", ".join(chapter.front.authors))
    if chapter.front.lead:
        names = {j.code: j.name for j in workspace.manual.jurisdictions}
        parts.append(f"Lead: {names.get(chapter.front.lead, chapter.front.lead)}")
    return " · ".join(parts)


def _banner(chapter: Chapter) -> str:
    return "Draft · to be reviewed by " + ", ".join(chapter.front.reviewed_by)


def _css_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    return '"' + " ".join(escaped.split()) + '"'


def _page_css(workspace: Workspace, paper: str) -> str:
    rules = [f"@page {{ size: {paper}; "]
    if workspace.manual.marking:
        rules.append(
            f"@bottom-left {{ content: {_css_string(workspace.manual.marking)}; "
            'font-family: "Manual Sans", sans-serif; font-size: 8.5pt; font-weight: bold; } '
        )
    rules.append("}")
    return "".join(rules)


def _print_marking_css(workspace: Workspace) -> str:
    """The marking on every page when a reader prints the HTML; the paper is the printer's."""
    if not workspace.manual.marking:
        return ""
    return (f"@media print {{ @page {{ @bottom-left {{ content: {_css_string(workspace.manual.marking)}; "
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
    jobs: int | None = None,
    progress: Progress | None = None,
) -> tuple[list[RenderedChapter], int, list[Problem]]:
    """Convert (or fetch from cache), sanitize and number every chapter, in manual order."""
    workers = max(1, jobs or os.cpu_count() or 1)
    total = len(chapters)
    converted = 0
    done = 0
    results: dict[str, tuple[str, bool]] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(_convert, workspace, c): c.slug for c in chapters}
        for future, slug in futures.items():
            results[slug] = future.result()
            done += 1
            if progress:
                progress("chapters", done, total)
    problems: list[Problem] = []
    slugs = frozenset(c.slug for c in chapters)
    rendered: list[RenderedChapter] = []
    for index, chapter in enumerate(chapters, start=1):
        raw, was_converted = results[chapter.slug]
        converted += was_converted
        ctx = FragmentContext(workspace.root, chapter.rel, chapter.slug, slugs)
        clean = clean_fragment(raw, ctx)
        problems.extend(ctx.problems)
        numbered, sections = number_sections(clean, str(index))
        rendered.append(RenderedChapter(
            slug=chapter.slug, number=str(index), title=chapter.title,
            byline=_byline(workspace, chapter), banner=_banner(chapter),
            html=numbered, sections=sections,
        ))
    return rendered, converted, problems


def assemble(
    workspace: Workspace,
    chapters: list[RenderedChapter],
    target: str,
    paper: str,
    draft: bool,
    date: str,
) -> str:
    """One HTML document for ``target`` ('html' or 'pdf') from the workspace's template."""
    import jinja2

    def css(name: str, media: str = "") -> dict[str, str]:
        text = style_path(workspace, name).read_text(encoding="utf-8")
        return {"text": text.replace("</", "<\\/"), "media": media}

    if target == "pdf":
        stylesheets = [css("fonts.css"), css("base.css"), css("print.css")]
    else:
        stylesheets = [css("base.css"), css("screen.css", "screen"), css("print.css", "print")]
    template_path = style_path(workspace, "manual.html.j2")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_path.parent)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    manual = workspace.manual
    authors = sorted({a for c in workspace.chapters.values() for a in c.front.authors})
    return env.get_template(template_path.name).render(
        manual=manual,
        chapters=chapters,
        stylesheets=stylesheets,
        page_css=_page_css(workspace, paper) if target == "pdf" else _print_marking_css(workspace),
        draft=draft,
        date=date,
        version=__version__,
        authors=", ".join(authors),
        subject=manual.subtitle or manual.title,
        jurisdictions=" · ".join(j.name for j in manual.jurisdictions),
    )


def build(
    workspace: Workspace, options: BuildOptions, progress: Progress | None = None
) -> BuildResult:
    """Build the requested outputs; the previous outputs stay intact if anything fails."""
    for fmt in options.formats:
        if fmt not in FORMATS:
            raise VimanualError(f"unknown format '{fmt}'", "use pdf, html or all")
    chapters = _selected(workspace, options)
    paper = _paper(workspace, options)
    date = options.date or dt.datetime.now(dt.UTC).date().isoformat()
    out_dir = (options.output or workspace.build_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    rendered, converted, problems = render_chapters(workspace, chapters, options.jobs, progress)
    outputs: dict[str, Path] = {}
    pages: int | None = None
    if "html" in options.formats:
        document = assemble(workspace, rendered, "html", paper, options.draft, date)
        outputs["html"] = out_dir / "manual.html"
        staged_html = document
    if "pdf" in options.formats:
        if progress:
            progress("pdf", 0, 1)
        pages = _write_pdf(workspace, rendered, paper, options.draft, date, out_dir, problems)
        outputs["pdf"] = out_dir / "manual.pdf"
        if progress:
            progress("pdf", 1, 1)
    if "html" in outputs:
        atomic_write(outputs["html"], staged_html)
    return BuildResult(outputs, len(chapters), converted, len(chapters) - converted, pages, problems)


def _write_pdf(
    workspace: Workspace,
    rendered: list[RenderedChapter],
    paper: str,
    draft: bool,
    date: str,
    out_dir: Path,
    problems: list[Problem],
) -> int:
    from vimanual.pdf import render_pdf

    document = assemble(workspace, rendered, "pdf", paper, draft, date)
    fd, tmp_name = tempfile.mkstemp(prefix=".manual.pdf.", suffix=".tmp", dir=out_dir)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        styles = style_path(workspace, "fonts.css").parent
        log = render_pdf(document, styles, [workspace.root, DEFAULT_STYLES], tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, out_dir / "manual.pdf")
        fsync_dir(out_dir)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    for url in log.refused:
        problems.append(Problem("styles", None, f"refused to fetch {url[:120]}",
                                "stylesheets may only use files inside the workspace",
                                "unsafe-url", "warning"))
    return log.pages
