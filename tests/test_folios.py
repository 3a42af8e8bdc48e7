"""A draft's margins laid out once per kind of page, reused with only the numbers changed
(vimanual.pdf.folios), draw exactly what laying out every margin page draws: the same text at
the same places, the same pixels. Laid out by the real WeasyPrint with the shipped styles."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pypdf
import pytest
from PIL import Image, ImageChops

from tests.helpers import build_file_tree, chapter_md, manual_yaml, run
from vimanual.book.plan import DEFAULT_STYLES
from vimanual.pdf.folios import plan_folios
from vimanual.pdf.margins import BLANK, OPENER, PAGE, Margins, margin_document
from vimanual.pdf.weasy import render_pdf

pytestmark = pytest.mark.slow  # whole margin documents and books laid out

STYLES = "\n".join((DEFAULT_STYLES / name).read_text(encoding="utf-8") for name in ("fonts.css", "print.css"))


def _pages(count: int) -> list[tuple[str, str]]:
    """(head, kind) for a book of ``count`` pages: chapters of 7 pages, an opener and a blank
    verso each; one head holds every digit (no sentinel is free: laid out whole), one some."""
    heads = ["1 Principles", "2 Triage 2026", "A Appendix 0123456789", "4 Referrals"]
    pages: list[tuple[str, str]] = []
    while len(pages) < count:
        head = heads[len(pages) // 8 % len(heads)]
        pages += [(head, OPENER)] + [(head, PAGE)] * 6 + [("", BLANK)]
    return pages[:count]


def _page_runs(page: pypdf.PageObject, digits: int = 2) -> list[tuple[str, float, float]]:
    """A page's text runs, each with where it starts."""
    runs: list[tuple[str, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            runs.append((text.strip(), round(tm[4] * cm[0] + cm[4], digits),
                         round(tm[5] * cm[3] + cm[5], digits)))

    page.extract_text(visitor_text=visit)
    return runs


def _runs(path: Path) -> list[list[tuple[str, float, float]]]:
    """Every page's text runs with where they start."""
    return [_page_runs(page) for page in pypdf.PdfReader(path).pages]


@pytest.mark.parametrize("margins", [
    Margins("A4", "SAMPLE 2026 — HANDLE WITH CARE", "", True),
    Margins("Letter", "مثال", "", True, "مسودة", "صفحة {n} من {total}", "صفحة {n}", "ar"),
], ids=["en", "ar"])
def test_reused_margins_draw_what_every_page_laid_out_draws(tmp_path: Path, margins: Margins) -> None:
    from vimanual.pdf.folios import expand

    pages = _pages(117)  # numbers of 1, 2 and 3 digits
    whole, laid, reused = tmp_path / "whole.pdf", tmp_path / "laid.pdf", tmp_path / "reused.pdf"
    total = len(pages)
    render_pdf(margin_document(STYLES, margins, [
        (head, margins.folio.format(n=n, total=total), kind) for n, (head, kind) in enumerate(pages, 1)]),
        DEFAULT_STYLES, [DEFAULT_STYLES], whole, tagged=False)
    plan = plan_folios(pages, margins.folio, margins.marking + margins.draft_word)
    assert len(plan.sheets) < total / 3  # one sheet per kind of page, not one per page
    render_pdf(margin_document(STYLES, margins, plan.sheets), DEFAULT_STYLES, [DEFAULT_STYLES], laid,
               tagged=False)
    assert expand(laid, plan, reused)
    assert _runs(reused) == _runs(whole)
    # the sheets laid out in documents of a few sheets each, each with its own digit sheet (a
    # long book's are: one head a chapter), make the same pages
    documents, size = plan.pieces(4)
    assert len(documents) >= 3 and all(len(sheets) <= 5 for sheets in documents)
    parts = [tmp_path / f"part-{n}.pdf" for n in range(len(documents))]
    for sheets, part in zip(documents, parts, strict=True):
        render_pdf(margin_document(STYLES, margins, sheets), DEFAULT_STYLES, [DEFAULT_STYLES], part,
                   tagged=False)
    pieced = tmp_path / "pieced.pdf"
    assert expand(parts, plan, pieced, size)
    assert _runs(pieced) == _runs(whole)
    for name, path in (("whole", whole), ("reused", reused), ("pieced", pieced)):
        subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "24", path, tmp_path / name],
                       check=True)
    for image in sorted(tmp_path.glob("whole-*.png")):
        for made in ("reused", "pieced"):
            other = image.with_name(image.name.replace("whole", made))
            difference = ImageChops.difference(Image.open(image).convert("RGB"),
                                               Image.open(other).convert("RGB"))
            assert difference.getbbox() is None, (made, image.name)


def test_a_draft_numbers_every_page_where_a_head_holds_digits(tmp_path: Path) -> None:
    """A chapter titled with digits cannot lend them as sentinels: its pages still say
    'page N of M' with their own N, at the same place as every other page's."""
    long = "\n\n".join(f"Paragraph {i} of the sample text, long enough to fill a page. " * 12
                       for i in range(30))
    root = build_file_tree(tmp_path / "ws", {
        "manual.yaml": manual_yaml(),
        "chapters": {"alpha.md": chapter_md("Alpha 1234567890", long, lead="UK"),
                     "beta.md": chapter_md("Beta 2 of 3", long, lead="AU")},
    })
    result = run("-C", root, "build", "--format", "pdf", "-q")
    assert result.exit_code == 0, result.output
    reader = pypdf.PdfReader(root / "build" / "manual.pdf")
    labels = reader.page_labels
    total = sum(label.isdigit() for label in labels)
    places: dict[int, set[tuple[float, float]]] = {}
    for page, label in zip(reader.pages, labels, strict=True):
        if not label.isdigit():
            continue
        runs = _page_runs(page, 1)
        folio = [r for r in runs if r[0] == f"page {label} of {total}"]
        text = page.extract_text()
        if "page" not in text:  # a blank verso: the marking only
            continue
        assert len(folio) == 1, (label, runs)
        places.setdefault(len(label), set()).add(folio[0][1:])
    assert sum(len(p) for p in places.values()) == len(places), places  # one place per width
