"""Lines of text drawn from their glyphs read at once draw the same PDF (vimanual/pdf/glyphruns.py).

The layout worker replaces WeasyPrint's ``draw_first_line`` with one that reads each run of
glyphs in one go and writes a glyph met again from a table. Checked on what a reader gets: the
same PDF bytes as WeasyPrint's own function, tagged or not, for text of many kinds (justified
lines over pages, right-to-left scripts with their marks, combining accents, a glyph no font
has, spacing, small capitals, a table, SVG text), the text still there to copy; the lines it
was not written for drawn by WeasyPrint's own function; and WeasyPrint left as it is when its
function is not the one this was written from.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import weasyprint.draw.text

from tests.pdfhtml import bundled_styles_document, pdf_pages_text, render_with_change
from vimanual.pdf import glyphruns
from vimanual.pdf.emptymargins import skip_empty_margins
from vimanual.pdf.glyphruns import quick_glyph_runs
from vimanual.pdf.pagestyles import share_page_styles
from vimanual.pdf.patches import source_digest
from vimanual.pdf.worker import apply_header

STEP = "Record the exhibit reference, the examiner's initials and the time the seal was broken. "
TEXT = (
    '<article class="chapter"><header class="chapter-head"><h1>Intake of seized media</h1></header>'
    + "".join(f'<h2>Step {n}</h2><p style="text-align: justify">{STEP * 12}</p>' for n in range(1, 7))
    + '<p lang="ar" dir="rtl">نص تجريبي مشكول: مُحَمَّدٌ وَالكِتَابُ، مع أرقام ١٢٣.</p>'
    + '<p lang="he" dir="rtl">טקסט לדוגמה עם ניקוד: שָׁלוֹם עוֹלָם</p>'
    + "<p>Accents: e\u0301 a\u0308 o\u0302\u0323 q\u0307\u0323, ligatures office fluff</p>"
    + '<p style="letter-spacing: 0.1em; word-spacing: 0.4em">Spaced AV To Wa</p>'
    + '<p style="font-variant: small-caps">Small capitals</p>'
    + "<p>x<sup>2</sup> H<sub>2</sub>O <code>hash_check()</code> <em>italic</em> <strong>bold</strong></p>"
    + "<pre>column\tcolumn\n\tindented</pre>"
    + "<table><thead><tr><th>Exhibit</th><th>Hash</th></tr></thead><tbody>"
    + "".join(f"<tr><td>EX-{n:03d}</td><td>{n * 7919:08x}</td></tr>" for n in range(1, 30))
    + "</tbody></table>"
    + '<svg width="200" height="40"><text x="5" y="25" font-size="14">Diagram label</text></svg>'
    + "</article>"
)


def _render(tmp_path: Path, document: str, quick: bool, tagged: bool = False) -> tuple[bytes, int]:
    """The PDF's bytes and how many lines were drawn by ``glyphruns``."""
    return render_with_change(tmp_path, document, quick_glyph_runs, quick, glyphruns.DRAWN, tagged)


@pytest.mark.parametrize("tagged", [False, True])
def test_text_of_many_kinds_draws_the_same_bytes(tmp_path: Path, tagged: bool) -> None:
    document = bundled_styles_document(TEXT, "", "glyph runs")
    drawn_by_weasyprint, none = _render(tmp_path, document, quick=False, tagged=tagged)
    drawn_here, lines = _render(tmp_path, document, quick=True, tagged=tagged)
    assert none == 0 and lines > 100
    assert drawn_here == drawn_by_weasyprint
    text = "\n".join(pdf_pages_text(tmp_path / f"doc-True-{tagged}.pdf"))
    assert len(pdf_pages_text(tmp_path / f"doc-True-{tagged}.pdf")) >= 3
    for words in ("Step 6", "seal was broken", "EX-029", "hash_check()", "Diagram label", "office"):
        assert words in text


def test_a_line_with_a_glyph_no_font_has_is_drawn_by_weasyprint(tmp_path: Path) -> None:
    plain = bundled_styles_document("<p>Exhibit sealed</p>", "", "plain")
    lacking = bundled_styles_document("<p>Exhibit sealed \ue000</p>", "", "plain")
    _, plain_lines = _render(tmp_path, plain, quick=True)
    expected, _ = _render(tmp_path, lacking, quick=False)
    got, lacking_lines = _render(tmp_path, lacking, quick=True)
    assert plain_lines >= 1
    assert lacking_lines == plain_lines - 1  # that line: WeasyPrint's own function
    assert got == expected


def test_weasyprint_is_left_as_it_is_when_its_function_is_not_the_one_this_was_written_from(
        monkeypatch: pytest.MonkeyPatch) -> None:
    real = weasyprint.draw.text.draw_first_line
    assert source_digest(real) in glyphruns.WRITTEN_FROM  # the WeasyPrint we install
    monkeypatch.setattr(glyphruns, "WRITTEN_FROM", frozenset())
    quick_glyph_runs(True)
    try:
        assert weasyprint.draw.text.draw_first_line is real
    finally:
        quick_glyph_runs(False)


def test_the_layout_worker_puts_it_in_place() -> None:
    real = weasyprint.draw.text.draw_first_line
    apply_header({})
    try:
        assert weasyprint.draw.text.draw_first_line is not real
        assert weasyprint.draw.text.draw_first_line.unpatched is real
    finally:
        quick_glyph_runs(False)
        skip_empty_margins(False)
        share_page_styles(False)
    assert weasyprint.draw.text.draw_first_line is real
