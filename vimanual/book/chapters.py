"""The chapters of a build: each through pandoc (cached by its content and arguments, in
parallel), sanitized, numbered and linked, ready for the template."""

from __future__ import annotations

import contextlib
import json
import string
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from vimanual.base.clonekey import cache_secret
from vimanual.base.errors import Problem, VimanualError
from vimanual.base.fsutil import atomic_write, sha256_hex
from vimanual.base.identity import merge_authors
from vimanual.base.sanitize import FragmentContext, clean_fragment
from vimanual.book import numbering
from vimanual.book.plan import BuildPlan, Progress
from vimanual.tools import pandoc
from vimanual.workspace.load import Chapter, Workspace

BROKEN_BANNER = "Draft · this chapter could not be read"
T = TypeVar("T")


@dataclass
class RenderedChapter:
    """One chapter ready for the template: ``html`` for screens, ``print_html`` for the PDF.

    ``screen_html`` is ``html`` with each figure and table in its own sideways scroll container
    (the default template uses it; a released edition's frozen template uses ``html``, so its
    bytes stay those it was released with)."""

    slug: str
    number: str
    title: str
    byline: str
    banner: str
    html: str
    print_html: str
    appendix: bool
    sections: list[numbering.Section] = field(default_factory=list)
    screen_html: str = ""
    lang: str = ""  # set when the chapter is in another language than the book (an untranslated one)



class ChapterCache:
    """Where each chapter's pandoc HTML is cached: the key covers the chapter's text, pandoc's
    arguments and version, the bibliography, the CSL style and the variants filter (by their
    contents, not where they are: an edition's frozen copy has the same keys as the workspace
    it was frozen from). Each key is computed once per build."""

    def __init__(self, workspace: Workspace, jurisdiction: str | None,
                 early: dict[str, str] | None = None) -> None:
        self.workspace = workspace
        self.jurisdiction = jurisdiction
        self.folder = workspace.build_dir / "cache" / "chapters"
        manual = workspace.manual
        inputs = [(path.read_bytes() if path else b"")
                  for path in (workspace.file(manual.bibliography), workspace.file(manual.csl))]
        inputs.append(pandoc.ONLY_FILTER.read_bytes())
        # entries a collaborator committed under build/cache/ must not be found: see cache_secret
        self._inputs = [sha256_hex(i) for i in inputs] + [cache_secret()]
        self._entries: dict[str, tuple[list[str], Path]] = {}
        self._converted: dict[str, str] = {}  # slug → HTML from a joint pandoc run (prefetch)
        self._early = early if early is not None else {}  # cache file name → HTML (``read_with_media``)

    def entry(self, chapter: Chapter) -> tuple[list[str], Path]:
        """(pandoc's arguments, cache file) of ``chapter``."""
        return self._entry(chapter.slug, chapter.body)

    def _entry(self, slug: str, body: str) -> tuple[list[str], Path]:
        if slug not in self._entries:
            manual = self.workspace.manual
            bibliography, csl = self.workspace.file(manual.bibliography), self.workspace.file(manual.csl)
            args = pandoc.chapter_args(slug, bibliography, csl, self.jurisdiction)
            # the files by their contents (``self._inputs``), not by where they are
            keyed = pandoc.chapter_args(slug, bibliography and Path("bibliography"), csl and Path("csl"),
                                        self.jurisdiction)
            blob = json.dumps([pandoc.pandoc_version(), keyed, body, self._inputs])
            self._entries[slug] = (args, self.folder / f"{sha256_hex(blob.encode('utf-8'))}.html")
        return self._entries[slug]

    def pending(self, chapters: list[Chapter], use_cache: bool) -> int:
        """How many of ``chapters`` pandoc has to convert (not in the cache)."""
        if not use_cache:
            return len(chapters)
        return sum(not self.entry(c)[1].is_file() for c in chapters)

    def prefetch(self, chapters: list[Chapter], use_cache: bool, jobs: int) -> None:
        """Convert the chapters pandoc has to convert in ``jobs`` joint pandoc runs (one process
        for many chapters instead of one each), so that ``convert`` finds them ready; those
        converted as the workspace loaded (``read_with_media``) are not converted again.

        The result is the same bytes as converting each chapter alone (tested). If a joint
        run fails for any reason (a chapter pandoc cannot read, a limit), nothing is kept
        from it and ``convert`` converts those chapters one by one, naming the one at fault.
        """
        pending = []
        for chapter in chapters:
            _, cache = self.entry(chapter)
            if use_cache and cache.is_file() or chapter.body.startswith("\ufeff"):
                continue
            if cache.name in self._early:
                self._converted[chapter.slug] = self._early.pop(cache.name)
            else:
                pending.append(chapter)
        if len(pending) < 2:
            return
        found = self._joint({c.slug: c.body for c in pending}, jobs, pandoc.chapters_to_html)
        self._converted.update((slug, html) for slug, html in found.items())

    def read_with_media(self, bodies: dict[str, str], jobs: int
                        ) -> dict[str, pandoc.MediaSet]:
        """Each of ``bodies`` (slug → text) converted and its media set read, by the same pandoc
        read (``pandoc.chapters_with_media``), in ``jobs`` joint runs: the HTML kept for the
        build (by cache file name: ``self._early``), the media sets returned (workspace/media.py).
        Chapters of a run that failed are left out (each is then parsed and converted alone)."""
        bodies = {slug: body for slug, body in bodies.items() if not body.startswith("\ufeff")}
        found = self._joint(bodies, jobs, pandoc.chapters_with_media)
        for slug, (html, _) in found.items():
            self._early[self._entry(slug, bodies[slug])[1].name] = html
        return {slug: media for slug, (_, media) in found.items()}

    def _joint(self, bodies: dict[str, str], jobs: int, run: Callable[..., dict[str, T]]) -> dict[str, T]:
        """``run`` (one of pandoc's joint conversions) over ``bodies`` in up to ``jobs`` pandoc
        processes at once, each given about as much text; what the runs that did not fail gave."""
        if not bodies:
            return {}
        groups: list[dict[str, str]] = [{} for _ in range(max(1, min(jobs, len(bodies) // 2)))]
        sizes = [0] * len(groups)
        for slug, body in sorted(bodies.items(), key=lambda item: -len(item[1])):  # largest first,
            lightest = sizes.index(min(sizes))  # to the lightest
            groups[lightest][slug] = body
            sizes[lightest] += len(body)
        manual, limits = self.workspace.manual, self.workspace.manual.limits
        bibliography, csl = self.workspace.file(manual.bibliography), self.workspace.file(manual.csl)

        def one(group: dict[str, str]) -> dict[str, T]:
            try:
                return run(group, bibliography, csl, self.jurisdiction, limits.pandoc_timeout_seconds,
                           limits.pandoc_memory_mb)
            except VimanualError:
                return {}

        found: dict[str, T] = {}
        with ThreadPoolExecutor(max_workers=len(groups)) as pool:
            for result in pool.map(one, groups):
                found.update(result)
        return found

    def convert(self, chapter: Chapter, use_cache: bool) -> tuple[str, bool]:
        """pandoc's HTML for one chapter, from the cache when its key is known; (html, converted)."""
        args, cache = self.entry(chapter)
        if chapter.slug in self._converted:
            html = self._converted.pop(chapter.slug)
            atomic_write(cache, html)
            return html, True
        if use_cache:
            with contextlib.suppress(FileNotFoundError):
                return cache.read_text(encoding="utf-8"), False
        try:
            limits = self.workspace.manual.limits
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


def _byline(workspace: Workspace, chapter: Chapter, words: Mapping[str, str],
            translators: tuple[str, ...]) -> str:
    """Authors, the lead jurisdiction and, for a translation, its translators."""
    parts = []
    if chapter.front.authors:
        parts.append(", ".join(merge_authors(list(chapter.front.authors))))
    if chapter.front.lead:
        names = {j.code: j.name for j in workspace.manual.jurisdictions}
        parts.append(words["lead"].format(name=names.get(chapter.front.lead, chapter.front.lead)))
    if translators:
        parts.append(words["translated_by"].format(names=", ".join(translators)))
    return " · ".join(parts)


def render_chapters(
    plan: BuildPlan, cache: ChapterCache, progress: Progress | None = None
) -> tuple[list[RenderedChapter], int, list[Problem], dict[str, str]]:
    """Convert (or fetch from cache), sanitize, number and link every chapter, in manual order.
    Also returns each image path the chapters named and what was found there (the build's
    stamp checks them again: book/stamp.py)."""
    workspace, chapters, glossary = plan.workspace, plan.chapters, plan.glossary
    use_cache = plan.options.use_cache
    results: dict[str, tuple[str, bool]] = {}
    cache.prefetch(chapters, use_cache, plan.jobs)
    with ThreadPoolExecutor(max_workers=plan.jobs) as pool:
        futures = {pool.submit(cache.convert, c, use_cache): c.slug for c in chapters}
        for done, (future, slug) in enumerate(futures.items(), start=1):
            results[slug] = future.result()
            if progress:
                progress("chapters", done, len(chapters))
    problems: list[Problem] = []
    slugs = frozenset(c.slug for c in chapters)
    release = plan.options.release
    # A handout keeps the numbers its chapters have in the edition (not 1, 2 …).
    numbers = chapter_numbers(list(workspace.chapters.values()) if release and release.handout else chapters)
    cleaned: dict[str, str] = {}
    images: dict[str, str] = {}
    for chapter in chapters:
        ctx = FragmentContext(workspace.root, chapter.rel, chapter.slug, slugs,
                              folder=chapter.rel.rsplit("/", 1)[0])
        cleaned[chapter.slug] = clean_fragment(results[chapter.slug][0], ctx)
        problems.extend(ctx.problems)
        images.update(ctx.images)
    all_ids = numbering.collect_ids(cleaned.values()) | slugs | {t.id for t in glossary}
    targets = numbering.LinkTargets(all_ids)
    terms = [(term.pattern(), term.id) for term in glossary]
    banners = plan.options.banners
    rendered: list[RenderedChapter] = []
    for chapter in chapters:
        number = numbers[chapter.slug]
        html, link_problems = numbering.resolve_links(cleaned[chapter.slug], chapter.slug, targets,
                                                      chapter.rel)
        problems.extend(link_problems)
        html, sections = numbering.number_sections(html, number)
        html = numbering.number_captions(html, number, plan.labels["figure"], plan.labels["table"])
        if terms:
            html = numbering.link_first_uses(html, terms)
        rendered.append(RenderedChapter(
            slug=chapter.slug, number=number, title=chapter.title,
            byline=_byline(workspace, chapter, plan.labels, plan.options.translators.get(chapter.slug, ())),
            banner=banners.get(chapter.slug, BROKEN_BANNER if chapter.slug in workspace.broken else ""),
            html=html, print_html=numbering.footnotes_to_print(html), appendix=chapter.front.appendix,
            sections=sections, lang=plan.options.chapter_languages.get(chapter.slug, ""),
            screen_html=numbering.scroll_wrappers(html, plan.labels["figure"], plan.labels["table"]),
        ))
    converted = sum(was_converted for _, was_converted in results.values())
    return rendered, converted, problems, images
