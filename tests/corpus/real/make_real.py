"""Make the real-document fixtures of tests/corpus/real/ with LibreOffice (see README.md there).

Each document is written as a hand-written Flat ODT (``sources/*.fodt``, the same XML a
LibreOffice user's file holds) and then opened and saved by LibreOffice itself, headless, as
Word (.docx, "MS Word 2007 XML") and as OpenDocument (.odt). The .docx and .odt files are
therefore LibreOffice's own writing, as a contributor's would be: its bookmarks, REF fields,
caption sequence fields, tracked changes, comments, images and footnotes, not our generators'.

Run from the repository root (LibreOffice is not a test dependency; the outputs are committed):

    python tests/corpus/real/make_real.py          # needs soffice on PATH
    python tests/corpus/real/make_real.py hidden-text   # only the documents named

The text is invented, procedural and marked as sample text.
"""

from __future__ import annotations

import base64
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"

NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:loext="urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0" '
    'xmlns:officeooo="http://openoffice.org/2009/office"'
)


def png(width: int, height: int, colour: bytes) -> bytes:
    """A small valid RGB PNG (zlib and struct only)."""
    raw = b"".join(b"\x00" + colour * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def image(name: str, data: bytes, title: str, desc: str, width_cm: float = 6.0, height_cm: float = 3.0) -> str:
    """An image anchored as a character, with LibreOffice's alt text (Title and Description)."""
    encoded = base64.b64encode(data).decode("ascii")
    return (f'<draw:frame draw:name="{name}" text:anchor-type="as-char" svg:width="{width_cm}cm" '
            f'svg:height="{height_cm}cm" draw:z-index="0"><draw:image><office:binary-data>{encoded}'
            f'</office:binary-data></draw:image><svg:title>{title}</svg:title><svg:desc>{desc}</svg:desc>'
            '</draw:frame>')


def _style(name: str, display: str, parent: str = "", level: int = 0, family: str = "paragraph") -> str:
    parent_attr = f' style:parent-style-name="{parent}"' if parent else ""
    level_attr = f' style:default-outline-level="{level}"' if level else ""
    return (f'<style:style style:name="{name}" style:display-name="{display}" style:family="{family}"'
            f'{parent_attr}{level_attr}/>')


# LibreOffice's own names for its default paragraph styles (what a new document has), so that
# saving as Word maps them to Word's built-in styles (Heading 1, Caption …) as a user's file would.
STYLES = "<office:styles>" + "".join([
    _style("Standard", "Default Paragraph Style"),
    _style("Heading", "Heading", "Standard"),
    _style("Heading_20_1", "Heading 1", "Heading", 1),
    _style("Heading_20_2", "Heading 2", "Heading", 2),
    _style("Text_20_body", "Body Text", "Standard"),
    _style("Subtitle", "Subtitle", "Heading"),
    _style("Caption", "Caption", "Standard"),
    _style("Figure", "Figure", "Caption"),
    _style("Table", "Table", "Caption"),
    _style("Footnote", "Footnote", "Standard"),
    _style("Table_20_Contents", "Table Contents", "Standard"),
    _style("Contents_20_Heading", "Contents Heading", "Heading"),
    _style("Contents_20_1", "Contents 1", "Standard"),
]) + "</office:styles>"


def document(body: str, tracked: str = "", title: str = "", automatic: str = "") -> str:
    """A Flat ODT text document: LibreOffice's heading, caption and note styles are its defaults;
    ``automatic`` holds the document's own (automatic) styles, such as a run's Hidden attribute."""
    meta = f"<office:meta><dc:title>{title}</dc:title></office:meta>" if title else ""
    own = f"<office:automatic-styles>{automatic}</office:automatic-styles>" if automatic else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document {NS} office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
{meta}{STYLES}{own}<office:body><office:text>
<text:sequence-decls>
<text:sequence-decl text:display-outline-level="0" text:name="Table"/>
<text:sequence-decl text:display-outline-level="0" text:name="Figure"/>
</text:sequence-decls>
{tracked}{body}
</office:text></office:body></office:document>
"""


def h(level: int, text: str) -> str:
    return f'<text:h text:style-name="Heading_20_{level}" text:outline-level="{level}">{text}</text:h>'


def p(text: str, style: str = "Text_20_body") -> str:
    return f'<text:p text:style-name="{style}">{text}</text:p>'


def bookmarked(name: str, text: str) -> str:
    return f'<text:bookmark-start text:name="{name}"/>{text}<text:bookmark-end text:name="{name}"/>'


def ref(name: str, shown: str, fmt: str = "text") -> str:
    """A cross-reference field (Insert > Cross-reference > Bookmarks)."""
    return f'<text:bookmark-ref text:reference-format="{fmt}" text:ref-name="{name}">{shown}</text:bookmark-ref>'


def seq(kind: str, ref_name: str, value: int) -> str:
    """A caption's number (Insert > Caption), a sequence field that references can point at."""
    return (f'<text:sequence text:ref-name="{ref_name}" text:name="{kind}" text:formula="ooow:{kind}+1" '
            f'style:num-format="1">{value}</text:sequence>')


def seq_ref(ref_name: str, shown: str) -> str:
    """A cross-reference to a caption (Insert > Cross-reference > Figure/Table, "Category and Number")."""
    return (f'<text:sequence-ref text:reference-format="category-and-value" text:ref-name="{ref_name}">'
            f'{shown}</text:sequence-ref>')


def note(number: int, text: str) -> str:
    return (f'<text:note text:id="ftn{number}" text:note-class="footnote"><text:note-citation>{number}'
            f'</text:note-citation><text:note-body>{p(text, "Footnote")}</text:note-body></text:note>')


def comment(name: str, author: str, date: str, text: str, parent: str = "") -> str:
    """A comment (Insert > Comment); ``parent`` makes it a reply in LibreOffice's threads.
    Without ``name`` and an annotation-end it is placed at a point (nothing was selected)."""
    parent_attr = f' loext:parent-name="{parent}"' if parent else ""
    name_attr = f' office:name="{name}"' if name else ""
    return (f'<office:annotation{name_attr}{parent_attr}><dc:creator>{author}</dc:creator>'
            f'<dc:date>{date}</dc:date><text:p>{text}</text:p></office:annotation>')


def table(caption: str, rows: list[list[str]]) -> str:
    """A table whose first row repeats as its header row (Table Properties > Repeat heading)."""
    columns = len(rows[0])
    cells = ["".join(f'<table:table-cell office:value-type="string">{p(c, "Table_20_Contents")}'
                     "</table:table-cell>" for c in row) for row in rows]
    header = f"<table:table-header-rows><table:table-row>{cells[0]}</table:table-row></table:table-header-rows>"
    body = "".join(f"<table:table-row>{row}</table:table-row>" for row in cells[1:])
    return (caption + f'<table:table table:name="Exhibits"><table:table-column table:number-columns-repeated='
            f'"{columns}"/>{header}{body}</table:table>')


ALEX = "Alex Author (sample)"
BLAKE = "Blake Editor (sample)"
FLOW = png(40, 20, b"\x20\x60\xc0")
CHART = png(30, 30, b"\xc0\x60\x20")


def procedures() -> str:
    """The richest document: everything a contributor's Word file holds, review marks included."""
    tracked = (
        '<text:tracked-changes text:track-changes="true">'
        f'<text:changed-region xml:id="ct1" text:id="ct1"><text:insertion><office:change-info>'
        f"<dc:creator>{ALEX}</dc:creator><dc:date>2026-03-01T09:00:00</dc:date></office:change-info>"
        "</text:insertion></text:changed-region>"
        f'<text:changed-region xml:id="ct2" text:id="ct2"><text:deletion><office:change-info>'
        f"<dc:creator>{BLAKE}</dc:creator><dc:date>2026-03-02T10:00:00</dc:date></office:change-info>"
        '<text:p text:style-name="Text_20_body">and a removed sample step </text:p></text:deletion>'
        "</text:changed-region>"
        f'<text:changed-region xml:id="ct3" text:id="ct3"><text:insertion><office:change-info>'
        f"<dc:creator>{BLAKE}</dc:creator><dc:date>2026-03-02T10:05:00</dc:date></office:change-info>"
        "</text:insertion></text:changed-region>"
        "</text:tracked-changes>")
    inserted = ('<text:change-start text:change-id="ct1"/>with an inserted sample step '
                '<text:change-end text:change-id="ct1"/>')
    deleted = '<text:change text:change-id="ct2"/>'
    commented = (comment("__Annotation__1", BLAKE, "2026-03-02T10:15:00", "Please confirm this sample step.")
                 + comment("__Annotation__2", ALEX, "2026-03-02T11:00:00", "Confirmed with the sample lab.",
                           parent="__Annotation__1")
                 + "Image the device before any triage."
                 + '<office:annotation-end office:name="__Annotation__1"/>'
                 + '<office:annotation-end office:name="__Annotation__2"/>')
    late = '<text:change-start text:change-id="ct3"/> Record who imaged it.<text:change-end text:change-id="ct3"/>'
    body = "".join([
        p("Sample text: an invented procedure for the tests; not operational guidance.", "Subtitle"),
        h(1, "Triage of seized devices (sample)"),
        p("This sample chapter describes an invented triage procedure. The order of work is in "
          f"section {ref('_Ref_handling', 'Handling exhibits')}, the flow is shown in "
          f"{seq_ref('refFigure0', 'Figure 1')} and the exhibits are listed in "
          f"{seq_ref('refTable0', 'Table 1')}."),
        h(2, bookmarked("_Ref_handling", "Handling exhibits")),
        p(f"Each exhibit is logged on arrival {inserted}{deleted}before it is examined."
          + note(1, "Sample footnote: the log is kept by the exhibits officer.") + late),
        p(commented),
        p(image("Image1", FLOW, "Sample flow chart", "Sample flow: seize, image, triage, report")),
        p(f"Figure {seq('Figure', 'refFigure0', 1)}: Sample flow of an exhibit", "Figure"),
        h(2, bookmarked("_Ref_records", "Records")),
        table(p(f"Table {seq('Table', 'refTable0', 1)}: Sample exhibits", "Table"),
              [["Exhibit", "Owner", "Status"], ["Phone A (sample)", "Unit 1", "Imaged"],
               ["Laptop B (sample)", "Unit 2", "Waiting"]]),
        p(f"The records go back to {ref('_Ref_handling', 'Handling exhibits')} when an exhibit returns."
          + note(2, "Sample footnote: returns are rare in this invented procedure.")),
        p(image("Image2", CHART, "Sample chart", "Sample chart of exhibits per week", 3.0, 3.0)),
    ])
    return document(body, tracked, "Triage of seized devices (sample)")


def point_comments() -> str:
    """Comments as reviewers leave them with nothing selected (at a point), beside one on words:
    Word keeps a point comment as a reference with no range, which pandoc does not read."""
    return document("".join([
        h(1, "Exhibit labels (sample)"),
        p("Sample text: each exhibit gets a label on arrival."
          + comment("", BLAKE, "2026-04-01T09:00:00", "Which label printer? (sample)")
          + " The label names the exhibit and the officer."),
        p("Labels are checked "
          + comment("__Annotation__3", ALEX, "2026-04-01T09:30:00", "Checked by whom? (sample)")
          + "at the end of each shift" + '<office:annotation-end office:name="__Annotation__3"/>' + "."),
        h(2, "Damaged labels" + comment("", ALEX, "2026-04-01T10:00:00", "Move this section up. (sample)")),
        p("A damaged label is replaced and the old one kept with the exhibit."),
    ]), title="Exhibit labels (sample)")


def heading_only() -> str:
    """A document a contributor starts with: its title heading and nothing yet."""
    return document(h(1, "Scope of the sample manual"))


def hidden_text() -> str:
    """Text a contributor hid and forgot: characters with Format > Character > Font Effects >
    Hidden, and a section with Format > Sections > Hide. Neither prints, both are in the file."""
    hidden = ('<style:style style:name="T1" style:family="text">'
              '<style:text-properties text:display="none"/></style:style>')
    return document("".join([
        h(1, "Storage of exhibits (sample)"),
        p("Sample text: exhibits are stored in a locked room."
          '<text:span text:style-name="T1"> Internal note: room key held by the duty officer (sample).</text:span>'
          " Access is logged."),
        '<text:section text:name="Draft" text:display="none">',
        p("Hidden section: an earlier wording kept for reference (sample)."),
        "</text:section>",
        p("Each exhibit is checked weekly."),
    ]), title="Storage of exhibits (sample)", automatic=hidden)


def captions() -> str:
    """Captions in the Caption style itself, as Word's Insert Caption writes them (pandoc then
    reads them as the figure's and table's own captions, bookmark and number included), and
    cross-references to them by category and number; a picture with no caption of its own just
    before the table's caption (which pandoc gives to the picture)."""
    return document("".join([
        h(1, "Photographing exhibits (sample)"),
        p(f"Sample text: the set-up is shown in {seq_ref('refFigure0', 'Figure 1')} and the settings "
          f"are listed in {seq_ref('refTable0', 'Table 1')}."),
        p(image("Image1", FLOW, "Sample set-up", "Sample set-up: camera, stand, exhibit")),
        p(f"Figure {seq('Figure', 'refFigure0', 1)}: Sample camera set-up", "Caption"),
        p(image("Image2", CHART, "Sample chart", "Sample chart of sessions per week")),
        table(p(f"Table {seq('Table', 'refTable0', 1)}: Sample camera settings", "Caption"),
              [["Setting", "Value"], ["Aperture (sample)", "f/8"], ["Light (sample)", "Diffuse"]]),
        p(f"Check {seq_ref('refFigure0', 'Figure 1')} before each session."),
    ]), title="Photographing exhibits (sample)")


def linked_picture() -> str:
    """A picture inserted with Insert > Image > Link (kept as a link to a file beside the
    document, not in it): the file cannot travel with the document."""
    return document("".join([
        h(1, "Exhibit photographs (sample)"),
        p("Sample text: the photograph below is linked, not embedded."),
        p('<draw:frame draw:name="Linked1" text:anchor-type="as-char" svg:width="4cm" svg:height="2cm" '
          'draw:z-index="0"><draw:image xlink:href="../pictures/exhibit-sample.png" xlink:type="simple" '
          'xlink:show="embed" xlink:actuate="onLoad"/><svg:title>Sample exhibit photograph</svg:title>'
          '</draw:frame>'),
        p("Each photograph is kept with the exhibit record."),
    ]), title="Exhibit photographs (sample)")


def with_contents() -> str:
    """A document with its own table of contents (Insert > Table of Contents and Index), as a
    contributor's long file often has: its entries carry the document's page numbers."""
    entry = ('<text:p text:style-name="Contents_20_1"><text:a xlink:type="simple" '
             'xlink:href="#{target}|outline">{text}<text:tab/>{page}</text:a></text:p>')
    contents = (
        '<text:table-of-content text:name="Table of Contents1"><text:table-of-content-source '
        'text:outline-level="2"><text:index-title-template>Contents</text:index-title-template>'
        '</text:table-of-content-source><text:index-body><text:index-title text:name="Table of Contents1_Head">'
        '<text:p text:style-name="Contents_20_Heading">Contents</text:p></text:index-title>'
        + entry.format(target="Seizure", text="Seizure", page=1)
        + entry.format(target="Transport", text="Transport", page=2)
        + "</text:index-body></text:table-of-content>")
    return document("".join([
        h(1, "Handling seized devices (sample)"),
        contents,
        h(2, "Seizure"),
        p("Sample text: photograph the device where it was found."),
        h(2, "Transport"),
        p("Sample text: carry the device in a shielded bag."),
    ]), title="Handling seized devices (sample)")


DOCUMENTS = {
    "procedures-tracked": procedures,
    "heading-only": heading_only,
    "point-comments": point_comments,
    "hidden-text": hidden_text,
    "captions": captions,
    "linked-picture": linked_picture,
    "with-contents": with_contents,
}


# Saved in an old format too, as a contributor's file may come: Word 97-2003's .doc.
OLD_FORMATS = {"heading-only": ("doc:MS Word 97",)}


def convert(source: Path, target_format: str, out: Path) -> Path:
    """Have LibreOffice open ``source`` and save it as ``target_format`` in ``out``."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                        "--convert-to", target_format, "--outdir", str(out), str(source)],
                       check=True, capture_output=True, timeout=120)
    return out / f"{source.stem}.{target_format.split(':')[0]}"


def main() -> int:
    if shutil.which("soffice") is None:
        print("soffice (LibreOffice) is needed: apt-get install libreoffice-writer-nogui", file=sys.stderr)
        return 2
    SOURCES.mkdir(exist_ok=True)
    wanted = sys.argv[1:] or list(DOCUMENTS)  # a stem or two: make only those again
    for stem, make in ((stem, DOCUMENTS[stem]) for stem in wanted):
        fodt = SOURCES / f"{stem}.fodt"
        fodt.write_text(make(), encoding="utf-8")
        for fmt in ("docx:MS Word 2007 XML", "odt", *OLD_FORMATS.get(stem, ())):
            made = convert(fodt, fmt, HERE)
            print(f"{made.relative_to(HERE)}: {made.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
