"""A chapter as a Word file, for a translator (or a reviewer) who works in Word: the source
text, its images embedded, converted by pandoc in its sandbox and written atomically."""

from __future__ import annotations

import base64
import contextlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from vimanual.base.errors import UnknownName, VimanualError
from vimanual.base.fsutil import fsync_dir, is_within
from vimanual.base.names import check_slug
from vimanual.base.sanitize import MAX_IMAGE_BYTES, sniff_image, svg_problem
from vimanual.tools import pandoc
from vimanual.workspace.load import CHAPTERS_DIR, Workspace

EXPORT_FORMATS = ("docx",)
_IMAGE_RE = re.compile(r"(!\[[^\]]*\]\()\s*(?:<([^>\n]+)>|([^\s)]+))")


@dataclass(frozen=True)
class Export:
    """A written export: the file, the chapter and the text's content hash it was made from."""

    path: Path
    slug: str
    content_hash: str
    images: int
    dropped: tuple[str, ...] = ()  # image links left out: not a workspace image file


def _inline_images(markdown: str, folder: Path, root: Path) -> tuple[str, int, list[str]]:
    """Replace each local image link by a data: URI of the file (only image files inside the
    workspace); anything else is dropped to its alt text's link target being empty."""
    count = 0
    dropped: list[str] = []

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        target = match.group(2) or match.group(3)
        path = (folder / unquote(target)).resolve()
        data = b""
        if is_within(path, root.resolve()) and path.is_file():
            with open(path, "rb") as handle:
                data = handle.read(MAX_IMAGE_BYTES + 1)
        mime = sniff_image(data) if len(data) <= MAX_IMAGE_BYTES else None
        if mime is None or (mime == "image/svg+xml" and svg_problem(data) is not None):
            dropped.append(target[:120])
            return f"{match.group(1)}"
        count += 1
        return f"{match.group(1)}data:{mime};base64,{base64.b64encode(data).decode('ascii')}"

    return _IMAGE_RE.sub(replace, markdown), count, dropped


def export_chapter(workspace: Workspace, slug: str, fmt: str, output: Path | None) -> Export:
    """Write chapter ``slug`` as ``fmt`` (docx) to ``output`` (default build/export/<slug>.docx)."""
    if fmt not in EXPORT_FORMATS:
        raise VimanualError(f"unknown export format '{fmt}'", f"use one of: {', '.join(EXPORT_FORMATS)}")
    check_slug(slug)
    if slug not in workspace.chapters:
        raise UnknownName("chapter", slug, workspace.chapters, listed="known chapters")
    chapter = workspace.chapters[slug]
    target = (output or workspace.build_dir / "export" / f"{slug}.{fmt}").expanduser().resolve()
    if target.is_dir():
        raise VimanualError(f"{target} is a folder",
                            f"name the file to write, e.g. {target / f'{slug}.{fmt}'}")
    body, images, dropped = _inline_images(chapter.body, workspace.root / CHAPTERS_DIR, workspace.root)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".{fmt}", dir=target.parent)
    os.close(fd)
    try:
        limits = workspace.manual.limits
        pandoc.markdown_to_docx(body, Path(temp), chapter.title, limits.pandoc_timeout_seconds,
                                limits.pandoc_memory_mb)
        os.chmod(temp, 0o644)  # mkstemp makes it private; an export is an ordinary document
        os.replace(temp, target)
        fsync_dir(target.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
    return Export(target, slug, chapter.content_hash, images, tuple(dropped))
