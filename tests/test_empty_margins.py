"""A page whose margin boxes would all be empty is laid out without making them, and draws the same.

The parts of the book are laid out with every margin box's content set to none (the margins
are laid out apart, pdf/layout.py); the layout worker then skips WeasyPrint's making of those
boxes, page type by page type (vimanual/pdf/emptymargins.py). Checked on what a reader sees:
the PDF is the same bytes with and without the skip, tagged or not, for a part (no margins),
for a page with a running head and page numbers (nothing skipped, the head and number drawn),
and for a document where only the first page has empty margins (that page alone skipped).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.pdfhtml import bundled_styles_document, pdf_pages_text, render_with_change
from vimanual.pdf import emptymargins
from vimanual.pdf.emptymargins import skip_empty_margins
from vimanual.pdf.margins import body_page_css

#: Enough text for several pages, under a chapter head that print.css makes the running head.
BODY = ('<article class="chapter"><header class="chapter-head"><h1>Intake of seized media</h1></header>'
        + "".join(f"<h2>Step {n}</h2><p>" + "Record the exhibit reference and the examiner's initials. " * 40
                  + "</p>" for n in range(1, 9))
        + "</article>")


def _render(tmp_path: Path, document: str, skip: bool, tagged: bool) -> tuple[bytes, int]:
    """The PDF's bytes and how many pages had their margin boxes skipped."""
    return render_with_change(tmp_path, document, skip_empty_margins, skip, emptymargins.SKIPPED, tagged)


@pytest.mark.parametrize("tagged", [False, True])
def test_a_part_without_margins_skips_every_page_and_draws_the_same(tmp_path: Path, tagged: bool) -> None:
    part = bundled_styles_document(BODY, body_page_css("A4"), "part")
    laid, none_skipped = _render(tmp_path, part, skip=False, tagged=tagged)
    skipped_pdf, skipped = _render(tmp_path, part, skip=True, tagged=tagged)
    pages = len(PdfReader(tmp_path / f"doc-True-{tagged}.pdf").pages)
    assert pages >= 3
    assert none_skipped == 0 and skipped == pages
    assert skipped_pdf == laid
    text = pdf_pages_text(tmp_path / f"doc-True-{tagged}.pdf")
    assert "Step 8" in "\n".join(text)
    assert not any("Intake of seized media" in page for page in text[1:])  # no running head


def test_pages_with_a_running_head_and_numbers_are_laid_out_as_weasyprint_does(tmp_path: Path) -> None:
    page = bundled_styles_document(BODY, "", "with margins")  # print.css: the head and page numbers
    laid, _ = _render(tmp_path, page, skip=False, tagged=False)
    kept, skipped = _render(tmp_path, page, skip=True, tagged=False)
    assert skipped == 0
    assert kept == laid
    text = pdf_pages_text(tmp_path / "doc-True-False.pdf")
    assert len(text) >= 3
    assert all("Intake of seized media" in page for page in text[1:])  # the running head, drawn


def test_only_the_page_types_with_empty_margins_are_skipped(tmp_path: Path) -> None:
    first_empty = ("@page { @bottom-center { content: 'folio ' counter(page); } }"
                   "@page :first { @bottom-center { content: none; } }")
    document = bundled_styles_document(BODY, body_page_css("A4").replace("!important", "") + first_empty,
                                       "first page empty")
    laid, _ = _render(tmp_path, document, skip=False, tagged=False)
    kept, skipped = _render(tmp_path, document, skip=True, tagged=False)
    assert skipped == 1  # the first page; the others have their folio
    assert kept == laid
    text = pdf_pages_text(tmp_path / "doc-True-False.pdf")
    assert "folio 1" not in text[0]
    assert "folio 2" in text[1] and f"folio {len(text)}" in text[-1]


def test_a_layout_worker_skips_them() -> None:
    import weasyprint.layout

    from vimanual.pdf.glyphruns import quick_glyph_runs
    from vimanual.pdf.pagestyles import share_page_styles
    from vimanual.pdf.worker import apply_header

    apply_header({})
    try:
        assert hasattr(weasyprint.layout.make_margin_boxes, "unpatched")
    finally:
        skip_empty_margins(False)
        quick_glyph_runs(False)
        share_page_styles(False)
    assert not hasattr(weasyprint.layout.make_margin_boxes, "unpatched")
