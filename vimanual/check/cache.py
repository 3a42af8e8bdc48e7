"""check's per-chapter results, cached in build/cache/check/ so that a check (or a build's
pre-flight) of an unchanged manual costs only what changed.

An entry holds one chapter's findings and its section ids under a key of everything they
depend on: the chapter's content hash (its text and every file it shows), the chapter's
slug, the rules' configuration (terminology, manual.yaml's ``check``/``allow`` settings,
the jurisdiction codes), whether only errors were asked for, and the tool itself (the
source of the check rules, the vimanual version, the pandoc binary). The links between
chapters are the one part that depends on other chapters: an entry records which chapters
its links name and the section ids it was checked against, and is used only while those
are the same (the ids of other chapters come from their own entries).

build/ is local and git-ignored, but a clone can still carry files there, and anything on
disk can be damaged: every entry is sealed with this clone's key (``base.clonekey``), read
with a size bound, never through a link, and an entry that is damaged, forged or of another
shape is ignored and computed again. Images the rules inspected are recorded with their
file status (size, times, inode), so an image changed in place is looked at again even when
pandoc's media set (which the content hash covers) does not name it. Writes are temp +
rename; the folder is kept to a bounded number of entries.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from vimanual import __version__
from vimanual.base.clonekey import seal, sealed_by_us
from vimanual.base.errors import Problem
from vimanual.base.fsutil import is_within
from vimanual.check.rules.prose import TermRule
from vimanual.workspace.load import Chapter, Workspace

FORMAT = 1
MAX_ENTRY_BYTES = 4_000_000
#: The folder keeps at most this many entries per chapter of the manual (two modes, a few
#: versions of each chapter), and never fewer than MIN_ENTRIES.
ENTRIES_PER_CHAPTER = 6
MIN_ENTRIES = 256
#: The modules whose source decides a finding: a change to any of them is a new cache.
_RULE_SOURCES = ("check", "base/sanitize.py", "base/nesting.py", "base/tables.py", "workspace/media.py",
                 "tools/pandoc.py")
ALL = "*"  # the entry's links need the ids of every chapter (a bare '#id' may name any)


@dataclass(frozen=True)
class Entry:
    """One chapter's cached check: its findings, its ids, and what its links depended on."""

    ids: frozenset[str] | None  # the chapter's section ids (None: not known when it was written)
    needs: tuple[str, ...] | None  # chapters whose ids its links use; None: every chapter
    linked: tuple[str, ...]  # chapters its links name as 'slug.md…'
    context: str  # digest of what those links were checked against (``link_context``)
    files: tuple[tuple[str, str | None], ...]  # images inspected (as linked) and their status
    problems: tuple[Problem, ...]


class CheckCache:
    """The entries of one run of check: read once, written for the chapters computed anew."""

    def __init__(self, workspace: Workspace, rules: Sequence[TermRule], errors_only: bool) -> None:
        self.root = workspace.root
        self.folder = workspace.build_dir / "cache" / "check"
        self.usable = _inside(self.folder, workspace.root)
        self._config = _config_digest(workspace, rules, errors_only)
        self._used: set[str] = set()
        self._wrote = False
        # each chapter and each of its translations keeps entries
        self._chapters = len(workspace.manual.chapters) * (1 + len(workspace.manual.language_tags))

    def key(self, chapter: Chapter) -> str:
        # the file too: a translation (chapters/fr/SLUG.md) is checked under its chapter's slug,
        # with its own image folder, and must never be answered by the source's entry
        blob = json.dumps([self._config, chapter.slug, chapter.rel, chapter.content_hash])
        return hashlib.sha256(blob.encode()).hexdigest()

    def get(self, chapter: Chapter) -> Entry | None:
        """The chapter's entry if it is sound, sealed by this clone and its images unchanged."""
        if not self.usable:
            return None
        key = self.key(chapter)
        self._used.add(key)
        raw = _read_bounded(self.folder / f"{key}.json")
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            payload = json.dumps(data["entry"], separators=(",", ":"), ensure_ascii=False).encode()
            if not sealed_by_us(self.root, key.encode() + b"\0" + payload, data.get("seal")):
                return None
            entry = _entry(data["entry"], chapter.rel)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        if any(file_status(Path(path)) != status for path, status in entry.files):
            return None
        return entry

    def put(self, chapter: Chapter, entry: Entry) -> None:
        """Keep ``entry`` for the chapter; a cache that cannot be written is only slower."""
        if not self.usable:
            return
        key = self.key(chapter)
        self._used.add(key)
        body = {
            "ids": None if entry.ids is None else sorted(entry.ids),
            "needs": None if entry.needs is None else list(entry.needs),
            "linked": list(entry.linked), "context": entry.context,
            "files": [[path, status] for path, status in entry.files],
            "problems": [[p.line, p.message, p.hint, p.rule, p.severity] for p in entry.problems],
        }
        payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        data = json.dumps({"format": FORMAT, "entry": body,
                           "seal": seal(self.root, key.encode() + b"\0" + payload)}, ensure_ascii=False)
        with contextlib.suppress(OSError):
            self.folder.mkdir(parents=True, exist_ok=True)
            if not _inside(self.folder, self.root):
                return
            # temp + rename without fsync: a torn entry after a crash fails its seal and is
            # computed again, so durability is not worth an fsync per chapter
            fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=self.folder)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(data)
                os.replace(tmp, self.folder / f"{key}.json")
                self._wrote = True
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)

    def prune(self) -> None:
        """Bound the folder: when it holds too many entries, the oldest not used by this run go."""
        if not self._wrote:
            return
        limit = max(MIN_ENTRIES, ENTRIES_PER_CHAPTER * self._chapters)
        with contextlib.suppress(OSError):
            entries = [e for e in os.scandir(self.folder) if e.name.endswith(".json")]
            if len(entries) <= limit:
                return
            unused = sorted((e for e in entries if e.name[:-5] not in self._used),
                            key=lambda e: e.stat(follow_symlinks=False).st_mtime_ns)
            for entry in unused[:len(entries) - limit // 2]:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def link_context(linked: Iterable[str], needs: Sequence[str] | None, slugs: frozenset[str],
                 ids: Mapping[str, frozenset[str]], every: str, broken: frozenset[str] = frozenset()) -> str:
    """A digest of what a chapter's links are checked against: which of the chapters they name
    exist (or are broken), and the ids of the chapters they need (``every``: the digest of all
    chapters' ids, for ``needs`` None)."""
    named = [[slug, slug in slugs, slug in broken] for slug in sorted(set(linked))]
    found = every if needs is None else [[slug, sorted(ids.get(slug, ()))] for slug in sorted(needs)]
    return hashlib.sha256(json.dumps([named, found]).encode()).hexdigest()


def all_ids_digest(ids: Mapping[str, frozenset[str]]) -> str:
    """A digest of every chapter's ids (for the links that may point into any chapter)."""
    blob = json.dumps([[slug, sorted(ids[slug])] for slug in sorted(ids)])
    return hashlib.sha256(blob.encode()).hexdigest()


def file_status(path: Path) -> str | None:
    """What says an inspected image (``path`` as linked, links not followed yet) is the same
    file as before: where it leads, and that file's type, size, times and inode (None: it
    leads nowhere)."""
    try:
        resolved = path.resolve()
        st = os.stat(resolved)
    except (OSError, ValueError, RuntimeError):
        return None
    return (f"{resolved}\0{st.st_mode}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:"
            f"{st.st_ino}:{st.st_dev}")


def _entry(body: dict[str, object], rel: str) -> Entry:
    """An entry from its JSON (sealed, so of our making; shapes are checked all the same)."""
    ids, needs, linked, context = body["ids"], body["needs"], body["linked"], body["context"]
    files, problems = body["files"], body["problems"]
    if not (isinstance(context, str) and isinstance(linked, list) and isinstance(files, list)
            and isinstance(problems, list) and (ids is None or isinstance(ids, list))
            and (needs is None or isinstance(needs, list))):
        raise ValueError("entry of another shape")
    strings = [*(ids or []), *(needs or []), *linked]
    if not all(isinstance(s, str) for s in strings):
        raise ValueError("entry of another shape")
    found = []
    for path, status in files:
        if not isinstance(path, str) or not (status is None or isinstance(status, str)):
            raise ValueError("entry of another shape")
        found.append((path, status))
    kept = []
    for line, message, hint, rule, severity in problems:
        texts = (message, hint, rule, severity)
        if not (isinstance(line, int | None) and all(isinstance(s, str) for s in texts)):
            raise ValueError("entry of another shape")
        kept.append(Problem(rel, line, message, hint, rule, severity))
    return Entry(None if ids is None else frozenset(ids), None if needs is None else tuple(needs),
                 tuple(linked), context, tuple(found), tuple(kept))


def _read_bounded(path: Path) -> bytes | None:
    """The file's bytes, never through a link and never more than MAX_ENTRY_BYTES."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        raw = handle.read(MAX_ENTRY_BYTES + 1)
    return None if len(raw) > MAX_ENTRY_BYTES else raw


def _inside(folder: Path, root: Path) -> bool:
    """The cache folder (or where it would be made) stays inside the workspace, out of .git."""
    try:
        resolved, top = folder.resolve(), root.resolve()
    except (OSError, RuntimeError):
        return False
    return is_within(resolved, top) and not is_within(resolved, top / ".git")


def _config_digest(workspace: Workspace, rules: Sequence[TermRule], errors_only: bool) -> str:
    manual = workspace.manual
    config = [
        FORMAT, errors_only, _tool_digest(),
        [[r.id, list(r.terms), r.preferred, r.why, r.severity] for r in rules],
        asdict(manual.check), sorted(manual.codes), manual.limits.pdf_timeout_seconds,
        manual.limits.pdf_memory_mb,
    ]
    return hashlib.sha256(json.dumps(config, default=str).encode()).hexdigest()


@functools.cache
def _tool_digest() -> str:
    """The vimanual version, the source of the modules the findings come from, and pandoc."""
    from vimanual.tools import pandoc

    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(f"{__version__}\0".encode())
    for name in _RULE_SOURCES:
        path = package / name
        for source in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(source.relative_to(package).as_posix().encode() + b"\0" + source.read_bytes())
    binary = pandoc.pandoc_path()
    with contextlib.suppress(OSError):
        stat = os.stat(binary)
        binary = f"{binary}:{stat.st_size}:{stat.st_mtime_ns}"
    digest.update(binary.encode())
    return digest.hexdigest()
