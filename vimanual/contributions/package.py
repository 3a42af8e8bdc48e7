"""A contributed .docx/.odt as a package: checked, measured and normalised before pandoc reads it.

The archive is opened with ``zipfile`` first (a valid archive, no member escaping with
``..`` or an absolute path, no zip bomb by its declared or real sizes, a bounded amount of
XML, since pandoc needs about a hundred times a document's XML in memory). The main part
is found the way Word finds it, through the package relationships, not by a fixed name.

Two things pandoc would otherwise lose are handled here, on a copy in the work folder:
a .docx whose parts live outside ``word/`` (pandoc then drops styles and images), and the
parts whose XML is rewritten for pandoc (rewrite.py: an .odt's bookmarks, which pandoc
renames to ``anchor-N`` while links keep the old names, fields, text boxes and more).
An .odt's tracked changes and comments are counted here (pandoc's ODT reader drops
both silently); a .docx's are counted from pandoc's own reading of them, and its comments
read here too: pandoc sees only comments on a range of words, not those placed at a point
(Word's and LibreOffice's comment with nothing selected), which would otherwise vanish.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from vimanual.base.errors import VimanualError
from vimanual.contributions.contents import drop_contents
from vimanual.contributions.fields import NOTES_PARTS_RE, count_placeholders
from vimanual.contributions.formatting import (
    count_format_changes,
    count_row_changes,
)
from vimanual.contributions.hidden import hidden_passages
from vimanual.contributions.rewrite import ODT_FIELDS, READ_AS_IT_STANDS, rewritten_part
from vimanual.contributions.textboxes import (
    DOCX,
    MAX_DEPTH,
    ODT,
    box_nesting,
    without_comments,
)
from vimanual.workspace.schema import Limits

PACKAGE_RELS = "_rels/.rels"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file: .doc, or Office encryption
OFFICE_DOCUMENT = "/officeDocument"
ODT_MAIN = "content.xml"
_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_DC = "http://purl.org/dc/elements/1.1/"
_SVG = "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_COMMENTS_REL = "/comments"
# Text elements an .odt is rewritten for before pandoc reads it (see normalised_copy).
_ODT_REWRITTEN = ("bookmark", "bookmark-start", "bookmark-ref", "reference-mark", "sequence", "sequence-ref",
                  *ODT_FIELDS)


@dataclass(frozen=True)
class DocumentComment:
    """A comment a reviewer left in the document: who, when, what, and on which words (for a
    comment placed at a point, with no words selected, the paragraph it is in)."""

    author: str
    date: str
    text: str
    on: str = ""


@dataclass
class Package:
    """What the archive checks learnt about a .docx/.odt."""

    fmt: str
    main_part: str
    xml_bytes: int
    insertions: int = 0
    deletions: int = 0
    comments: list[DocumentComment] = field(default_factory=list)
    odt_rewrite: bool = False
    # a .docx whose main part is rewritten before pandoc reads it: bookmarks between paragraphs
    # (pandoc's own writer puts a section's there, as vimanual export writes them; pandoc reads
    # only those inside a paragraph), or a table of contents of Word's (contents.drop_contents)
    docx_rewrite: bool = False
    format_changes: int = 0  # tracked formatting and row changes in a .docx's main part (formatting.py)
    # each heading paragraph's own bookmark name (not Word's internal _Toc/_Ref…), in order, if
    # any has one: pandoc gives a heading an id of its words and drops the bookmark, so a
    # section id written by vimanual export ({#first}) would not come back
    heading_ids: list[str | None] = field(default_factory=list)
    # what pandoc's .docx reader drops without a word (linked pictures, charts, embedded
    # objects), each said as a warning
    left_out: list[str] = field(default_factory=list)
    # a .docx's comments by their id, every one the main part refers to (see _inspect_docx)
    docx_comments: dict[str, DocumentComment] = field(default_factory=dict)
    # the parts the checks rewrote (``rewritten_part``, nothing to resolve), by name, for the copy
    rewritten: dict[str, tuple[bytes, bool]] = field(default_factory=dict)


def refuse(path: Path, what: str, hint: str) -> VimanualError:
    """The error for a refused submission: the file's name, what is wrong, what to do."""
    return VimanualError(f"{path.name}: {what}", hint)


def check_archive(path: Path, fmt: str, limits: Limits) -> Package:
    """Refuse a .docx/.odt that is not a sound archive before pandoc ever opens it."""
    kind = f".{fmt}"
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        with open(path, "rb") as handle:
            if handle.read(8) == _OLE_MAGIC:  # Word 97-2003 (.doc), or an encrypted document
                raise refuse(path, f"this is an old Word (.doc) or password-protected file, not a {kind}",
                             "open it in Word or LibreOffice and save it as .docx, without a "
                             "password") from None
        raise refuse(path, f"not a valid {kind} file (not a ZIP archive)",
                     f"open it in its editor and save it again as {kind}, without a password") from None
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_archive_members:
            raise refuse(path, f"archive has {len(members):,} members (the limit is "
                         f"{limits.max_archive_members:,})", "save the document again from its editor")
        declared = xml = 0
        for info in members:
            parts = PurePosixPath(info.filename.replace("\\", "/")).parts
            if info.filename.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", info.filename) \
                    or ".." in parts:
                raise refuse(path, f"archive member '{info.filename[:80]}' has an unsafe path",
                             f"this is not a normal {kind} file; save it again from its editor")
            declared += info.file_size
            if info.filename.lower().endswith((".xml", ".rels")):
                xml += info.file_size
        if declared > limits.max_archive_bytes:
            raise refuse(path, f"archive would expand to {declared:,} bytes (the limit is "
                         f"{limits.max_archive_bytes:,})", "shrink the document's images")
        _check_xml_size(path, xml, limits)
        _verify_members(path, archive, limits)
        main = _main_part(path, archive, fmt)
        package = Package(fmt, main, xml)
        document = archive.read(main)
        depth = box_nesting(without_comments(document), ODT if fmt == "odt" else DOCX)
        if depth > MAX_DEPTH:
            raise refuse(path, f"text boxes nested {depth} levels deep (at most {MAX_DEPTH} are taken)",
                         "move the text of the innermost boxes out of them, and submit again")
        if fmt == "odt":
            _inspect_odt(path, document, package)
        else:
            _inspect_docx(path, archive, main, package)
            without_contents = drop_contents(document)
            notes = {info.filename: archive.read(info) for info in members
                     if NOTES_PARTS_RE.search(info.filename)}
            package.rewritten = {name: rewritten_part(data, "notes") for name, data in notes.items()}
            package.rewritten[main] = rewritten, _ = rewritten_part(document, "main")
            package.format_changes = count_format_changes(document) + count_row_changes(document)
            package.docx_rewrite = rewritten != document or any(
                package.rewritten[name][0] != data for name, data in notes.items())
            package.heading_ids = _heading_bookmarks(rewritten)
            package.left_out = _docx_left_out(without_contents, without_contents != document)
            if any(stuck for _, stuck in package.rewritten.values()):
                package.left_out.append(READ_AS_IT_STANDS)
        hidden = hidden_passages(archive, main, fmt)
    if hidden:
        shown = hidden[0] if len(hidden[0]) <= 60 else hidden[0][:57] + "..."
        raise refuse(path, f"the document holds hidden text, which the manual would print: "
                     f"{len(hidden)} passage(s), the first '{shown}'",
                     "show hidden text (Word: File > Options > Display > Hidden text; LibreOffice: "
                     "View > Formatting Marks, and Format > Sections), delete it or make it "
                     "visible, and submit again")
    return package


def _check_xml_size(path: Path, xml: int, limits: Limits) -> None:
    if xml > limits.max_document_xml_bytes:
        raise refuse(path, f"the document holds {xml:,} bytes of text markup (XML); the limit is "
                     f"{limits.max_document_xml_bytes:,}",
                     "split it into smaller chapters (or save it again from its editor, which "
                     "often shrinks it); the editor can raise limits.max_document_xml_bytes")


def _verify_members(path: Path, archive: zipfile.ZipFile, limits: Limits) -> None:
    """Read every member once: CRCs must match and real sizes may not exceed declared ones."""
    total = xml = 0
    try:
        for info in archive.infolist():
            is_xml = info.filename.lower().endswith((".xml", ".rels"))
            with archive.open(info) as member:
                while chunk := member.read(1 << 20):
                    total += len(chunk)
                    xml += len(chunk) if is_xml else 0
                    if total > limits.max_archive_bytes:
                        raise refuse(path, "archive expands beyond its limit", "shrink the document's images")
                    if xml > limits.max_document_xml_bytes:
                        _check_xml_size(path, xml, limits)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError) as exc:
        raise refuse(path, f"damaged archive ({exc})", "open it in its editor and save it again") from None


def _main_part(path: Path, archive: zipfile.ZipFile, fmt: str) -> str:
    """The name of the main document part: content.xml, or the officeDocument relationship's target."""
    names = set(archive.namelist())
    if fmt == "odt":
        if ODT_MAIN not in names:
            raise refuse(path, f"not a .odt document ({ODT_MAIN} is missing)", "save it again as .odt")
        return ODT_MAIN
    target = None
    if PACKAGE_RELS in names:
        try:
            rels = ET.fromstring(archive.read(PACKAGE_RELS))
        except ET.ParseError:
            rels = None
        for rel in rels if rels is not None else []:
            if rel.get("Type", "").endswith(OFFICE_DOCUMENT) and rel.get("TargetMode") != "External":
                target = rel.get("Target", "").lstrip("/")
                break
    if target is None and "word/document.xml" in names:
        target = "word/document.xml"
    if not target or target not in names:
        raise refuse(path, "not a .docx document (no main document part: _rels/.rels names none that "
                     "the archive holds)", "open it in Word or LibreOffice and save it again as .docx")
    return target


def _inspect_odt(path: Path, content: bytes, package: Package) -> None:
    """Count an .odt's tracked changes and collect its comments (pandoc's reader drops both)."""
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        raise refuse(path, f"damaged document text (content.xml: {exc})",
                     "open it in LibreOffice and save it again") from None
    for region in root.iter(f"{{{_TEXT}}}changed-region"):
        for change in region:
            local = change.tag.rsplit("}", 1)[-1]
            package.insertions += local == "insertion"
            package.deletions += local == "deletion"
    commented = _commented_words(root)
    for note in root.iter(f"{{{_OFFICE}}}annotation"):
        author = "".join(note.findtext(f"{{{_DC}}}creator") or "").strip()
        date = (note.findtext(f"{{{_DC}}}date") or "").strip()
        text = " ".join(" ".join(p.itertext()) for p in note.iter(f"{{{_TEXT}}}p"))
        on = commented.get(note, "")
        package.comments.append(DocumentComment(author or "unknown", date, " ".join(text.split()), on[:200]))
    formats = [el.get(f"{{{_TEXT}}}reference-format") for el in root.iter()
               if isinstance(el.tag, str) and el.tag.startswith(f"{{{_TEXT}}}") and el.tag.endswith("-ref")]
    package.left_out = _page_references(formats.count("page"), sum(f in _ODT_NUMBER_FORMATS for f in formats))
    package.odt_rewrite = b"<draw:text-box" in content or any(
        (el.tag.startswith(f"{{{_TEXT}}}") and el.tag.rsplit("}", 1)[-1] in _ODT_REWRITTEN)
        or el.tag in (f"{{{_SVG}}}title", f"{{{_SVG}}}desc")
        for el in root.iter() if isinstance(el.tag, str))
    if package.odt_rewrite:
        package.rewritten[ODT_MAIN] = rewritten_part(content, "odt")
        if package.rewritten[ODT_MAIN][1]:
            package.left_out.append(READ_AS_IT_STANDS)


_SPACES = {f"{{{_TEXT}}}{name}" for name in ("s", "tab", "line-break", "p", "h")}
_PARAGRAPHS = {f"{{{_TEXT}}}p", f"{{{_TEXT}}}h"}


def _commented_words(root: ET.Element) -> dict[ET.Element, str]:
    """The words each comment (office:annotation) is on: the text up to its office:annotation-end,
    or, for a comment placed at a point (no end), the paragraph it is in. Walked without recursion."""
    parts: list[str] = []
    starts: dict[str, tuple[ET.Element, int]] = {}
    paragraphs: list[tuple[int, list[ET.Element]]] = []  # open paragraphs: start, comments in them
    found: dict[ET.Element, str] = {}
    stack: list[tuple[ET.Element, bool]] = [(root, False)]
    while stack:
        element, closing = stack.pop()
        if closing:
            if element.tag in _PARAGRAPHS and paragraphs:
                start, notes = paragraphs.pop()
                for note in notes:
                    found.setdefault(note, " ".join("".join(parts[start:]).split()))
            parts.append(" " if element.tag in _SPACES else "")
            parts.append(element.tail or "")
            continue
        stack.append((element, True))
        name = element.get(f"{{{_OFFICE}}}name", "")
        if element.tag == f"{{{_OFFICE}}}annotation":
            starts[name] = (element, len(parts))
            if paragraphs:
                paragraphs[-1][1].append(element)
            continue  # the comment's own text is not the text it is on
        if element.tag == f"{{{_OFFICE}}}annotation-end":
            if name in starts:
                note, start = starts[name]
                found[note] = " ".join("".join(parts[start:]).split())
            continue
        if element.tag in _PARAGRAPHS:
            paragraphs.append((len(parts), []))
        parts.append(element.text or "")
        stack.extend((child, False) for child in reversed(element))
    return found


def _inspect_docx(path: Path, archive: zipfile.ZipFile, main: str, package: Package) -> None:
    """Read a .docx's comments part: every comment the main part refers to, by id, each on the
    paragraph it is in when it was placed at a point (pandoc reads only ranged comments)."""
    folder, name = main.rsplit("/", 1) if "/" in main else ("", main)
    part = _related_part(archive, folder, f"{folder}/_rels/{name}.rels".lstrip("/"), _COMMENTS_REL)
    if part is None:
        return
    try:
        comments = ET.fromstring(archive.read(part))
        document = ET.fromstring(archive.read(main))
    except ET.ParseError as exc:
        raise refuse(path, f"damaged document text ({exc})",
                     "open it in its editor and save it again") from None
    ranged = {start.get(f"{_W}id") for start in document.iter(f"{_W}commentRangeStart")}
    placed: dict[str, str] = {}
    for paragraph in document.iter(f"{_W}p"):
        for reference in paragraph.iter(f"{_W}commentReference"):
            comment_id = reference.get(f"{_W}id", "")
            if comment_id not in placed:
                words = [] if comment_id in ranged else [t.text or "" for t in paragraph.iter(f"{_W}t")]
                placed[comment_id] = " ".join("".join(words).split())[:200]
    for comment in comments.iter(f"{_W}comment"):
        comment_id = comment.get(f"{_W}id", "")
        if comment_id in placed or comment_id in ranged:
            text = " ".join(" ".join(t.text or "" for t in p.iter(f"{_W}t")) for p in comment.iter(f"{_W}p"))
            author = (comment.get(f"{_W}author") or "").strip() or "unknown"
            date = (comment.get(f"{_W}date") or "").strip()
            package.docx_comments[comment_id] = DocumentComment(author, date, " ".join(text.split()),
                                                                placed.get(comment_id, ""))


def _related_part(archive: zipfile.ZipFile, folder: str, rels_name: str, kind: str) -> str | None:
    """The archive member a part's relationship of ``kind`` (e.g. "/comments") points at, if any."""
    if rels_name not in archive.namelist():
        return None
    try:
        rels = ET.fromstring(archive.read(rels_name))
    except ET.ParseError:
        return None
    for rel in rels:
        target = rel.get("Target", "")
        if rel.get("Type", "").endswith(kind) and rel.get("TargetMode") != "External":
            member = target.lstrip("/") if target.startswith("/") else \
                posixpath.normpath(posixpath.join(folder, target))
            return member if member in archive.namelist() else None
    return None


def normalised_copy(path: Path, package: Package, work_dir: Path, track_changes: str | None = None) -> Path:
    """The file pandoc should read: ``path`` itself, or a normalised copy in ``work_dir``
    (with ``track_changes`` "reject", a .docx's tracked formatting changes undone)."""
    move_docx = package.fmt == "docx" and package.main_part != "word/document.xml"
    resolve = track_changes if track_changes in ("accept", "reject") and package.format_changes else None
    if not move_docx and not package.odt_rewrite and not package.docx_rewrite and not resolve:
        return path
    target = work_dir / f"normalised.{package.fmt}"
    work_dir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        if move_docx:
            _move_docx_main(source, out, package, resolve)
        else:
            for info in source.infolist():
                data, stuck = _copied_part(package, info.filename, source.read(info), resolve)
                if stuck and READ_AS_IT_STANDS not in package.left_out:  # (with --track-changes too)
                    package.left_out.append(READ_AS_IT_STANDS)
                out.writestr(info, data)
    return target


def _copied_part(package: Package, name: str, data: bytes, resolve: str | None) -> tuple[bytes, bool]:
    """A member as the normalised copy holds it (``rewritten_part``: the checks' own rewrite
    when there is nothing to resolve), and whether it is read as it stands."""
    if name in package.rewritten and (resolve is None or package.fmt == "odt"):
        return package.rewritten[name]
    if package.fmt == "docx" and name == package.main_part:
        return rewritten_part(data, "main", resolve)
    if package.fmt == "docx" and NOTES_PARTS_RE.search(name):
        return rewritten_part(data, "notes", resolve)
    return data, False


def _move_docx_main(source: zipfile.ZipFile, out: zipfile.ZipFile, package: Package,
                    resolve: str | None) -> None:
    """Rewrite the package so that its main part is word/document.xml, its folder word/."""
    main = package.main_part
    folder, name = main.rsplit("/", 1) if "/" in main else ("", main)
    renames = {main: "word/document.xml", f"{folder}/_rels/{name}.rels".lstrip("/"):
               "word/_rels/document.xml.rels"}
    prefix = f"{folder}/" if folder else ""
    existing = set(source.namelist())
    for member in existing:
        if member in renames or not prefix or not member.startswith(prefix):
            continue
        moved = "word/" + member[len(prefix):]
        if moved not in existing or folder == "word":
            renames[member] = moved
    for info in source.infolist():
        data, stuck = _copied_part(package, info.filename, source.read(info), resolve)
        if stuck and READ_AS_IT_STANDS not in package.left_out:
            package.left_out.append(READ_AS_IT_STANDS)
        new_name = renames.get(info.filename, info.filename)
        if info.filename == PACKAGE_RELS:
            data = data.replace(f'Target="{main}"'.encode(), b'Target="word/document.xml"')
            data = data.replace(f'Target="/{main}"'.encode(), b'Target="word/document.xml"')
        if info.filename == "[Content_Types].xml":
            for old, new in renames.items():
                data = data.replace(f'PartName="/{old}"'.encode(), f'PartName="/{new}"'.encode())
        out.writestr(new_name, data)


_HEADING_STYLE_RE = re.compile(r"heading\s*[1-9]", re.IGNORECASE)


def _heading_bookmarks(document: bytes) -> list[str | None]:
    """For each heading paragraph, in order, its first bookmark that is not Word's own (``_…``);
    an empty list when none has one (or the part is not XML: the checks before say why)."""
    try:
        root = ET.fromstring(document)
    except ET.ParseError:
        return []
    found: list[str | None] = []
    for paragraph in root.iter(f"{_W}p"):
        style = paragraph.find(f"{_W}pPr/{_W}pStyle")
        if style is None or not _HEADING_STYLE_RE.fullmatch(style.get(f"{_W}val", "")):
            continue
        names = [mark.get(f"{_W}name", "") for mark in paragraph.iter(f"{_W}bookmarkStart")]
        found.append(next((name for name in names if name and not name.startswith("_")), None))
    return found if any(found) else []


_LEFT_OUT = (
    (re.compile(rb"<a:blip\b[^>]*\br:link="), "picture(s) linked to a file instead of held in the document "
     "(Insert > Picture > Link to File) left out", "save them in the document (Word: File > Info > Edit "
     "Links to Files > Save picture in document) and submit again"),
    (re.compile(rb'<a:graphicData\b[^>]*uri="[^"]*/chart"'), "chart(s) left out",
     "paste each chart as a picture (Paste Special > Picture) and submit again"),
    (re.compile(rb"<o:OLEObject\b"), "embedded object(s) (a spreadsheet, a drawing) left out, at most their "
     "preview picture taken", "paste the object's content as a table or a picture and submit again"),
)


# A page reference (Word: Insert > Cross-reference > Page number): its shown number is a page
# of the source document. Counted outside the contents, whose entries are page references too.
_PAGEREF_RE = re.compile(rb'(?:<w:instrText\b[^>]*>|\bw:instr=")\s*PAGEREF\b')


# A reference to a paragraph's or heading's number (Word: Insert > Cross-reference >
# Paragraph number, REF with \r, \n or \w): its shown number is the document's numbering.
_NUMBER_REF_RE = re.compile(rb'(?:<w:instrText\b[^>]*>|\bw:instr=")\s*REF\s+[^<"]*?\\[rnw]\b')
# LibreOffice's references that show a number of the document: its page, chapter, a numbered
# paragraph's number, a sequence's bare value ("category-and-value", "Table 1", is renumbered).
_ODT_NUMBER_FORMATS = ("chapter", "number", "number-all-superior", "number-no-superior", "value")


def _page_references(count: int, numbers: int = 0) -> list[str]:
    """The warnings for ``count`` page references and ``numbers`` paragraph-number references."""
    said = [f"{count} page reference(s) (Insert > Cross-reference > Page number) kept as links that show "
            "the document's own page numbers, not the manual's: reword each to name what it points at (e.g. "
            "'see the section on scope') and submit again"] if count else []
    if numbers:
        said.append(f"{numbers} reference(s) to a paragraph or heading number (Insert > Cross-reference, "
                    "shown as a paragraph, chapter or number) kept as links that show the document's own "
                    "numbering, not the manual's: reword each to name what it points at and submit again")
    return said


def _docx_left_out(document: bytes, had_contents: bool) -> list[str]:
    """A warning for each kind of content pandoc's .docx reader drops without a word, for the
    table of contents ``rewritten_part`` takes out (``had_contents``), and for page
    references, whose numbers the manual does not keep (``document`` is without its contents)."""
    found = []
    if had_contents:
        found.append("the document's own table of contents (or list of figures or tables) left out: its page "
                     "numbers are the document's; the manual makes its contents itself")
    found.extend(_page_references(len(_PAGEREF_RE.findall(document)), len(_NUMBER_REF_RE.findall(document))))
    placeholders = count_placeholders(document)
    if placeholders:
        found.append(f"{placeholders} empty form field(s) (content controls showing a prompt such as "
                     "'Click or tap here to enter text.') left out: fill them in, or delete them, and submit "
                     "again")
    for pattern, what, hint in _LEFT_OUT:
        count = len(pattern.findall(document))
        if count:
            found.append(f"{count} {what}: {hint}")
    return found

