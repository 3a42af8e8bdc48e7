"""A chapter's media set: the local files it shows or links to, as pandoc reads it.

Approvals bind to a chapter's text and to every file it shows (``content_hash``), and
``check`` inspects the same files. Patterns missed what pandoc renders (an entity in the
path, nested brackets in the alt text, a reference defined on the next line), so the set
comes from pandoc's own parse of the chapter, the parse the build uses. Parsing takes a
pandoc run, so the targets are cached by the text's hash in the user's state folder
(``cache_dir``), outside the work tree; each entry is also sealed with this clone's key
(``vimanual.base.clonekey``), so an entry planted by someone else is ignored.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from vimanual.base.clonekey import key_path, seal, sealed_by_us
from vimanual.base.errors import VimanualError
from vimanual.base.fsutil import is_within
from vimanual.base.nesting import MAX_NESTING, beyond_pandoc
from vimanual.tools.pandoc import MediaSet
from vimanual.workspace.schema import Limits, Manual


@dataclass(frozen=True)
class Parsed:
    """What pandoc's parse of a chapter body says about links: (target, is_image) in order
    (not those within the text, "#..." or empty, which name no file), and every element id
    (explicit or automatic)."""

    targets: list[tuple[str, bool]]
    ids: frozenset[str]
_URL_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_MAX_CACHE_BYTES = 1_000_000
PARSE_TIMEOUT = 60.0  # seconds for one chapter's parse (a chapter is at most 5 MB)
PARSE_MEMORY_MB = 2048  # pandoc's heap cap for that parse


def parsed(text: str, root: Path, limits: Limits | None = None) -> Parsed:
    """The link targets (target, is_image) and element ids of a chapter's body ``text``,
    from pandoc's AST; cached by the text's SHA-256 in the workspace's build cache."""
    from vimanual.tools import pandoc

    key = _cache_key(text)
    cached = _read_cache(root, key)
    if cached is not None:
        return cached
    deep = _beyond_pandoc(text)
    if deep is not None:  # pandoc would take minutes and its memory limit on it
        line, depth, what = deep
        raise VimanualError(f"{what} nested at least {depth:,} levels deep "
                            f"(at most {MAX_NESTING} are laid out)",
                            "flatten the nesting there: split the list or quote into sections or a table, "
                            "and close the emphasis and links you open", line=line)
    [(targets, ids)] = pandoc.parse_many([text], *_bounds(limits))
    result = Parsed(targets, ids)
    _write_cache(root, key, result)
    return result


def prefetch(bodies: Mapping[str, str], root: Path, manual: Manual | None = None) -> None:
    """Parse the bodies (slug → text) not cached yet and cache them: a workspace's chapters, in
    one pandoc run (one start-up for all), or in ``PREFETCH_PROCESSES`` at once when there are
    many; or by the build's ``joint_reader`` when one is set (``reading_with``). A failure is
    left to each body's own parse, which names its chapter."""
    from concurrent.futures import ThreadPoolExecutor

    from vimanual.tools import pandoc

    missing: dict[str, tuple[str, str]] = {}
    for slug, text in bodies.items():
        key = _cache_key(text)
        if key not in missing and _read_cache(root, key) is None and _beyond_pandoc(text) is None:
            missing[key] = (slug, text)
    reader = _JOINT_READER.get()
    if reader is not None and manual is not None and missing:
        with contextlib.suppress(VimanualError):
            found = reader(root, manual, {slug: text for slug, text in missing.values()})
            for key, (slug, _) in missing.items():
                if slug in found:
                    _write_cache(root, key, Parsed(*found[slug]))
        return  # any it could not read (a run that failed) is parsed alone, naming its chapter
    if len(missing) < 2:
        return
    texts = [text for _, text in missing.values()]
    groups = _shares(texts, PREFETCH_PROCESSES if len(texts) >= PREFETCH_SPLIT_AT else 1)
    # (each group's pandoc is a child process: the threads only wait for them)
    with ThreadPoolExecutor(max_workers=len(groups)) as pool:
        runs = [pool.submit(pandoc.parse_many, group, *_bounds(manual.limits if manual else None))
                for group in groups]
        try:
            found_all = [result for run in runs for result in run.result()]
        except VimanualError:
            return
    for key, (targets, ids) in zip(missing, found_all, strict=True):
        _write_cache(root, key, Parsed(targets, ids))


Found = MediaSet  # (targets, ids): what a parse finds
#: What a build reads the chapters with while its workspace loads (``reading_with``): given
#: the workspace root, its manual and slug → body of the chapters not parsed yet, each
#: chapter's (targets, ids) as ``pandoc.parse_many`` gives them, from the same pandoc read
#: that converts it to HTML for the build (book/preflight.py: ``EarlyHTML``). Chapters it did
#: not read (or all, if it raises VimanualError) are parsed as without it.
JointReader = Callable[[Path, Manual, dict[str, str]], Mapping[str, Found]]
_JOINT_READER: ContextVar[JointReader | None] = ContextVar("vimanual_joint_reader", default=None)


@contextlib.contextmanager
def reading_with(reader: JointReader) -> Iterator[None]:
    """While the block runs, ``prefetch`` hands the chapters it has to parse to ``reader``."""
    token = _JOINT_READER.set(reader)
    try:
        yield
    finally:
        _JOINT_READER.reset(token)


#: A cold load of a workspace of many chapters parses them in this many pandoc processes at
#: once (each reads its share, in order): one took 2.9 s for the generated book's 110 chapters
#: and 4.1 s for the real corpus's 177, at the head of a first build, with a core idle.
PREFETCH_PROCESSES = min(2, os.cpu_count() or 1)
#: ... when there are at least this many chapters to parse (a pandoc start-up is ~50 ms).
PREFETCH_SPLIT_AT = 8


def _shares(texts: list[str], count: int) -> list[list[str]]:
    """``texts`` in ``count`` runs of consecutive texts (fewer if there are fewer texts), each
    about as long as the others."""
    total = sum(len(text) for text in texts)
    groups: list[list[str]] = [[]]
    done = 0
    for text in texts:
        if groups[-1] and len(groups) < count and done >= total * len(groups) / count:
            groups.append([])
        groups[-1].append(text)
        done += len(text)
    return groups


@functools.lru_cache(maxsize=8)
def _beyond_pandoc(text: str) -> tuple[int, int, str] | None:
    """``beyond_pandoc``, once per text for the prefetch and the parse (a 5 MB chapter takes
    seconds to measure)."""
    return beyond_pandoc(text)


def body_of(text: str) -> str:
    """The Markdown body of a chapter's text (what the build converts): after the front matter."""
    lines = text.splitlines(keepends=True)
    if lines and lines[0].strip() == "---":
        for index in range(1, len(lines)):
            if lines[index].rstrip("\r\n") in ("---", "..."):
                return "".join(lines[index + 1:])
    return text


def normalised_text(raw: bytes) -> str:
    """A chapter's bytes as the text that is hashed (line endings normalised)."""
    return raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n").decode("utf-8", "replace")


def shown_images(chapter: Path, root: Path, limits: Limits | None = None) -> list[str]:
    """The image targets pandoc renders in the chapter file (the parse approvals bind to)."""
    body = body_of(normalised_text(chapter.read_bytes()))
    return [target for target, image in parsed(body, root, limits).targets if image]


def cached_ids(chapter: Path, root: Path) -> frozenset[str] | None:
    """The element ids of the chapter file from the parse cache, or None if not cached."""
    found = _read_cache(root, _cache_key(body_of(normalised_text(chapter.read_bytes()))))
    return None if found is None else found.ids


def _bounds(limits: Limits | None) -> tuple[float, int]:
    """manual.yaml's pandoc limits, or the defaults when none are at hand."""
    if limits is None:
        return PARSE_TIMEOUT, PARSE_MEMORY_MB
    return float(limits.pandoc_timeout_seconds), limits.pandoc_memory_mb


def media_files(text: str, base: Path, root: Path, limits: Limits | None = None) -> list[Path]:
    """The regular files inside ``root`` that the chapter ``text`` (with its front matter)
    shows or links to relative to ``base``.

    URLs, absolute paths and links to other chapters (``*.md``, which have their own
    approvals) are left out; order is first appearance, each file once.
    """
    found: dict[Path, None] = {}
    root_resolved = root.resolve()
    for target, _ in parsed(body_of(text), root, limits).targets:
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


# Within ``remembering()``: the entries read or written so far, by their file, so that each is
# read and its seal checked once however often it is asked for.
_remembered: dict[Path, Parsed] | None = None


@contextlib.contextmanager
def remembering() -> Iterator[None]:
    """Read each parse-cache entry once within: a workspace's load asks for every chapter's
    parse twice (the prefetch, then the chapter's own load), each time reading the file and
    checking its seal."""
    global _remembered
    outer = _remembered
    _remembered = {} if outer is None else outer
    try:
        yield
    finally:
        _remembered = outer


def cache_dir(root: Path) -> Path:
    """Where the parses of this workspace's chapters are cached: in the user's state folder,
    outside the work tree (a read-only command never writes into the workspace, and a cache
    entry never travels in git), one folder per workspace path."""
    keys = key_path(root)  # <state folder>/intent-keys/<name>, found once per process
    return keys.parent.parent / "parse-cache" / keys.name


def parsed_before(root: Path) -> bool:
    """Whether any chapter of this workspace was parsed before (its parse cache holds something):
    not on a fresh clone's first build, when every chapter is read by pandoc."""
    try:
        with os.scandir(cache_dir(root)) as entries:
            return any(entry.name.endswith(".json") for entry in entries)
    except OSError:
        return False


def _cache_path(root: Path, key: str) -> Path:
    return cache_dir(root) / f"{key}.json"


def _read_cache(root: Path, key: str) -> Parsed | None:
    path = _cache_path(root, key)
    remembered = _remembered
    if remembered is not None and path in remembered:
        return remembered[path]
    found = _read_entry(root, key, path)
    if remembered is not None and found is not None:
        remembered[path] = found
    return found


def _read_entry(root: Path, key: str, path: Path) -> Parsed | None:
    try:
        if path.is_symlink():
            return None
        with open(path, "rb") as handle:
            raw = handle.read(_MAX_CACHE_BYTES + 1)
        data = json.loads(raw)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    targets, ids = data.get("targets"), data.get("ids")
    payload = _payload(key, targets, ids)
    if payload is None or not sealed_by_us(root, payload, data.get("seal")):
        return None
    return Parsed([(str(t), bool(i)) for t, i in targets or []], frozenset(ids or []))


def _write_cache(root: Path, key: str, result: Parsed) -> None:
    targets = [[t, i] for t, i in result.targets]
    ids = sorted(result.ids)
    payload = _payload(key, targets, ids)
    if payload is None:
        return
    path = _cache_path(root, key)
    if _remembered is not None:
        _remembered[path] = result
    data = json.dumps({"targets": targets, "ids": ids, "seal": seal(root, payload)}).encode("utf-8")
    with contextlib.suppress(OSError):  # a cache that cannot be written is only slower
        path.parent.mkdir(parents=True, exist_ok=True)
        # temp + rename without fsync: a torn or lost entry after a crash only costs a parse
        # (an entry is trusted only with its seal, which a torn write does not have)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def _payload(key: str, targets: object, ids: object) -> bytes | None:
    """The sealed bytes of a cache entry, or None when the entry is not of the right shape."""
    if not isinstance(targets, list) or not isinstance(ids, list):
        return None
    if not all(isinstance(i, list) and len(i) == 2 and isinstance(i[0], str) and isinstance(i[1], bool)
               for i in targets) or not all(isinstance(i, str) for i in ids):
        return None
    text = json.dumps([key, targets, ids], separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8", "surrogatepass")
