"""A draft's list markers are laid out once a document and copied, and draw the same.

WeasyPrint lays out each list item's bullet or number as a box of its own; a draft's layout
worker lays out a marker it has laid out before in the same document (same text, same style,
as wide a list) as a copy of that layout moved to its place (vimanual/pdf/markers.py).
Checked on what a reader sees: the PDF of lists of every kind (bullets nested three deep,
numbers past ten, right to left, a coloured marker, an image marker, items across a page
break, small print) is the same, byte for byte, with and without the copies, tagged or not;
and the copies are many of the markers. A new edition records the
layout that copies; one released before is rebuilt without it.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from tests.pdfhtml import bundled_styles_document, pdf_pages_text
from vimanual.book.plan import DEFAULT_STYLES
from vimanual.pdf import markers
from vimanual.pdf.markers import reuse_marker_layouts
from vimanual.pdf.weasy import render_pdf

#: A one-pixel PNG, as an image marker (an inline data: URL is read; nothing else is).
PIXEL = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478"
    "9c63f8cf00000003010100c9fe92ef0000000049454e44ae426082")).decode()


def lists_document() -> str:
    """Lists as chapters hold them, and the kinds of marker that must not be mixed up."""
    items = "".join(f"<li>Step {n}: record the exhibit reference and the examiner's initials."
                    + (" The hash is checked against the intake log before anything is opened." * (n % 3))
                    + "</li>" for n in range(1, 16))
    nested = ("<ul><li>Intake<ul><li>Log the media<ul><li>Seal</li><li>Photograph</li></ul></li>"
              "<li>Hash</li></ul></li><li>Review</li></ul>")
    loose = "<ul>" + "".join(f"<li><p>Loose item {n}.</p><p>Its second paragraph.</p></li>"
                             for n in range(6)) + "</ul>"
    body = (
        "<h1>Lists</h1>"
        + "<ul>" + items + "</ul>" + "<ol>" + items + "</ol>" + nested + loose
        + '<ol start="98"><li>Ninety-eight</li><li>Ninety-nine</li><li>One hundred</li></ol>'
        + '<ol dir="rtl"><li>אחד</li><li>שניים</li><li>שלושה</li></ol>'
        + '<ul class="coloured"><li>Red marker</li><li>Red marker again</li></ul>'
        + f'<ul style="list-style-image: url(data:image/png;base64,{PIXEL})">'
        + "<li>Image</li><li>Image</li></ul>"
        + '<div class="small"><ul><li>Small print</li><li>Small print</li></ul></div>'
        + "<ol>" + items * 3 + "</ol>"  # across page breaks
    )
    css = (".coloured li::marker { color: #b00; }"
           ".small { font-size: 7pt; }")
    return bundled_styles_document(body, css, "lists")


def _render(tmp_path: Path, reuse: bool, tagged: bool) -> Path:
    target = tmp_path / f"lists-{reuse}-{tagged}.pdf"
    reuse_marker_layouts(reuse)
    try:
        render_pdf(lists_document(), DEFAULT_STYLES, [DEFAULT_STYLES], target, tagged=tagged,
                   identifier="0" * 32)
    finally:
        reuse_marker_layouts(False)
    return target


@pytest.mark.parametrize("tagged", [False, True])
def test_copied_markers_draw_the_same_pdf(tmp_path: Path, tagged: bool) -> None:
    laid = _render(tmp_path, reuse=False, tagged=tagged)
    before = markers.REUSED[0]
    copied = _render(tmp_path, reuse=True, tagged=tagged)
    reused = markers.REUSED[0] - before
    pages = len(PdfReader(laid).pages)
    assert pages >= 3  # the long list runs across page breaks
    # copies: 14 of the 15 steps' bullets, 5 of the 6 loose bullets, the long list's numbers 1-15
    # (its 16-45 are new texts), and one of each pair of the others; no number is copied onto another
    assert reused >= 40, reused
    assert copied.read_bytes() == laid.read_bytes()
    text = "\n".join(pdf_pages_text(copied))
    for shown in ("15.", "45.", "Small print", "Ninety-nine"):
        assert shown in text


def test_without_reuse_weasyprint_lays_out_every_marker(tmp_path: Path) -> None:
    before = markers.REUSED[0]
    _render(tmp_path, reuse=False, tagged=False)
    assert markers.REUSED[0] == before


def test_new_editions_copy_markers_and_older_ones_are_rebuilt_as_released(tmp_path: Path) -> None:
    from tests.test_tocpages import _workspace
    from vimanual.book.plan import BuildOptions, ReleaseInfo, plan_build
    from vimanual.pdf.layout import PARTS, PdfRequest
    from vimanual.workspace.load import load_workspace

    workspace = load_workspace(_workspace(tmp_path / "ws"))

    def request(**options: Any) -> PdfRequest:
        return plan_build(workspace, BuildOptions(formats=("pdf",), **options)).pdf_request(PARTS)

    release = ReleaseInfo("1.0", "2026-12-03")
    assert request().markers_layout and request(release=release, draft=False).markers_layout
    for older in ("grouped-early-contents-font-files", "grouped-early-contents", "grouped", "part-a-chapter"):
        assert not request(release=release, draft=False, pdf_layout=older).markers_layout, older
    # the layout workers are told (their header), and the cache keys differ
    assert request().pool(tmp_path).header["markers_layout"] is True


def test_steps_continued_after_a_paragraph_keep_their_numbers(tmp_path: Path) -> None:
    """pandoc writes the second half of a numbered list interrupted by a paragraph as
    ``<ol start="3">``; WeasyPrint ignores ``start``, so the draft printed 1, 2, (note), 1, 2.
    The markers layout numbers it from its start; the HTML keeps ``start`` for browsers."""
    from tests.helpers import build_file_tree, chapter_md, ok, small_workspace

    root = small_workspace(tmp_path / "ws")
    build_file_tree(root / "chapters", {"alpha.md": chapter_md("Alpha", (
        "## Steps {#first}\n\n1. Seal the exhibit bag.\n2. Label the seal.\n\n"
        "Sample note between the steps.\n\n3. Photograph the label.\n4. Record the hash.\n\n"
        "## Elsewhere\n\n98. Ninety-eighth item.\n99. Ninety-ninth item.\n"), lead="UK")})
    ok("-C", root, "build", "--format", "all")
    words = " ".join(pdf_pages_text(root / "build" / "manual.pdf")).split()
    assert [w for w in words if w in ("1.", "2.", "3.", "4.", "98.", "99.")].count("1.") == 1, words
    assert all(number in words for number in ("2.", "3.", "4.", "98.", "99.")), words
    html = (root / "build" / "manual.html").read_text(encoding="utf-8")
    assert 'start="3"' in html and 'start="98"' in html
