"""The intake corpus: documents shaped like what agencies send, each with the outcome it must get.

Every document is written at test time (Word and ODT part by part, see office.py; HTML and
Markdown as editors and exporters write them, with their image folders), so nothing binary
is committed and CI needs no office suite. Each entry says how submit must end: built (with
the images it must keep) or refused (with the words of the reason). All text is invented,
procedural sample text.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from tests.corpus import office as o
from tests.docs_helpers import make_png

SAMPLE = "Sample text: the analyst records each exhibit number before triage."
HIDDEN_STYLE = ('<w:style w:type="paragraph" w:styleId="Secret"><w:name w:val="Secret"/><w:rPr><w:vanish/>'
                "</w:rPr></w:style>")
READ_AS_IS = "could not be prepared for reading (its XML is unusual), so they are read as they stand"


@dataclass(frozen=True)
class Doc:
    """One corpus document: how to write it, and what submit must make of it."""

    name: str
    point: str
    write: Callable[[Path], Path]
    refused: str | None = None
    options: tuple[str, ...] = ()
    images: int = 0
    links: int = 0
    warning: str | None = None
    # words of the source's plain text (pandoc's reading) that go on purpose: a caption's typed
    # number, which the manual's own numbering replaces; words that pandoc's reading glued together
    renumbered: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        return self.name.rsplit(".", 1)[0].lower()


def gps_jpeg() -> bytes:
    """A small JPEG whose EXIF data holds GPS coordinates (as a phone camera writes)."""
    image = Image.new("RGB", (4, 4), "white")
    exif = Image.Exif()
    ifd = exif.get_ifd(0x8825)
    ifd[1], ifd[2] = "N", (51.0, 30.0, 0.0)
    buf = io.BytesIO()
    image.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


SAFE_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" '
            b'fill="#369"/></svg>')
UNSAFE_SVGS = {
    "css-escape-url": b'<svg xmlns="http://www.w3.org/2000/svg"><style>rect{fill:u\\72l(http://x.test/a)}'
                      b'</style><rect width="4" height="4"/></svg>',
    "css-escape-import": b'<svg xmlns="http://www.w3.org/2000/svg"><style>@\\69mport "http://x.test/a.css";'
                         b'</style></svg>',
    "image-set": b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:image-set(\'http://x.test/a.png\''
                 b' 1x)" width="4" height="4"/></svg>',
    "smil-set": b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><a>'
                b'<set attributeName="href" to="http://x.test/"/><text>x</text></a></svg>',
}


def _docx(name: str, body: str, **kwargs: object) -> Callable[[Path], Path]:
    return lambda folder: o.write_docx(folder / name, body, **kwargs)  # type: ignore[arg-type]


def _odt(name: str, body: str, tracked: str = "", media: dict[str, bytes] | None = None) -> Callable[[Path], Path]:
    return lambda folder: o.write_odt(folder / name, body, tracked, media)


def _files(name: str, files: dict[str, bytes | str]) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        for rel, content in files.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, str):
                path.write_text(content, encoding="utf-8")
            else:
                path.write_bytes(content)
        return folder / name
    return write


def _chapter(*blocks: str) -> str:
    return o.heading(1, "Triage of seized devices") + "".join(blocks)


def _boxes(depth: int) -> str:
    """A paragraph holding a text box holding a paragraph with a box, ``depth`` boxes deep."""
    inner = o.para("Sample innermost box.")
    for level in range(depth, 0, -1):
        inner = o.para(o.text_box(inner, box_id=300 + level), f"Sample anchor {level}.")
    return inner


def _grouped_boxes(*texts: str) -> str:
    """A run holding a group of shapes with a text box each, as Word writes it: a DrawingML
    group, and the same boxes again in a VML fallback."""
    shapes = "".join(f'<wps:wsp><wps:cNvSpPr txBox="1"/><wps:txbx><w:txbxContent>{o.para(text)}</w:txbxContent>'
                     "</wps:txbx><wps:bodyPr/></wps:wsp>" for text in texts)
    vml = "".join(f'<v:shape type="#_x0000_t202"><v:textbox><w:txbxContent>{o.para(text)}</w:txbxContent>'
                  "</v:textbox></v:shape>" for text in texts)
    return ('<w:r><mc:AlternateContent><mc:Choice Requires="wpg"><w:drawing><wp:anchor distT="0" distB="0" '
            'distL="0" distR="0" simplePos="0" relativeHeight="1" behindDoc="0" locked="0" layoutInCell="1" '
            'allowOverlap="1"><wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="column"><wp:posOffset>0'
            '</wp:posOffset></wp:positionH><wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset>'
            '</wp:positionV><wp:extent cx="2000000" cy="1000000"/><wp:wrapSquare wrapText="bothSides"/>'
            '<wp:docPr id="400" name="Group 400"/><a:graphic><a:graphicData uri="http://schemas.microsoft.com/'
            f'office/word/2010/wordprocessingGroup"><wpg:wgp><wpg:cNvGrpSpPr/><wpg:grpSpPr/>{shapes}</wpg:wgp>'
            "</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict>"
            f'<v:group style="position:absolute;width:160pt;height:80pt">{vml}</v:group></w:pict></mc:Fallback>'
            "</mc:AlternateContent></w:r>")


def _frames(depth: int) -> str:
    """The same in an .odt: text frames in text frames, ``depth`` deep."""
    inner = o.odt_para("Sample innermost box.")
    for level in range(depth, 0, -1):
        inner = o.odt_para(f"Sample anchor {level}.", o.odt_text_frame(inner))
    return inner


TRACKED = o.para("Kept sample text ", o.ins("with an inserted step"), o.dele(" and a removed step"), ".")
# a heading and a list item deleted, and a heading and an item inserted, with changes tracked:
# resolved, each left an empty numbered section or an empty bullet
TRACKED_BLOCKS = (o.tracked_heading(2, "Old procedure", "del") + o.para(SAMPLE)
                  + o.tracked_heading(2, "New procedure", "ins")
                  + o.bullet("Bag the phone.") + o.bullet(o.dele("Switch the phone off."), mark="del")
                  + o.bullet(o.ins("Note the time."), mark="ins") + o.bullet("Label the bag.")
                  + o.heading(2, "Storage") + o.para("Final sample text."))
_BY = 'w:author="Reviewer A (sample)" w:date="2026-03-02T10:15:00Z"'
# formatting changed with changes tracked: a word made bold, one no longer italic, a paragraph
# made a Heading 2; each keeps its old properties beside the new ones
TRACKED_FORMAT = (
    o.para("Sample step: ", f'<w:r><w:rPr><w:b/><w:rPrChange w:id="81" {_BY}><w:rPr/></w:rPrChange></w:rPr>'
           '<w:t>now bold</w:t></w:r>', " and ", f'<w:r><w:rPr><w:rPrChange w:id="82" {_BY}><w:rPr><w:i/>'
           "</w:rPr></w:rPrChange></w:rPr><w:t>was italic</w:t></w:r>", ".")
    + f'<w:p><w:pPr><w:pStyle w:val="Heading2"/><w:pPrChange w:id="83" {_BY}><w:pPr/></w:pPrChange></w:pPr>'
    + o.run("Sample paragraph made a heading") + "</w:p>" + o.para(o.ins("Sample inserted words.")))
# a paragraph split (its mark inserted) and two paragraphs joined (the first one's mark deleted),
# with changes tracked: Word marks the paragraph mark's run properties
SPLIT_AND_JOINED = (
    f'<w:p><w:pPr><w:rPr><w:ins w:id="84" {_BY}/></w:rPr></w:pPr>' + o.run("Sample split, first half.") + "</w:p>"
    + o.para("Sample split, second half.")
    + f'<w:p><w:pPr><w:rPr><w:del w:id="85" {_BY}/></w:rPr></w:pPr>' + o.run("Sample joined, first half") + "</w:p>"
    + o.para(" sample joined, second half."))
PROMPT = '<w:rStyle w:val="PlaceholderText"/>'
_BLANK_ROW = ('<w:tr><w:trPr><w:ins w:id="310" w:author="Reviewer A (sample)" w:date="2026-03-02T10:15:00Z"/>'
              "</w:trPr>" + '<w:tc><w:tcPr><w:tcW w:w="3000" w:type="dxa"/></w:tcPr><w:p/></w:tc>' * 2 + "</w:tr>")
TRACKED_ROWS = o.para(SAMPLE) + o.table([
    ["Exhibit", "Owner"], ["EX-1", "Analyst"], _BLANK_ROW, o.tracked_row(["EX-2", "Inserted row"], "ins", 200),
    o.tracked_row(["EX-3", "Deleted row"], "del", 300), ["EX-5", "Analyst"]]) + o.para("Sample text between.") + o.table([
        o.tracked_row(["Inserted table", "Sample"], "ins", 400), o.tracked_row(["EX-9", "Sample"], "ins", 410)])
COMMENTED = o.para(o.commented(0, o.run("Sample step to check.")))
COMMENT = [(0, "Reviewer B (sample)", "Please confirm this sample step.")]
ODT_CHANGES = (
    '<text:tracked-changes><text:changed-region xml:id="ct1" text:id="ct1"><text:deletion><office:change-info>'
    "<dc:creator>Reviewer A (sample)</dc:creator><dc:date>2026-03-02T10:15:00</dc:date></office:change-info>"
    '<text:p>removed words</text:p></text:deletion></text:changed-region><text:changed-region xml:id="ct2" '
    'text:id="ct2"><text:insertion><office:change-info><dc:creator>Reviewer A (sample)</dc:creator>'
    "<dc:date>2026-03-02T10:15:00</dc:date></office:change-info></text:insertion></text:changed-region>"
    "</text:tracked-changes>")
ODT_CHANGED = o.odt_para("Kept sample text ", '<text:change text:change-id="ct1"/>',
                         '<text:change-start text:change-id="ct2"/>with an inserted step'
                         '<text:change-end text:change-id="ct2"/>', ".")
ODT_COMMENT = o.odt_para(
    '<office:annotation office:name="__Annotation__1_1"><dc:creator>Reviewer B (sample)</dc:creator>'
    "<dc:date>2026-03-02T10:15:00</dc:date><text:p>Please confirm this sample step.</text:p>"
    '</office:annotation>Sample step to check.<office:annotation-end office:name="__Annotation__1_1"/>')
WORD_IMAGE = o.para(o.drawing("rIdImg1", "Picture 1", alt="Sample flow diagram"))
HEADING_REF = (o.heading(2, "Scope of the check", "_Ref198765432", 1)
               + o.para(SAMPLE, " See ", o.ref_field("_Ref198765432", "Section 2"), "."))


def _deep_html(levels: int) -> str:
    return ("<html><body><p>Sample nested list.</p>" + "<ul><li>level" * levels + "</li></ul>" * levels
            + "</body></html>")


def _table_rows(rows: int) -> str:
    lines = ["| Exhibit | Status |", "|---------|--------|"]
    lines += [f"| EX-{n:04d} | logged sample |" for n in range(rows)]
    return "\n".join(lines)


def _word_docs() -> list[Doc]:
    long_ref = "_Ref_sample_cross_reference_bookmark_x01"
    return [
        Doc("word-ref-heading.docx", "1", _docx("word-ref-heading.docx", _chapter(HEADING_REF)), links=1),
        Doc("word-ref-paragraph.docx", "1", _docx("word-ref-paragraph.docx", _chapter(
            o.para(o.bookmark_around("_Ref512345678", o.run("Sample target paragraph."), 3)),
            o.para("As in ", o.ref_field("_Ref512345678", "the target paragraph"), "."))), links=1),
        Doc("word-ref-long-id.docx", "1", _docx("word-ref-long-id.docx", _chapter(
            o.para(o.bookmark_around(long_ref, o.run("Sample target with a long bookmark."), 4)),
            o.para("See ", o.ref_field(long_ref, "the long target"), " and ",
                   o.hyperlink_anchor(long_ref, "again"), "."))), links=2),
        Doc("word-toc-links.docx", "1", _docx("word-toc-links.docx", _chapter(
            o.para(o.hyperlink_anchor("_Toc5551234", "Scope of the check")),
            o.heading(2, "Scope of the check", "_Toc5551234", 5), o.para(SAMPLE))), links=1),
        Doc("word-ref-missing.docx", "1", _docx("word-ref-missing.docx", _chapter(
            o.para(SAMPLE, " See ", o.ref_field("_Ref000000001", "Section 9"), "."))),
            warning="points at a bookmark ('_Ref000000001') that the document does not contain"),
        Doc("word-ref-to-title.docx", "1", _docx("word-ref-to-title.docx", _chapter(
            o.para(SAMPLE, " Back to ", o.hyperlink_anchor("_Ref111", "the start"), ".")).replace(
            o.heading(1, "Triage of seized devices"), o.heading(1, "Triage of seized devices", "_Ref111", 9))),
            links=1),
        Doc("word-pageref.docx", "1", _docx("word-pageref.docx", _chapter(
            o.para(o.bookmark_around("_Ref777", o.run("Sample paged target."), 7)),
            o.para("See page ", o.ref_field("_Ref777", "3", "PAGEREF"), "."))), links=1,
            warning="1 page reference(s)"),
        # fields written as simple fields: pandoc dropped each with its text ("As in ." and no date)
        Doc("word-ref-simple-field.docx", "1", _docx("word-ref-simple-field.docx", _chapter(
            o.heading(2, "Scope of the check", "_Ref198765433", 1),
            o.para(o.bookmark_around("_Ref512345679", o.run("Sample target paragraph."), 2)),
            o.para("As in ", o.simple_field(" REF _Ref512345679 \\h ", "the target paragraph"), " and ",
                   o.simple_field(" REF _Ref198765433 \\h ", "Section 2"), ", checked on ",
                   o.simple_field(' DATE \\@ "d MMMM yyyy" ', "2 March 2026"), "."))), links=2),
        # a text box in a paragraph: pandoc kept the box and dropped the paragraph's own text
        Doc("word-text-box.docx", "11", _docx("word-text-box.docx", _chapter(
            o.para(o.text_box(o.para("Sample key point: never power on a seized phone.")),
                   "Sample anchor text: phones stay in a shielded bag."),
            o.para(o.text_box(o.para("Sample outer box."), o.para(
                o.text_box(o.para("Sample inner box."), box_id=219), "Sample outer box anchor."), box_id=218)),
            o.para(SAMPLE)))),
        # boxes in boxes, 8 deep (as deep as intake takes them): every box's text and every anchor
        Doc("word-boxes-8-deep.docx", "11", _docx("word-boxes-8-deep.docx", _chapter(_boxes(8), o.para(SAMPLE)))),
        # 9 deep: pandoc lost the innermost box's text without a word (and the hidden-text check
        # took minutes on a few thousand levels), so it is refused
        # an XML comment holding a stray tag: the box mover gave up without a word and the anchor
        # paragraph was lost, and comments hid a nesting from the depth count (found by an
        # independent intake test); comments now go before anything is rewritten
        Doc("word-boxes-comment.docx", "8", _docx("word-boxes-comment.docx", _chapter(
            "<!-- </w:p> -->", _boxes(3), o.para(SAMPLE)))),
        # two text boxes grouped (with an arrow, say): only the first box's text was kept
        Doc("word-grouped-boxes.docx", "11", _docx("word-grouped-boxes.docx", _chapter(
            o.para("Sample anchor of the group.", _grouped_boxes("Sample first box.", "Sample second box.")),
            o.para(SAMPLE)))),
        Doc("word-boxes-9-deep.docx", "7", _docx("word-boxes-9-deep.docx", _chapter(_boxes(9))),
            refused="text boxes nested 9 levels deep (at most 8 are taken)"),
        # hidden text in a box in a box, and a box whose anchor is hidden: pandoc printed both
        Doc("word-hidden-in-box.docx", "11", _docx("word-hidden-in-box.docx", _chapter(
            o.para(o.text_box(o.para("Sample outer box."), o.para(o.text_box(o.para(
                "Sample inner box ", o.run("internal note: sample key holder", "<w:vanish/>"), "."), box_id=219),
                "Sample outer anchor."), box_id=218), "Sample page anchor."))),
            refused="hidden text, which the manual would print: 1 passage(s), the first 'internal note: sample"),
        Doc("word-hidden-box-anchor.docx", "11", _docx("word-hidden-box-anchor.docx", _chapter(
            o.para("Sample page anchor.", o.text_box(o.para("Sample withheld box text.")).replace(
                "<w:r>", "<w:r><w:rPr><w:vanish/></w:rPr>", 1)), o.para(SAMPLE))),
            refused="hidden text, which the manual would print: 1 passage(s), the first 'Sample withheld box"),
        # text hidden where the check did not look: in a footnote, through a style based on a
        # hidden style, through a table style (found by an independent intake test)
        Doc("word-hidden-footnote.docx", "11", _docx("word-hidden-footnote.docx", _chapter(o.para(
            SAMPLE, '<w:r><w:footnoteReference w:id="1"/></w:r>')), footnotes=[(1, o.run("Sample note. ") + o.run(
                "internal note: sample key holder", "<w:vanish/>"))]),
            refused="1 passage(s), the first 'internal note: sample key holder'"),
        Doc("word-hidden-based-on.docx", "11", _docx("word-hidden-based-on.docx", _chapter(
            o.para(SAMPLE), o.para("Sample withheld paragraph.", style="Withheld")),
            styles=HIDDEN_STYLE + '<w:style w:type="paragraph" w:styleId="Withheld"><w:name w:val="Withheld"/>'
            '<w:basedOn w:val="Secret"/></w:style>'),
            refused="1 passage(s), the first 'Sample withheld paragraph.'"),
        Doc("word-hidden-table-style.docx", "11", _docx("word-hidden-table-style.docx", _chapter(
            o.para(SAMPLE), '<w:tbl><w:tblPr><w:tblStyle w:val="Quiet"/></w:tblPr><w:tr><w:tc>'
            + o.para("Sample withheld cell.") + "</w:tc></w:tr></w:tbl>", o.para("Sample after.")),
            styles='<w:style w:type="table" w:styleId="Quiet"><w:name w:val="Quiet"/><w:rPr><w:vanish/></w:rPr>'
            "</w:style>"), refused="1 passage(s), the first 'Sample withheld cell.'"),
        # a style based on a hidden one that shows its text again: shown, so taken
        Doc("word-shown-based-on.docx", "11", _docx("word-shown-based-on.docx", _chapter(
            o.para(SAMPLE), o.para("Sample shown again.", style="Shown")),
            styles=HIDDEN_STYLE + '<w:style w:type="paragraph" w:styleId="Shown"><w:name w:val="Shown"/>'
            '<w:basedOn w:val="Secret"/><w:rPr><w:vanish w:val="0"/></w:rPr></w:style>')),
        # a field in a field's instruction (Word's IF { DOCPROPERTY … }): pandoc leaked the inner
        # result and moved every later field's result to the start of its paragraph
        Doc("word-nested-field.docx", "1", _docx("word-nested-field.docx", _chapter(
            o.heading(2, "Scope of the check", "_Ref198765434", 1),
            o.para("Marking: ", o.field(' IF ' + o.field(" DOCPROPERTY Classification ", "OFFICIAL")
                                        + ' = "OFFICIAL" "Handle as official." "" ', "Handle as official.")),
            o.para("Prepared by ", o.field(" AUTHOR ", "Sam Contributor"), " for the triage team."),
            o.para("Reviewed by ", o.simple_field(" AUTHOR ", "Sam Contributor"), " as in ",
                   o.ref_field("_Ref198765434", "Section 2"), "."))), links=1,
            renumbered=("contributorprepared", "officialhandle")),  # the oracle's own misreading
        # a cross-reference the author also linked: one link in Word, two nested ones for pandoc,
        # printed as "[Scope of the check](#scope-of-the-check)" in the manual
        Doc("word-ref-in-hyperlink.docx", "1", _docx("word-ref-in-hyperlink.docx", _chapter(
            o.heading(2, "Scope of the check", "_Ref198765435", 1),
            o.para("See ", '<w:hyperlink w:anchor="_Ref198765435" w:history="1">'
                   + o.ref_field("_Ref198765435", "Scope of the check") + "</w:hyperlink>", " and ",
                   '<w:hyperlink w:anchor="_Ref198765435" w:history="1">'
                   + o.simple_field(" REF _Ref198765435 \\h ", "the scope") + "</w:hyperlink>", "."))), links=2),
        # a list of tables (References > Insert Table of Figures): entries link to each caption with
        # the document's page numbers, nested links again; it goes, as the table of contents does
        Doc("word-list-of-tables.docx", "11", _docx("word-list-of-tables.docx", _chapter(
            o.para('<w:pPr><w:pStyle w:val="TableofFigures"/></w:pPr><w:hyperlink w:anchor="_Toc5551235" '
                   'w:history="1">' + o.run("Table 1: Sample exhibits ")
                   + o.ref_field("_Toc5551235", "2", "PAGEREF") + "</w:hyperlink>"),
            o.para(SAMPLE), o.para('<w:pPr><w:pStyle w:val="Caption"/></w:pPr>'
                                   + o.bookmark_around("_Toc5551235", o.run("Table 1: Sample exhibits"), 6)),
            o.table([["Exhibit", "Owner"], ["EX-1", "Analyst"]]))),
            warning="list of figures or tables) left out", renumbered=("1", "table", "2")),
        # empty form fields (content controls) show a greyed prompt, which pandoc read as text
        Doc("word-form-fields.docx", "11", _docx("word-form-fields.docx", _chapter(
            o.para("Officer: ", o.content_control(o.run("Click or tap here to enter text.", PROMPT), True),
                   " (sign)."),
            o.para("Checked by: ", o.content_control(o.run("Sample Analyst")), "."),
            o.content_control(o.para(o.run("Click or tap here to enter text.", PROMPT)), True),
            o.para(SAMPLE))), warning="2 empty form field(s)"),
        # hostile, yet well-formed: rewriting these naively made XML pandoc could not read (exit 2,
        # blaming the file); they are now read as pandoc reads the original
        Doc("word-field-across-link.docx", "8", _docx("word-field-across-link.docx", _chapter(
            o.para('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> IF </w:instrText></w:r>'
                   '<w:hyperlink w:anchor="x"><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> '
                   'DOCPROPERTY a </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
                   + o.run("v") + '</w:hyperlink><w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:instrText>'
                   ' = 1 "yes" "no" </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
                   + o.run("Sample yes") + '<w:r><w:fldChar w:fldCharType="end"/></w:r>')))),
        Doc("word-comment-in-field.docx", "8", _docx("word-comment-in-field.docx", _chapter(
            o.para("Sample ", '<w:fldSimple w:instr=" DOCPROPERTY x "><!-- </w:fldSimple> -->'
                   + o.run("shown") + "</w:fldSimple>", " text.")))),
        # a tag in CDATA: the text-box move cannot follow the nesting, so the box stays where
        # pandoc drops the paragraph's own text: said at submit
        Doc("word-box-cdata.docx", "8", _docx("word-box-cdata.docx", _chapter(o.para(
            o.text_box(o.para("Sample box text.")), "Sample anchor text ",
            '<w:r><w:t><![CDATA[</w:p>]]></w:t></w:r>'), o.para(SAMPLE))), warning=READ_AS_IS),
        Doc("word-tracked.docx", "3", _docx("word-tracked.docx", _chapter(TRACKED)),
            refused="holds 1 tracked insertion, 1 tracked deletion"),
        Doc("word-tracked-accept.docx", "3", _docx("word-tracked-accept.docx", _chapter(TRACKED)),
            options=("--track-changes", "accept")),
        Doc("word-tracked-reject.docx", "3", _docx("word-tracked-reject.docx", _chapter(TRACKED)),
            options=("--track-changes", "reject")),
        Doc("word-tracked-rows-accept.docx", "3", _docx("word-tracked-rows-accept.docx", _chapter(TRACKED_ROWS)),
            options=("--track-changes", "accept")),
        Doc("word-tracked-rows-reject.docx", "3", _docx("word-tracked-rows-reject.docx", _chapter(TRACKED_ROWS)),
            options=("--track-changes", "reject")),
        Doc("word-tracked-blocks-accept.docx", "3", _docx("word-tracked-blocks-accept.docx", _chapter(
            TRACKED_BLOCKS), bullets=True), options=("--track-changes", "accept")),
        Doc("word-tracked-blocks-reject.docx", "3", _docx("word-tracked-blocks-reject.docx", _chapter(
            TRACKED_BLOCKS), bullets=True), options=("--track-changes", "reject")),
        Doc("word-tracked-format-reject.docx", "3", _docx("word-tracked-format-reject.docx", _chapter(
            TRACKED_FORMAT)), options=("--track-changes", "reject")),
        Doc("word-tracked-format-accept.docx", "3", _docx("word-tracked-format-accept.docx", _chapter(
            TRACKED_FORMAT)), options=("--track-changes", "accept")),
        Doc("word-paragraph-marks-accept.docx", "3", _docx("word-paragraph-marks-accept.docx", _chapter(
            SPLIT_AND_JOINED)), options=("--track-changes", "accept")),
        Doc("word-paragraph-marks-reject.docx", "3", _docx("word-paragraph-marks-reject.docx", _chapter(
            SPLIT_AND_JOINED)), options=("--track-changes", "reject")),
        Doc("word-comment.docx", "3", _docx("word-comment.docx", _chapter(COMMENTED), comments=COMMENT),
            refused="holds 1 comment"),
        Doc("word-comment-accept.docx", "3", _docx("word-comment-accept.docx", _chapter(COMMENTED),
                                                    comments=COMMENT), options=("--track-changes", "accept")),
        Doc("word-tracked-many.docx", "3", _docx("word-tracked-many.docx", _chapter(
            TRACKED, o.para(o.ins("Second insertion.", "Reviewer C (sample)", 103)),
            o.para(o.ins("Third insertion.", change_id=104)), COMMENTED), comments=COMMENT),
            refused="holds 3 tracked insertions, 1 tracked deletion, 1 comment"),
        Doc("word-main-document2.docx", "5", _docx("word-main-document2.docx", _chapter(o.para(SAMPLE), WORD_IMAGE),
                                                    media={"image1.png": make_png()},
                                                    main_part="word/document2.xml"), images=1),
        Doc("word-main-elsewhere.docx", "5", _docx("word-main-elsewhere.docx", _chapter(
            o.heading(2, "Moved part"), o.para(SAMPLE), WORD_IMAGE), media={"image1.png": make_png()},
            main_part="doc/main.xml"), images=1),
        Doc("word-only-heading.docx", "5", _docx("word-only-heading.docx", o.heading(1, "Sample heading only"))),
        Doc("word-title-option.docx", "5", _docx("word-title-option.docx", _chapter(o.para(SAMPLE))),
            options=("--title", "Triage (sample)")),
        # a blank row in the middle of a table: written as a line of spaces, it ended the table
        Doc("word-table-blank-row.docx", "6", _docx("word-table-blank-row.docx", _chapter(
            o.para(SAMPLE), o.table([["Exhibit", "Owner"], ["EX-1", "Analyst"], ["", ""], ["EX-2", "Officer"]])))),
        Doc("word-header-only-table.docx", "6", _docx("word-header-only-table.docx", _chapter(
            o.para(SAMPLE), o.table([["Exhibit", "Owner", "Status"]])))),
        Doc("word-table-caption.docx", "11", _docx("word-table-caption.docx", _chapter(
            o.para('<w:pPr><w:pStyle w:val="Caption"/></w:pPr>' + o.run("Table ")
                   + '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> SEQ '
                   'Table \\* ARABIC </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
                   + o.run("1") + '<w:r><w:fldChar w:fldCharType="end"/></w:r>' + o.run(": Sample exhibits")),
            o.table([["Exhibit", "Owner"], ["EX-1", "Analyst"]]))), renumbered=("1", "table")),
        # a reference to a whole caption ("Entire caption": "Table 4: Sample exhibits") showed the
        # document's number; one to a heading's number (REF \r) shows the document's numbering
        Doc("word-caption-refs.docx", "11", _docx("word-caption-refs.docx", _chapter(
            o.heading(2, "Scope of the check", "_Ref198765436", 1),
            o.para("See ", o.ref_field("_Ref198765437", "Table 4: Sample exhibits"), " and section ",
                   o.field(" REF _Ref198765436 \\r \\h ", "3.2"), "."),
            o.para('<w:pPr><w:pStyle w:val="Caption"/></w:pPr><w:bookmarkStart w:id="8" w:name="_Ref198765437"/>'
                   + o.run("Table ") + o.field(" SEQ Table \\* ARABIC ", "4") + o.run(": Sample exhibits")
                   + '<w:bookmarkEnd w:id="8"/>'),
            o.table([["Exhibit", "Owner"], ["EX-1", "Analyst"]]))), links=2,
            warning="1 reference(s) to a paragraph or heading number", renumbered=("4", "table")),
        # a caption whose number is a simple field (w:fldSimple, as some generators write it):
        # pandoc drops the label and number and left ": Sample exhibits" as the caption
        Doc("word-caption-simple-field.docx", "11", _docx("word-caption-simple-field.docx", _chapter(
            o.para('<w:pPr><w:pStyle w:val="Caption"/></w:pPr>' + o.run("Table ")
                   + '<w:fldSimple w:instr=" SEQ Table \\* ARABIC ">' + o.run("1") + "</w:fldSimple>"
                   + o.run(": Sample exhibits")),
            o.table([["Exhibit", "Owner"], ["EX-1", "Analyst"]])))),
        Doc("word-image.docx", "4", _docx("word-image.docx", _chapter(o.para(SAMPLE), WORD_IMAGE),
                                          media={"image1.png": make_png()}), images=1),
        Doc("word-two-images.docx", "4", _docx("word-two-images.docx", _chapter(
            WORD_IMAGE, o.para(o.drawing("rIdImg2", "Picture 2", alt="Second sample diagram"))),
            media={"image1.png": make_png(), "image2.png": make_png(colour=b"\xff\x00\x00")}), images=2),
        Doc("word-gps-photo.docx", "4", _docx("word-gps-photo.docx", _chapter(o.para(SAMPLE), WORD_IMAGE),
                                              media={"image1.jpeg": gps_jpeg()}),
            warning="GPS coordinates"),
        Doc("word-unsafe-svg.docx", "9", _docx("word-unsafe-svg.docx", _chapter(o.para(SAMPLE), WORD_IMAGE),
                                               media={"image1.svg": UNSAFE_SVGS["css-escape-url"]}),
            warning="was left out"),
        Doc("word-footnotes.docx", "11", _docx("word-footnotes.docx", _chapter(o.para(
            SAMPLE, '<w:r><w:footnoteReference w:id="1"/></w:r>')), footnotes=[(1, "Sample footnote text.")])),
        Doc("word-big-table.docx", "11", _docx("word-big-table.docx", _chapter(o.table(
            [["Exhibit", "Status"]] + [[f"EX-{n}", "logged"] for n in range(300)])))),
        Doc("word-xml-bomb.docx", "8", _docx("word-xml-bomb.docx", _chapter(
            o.para(o.run("x" * 200)) * 45_000)), refused="bytes of text markup (XML)"),
        Doc("word-nested-list.docx", "7", _docx("word-nested-list.docx", _chapter(*(
            o.para(f"Sample level {n} step.", style="ListParagraph") for n in range(9))))),
        Doc("word-external-link.docx", "1", _docx("word-external-link.docx", _chapter(o.para(SAMPLE))),),
        Doc("word-not-zip.docx", "5", _files("word-not-zip.docx", {"word-not-zip.docx": b"not a zip file"}),
            refused="not a valid .docx file"),
        Doc("word-unsafe-member.docx", "8", _files("word-unsafe-member.docx", {}), refused="unsafe path"),
    ]


def _odt_docs() -> list[Doc]:
    heading_mark = ('<text:h text:style-name="Heading_20_2" text:outline-level="2"><text:bookmark-start '
                    'text:name="__RefHeading___Toc1234_567890"/>Scope of the check<text:bookmark-end '
                    'text:name="__RefHeading___Toc1234_567890"/></text:h>')
    top = o.odt_heading(1, "Triage of seized devices")
    return [
        # a text frame in a paragraph: pandoc kept the paragraph and dropped the frame's text
        Doc("odt-text-frame.odt", "11", _odt("odt-text-frame.odt", top + o.odt_para(
            "Sample anchor text: phones stay in a shielded bag.",
            o.odt_text_frame(o.odt_para("Sample key point: never power on a seized phone."))) + o.odt_para(SAMPLE))),
        # the same in an .odt field: the comment goes, the date is kept
        Doc("odt-comment-in-field.odt", "8", _odt("odt-comment-in-field.odt", top + o.odt_para(
            "Sample ", '<text:date text:date-value="2026-03-02">2<!-- </text:date> --> March 2026</text:date>',
            " text."))),
        # a text frame anchored to the page (not in a paragraph): left where it is, and said
        Doc("odt-page-frame.odt", "11", _odt("odt-page-frame.odt", top + o.odt_text_frame(
            o.odt_para("Sample page box text.")).replace('text:anchor-type="paragraph"', 'text:anchor-type="page"')
            + o.odt_para(SAMPLE)), warning=READ_AS_IS),
        Doc("odt-frames-8-deep.odt", "11", _odt("odt-frames-8-deep.odt", top + _frames(8) + o.odt_para(SAMPLE))),
        Doc("odt-frames-comment.odt", "8", _odt("odt-frames-comment.odt", top + "<!-- </text:p> -->"
                                                + _frames(3) + o.odt_para(SAMPLE))),
        Doc("odt-frames-hidden-depth.odt", "7", _odt("odt-frames-hidden-depth.odt", top + _frames(9).replace(
            "</draw:text-box>", "</draw:text-box><!-- </draw:text-box> -->", 1)),
            refused="text boxes nested 9 levels deep (at most 8 are taken)"),
        Doc("odt-frames-9-deep.odt", "7", _odt("odt-frames-9-deep.odt", top + _frames(9)),
            refused="text boxes nested 9 levels deep (at most 8 are taken)"),
        # LibreOffice fields: pandoc dropped each with its text ("fields: date , prop .")
        Doc("odt-fields.odt", "1", _odt("odt-fields.odt", top + o.odt_para(
            '<text:bookmark text:name="sample-point"/>Checked on <text:date style:data-style-name="N37" '
            'text:date-value="2026-03-02">2 March 2026</text:date> by <text:author-name text:fixed="true">Sam '
            'Contributor</text:author-name>, marked <text:user-defined text:name="Classification">OFFICIAL'
            '</text:user-defined><text:variable-set text:name="x" text:display="none" office:value-type="string">'
            'unseen</text:variable-set>.') + o.odt_para(
            "As on page ", '<text:bookmark-ref text:reference-format="page" text:ref-name="sample-point">2'
            "</text:bookmark-ref>", ".")), links=1, warning="1 page reference(s)"),
        Doc("odt-reference-mark.odt", "1", _odt("odt-reference-mark.odt", top + o.odt_para(
            '<text:reference-mark-start text:name="rule-one"/>Sample rule text.'
            '<text:reference-mark-end text:name="rule-one"/>') + o.odt_para(
            "As in ", '<text:reference-ref text:reference-format="text" text:ref-name="rule-one">the rule'
            "</text:reference-ref>", ".")), links=1),
        Doc("odt-bookmark.odt", "1", _odt("odt-bookmark.odt", top + o.odt_para(
            '<text:bookmark text:name="sample-point"/>Sample bookmarked paragraph.') + o.odt_para(
            "See ", '<text:bookmark-ref text:reference-format="text" text:ref-name="sample-point">it'
            "</text:bookmark-ref>", " and ", '<text:a xlink:type="simple" xlink:href="#sample-point">this link'
            "</text:a>.")), links=2),
        Doc("odt-heading-ref.odt", "1", _odt("odt-heading-ref.odt", top + heading_mark + o.odt_para(
            SAMPLE, " See ", '<text:bookmark-ref text:reference-format="chapter" '
            'text:ref-name="__RefHeading___Toc1234_567890">2</text:bookmark-ref>', ".")), links=1,
            warning="1 reference(s) to a paragraph or heading number"),
        Doc("odt-point-mark.odt", "1", _odt("odt-point-mark.odt", top + o.odt_para(
            '<text:reference-mark text:name="point-one"/>Sample point-marked paragraph.') + o.odt_para(
            "Page ", '<text:reference-ref text:reference-format="page" text:ref-name="point-one">1'
            "</text:reference-ref>", ".")), links=1, warning="1 page reference(s)"),
        Doc("odt-outline-link.odt", "1", _odt("odt-outline-link.odt", top + o.odt_heading(2, "Scope of the check")
                                               + o.odt_para(SAMPLE, " ", '<text:a xlink:type="simple" '
                                                            'xlink:href="#Scope of the check|outline">See the scope'
                                                            "</text:a>.")), links=1),
        Doc("odt-missing-ref.odt", "1", _odt("odt-missing-ref.odt", top + o.odt_para(
            SAMPLE, " See ", '<text:bookmark-ref text:reference-format="text" text:ref-name="gone">Section 9'
            "</text:bookmark-ref>.")), warning="that the document does not contain"),
        Doc("odt-tracked.odt", "3", _odt("odt-tracked.odt", top + ODT_CHANGED, ODT_CHANGES),
            refused="holds 1 tracked insertion, 1 tracked deletion"),
        Doc("odt-tracked-accept.odt", "3", _odt("odt-tracked-accept.odt", top + ODT_CHANGED, ODT_CHANGES),
            options=("--track-changes", "accept")),
        Doc("odt-tracked-reject.odt", "3", _odt("odt-tracked-reject.odt", top + ODT_CHANGED, ODT_CHANGES),
            options=("--track-changes", "reject"), refused="can only be accepted here"),
        Doc("odt-comment.odt", "3", _odt("odt-comment.odt", top + ODT_COMMENT), refused="holds 1 comment"),
        Doc("odt-comment-accept.odt", "3", _odt("odt-comment-accept.odt", top + ODT_COMMENT),
            options=("--track-changes", "accept")),
        Doc("odt-image.odt", "4", _odt("odt-image.odt", top + o.odt_para(SAMPLE) + o.odt_para(
            '<draw:frame draw:name="Image1" svg:width="2cm" svg:height="1cm"><draw:image '
            'xlink:href="Pictures/sample.png" xlink:type="simple"/><svg:title>Sample diagram</svg:title>'
            "</draw:frame>"), media={"sample.png": make_png()}), images=1),
        Doc("odt-header-only-table.odt", "6", _odt("odt-header-only-table.odt", top + o.odt_para(SAMPLE)
            + '<table:table table:name="T1"><table:table-column table:number-columns-repeated="2"/>'
            "<table:table-header-rows><table:table-row><table:table-cell>" + o.odt_para("Exhibit")
            + "</table:table-cell><table:table-cell>" + o.odt_para("Owner")
            + "</table:table-cell></table:table-row></table:table-header-rows></table:table>")),
    ]


def _png_uri(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def _html(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html>\n<html><head>{head}</head><body>\n{body}\n</body></html>\n"


def _html_docs() -> list[Doc]:
    latin = ('<html><head><meta charset="iso-8859-1"><title>Sample</title></head><body><h2>Café procedure'
             "</h2><p>Sample text: the officer's résumé of the étape.</p></body></html>").encode("latin-1")
    cp1252 = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252"></head>'
              "<body><p>Sample text \u2013 \u201cquoted\u201d step.</p></body></html>").encode("cp1252")
    return [
        Doc("html-data-image.html", "4", _files("html-data-image.html", {"html-data-image.html": _html(
            f'<h2>Steps</h2><p>{SAMPLE}</p><p><img src="{_png_uri(make_png())}" alt="Sample diagram"></p>')}),
            images=1),
        Doc("html-relative-image.html", "4", _files("html-relative-image.html", {
            "html-relative-image.html": _html(f'<p>{SAMPLE}</p><img src="images/flow.png" alt="Sample flow">'
                                              '<img src="images/flow%20two.svg" alt="Second sample">'),
            "images/flow.png": make_png(), "images/flow two.svg": SAFE_SVG}), images=2),
        Doc("html-image-outside.html", "4", _files("sub/html-image-outside.html", {
            "sub/html-image-outside.html": _html(f'<p>{SAMPLE}</p><img src="../secret.png" alt="Outside">'),
            "secret.png": make_png()}), warning="only pictures in the submitted file's folder"),
        Doc("html-latin1.html", "11", _files("html-latin1.html", {"html-latin1.html": latin})),
        Doc("html-windows-1252.html", "11", _files("html-windows-1252.html", {"html-windows-1252.html": cp1252})),
        Doc("html-title-h1.html", "11", _files("html-title-h1.html", {"html-title-h1.html": _html(
            f"<h1>Sample triage procedure</h1><p>{SAMPLE}</p>", "<title>Sample triage procedure</title>")})),
        Doc("html-deep-lists.html", "7", _files("html-deep-lists.html", {"html-deep-lists.html": _deep_html(200)}),
            refused="nested 33 levels deep"),
        Doc("html-header-only-table.html", "6", _files("html-header-only-table.html", {
            "html-header-only-table.html": _html(f"<p>{SAMPLE}</p><table><tr><th>Exhibit</th><th>Owner</th>"
                                                 "</tr></table>")})),
        Doc("html-image-size.html", "11", _files("html-image-size.html", {"html-image-size.html": _html(
            f'<p>{SAMPLE}</p><img src="{_png_uri(make_png(30, 20))}" width="3000" height="2000" alt="Wide">')}),
            images=1),
        Doc("html-anchors.html", "1", _files("html-anchors.html", {"html-anchors.html": _html(
            f'<p><a href="#steps">Go to the steps</a></p><h2 id="steps">Steps</h2><p>{SAMPLE}</p>'
            '<p><span id="note-a">Sample anchored note.</span> <a href="#note-a">back</a></p>')}), links=2),
        Doc("html-utf16.html", "11", _files("html-utf16.html", {
            "html-utf16.html": _html(f"<p>{SAMPLE}</p>").encode("utf-16")}), refused="UTF-16"),
        Doc("html-unsafe-svg.html", "9", _files("html-unsafe-svg.html", {"html-unsafe-svg.html": _html(
            f'<p>{SAMPLE}</p><img src="{_png_uri(UNSAFE_SVGS["image-set"], "image/svg+xml")}" alt="Unsafe">')}),
            warning="was left out"),
        Doc("html-remote-image.html", "4", _files("html-remote-image.html", {"html-remote-image.html": _html(
            f'<p>{SAMPLE}</p><img src="https://example.org/track.png" alt="Remote">')}),
            warning="not embedded"),
    ]


def _md_docs() -> list[Doc]:
    deep_quote = "Sample quote.\n\n" + ">" * 2000 + " deep sample\n"
    deep_list = "Sample list.\n\n" + "".join("  " * n + "- level\n" for n in range(300))
    return [
        Doc("md-images.md", "4", _files("md-images/md-images.md", {
            "md-images/md-images.md": f"# Sample chapter\n\n{SAMPLE}\n\n![Sample flow](media/flow.png)\n\n"
                                      "![Sample drawing](media/drawing.svg \"Drawing\")\n",
            "md-images/media/flow.png": make_png(), "md-images/media/drawing.svg": SAFE_SVG}), images=2),
        Doc("md-reference-image.md", "4", _files("md-reference-image.md", {
            "md-reference-image.md": f"{SAMPLE}\n\n![Sample flow][flow]\n\n[flow]: img/flow.png\n",
            "img/flow.png": make_png()}), images=1),
        Doc("md-image-missing.md", "4", _files("md-image-missing.md", {
            "md-image-missing.md": f"{SAMPLE}\n\n![Sample missing](media/none.png)\n"}),
            warning="no such file"),
        Doc("md-image-outside.md", "4", _files("ch/md-image-outside.md", {
            "ch/md-image-outside.md": f"{SAMPLE}\n\n![Outside](../secret.png)\n", "secret.png": make_png()}),
            warning="only pictures in the submitted file's folder"),
        Doc("md-gps-photo.md", "4", _files("md-gps-photo.md", {
            "md-gps-photo.md": f"{SAMPLE}\n\n![Sample photo](photo.jpg)\n", "photo.jpg": gps_jpeg()}),
            warning="GPS coordinates"),
        *[Doc(f"md-svg-{kind}.md", "9", _files(f"md-svg-{kind}.md", {
            f"md-svg-{kind}.md": f"{SAMPLE}\n\n![Sample drawing](drawing.svg)\n", "drawing.svg": svg}),
            warning="was left out") for kind, svg in UNSAFE_SVGS.items()],
        Doc("md-deep-quotes.md", "7", _files("md-deep-quotes.md", {"md-deep-quotes.md": deep_quote}),
            refused="line 3: lists, quotes or blocks nested"),
        Doc("md-deep-lists.md", "7", _files("md-deep-lists.md", {"md-deep-lists.md": deep_list}),
            refused="nested"),
        Doc("md-utf16.md", "11", _files("md-utf16.md", {"md-utf16.md": f"{SAMPLE}\n".encode("utf-16")}),
            refused="UTF-16"),
        Doc("md-big-table.md", "11", _files("md-big-table.md", {"md-big-table.md": f"{SAMPLE}\n\n"
                                                                 + _table_rows(3000) + "\n"})),
        Doc("md-plain.txt", "5", _files("md-plain.txt", {"md-plain.txt": f"{SAMPLE}\n\nA second sample line.\n"})),
        Doc("01-intro.md", "2", _files("01-intro.md", {"01-intro.md": "## Scope of work\n\n"
                                                          f"{SAMPLE} See [the scope](#scope-of-work).\n\n"
                                                          "## Next steps\n\nSample text.\n"}), links=1),
        Doc("2-scope.md", "2", _files("2-scope.md", {"2-scope.md": "## Purpose\n\n"
                                                      "See [the intro's scope](01-intro.md#scope-of-work).\n"}),
            links=1),
    ]


def _unsafe_member(folder: Path) -> Path:
    import zipfile

    path = folder / "word-unsafe-member.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<x/>")
        archive.writestr("../evil.txt", "sample")
    return path


def corpus() -> list[Doc]:
    """Every corpus document, in a stable order."""
    docs = [*_word_docs(), *_odt_docs(), *_html_docs(), *_md_docs()]
    return [Doc(d.name, d.point, _unsafe_member, d.refused) if d.name == "word-unsafe-member.docx" else d
            for d in docs]
