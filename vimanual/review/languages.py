"""The pure derivation of translation state, per chapter × language: missing, in progress,
current, stale, changes-requested or approved.

Nothing is stored: a translation records the source hash it translates (``translates:``)
and its reviews are review events with a language, so the state follows from the files as
review state does. ``vimanual.status`` joins the loaded workspace, events and contributions
and calls ``derive_translations``, the one place translation state is derived.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vimanual.review.events import APPROVE, COMMENT, REQUEST_CHANGES, ReviewEvent
from vimanual.review.state import ChapterInfo
from vimanual.workspace.translations import Translation

MISSING = "missing"
IN_PROGRESS = "in-progress"
CURRENT = "current"
STALE = "stale"
CHANGES_REQUESTED = "changes-requested"
APPROVED = "approved"
TRANSLATION_STATES = (APPROVED, CURRENT, CHANGES_REQUESTED, STALE, IN_PROGRESS, MISSING)


@dataclass(frozen=True)
class TranslationCell:
    """One chapter in one language: its state, the translation file and its latest decision."""

    language: str
    state: str
    source_hash: str
    title: str = ""
    file: str = ""
    content_hash: str = ""
    translates: str = ""
    decision: ReviewEvent | None = None
    submitted: tuple[str, ...] = ()  # open translation contributions (a first text or an update)

    @property
    def usable(self) -> bool:
        """There is a translation to build from (current, approved, or stale with a warning)."""
        return bool(self.file)

    def to_dict(self) -> dict[str, Any]:
        latest = self.decision
        return {
            "state": self.state, "title": self.title, "file": self.file, "content_hash": self.content_hash,
            "translates": self.translates, "source_hash": self.source_hash, "submitted": list(self.submitted),
            "decision": None if latest is None else {
                "decision": latest.decision, "reviewer": latest.reviewer, "time": latest.time,
                "comment": latest.comment, "content_hash": latest.content_hash, "file": latest.rel,
            },
        }


@dataclass(frozen=True)
class ChapterTranslations:
    """Every language's cell for one chapter."""

    slug: str
    title: str
    source_hash: str
    cells: dict[str, TranslationCell] = field(default_factory=dict)

    def states(self) -> dict[str, str]:
        return {language: cell.state for language, cell in self.cells.items()}


def translation_cell(language: str, source_hash: str, translation: Translation | None,
                     events: Iterable[ReviewEvent], submitted: tuple[str, ...] = ()) -> TranslationCell:
    """One chapter × language. A translation of an older source text is stale whatever its
    reviews say; otherwise the latest decision on the translation's own text decides."""
    if translation is None:
        return TranslationCell(language, IN_PROGRESS if submitted else MISSING, source_hash,
                               submitted=submitted)
    latest: ReviewEvent | None = None
    for event in events:
        if event.decision != COMMENT and (latest is None or event.order_key > latest.order_key):
            latest = event
    if translation.translates != source_hash:
        state = STALE
    elif latest is not None and latest.content_hash == translation.content_hash:
        state = {APPROVE: APPROVED, REQUEST_CHANGES: CHANGES_REQUESTED}.get(latest.decision, CURRENT)
    else:
        state = CURRENT
    return TranslationCell(language, state, source_hash, translation.title, translation.rel,
                           translation.content_hash, translation.translates, latest, submitted)


def derive_translations(
    chapters: Iterable[ChapterInfo],
    languages: Iterable[str],
    translations: Mapping[str, Mapping[str, Translation]],
    events: Iterable[ReviewEvent],
    submitted: Mapping[tuple[str, str], tuple[str, ...]],
) -> list[ChapterTranslations]:
    """Translation state of every chapter in every language, in chapter order. ``submitted``
    maps (slug, language) to the open translation contributions for it. Pure."""
    tags = tuple(languages)
    by_key: dict[tuple[str, str], dict[str, ReviewEvent]] = {}
    for event in events:
        if event.language:
            by_key.setdefault((event.chapter, event.language), {})[event.digest] = event
    result = []
    for chapter in chapters:
        cells = {
            tag: translation_cell(tag, chapter.content_hash, translations.get(tag, {}).get(chapter.slug),
                                  by_key.get((chapter.slug, tag), {}).values(),
                                  submitted.get((chapter.slug, tag), ()))
            for tag in tags
        }
        result.append(ChapterTranslations(chapter.slug, chapter.title, chapter.content_hash, cells))
    return result
