"""What a jurisdiction approved, and what changed since: the text behind an approval's hash.

A review event names the content hash it approved, never the text. The text is recovered by
hashing the candidates a workspace keeps: the chapter as it is now, the copies under
chapters/.history/<slug>/ (kept by 'accept' and, since issue 15, by every approval), the
released editions' frozen chapters, and the chapter's git history.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from vimanual.base.errors import VimanualError
from vimanual.review.events import APPROVE, ReviewEvent
from vimanual.review.state import history
from vimanual.review.store import HISTORY_DIR, check_chapter, load_events
from vimanual.workspace.load import CHAPTERS_DIR, Workspace, content_hash

CONTEXT_WORDS = 8
_TOKEN_RE = re.compile(r"\n|[^\S\n]+|[^\s]+")


@dataclass(frozen=True)
class Piece:
    """A run of words: ``kind`` is same, removed or added."""

    kind: str
    text: str


@dataclass(frozen=True)
class Hunk:
    """One place that changed, with a few words of context around it, at ``line`` of the text now."""

    line: int
    pieces: tuple[Piece, ...]


@dataclass
class SinceApproval:
    """The changes to a chapter since one jurisdiction's latest approval."""

    slug: str
    jurisdiction: str
    approval: ReviewEvent
    current_hash: str
    source: str  # where the approved text was found, e.g. chapters/.history/x/…md or git
    hunks: list[Hunk] = field(default_factory=list)
    words_added: int = 0
    words_removed: int = 0

    @property
    def unchanged(self) -> bool:
        return self.approval.content_hash == self.current_hash


def since_approval(workspace: Workspace, slug: str, code: str) -> SinceApproval:
    """The word changes to ``slug`` since ``code`` last approved it (an error if it never did,
    or if the approved text cannot be found any more)."""
    from vimanual.review.store import check_jurisdiction

    check_chapter(workspace, slug)
    code = check_jurisdiction(workspace.manual, code)
    events = load_events(workspace.root, workspace.manual).events
    approvals = [e for e in history(events, slug, code) if e.decision == APPROVE]
    if not approvals:
        raise VimanualError(f"{code} has not approved chapter '{slug}' yet: there is nothing to compare with",
                            f"see its state with 'vimanual status {slug}'")
    approval = approvals[-1]
    chapter = workspace.chapters[slug]
    current = chapter.path.read_text(encoding="utf-8")
    found = _find_text(workspace, slug, approval.content_hash)
    if found is None:
        raise VimanualError(
            f"the text {code} approved on {approval.time[:10]} (hash {approval.content_hash[:12]}) "
            f"is not kept in this workspace",
            "it is recovered from chapters/.history/, a released edition or the chapter's git history; "
            "ask for the workspace's git history (git fetch) or compare with the PDF the reviewer read",
        )
    source, approved = found
    result = SinceApproval(slug, code, approval, chapter.content_hash, source)
    result.hunks, result.words_added, result.words_removed = word_diff(approved, current)
    return result


def _find_text(workspace: Workspace, slug: str, wanted: str) -> tuple[str, str] | None:
    for source, text in _candidates(workspace, slug):
        raw = text.encode("utf-8")
        if content_hash(raw, workspace.root / CHAPTERS_DIR, workspace.root) == wanted:
            return source, text
    return None


def _candidates(workspace: Workspace, slug: str) -> Iterator[tuple[str, str]]:
    root = workspace.root
    rel = f"{CHAPTERS_DIR}/{slug}.md"
    yield rel, workspace.chapters[slug].path.read_text(encoding="utf-8")
    kept = root / CHAPTERS_DIR / HISTORY_DIR / slug
    if kept.is_dir() and not kept.is_symlink():
        for path in sorted(kept.glob("*.md"), reverse=True):
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(root).as_posix(), _read(path)
    editions = root / "editions"
    if editions.is_dir():
        for path in sorted(editions.glob(f"*/{CHAPTERS_DIR}/{slug}.md"), reverse=True):
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(root).as_posix(), _read(path)
    from vimanual.tools.git import committed_texts

    for index, text in enumerate(committed_texts(root, rel)):
        yield f"git history of {rel} ({index + 1} commit(s) back)", text


def _read(path: Path) -> str:
    return path.read_bytes()[:5_000_000].decode("utf-8", "replace")


def word_diff(old: str, new: str) -> tuple[list[Hunk], int, int]:
    """The changed places between two texts, word by word, with a few words of context."""
    before = _TOKEN_RE.findall(old.replace("\r\n", "\n"))
    after = _TOKEN_RE.findall(new.replace("\r\n", "\n"))
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    hunks: list[Hunk] = []
    added = removed = 0
    for group in matcher.get_grouped_opcodes(CONTEXT_WORDS * 2):
        pieces: list[Piece] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                pieces.append(Piece("same", "".join(after[j1:j2])))
                continue
            if i2 > i1:
                pieces.append(Piece("removed", "".join(before[i1:i2])))
                removed += sum(1 for t in before[i1:i2] if t.strip())
            if j2 > j1:
                pieces.append(Piece("added", "".join(after[j1:j2])))
                added += sum(1 for t in after[j1:j2] if t.strip())
        line = 1 + "".join(after[: group[0][3]]).count("\n")
        hunks.append(Hunk(line, tuple(pieces)))
    return hunks, added, removed


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-!|~])")


def since_approval_markdown(result: SinceApproval) -> str:
    """The changes as Markdown: removed words ~~struck~~, added words **bold**, one item per place."""
    a = result.approval
    lines = [f"## Changes to '{result.slug}' since {a.jurisdiction} approved it",
             "", f"Approved by {a.reviewer} on {a.time[:10]} (text {a.content_hash[:12]}); "
             f"now {result.current_hash[:12]}: {result.words_added} "
             f"word{'' if result.words_added == 1 else 's'} added, {result.words_removed} removed.", ""]
    for hunk in result.hunks:
        text = "".join(_md_piece(p) for p in hunk.pieces)
        lines.append(f"- line {hunk.line}: {' '.join(text.split())}")
    if not result.hunks:
        lines.append("No change to the text.")
    return "\n".join(lines) + "\n"


def _md_piece(piece: Piece) -> str:
    words = " ".join(_MD_SPECIAL.sub(r"\\\1", piece.text).split())
    if not words:
        return piece.text
    lead = " " if piece.text[:1].isspace() else ""
    tail = " " if piece.text[-1:].isspace() else ""
    if piece.kind == "removed":
        return f"{lead}~~{words}~~{tail}"
    if piece.kind == "added":
        return f"{lead}**{words}**{tail}"
    return piece.text


@dataclass
class SinceTranslated:
    """The changes to a chapter's source since the text its translation into ``language`` translates."""

    slug: str
    language: str
    translates: str  # the source text's hash the translation records
    current_hash: str
    translation: str  # the translation's file
    source: str = ""  # where the translated source text was found
    hunks: list[Hunk] = field(default_factory=list)
    words_added: int = 0
    words_removed: int = 0

    @property
    def unchanged(self) -> bool:
        return self.translates == self.current_hash


def since_translated(workspace: Workspace, slug: str, language: str) -> SinceTranslated:
    """The word changes to ``slug``'s source since the text its ``language`` translation
    translates: what a translator must carry over to make a stale translation current."""

    check_chapter(workspace, slug)
    language = workspace.manual.listed_language(language)
    translation = workspace.translations.get(language, {}).get(slug)
    if translation is None:
        raise VimanualError(f"chapter '{slug}' has no {language} translation: nothing to compare with",
                            f"see the translations with 'vimanual status {slug}'")
    chapter = workspace.chapters[slug]
    result = SinceTranslated(slug, language, translation.translates, chapter.content_hash, translation.rel)
    if result.unchanged:
        return result
    found = _find_text(workspace, slug, translation.translates)
    if found is None:
        raise VimanualError(
            f"the source text the {language} translation translates (hash {translation.translates[:12]}) "
            "is not kept in this workspace",
            "it is recovered from chapters/.history/, a released edition or the chapter's git history; "
            "ask for the workspace's git history (git fetch)",
        )
    result.source, translated = found
    current = chapter.path.read_text(encoding="utf-8")
    result.hunks, result.words_added, result.words_removed = word_diff(translated, current)
    return result
