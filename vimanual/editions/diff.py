"""What changed between two editions, or between an edition and the working manual:
chapters added, removed, moved and changed, with word counts and release notes."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from vimanual.base.yamlio import read_text
from vimanual.editions.manifest import EDITIONS_DIR, WORKING, edition_path, load_edition
from vimanual.workspace.load import CHAPTERS_DIR, load_workspace

WORD_RE = re.compile(r"\S+")


@dataclass(frozen=True)
class ChapterSource:
    slug: str
    title: str
    content_hash: str
    body: str


@dataclass
class ChapterChange:
    slug: str
    kind: str  # added, removed, changed, moved, unchanged
    title: str
    old_position: int | None
    new_position: int | None
    moved: bool = False
    changed: bool = False
    words_added: int = 0
    words_removed: int = 0
    old_title: str = ""
    diff: str = ""


@dataclass
class EditionDiff:
    old: str
    new: str
    changes: list[ChapterChange]

    def of_kind(self, kind: str) -> list[ChapterChange]:
        if kind in ("moved", "changed"):
            return [c for c in self.changes if getattr(c, kind)]
        return [c for c in self.changes if c.kind == kind]


def _edition_sources(root: Path, version: str) -> list[ChapterSource]:
    from vimanual.workspace.load import split_front_matter

    edition = load_edition(root, version)
    sources = []
    for chapter in edition.chapters:
        rel = f"{CHAPTERS_DIR}/{chapter.slug}.md"
        text = read_text(edition.path / rel, f"{EDITIONS_DIR}/{version}/{rel}", 5_000_000)
        body = split_front_matter(text, rel)[2]
        sources.append(ChapterSource(chapter.slug, chapter.title, chapter.content_hash, body))
    return sources


def _working_sources(root: Path) -> list[ChapterSource]:
    workspace = load_workspace(root)
    return [ChapterSource(c.slug, c.title, c.content_hash, c.body) for c in workspace.chapters.values()]


def _sources(root: Path, version: str) -> list[ChapterSource]:
    return _working_sources(root) if version == WORKING else _edition_sources(root, version)


def word_changes(old: str, new: str) -> tuple[int, int]:
    """(words added, words removed) between two texts, by difflib over word tokens."""
    a, b = WORD_RE.findall(old), WORD_RE.findall(new)
    added = removed = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            removed += i2 - i1
        if tag in ("replace", "insert"):
            added += j2 - j1
    return added, removed


def compare(old: list[ChapterSource], new: list[ChapterSource], old_label: str = "old",
            new_label: str = "new", full: bool = False) -> list[ChapterChange]:
    """Chapters added, removed, moved (order among the chapters both hold) and changed."""
    old_by = {c.slug: c for c in old}
    new_by = {c.slug: c for c in new}
    common_old = [c.slug for c in old if c.slug in new_by]
    common_new = [c.slug for c in new if c.slug in old_by]
    # A chapter moved when it is not part of the longest run of chapters kept in the same order.
    matcher = difflib.SequenceMatcher(None, common_old, common_new, autojunk=False)
    in_order = {slug for block in matcher.get_matching_blocks()
                for slug in common_old[block.a:block.a + block.size]}
    changes: list[ChapterChange] = []
    old_pos = {c.slug: i for i, c in enumerate(old, start=1)}
    for index, chapter in enumerate(new, start=1):
        before = old_by.get(chapter.slug)
        if before is None:
            added = len(WORD_RE.findall(chapter.body))
            changes.append(ChapterChange(chapter.slug, "added", chapter.title, None, index,
                                         words_added=added))
            continue
        changed = before.content_hash != chapter.content_hash
        moved = chapter.slug not in in_order
        added, removed = word_changes(before.body, chapter.body) if changed else (0, 0)
        text = ""
        if full and changed:
            text = "".join(difflib.unified_diff(
                before.body.splitlines(keepends=True), chapter.body.splitlines(keepends=True),
                f"{old_label}/{chapter.slug}.md", f"{new_label}/{chapter.slug}.md"))
        kind = "changed" if changed else "moved" if moved else "unchanged"
        changes.append(ChapterChange(chapter.slug, kind, chapter.title, old_pos[chapter.slug], index, moved,
                                     changed, added, removed,
                                     before.title if before.title != chapter.title else "", text))
    for chapter in old:
        if chapter.slug not in new_by:
            changes.append(ChapterChange(chapter.slug, "removed", chapter.title, old_pos[chapter.slug], None,
                                         words_removed=len(WORD_RE.findall(chapter.body))))
    return changes


def diff_editions(root: Path, old: str, new: str | None = None, full: bool = False) -> EditionDiff:
    """What changed from edition ``old`` to edition ``new`` (or the working manual)."""
    new = new or WORKING
    for version in (old, new):
        if version != WORKING:
            edition_path(root, version)
    changes = compare(_sources(root, old), _sources(root, new), old, new, full)
    return EditionDiff(old, new, changes)


def notes_markdown(diff: EditionDiff) -> str:
    """Release notes in Markdown: what changed since the old edition, for 'release --notes'."""
    target = "the working manual" if diff.new == WORKING else f"edition {diff.new}"
    lines = [f"# Changes since edition {diff.old}", "", f"Compared with {target}.", ""]
    sections = (("added", "Added chapters"), ("removed", "Removed chapters"),
                ("changed", "Changed chapters"), ("moved", "Moved chapters"))
    for kind, heading in sections:
        items = diff.of_kind(kind)
        if not items:
            continue
        lines += [f"## {heading}", ""]
        for c in items:
            if kind == "added":
                detail = f"new, {c.words_added} words"
            elif kind == "removed":
                detail = f"{c.words_removed} words"
            elif kind == "changed":
                added = f"{c.words_added} word{'' if c.words_added == 1 else 's'}"
                detail = f"{added} added, {c.words_removed} removed"
                if c.old_title:
                    detail += f"; was titled \u201c{c.old_title}\u201d"
            else:
                detail = f"from position {c.old_position} to {c.new_position}"
            lines.append(f"- **{c.title}** (`{c.slug}`): {detail}")
        lines.append("")
    if not any(diff.of_kind(k) for k, _ in sections):
        lines += ["No chapter changed.", ""]
    return "\n".join(lines)
