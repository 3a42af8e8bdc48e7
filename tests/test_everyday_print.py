"""Issue 15, point 6: a released edition's footer is one line in the bundled font, for markings up
to 60 characters (measured on the PDF: the footer text's y positions and fonts)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pypdf

from tests.helpers import run, small_workspace

MARKING = "SAMPLE MARKING — LAW ENFORCEMENT SENSITIVE, HANDLE WITH CARE"  # 60 characters
FOOTER_PT = 24 * 72 / 25.4  # the bottom page margin


def _footer_runs(page: Any) -> list[tuple[str, float, str]]:
    found: list[tuple[str, float, str]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        y = tm[5] * cm[3] + cm[5]
        if text.strip() and y < FOOTER_PT:
            name = str(font.get("/BaseFont", "")) if font else ""
            found.append((text.strip(), round(y, 1), name))

    page.extract_text(visitor_text=visit)
    return found


def test_released_footer_is_one_line_in_the_bundled_font(tmp_path: Path) -> None:
    assert len(MARKING) == 60
    root = small_workspace(tmp_path / "ws", marking=MARKING, paper="A4")
    for slug in ("alpha", "beta"):
        for code, name in (("UK", "Ruth Reviewer"), ("AU", "Alan Reviewer")):
            assert run("-C", root, "review", slug, "-j", code, "--approve", "--as", name).exit_code == 0
    released = run("-C", root, "-q", "release", "1.0", "--date", "2026-12-01", "--as", "Erin Editor")
    assert released.exit_code == 0, released.output
    reader = pypdf.PdfReader(root / "editions" / "1.0" / "manual.pdf")
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        runs = _footer_runs(page)
        text = " ".join(t for t, _, _ in runs)
        assert MARKING in " ".join(text.split()), (number, runs)
        if " ".join(text.split()) == MARKING:  # a blank verso carries only the marking
            continue
        if number > 2:  # the main matter (front matter pages are numbered i, ii …)
            wanted = f"Edition 1.0 · 2026-12-01 · page {number - 2} of {total - 2}"
            assert wanted.replace(" ", "") in text.replace(" ", ""), (number, runs)
        assert len({y for _, y, _ in runs}) == 1, f"page {number}: footer on several lines {runs}"
        # the bundled fonts (styles/fonts.css names DejaVu Sans "Manual Sans"), never a system serif
        assert {font.split("+")[-1] for _, _, font in runs} <= {"Manual-Sans", "Manual-Sans-Bold"}, runs
    assert total > 2
    pdf = root / "editions" / "1.0" / "manual.pdf"
    assert pdf.is_file()


def test_references_sit_under_their_chapter_at_section_size(tmp_path: Path) -> None:
    from tests.helpers import build_file_tree, chapter_md, manual_yaml

    root = build_file_tree(tmp_path / "ws", {
        "manual.yaml": manual_yaml(chapters=["alpha"], bibliography="refs.bib"),
        "refs.bib": "@book{guide, title={Sample Guide}, author={Sample, Author}, year={2020}}\n",
        "chapters": {"alpha.md": chapter_md(
            "Alpha Chapter", "## First steps\n\nSample text, as the guide says [@guide].\n", lead="UK")},
    })
    built = run("-C", root, "-q", "build", "--format", "pdf", "--force")
    assert built.exit_code == 0, built.output
    reader = pypdf.PdfReader(root / "build" / "manual.pdf")
    outline = reader.outline
    top = [item.title for item in outline if not isinstance(item, list)]
    assert "References" not in top, top
    children = next(item for item in outline if isinstance(item, list))
    assert "References" in [child.title for child in children if not isinstance(child, list)]
    sizes: dict[str, float] = {}

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        for word in ("References", "First steps"):
            if text.strip().endswith(word):
                sizes[word] = round(size * tm[0], 1)

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    assert sizes["References"] == sizes["First steps"], sizes
