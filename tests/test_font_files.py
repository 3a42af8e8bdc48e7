"""A layout worker writes each @font-face file once, not once a document (vimanual/pdf/fontfiles.py).

WeasyPrint writes every document's fonts into a temporary folder of the document's own and has
Fontconfig read them there; the worker keeps each face's file in its pool's folder and registers
later documents' faces from it. Checked on what a reader gets: the same PDF bytes, document after
document, as WeasyPrint's own function; a font file changed between two documents is read again
(the next document shows the new font); nothing kept once the pool's folder is gone; and
WeasyPrint left as it is when its function is not the one this was written from.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import weasyprint.text.fonts

from tests.pdfhtml import bundled_styles_document, pdf_font_names, pdf_pages_text
from vimanual.book.plan import DEFAULT_STYLES
from vimanual.pdf import fontfiles
from vimanual.pdf.fontfiles import fonts_written_once
from vimanual.pdf.patches import source_digest
from vimanual.pdf.weasy import render_pdf

BODY = ('<article class="chapter"><header class="chapter-head"><h1>Intake of seized media</h1></header>'
        "<p>Record the exhibit reference, <em>the examiner's initials</em> and <strong>the time</strong>."
        "</p><pre><code>sha256sum exhibit-001.img</code></pre></article>")


def _render(styles: Path, target: Path) -> bytes:
    render_pdf(bundled_styles_document(BODY, "", "fonts"), styles, [styles], target, tagged=False,
               identifier="0" * 32)
    return target.read_bytes()


def test_documents_after_the_first_reuse_the_files_and_draw_the_same(tmp_path: Path) -> None:
    expected = [_render(DEFAULT_STYLES, tmp_path / f"plain-{n}.pdf") for n in range(3)]
    folder = tmp_path / "pool" / "fonts"
    before = fontfiles.REUSED[0]
    fonts_written_once(folder)
    try:
        got = [_render(DEFAULT_STYLES, tmp_path / f"kept-{n}.pdf") for n in range(3)]
        reused = fontfiles.REUSED[0] - before
    finally:
        fonts_written_once(None)
    assert got == expected
    faces = len(list(folder.iterdir()))
    assert faces >= 5  # the bundled faces (serif in four styles, sans, mono, …), each once
    assert reused == 2 * faces  # the second and third documents registered every face from its file
    assert "Intake of seized media" in pdf_pages_text(tmp_path / "kept-2.pdf")[0]


def test_a_font_file_changed_between_documents_is_read_again(tmp_path: Path) -> None:
    styles = tmp_path / "styles"
    shutil.copytree(DEFAULT_STYLES, styles)
    fonts_written_once(tmp_path / "pool")
    try:
        _render(styles, tmp_path / "first.pdf")
        assert any(name.endswith("+Manual-Serif") for name in pdf_font_names(tmp_path / "first.pdf"))
        # the serif face's file replaced by another font (a new inode, size and times)
        serif = styles / "fonts" / "DejaVuSerif.ttf"
        serif.unlink()
        shutil.copyfile(styles / "fonts" / "DejaVuSans.ttf", serif)
        changed = _render(styles, tmp_path / "second.pdf")
    finally:
        fonts_written_once(None)
    assert changed == _render(styles, tmp_path / "by-weasyprint.pdf")
    names = pdf_font_names(tmp_path / "second.pdf")
    assert not any(name.endswith("+Manual-Serif") for name in names)  # the body in the other font


def test_weasyprint_is_left_as_it_is_when_its_function_is_not_the_one_this_was_written_from(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = weasyprint.text.fonts.FontConfiguration.add_font_face
    assert source_digest(real) in fontfiles.WRITTEN_FROM  # the WeasyPrint we install
    monkeypatch.setattr(fontfiles, "WRITTEN_FROM", frozenset())
    fonts_written_once(tmp_path / "pool")
    try:
        assert weasyprint.text.fonts.FontConfiguration.add_font_face is real
    finally:
        fonts_written_once(None)


def test_a_pool_s_workers_keep_the_files_in_its_folder_which_goes_with_it(tmp_path: Path) -> None:
    from vimanual.pdf.weasy import LayoutJob, LayoutPool

    jobs = [LayoutJob(bundled_styles_document(BODY, "", f"document {n}"), tmp_path / f"doc-{n}.pdf", False)
            for n in range(4)]
    with LayoutPool(DEFAULT_STYLES, [DEFAULT_STYLES], 2, 300, 1024, tmp_path) as pool:
        logs = pool.run(jobs)
        folder = Path(str(pool.header["font_folder"]))
        assert folder.parent == Path(pool.scratch.name)
        kept = sorted(path.name.split("-")[0] for path in folder.iterdir())
    assert [log.pages for log in logs] == [1, 1, 1, 1]
    assert kept and len(set(kept)) >= 5  # each face kept by the workers (once each, or once a worker)
    assert not folder.exists()  # removed with the pool's folder
    for n in range(4):
        assert "Intake of seized media" in pdf_pages_text(tmp_path / f"doc-{n}.pdf")[0]
