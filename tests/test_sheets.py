"""Stylesheets parsed once a layout worker (vimanual/pdf/sheets.py), laid out by the real
WeasyPrint: a later document with the same <style> parses nothing again and is the same PDF,
byte for byte; its @page rules and its @font-face fonts still apply; a URL the stylesheet was
refused is reported for every document, not only the first; a sheet with cascade layers is
parsed each time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import tinycss2
from pypdf import PdfReader

from tests.pdfhtml import pdf_font_names
from vimanual.book.plan import DEFAULT_STYLES
from vimanual.pdf import sheets
from vimanual.pdf.weasy import render_pdf

FONTS = (DEFAULT_STYLES / "fonts.css").read_text(encoding="utf-8")


def _document(style: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sheets</title>'
            f"<style>{FONTS}</style><style>{style}</style></head><body>{body}</body></html>")


def _parses(monkeypatch: pytest.MonkeyPatch, marker: str) -> list[str]:
    """The stylesheets holding ``marker`` that tinycss2 is asked to parse from now on."""
    seen: list[str] = []
    real = tinycss2.parse_stylesheet

    def counted(css: str, *args: object, **kwargs: object) -> object:
        if marker in css:
            seen.append(css)
        return real(css, *args, **kwargs)

    monkeypatch.setattr(tinycss2, "parse_stylesheet", counted)
    return seen


def _render(html: str, target: Path) -> list[str]:
    return render_pdf(html, DEFAULT_STYLES, [DEFAULT_STYLES], target, tagged=False,
                      font_subsetter="uharfbuzz").refused


def test_a_later_document_parses_nothing_again_and_is_the_same_pdf(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    marker = f"/* {tmp_path.name} */"  # a stylesheet no other test in this process has seen
    style = f"{marker} body {{ font-family: 'Manual Serif'; color: #123456; }} @page {{ size: A5; }}"
    parses = _parses(monkeypatch, marker)
    html = _document(style, "<h1>Sample</h1><p>Sample text: one paragraph, café.</p>")
    _render(html, tmp_path / "first.pdf")
    assert len(parses) == 1
    _render(html, tmp_path / "second.pdf")
    _render(_document(style, "<p>Another sample document.</p>"), tmp_path / "third.pdf")
    assert len(parses) == 1  # the cached stylesheet served both
    assert (tmp_path / "second.pdf").read_bytes() == (tmp_path / "first.pdf").read_bytes()
    # its @page rule applies to the documents that did not parse it: A5 is 420 x 595 pt
    box = PdfReader(tmp_path / "third.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (420, 595)
    # and its @font-face fonts, registered with that document's own font configuration
    assert any(name.endswith("+Manual-Serif") for name in pdf_font_names(tmp_path / "third.pdf"))
    # and a process that never saw it (nothing cached) writes the same bytes
    script = ("import sys; from pathlib import Path; from tests.test_sheets import _render; "
              "_render(Path(sys.argv[1]).read_text(encoding='utf-8'), Path(sys.argv[2]))")
    (tmp_path / "doc.html").write_text(html, encoding="utf-8")
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "doc.html"), str(tmp_path / "fresh.pdf")],
                   check=True, cwd=Path(__file__).parent.parent, timeout=120)
    assert (tmp_path / "fresh.pdf").read_bytes() == (tmp_path / "first.pdf").read_bytes()


def test_a_refused_url_of_a_cached_stylesheet_is_reported_for_every_document(tmp_path: Path) -> None:
    style = (f"/* {tmp_path.name} */ @font-face {{ font-family: Stolen; src: url(file:///etc/passwd); }} "
             "body { font-family: Stolen, 'Manual Serif'; }")
    for number in range(3):
        refused = _render(_document(style, f"<p>Sample document {number}.</p>"), tmp_path / f"{number}.pdf")
        assert refused == ["file:///etc/passwd"], number


def test_a_stylesheet_with_cascade_layers_is_parsed_for_each_document(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = f"/* {tmp_path.name} */"
    style = (f"{marker} @layer base, top; @layer top {{ p {{ color: #aa0000; }} }} "
             "@layer base { p { color: #00aa00; } }")
    parses = _parses(monkeypatch, marker)
    html = _document(style, "<p>Sample text in the top layer's colour.</p>")
    _render(html, tmp_path / "first.pdf")
    _render(html, tmp_path / "second.pdf")
    assert len(parses) >= 2 and any(key[0] == style for key in sheets._LAYERED)
    assert (tmp_path / "second.pdf").read_bytes() == (tmp_path / "first.pdf").read_bytes()
