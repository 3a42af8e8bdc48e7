"""Several files changed as one step, even across a crash.

``accept`` of a new chapter writes the chapter, manual.yaml and a decision. Each write is
atomic, but a process killed between them would leave a chapter that manual.yaml does
not list. So the whole change is first written as one intent file (atomically), then
applied, then the intent is removed. A command that finds an intent left by a killed
process completes it before it does anything else, under the workspace lock.

An intent is an instruction to write files, so it must never travel between clones (a
collaborator could commit one that writes ``.git/config``). Therefore an intent:

- is sealed with this clone's key, kept outside the work tree (``vimanual.base.clonekey``):
  an intent made in another clone, or committed by anyone, fails the seal and is
  refused, never applied;
- names its operation, and may only write the exact files that operation writes
  (for ``accept``: ``chapters/<slug>.md``, ``manual.yaml`` and one new decision file);
  nothing under ``.git/`` or ``reviews/``, ever;
- records, for each file it replaces, the SHA-256 of what the file held when the intent
  was made: a replay writes only while every target still holds that content (or already
  the new one); a file edited since stops the replay, which says what to do.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from vimanual.base.clonekey import seal, sealed_by_us
from vimanual.base.errors import VimanualError
from vimanual.base.fsutil import INTENT_NAME, atomic_write, fsync_dir, safe_join, workspace_lock
from vimanual.base.names import CONTRIBUTION_ID_RE

INTENT = INTENT_NAME
INTENT_VERSION = 2
MAX_INTENT_BYTES = 50_000_000

# Which files each operation may write: (replaced files, created files), as patterns of
# workspace-relative paths. Nothing else is ever written by a replay.
_ALLOWED: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "accept": (
        re.compile(r"chapters/(?:[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*/)?[a-z0-9][a-z0-9-]{0,63}\.md|manual\.yaml"),
        re.compile(rf"contributions/{CONTRIBUTION_ID_RE.pattern}/decisions/[0-9]{{1,20}}-accept-[0-9a-f]{{4}}\.yaml"),
    ),
}


@dataclass(frozen=True)
class PendingIntent:
    """What an intent file left in the workspace is, for ``doctor`` and for the error messages."""

    path: Path
    operation: str
    files: tuple[str, ...]
    ours: bool
    problem: str
    needs_replay: bool


def apply_together(root: Path, operation: str, writes: dict[str, str], creates: dict[str, str]) -> None:
    """Write ``writes`` (replacing) and ``creates`` (only if absent) as one step.

    Keys are workspace-relative paths; the caller holds the workspace lock. Every target
    is checked (inside the workspace, no link out, allowed for ``operation``) before
    anything is written, so a refused target leaves nothing half-done.
    """
    record_intent(root, operation, writes, creates)
    finish_interrupted(root)


def record_intent(root: Path, operation: str, writes: dict[str, str], creates: dict[str, str]) -> Path:
    """Write the sealed intent for a change without applying it (what a killed command leaves)."""
    _check_targets(root, operation, list(writes), list(creates))
    body = {
        "version": INTENT_VERSION,
        "operation": operation,
        "workspace": str(root.resolve()),
        "writes": {rel: {"before": _current_digest(root, rel), "text": text} for rel, text in writes.items()},
        "creates": creates,
    }
    payload = _canonical(body)
    sealed = {**body, "seal": seal(root, payload)}
    intent = root / INTENT
    atomic_write(intent, json.dumps(sealed, ensure_ascii=False))
    return intent


def finish_interrupted(root: Path) -> bool:
    """Complete a change that a killed command left half-done; True if there was one.

    The caller holds the workspace lock. A foreign, damaged or conflicting intent raises
    a VimanualError that says what to do, and nothing is written.
    """
    intent = root / INTENT
    if not os.path.lexists(intent):
        return False
    body = _read_checked(root)
    writes = {rel: entry["text"] for rel, entry in body["writes"].items()}
    conflict = _conflict(root, body)
    if conflict:
        raise VimanualError(
            f"{INTENT}: the interrupted {body['operation']} cannot be completed: {conflict}",
            "nothing was written; compare that file with the text in the intent, then run "
            "'vimanual doctor --fix --discard-intent' to drop the interrupted change",
        )
    for rel, text in writes.items():
        if _current_digest(root, rel) != _digest(text.encode("utf-8")):
            atomic_write(safe_join(root, rel), text)
    for rel, text in body["creates"].items():
        path = safe_join(root, rel)
        if not os.path.lexists(path):
            atomic_write(path, text)
    intent.unlink()
    fsync_dir(root)
    return True


def inspect_intent(root: Path) -> PendingIntent | None:
    """Describe the intent file left in the workspace, if any, without applying it."""
    intent = root / INTENT
    if not os.path.lexists(intent):
        return None
    try:
        body = _read_checked(root)
    except VimanualError as exc:
        return PendingIntent(intent, "unknown", (), False, exc.message, False)
    files = (*body["writes"], *body["creates"])
    conflict = _conflict(root, body)
    return PendingIntent(intent, body["operation"], tuple(files), True, conflict, not conflict)


def discard_intent(root: Path) -> None:
    """Remove the intent file without applying it (the caller holds the lock)."""
    with contextlib.suppress(FileNotFoundError):
        (root / INTENT).unlink()
        fsync_dir(root)


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """The workspace lock, with any interrupted change completed first."""
    with workspace_lock(root):
        finish_interrupted(root)
        yield


def settle(root: Path) -> None:
    """For commands that only read: if a change is pending, wait for it or complete it."""
    if os.path.lexists(root / INTENT):
        with locked(root):
            pass


def _conflict(root: Path, body: dict) -> str:
    """Why the intent cannot be replayed now (a target changed since), or ''."""
    for rel, entry in body["writes"].items():
        if _current_digest(root, rel) not in (entry["before"], _digest(entry["text"].encode("utf-8"))):
            return f"{rel} was changed after the operation was interrupted"
    for rel, text in body["creates"].items():
        now = _current_digest(root, rel)
        if now is not None and now != _digest(text.encode("utf-8")):
            return f"{rel} already exists with other content"
    return ""


def _read_checked(root: Path) -> dict:
    """The intent's body after checking its shape, its seal and its targets."""
    intent = root / INTENT
    foreign = VimanualError(
        f"{INTENT} was not made by a vimanual command in this clone (it may have come from a "
        "commit); it is refused and nothing was written",
        f"remove it: 'git rm --cached {INTENT}' if git tracks it, then 'vimanual doctor --fix'",
    )
    if intent.is_symlink() or not intent.is_file():
        raise foreign
    try:
        with open(intent, "rb") as handle:
            raw = handle.read(MAX_INTENT_BYTES + 1)
        if len(raw) > MAX_INTENT_BYTES:
            raise foreign
        data = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError):
        raise foreign from None
    if not isinstance(data, dict) or data.get("version") != INTENT_VERSION:
        raise foreign
    if not sealed_by_us(root, _canonical({k: v for k, v in data.items() if k != "seal"}), data.get("seal")):
        raise foreign
    del data["seal"]
    if not _well_formed(data) or data["workspace"] != str(root.resolve()):
        raise foreign
    _check_targets(root, data["operation"], list(data["writes"]), list(data["creates"]))
    return data


def _well_formed(data: dict) -> bool:
    operation, writes, creates = data.get("operation"), data.get("writes"), data.get("creates")
    return (
        isinstance(operation, str) and operation in _ALLOWED
        and isinstance(data.get("workspace"), str)
        and isinstance(writes, dict) and isinstance(creates, dict)
        and all(isinstance(e, dict) and isinstance(e.get("text"), str)
                and (e.get("before") is None or isinstance(e.get("before"), str)) for e in writes.values())
        and all(isinstance(t, str) for t in creates.values())
    )


def _check_targets(root: Path, operation: str, writes: list[str], creates: list[str]) -> None:
    """Refuse any target the operation does not write, or that would leave the workspace."""
    replaced, created = _ALLOWED[operation]
    for rel, pattern in [*((r, replaced) for r in writes), *((r, created) for r in creates)]:
        parts = rel.split("/")
        if not pattern.fullmatch(rel) or any(p.startswith(".git") or p in ("", ".", "..") for p in parts):
            raise VimanualError(
                f"{INTENT}: '{rel}' is not a file that {operation} writes; nothing was written",
                "remove the intent file ('vimanual doctor --fix --discard-intent')",
            )
        path = safe_join(root, rel)  # refuses a link (of the file or a folder) to outside
        if path.is_symlink() or (os.path.lexists(path) and not path.is_file()):
            raise VimanualError(f"{rel} is a symbolic link or not a regular file; nothing was written",
                                "replace the link with the file itself")


def _current_digest(root: Path, rel: str) -> str | None:
    path = safe_join(root, rel)
    try:
        with open(path, "rb") as handle:
            return _digest(handle.read())
    except FileNotFoundError:
        return None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canonical(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
