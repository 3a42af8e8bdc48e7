"""Media: images exist inside the workspace, are an allowed type by content, are not too
large, SVGs hold no script or external reference, and raster images carry no EXIF
location or camera serial number (which could identify a real person or case)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from vimanual.base.fsutil import is_within
from vimanual.base.sanitize import SCHEME_RE, exif_findings, sniff_image, svg_problem
from vimanual.check.rules import ERROR, WARNING, Hit
from vimanual.check.rules.markdown import ParsedBody

STRIP_HINT = "strip or refuse: remove the metadata (e.g. 'exiftool -all= FILE') or use another image"


@dataclass(frozen=True)
class ImageVerdict:
    """What is wrong with one image file (cached: many chapters may share an image)."""

    rule: str
    message: str
    hint: str
    severity: str = ERROR


class ImageChecker:
    """Checks image files once per path; ``max_bytes`` is manual.yaml's check.max_image_kb."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root.resolve()
        self.max_bytes = max_bytes
        self._cache: dict[Path, list[ImageVerdict]] = {}
        # the files (as linked, before links are followed) the verdicts looked at, since the
        # last ``take_inspected``: check's cache re-checks them before trusting a verdict
        self._inspected: dict[Path, None] = {}

    def take_inspected(self) -> list[Path]:
        """The files the verdicts since the last call depended on, in order; then forget them."""
        found, self._inspected = list(self._inspected), {}
        return found

    def check(self, parsed: ParsedBody, shown: Sequence[str] = ()) -> list[Hit]:
        """Hits for the images of ``parsed`` and for ``shown``, the images pandoc's own parse
        of the chapter renders (``vimanual.workspace.media``): an image the patterns miss is
        inspected all the same, reported at the start of the chapter."""
        hits: list[Hit] = []
        seen: set[str] = set()
        for link in parsed.links:
            if not link.image:
                continue
            if not link.text.strip():
                hits.append(Hit(link.start, link.end, "missing-alt", WARNING,
                                f"image '{link.target[:80]}' has no alt text",
                                "describe the image for readers who cannot see it: ![What it shows](...)"))
            target = html.unescape(link.target)
            seen.add(target)
            for verdict in self.verdicts(target):
                hits.append(Hit(link.start, link.end, verdict.rule, verdict.severity, verdict.message,
                                verdict.hint))
        for target in shown:
            if target in seen:
                continue
            seen.add(target)
            for verdict in self.verdicts(target):
                hits.append(Hit(0, 0, verdict.rule, verdict.severity, verdict.message, verdict.hint))
        return hits

    def verdicts(self, src: str) -> list[ImageVerdict]:
        shown = src[:80]
        if not src:
            return [ImageVerdict("missing-image", "image has no source", "write ![alt](media/file.png)")]
        if SCHEME_RE.match(src) or src.startswith(("/", "\\")):
            return [ImageVerdict("unsafe-image", f"image '{shown}' is not a file inside the workspace",
                                 "put the image under chapters/media/ and link it by relative path")]
        linked = self.root / "chapters" / unquote(src)
        self._inspected[linked] = None
        path = linked.resolve()
        if not is_within(path, self.root):
            return [ImageVerdict("unsafe-image", f"image '{shown}' is outside the workspace",
                                 "put the image under chapters/media/")]
        if path not in self._cache:
            self._cache[path] = self._inspect(path, shown)
        return self._cache[path]

    def _inspect(self, path: Path, shown: str) -> list[ImageVerdict]:
        if not path.is_file():
            return [ImageVerdict("missing-image", f"image '{shown}' not found",
                                 "check the path (relative to chapters/)")]
        size = path.stat().st_size
        if size > self.max_bytes:
            return [ImageVerdict("image-too-large", f"image '{shown}' is {size:,} bytes "
                                 f"(limit {self.max_bytes:,})",
                                 "shrink or compress it, or raise check.max_image_kb in manual.yaml")]
        data = path.read_bytes()
        mime = sniff_image(data)
        if mime is None:
            return [ImageVerdict("bad-image", f"image '{shown}' is not a PNG, JPEG, SVG, GIF or WebP "
                                 "file (judged by its content, not its name)", "convert it to PNG or JPEG")]
        if mime == "image/svg+xml":
            problem = svg_problem(data)
            return [ImageVerdict("unsafe-svg", f"SVG '{shown}' {problem}",
                                 "remove it from the SVG (or export a PNG instead)")] if problem else []
        return [ImageVerdict("image-metadata", f"image '{shown}' carries {what} in its EXIF metadata",
                             STRIP_HINT) for what in exif_findings(data)]
