"""A secret per clone, kept outside the work tree, to seal what must never travel in git.

Anything the tool writes for itself and later trusts (an intent it will replay, a cached
parse that approvals rely on) could also be written by a collaborator and committed. Such
files carry an HMAC made with this key; the key lives in the user's state folder
(``VIMANUAL_STATE_DIR``, else ``$XDG_STATE_HOME/vimanual``, else ``~/.local/state/vimanual``),
one per workspace path, mode 0600. A file sealed in another clone, or forged, fails.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from vimanual.base.errors import VimanualError


def state_dir() -> Path:
    """The user's vimanual state folder, outside every work tree."""
    explicit = os.environ.get("VIMANUAL_STATE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "vimanual"


def seal(root: Path, payload: bytes) -> str:
    """The HMAC-SHA256 of ``payload`` under this clone's key, as hex."""
    return hmac.new(clone_key(root), payload, hashlib.sha256).hexdigest()


def sealed_by_us(root: Path, payload: bytes, claimed: object) -> bool:
    """True when ``claimed`` is this clone's seal of ``payload`` (constant-time compare)."""
    return isinstance(claimed, str) and hmac.compare_digest(claimed.encode(), seal(root, payload).encode())


#: Keys (and where they are kept) already found by this process, by the workspace path as given
#: and what names the state folder: a check of many chapters seals or verifies an entry for each,
#: and finding the key costs more than the HMAC. A key deleted meanwhile only makes this
#: process's later seals fail elsewhere.
_KEYS: dict[tuple[str | None, ...], bytes] = {}
_PATHS: dict[tuple[str | None, ...], Path] = {}


def _memo(root: Path) -> tuple[str | None, ...]:
    environ = os.environ
    return (os.path.abspath(root), environ.get("VIMANUAL_STATE_DIR"), environ.get("XDG_STATE_HOME"),
            environ.get("HOME"))


def key_path(root: Path) -> Path:
    """Where the key of the workspace at ``root`` is kept."""
    memo = _memo(root)
    if memo not in _PATHS:
        name = hashlib.sha256(str(root.resolve()).encode("utf-8")).hexdigest()[:40]
        _PATHS[memo] = state_dir() / "intent-keys" / name
    return _PATHS[memo]


def clone_key(root: Path) -> bytes:
    """This clone's secret key, made on first use (mode 0600, outside the work tree)."""
    memo = _memo(root)
    if memo not in _KEYS:
        _KEYS[memo] = _read_or_make_key(key_path(root))
    return _KEYS[memo]


def cache_secret() -> str:
    """A secret of this user's (made on first use, beside the clone keys), as hex, that the
    build mixes into the names of its cache entries and into its records' keys: a collaborator
    who commits build/cache/... cannot name an entry a build would take (the names were
    digests of the chapter's text, which anyone can compute). One per user, not per clone: a
    release's frozen copy finds the entries its working copy made."""
    memo = ("cache", *_memo(Path("."))[1:])
    if memo not in _KEYS:
        _KEYS[memo] = _read_or_make_key(state_dir() / "cache-key")
    return hmac.new(_KEYS[memo], b"vimanual cache names", hashlib.sha256).hexdigest()


def _read_or_make_key(path: Path) -> bytes:
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    except ValueError:
        raise VimanualError(f"the clone key {path} is damaged",
                            "delete it while no vimanual command is running") from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key.hex())
            handle.flush()
            os.fsync(handle.fileno())
        return key
    except FileExistsError:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except OSError as exc:
        raise VimanualError(f"cannot keep the clone key in {path.parent}: {exc.strerror}",
                            "set VIMANUAL_STATE_DIR to a writable folder outside the workspace") from None
