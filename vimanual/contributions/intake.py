"""Intake of a contributed file: refuse what is unsafe or unreadable, convert the rest to Markdown.

Contributors mostly write in Word. A .docx/.odt is opened with ``zipfile`` first (a valid
archive, no member escaping with ``..`` or an absolute path, no zip bomb by its declared or
real sizes) before pandoc ever reads it; only the docx, odt, html and markdown readers are
used. Images are taken out of pandoc's ``--extract-media`` folder, checked by their bytes and
stored under content-derived names (``<sha256 prefix>.<ext>``), so the same picture in two
revisions is one file and a name never comes from the document.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from vimanual.base.errors import LimitExceeded, VimanualError
from vimanual.base.fsutil import is_within
from vimanual.base.sanitize import MAX_IMAGE_BYTES, sniff_image
from vimanual.base.yamlio import decode_utf8
from vimanual.tools import pandoc
from vimanual.workspace.load import MAX_CHAPTER_BYTES
from vimanual.workspace.schema import Limits

TEXT_SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".txt": "text"}
DOCUMENT_SUFFIXES = {".docx": "docx", ".odt": "odt", ".html": "html", ".htm": "html"}
ACCEPTED = ", ".join(sorted({*TEXT_SUFFIXES, *DOCUMENT_SUFFIXES}))
ARCHIVE_MAIN_PART = {"docx": "word/document.xml", "odt": "content.xml"}
IMAGE_EXTENSIONS = {
    "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp",
    "image/svg+xml": "svg",
}
MEDIA_NAME_RE = re.compile(r"[0-9a-f]{16}\.(?:png|jpg|gif|webp|svg)")
# Signatures of binary formats that people rename to .md or .txt by mistake.
BINARY_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive (a Word or OpenDocument file?)",
    b"%PDF": "a PDF file",
    b"\xd0\xcf\x11\xe0": "an old Word/Office file",
    b"{\\rtf": "an RTF file",
}


@dataclass
class Converted:
    """A contribution's text as Markdown, the media it links to and what was changed on the way."""

    markdown: str
    source_format: str
    title: str | None = None
    media: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _refuse(path: Path, what: str, hint: str) -> VimanualError:
    return VimanualError(f"{path.name}: {what}", hint)


def check_readable(path: Path, limits: Limits) -> str:
    """The reader for ``path`` by its extension, after checking it is a readable file within limits."""
    suffix = path.suffix.lower()
    fmt = TEXT_SUFFIXES.get(suffix) or DOCUMENT_SUFFIXES.get(suffix)
    if fmt is None:
        raise _refuse(path, f"unsupported file type '{suffix or '(none)'}'", f"submit one of: {ACCEPTED}")
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise _refuse(path, "is a folder, not a file", "give the path of the file to submit")
        with open(path, "rb"):
            pass
    except FileNotFoundError:
        raise _refuse(path, "file not found", "check the path") from None
    except PermissionError:
        raise _refuse(path, "cannot be read (permission denied)", "check the file's permissions") from None
    except OSError as exc:
        raise _refuse(path, f"cannot be read ({exc.strerror})", "check the file") from None
    if size > limits.max_submission_bytes:
        raise _refuse(
            path, f"file is too large ({size:,} bytes; the limit is {limits.max_submission_bytes:,})",
            "shrink its images or split it; the editor can raise limits.max_submission_bytes in manual.yaml",
        )
    if size == 0:
        raise _refuse(path, "file is empty", "submit a file with the chapter's text")
    return fmt


def read_submitted_text(path: Path) -> str:
    """A text submission as str with LF line endings, refusing binary data and non-UTF-8 bytes."""
    raw = path.read_bytes()
    for signature, what in BINARY_SIGNATURES.items():
        if raw.startswith(signature):
            raise _refuse(path, f"is {what}, not text", "give the file its real extension, e.g. .docx")
    if b"\x00" in raw:
        raise _refuse(path, "binary data (NUL bytes) in a text file", "submit Markdown or plain text")
    text = decode_utf8(raw, path.name)
    if len(text.encode("utf-8")) > MAX_CHAPTER_BYTES:
        raise _refuse(path, f"text is over {MAX_CHAPTER_BYTES:,} bytes", "split it into chapters")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def check_archive(path: Path, fmt: str, limits: Limits) -> None:
    """Refuse a .docx/.odt that is not a sound archive before pandoc ever opens it."""
    kind = f".{fmt}"
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse(path, f"not a valid {kind} file (not a ZIP archive)",
                      f"open it in its editor and save it again as {kind}, without a password") from None
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_archive_members:
            raise _refuse(path, f"archive has {len(members):,} members (the limit is "
                          f"{limits.max_archive_members:,})", "save the document again from its editor")
        declared = 0
        for info in members:
            parts = PurePosixPath(info.filename.replace("\\", "/")).parts
            if info.filename.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", info.filename) \
                    or ".." in parts:
                raise _refuse(path, f"archive member '{info.filename[:80]}' has an unsafe path",
                              f"this is not a normal {kind} file; save it again from its editor")
            declared += info.file_size
        if declared > limits.max_archive_bytes:
            raise _refuse(path, f"archive would expand to {declared:,} bytes (the limit is "
                          f"{limits.max_archive_bytes:,})", "shrink the document's images")
        if ARCHIVE_MAIN_PART[fmt] not in archive.namelist():
            raise _refuse(path, f"not a {kind} document ({ARCHIVE_MAIN_PART[fmt]} is missing)",
                          f"save it again as {kind}")
        _verify_members(path, archive, limits)


def _verify_members(path: Path, archive: zipfile.ZipFile, limits: Limits) -> None:
    """Read every member once: CRCs must match and real sizes may not exceed declared ones."""
    total = 0
    try:
        for info in archive.infolist():
            with archive.open(info) as member:
                while chunk := member.read(1 << 20):
                    total += len(chunk)
                    if total > limits.max_archive_bytes:
                        raise _refuse(path, "archive expands beyond its limit",
                                      "shrink the document's images")
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError) as exc:
        raise _refuse(path, f"damaged archive ({exc})", "open it in its editor and save it again") from None


def text_title(markdown: str) -> str | None:
    """The first level-1 ATX heading of a Markdown text (after any front matter), if any."""
    for line in markdown.splitlines():
        match = re.match(r"#\s+(.+?)\s*#*\s*$", line)
        if match:
            return match.group(1)
    return None


def convert_submission(path: Path, limits: Limits, media_dir: Path, work_dir: Path) -> Converted:
    """Read and convert one submitted file; media land in ``media_dir`` under generated names."""
    fmt = check_readable(path, limits)
    if fmt in ("markdown", "text"):
        text = read_submitted_text(path)
        if not text.strip():
            raise _refuse(path, "file has no text", "submit a file with the chapter's text")
        return Converted(text if text.endswith("\n") else text + "\n", fmt)
    if fmt == "html":
        read_submitted_text(path)  # UTF-8, no NUL bytes, within limits
    else:
        check_archive(path, fmt, limits)
    extract_dir = work_dir / "extract"
    extract_dir.mkdir(parents=True)
    walker = _AstWalker(extract_dir, media_dir)
    try:
        markdown = pandoc.document_to_markdown(path, fmt, extract_dir, walker.rewrite,
                                                limits.pandoc_timeout_seconds, limits.pandoc_memory_mb)
    except LimitExceeded as exc:
        raise VimanualError(f"{path.name}: could not convert: {exc.message}", exc.hint) from None
    except VimanualError as exc:
        raise VimanualError(f"{path.name}: could not convert: {exc.message}",
                            f"open it in its editor and save it again as {path.suffix}") from None
    if not markdown.strip():
        raise _refuse(path, "no text found in the document", "check that the right file was given")
    if len(markdown.encode("utf-8")) > MAX_CHAPTER_BYTES:
        raise _refuse(path, f"converted text is over {MAX_CHAPTER_BYTES:,} bytes", "split it into chapters")
    return Converted(markdown, fmt, walker.title, sorted(walker.media), walker.warnings)


def _inline_text(nodes: Any) -> str:
    """The plain text of a list of pandoc inlines."""
    parts: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item)
        elif isinstance(node, dict):
            kind = node.get("t")
            if kind == "Str":
                parts.append(node["c"])
            elif kind in ("Space", "SoftBreak", "LineBreak"):
                parts.append(" ")
            elif kind in ("Note", "Image"):
                return
            else:
                visit(node.get("c"))

    visit(nodes)
    return " ".join("".join(parts).split())


class _AstWalker:
    """Rewrites pandoc's AST of a converted document: safe media names, no raw markup, sections."""

    def __init__(self, extract_dir: Path, media_dir: Path) -> None:
        self.extract_dir = extract_dir.resolve()
        self.media_dir = media_dir
        self.media: set[str] = set()
        self.warnings: list[str] = []
        self.title: str | None = None

    def rewrite(self, ast: dict[str, Any]) -> dict[str, Any]:
        meta_title = ast.get("meta", {}).get("title")
        if isinstance(meta_title, dict):
            self.title = _inline_text(meta_title.get("c")) or None
        blocks = ast["blocks"]
        self._sections(blocks)
        ast["blocks"] = self._walk_list(blocks)
        return ast

    def _sections(self, blocks: list[Any]) -> None:
        """Chapter sections are level 2: a lone leading Heading 1 is the title, other levels move down."""
        top = [b for b in blocks if isinstance(b, dict) and b.get("t") == "Header" and b["c"][0] == 1]
        if self.title is None and len(top) == 1 and blocks and blocks[0] is top[0]:
            self.title = _inline_text(top[0]["c"][2]) or None
            del blocks[0]
            return
        if top:
            for block in blocks:
                if isinstance(block, dict) and block.get("t") == "Header":
                    block["c"][0] = min(6, block["c"][0] + 1)

    def _walk_list(self, items: list[Any]) -> list[Any]:
        result: list[Any] = []
        for item in items:
            replaced = self._walk(item)
            if isinstance(item, dict) and "t" in item:
                result.extend(replaced)
            else:
                result.append(replaced[0] if replaced else item)
        return result

    def _walk(self, node: Any) -> list[Any]:
        if isinstance(node, list):
            return [self._walk_list(node)]
        if not isinstance(node, dict):
            return [node]
        kind = node.get("t")
        if kind in ("RawBlock", "RawInline"):
            self._warn("raw markup (HTML or similar) was removed")
            return []
        if kind == "Span" and not node["c"][1] and not node["c"][0][1]:
            return []  # an empty bookmark anchor from Word or LibreOffice
        if kind == "Table":
            # Word's column widths force grid tables; without them simple tables stay pipe tables.
            node["c"][2] = [[spec[0], {"t": "ColWidthDefault"}] for spec in node["c"][2]]
        if "c" in node:
            node["c"] = self._walk(node["c"])[0]
        if kind == "Image":
            return self._image(node)
        return [node]

    def _image(self, node: dict[str, Any]) -> list[Any]:
        attr, alt, (target, title) = node["c"]
        path = Path(target)
        resolved = path.resolve() if path.is_absolute() else (self.extract_dir / path).resolve()
        if not is_within(resolved, self.extract_dir) or not resolved.is_file():
            self._warn(f"image '{target[:60]}' is not embedded in the document and was left out")
            return list(alt)
        data = resolved.read_bytes()
        mime = sniff_image(data)
        if mime is None or len(data) > MAX_IMAGE_BYTES:
            self._warn(f"image '{resolved.name}' was left out: it is not a PNG, JPEG, GIF, WebP or SVG "
                       f"file under {MAX_IMAGE_BYTES:,} bytes")
            return [{"t": "Emph", "c": [{"t": "Str", "c": "(image omitted)"}]}]
        name = f"{hashlib.sha256(data).hexdigest()[:16]}.{IMAGE_EXTENSIONS[mime]}"
        self.media_dir.mkdir(parents=True, exist_ok=True)
        target_file = self.media_dir / name
        if not target_file.exists():
            target_file.write_bytes(data)
        self.media.add(name)
        node["c"] = [attr, alt, [f"media/{name}", title]]
        return [node]

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


def media_links(markdown: str) -> set[str]:
    """The generated media names a stored revision links to (``media/<name>``)."""
    return set(re.findall(r"\(media/(" + MEDIA_NAME_RE.pattern + r")", markdown))


def count_words(markdown: str) -> int:
    """Words of running text: link targets and media paths are not words."""
    text = re.sub(r"\]\([^)]*\)", "]", markdown)
    text = re.sub(r"\{[^}]*\}", " ", text)
    return len(re.findall(r"[^\W_]+(?:['’-][^\W_]+)*", text))
