"""A long draft contents is laid out in pieces (pdf/tocpieces.py), so that no layout worker
holds all of it at once. The pieces joined must draw what the whole contents laid out in
one document draws, glyph for glyph, on a book built through the CLI whose contents has
more than two pieces' entries, some of them titles that wrap. Pieces that would not fit (a
print.css whose first page differs from the others) are refused, and the contents is then
laid out whole, as before.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pypdf
import pytest

from tests.helpers import build_file_tree, chapter_md, manual_yaml, ok
from tests.pdfhtml import drawn_glyphs
from vimanual.book.plan import DEFAULT_STYLES
from vimanual.pdf import tocpages, tocpieces
from vimanual.pdf.leaders import one_run_leaders
from vimanual.pdf.weasy import render_pdf

CHAPTERS = 40
SECTIONS = 19  # 40 x 20 = 800 entries: five pieces or more of at most 200


def _title(chapter: int, section: int) -> str:
    if section % 7 == 3:  # a title that wraps in the contents
        return f"Step {section} of chapter {chapter}: " + "recording what was seen and by whom " * 3
    return f"Step {section} of chapter {chapter}"


def _workspace(root: Path, extra_css: str = "", hidden: bool = False) -> Path:
    """``hidden``: all sections but every fifth are third-level (the bundled styles leave
    those out of the contents)."""
    slugs = [f"part-{n:02d}" for n in range(1, CHAPTERS + 1)]
    chapters = {
        f"{slug}.md": chapter_md(f"Chapter {n} procedures", "".join(
            f"{'###' if hidden and s % 5 else '##'} {_title(n, s)} {{#{slug}-s{s}}}\n\n"
            f"Sample text for step {s}.\n\n"
            for s in range(1, SECTIONS + 1)))
        for n, slug in enumerate(slugs, start=1)
    }
    files: dict[str, Any] = {"manual.yaml": manual_yaml(chapters=slugs), "chapters": chapters}
    if extra_css:
        css = (DEFAULT_STYLES / "print.css").read_text(encoding="utf-8")
        files["styles"] = {"print.css": css + "\n" + extra_css + "\n"}
    return build_file_tree(root, files)


def _build(ws: Path) -> tuple[list[dict[str, Any]], str]:
    """Build ``ws`` through the CLI, noting what the contents' writer was given and did."""
    calls: list[dict[str, Any]] = []
    real = tocpages.EarlyContents.write

    def spied(self: tocpages.EarlyContents, pieces: Any, folios: Any, true_html: str, target: Path,
              joining: Path) -> bool:
        written = real(self, pieces, folios, true_html, target, joining)
        copy = target.with_name(f"contents-written-{len(calls)}.pdf")
        if written:
            copy.write_bytes(target.read_bytes())
        calls.append({"written": written, "copy": copy, "true_html": true_html,
                      "pieces": [piece for piece, _ in pieces]})
        return written

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tocpages.EarlyContents, "write", spied)
        result = ok("-C", ws, "build", "--format", "pdf")
    return calls, " ".join(result.output.split())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    ws = _workspace(tmp_path_factory.mktemp("pieces") / "ws")
    calls, output = _build(ws)
    return {"ws": ws, "calls": calls, "output": output, "pdf": ws / "build" / "manual.pdf"}


def _direct(true_html: str, target: Path) -> int:
    """The contents laid out whole, as a draft's layout worker lays it out: its pages."""
    one_run_leaders(True)
    try:
        return render_pdf(true_html, DEFAULT_STYLES, [DEFAULT_STYLES], target, tagged=False).pages
    finally:
        one_run_leaders(False)


def _draws_as_whole(made: Path, true_html: str, tmp_path: Path) -> int:
    """Assert that ``made`` (a contents, or a book starting with one) draws glyph for glyph what
    the whole contents laid out directly draws; its pages."""
    direct = tmp_path / "direct.pdf"
    pages = _direct(true_html, direct)
    for page in range(pages):
        assert drawn_glyphs(made, page)[0] == drawn_glyphs(direct, page)[0], page
    return pages


def _contents_lines(reader: pypdf.PdfReader, pages: int) -> list[str]:
    return [line for page in reader.pages[:pages] for line in page.extract_text().splitlines()]


def test_a_long_contents_is_laid_out_in_pieces_that_draw_as_the_whole(
        built: dict[str, Any], tmp_path: Path) -> None:
    [call] = built["calls"]
    assert call["written"]
    pieces = call["pieces"]
    assert len(pieces) >= 3
    assert all(piece.end - piece.start <= tocpieces.PIECE for piece in pieces)
    # each piece starts inside the one before (at the page it was cut at), after its start
    assert all(piece.start < nxt.start < piece.end
               for piece, nxt in zip(pieces, pieces[1:], strict=False))
    assert pieces[-1].end == CHAPTERS * (SECTIONS + 1)
    pages = _draws_as_whole(call["copy"], call["true_html"], tmp_path)
    assert len(pypdf.PdfReader(call["copy"]).pages) == pages >= 12
    # and the book's contents pages are those pages: every entry once, in order
    book = pypdf.PdfReader(built["pdf"])
    lines = _contents_lines(book, pages)
    for chapter in range(1, CHAPTERS + 1):
        assert sum(f"Chapter {chapter} procedures" in line for line in lines) == 1, chapter
    steps = [line for line in lines if line.lstrip()[:1].isdigit() and "Step 1 of chapter" in line]
    assert len(steps) == CHAPTERS


def test_an_edit_that_keeps_the_pages_reuses_every_piece(built: dict[str, Any], tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(built["ws"], ws)
    chapter = ws / "chapters" / "part-20.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("Sample text for step 5.",
                                                                    "Sample text for step five."))
    calls, output = _build(ws)
    assert "1 part of the book typeset" in output, output
    assert calls == []  # the pieces came from the cache one after another, and the written contents
    assert len(built["calls"][0]["pieces"]) >= 3
    before, after = pypdf.PdfReader(built["pdf"]), pypdf.PdfReader(ws / "build" / "manual.pdf")
    assert len(after.pages) == len(before.pages)
    assert [p.extract_text() for p in after.pages[:14]] == [p.extract_text() for p in before.pages[:14]]


def test_pieces_start_on_the_side_of_the_page_they_continue(tmp_path: Path) -> None:
    """Left-hand pages with other margins: a piece that continues the contents on a left-hand
    page starts on one (the root's break-before), so it draws as the whole contents does."""
    ws = _workspace(tmp_path / "ws", "@page :left { margin-left: 34mm; margin-right: 12mm; }")
    calls, _ = _build(ws)
    [call] = calls
    assert call["written"] and len(call["pieces"]) >= 3
    assert any(piece.offset % 2 for piece in call["pieces"])  # a piece starting on a left-hand page
    pages = _draws_as_whole(call["copy"], call["true_html"], tmp_path)
    assert len(pypdf.PdfReader(call["copy"]).pages) == pages


def test_pieces_grow_where_the_stylesheet_hides_entries(tmp_path: Path) -> None:
    """Most entries hidden (third-level sections): a first piece of PIECE entries shows too few
    to be cut, so it is laid out again with more, and the next pieces take as many."""
    ws = _workspace(tmp_path / "ws", hidden=True)
    calls, _ = _build(ws)
    [call] = calls
    pieces = call["pieces"]
    assert call["written"] and len(pieces) >= 2
    assert pieces[0].end - pieces[0].start > tocpieces.PIECE
    pages = _draws_as_whole(call["copy"], call["true_html"], tmp_path)
    assert len(pypdf.PdfReader(call["copy"]).pages) == pages


def test_pieces_that_would_not_draw_as_the_whole_are_refused(tmp_path: Path) -> None:
    """A first page with other margins: a piece's first page would be drawn lower than the
    page it continues. The joined pieces are refused and the contents laid out whole."""
    ws = _workspace(tmp_path / "ws", "@page :first { margin-top: 60mm; }")
    calls, _ = _build(ws)
    [call] = calls
    assert len(call["pieces"]) >= 2 and not call["written"]
    # the book's contents is the whole contents laid out with its numbers
    book = ws / "build" / "manual.pdf"
    pages = _draws_as_whole(book, call["true_html"], tmp_path)
    assert sum("Chapter 40 procedures" in line for line in _contents_lines(pypdf.PdfReader(book), pages)) == 1


def test_a_contents_not_made_as_the_template_makes_it_is_not_cut() -> None:
    entry = '<li class="toc-section"><a href="#s{0}" data-page="1">S{0}</a></li>'
    made = ('<html><head></head><body><nav class="toc" id="contents"><h2>Contents</h2><ol>'
            '<li class="toc-chapter"><a href="#c1" data-page="1">C1</a><ol>{}</ol></li>'
            '</ol></nav></body></html>')
    assert tocpieces.split(made.format("".join(entry.format(n) for n in range(3)))) is not None
    # a third level of lists, an entry with a style of its own, two entries to one place
    deeper = entry.format(0).replace("</a>", "</a><ol><li><a href='#x'>x</a></li></ol>")
    assert tocpieces.split(made.format(deeper)) is None
    assert tocpieces.split(made.replace('<li class="toc-chapter">', '<li style="color: red">')
                           .format(entry.format(1))) is None
    assert tocpieces.split(made.format(entry.format(1) + entry.format(1))) is None


def _one_page(content: bytes, font: str = "/F1", face: str = "/ABCDEF+Manual-Sans",
              target: str = "vimanual-dest:part-01") -> Any:
    """A PDF of one page drawing ``content`` with one font and one link."""
    import pikepdf

    pdf = pikepdf.new()
    font_object = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                       BaseFont=pikepdf.Name(face)))
    link = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[10, 10, 90, 22],
                              A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String(target)))
    pdf.pages.append(pikepdf.Page(pikepdf.Dictionary(
        Type=pikepdf.Name.Page, MediaBox=[0, 0, 595, 842],
        Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary({font: font_object})),
        Contents=pdf.make_stream(content), Annots=pikepdf.Array([pdf.make_indirect(link)]))))
    return pdf


def test_pages_are_compared_by_what_they_draw_whatever_their_fonts_are_named() -> None:
    drawn = b"BT /F1 10 Tf 1 0 0 1 10 10 Tm [ <0011> 0 <0012> ] TJ ET"
    page = _one_page(drawn)
    assert tocpieces._drawn_alike(page, 0, _one_page(drawn), 0)
    # the same drawing with the font under another resource name: read instruction by instruction
    assert tocpieces._drawn_alike(page, 0, _one_page(drawn.replace(b"/F1", b"/F2"), font="/F2"), 0)
    assert not tocpieces._drawn_alike(page, 0, _one_page(drawn.replace(b"<0012>", b"<0013>")), 0)
    assert not tocpieces._drawn_alike(page, 0, _one_page(drawn, face="/ABCDEF+Manual-Serif"), 0)
    assert not tocpieces._drawn_alike(page, 0, _one_page(drawn.replace(b"/F1", b"/F2"), font="/F2",
                                                         face="/ABCDEF+Manual-Serif"), 0)
    assert not tocpieces._drawn_alike(page, 0, _one_page(drawn, target="vimanual-dest:part-02"), 0)
