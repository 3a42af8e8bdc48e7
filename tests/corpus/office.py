"""Write .docx and .odt files part by part, as Word and LibreOffice lay them out.

pandoc cannot write tracked changes, comments, Word's ``_Ref`` bookmarks with REF fields or
ODF reference marks, so the corpus writes the XML itself: the same parts, namespaces,
relationships and attribute shapes that Word 2016+ and LibreOffice 7 save. Every sample
text is invented, procedural and marked as sample text.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

W_NS = (
    'xmlns:wpc="http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:wpg="http://schemas.microsoft.com/office/word/2010/wordprocessingGroup" '
    'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="w14"'
)
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
DATE = "2026-03-02T10:15:00Z"

STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles {W_NS}>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading3"><w:name w:val="heading 3"/><w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="2"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Caption"><w:name w:val="caption"/><w:basedOn w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/><w:basedOn w:val="Normal"/></w:style>
<w:style w:type="character" w:styleId="CommentReference"><w:name w:val="annotation reference"/></w:style>
<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/></w:style>
</w:styles>
"""


def run(text: str, props: str = "") -> str:
    """A Word run holding ``text`` (spaces kept)."""
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def para(*runs: str, style: str | None = None) -> str:
    """A Word paragraph of raw run XML (strings without '<' are wrapped as runs)."""
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    body = "".join(r if r.startswith("<") else run(r) for r in runs)
    return f"<w:p>{ppr}{body}</w:p>"


def tracked_heading(level: int, text: str, mark: str) -> str:
    """A heading inserted (``mark`` "ins") or deleted ("del") whole with changes tracked."""
    change = ins(text, change_id=95) if mark == "ins" else dele(text, change_id=95)
    return (f'<w:p><w:pPr><w:pStyle w:val="Heading{level}"/><w:rPr><w:{mark} w:id="96" '
            f'w:author="Reviewer A (sample)" w:date="{DATE}"/></w:rPr></w:pPr>{change}</w:p>')


def heading(level: int, text: str, bookmark: str | None = None, mark_id: int = 0) -> str:
    """A Word heading paragraph, optionally wrapped in a bookmark (as Word's cross-reference dialog adds)."""
    if bookmark is None:
        return para(text, style=f"Heading{level}")
    return para(bookmark_around(bookmark, run(text), mark_id), style=f"Heading{level}")


def bookmark_around(name: str, inner: str, mark_id: int = 0) -> str:
    """``inner`` run XML between w:bookmarkStart and w:bookmarkEnd."""
    return (f'<w:bookmarkStart w:id="{mark_id}" w:name="{name}"/>{inner}'
            f'<w:bookmarkEnd w:id="{mark_id}"/>')


def ref_field(bookmark: str, shown: str, kind: str = "REF") -> str:
    """A complex REF (or PAGEREF) field to ``bookmark`` with its last shown result, as Word stores it."""
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> {kind} {bookmark} \\h </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f"{run(shown)}"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def field(instruction: str, shown: str) -> str:
    """A complex field: begin, the instruction (runs of text or, given as XML, fields nested in
    it), separate, the shown result, end; as Word stores it."""
    parts = "".join(part if part.startswith("<") else
                    f'<w:r><w:instrText xml:space="preserve">{escape(part)}</w:instrText></w:r>'
                    for part in re.split(r"(<w:r><w:fldChar.*?fldCharType=\"end\"/></w:r>)", instruction) if part)
    return ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>' + parts
            + '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + run(shown)
            + '<w:r><w:fldChar w:fldCharType="end"/></w:r>')


def simple_field(instr: str, shown: str) -> str:
    """A simple field (w:fldSimple, as generators and some editors write fields) with its shown result."""
    instruction = escape(instr, {'"': "&quot;"})
    return f'<w:fldSimple w:instr="{instruction}">{run(shown)}</w:fldSimple>'


def hyperlink_anchor(bookmark: str, shown: str) -> str:
    """An internal hyperlink to a bookmark (Insert > Link > Place in This Document)."""
    return f'<w:hyperlink w:anchor="{bookmark}" w:history="1">{run(shown)}</w:hyperlink>'


def ins(text: str, author: str = "Reviewer A (sample)", change_id: int = 101) -> str:
    """A tracked insertion."""
    return f'<w:ins w:id="{change_id}" w:author="{escape(author)}" w:date="{DATE}">{run(text)}</w:ins>'


def dele(text: str, author: str = "Reviewer A (sample)", change_id: int = 102) -> str:
    """A tracked deletion (Word keeps the deleted text in w:delText)."""
    return (f'<w:del w:id="{change_id}" w:author="{escape(author)}" w:date="{DATE}"><w:r>'
            f'<w:delText xml:space="preserve">{escape(text)}</w:delText></w:r></w:del>')


def commented(comment_id: int, inner: str) -> str:
    """``inner`` run XML marked by comment ``comment_id`` (range and reference, as Word writes them)."""
    return (f'<w:commentRangeStart w:id="{comment_id}"/>{inner}<w:commentRangeEnd w:id="{comment_id}"/>'
            f'<w:r><w:rPr><w:rStyle w:val="CommentReference"/></w:rPr>'
            f'<w:commentReference w:id="{comment_id}"/></w:r>')


def table(rows: list[list[str] | str], header: bool = True) -> str:
    """A Word table; the first row repeats as a header row when ``header``."""
    out = ['<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/></w:tblPr>'
           "<w:tblGrid>" + "<w:gridCol w:w=\"3000\"/>" * len(rows[0]) + "</w:tblGrid>"]
    for index, row in enumerate(rows):
        if isinstance(row, str):  # a row written already (a tracked one)
            out.append(row)
            continue
        trpr = "<w:trPr><w:tblHeader/></w:trPr>" if header and index == 0 else ""
        cells = "".join(f'<w:tc><w:tcPr><w:tcW w:w="3000" w:type="dxa"/></w:tcPr>{para(c)}</w:tc>'
                        for c in row)
        out.append(f"<w:tr>{trpr}{cells}</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def content_control(inner: str, showing_prompt: bool = False) -> str:
    """A content control (Developer > Rich Text) around ``inner`` (runs, or paragraphs for a
    block); ``showing_prompt``: empty, showing its placeholder prompt, as Word marks it."""
    shown = "<w:showingPlcHdr/>" if showing_prompt else ""
    return (f'<w:sdt><w:sdtPr><w:id w:val="-1234"/><w:placeholder><w:docPart w:val="DefaultPlaceholder_-1854013440"/>'
            f"</w:placeholder>{shown}</w:sdtPr><w:sdtContent>{inner}</w:sdtContent></w:sdt>")


def bullet(*runs: str, mark: str = "") -> str:
    """A bullet list item (numbering id 1: write the file with ``bullets=True``); ``mark`` is
    "ins" or "del" for an item inserted or deleted with changes tracked (its paragraph mark too)."""
    tracked = f'<w:rPr><w:{mark} w:id="90" w:author="Reviewer A (sample)" w:date="{DATE}"/></w:rPr>' if mark else ""
    body = "".join(r if r.startswith("<") else run(r) for r in runs)
    return (f'<w:p><w:pPr><w:pStyle w:val="ListParagraph"/><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/>'
            f"</w:numPr>{tracked}</w:pPr>{body}</w:p>")


def tracked_row(cells: list[str], change: str, change_id: int) -> str:
    """A table row inserted (``change`` "ins") or deleted ("del") with changes tracked: Word marks
    the row (w:trPr) and every paragraph mark and run in it."""
    mark = f'w:author="Reviewer A (sample)" w:date="{DATE}"'
    out = []
    for number, text in enumerate(cells, 1):
        inner = ins(text, change_id=change_id + 2 * number) if change == "ins" \
            else dele(text, change_id=change_id + 2 * number)
        out.append(f'<w:tc><w:tcPr><w:tcW w:w="3000" w:type="dxa"/></w:tcPr><w:p><w:pPr><w:rPr>'
                   f'<w:{change} w:id="{change_id + 2 * number + 1}" {mark}/></w:rPr></w:pPr>{inner}</w:p></w:tc>')
    return f'<w:tr><w:trPr><w:{change} w:id="{change_id}" {mark}/></w:trPr>{"".join(out)}</w:tr>'


def text_box(*paragraphs: str, box_id: int = 217) -> str:
    """A run holding a floating text box (Insert > Text Box) with ``paragraphs`` (paragraph
    XML), as Word writes it: a DrawingML shape, and the same text again in a VML fallback."""
    inner = "".join(paragraphs)
    return (
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor distT="45720" '
        'distB="45720" distL="114300" distR="114300" simplePos="0" relativeHeight="251659264" behindDoc="0" '
        'locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/><wp:positionH '
        'relativeFrom="column"><wp:posOffset>3200400</wp:posOffset></wp:positionH><wp:positionV '
        'relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV><wp:extent cx="2360930" '
        f'cy="1404620"/><wp:wrapSquare wrapText="bothSides"/><wp:docPr id="{box_id}" name="Text Box {box_id}"/>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="2360930" '
        'cy="1404620"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></wps:spPr>'
        f"<wps:txbx><w:txbxContent>{inner}</w:txbxContent></wps:txbx><wps:bodyPr/></wps:wsp></a:graphicData>"
        "</a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict>"
        f'<v:shape id="Text Box {box_id}" type="#_x0000_t202" style="position:absolute;width:185.9pt;'
        f'height:110.6pt"><v:textbox><w:txbxContent>{inner}</w:txbxContent></v:textbox></v:shape></w:pict>'
        "</mc:Fallback></mc:AlternateContent></w:r>"
    )


def drawing(rel_id: str, name: str, cx: int = 1905000, cy: int = 1270000, alt: str = "") -> str:
    """An inline picture run (wp:inline) referring to an image part by relationship id."""
    return (
        f'<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/>'
        f'<wp:docPr id="1" name="{escape(name)}" descr="{escape(alt)}"/>'
        '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        f'<pic:pic><pic:nvPicPr><pic:cNvPr id="0" name="{escape(name)}" descr="{escape(alt)}"/><pic:cNvPicPr/>'
        f'</pic:nvPicPr><pic:blipFill><a:blip r:embed="{rel_id}"/><a:stretch><a:fillRect/></a:stretch>'
        f'</pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic>'
        "</wp:inline></w:drawing></w:r>"
    )


def write_docx(
    path: Path,
    body: str,
    comments: list[tuple[int, str, str]] | None = None,
    media: dict[str, bytes] | None = None,
    main_part: str = "word/document.xml",
    footnotes: list[tuple[int, str]] | None = None,
    bullets: bool = False,
    styles: str = "",
) -> Path:
    """Write a .docx: ``body`` is the XML inside w:body; comments are (id, author, text);
    ``styles``: more w:style elements for styles.xml (Word's own styles are always there).

    ``media`` maps a file name under word/media/ to its bytes (relationship ids rIdImg1, ...
    in that order). ``main_part`` lets the main document live elsewhere than word/document.xml,
    as some generators (e.g. Office 365 exports, docx4j) write it.
    """
    folder = main_part.rsplit("/", 1)[0]
    rels = [f'<Relationship Id="rIdStyles" Type="{REL}/styles" Target="styles.xml"/>']
    overrides = [
        f'<Override PartName="/{main_part}" ContentType="application/vnd.openxmlformats-officedocument.'
        'wordprocessingml.document.main+xml"/>',
        f'<Override PartName="/{folder}/styles.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.styles+xml"/>',
    ]
    parts: dict[str, bytes] = {f"{folder}/styles.xml": STYLES.replace("</w:styles>", styles + "</w:styles>").encode()}
    if comments:
        items = "".join(
            f'<w:comment w:id="{cid}" w:author="{escape(author)}" w:date="{DATE}" w:initials="RA">'
            f'{para(text)}</w:comment>' for cid, author, text in comments)
        parts[f"{folder}/comments.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:comments {W_NS}>{items}'
            "</w:comments>").encode()
        rels.append(f'<Relationship Id="rIdComments" Type="{REL}/comments" Target="comments.xml"/>')
        overrides.append(f'<Override PartName="/{folder}/comments.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/>')
    if footnotes:
        items = "".join(f'<w:footnote w:id="{fid}">{para(text)}</w:footnote>' for fid, text in footnotes)
        parts[f"{folder}/footnotes.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes {W_NS}>'
            '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
            f"{items}</w:footnotes>").encode()
        rels.append(f'<Relationship Id="rIdFootnotes" Type="{REL}/footnotes" Target="footnotes.xml"/>')
        overrides.append(f'<Override PartName="/{folder}/footnotes.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/>')
    if bullets:  # numbering id 1: a bullet list (see bullet())
        parts[f"{folder}/numbering.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:numbering {W_NS}>'
            '<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/>'
            '<w:lvlText w:val="\u2022"/><w:lvlJc w:val="left"/></w:lvl></w:abstractNum>'
            '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>').encode()
        rels.append(f'<Relationship Id="rIdNumbering" Type="{REL}/numbering" Target="numbering.xml"/>')
        overrides.append(f'<Override PartName="/{folder}/numbering.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>')
    for index, (name, data) in enumerate((media or {}).items(), start=1):
        parts[f"{folder}/media/{name}"] = data
        rels.append(f'<Relationship Id="rIdImg{index}" Type="{REL}/image" Target="media/{name}"/>')
    main_name = main_part.rsplit("/", 1)[1]
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {W_NS}><w:body>'
                f'{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>')
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="png" ContentType="image/png"/><Default Extension="jpeg" ContentType="image/jpeg"/>'
        '<Default Extension="svg" ContentType="image/svg+xml"/>'
        + "".join(overrides) + "</Types>")
    package_rels = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL}">'
        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="{main_part}"/></Relationships>')
    document_rels = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
                     f'xmlns="{PKG_REL}">{"".join(rels)}</Relationships>')
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", package_rels)
        archive.writestr(main_part, document)
        archive.writestr(f"{folder}/_rels/{main_name}.rels", document_rels)
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'office:version="1.3"'
)


def odt_heading(level: int, text: str) -> str:
    """An ODF heading as LibreOffice writes it."""
    return (f'<text:h text:style-name="Heading_20_{level}" text:outline-level="{level}">'
            f"{escape(text)}</text:h>")


def odt_text_frame(*paragraphs: str) -> str:
    """A text frame (Insert > Text Box) anchored in a paragraph, holding ``paragraphs``."""
    return ('<draw:frame draw:name="Frame1" text:anchor-type="paragraph" svg:width="5cm" draw:z-index="0">'
            f'<draw:text-box fo:min-height="1cm">{"".join(paragraphs)}</draw:text-box></draw:frame>')


def odt_para(*inner: str) -> str:
    """An ODF paragraph of raw inline XML (strings without '<' are escaped text)."""
    return ('<text:p text:style-name="Text_20_body">'
            + "".join(i if i.startswith("<") else escape(i) for i in inner) + "</text:p>")


def write_odt(path: Path, body: str, tracked: str = "", media: dict[str, bytes] | None = None) -> Path:
    """Write an .odt: ``body`` is the XML inside office:text; ``tracked`` a text:tracked-changes block."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {ODF_NS}>'
        "<office:automatic-styles/><office:body><office:text>"
        f"{tracked}{body}</office:text></office:body></office:document-content>")
    manifest_items = "".join(
        f'<manifest:file-entry manifest:full-path="Pictures/{name}" manifest:media-type="image/png"/>'
        for name in (media or {}))
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.'
        'opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" '
        f'manifest:media-type="text/xml"/>{manifest_items}</manifest:manifest>')
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("styles.xml", f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-styles '
                         f'{ODF_NS}><office:styles/></office:document-styles>')
        for name, data in (media or {}).items():
            archive.writestr(f"Pictures/{name}", data)
    return path
