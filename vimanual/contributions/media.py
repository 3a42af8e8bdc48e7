"""Images a contribution brings: from a Word/ODT archive, a ``data:`` URI, or a file next to it.

Every image goes through the same checks wherever it came from: a local file must lie inside
the submitted file's folder (no ``..``, no absolute path, no link leading out), be a PNG,
JPEG, GIF, WebP or SVG by its bytes, under the size limit; an SVG must pass the build's
safety verdict; a photo may not carry GPS coordinates or a camera serial number in its
EXIF data. A taken image is stored under a content-derived name (``<sha256 prefix>.<ext>``)
so the same picture in two revisions is one file and no name comes from the document.
An image that cannot be taken is named in a warning at submit.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import unquote

from vimanual.base.fsutil import is_within
from vimanual.base.sanitize import MAX_IMAGE_BYTES, SCHEME_RE, exif_findings, sniff_image, svg_problem

IMAGE_EXTENSIONS = {
    "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp",
    "image/svg+xml": "svg",
}
_DATA_URI_RE = re.compile(r"data:([\w.+/-]*)((?:;[\w=.+-]+)*?)(;base64)?,(.*)", re.S | re.I)


class MediaTaker:
    """Takes images into ``media_dir``; ``source_dir`` is where relative paths are resolved."""

    def __init__(self, media_dir: Path, source_dir: Path | None, extract_dir: Path | None = None) -> None:
        self.media_dir = media_dir
        self.source_dir = source_dir.resolve() if source_dir else None
        self.extract_dir = extract_dir.resolve() if extract_dir else None
        self.media: set[str] = set()
        self.total = 0
        self.warnings: list[str] = []

    def warn(self, message: str) -> None:
        """Add a warning once."""
        if message not in self.warnings:
            self.warnings.append(message)

    def take(self, target: str) -> str | None:
        """The ``media/<name>`` link for the image at ``target``, or None (with a warning) if refused."""
        self.total += 1
        shown = "data: image" if target.lower().startswith("data:") else target[:60]
        if self.extract_dir is not None and target.startswith(str(self.extract_dir)):
            shown = Path(target).name[:60]
        data = self._bytes(target, shown)
        if data is None:
            return None
        mime = sniff_image(data)
        if mime is None or len(data) > MAX_IMAGE_BYTES:
            self.warn(f"image '{_name(shown)}' was left out: it is not a PNG, JPEG, GIF, WebP or SVG "
                      f"file under {MAX_IMAGE_BYTES:,} bytes (convert it to PNG and submit again)")
            return None
        if mime == "image/svg+xml":
            problem = svg_problem(data)
            if problem:
                self.warn(f"image '{_name(shown)}' was left out: the SVG {problem} (export it again as a "
                          "plain SVG or PNG)")
                return None
        else:
            found = exif_findings(data)
            if found:
                self.warn(f"image '{_name(shown)}' was left out: it carries {' and '.join(found)} in its "
                          "EXIF metadata (remove the metadata, e.g. 'exiftool -all= FILE', and submit again)")
                return None
        name = f"{hashlib.sha256(data).hexdigest()[:16]}.{IMAGE_EXTENSIONS[mime]}"
        self.media_dir.mkdir(parents=True, exist_ok=True)
        stored = self.media_dir / name
        if not stored.exists():
            stored.write_bytes(data)
        self.media.add(name)
        return f"media/{name}"

    def _bytes(self, target: str, shown: str) -> bytes | None:
        if target.lower().startswith("data:"):
            return self._data_uri(target)
        path = Path(target)
        if self.extract_dir is not None and path.is_absolute():
            resolved = path.resolve()
            if is_within(resolved, self.extract_dir) and resolved.is_file():
                return _read_bounded(resolved)
        if SCHEME_RE.match(target) or self.source_dir is None:
            self.warn(f"image '{shown}' is not embedded in the document and was left out (put the "
                      "picture into the document, or next to it, and submit again)")
            return None
        relative = unquote(target.split("#", 1)[0].split("?", 1)[0])
        candidate = Path(relative)
        if candidate.is_absolute() or ".." in candidate.parts:
            self.warn(f"image '{shown}' was left out: only pictures in the submitted file's folder (or "
                      "below it) are taken")
            return None
        resolved = (self.source_dir / candidate).resolve()
        if not is_within(resolved, self.source_dir):
            self.warn(f"image '{shown}' was left out: it leads outside the submitted file's folder")
            return None
        if not resolved.is_file():
            self.warn(f"image '{shown}' was left out: no such file next to the submitted document "
                      "(submit from the folder that holds the chapter and its images)")
            return None
        return _read_bounded(resolved)

    def _data_uri(self, target: str) -> bytes | None:
        match = _DATA_URI_RE.fullmatch(target.strip())
        try:
            if match is None or not match.group(3):
                raise ValueError
            return base64.b64decode(re.sub(r"\s+", "", unquote(match.group(4))), validate=True)
        except (ValueError, binascii.Error):
            self.warn("a 'data:' image was left out: it is not a base64-encoded picture")
            return None


def _read_bounded(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(MAX_IMAGE_BYTES + 1)


def _name(shown: str) -> str:
    return shown.rsplit("/", 1)[-1] if not shown.startswith("data:") else shown


def rewrite_markdown_images(markdown: str, targets: Iterable[str], taker: MediaTaker) -> str:
    """Point each local image of a Markdown text at its stored copy (``media/<name>``).

    An image that cannot be taken is replaced by its alt text (a warning names it), so that
    neither the build nor ``check`` later trips over a link that leads nowhere.
    """
    for target in dict.fromkeys(targets):
        if re.fullmatch(r"media/[0-9a-f]{16}\.\w+", target):
            continue
        link = taker.take(target)
        # pandoc gives a destination percent-encoded: "<img/fig (1).png>" is "img/fig%20(1).png"
        escaped = "(?:" + "|".join(re.escape(form) for form in dict.fromkeys((target, unquote(target)))) + ")"
        if link is None:
            inline = r"!\[((?:[^\]\\]|\\.)*)\]\(\s*<?" + escaped + r">?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
            markdown = re.sub(inline, lambda m: m.group(1) or "(image omitted)", markdown)
            continue
        # the stored name needs no <...> (and media_links, accept's rewriting, read it bare)
        either = "(?:<" + escaped + ">|" + escaped + ")"
        markdown = re.sub(r"(\]\(\s*)" + either + r"(?=[\s)])", _prefixed(link), markdown)
        markdown = re.sub(r"(?m)(^ {0,3}\[[^\]\n]+\]:\s*)" + either + r"(?=\s|$)", _prefixed(link), markdown)
    return markdown


def _prefixed(link: str) -> Callable[[re.Match[str]], str]:
    return lambda match: match.group(1) + link
