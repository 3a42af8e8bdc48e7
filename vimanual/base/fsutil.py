"""Filesystem primitives: atomic writes, the workspace lock, safe path joins."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from vimanual.base.errors import VimanualError, WorkspaceBusy

LOCK_NAME = ".vimanual.lock"
INTENT_NAME = ".vimanual-intent.json"
DEFAULT_LOCK_TIMEOUT = 30.0
# What the tool reads or writes at the top of a workspace: a link here may stay inside the
# workspace (outside .git); the lock and the intent are never followed at all.
WORKSPACE_ENTRIES = ("manual.yaml", "glossary.yaml", "build", "chapters", "contributions", "editions",
                     "reviews", "styles")
NEVER_LINKED = (LOCK_NAME, INTENT_NAME)
# Folders only vimanual writes in, and it makes no link there: a link found in one came from
# elsewhere (a collaborator's commit, a copy) and could send a write outside the workspace or
# into .git, or another file's bytes into an output, so no command runs while one is there.
LINKLESS = ("build", "contributions", "editions", "reviews", "chapters/.history")
MAX_DEPTH = 32  # folders below a top-level entry


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    Temp file in the same folder, flush + fsync, ``os.replace``, then fsync the folder.
    An existing file's permission bits are kept.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode: int | None = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode if mode is not None else 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """A temp file beside ``path`` for a writer that makes its own file (WeasyPrint,
    pikepdf); when the block ends without error it replaces ``path`` as ``atomic_write``
    does (fsync, mode 0644, ``os.replace``, fsync of the folder), else it is removed."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def sha256_hex(data: bytes | str) -> str:
    """SHA-256 of bytes (or of a string's UTF-8), as hex: the one digest helper."""
    import hashlib

    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks (PDFs and fonts can be large)."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def workspace_lock(root: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the workspace's lock around a read-modify-write of shared state.

    The lock is an OS lock on a separate file, so a crashed process never leaves it held.
    The workspace's top-level links are checked before the lock is taken and again under it.
    """
    check_workspace_links(root)
    with file_lock(root / LOCK_NAME, "workspace", timeout):
        check_workspace_links(root)
        yield


def check_workspace_links(root: Path) -> None:
    """Refuse a top-level entry that is a link to outside the workspace or into ``.git``, a lock
    or intent that is not a file, and below the top: a link where vimanual makes none, or
    folders nested too deep (``_scan_tree``).

    build/, contributions/, editions/, reviews/, manual.yaml and the like as links to
    outside would make a build, a submit or a release write outside the workspace, or
    a linked manual.yaml put another file's text in the HTML.
    """
    root_resolved = root.resolve()
    for name in (*WORKSPACE_ENTRIES, *NEVER_LINKED):
        path = root / name
        if not path.is_symlink():
            if name in NEVER_LINKED and path.exists() and not path.is_file():
                raise VimanualError(f"'{name}' is a folder, not the file vimanual keeps there",
                                    "delete it while no vimanual command is running")
            continue
        if name in NEVER_LINKED:
            raise VimanualError(f"'{name}' is a symbolic link; vimanual never follows it",
                                "delete the link while no vimanual command is running")
        target = path.resolve()
        if not is_within(target, root_resolved):
            raise VimanualError(f"'{name}' is a symbolic link to {target}, outside the workspace",
                                "replace the link with the folder or file itself")
        if is_within(target, root_resolved / ".git"):
            raise VimanualError(f"'{name}' is a symbolic link into .git",
                                "replace the link with the folder or file itself")
    for name in WORKSPACE_ENTRIES:
        _scan_tree(root, name)


def _scan_tree(root: Path, name: str) -> None:
    """Refuse, under the top-level ``name``: a link where vimanual makes none (``LINKLESS``), and
    folders nested more than ``MAX_DEPTH`` deep (walking them would exhaust Python's stack)."""
    stack = [(root / name, name, 0)]
    while stack:
        folder, rel, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise VimanualError(f"'{rel}' is nested {depth} folders deep (at most {MAX_DEPTH})",
                                "move its files up: no folder of a workspace needs to be this deep")
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    inner = f"{rel}/{entry.name}"
                    if entry.is_symlink():
                        top = _linkless(inner)
                        if top is not None:
                            raise VimanualError(
                                f"'{inner}' is a symbolic link, and vimanual makes none in {top}/",
                                "delete it (it came from a commit or a copy, not from vimanual) "
                                "and run the command again")
                    elif entry.is_dir():
                        stack.append((Path(entry.path), inner, depth + 1))
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                raise VimanualError(f"a path under '{rel}' is longer than the system allows",
                                    "shorten the folder names there") from None


def _linkless(rel: str) -> str | None:
    """The ``LINKLESS`` folder that ``rel`` is or is under, if any."""
    return next((top for top in LINKLESS if rel == top or rel.startswith(top + "/")), None)


@contextlib.contextmanager
def file_lock(path: Path, what: str, timeout: float | None = None) -> Iterator[None]:
    """An OS lock on ``path`` with a bounded wait (VIMANUAL_LOCK_TIMEOUT) and a clear "busy"."""
    from filelock import FileLock, Timeout

    wait = timeout if timeout is not None else float(
        os.environ.get("VIMANUAL_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path), timeout=wait)
    try:
        lock.acquire()
    except Timeout:
        raise WorkspaceBusy(
            f"{what} busy: another vimanual command held {path.name} for {wait:g}s",
            "wait for it to finish and try again (VIMANUAL_LOCK_TIMEOUT sets the wait)",
        ) from None
    try:
        yield
    finally:
        lock.release()


def safe_join(root: Path, *parts: str) -> Path:
    """Join ``parts`` under ``root`` and refuse any result that escapes it (``..``, absolute, symlink)."""
    root_resolved = root.resolve()
    candidate = root_resolved.joinpath(*parts)
    resolved = candidate.resolve()
    if not is_within(resolved, root_resolved):
        raise VimanualError(
            f"path '{'/'.join(parts)}' escapes the workspace",
            "use a path inside the workspace folder",
        )
    return candidate


def is_within(path: Path, root: Path) -> bool:
    """True when resolved ``path`` is ``root`` or below it."""
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True
