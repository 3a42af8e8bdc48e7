"""``vimanual check``: the editor's pre-flight over the loaded workspace.

Pure over the workspace's files (no network, one pandoc run for section ids at most):
structure, links and anchors, media, terminology, sensitive data, editorial and
accessibility rules, each finding a Problem with an exact file line and a rule id.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vimanual.base.errors import Problem, VimanualError
from vimanual.base.names import check_slug, did_you_mean
from vimanual.check.cache import CheckCache, Entry, all_ids_digest, file_status, link_context
from vimanual.check.rules import ERROR, WARNING, Hit
from vimanual.check.rules.editorial import (
    check_accessibility,
    check_headings,
    check_long_tables,
    check_paragraphs,
)
from vimanual.check.rules.links import anchor_targets, check_links, explicit_ids, linked_chapters
from vimanual.check.rules.markdown import ParsedBody, parse_body
from vimanual.check.rules.markup import check_markup
from vimanual.check.rules.media import ImageChecker
from vimanual.check.rules.prose import (
    TermRule,
    check_sensitive,
    check_terminology,
    check_todos,
    prose,
    wording,
)
from vimanual.check.rules.structure import check_structure, inline_math
from vimanual.check.rules.terminology import load_terminology
from vimanual.check.rules.variants import check_variants
from vimanual.tools import pandoc
from vimanual.workspace.glossary import load_glossary
from vimanual.workspace.load import MANUAL_FILE, Chapter, Workspace, inspect_workspace, translated_chapter
from vimanual.workspace.media import cached_ids, shown_images

SILENCE_HINT = 'write []{.vimanual-allow rule="ID"} right after the text it silences, in the same paragraph'


@dataclass
class CheckReport:
    """Every finding, in manual order, and the chapters that were looked at."""

    problems: list[Problem] = field(default_factory=list)
    chapters: tuple[str, ...] = ()

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != ERROR]

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors or (strict and self.problems))


def check_workspace(root: Path, slugs: Sequence[str] = (), errors_only: bool = False,
                    languages: Sequence[str] | None = None) -> CheckReport:
    """Run every rule over the workspace, or over the chapters named in ``slugs``, and over
    their translations into ``languages`` (None: every language manual.yaml lists).

    ``errors_only`` skips the rules that can only warn (the build's pre-flight needs errors).
    """
    workspace, problems = inspect_workspace(root)
    if workspace is None:
        return CheckReport(problems)
    return check_loaded(workspace, problems, slugs, errors_only, languages)


def check_loaded(
    workspace: Workspace, problems: list[Problem], slugs: Sequence[str] = (), errors_only: bool = False,
    languages: Sequence[str] | None = (),
) -> CheckReport:
    """``check_workspace`` on a workspace already loaded, with the problems its loading found
    (and the translations into ``languages``; None: all)."""
    selected = _select(workspace, slugs)
    if slugs:
        tags = workspace.manual.language_tags
        files = {MANUAL_FILE, *(f"chapters/{slug}.md" for slug in selected),
                 *(f"chapters/{tag}/{slug}.md" for tag in tags for slug in selected)}
        problems = [p for p in problems if p.file in files]
    else:
        problems = list(problems)
    rules, term_problems = load_terminology(workspace.root)
    problems.extend(term_problems)
    problems.extend(load_glossary(workspace.root)[1])  # the build refuses a glossary with problems
    chapters = [workspace.chapters[s] for s in selected if s in workspace.chapters]
    if errors_only:
        rules = [rule for rule in rules if rule.severity == ERROR]
    problems.extend(check_chapters(workspace, chapters, rules, errors_only))
    translated = workspace.manual.language_tags if languages is None else languages
    problems.extend(check_translations(workspace, selected, translated, errors_only))
    return CheckReport(_ordered(problems, workspace), tuple(selected))


def check_translations(workspace: Workspace, slugs: Sequence[str], languages: Sequence[str],
                       errors_only: bool = False) -> list[Problem]:
    """The content rules over the translations of ``slugs`` into each of ``languages``: each
    read as its language edition holds it (links resolve to the other chapters' translations
    where there are some, images from its own folder), with that language's terminology."""
    problems: list[Problem] = []
    for tag in languages:
        translations = workspace.translations.get(tag, {})
        if not translations:
            continue
        chapters = {slug: translated_chapter(chapter, translations[slug]) if slug in translations else chapter
                    for slug, chapter in workspace.chapters.items()}
        edition = dataclasses.replace(workspace, chapters=chapters)
        if not errors_only:
            untranslated = [s for s in slugs if s not in translations]
            problems.extend(_links_into(edition, tag, untranslated, translations))
        wanted = [s for s in slugs if s in translations and s in workspace.chapters]
        if not wanted:
            continue
        rules, rule_problems = load_terminology(workspace.root, tag)
        if errors_only:
            rules = [rule for rule in rules if rule.severity == ERROR]
        problems.extend(p for p in rule_problems if p not in problems)
        problems.extend(check_chapters(edition, [chapters[s] for s in wanted], rules, errors_only))
    return problems


def _links_into(edition: Workspace, tag: str, untranslated: Sequence[str],
                translations: Mapping[str, Any]) -> list[Problem]:
    """The links of the chapters ``tag``'s edition shows untranslated that lead into a translated
    one, read as that edition resolves them: a section id the translation lost (a Word round
    trip drops ids) was found by its build alone, as a link that resolves nowhere. Warnings, as
    the build says it: they do not stop the source's draft."""
    linking = [edition.chapters[slug] for slug in untranslated if slug in edition.chapters
               and any(f"{other}.md#" in edition.chapters[slug].body for other in translations)]
    if not linking:
        return []
    return [dataclasses.replace(problem, message=f"in the {tag} edition: {problem.message}", severity=WARNING,
                                hint=f"keep the section's id in the {tag} translation "
                                     "('## Title {#id}'), or change the link")
            for problem in check_chapters(edition, linking, [])
            if problem.rule == "broken-anchor"]


def preflight_errors(root: Path, slugs: Sequence[str] = (), languages: Sequence[str] = ()) -> list[Problem]:
    """The errors that stop ``vimanual build`` (warnings never do); with ``languages``, of
    those translations too (a language edition's release)."""
    return check_workspace(root, slugs, errors_only=True, languages=languages).errors


def _select(workspace: Workspace, slugs: Sequence[str]) -> list[str]:
    known = list(workspace.manual.chapters)
    for slug in slugs:
        check_slug(slug)
        if slug not in known:
            raise VimanualError(f"unknown chapter '{slug}'",
                                did_you_mean(slug, known) + f"known chapters: {', '.join(known) or 'none'}")
    return [s for s in known if s in slugs] if slugs else known


def check_chapters(
    workspace: Workspace, chapters: list[Chapter], rules: list[TermRule], errors_only: bool = False
) -> list[Problem]:
    """Problems of the content rules for ``chapters`` (the workspace gives link targets).

    Each chapter's findings and section ids are cached (``check.cache``): only chapters that
    changed, or whose links point at chapters whose ids changed, are checked again."""
    cache = CheckCache(workspace, rules, errors_only)
    entries = {c.slug: cache.get(c) for c in chapters}
    parsed = {c.slug: parse_body(c.body) for c in chapters if entries[c.slug] is None}
    needs = {slug: _needs(body, slug, workspace) for slug, body in parsed.items()}
    needs |= {slug: e.needs for slug, e in entries.items() if e is not None}
    ids = _section_ids(workspace, needs, entries)
    every = all_ids_digest(ids) if any(n is None for n in needs.values()) else ""
    slugs, broken = frozenset(workspace.chapters), frozenset(workspace.broken)
    for chapter in chapters:  # a cached entry whose links' targets changed is checked again
        entry = entries[chapter.slug]
        if entry is not None and entry.context != link_context(entry.linked, entry.needs, slugs, ids, every,
                                                               broken):
            entries[chapter.slug] = None
            parsed[chapter.slug] = parse_body(chapter.body)
    limits = workspace.manual.limits
    unprintable = pandoc.unprintable_math([f for body in parsed.values() for _, _, f in inline_math(body)],
                                          limits.pandoc_timeout_seconds, limits.pandoc_memory_mb)
    images = ImageChecker(workspace.root, workspace.manual.check.max_image_kb * 1000)
    problems: list[Problem] = []
    for chapter in chapters:
        entry = entries[chapter.slug]
        if entry is not None:
            problems.extend(entry.problems)
            continue
        body = parsed[chapter.slug]
        shown = shown_images(chapter.path, workspace.root, workspace.manual.limits)
        images.take_inspected()
        hits = _chapter_hits(workspace, chapter.slug, body, slugs, ids, images, rules, errors_only, shown,
                             unprintable, chapter.rel.rsplit("/", 1)[0], broken)
        found = _to_problems(chapter, body, hits)
        problems.extend(found)
        need = needs[chapter.slug]
        linked = linked_chapters(body)
        files = tuple((str(path), file_status(path)) for path in images.take_inspected())
        cache.put(chapter, Entry(ids.get(chapter.slug), need, linked,
                                 link_context(linked, need, slugs, ids, every, broken), files, tuple(found)))
    cache.prune()
    return problems


def rule_hits(workspace: Workspace, slug: str, body: str, rules: list[TermRule]) -> list[Hit]:
    """Every content rule's hits on one chapter ``body``, as ``check`` finds them, but
    without pandoc (no section ids of other chapters, no images from pandoc's parse): the
    part of ``check`` that runs in Python over the text (timed by the linearity test)."""
    parsed = parse_body(body)
    images = ImageChecker(workspace.root, workspace.manual.check.max_image_kb * 1000)
    return _chapter_hits(workspace, slug, parsed, frozenset(workspace.chapters), {}, images, rules)


def _chapter_hits(
    workspace: Workspace,
    slug: str,
    body: ParsedBody,
    slugs: frozenset[str],
    ids: dict[str, frozenset[str]],
    images: ImageChecker,
    rules: list[TermRule],
    errors_only: bool = False,
    shown: Sequence[str] = (),
    unprintable: frozenset[str] = frozenset(),
    folder: str = "chapters",
    broken: frozenset[str] = frozenset(),
) -> list[Hit]:
    settings = workspace.manual.check
    text = prose(body)
    hits = [
        *check_links(body, slug, slugs, ids, broken),
        *images.check(body, shown, folder),
        *check_terminology(wording(body, text), rules),
        *check_headings(body),
        *check_variants(body, workspace.manual.codes),
        *check_structure(body, unprintable),
    ]
    if not errors_only:  # these rules only ever warn
        hits += [
            *check_sensitive(text, settings),
            *check_todos(text),
            *check_paragraphs(body, settings.max_paragraph_words),
            *check_accessibility(body),
            *check_markup(body),
            *check_long_tables(body, workspace.manual.limits.pdf_timeout_seconds,
                               workspace.manual.limits.pdf_memory_mb),
        ]
    return hits


def _needs(body: ParsedBody, slug: str, workspace: Workspace) -> tuple[str, ...] | None:
    """The chapters whose ids this chapter's links need; None for all of them (a bare '#id'
    may name a section of another chapter, see rules.links._check_link)."""
    if any(link.target.startswith("#") for link in body.links):
        return None
    return tuple(sorted(s for s in anchor_targets(body, slug) if s in workspace.chapters))


def _section_ids(workspace: Workspace, needs: dict[str, tuple[str, ...] | None],
                 entries: dict[str, Entry | None]) -> dict[str, frozenset[str]]:
    """Ids of the chapters that links point into: from check's cache, else from the parse cache
    of loading the workspace, else from one pandoc run (none if no link needs ids)."""
    needed: set[str] = set()
    for need in needs.values():
        needed |= set(workspace.chapters) if need is None else set(need) & set(workspace.chapters)
    found: dict[str, frozenset[str]] = {}
    for slug in sorted(needed):
        entry = entries.get(slug)
        if entry is not None and entry.ids is not None:
            found[slug] = entry.ids
        elif (pandoc_ids := cached_ids(workspace.chapters[slug].path, workspace.root)) is not None:
            found[slug] = pandoc_ids | explicit_ids(workspace.chapters[slug].body)
    missing = {s: workspace.chapters[s].body for s in sorted(needed) if s not in found}
    limits = workspace.manual.limits
    parsed = pandoc.element_ids(missing, limits.pandoc_timeout_seconds, limits.pandoc_memory_mb)
    found |= {s: parsed.get(s, frozenset()) | explicit_ids(body) for s, body in missing.items()}
    # a chapter's own ids are kept in its entry, needed by a link or not
    for slug, entry in entries.items():
        if slug not in found and entry is None:
            pandoc_ids = cached_ids(workspace.chapters[slug].path, workspace.root)
            if pandoc_ids is not None:
                found[slug] = pandoc_ids | explicit_ids(workspace.chapters[slug].body)
    return found


def _silenceable(hit: Hit) -> bool:
    """Markers may silence terminology and warnings, never a safety or build-breaking error."""
    return hit.rule.startswith("terminology/") or hit.severity == WARNING


def apply_markers(body: ParsedBody, hits: list[Hit]) -> list[Hit]:
    """Drop the one hit each marker names (the nearest before it in its block); flag unused markers."""
    kept = sorted(hits, key=lambda h: (h.start, h.rule))
    for marker in body.markers:
        block = body.block_at(marker.start)
        candidates = [
            h for h in kept
            if h.rule in (marker.rule, f"terminology/{marker.rule}") and h.end <= marker.start
            and _silenceable(h) and block is not None and block.start <= h.start
        ]
        if candidates:
            kept.remove(max(candidates, key=lambda h: h.end))
        else:
            kept.append(Hit(marker.start, marker.end, "unused-allow", WARNING,
                            f"marker for rule '{marker.rule}' silences nothing", SILENCE_HINT))
    return kept


def _to_problems(chapter: Chapter, body: ParsedBody, hits: list[Hit]) -> list[Problem]:
    return [
        Problem(chapter.rel, chapter.body_line + body.line_index(h.start), h.message, h.hint, h.rule,
                h.severity)
        for h in sorted(apply_markers(body, hits), key=lambda h: (h.start, h.rule))
    ]


def _ordered(problems: list[Problem], workspace: Workspace) -> list[Problem]:
    """manual.yaml first, then chapters in manual order, then any other file; by line within."""
    rank = {MANUAL_FILE: 0}
    for index, slug in enumerate(workspace.manual.chapters, start=1):
        rank[f"chapters/{slug}.md"] = index
    last = len(rank) + 1
    return sorted(problems, key=lambda p: (rank.get(p.file, last), p.file, p.line or 0))
