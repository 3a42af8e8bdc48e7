"""Pages of one kind share their computed styles and draw the same (vimanual/pdf/pagestyles.py).

Checked on what a reader sees: the PDF is the same bytes with and without the sharing, for the
bundled print styles (running head and "page N of M" on every page, none on the first), for
the build's own margin pages, for rules that tell left, right, first and named pages apart,
and for a document with an ``:nth()`` page rule (laid out as WeasyPrint lays it out, nothing
shared); each page shows the margins its kind asks for.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import weasyprint.layout.page

from tests.pdfhtml import bundled_styles_document, pdf_pages_text, render_with_change
from vimanual.pdf import pagestyles
from vimanual.pdf.emptymargins import skip_empty_margins
from vimanual.pdf.glyphruns import quick_glyph_runs
from vimanual.pdf.pagestyles import share_page_styles
from vimanual.pdf.patches import source_digest
from vimanual.pdf.worker import apply_header

#: Several pages of text under a chapter head that print.css makes the running head.
BODY = ('<article class="chapter"><header class="chapter-head"><h1>Intake of seized media</h1></header>'
        + "".join(f"<h2>Step {n}</h2><p>" + "Record the exhibit reference and the examiner's initials. " * 40
                  + "</p>" for n in range(1, 9))
        + "</article>")


def _render(tmp_path: Path, document: str, share: bool, tagged: bool = False) -> tuple[bytes, int]:
    """The PDF's bytes and how many pages were given an earlier page's styles."""
    return render_with_change(tmp_path, document, share_page_styles, share, pagestyles.SHARED, tagged)


def _pdf(tmp_path: Path, tagged: bool = False) -> Path:
    return tmp_path / f"doc-True-{tagged}.pdf"


@pytest.mark.parametrize("tagged", [False, True])
def test_the_bundled_running_heads_and_page_numbers_draw_the_same(tmp_path: Path, tagged: bool) -> None:
    document = bundled_styles_document(BODY, "", "with margins")
    laid, none_shared = _render(tmp_path, document, share=False, tagged=tagged)
    shared_pdf, shared = _render(tmp_path, document, share=True, tagged=tagged)
    text = pdf_pages_text(_pdf(tmp_path, tagged))
    pages = len(text)
    assert pages >= 4
    assert none_shared == 0
    # the first page and the first left and right pages after it have their styles computed
    assert shared == pages - 3
    assert shared_pdf == laid
    assert text[0].count("Intake of seized media") == 1  # the title, no running head above it
    for number, page in enumerate(text, start=1):
        assert f"page {number} of {pages}" in page
        if number > 1:
            assert "Intake of seized media" in page  # the running head


def test_the_builds_margin_pages_draw_the_same(tmp_path: Path) -> None:
    from vimanual.book.plan import DEFAULT_STYLES
    from vimanual.pdf.margins import BLANK, OPENER, PAGE, Margins, margin_document

    styles = "".join((DEFAULT_STYLES / name).read_text(encoding="utf-8")
                     for name in ("fonts.css", "base.css", "print.css"))
    kinds = [OPENER, PAGE, PAGE, BLANK, OPENER, PAGE, PAGE, PAGE]
    pages = [("" if kind == OPENER else f"{n // 4 + 1} Chapter {n // 4 + 1}", f"page {n + 1} of 8", kind)
             for n, kind in enumerate(kinds)]
    document = margin_document(styles, Margins("A4", "SAMPLE", "", True), pages)
    laid, _ = _render(tmp_path, document, share=False)
    shared_pdf, shared = _render(tmp_path, document, share=True)
    assert shared > 0
    assert shared_pdf == laid
    text = pdf_pages_text(_pdf(tmp_path))
    assert len(text) == 8
    assert "page 2 of 8" in text[1] and "1 Chapter 1" in text[1]
    assert "Chapter" not in text[0] and "page 1 of 8" in text[0]  # an opener: its folio, no head
    assert "page 4 of 8" not in text[3]  # a blank page: no folio
    assert "page 8 of 8" in text[7] and "2 Chapter 2" in text[7]


def test_left_right_first_and_named_pages_each_get_their_own_margins(tmp_path: Path) -> None:
    rules = ("@page { @top-center { content: 'every page' } }"
             "@page :left { @bottom-left { content: 'left ' counter(page) } }"
             "@page :right { @bottom-right { content: 'right ' counter(page) } }"
             "@page :first { @top-center { content: 'first page' } }"
             "@page annex { @top-center { content: 'annex page' } }"
             ".annex { page: annex; break-before: page; }")
    body = BODY + f'<section class="annex"><p>{"An annex of forms. " * 400}</p></section>'
    document = bundled_styles_document(body, rules, "kinds")
    laid, _ = _render(tmp_path, document, share=False)
    shared_pdf, shared = _render(tmp_path, document, share=True)
    assert shared > 0
    assert shared_pdf == laid
    text = pdf_pages_text(_pdf(tmp_path))
    annex = next(n for n, page in enumerate(text) if "An annex of forms" in page)
    assert annex >= 3 and len(text) > annex + 1
    assert "first page" in text[0] and "every page" not in text[0]
    for number, page in enumerate(text, start=1):
        assert (f"right {number}" if number % 2 else f"left {number}") in page
        if 1 < number <= annex:
            assert "every page" in page and "annex page" not in page
        elif number > annex:
            assert "annex page" in page and "every page" not in page


def test_a_document_with_an_nth_page_rule_is_laid_out_as_weasyprint_does(tmp_path: Path) -> None:
    rules = ("@page { @top-center { content: 'every page' } }"
             "@page :nth(3) { @top-center { content: 'the third page' } }")
    document = bundled_styles_document(BODY, rules, "nth")
    laid, _ = _render(tmp_path, document, share=False)
    kept, shared = _render(tmp_path, document, share=True)
    assert shared == 0
    assert kept == laid
    text = pdf_pages_text(_pdf(tmp_path))
    assert len(text) >= 4
    assert "the third page" in text[2] and "every page" not in text[2]
    assert "every page" in text[3] and "the third page" not in text[3]


def test_weasyprint_is_left_as_it_is_when_its_functions_are_not_the_ones_this_was_written_for(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from weasyprint.css import StyleFor

    real = weasyprint.layout.page.set_page_type_computed_styles
    digests = (source_digest(real), source_digest(StyleFor._page_type_match))
    assert digests in pagestyles.WRITTEN_FROM  # the WeasyPrint we install
    monkeypatch.setattr(pagestyles, "WRITTEN_FROM", frozenset())
    share_page_styles(True)
    try:
        assert weasyprint.layout.page.set_page_type_computed_styles is real
    finally:
        share_page_styles(False)


def test_the_layout_worker_puts_it_in_place() -> None:
    real = weasyprint.layout.page.set_page_type_computed_styles
    apply_header({})
    try:
        assert weasyprint.layout.page.set_page_type_computed_styles.unpatched is real
    finally:
        share_page_styles(False)
        quick_glyph_runs(False)
        skip_empty_margins(False)
    assert weasyprint.layout.page.set_page_type_computed_styles is real
