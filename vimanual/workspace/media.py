"""A chapter's media set: the local files it shows or links to, as pandoc reads it.

Approvals bind to a chapter's text and to every file it shows (``content_hash``), and
``check`` inspects the same files. Patterns missed what pandoc renders (an entity in the
path, nested brackets in the alt text, a reference defined on the next line), so the set
comes from pandoc's own AST of the chapter, the parse the build uses. Parsing takes a
pandoc run, so the targets are cached under ``build/cache/media/`` by the text's hash;
each cache entry is sealed with this clone's key (``vimanual.base.clonekey``), so an entry
committed by someone else is ignored, never trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from pathlib import Path
from urllib.parse import unquote

from vimanual.base.clonekey import seal, sealed_by_us
from vimanual.base.fsutil import atomic_write, is_within
from vimanual.workspace.schema import Limits

CACHE_DIR = ("build", "cache", "media")
_URL_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_MAX_CACHE_BYTES = 1_000_000
PARSE_TIMEOUT = 60.0  # seconds for one chapter's parse (a chapter is at most 5 MB)
PARSE_MEMORY_MB = 2048  # pandoc's heap cap for that parse


def link_targets(
    text: str, root: Path, timeout: float = PARSE_TIMEOUT, memory_mb: int | None = PARSE_MEMORY_MB
) -> list[tuple[str, bool]]:
    """Every (target, is_image) of Image and Link elements in ``text``'s pandoc AST, in order.

    Cached by the text's SHA-256 (and the pandoc binary) in the workspace's build cache.
    """
    from vimanual.tools import pandoc

    key = _cache_key(text)
    cached = _read_cache(root, key)
    if cached is not None:
        return cached
    targets = pandoc.link_targets(text, timeout=timeout, memory_mb=memory_mb)
    _write_cache(root, key, targets)
    return targets


def normalised_text(raw: bytes) -> str:
    """A chapter's bytes as the text that is hashed and parsed (line endings normalised)."""
    return raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n").decode("utf-8", "replace")


def shown_images(chapter: Path, root: Path, limits: Limits | None = None) -> list[str]:
    """The image targets pandoc renders in the chapter file (the parse approvals bind to)."""
    text = normalised_text(chapter.read_bytes())
    if "[" not in text:
        return []
    return [target for target, image in link_targets(text, root, *_bounds(limits)) if image]


def _bounds(limits: Limits | None) -> tuple[float, int]:
    """manual.yaml's pandoc limits, or the defaults when none are at hand."""
    if limits is None:
        return PARSE_TIMEOUT, PARSE_MEMORY_MB
    return float(limits.pandoc_timeout_seconds), limits.pandoc_memory_mb


def media_files(text: str, base: Path, root: Path, limits: Limits | None = None) -> list[Path]:
    """The regular files inside ``root`` that ``text`` shows or links to relative to ``base``.

    URLs, absolute paths and links to other chapters (``*.md``, which have their own
    approvals) are left out; order is first appearance, each file once.
    """
    found: dict[Path, None] = {}
    root_resolved = root.resolve()
    for target, _ in link_targets(text, root, *_bounds(limits)):
        path = resolve_target(target, base)
        if path is not None and path not in found and is_within(path, root_resolved) and path.is_file():
            found[path] = None
    return list(found)


def resolve_target(target: str, base: Path) -> Path | None:
    """The path a local link target names (resolved), or None for URLs, anchors and chapters."""
    target = target.split("#", 1)[0].split("?", 1)[0]
    if not target or target.startswith(("/", "\\")) or _URL_SCHEME_RE.match(target):
        return None
    target = unquote(target)
    if target.endswith(".md") or "\0" in target:
        return None
    try:
        return (base / target).resolve()
    except (OSError, ValueError):
        return None


def _cache_key(text: str) -> str:
    from vimanual.tools import pandoc

    binary = pandoc.pandoc_path()
    try:
        stat = os.stat(binary)
        tool = f"{binary}:{stat.st_size}:{stat.st_mtime_ns}"
    except OSError:
        tool = binary
    digest = hashlib.sha256(f"{tool}\0{pandoc.MARKDOWN_READER}\0".encode())
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _cache_path(root: Path, key: str) -> Path:
    return root.joinpath(*CACHE_DIR, f"{key}.json")


def _read_cache(root: Path, key: str) -> list[tuple[str, bool]] | None:
    path = _cache_path(root, key)
    try:
        if path.is_symlink():
            return None
        with open(path, "rb") as handle:
            raw = handle.read(_MAX_CACHE_BYTES + 1)
        data = json.loads(raw)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("targets"), list):
        return None
    payload = _payload(key, data["targets"])
    if payload is None or not sealed_by_us(root, payload, data.get("seal")):
        return None
    return [(str(t), bool(i)) for t, i in data["targets"]]


def _write_cache(root: Path, key: str, targets: list[tuple[str, bool]]) -> None:
    items = [[t, i] for t, i in targets]
    payload = _payload(key, items)
    if payload is None:
        return
    with contextlib.suppress(OSError):  # a cache that cannot be written is only slower
        atomic_write(_cache_path(root, key), json.dumps({"targets": items, "seal": seal(root, payload)}))


def _payload(key: str, items: list) -> bytes | None:
    if not all(isinstance(i, list) and len(i) == 2 and isinstance(i[0], str) and isinstance(i[1], bool)
               for i in items):
        return None
    text = json.dumps([key, items], separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8", "surrogatepass")
