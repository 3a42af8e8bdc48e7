"""What killed commands leave behind, explained, and what of it is safe to clear.

A command killed mid-way can leave hidden temp files (``.<name>.<random>.tmp`` from an
atomic write), ``.staging-*`` folders (a submission or a release being assembled), an
intent (``.vimanual-intent.json``, a change of several files that the next command
completes). Every command ignores or completes them; ``vimanual doctor`` shows them, and
the locks a running command holds. A lock file nobody holds is not a leftover: it stays
between commands by design (removing one while another command waits on it would let two
in), so it is not listed. ``fix`` removes what is safe: leftovers older than a minute (a
running command's files are younger), an intent made in another clone
(it is never replayed); it completes this clone's own intent when it can be replayed, and
drops it only when asked (``discard_intent``). It never removes anything else.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from vimanual.base.errors import WorkspaceBusy
from vimanual.base.fsutil import LOCK_NAME, file_lock, workspace_lock
from vimanual.base.journal import INTENT, discard_intent, finish_interrupted, inspect_intent

MIN_AGE_SECONDS = 60.0  # younger leftovers may belong to a command that is still running
SCANNED = ("chapters", "contributions", "editions", "reviews", "styles", "build")
CACHE = ("build", "cache")


@dataclass(frozen=True)
class Leftover:
    """One thing a killed command left, what it is, and whether ``fix`` may clear it."""

    path: str
    kind: str  # temp-file, staging-folder, intent, lock, cache
    explanation: str
    safe: bool
    action: str = ""  # what fix did: removed, completed, kept


@dataclass
class DoctorReport:
    """Leftovers found (and, after ``fix``, what was done with each)."""

    leftovers: list[Leftover] = field(default_factory=list)
    cache_bytes: int = 0
    cache_cleared: bool = False

    @property
    def remaining(self) -> list[Leftover]:
        """Leftovers still there after the run."""
        return [item for item in self.leftovers if item.action not in ("removed", "completed")]


def diagnose(root: Path, fix: bool = False, clear_cache: bool = False, discard: bool = False,
             now: float | None = None) -> DoctorReport:
    """List the workspace's leftovers; with ``fix``, clear the safe ones under the lock."""
    if not (fix or clear_cache or discard):
        return _scan(root, now, locked=False)
    with workspace_lock(root):
        report = _scan(root, now, locked=True)
        report.leftovers = [_fix(root, item, discard) if fix or (discard and item.kind == "intent") else item
                            for item in report.leftovers]
        if clear_cache:
            cache = root.joinpath(*CACHE)
            if cache.is_dir() and not cache.is_symlink():
                shutil.rmtree(cache, ignore_errors=True)
            report.cache_cleared = True
    return report


def _scan(root: Path, now: float | None, locked: bool) -> DoctorReport:
    report = DoctorReport()
    clock = time.time() if now is None else now
    intent = _intent(root)
    if intent is not None:
        report.leftovers.append(intent)
    if not locked and (root / LOCK_NAME).is_file() and _held(root / LOCK_NAME):
        report.leftovers.append(Leftover(LOCK_NAME, "lock", "held by a command that is running now; "
                                         "--fix waits for it", False))
    for path in _candidates(root):
        rel = path.relative_to(root).as_posix()
        try:
            age = clock - path.lstat().st_mtime
        except FileNotFoundError:
            continue
        old = age >= MIN_AGE_SECONDS
        young = "" if old else " (less than a minute old: a command may still be writing it)"
        if path.name.startswith(".staging-"):
            report.leftovers.append(Leftover(rel, "staging-folder", "a submission or release that was "
                                             f"interrupted before it was complete{young}", old))
        elif path.name.endswith(".tmp"):
            report.leftovers.append(Leftover(rel, "temp-file", "half of an atomic write that was "
                                             f"interrupted; the file it was for is intact{young}", old))
        elif not locked and _held(path):  # nobody holding it is its normal state: not a leftover
            report.leftovers.append(Leftover(rel, "lock", "held by a command that is running now "
                                             "(a print or release of that edition)", False))
    cache = root.joinpath(*CACHE)
    if cache.is_dir() and not cache.is_symlink():
        report.cache_bytes = sum(p.lstat().st_size for p in cache.rglob("*") if p.is_file())
    report.leftovers.sort(key=lambda item: item.path)
    return report


def _intent(root: Path) -> Leftover | None:
    intent = inspect_intent(root)
    if intent is None:
        return None
    if not intent.ours:
        return Leftover(INTENT, "intent", "not made by a command in this clone, so it is never "
                        "applied (if git tracks it, 'git rm --cached' it)", True)
    if intent.needs_replay:
        return Leftover(INTENT, "intent", f"an interrupted {intent.operation} of {', '.join(intent.files)}; "
                        "the next command completes it (--fix completes it now)", True)
    return Leftover(INTENT, "intent", f"an interrupted {intent.operation} that cannot be completed: "
                    f"{intent.problem}; compare, then drop it with --discard-intent", False)


def _candidates(root: Path) -> list[Path]:
    """Temp files and staging folders in the workspace's data folders (links not followed),
    and lock files under build/ (an edition's print lock)."""
    found = [Path(entry.path) for entry in os.scandir(root)
             if _is_temp(entry.name) and entry.is_file(follow_symlinks=False)]
    for name in SCANNED:
        folder = root / name
        if folder.is_symlink() or not folder.is_dir():
            continue
        for current, dirs, files in os.walk(folder, followlinks=False):
            base = Path(current)
            for sub in list(dirs):
                if sub.startswith(".staging-"):
                    found.append(base / sub)
                    dirs.remove(sub)  # one leftover: its content goes with it
            for file in files:
                path = base / file
                if path.is_symlink():
                    continue
                if _is_temp(file) or (name == "build" and file.endswith(".lock")):
                    found.append(path)
    return found


def _is_temp(name: str) -> bool:
    return name.startswith(".") and name.endswith(".tmp")


def _held(path: Path) -> bool:
    try:
        with file_lock(path, "lock", timeout=0):
            return False
    except WorkspaceBusy:
        return True


def _fix(root: Path, item: Leftover, discard: bool) -> Leftover:
    path = root / item.path
    if item.kind == "intent":
        intent = inspect_intent(root)
        if intent is None:
            return _done(item, "removed")
        if intent.ours and intent.needs_replay:
            finish_interrupted(root)
            return _done(item, "completed")
        if not intent.ours or discard:
            discard_intent(root)
            return _done(item, "removed")
        return _done(item, "kept")
    if not item.safe:
        return _done(item, "kept")
    if item.kind == "staging-folder":
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
    return _done(item, "removed")


def _done(item: Leftover, action: str) -> Leftover:
    return Leftover(item.path, item.kind, item.explanation, item.safe, action)
