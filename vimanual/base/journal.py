"""Several files changed as one step, even across a crash.

``accept`` of a new chapter writes the chapter, manual.yaml and a decision. Each write is
atomic, but a process killed between them would leave a chapter that manual.yaml does
not list. So the whole change is first written as one intent file (atomically), then
applied, then the intent is removed. A command that finds an intent left by a killed
process completes it before it does anything else, under the workspace lock; applying
an intent twice gives the same files.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

from vimanual.base.errors import VimanualError
from vimanual.base.fsutil import atomic_write, fsync_dir, safe_join, workspace_lock

INTENT = ".vimanual-intent.json"


def apply_together(root: Path, writes: dict[str, str], creates: dict[str, str]) -> None:
    """Write ``writes`` (replacing) and ``creates`` (only if absent) as one step.

    Keys are workspace-relative paths; the caller holds the workspace lock.
    """
    intent = root / INTENT
    atomic_write(intent, json.dumps({"writes": writes, "creates": creates}, ensure_ascii=False))
    _apply(root, writes, creates)
    intent.unlink()
    fsync_dir(root)


def _apply(root: Path, writes: dict[str, str], creates: dict[str, str]) -> None:
    for rel, text in writes.items():
        path = safe_join(root, rel)
        with contextlib.suppress(FileNotFoundError):
            if path.read_text(encoding="utf-8") == text:
                continue
        atomic_write(path, text)
    for rel, text in creates.items():
        path = safe_join(root, rel)
        if not path.exists():
            atomic_write(path, text)


def finish_interrupted(root: Path) -> bool:
    """Complete a change that a killed command left half-done; True if there was one.

    The caller holds the workspace lock.
    """
    intent = root / INTENT
    try:
        raw = intent.read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    try:
        data = json.loads(raw)
        writes, creates = dict(data["writes"]), dict(data["creates"])
    except (ValueError, KeyError, TypeError):
        raise VimanualError(
            f"{INTENT}: the record of an interrupted change is damaged",
            "inspect it, then delete it; run 'vimanual check' and 'git status' to see what changed",
        ) from None
    _apply(root, writes, creates)
    intent.unlink()
    fsync_dir(root)
    return True


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """The workspace lock, with any interrupted change completed first."""
    with workspace_lock(root):
        finish_interrupted(root)
        yield


def settle(root: Path) -> None:
    """For commands that only read: if a change is pending, wait for it or complete it."""
    if (root / INTENT).exists():
        with locked(root):
            pass
