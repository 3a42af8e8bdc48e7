"""Each @font-face file written once a layout pool, not once a document (the layout worker's).

WeasyPrint registers a document's ``@font-face`` rules with Fontconfig one by one (its
``FontConfiguration.add_font_face``): it fetches the font, writes it into a temporary folder
of the document's own, and has Fontconfig and FreeType read it from there; the folder goes
with the document. Every document of a book (its parts, its contents, its margins) carries
the bundled faces, nine files of 3.6 MB: each document wrote them out again, and Fontconfig
and FreeType read files they had never seen. A one-line document took 17.6 ms, 12.9 ms with
this.

``fonts_written_once`` keeps each face's file, as WeasyPrint wrote it, in a folder of the
layout pool's (``folder``, which the pool deletes at its end) and registers the same face for
later documents from that file, with the Fontconfig rules WeasyPrint loaded for it (the file's
path aside). A face is reused only while its source is the file WeasyPrint fetched for it in
this pool, through a document's fetcher (which checks the folders it may read): the same
device, inode, size and times. Anything else (a face with several sources or a local one, a
fetch that failed, a file changed or replaced) goes to WeasyPrint's own function. Each
document keeps a font configuration of its own. The PDF is the same bytes
(tests/test_font_files.py).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vimanual.pdf.patches import source_digest

#: The SHA-256 of the source of each WeasyPrint ``FontConfiguration.add_font_face`` this module
#: registers faces as (WeasyPrint 70.0's).
WRITTEN_FROM = frozenset({"e4fcfcc36ed8c31013bb53058110ba5a1f38f5b84894c2f540a3b0f6c960b76f"})
#: Faces registered from a kept file in this process (for the tests: that it happened).
REUSED = [0]


@dataclass(frozen=True)
class _Face:
    """A face as WeasyPrint registered it: the file it was fetched from and what said that file
    was the one fetched, the file WeasyPrint wrote (kept in the pool's folder) and the
    Fontconfig rules it loaded for it."""

    url: str
    signature: tuple[int, ...]  # the fetched file's device, inode, size and times
    path: Path
    rules: bytes


_FACES: dict[str, _Face] = {}  # by the rule's descriptors, as WeasyPrint names its file
_FOLDER: list[Path | None] = [None]


def fonts_written_once(folder: Path | None) -> None:
    """Register faces from the files kept in ``folder`` (None: as WeasyPrint does)."""
    import weasyprint.text.fonts

    from vimanual.pdf.patches import replace_in_weasyprint

    if _FOLDER[0] != folder:  # another pool's (a fork server serves build after build)
        _FACES.clear()
        _FOLDER[0] = folder
    replace_in_weasyprint(weasyprint.text.fonts.FontConfiguration, "add_font_face", folder is not None,
                          _once)


def _once(real: Any) -> Any:
    """WeasyPrint's ``add_font_face`` registering a face seen before from its kept file, or None if
    ``real`` is not the function this was written from."""
    import weasyprint.text.fonts as fonts
    from weasyprint.text.ffi import ffi, fontconfig, pangoft2

    if source_digest(real) not in WRITTEN_FROM:
        return None

    def add_font_face(self: Any, rule_descriptors: Any, url_fetcher: Any) -> Any:
        key = str(rule_descriptors)
        registered = vars(self).setdefault("vimanual_faces", set())  # as WeasyPrint's files tell it
        if key in registered:
            return None  # registered in this configuration already: WeasyPrint returns too
        face = _FACES.get(key)
        if face is not None and _signature(face.url) == face.signature:
            fontconfig.FcConfigParseAndLoadFromMemory(self._config, face.rules, True)
            if fontconfig.FcConfigAppFontAddFile(self._config, os.fsencode(face.path)):
                registered.add(key)
                REUSED[0] += 1
                return pangoft2.pango_fc_font_map_config_changed(ffi.cast("PangoFcFontMap *", self.font_map))
        url = _single_source(rule_descriptors)
        before = None if url is None else _signature(url)
        loaded: list[bytes] = []
        result = _recording(fonts, loaded, lambda: real(self, rule_descriptors, url_fetcher))
        written = _written(self, key)
        if written is not None:
            registered.add(key)
        if written is not None and key not in _FACES and _FOLDER[0] is not None and url and before:
            with contextlib.suppress(OSError, ValueError):
                kept = _kept(url, before, written, loaded, _FOLDER[0])
                if kept is not None:
                    _FACES[key] = kept
        return result

    return add_font_face


def _single_source(rule_descriptors: Any) -> str | None:
    """The URL of a face fetched from one file (its rule's only source), else None."""
    sources: Any = rule_descriptors.get("src")
    try:
        (kind, url), = sources
    except (TypeError, ValueError):  # not one (kind, url) pair
        return None
    return url if kind == "external" and isinstance(url, str) else None


def _signature(url: str) -> tuple[int, ...] | None:
    """What says the file at the ``file:`` URL ``url`` is the one it was (None: no such file)."""
    from urllib.parse import urlsplit
    from urllib.request import url2pathname

    if not url.startswith("file:"):
        return None
    try:
        found = os.stat(url2pathname(urlsplit(url).path))
    except (OSError, ValueError):
        return None
    return (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)


class _Library:
    """Fontconfig's functions, noting the rules WeasyPrint loads (``_recording``)."""

    def __init__(self, library: Any, loaded: list[bytes]) -> None:
        self.library, self.loaded = library, loaded

    def FcConfigParseAndLoadFromMemory(self, config: Any, rules: bytes, complain: bool) -> Any:  # noqa: N802
        self.loaded.append(bytes(rules))
        return self.library.FcConfigParseAndLoadFromMemory(config, rules, complain)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.library, name)


def _recording(fonts: Any, loaded: list[bytes], call: Any) -> Any:
    """``call()`` with the rules WeasyPrint loads into Fontconfig noted in ``loaded``."""
    library = fonts.fontconfig
    fonts.fontconfig = _Library(library, loaded)
    try:
        return call()
    finally:
        fonts.fontconfig = library


def _written(config: Any, key: str) -> Path | None:
    """The file WeasyPrint wrote for the face of ``key`` into ``config``'s folder, if it did."""
    from hashlib import md5

    if config._folder is None:
        return None
    path = Path(config._folder) / md5(key.encode(), usedforsecurity=False).hexdigest()
    return path if path.is_file() else None


def _kept(url: str, signature: tuple[int, ...], written: Path, loaded: list[bytes],
          folder: Path) -> _Face | None:
    """The face WeasyPrint has just registered from ``written``, fetched from ``url`` (whose
    file had ``signature`` before), that file kept in ``folder``; None if the source changed
    meanwhile or the rules WeasyPrint loaded are not the one set naming ``written``."""
    name = os.fsencode(written.as_posix())
    if _signature(url) != signature or len(loaded) != 1 or loaded[0].count(name) != 2:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{written.name}-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        os.link(written, path)
    except OSError:  # another file system
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(written.read_bytes())
        os.replace(temporary, path)
    return _Face(url, signature, path, loaded[0].replace(name, os.fsencode(path.as_posix())))
