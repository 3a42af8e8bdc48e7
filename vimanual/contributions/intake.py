"""Intake of a contributed file: refuse what is unsafe or unreadable, convert the rest to Markdown.

Contributors mostly write in Word. A .docx/.odt is opened with ``zipfile`` first (a valid
archive, no member escaping with ``..`` or an absolute path, no zip bomb by its declared or
real sizes) before pandoc ever reads it; only the docx, odt, html and markdown readers are
used. Images are taken out of pandoc's ``--extract-media`` folder, checked by their bytes and
stored under content-derived names (``<sha256 prefix>.<ext>``), so the same picture in two
revisions is one file and a name never comes from the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vimanual.base.errors import LimitExceeded, VimanualError
from vimanual.base.nesting import (
    MAX_INLINE_NESTING,
    MAX_NESTING,
    html_inline_nesting,
    html_nesting,
    inline_nesting,
    markdown_nesting,
)
from vimanual.base.yamlio import decode_utf8
from vimanual.contributions.astwalk import find_nodes, inline_text, skip_kinds
from vimanual.contributions.captions import attach_captions, strip_number
from vimanual.contributions.media import IMAGE_EXTENSIONS, MediaTaker, rewrite_markdown_images
from vimanual.contributions.package import DocumentComment, Package, check_archive, normalised_copy, refuse
from vimanual.contributions.textinput import UTF16_HINT, declared_charset, utf16_problem
from vimanual.contributions.tracked import TRACK_CHANGES, count_changes, resolve_changes
from vimanual.contributions.xrefs import fix_cross_references, restore_heading_ids
from vimanual.tools import pandoc
from vimanual.workspace.load import MAX_CHAPTER_BYTES
from vimanual.workspace.schema import Limits

__all__ = ["ACCEPTED", "Converted", "check_archive", "check_readable", "convert_submission", "count_words",
           "media_links", "read_submitted_text", "text_title"]

TEXT_SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".txt": "text"}
DOCUMENT_SUFFIXES = {".docx": "docx", ".odt": "odt", ".html": "html", ".htm": "html"}
ACCEPTED = ", ".join(sorted({*TEXT_SUFFIXES, *DOCUMENT_SUFFIXES}))
# Formats a word processor can save again as one taken here: how to say so.
_RESAVE = {
    ".doc": "save it as .docx (Word: File > Save As > Word Document)",
    ".dot": "save it as .docx (Word: File > Save As > Word Document)",
    ".docm": "save it as .docx, without its macros (Word: File > Save As > Word Document)",
    ".rtf": "save it as .docx or .odt from your word processor",
    ".fodt": "save it as .odt (LibreOffice: File > Save As > ODF Text Document)",
    ".pages": "export it as .docx (Pages: File > Export To > Word)",
}
MEDIA_NAME_RE = re.compile(r"[0-9a-f]{16}\.(?:" + "|".join(sorted(set(IMAGE_EXTENSIONS.values()))) + ")")
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
    comments: list[DocumentComment] = field(default_factory=list)
    track_changes: str = ""
    images_total: int = 0


_refuse = refuse


def check_readable(path: Path, limits: Limits) -> str:
    """The reader for ``path`` by its extension, after checking it is a readable file within limits."""
    suffix = path.suffix.lower()
    fmt = TEXT_SUFFIXES.get(suffix) or DOCUMENT_SUFFIXES.get(suffix)
    if fmt is None:
        resave = _RESAVE.get(suffix)
        raise _refuse(path, f"unsupported file type '{suffix or '(none)'}'",
                      f"{resave}, or submit one of: {ACCEPTED}" if resave else f"submit one of: {ACCEPTED}")
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


def read_submitted_text(path: Path, html: bool = False) -> str:
    """A text submission as str with LF line endings, refusing binary data and undecodable bytes.

    UTF-16 gets a hint on saving as UTF-8; an HTML page is decoded from the charset its
    ``<meta>`` declares (Word's web pages are windows-1252), anything else must be UTF-8.
    """
    raw = path.read_bytes()
    for signature, what in BINARY_SIGNATURES.items():
        if raw.startswith(signature):
            raise _refuse(path, f"is {what}, not text", "give the file its real extension, e.g. .docx")
    if utf16_problem(raw):
        raise _refuse(path, "is saved as UTF-16 text, which is not read", UTF16_HINT)
    if b"\x00" in raw:
        raise _refuse(path, "binary data (NUL bytes) in a text file", "submit Markdown or plain text")
    charset = declared_charset(raw) if html else None
    if charset and charset not in ("utf-8", "ascii"):
        text = raw.decode(charset, "replace")
    else:
        text = decode_utf8(raw, path.name)
    if len(text.encode("utf-8")) > MAX_CHAPTER_BYTES:
        raise _refuse(path, f"text is over {MAX_CHAPTER_BYTES:,} bytes", "split it into chapters")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def text_title(markdown: str) -> str | None:
    """The first level-1 ATX heading of a Markdown text (after any front matter), if any."""
    for line in markdown.splitlines():
        match = re.match(r"#\s+(.+?)\s*#*\s*$", line)
        if match:
            return match.group(1)
    return None


def _refuse_nesting(path: Path, found: tuple[int, int] | None, inline: tuple[int, int] | None) -> None:
    if found:
        line, depth = found
        raise _refuse(path, f"line {line}: lists, quotes or blocks nested {depth} levels deep (at most "
                      f"{MAX_NESTING} are taken)", "flatten the nesting there: split the list or quote "
                      "into sections or a table")
    if inline:
        line, depth = inline
        raise _refuse(path, f"line {line}: emphasis, links or spans nested {depth} levels deep in one "
                      f"paragraph (at most {MAX_INLINE_NESTING} are taken)",
                      "close the emphasis and links opened there; no sentence needs more than a few levels")


def _warn_math(taker: MediaTaker, formulas: list[str], limits: Limits) -> None:
    """Name the inline formulas pandoc cannot print as text ('check' refuses them)."""
    for formula in sorted(pandoc.unprintable_math(formulas, limits.pandoc_timeout_seconds,
                                                  limits.pandoc_memory_mb)):
        taker.warn(f"the formula ${formula[:60]}$ cannot be printed as text (it would show as raw TeX), "
                   "and 'check' refuses it: write it as text, e.g. 'm / n', or put it in as a picture")


def convert_submission(
    path: Path,
    limits: Limits,
    media_dir: Path,
    work_dir: Path,
    track_changes: str | None = None,
    keep_heading: bool = False,
) -> Converted:
    """Read and convert one submitted file; media land in ``media_dir`` under generated names.

    ``track_changes`` (accept or reject) is the contributor's choice for a document holding
    tracked changes or comments; without it such a document is refused, saying what it holds.
    ``keep_heading`` keeps a leading Heading 1 in the text (a title was given).
    """
    if track_changes is not None and track_changes not in TRACK_CHANGES:
        raise VimanualError(f"--track-changes must be accept or reject, not '{track_changes[:40]}'",
                            "accept: take the insertions and drop the deletions; reject: the opposite")
    fmt = check_readable(path, limits)
    if fmt in ("markdown", "text"):
        return _convert_text(path, fmt, limits, media_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    package: Package | None = None
    source = path
    if fmt == "html":
        text = read_submitted_text(path, html=True)
        _refuse_nesting(path, html_nesting(text), html_inline_nesting(text))
        source = work_dir / "source.html"
        source.write_text(text, encoding="utf-8")
    else:
        package = check_archive(path, fmt, limits)
        source = normalised_copy(path, package, work_dir / "package", track_changes)
    extract_dir = (work_dir / "extract").resolve()
    extract_dir.mkdir(parents=True)
    taker = MediaTaker(media_dir, path.parent if fmt == "html" else None, extract_dir)
    walker = _AstWalker(taker, package, track_changes, keep_heading, path)
    for note in package.left_out if package is not None else ():
        taker.warn(note)
    try:
        ast = pandoc.document_to_ast(source, fmt, extract_dir, limits.pandoc_timeout_seconds,
                                     limits.pandoc_memory_mb, "all" if fmt == "docx" else None)
        markdown = pandoc.ast_to_markdown(walker.rewrite(ast), limits.pandoc_timeout_seconds,
                                          limits.pandoc_memory_mb, walker.header_only_table)
    except LimitExceeded as exc:
        raise VimanualError(f"{path.name}: could not convert: {exc.message}", exc.hint) from None
    except VimanualError as exc:
        if exc is walker.refusal:
            raise
        raise VimanualError(f"{path.name}: could not convert: {exc.message}",
                            f"open it in its editor and save it again as {path.suffix}") from None
    _warn_math(taker, walker.inline_math, limits)
    if not markdown.strip() and not walker.title_only:
        raise _refuse(path, "no text found in the document", "check that the right file was given")
    if len(markdown.encode("utf-8")) > MAX_CHAPTER_BYTES:
        raise _refuse(path, f"converted text is over {MAX_CHAPTER_BYTES:,} bytes", "split it into chapters")
    return Converted(markdown, fmt, walker.title, sorted(taker.media), taker.warnings, walker.comments,
                     walker.resolved, taker.total)


def _convert_text(path: Path, fmt: str, limits: Limits, media_dir: Path) -> Converted:
    text = read_submitted_text(path)
    if not text.strip():
        raise _refuse(path, "file has no text", "submit a file with the chapter's text")
    if fmt == "markdown":
        _refuse_nesting(path, markdown_nesting(text), inline_nesting(text))
    taker = MediaTaker(media_dir, path.parent)
    if fmt == "markdown" and ("![" in text or "]:" in text or "$" in text):
        try:
            ast = pandoc.markdown_to_ast(text, limits.pandoc_timeout_seconds, limits.pandoc_memory_mb)
        except LimitExceeded as exc:
            raise VimanualError(f"{path.name}: could not read: {exc.message}", exc.hint) from None
        except VimanualError as exc:
            raise VimanualError(f"{path.name}: could not read: {exc.message}", "check the Markdown") from None
        _warn_math(taker, [n["c"][1] for n in find_nodes(ast["blocks"], "Math")
                           if n["c"][0].get("t") == "InlineMath"], limits)
        targets = [n["c"][2][0] for n in find_nodes(ast["blocks"], "Image")]
        text = rewrite_markdown_images(text, targets, taker)
    return Converted(text if text.endswith("\n") else text + "\n", fmt, media=sorted(taker.media),
                     warnings=taker.warnings, images_total=taker.total)


_TITLE_SKIP = skip_kinds("Note", "Image")


def _inline_text(nodes: Any) -> str:
    """The plain text of a heading, title or caption: footnotes and pictures are not part of it."""
    return inline_text(nodes, _TITLE_SKIP)


def _title_heading(blocks: list[Any]) -> int | None:
    """The index of the first Heading 1 when only paragraphs come before it."""
    for index, block in enumerate(blocks):
        kind = block.get("t") if isinstance(block, dict) else None
        if kind == "Header":
            return index if block["c"][0] == 1 else None
        if kind not in ("Para", "Plain"):
            return None
    return None


# Paragraphs whose Word style pandoc reads as the document's metadata (Subtitle, Author, Date,
# Abstract) and leaves out of the text; they are the contributor's words, so they stay text.
_DOCX_FRONT = ("subtitle", "author", "date", "abstract")


def _docx_front_matter(meta: dict[str, Any]) -> list[Any]:
    """The paragraphs pandoc took out of a Word document's text into its metadata."""
    blocks: list[Any] = []
    for key in _DOCX_FRONT:
        value = meta.get(key)
        values = value["c"] if isinstance(value, dict) and value.get("t") == "MetaList" else [value]
        for item in values:
            if not isinstance(item, dict):
                continue
            if item.get("t") == "MetaInlines" and item["c"]:
                blocks.append({"t": "Para", "c": item["c"]})
            elif item.get("t") == "MetaBlocks":
                blocks.extend(item["c"])
    return blocks


def _changes_refusal(path: Path, insertions: int, deletions: int, comments: int) -> VimanualError:
    held = [f"{n} {what}{'s' if n != 1 else ''}" for n, what in
            ((insertions, "tracked insertion"), (deletions, "tracked deletion"), (comments, "comment"))
            if n]
    if not (insertions or deletions):  # comments only: nothing to accept, only to keep
        return _refuse(path, f"holds {', '.join(held)}; a reviewer's comments are not dropped silently",
                       "pass --track-changes accept to submit it with the comments kept beside the revision "
                       "for the editor, or delete them in your editor and submit again")
    return _refuse(path, f"holds {', '.join(held)}; unreviewed changes are not taken silently",
                   "accept or reject them in your editor and submit again, or pass --track-changes accept "
                   "(or reject) to resolve them all; comments are kept with the revision for the editor")


def _keep_blank_rows(blocks: list[Any]) -> None:
    """Give each table row with no words a no-break space, in place. pandoc writes a blank row
    of a table as a line of spaces, which ends the table when the Markdown is read again: the
    rows after it became a paragraph ("EX-2 Officer")."""
    for table in find_nodes(blocks, "Table"):
        _, _, _, head, bodies, foot = table["c"]
        rows = [*head[1], *(row for body in bodies for row in (*body[2], *body[3])), *foot[1]]
        for row in rows:
            cells = row[1]
            if cells and not any(inline_text(cell[4]) or find_nodes(cell[4], "Image") for cell in cells):
                cells[0][4] = [{"t": "Plain", "c": [{"t": "Str", "c": "\u00a0"}]}]


class _AstWalker:
    """Rewrites pandoc's AST of a converted document: changes, title, cross-references, media, tables."""

    def __init__(self, taker: MediaTaker, package: Package | None, track_changes: str | None,
                 keep_heading: bool, path: Path) -> None:
        self.taker = taker
        self.package = package
        self.track_changes = track_changes
        self.keep_heading = keep_heading
        self.path = path
        self.title: str | None = None
        self.comments: list[DocumentComment] = []
        self.resolved = ""
        self.refusal: VimanualError | None = None
        self.inline_math: list[str] = []
        self.header_only_table = False
        self.title_only = False

    @property
    def warnings(self) -> list[str]:
        return self.taker.warnings

    def rewrite(self, ast: dict[str, Any]) -> dict[str, Any]:
        self._changes(ast)
        meta_title = ast.get("meta", {}).get("title")
        if isinstance(meta_title, dict):
            self.title = _inline_text(meta_title.get("c")) or None
        blocks = ast["blocks"]
        if self.package is not None and self.package.heading_ids:
            restore_heading_ids(blocks, self.package.heading_ids)
        title_id = self._sections(blocks)
        if self.package is not None and self.package.fmt == "docx":
            blocks[:0] = _docx_front_matter(ast.get("meta", {}))
        attach_captions(blocks)
        _keep_blank_rows(blocks)
        fix_cross_references(blocks, title_id, self.taker.warn)
        ast["blocks"] = self._walk_list(blocks)
        return ast

    def _changes(self, ast: dict[str, Any]) -> None:
        if self.package is not None and self.package.fmt == "odt":
            insertions, deletions = self.package.insertions, self.package.deletions
            comments = self.package.comments
        else:
            insertions, deletions, read = count_changes(ast)
            # pandoc reads only comments on a range of words; those placed at a point come from the
            # package, which holds every comment in the document's order
            held = self.package.docx_comments if self.package is not None else {}
            comments = [read.get(key, comment) for key, comment in held.items()]
            comments += [comment for key, comment in read.items() if key not in held]
        if not (insertions or deletions or comments):
            return
        if self.track_changes is None:
            self.refusal = _changes_refusal(self.path, insertions, deletions, len(comments))
            raise self.refusal
        if self.track_changes == "reject" and self.package is not None and self.package.fmt == "odt" \
                and (insertions or deletions):
            self.refusal = _refuse(self.path, "tracked changes in an .odt can only be accepted here",
                                   "reject them in LibreOffice (Edit > Track Changes > Manage > Reject All) "
                                   "and submit again, or pass --track-changes accept")
            raise self.refusal
        resolve_changes(ast, self.track_changes)
        self.comments = comments
        if insertions or deletions:
            self.resolved = self.track_changes

    def _sections(self, blocks: list[Any]) -> str | None:
        """Chapter sections are level 2: a lone Heading 1 that only paragraphs precede (a subtitle,
        a marking) is the title, other levels move down; a document that is only its heading
        gives the chapter its title and no text yet (as a Markdown file holding only '# Title').

        Returns the id of the heading that became the title (and left the text), if any.
        """
        top = [b for b in blocks if isinstance(b, dict) and b.get("t") == "Header" and b["c"][0] == 1]
        first = _title_heading(blocks)
        if first is not None and not self.keep_heading:
            heading = blocks[first]
            heading_text = _inline_text(heading["c"][2])
            if (self.title is None and len(top) == 1) or \
                    (self.title is not None and heading_text.casefold() == self.title.casefold()):
                self.title = self.title or heading_text or None
                del blocks[first]
                self.title_only = not blocks and self.title is not None
                top = top[1:]
                if not top:
                    return str(heading["c"][1][0]) or None
        if top:
            for block in blocks:
                if isinstance(block, dict) and block.get("t") == "Header":
                    block["c"][0] = min(6, block["c"][0] + 1)
        return None

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
            self.taker.warn("raw markup (HTML or similar) was removed")
            return []
        if kind == "Math" and node["c"][0].get("t") == "InlineMath":
            self.inline_math.append(node["c"][1])
        if kind == "Math" and node["c"][0].get("t") == "DisplayMath":
            self.taker.warn("display math (an equation on its own line) is kept as LaTeX, but 'check' "
                            "refuses it: the PDF cannot typeset it; put the equation in as a picture "
                            "(PNG or SVG) or write it as text")
        if kind == "Span" and not node["c"][1] and not node["c"][0][0] and not node["c"][0][1]:
            return []  # an empty span left by Word or LibreOffice
        if kind == "Table":
            self.header_only_table |= _table(node)
            node["c"][1] = strip_number(node["c"][0], node["c"][1])
        if kind == "Figure":
            node["c"][1] = strip_number(node["c"][0], node["c"][1])
        if "c" in node:
            node["c"] = self._walk(node["c"])[0]
        if kind == "Image":
            return self._image(node)
        return [node]

    def _image(self, node: dict[str, Any]) -> list[Any]:
        attr, alt, (target, title) = node["c"]
        link = self.taker.take(target)
        if link is None:
            omitted = {"t": "Emph", "c": [{"t": "Str", "c": "(image omitted)"}]}
            return [*alt, {"t": "Space"}, omitted] if alt else [omitted]
        node["c"] = [_size_attr(attr), alt, [link, title]]
        return [node]


def _table(node: dict[str, Any]) -> bool:
    """Drop Word's column widths (they force grid tables); whether the table has only a header row."""
    node["c"][2] = [[spec[0], {"t": "ColWidthDefault"}] for spec in node["c"][2]]
    return bool(node["c"][3][1]) and not any(body[2] or body[3] for body in node["c"][4])


def _size_attr(attr: list[Any]) -> list[Any]:
    """An image keeps its width, as CSS pixels (96 to the inch), which the build passes on as
    the ``width`` attribute and the stylesheet bounds by the page (``max-width: 100%``); its
    height only when no width is given, so the picture keeps its proportions. A width in
    inches or centimetres would become a ``style``, which the sanitizer drops."""
    identifier, classes, pairs = attr
    values = dict(pairs)
    for name in ("width", "height"):
        pixels = _pixels(str(values.get(name, "")))
        if pixels:
            return [identifier, classes, [[name, pixels]]]
    return [identifier, classes, []]


_PER_INCH = {"in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4, "pt": 96 / 72, "pc": 16.0, "px": 1.0, "": 1.0}


def _pixels(value: str) -> str | None:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(in|cm|mm|pt|pc|px|)\s*", value)
    if not match or float(match.group(1)) <= 0:
        return None
    return str(max(1, round(float(match.group(1)) * _PER_INCH[match.group(2)])))


def media_links(markdown: str) -> set[str]:
    """The generated media names a stored revision links to (``media/<name>``)."""
    return set(re.findall(r"(?:\(|(?m:^) {0,3}\[[^\]\n]+\]:[ \t]*<?)media/(" + MEDIA_NAME_RE.pattern + r")",
                          markdown))


def count_words(markdown: str) -> int:
    """Words of running text: link targets and media paths are not words."""
    text = re.sub(r"\]\([^)]*\)", "]", markdown)
    text = re.sub(r"\{[^}]*\}", " ", text)
    return len(re.findall(r"[^\W_]+(?:['’-][^\W_]+)*", text))
