"""A book stitched from chapter PDFs embeds each font once (vimanual.pdf.fonts).

The chapters are laid out by the real WeasyPrint with the shipped fonts, stitched
with pikepdf as the build does, then checked as a reader would: the same text,
the same pixels on every page, one font program per face, a smaller file.
"""

from __future__ import annotations

import re
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageChops

from tests.pdfhtml import pdf_font_names, pdf_pages_text
from vimanual.book.plan import DEFAULT_STYLES
from vimanual.pdf import fonts
from vimanual.pdf.fonts import FontMergeReport, _to_unicode_cmap, merge_fonts, read_to_unicode
from vimanual.pdf.weasy import render_pdf

CSS = (DEFAULT_STYLES / "fonts.css").read_text(encoding="utf-8") + (
    "body { font-family: 'Manual Serif'; } h1 { font-family: 'Manual Sans'; }"
    " code, pre { font-family: 'Manual Mono'; }"
)
CHAPTERS = [
    "<h1>Scene</h1><p>Photograph <b>every item</b> where it lies, <i>before</i> moving it –"
    " café, naïve, über.</p><p>Then run <code>vimanual build</code> · twice.</p>",
    "<h1>Mortuary</h1><p>Fingerprints, <b><i>dental records</i></b> and DNA: Zürich, Malmö,"
    " São Paulo, Dvořák.</p><pre>case_id = 42  # ü</pre>",
    "<h1>Reconciliation</h1><p>Ante-mortem data, matched 0123456789 times.</p>"
    '<svg width="200" height="40"><text x="0" y="30" font-family="Manual Sans"'
    ' font-size="20">Figure Ω é</text></svg>',
    "<h1>Family liaison</h1><p>Tell families <i>early</i>; «keep» them informed — always."
    " <b>Æsir</b> ½ €.</p>",
]


def _html(*bodies: str) -> str:
    sections = "".join(f'<section style="break-before: page">{body}</section>' for body in bodies)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Fonts</title>'
            f"<style>{CSS}</style></head><body>{sections}</body></html>")


def _render(bodies: list[str], folder: Path) -> list[Path]:
    """One PDF per body, laid out as the build lays out a chapter."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, body in enumerate(bodies):
        path = folder / f"chapter-{index}.pdf"
        render_pdf(_html(body), DEFAULT_STYLES, [DEFAULT_STYLES], path)
        paths.append(path)
    return paths


def _stitch(chapters: list[Path], target: Path, *, merge: bool,
            font_files: tuple[Path, ...] = ()) -> FontMergeReport | None:
    """Copy the chapters' pages into one PDF, as the build stitches a book.

    Saved with object streams, as WeasyPrint saves: without them the dictionaries
    alone make a small book a quarter larger than one render.
    """
    sources = [pikepdf.open(path) for path in chapters]
    try:
        book = pikepdf.new()
        for source in sources:
            for page in source.pages:
                book.pages.append(page)
        report = merge_fonts(book, font_files=font_files) if merge else None
        book.save(target, deterministic_id=True,
                  object_stream_mode=pikepdf.ObjectStreamMode.generate)
    finally:
        for source in sources:
            source.close()
    return report


def _fonts_by_face(path: Path) -> tuple[dict[str, set[object]], dict[str, set[object]]]:
    """Per face (name without subset tag): its font programs, its font dictionaries."""
    programs: dict[str, set[object]] = defaultdict(set)
    dictionaries: dict[str, set[object]] = defaultdict(set)
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                face = re.sub(r"^/[A-Z]{6}\+", "", str(font.BaseFont))
                descriptor = font.DescendantFonts[0].FontDescriptor
                assert str(descriptor.FontName) == str(font.BaseFont)
                programs[face].add(descriptor.FontFile2.objgen)
                dictionaries[face].add(font.objgen)
    return programs, dictionaries


def _page_images(pdf: Path, folder: Path) -> list[Image.Image]:
    """The pages as poppler draws them; poppler must not complain about the fonts."""
    folder.mkdir()
    result = subprocess.run(["/usr/bin/pdftoppm", "-r", "40", "-png", str(pdf), str(folder / "page")],
                            capture_output=True, text=True, timeout=60, check=True)
    assert result.stderr == ""
    return [Image.open(path).convert("RGB") for path in sorted(folder.glob("page-*.png"))]


def _assert_same_pages(before: Path, after: Path, scratch: Path) -> None:
    assert pdf_pages_text(after) == pdf_pages_text(before)
    old, new = _page_images(before, scratch / "before"), _page_images(after, scratch / "after")
    assert len(old) == len(new) > 0
    for number, (a, b) in enumerate(zip(old, new, strict=True), start=1):
        assert a.convert("L").getextrema()[0] < 100, f"page {number} is blank"
        assert ImageChops.difference(a, b).getbbox() is None, f"page {number} looks different"


@dataclass
class Book:
    chapters: list[Path]
    naive: Path
    merged: Path
    single: Path
    report: FontMergeReport


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Book:
    root = tmp_path_factory.mktemp("fonts")
    chapters = _render(CHAPTERS, root / "chapters")
    render_pdf(_html(*CHAPTERS), DEFAULT_STYLES, [DEFAULT_STYLES], root / "single.pdf")
    _stitch(chapters, root / "naive.pdf", merge=False)
    report = _stitch(chapters, root / "merged.pdf", merge=True)
    assert report is not None
    return Book(chapters, root / "naive.pdf", root / "merged.pdf", root / "single.pdf", report)


@pytest.mark.slow
def test_each_face_is_embedded_once(book: Book) -> None:
    before, _ = _fonts_by_face(book.naive)
    programs, dictionaries = _fonts_by_face(book.merged)
    assert set(programs) == set(before) >= {"Manual-Serif", "Manual-Serif-Bold", "Manual-Serif-Italic",
                                            "Manual-Sans-Bold", "Manual-Sans", "Manual-Mono"}
    assert max(len(found) for found in before.values()) == len(CHAPTERS)  # serif, in every chapter
    assert {face: len(found) for face, found in programs.items()} == dict.fromkeys(programs, 1)
    assert {face: len(found) for face, found in dictionaries.items()} == dict.fromkeys(programs, 1)
    report = book.report
    assert report.notes == ()
    assert report.faces == len(programs)
    assert report.programs_before == sum(len(found) for found in before.values())
    assert report.programs_after == len(programs)
    assert report.bytes_after < report.bytes_before


def test_pages_that_share_a_font_dictionary_each_draw_with_the_merged_fonts(tmp_path: Path) -> None:
    """Each page of a stitched book has resources of its own (the margins are laid under it),
    and a chapter's pages share one /Font dictionary: that is read and retargeted once, and
    every page then draws each face from one program and one dictionary."""
    long_chapters = [body.replace("</p>", "</p>" + "<p>Record the exhibit reference. </p>" * 60, 1)
                     for body in CHAPTERS[:2]]
    chapters = _render(long_chapters, tmp_path / "chapters")
    naive = tmp_path / "naive.pdf"
    _stitch(chapters, naive, merge=False)
    merged = tmp_path / "merged.pdf"
    with pikepdf.open(naive) as book:
        for page in book.pages:  # as stitch._lay_margins gives each page its own resources
            page.Resources = pikepdf.Dictionary(dict(page.obj.Resources.items()))
        shared = {page.Resources.Font.objgen for page in book.pages}
        assert len(book.pages) > 2 and len(shared) == 2 and (0, 0) not in shared  # a chapter's, indirect
        listed = fonts._font_resources(book)
        assert [found.objgen for found in listed] == list(dict.fromkeys(
            page.Resources.Font.objgen for page in book.pages))  # each once, in page order
        merge_fonts(book)
        book.save(merged)
    programs, dictionaries = _fonts_by_face(merged)
    assert {face: len(found) for face, found in programs.items()} == dict.fromkeys(programs, 1)
    assert {face: len(found) for face, found in dictionaries.items()} == dict.fromkeys(programs, 1)
    assert pdf_pages_text(merged) == pdf_pages_text(naive)


@pytest.mark.slow
def test_text_and_pages_look_the_same(book: Book, tmp_path: Path) -> None:
    text = pdf_pages_text(book.merged)
    assert "café, naïve, über" in text[0] and "·" in text[0] and "–" in text[0]
    assert "Dvořák" in text[1] and "Figure Ω é" in text[2] and "Æsir ½ €" in text[3]
    _assert_same_pages(book.naive, book.merged, tmp_path)


@pytest.mark.slow
def test_each_face_subset_from_its_font_file_draws_the_same_pages(book: Book, tmp_path: Path) -> None:
    # A draft's stitcher subsets each face's one program from the font file (HarfBuzz, a few
    # milliseconds) rather than merging the chapters' subsets (fontTools, ~0.1 s a face).
    files = tuple(sorted((DEFAULT_STYLES / "fonts").glob("*.ttf")))
    target = tmp_path / "from-files.pdf"
    report = _stitch(book.chapters, target, merge=True, font_files=files)
    assert report is not None and report.notes == ()
    programs, dictionaries = _fonts_by_face(target)
    assert {face: len(found) for face, found in programs.items()} == dict.fromkeys(programs, 1)
    assert set(programs) == set(_fonts_by_face(book.merged)[0])
    _assert_same_pages(book.naive, target, tmp_path)
    assert target.stat().st_size <= 1.1 * book.merged.stat().st_size
    with pikepdf.open(target) as made, pikepdf.open(book.merged) as merged:
        def serif(pdf: pikepdf.Pdf) -> bytes:
            return next(bytes(font.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes())
                        for page in pdf.pages for font in page.Resources.Font.values()
                        if str(font.BaseFont).endswith("+Manual-Serif"))
        assert serif(made) != serif(merged)  # made the other way, not merged
    _stitch(book.chapters, tmp_path / "again.pdf", merge=True, font_files=files)
    assert (tmp_path / "again.pdf").read_bytes() == target.read_bytes()


@pytest.mark.slow
def test_book_is_about_as_small_as_one_render(book: Book) -> None:
    naive, merged, single = (path.stat().st_size for path in (book.naive, book.merged, book.single))
    assert merged < naive
    assert merged <= 1.3 * single, (naive, merged, single)


@pytest.mark.slow
def test_merge_is_reproducible(book: Book, tmp_path: Path) -> None:
    _stitch(book.chapters, tmp_path / "again.pdf", merge=True)
    assert (tmp_path / "again.pdf").read_bytes() == book.merged.read_bytes()


@pytest.mark.slow
def test_font_names_keep_their_subset_form(book: Book) -> None:
    names = pdf_font_names(book.merged)
    assert all(re.fullmatch(r"/[A-Z]{6}\+Manual-(Serif|Sans|Mono)(-Bold)?(-Italic)?", name) for name in names)
    assert {name[8:] for name in names} == {name[8:] for name in pdf_font_names(book.naive)}
    # A face in several chapters is a new subset, with a new tag; one in a single chapter is as it was.
    serif = {name for name in names if name.endswith("+Manual-Serif")}
    assert len(serif) == 1 and serif.isdisjoint(pdf_font_names(book.naive))


@pytest.mark.slow
def test_character_missing_from_every_font_keeps_its_encoding(tmp_path: Path) -> None:
    # WeasyPrint draws .notdef for it and gives that chapter's font an encoding of its own.
    chapters = _render(["<p>Plain text, é.</p>", "<p>Missing \U000f0000 here, ü.</p>"], tmp_path / "c")
    _stitch(chapters, tmp_path / "naive.pdf", merge=False)
    report = _stitch(chapters, tmp_path / "merged.pdf", merge=True)
    assert report is not None and report.faces_merged == 1
    programs, _ = _fonts_by_face(tmp_path / "merged.pdf")
    assert len(programs["Manual-Serif"]) == 1
    _assert_same_pages(tmp_path / "naive.pdf", tmp_path / "merged.pdf", tmp_path)


@pytest.mark.slow
def test_other_fonts_under_one_name_are_left_alone(tmp_path: Path) -> None:
    other = '<style>@font-face { font-family: "Manual Serif"; src: url(fonts/DejaVuSans.ttf); }</style>'
    chapters = _render(["<p>Serif text.</p>", other + "<p>Sans text under the serif name.</p>"],
                       tmp_path / "c")
    _stitch(chapters, tmp_path / "naive.pdf", merge=False)
    report = _stitch(chapters, tmp_path / "merged.pdf", merge=True)
    assert report is not None and report.faces_merged == 0
    assert report.notes == ("Manual-Serif: left alone, the programs come from different fonts",)
    assert report.programs_after == report.programs_before == 2
    _assert_same_pages(tmp_path / "naive.pdf", tmp_path / "merged.pdf", tmp_path)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:This document has 1 form widget")  # no /AcroForm: not copied
def test_font_embedded_whole_for_a_form_merges_with_subsets(tmp_path: Path) -> None:
    # A font used in a form field is embedded whole, with exact widths where text has
    # rounded ones: one program, two dictionaries. The build never makes forms.
    import weasyprint

    paths = []
    for index, body in enumerate(["<p>Name: é</p>", '<p>Name: <input name="n" value="Zoë"></p>']):
        paths.append(tmp_path / f"{index}.pdf")
        weasyprint.HTML(string=_html(body), base_url=DEFAULT_STYLES.as_uri() + "/").write_pdf(
            paths[-1], pdf_variant="pdf/ua-1", pdf_tags=True, pdf_forms=True)
    _stitch(paths, tmp_path / "naive.pdf", merge=False)
    report = _stitch(paths, tmp_path / "merged.pdf", merge=True)
    assert report is not None and report.faces_merged == 1
    assert report.notes == ("Manual-Serif: 2 font dictionaries, as their glyph widths disagree",)
    programs, dictionaries = _fonts_by_face(tmp_path / "merged.pdf")
    assert len(programs["Manual-Serif"]) == 1 and len(dictionaries["Manual-Serif"]) == 2
    assert (tmp_path / "merged.pdf").stat().st_size < (tmp_path / "naive.pdf").stat().st_size
    _assert_same_pages(tmp_path / "naive.pdf", tmp_path / "merged.pdf", tmp_path)


@pytest.mark.parametrize(("cmap", "expected"), [
    (b"2 beginbfchar\n<0003> <0020>\n<0044> <00e9>\nendbfchar", {3: " ", 0x44: "é"}),
    (b"1 beginbfchar <01f1><00660069> endbfchar", {0x1F1: "fi"}),  # a ligature, no spaces
    (b"1 beginbfrange\n<0010> <0012> <0041>\nendbfrange", {0x10: "A", 0x11: "B", 0x12: "C"}),
    (b"1 beginbfrange\n<0020> <0021> [<0078> <d83dde00>]\nendbfrange", {0x20: "x", 0x21: "\U0001f600"}),
])
def test_to_unicode_maps_are_read(cmap: bytes, expected: dict[int, str]) -> None:
    mapping = read_to_unicode(cmap)
    assert {code: text.decode("utf-16-be") for code, text in mapping.items()} == expected


def test_to_unicode_maps_are_written_in_blocks_of_100() -> None:
    mapping = {code: chr(0x4E00 + code).encode("utf-16-be") for code in range(250)}
    cmap = _to_unicode_cmap(mapping)
    assert re.findall(rb"(\d+) beginbfchar", cmap) == [b"100", b"100", b"50"]
    assert read_to_unicode(cmap) == mapping
