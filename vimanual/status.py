"""The one join of workspace, review events and contributions: what every view of review
state is made from.

``review_status`` is the one place that derives review state (``derive_states``); the
status views, the reviewer's queue, the contributor's view, the build's review banners and
the release gate's blockers all take it from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from vimanual.base.errors import GateFailed, Problem
from vimanual.contributions.store import Contribution, Decision, Revision, describe, list_contributions
from vimanual.review.events import NOT_APPLICABLE
from vimanual.review.languages import APPROVED, CURRENT, ChapterTranslations, derive_translations
from vimanual.review.state import ChapterInfo, ChapterReview, derive_states, history
from vimanual.review.store import LoadedEvents, check_chapter, load_events
from vimanual.workspace.load import Workspace, load_workspace, refuse_broken


@dataclass
class ReviewStatus:
    """Everything the status views render: the workspace, its events and the derived states."""

    workspace: Workspace
    loaded: LoadedEvents
    reviews: list[ChapterReview]
    translations: list[ChapterTranslations] = field(default_factory=list)

    def review(self, slug: str) -> ChapterReview:
        """One chapter's review, or an error naming the known chapters (or saying why the
        chapter's file cannot be read)."""
        refuse_broken(self.workspace, [slug])
        check_chapter(self.workspace, slug)
        return next(r for r in self.reviews if r.slug == slug)

    def translated(self, slug: str) -> ChapterTranslations:
        """One chapter's translations, or an error naming the known chapters."""
        check_chapter(self.workspace, slug)
        return next(t for t in self.translations if t.slug == slug)


def chapter_infos(workspace: Workspace) -> list[ChapterInfo]:
    """ChapterInfo for each chapter of a loaded Workspace, in manual order."""
    return [ChapterInfo(c.slug, c.title, c.content_hash, c.front.reviewed_by)
            for c in workspace.chapters.values()]


def review_status(workspace: Workspace, loaded: LoadedEvents) -> ReviewStatus:
    """The review state of every chapter for every jurisdiction, and of every translation in
    every language: the one derivation."""
    infos = chapter_infos(workspace)
    source_events = [e for e in loaded.events if not e.language]
    reviews = derive_states(infos, workspace.manual.codes, source_events)
    translations = []
    if workspace.manual.languages:
        translations = derive_translations(infos, workspace.manual.language_tags, workspace.translations,
                                           loaded.events, open_translations(workspace.root))
    return ReviewStatus(workspace, loaded, reviews, translations)


def open_translations(root: Path) -> dict[tuple[str, str], tuple[str, ...]]:
    """(chapter, language) → the ids of translation contributions awaiting the editor."""
    found: dict[tuple[str, str], tuple[str, ...]] = {}
    for contribution in list_contributions(root, state="submitted"):
        if contribution.language:
            key = (contribution.chapter, contribution.language)
            found[key] = (*found.get(key, ()), contribution.id)
    return found


@dataclass(frozen=True)
class DocumentComments:
    """The comments a chapter's accepted text came with (a Word or LibreOffice document's), kept
    beside that revision of its contribution: ``vimanual contributions CONTRIBUTION`` shows them."""

    contribution: str
    revision: int
    count: int

    def to_dict(self) -> dict[str, object]:
        return {"contribution": self.contribution, "revision": self.revision, "count": self.count}


def document_comments(status: ReviewStatus) -> dict[str, DocumentComments]:
    """Per chapter, the comments of the document its text was last accepted from, when it held
    any (translations aside): what a reviewer should read beside the chapter."""
    workspace = status.workspace
    latest: dict[str, tuple[Contribution, Decision]] = {}
    for contribution in list_contributions(workspace.root):
        accepted = contribution.acceptance
        if contribution.language or accepted is None or accepted.chapter not in workspace.chapters:
            continue
        slug = str(accepted.chapter)
        if slug not in latest or accepted.at >= latest[slug][1].at:
            latest[slug] = (contribution, accepted)
    found: dict[str, DocumentComments] = {}
    for slug, (contribution, accepted) in latest.items():
        revision = next((r for r in contribution.revisions if r.number == accepted.revision), None)
        if revision is not None and revision.comments:
            found[slug] = DocumentComments(contribution.id, revision.number, revision.comments)
    return found


def workspace_status(workspace: Workspace) -> ReviewStatus:
    """Every review event of a loaded workspace, and the state of every chapter."""
    return review_status(workspace, load_events(workspace.root, workspace.manual))


def load_review_status(root: Path) -> ReviewStatus:
    """Load the workspace and every event, and derive the state of every chapter; a chapter
    that cannot be read is set aside in ``workspace.broken``, not fatal (issue 15)."""
    return workspace_status(load_workspace(root, isolate=True))


# --- what the build shows ---------------------------------------------------------------------

def review_banners(status: ReviewStatus) -> dict[str, str]:
    """Each chapter's draft banner: its readiness and review state per jurisdiction."""
    banners = {}
    for review in status.reviews:
        states = " · ".join(f"{code} {cell.state}" for code, cell in review.cells.items()
                            if cell.state != NOT_APPLICABLE)
        verdict = "ready" if review.ready else "not ready"
        banners[review.slug] = f"Draft · review: {verdict} · {states or 'no reviewing jurisdiction'}"
    return banners


# --- the release gate -------------------------------------------------------------------------

@dataclass(frozen=True)
class Blocker:
    """Why a chapter cannot be released: a jurisdiction that has not approved its current text."""

    chapter: str
    jurisdiction: str
    state: str
    ask: tuple[str, ...]


def release_blockers(status: ReviewStatus, included: Iterable[str]) -> list[Blocker]:
    """Every (chapter, jurisdiction) among ``included`` that keeps a chapter from being ready,
    with who to ask."""
    wanted = set(included)
    reviewers = status.workspace.manual.reviewers
    blockers = []
    for review in status.reviews:
        if review.slug not in wanted:
            continue
        if not review.reviewing:
            blockers.append(Blocker(review.slug, "-", "no reviewing jurisdiction", ()))
        for code in review.blocking:
            blockers.append(Blocker(review.slug, code, review.cells[code].state, reviewers.get(code, ())))
    return blockers


def edition_translations(status: ReviewStatus, language: str,
                         chapters: Iterable[tuple[str, str, str]]) -> list[ChapterTranslations]:
    """Each chapter's translation into ``language`` measured against the source text an
    edition holds (``chapters``: slug, title, source hash), not today's: a language edition
    translates its source edition, which the working chapter may have moved on from."""
    infos = [ChapterInfo(slug, title, source_hash, ()) for slug, title, source_hash in chapters]
    return derive_translations(infos, (language,), status.workspace.translations, status.loaded.events,
                               open_translations(status.workspace.root))


def translation_blockers(status: ReviewStatus, translated: Iterable[ChapterTranslations],
                         language: str) -> list[Blocker]:
    """Every chapter whose ``language`` translation is not approved at the text it translates:
    the language's reviewers are asked to approve a current one, its translators for the rest."""
    target = next(lang for lang in status.workspace.manual.languages if lang.tag == language)
    blockers = []
    for chapter in translated:
        cell = chapter.cells[language]
        if cell.state != APPROVED:
            ask = target.reviewers if cell.state == CURRENT else target.translators
            blockers.append(Blocker(chapter.slug, language, cell.state, ask))
    return blockers


class ReleaseBlocked(GateFailed):
    """The release gate failed: chapters not ready, or 'vimanual check' errors (exit 1)."""

    def __init__(self, blockers: list[Blocker], problems: list[Problem]) -> None:
        parts = []
        if blockers:
            parts.append(f"{len({b.chapter for b in blockers})} chapter(s) not ready")
        if problems:
            parts.append(f"'vimanual check' found {len(problems)} error(s)")
        super().__init__(
            "release blocked: " + " and ".join(parts),
            "get the approvals listed (vimanual review), fix the check errors, or leave a chapter "
            "out with --exclude SLUG",
        )
        self.blockers = blockers
        self.problems = problems


# --- the contributor's view -------------------------------------------------------------------

@dataclass
class ContributorEntry:
    """One of a contributor's submissions, where it stands, and once accepted how review goes."""

    id: str
    title: str
    jurisdiction: str
    chapter: str
    state: str
    summary: str
    revisions: list[Revision]
    decisions: list[Decision]
    language: str = ""  # a translation: its language (review then holds that language's state)
    accepted_chapter: str | None = None
    accepted_revision: int | None = None
    chapter_hash: str | None = None
    chapter_changed_since: bool = False
    review: dict[str, str] = field(default_factory=dict)
    comments: list[dict[str, str]] = field(default_factory=list)


def contributor_view(status: ReviewStatus, name: str) -> list[ContributorEntry]:
    """Each of ``name``'s contributions: revisions, state and, once accepted, the chapter's
    review state per jurisdiction and every reviewer comment on it (oldest first)."""
    workspace = status.workspace
    entries = []
    for contribution in list_contributions(workspace.root, contributor=name):
        entry = ContributorEntry(
            id=contribution.id, title=contribution.title, jurisdiction=contribution.jurisdiction,
            chapter=contribution.chapter, state=contribution.state, summary=describe(contribution),
            revisions=list(contribution.revisions), decisions=list(contribution.decisions),
            language=contribution.language,
        )
        accepted = contribution.acceptance
        if accepted is not None and accepted.chapter:
            entry.accepted_chapter = accepted.chapter
            entry.accepted_revision = accepted.revision
            chapter = workspace.chapters.get(accepted.chapter)
            if chapter is not None and contribution.language:
                cell = status.translated(accepted.chapter).cells[contribution.language]
                entry.chapter_hash = cell.content_hash or None
                entry.chapter_changed_since = cell.content_hash != accepted.content_hash
                entry.review = {contribution.language: cell.state}
            elif chapter is not None:
                entry.chapter_hash = chapter.content_hash
                entry.chapter_changed_since = chapter.content_hash != accepted.content_hash
                review = next(r for r in status.reviews if r.slug == accepted.chapter)
                entry.review = review.states()
            entry.comments = [
                {"jurisdiction": e.jurisdiction, "reviewer": e.reviewer, "comment": e.comment,
                 "decision": e.decision, "time": e.time, "language": e.language}
                for e in history(status.loaded.events, accepted.chapter, language=contribution.language)
                if e.comment
            ]
        entries.append(entry)
    return entries
