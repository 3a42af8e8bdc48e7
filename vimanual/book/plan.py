"""What a build is asked for (``BuildOptions``), what it makes (``BuildResult``), and the
``BuildPlan``: everything resolved once from the workspace and the options before any stage
runs (chapters, paper, date, glossary, styles, template, the PDF path), handed to every
stage so that none reads again what an earlier one resolved."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vimanual import __version__
from vimanual.base.errors import Problem, UnknownName, VimanualError
from vimanual.base.fsutil import is_within
from vimanual.base.names import check_slug, normalise_code
from vimanual.workspace.glossary import Term, load_glossary
from vimanual.workspace.load import CHAPTERS_DIR, Chapter, Workspace, styles_link_problems
from vimanual.workspace.schema import PAPERS, FrontMatter

if TYPE_CHECKING:
    from vimanual.pdf.layout import PdfRequest

DEFAULT_STYLES = Path(__file__).parent.parent / "defaults" / "styles"
FORMATS = ("pdf", "html")
TEMPLATE = "manual.html.j2"

Progress = Callable[[str, int, int], None]


#: How a book's PDF is laid out, as an edition's manifest records it (``build.pdf_layout``).
#: COVER_LABEL_LAYOUT: the markers layout, with a page that has no number (the cover) showing
#: the edition's label alone, not "Edition 1.0 · date ·" (pdf/layout.Margins): drafts, and
#: editions released since. MARKERS_LAYOUT: the font-files layout, each list marker laid out
#: once a document and copied to the items alike (pdf/markers.py): editions released before
#: that. FONT_FILES_LAYOUT:
#: the early-contents layout, each face's one font program subset from its font file rather
#: than merged from the parts' subsets (pdf/fontunion.FontFiles): editions released before
#: that. EARLY_CONTENTS_LAYOUT: the grouped layout, with the contents laid out beside the
#: chapters and its page numbers written in after (pdf/tocpages.py): editions released before
#: that. GROUPED_LAYOUT: runs of short chapters laid out as one document, the margins from one
#: page a kind of page, each leader one run of text (pdf/pageplan.py, pdf/folios.py,
#: pdf/leaders.py), the contents laid out once the pages are known: editions released before
#: that. PART_A_CHAPTER_LAYOUT: one document a chapter, every margin page and leader dot laid
#: out: editions released before the grouped layout, whose manifests say nothing. An edition
#: is rebuilt byte for byte the way it was laid out.
COVER_LABEL_LAYOUT = "grouped-early-contents-font-files-markers-cover-label"
MARKERS_LAYOUT = "grouped-early-contents-font-files-markers"
FONT_FILES_LAYOUT = "grouped-early-contents-font-files"
EARLY_CONTENTS_LAYOUT = "grouped-early-contents"
GROUPED_LAYOUT = "grouped"
PART_A_CHAPTER_LAYOUT = "part-a-chapter"
# Newest first: each is the one after it and one change more (``BuildPlan.laid_out_since``).
PDF_LAYOUTS = (COVER_LABEL_LAYOUT, MARKERS_LAYOUT, FONT_FILES_LAYOUT, EARLY_CONTENTS_LAYOUT, GROUPED_LAYOUT,
               PART_A_CHAPTER_LAYOUT)


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
    # A handout of some chapters (vimanual print --chapters): its cover and footer say so, and
    # its chapters keep the numbers they have in the edition.
    handout: bool = False
    # "Edition" in the edition's language (a language edition's footer and cover say it so)
    edition_word: str = "Edition"


def edition_title(release: ReleaseInfo, numbers: Sequence[str]) -> str:
    """What a released document is: "Edition 1.0", or "Handout — chapters 3, 7 of edition 1.0"."""
    if release.handout:
        which = "chapter" if len(numbers) == 1 else "chapters"
        return f"Handout — {which} {', '.join(numbers)} of edition {release.version}"
    return f"{release.edition_word} {release.version}"


def edition_label(release: ReleaseInfo, numbers: Sequence[str]) -> str:
    """The footer of a released document: its title and the edition's date."""
    return f"{edition_title(release, numbers)} · {release.date}"


def default_jobs() -> int:
    """One pandoc run and one layout worker per core this process may use."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, cores or 1)


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
    # Each chapter's draft banner (its live review state), from vimanual.status.review_banners.
    banners: Mapping[str, str] = field(default_factory=dict)
    # A language edition (book/languages.py): the language tag names the outputs
    # (manual.<tag>.pdf), and chapters shown in another language carry their own tag.
    language: str | None = None
    chapter_languages: Mapping[str, str] = field(default_factory=dict)
    # and each translated chapter's translators, credited in its byline
    translators: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # A test hook, not a user option: lay out the whole main matter in one WeasyPrint call,
    # the reference the parallel layout is compared with.
    reference_layout: bool = False
    # How fonts are subset (see vimanual.pdf.weasy.FONT_SUBSETTER); a released edition's
    # rebuild uses the one the edition was made with; None: the build's own (BuildPlan.font_subsetter).
    font_subsetter: str | None = None
    # How the PDF is laid out (PDF_LAYOUTS); a released edition's rebuild uses the one its
    # manifest records; None: the build's own (BuildPlan.lean_layout).
    pdf_layout: str | None = None
    # A draft's PDF is tagged (PDF/UA-1) only when asked (build --tagged); a released
    # edition's (``release``) always is.
    tagged: bool = False
    # The HTML carries a Content-Security-Policy (book/document.CONTENT_POLICY); an edition
    # released before it did is rebuilt without, to its recorded bytes.
    content_policy: bool = True


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


@dataclass
class BuildPlan:
    """One build, resolved: every stage (chapters, document, PDF) takes what it needs from here."""

    workspace: Workspace
    options: BuildOptions
    chapters: list[Chapter]
    paper: str
    date: str
    out_dir: Path
    glossary: list[Term]
    problems: list[Problem]
    template: Any  # the compiled Jinja template
    template_has_parts: bool  # can render the front matter and body parts on their own
    _css: dict[str, str] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.workspace.root

    @functools.cached_property
    def labels(self) -> dict[str, str]:
        """The book's own words (Contents, Glossary, DRAFT …) in the manual's language."""
        from vimanual.book.languages import labels_for

        return labels_for(self.workspace.manual.language)

    @property
    def stem(self) -> str:
        """The outputs' file name without suffix: manual, or manual.<tag> for a language edition."""
        return f"manual.{self.options.language}" if self.options.language else "manual"

    @property
    def jobs(self) -> int:
        """Parallel pandoc runs and layout workers: as asked, else one per core this process may use."""
        return self.options.jobs or default_jobs()

    @property
    def styles_dir(self) -> Path:
        """The folder WeasyPrint resolves the stylesheets' relative URLs (fonts) against."""
        return style_path(self.workspace, "fonts.css").parent

    @property
    def allowed_roots(self) -> list[Path]:
        """The only folders WeasyPrint may read from."""
        return [self.workspace.root, DEFAULT_STYLES]

    def css(self, name: str) -> str:
        """A stylesheet's text, read once per build, safe inside a <style> element."""
        if name not in self._css:
            text = style_path(self.workspace, name).read_text(encoding="utf-8")
            self._css[name] = text.replace("</", "<\\/")
        return self._css[name]

    @functools.cached_property
    def styles_digest(self) -> str:
        """Digest of every file the PDF renderer may read from the styles folder (fonts included)."""
        folder = self.styles_dir
        digest = hashlib.sha256()
        # Files that resolve outside the allowed roots are never read by the renderer: skip them
        # (a link to a device such as /dev/zero would never finish).
        roots = tuple(r.resolve() for r in self.allowed_roots)
        for path in sorted(p for p in folder.rglob("*")
                           if any(is_within(p.resolve(), r) for r in roots) and p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()

    @functools.cached_property
    def authors(self) -> str:
        """Every chapter's authors, each person once, sorted: the metadata of each document the
        build makes (worked out once, not once a document: a draft makes one a run of chapters)."""
        from vimanual.base.identity import merge_authors

        return ", ".join(sorted(merge_authors(*(list(c.front.authors)
                                                for c in self.workspace.chapters.values()))))

    @functools.cached_property
    def pdf_salt(self) -> str:
        """What a laid-out PDF depends on besides its HTML: styles, WeasyPrint and vimanual."""
        import importlib.metadata  # late: it imports email and socket (a no-change build needs neither)

        return json.dumps([self.styles_digest, importlib.metadata.version("weasyprint"), __version__])

    @property
    def tagged(self) -> bool:
        """Whether the PDF is tagged (PDF/UA-1): a released edition's (and so every print of
        it) always; a draft's only when asked, since tags cost ~1.1-1.3x the layout time."""
        return self.options.release is not None or self.options.tagged

    @property
    def font_subsetter(self) -> str:
        """How the PDF's fonts are subset: as asked (a released edition's rebuild: as its
        manifest records), else by uharfbuzz (pdf/hbsubset.py)."""
        from vimanual.pdf.weasy import FAST_FONT_SUBSETTER

        return self.options.font_subsetter or FAST_FONT_SUBSETTER

    @property
    def pdf_layout(self) -> str:
        """How the PDF is laid out (PDF_LAYOUTS): a draft's and a new edition's the newest way;
        an edition released before as it was."""
        return self.options.pdf_layout or COVER_LABEL_LAYOUT

    def laid_out_since(self, layout: str) -> bool:
        """Whether the PDF is laid out ``layout``'s way or a later one's (PDF_LAYOUTS, newest
        first: each layout is the one before it and one change more)."""
        return PDF_LAYOUTS.index(self.pdf_layout) <= PDF_LAYOUTS.index(layout)

    @property
    def lean_layout(self) -> bool:
        """Whether the PDF is laid out the lean way (GROUPED_LAYOUT and after): runs of short
        chapters as one document, margin pages from patterns, leaders as runs."""
        return self.laid_out_since(GROUPED_LAYOUT)

    def pdf_request(self, path: str) -> PdfRequest:
        """How this build's PDF is written, laid out by ``path`` (pdf/layout.choose_path)."""
        from vimanual.pdf.layout import PdfRequest

        limits = self.workspace.manual.limits
        return PdfRequest(path, self.workspace.build_dir / "cache" / "layout", self.pdf_salt,
                          self.styles_dir, tuple(self.allowed_roots), self.jobs,
                          limits.pdf_timeout_seconds, limits.pdf_memory_mb, self.options.use_cache,
                          self.tagged, self.font_subsetter,
                          margin_patterns=self.lean_layout, group_parts=self.lean_layout,
                          one_run_leaders=self.lean_layout,
                          early_contents=self.laid_out_since(EARLY_CONTENTS_LAYOUT),
                          fonts_from_files=self.laid_out_since(FONT_FILES_LAYOUT),
                          markers_layout=self.laid_out_since(MARKERS_LAYOUT))


def plan_build(workspace: Workspace, options: BuildOptions) -> BuildPlan:
    """Check the options against the workspace and resolve everything the stages share."""
    for fmt in options.formats:
        if fmt not in FORMATS:
            raise VimanualError(f"unknown format '{fmt}'", "use pdf, html or all")
    chapters = _selected(workspace, options)
    paper = _paper(workspace, options)
    if options.jurisdiction is not None and options.jurisdiction not in workspace.manual.codes:
        code = normalise_code(options.jurisdiction, workspace.manual.codes)  # any case; else a did-you-mean
        options = replace(options, jurisdiction=code)
    date = options.date or dt.datetime.now(dt.UTC).date().isoformat()
    out_dir = (options.output or workspace.build_dir).resolve()
    glossary, problems = load_glossary(workspace.root)
    if any(p.severity == "error" for p in problems):
        raise VimanualError(str(problems[0]), problems[0].hint)
    template, has_parts = _template(workspace)
    problems += styles_link_problems(workspace.root)  # the bundled styles used instead: say so
    return BuildPlan(workspace, options, chapters, paper, date, out_dir, glossary, problems,
                     template, has_parts)


def _selected(workspace: Workspace, options: BuildOptions) -> list[Chapter]:
    if not options.chapters:
        if not workspace.broken:
            return list(workspace.chapters.values())
        # a forced draft: each broken chapter keeps its place, as a page saying why it is missing
        return [workspace.chapters[slug] if slug in workspace.chapters
                else placeholder_chapter(workspace, slug, workspace.broken[slug])
                for slug in workspace.manual.chapters
                if slug in workspace.chapters or slug in workspace.broken]
    for slug in options.chapters:
        check_slug(slug)
        if slug not in workspace.chapters:
            raise UnknownName("chapter", slug, workspace.chapters, listed="known chapters")
    return [c for c in workspace.chapters.values() if c.slug in options.chapters]


def placeholder_chapter(workspace: Workspace, slug: str, problems: list[Problem]) -> Chapter:
    """The page a forced draft prints where a chapter that cannot be read belongs: what is wrong
    (file, line) and how to fix it, as plain text (the file's own content is never used)."""
    lines = [f"{p}" + (f"\n  fix: {p.hint}" if p.hint else "") for p in problems]
    text = "\n".join(lines).replace("`", "'")
    body = ("This chapter is missing from this draft: its file could not be read. "
            "The draft was built with `--force`.\n\n```\n" + text + "\n```\n")
    front = FrontMatter(title=f"Chapter '{slug}' could not be read", lead=None, authors=(),
                        summary="", reviewed_by=())
    return Chapter(slug=slug, path=workspace.root / CHAPTERS_DIR / f"{slug}.md", front=front, body=body,
                   body_line=1, content_hash=hashlib.sha256(body.encode("utf-8")).hexdigest())


def _paper(workspace: Workspace, options: BuildOptions) -> str:
    wanted = options.paper or workspace.manual.paper
    for paper in PAPERS:
        if paper.lower() == wanted.lower():
            return paper
    raise VimanualError(f"paper '{wanted}' is not supported", f"use one of: {', '.join(PAPERS)}")


def _template(workspace: Workspace) -> tuple[Any, bool]:
    """The compiled template, and whether it renders parts (a template from before parts, such
    as an old edition's, lays out the whole book in one call)."""
    import jinja2
    import jinja2.meta
    import jinja2.sandbox

    path = style_path(workspace, TEMPLATE)
    source = path.read_text(encoding="utf-8")
    # A template is committed by whoever can commit: sandboxed, so that it can reach the data
    # it is given but no Python internals (``cycler.__init__.__globals__.os`` and the like).
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(path.parent)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    try:
        tree = env.parse(source)  # parsed once, for both
        has_parts = "part" in jinja2.meta.find_undeclared_variables(tree)
        template = env.from_string(tree)
    except jinja2.TemplateSyntaxError as exc:
        raise VimanualError(f"template error: {exc.message}",
                            "fix the template, or delete it to use the default",
                            file=f"styles/{path.name}", line=exc.lineno) from None
    return template, has_parts
