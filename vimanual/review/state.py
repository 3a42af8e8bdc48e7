"""The pure derivation of review state from events: per chapter and jurisdiction, pending,
changes-requested, approved, stale or n/a, and whether the chapter is ready.

States are derived from the set of events every time, never stored, so two reviewers in
two clones add two new files and git merges them without a conflict. Nothing here reads
a file: ``vimanual.status`` joins the loaded workspace and events and calls
``derive_states``, the one place review state is derived.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from vimanual.review.events import (
    APPROVED,
    CHANGES_REQUESTED,
    COMMENT,
    NOT_APPLICABLE,
    PENDING,
    REQUEST_CHANGES,
    STALE,
    ReviewEvent,
)

# --- pure derivation ------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    """The state of one chapter for one jurisdiction, and the decision it derives from."""

    state: str
    decision: ReviewEvent | None = None
    revised_since: bool = False  # the text changed after the latest decision

    def to_dict(self) -> dict[str, Any]:
        latest = self.decision
        return {
            "state": self.state,
            "revised_since": self.revised_since,
            "decision": None if latest is None else {
                "decision": latest.decision, "reviewer": latest.reviewer, "time": latest.time,
                "comment": latest.comment, "content_hash": latest.content_hash,
                "file": latest.rel, "digest": latest.digest,
            },
        }


@dataclass(frozen=True)
class ChapterReview:
    """Every jurisdiction's cell for one chapter, and whether the chapter is ready."""

    slug: str
    title: str
    content_hash: str
    cells: dict[str, Cell]

    @property
    def reviewing(self) -> tuple[str, ...]:
        return tuple(code for code, cell in self.cells.items() if cell.state != NOT_APPLICABLE)

    @property
    def blocking(self) -> tuple[str, ...]:
        """Reviewing jurisdictions that have not approved the current text."""
        return tuple(code for code, cell in self.cells.items()
                     if cell.state not in (APPROVED, NOT_APPLICABLE))

    @property
    def ready(self) -> bool:
        """All reviewing jurisdictions approved the current text (and there is at least one)."""
        return bool(self.reviewing) and not self.blocking

    def states(self) -> dict[str, str]:
        return {code: cell.state for code, cell in self.cells.items()}


@dataclass(frozen=True)
class ChapterInfo:
    """What derivation needs of a chapter; a workspace Chapter has the same attributes."""

    slug: str
    title: str
    content_hash: str
    reviewed_by: tuple[str, ...]


def derive_cell(reviewing: bool, current_hash: str, events: Iterable[ReviewEvent]) -> Cell:
    """One chapter × jurisdiction: the latest decision (by time, then digest) decides."""
    if not reviewing:
        return Cell(NOT_APPLICABLE)
    latest: ReviewEvent | None = None
    for event in events:
        if event.decision != COMMENT and (latest is None or event.order_key > latest.order_key):
            latest = event
    if latest is None:
        return Cell(PENDING)
    revised = latest.content_hash != current_hash
    if latest.decision == REQUEST_CHANGES:
        return Cell(CHANGES_REQUESTED, latest, revised)
    return Cell(STALE if revised else APPROVED, latest, revised)


def derive_states(
    chapters: Iterable[ChapterInfo], codes: Iterable[str], events: Iterable[ReviewEvent]
) -> list[ChapterReview]:
    """Review state of every chapter for every jurisdiction, in the given chapter order.

    Pure: depends only on the set of events (duplicates and file order do not matter).
    """
    code_list = tuple(codes)
    by_key: dict[tuple[str, str], dict[str, ReviewEvent]] = {}
    for event in events:
        by_key.setdefault((event.chapter, event.jurisdiction), {})[event.digest] = event
    result = []
    for chapter in chapters:
        cells = {
            code: derive_cell(code in chapter.reviewed_by, chapter.content_hash,
                              by_key.get((chapter.slug, code), {}).values())
            for code in code_list
        }
        result.append(ChapterReview(chapter.slug, chapter.title, chapter.content_hash, cells))
    return result


def history(events: Iterable[ReviewEvent], slug: str, code: str | None = None,
            language: str = "") -> list[ReviewEvent]:
    """A chapter's events (optionally one jurisdiction's), oldest first, each once; with
    ``language``, the reviews of that translation instead of the source's."""
    unique = {e.digest: e for e in events if e.chapter == slug and e.language == language
              and (code is None or e.jurisdiction == code)}
    return sorted(unique.values(), key=lambda e: e.order_key)


@dataclass(frozen=True)
class QueueItem:
    """A chapter waiting for one jurisdiction's reviewer."""

    slug: str
    title: str
    state: str
    reason: str


def reviewer_queue(reviews: Iterable[ChapterReview], code: str) -> list[QueueItem]:
    """Chapters awaiting ``code``: stale approvals first, then revised-after-changes, then pending."""
    ranked: list[tuple[int, int, QueueItem]] = []
    for index, review in enumerate(reviews):
        cell = review.cells[code]
        if cell.state == STALE:
            rank, reason = 0, "approved an earlier text; the chapter changed since"
        elif cell.state == CHANGES_REQUESTED and cell.revised_since:
            rank, reason = 1, "changes were requested and the chapter has been revised since"
        elif cell.state == PENDING:
            rank, reason = 2, "no decision yet"
        else:
            continue
        ranked.append((rank, index, QueueItem(review.slug, review.title, cell.state, reason)))
    return [item for _, _, item in sorted(ranked, key=lambda r: (r[0], r[1]))]
