"""A contributed document's XML parts rewritten for pandoc to read them well: a .docx's main
part and notes, an .odt's content.xml (``rewritten_part``). Each rewrite works on the XML
text; one that would make a part pandoc cannot read gives the part back as it was, and the
submission is told (``READ_AS_IT_STANDS``)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from vimanual.contributions.contents import drop_contents
from vimanual.contributions.fields import rewrite_fields
from vimanual.contributions.formatting import resolve_tracked_properties
from vimanual.contributions.textboxes import DOCX, ODT, move_text_boxes, without_comments

# LibreOffice's fields that show a value (a date, an author, a document property, a note's
# number, a form's text): pandoc's reader drops each with the text it shows ("fields: date ,
# author ."), so each becomes a span of that text. Not the ones that hide (display="none",
# hidden text and paragraphs, which hidden.py refuses), a script, or a placeholder's prompt.
ODT_FIELDS = (
    "date", "time", "page-number", "page-count", "page-continuation", "author-name", "author-initials",
    "chapter", "file-name", "template-name", "sheet-name", "title", "subject", "keywords", "description",
    "initial-creator", "creation-date", "creation-time", "modification-date", "modification-time", "creator",
    "print-date", "print-time", "printed-by", "editing-duration", "editing-cycles", "user-defined",
    "variable-get", "variable-set", "variable-input", "user-field-get", "user-field-input", "sequence-get",
    "expression", "text-input", "drop-down", "note-ref", "database-display", "database-name",
    "database-row-number", "conditional-text", "word-count", "paragraph-count", "character-count",
    "table-count", "image-count", "object-count", "page-variable-get", "measure", "execute-macro",
    "bibliography-mark", "dde-connection", "sender-firstname", "sender-lastname", "sender-initials",
    "sender-title", "sender-position", "sender-email", "sender-phone-private", "sender-fax", "sender-company",
    "sender-phone-work", "sender-street", "sender-city", "sender-postal-code", "sender-country",
    "sender-state-or-province")
_ODT_FIELD_RE = re.compile(rb"<text:(" + b"|".join(re.escape(n.encode()) for n in ODT_FIELDS)
                           + rb")(?=[\s>])([^>]*?)(?<!/)>((?:(?!</?text:[ph]\b).)*?)</text:\1>", re.S)


def _odt_field(match: re.Match[bytes]) -> bytes:
    hidden = re.search(rb'\btext:display="none"', match.group(2))
    return b"" if hidden else b"<text:span>" + match.group(3) + b"</text:span>"


# LibreOffice bookmarks → reference marks, which pandoc's ODT reader keeps under their own
# names (it renames bookmarks to anchor, anchor-1, … while hyperlinks keep the old name).
# A caption's number (a sequence field, Insert > Caption) becomes a reference mark too, and a
# cross-reference to it (Insert > Cross-reference > Figure: "Figure 1") a reference to that
# mark: pandoc's ODT reader drops sequence references, words and all.
_ODT_MARK_SUBS = (
    (re.compile(rb'(<text:sequence\s[^>]*?\btext:ref-name="([^"]*)"[^>]*>.*?</text:sequence>)', re.S),
     rb'<text:reference-mark-start text:name="\2"/>\1<text:reference-mark-end text:name="\2"/>'),
    (re.compile(rb"<text:sequence-ref\b"), b"<text:reference-ref"),
    (re.compile(rb"</text:sequence-ref>"), b"</text:reference-ref>"),
    (re.compile(rb"<text:(?:bookmark|reference-mark)(\s[^>]*?)/>"),
     rb"<text:reference-mark-start\1/><text:reference-mark-end\1/>"),
    (re.compile(rb"<text:bookmark-start\b"), b"<text:reference-mark-start"),
    (re.compile(rb"<text:bookmark-end\b"), b"<text:reference-mark-end"),
    (re.compile(rb"<text:bookmark-ref\b"), b"<text:reference-ref"),
    (re.compile(rb"</text:bookmark-ref>"), b"</text:reference-ref>"),
)


# An image's alt text in LibreOffice is its frame's svg:title and svg:desc (Format > Image >
# Properties > Options: Text Alternative, Description); pandoc's ODT reader takes the alt text
# from the frame's own text instead and turns the title into an identifier. Each innermost
# frame (no frame inside) holding an image gets its description (else its title) as that text
# and loses the title.
_FRAME_RE = re.compile(rb"<draw:frame\b[^>]*>(?:(?!<draw:frame\b|</draw:frame>).)*</draw:frame>", re.S)
_SVG_TEXT_RE = re.compile(rb"<svg:(title|desc)\b[^>]*>(.*?)</svg:\1>", re.S)


def _alt_text(frame: re.Match[bytes]) -> bytes:
    data = frame.group(0)
    if b"<draw:image" not in data:
        return data
    texts = {kind: re.sub(rb"<[^>]*>", b"", text).strip() for kind, text in _SVG_TEXT_RE.findall(data)}
    alt = texts.get(b"desc") or texts.get(b"title")
    if not alt:
        return data
    data = _SVG_TEXT_RE.sub(lambda m: b"" if m.group(1) == b"title" else m.group(0), data)
    return data[: -len(b"</draw:frame>")] + alt + b"</draw:frame>"


def _odt_content(data: bytes) -> bytes:
    """An .odt's content.xml as pandoc should read it (marks, fields, text frames, alt text)."""
    for pattern, replacement in _ODT_MARK_SUBS:
        data = pattern.sub(replacement, data)
    return _FRAME_RE.sub(_alt_text, move_text_boxes(_ODT_FIELD_RE.sub(_odt_field, data), ODT))


def rewritten_part(data: bytes, kind: str, resolve: str | None = None) -> tuple[bytes, bool]:
    """A part as pandoc should read it, and whether it is read as it stands where it should not
    be (then the submission is told: READ_AS_IT_STANDS). ``kind``: "main", a .docx's main part:
    without Word's table of contents, each bookmark inside the paragraph it starts, its fields as
    pandoc reads them well (``rewrite_fields``), each text box after the paragraph it is anchored
    in, and with ``resolve`` (accept or reject) its tracked rows and formatting resolved as
    pandoc does not; "notes", its footnotes or endnotes (fields, tracked formatting); "odt", an
    .odt's content.xml. XML comments go first: no reader shows them, and a tag inside one must
    not lead the rewrites astray. A rewrite that is not well-formed gives the part back as it
    was; a text box left where it was (not anchored in a paragraph, or a nesting the rewrite
    does not follow) is said too: pandoc would lose its text or its paragraph's."""
    clean = without_comments(data)
    if kind == "main":
        resolved = _lift_bookmarks(drop_contents(resolve_tracked_properties(clean, resolve)))
        new, box = move_text_boxes(rewrite_fields(resolved), DOCX), DOCX.content
    elif kind == "notes":
        new, box = rewrite_fields(resolve_tracked_properties(clean, resolve)), b""
    else:
        new, box = _odt_content(clean), b"<draw:text-box"
    fell_back = _falls_back(data, new)
    kept = data if fell_back else new
    return kept, fell_back or bool(box and box in kept)


def _falls_back(original: bytes, rewritten: bytes) -> bool:
    """Whether the original is kept: the rewrite changed it into XML that is not well-formed,
    which pandoc could not read (a hostile part, an XML comment holding an end tag, say)."""
    if rewritten == original:
        return False
    try:
        ET.fromstring(rewritten)
    except ET.ParseError:
        return True
    return False


READ_AS_IT_STANDS = ("the document's fields, bookmarks and text boxes could not be prepared for reading "
                     "(its XML is unusual), so they are read as they stand: check their text in the chapter, "
                     "or save the document again from its editor and submit it again")


# Bookmark starts between paragraphs, right before one: Word moves them into that paragraph
# when it saves; pandoc (which reads bookmarks only inside paragraphs) would lose the id.
_BODY_BOOKMARKS_RE = re.compile(
    rb"((?:<w:bookmarkStart\b[^>]*/>\s*)+)(<w:p\b[^>]*>)((?:\s*<w:pPr\b.*?</w:pPr>)?)", re.S)


def _lift_bookmarks(document: bytes) -> bytes:
    """Each bookmark start between paragraphs moved to the start of the paragraph after it."""
    return _BODY_BOOKMARKS_RE.sub(lambda m: m.group(2) + m.group(3) + m.group(1), document)
