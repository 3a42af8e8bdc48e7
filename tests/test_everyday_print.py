"""Issue 15, point 6: a released edition's footer is one line in the bundled font, for markings up
to 60 characters (measured on the PDF: the footer text's y positions and fonts)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pypdf

from tests.helpers import run, small_workspace
from tests.pdfhtml import drawn_glyphs

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


def test_contents_leaders_run_from_each_title_to_its_page_number(sample_workspace: Path) -> None:
    """Issue 15 point 7: on the sample's contents page the dots start right after each title and
    end right before its page number, on chapter and section rows alike (each glyph's place, read
    from the page's drawing: a draft draws a leader as one run of dots, a release dot by dot)."""
    from itertools import groupby

    built = run("-C", sample_workspace, "-q", "build", "--format", "pdf", "--force")
    assert built.exit_code == 0, built.output
    glyphs, _ = drawn_glyphs(sample_workspace / "build" / "manual.pdf", 1)
    checked = 0
    for _, row_glyphs in groupby(sorted(glyphs, key=lambda g: (round(g.y), g.x)), key=lambda g: round(g.y)):
        row = [g for g in row_glyphs if g.char.strip()]
        if not row or not row[-1].char.isdigit():
            continue
        # the leader: the longest run of dots in the row (a section's number, "2.1", has one)
        runs = [list(group) for dot, group in groupby(enumerate(row), key=lambda item: item[1].char == ".")
                if dot]
        leader = max(runs, key=len)
        assert len(leader) >= 5, [g.char for g in row]
        first, last = leader[0][0], leader[-1][0]
        title, number = row[first - 1], row[last + 1]
        pitch = row[first].advance  # one dot: about 4.5 px at 10.5 pt
        title_text = "".join(g.char for g in row[:first])
        title_end, dots_end = title.x + title.advance, row[last].x + row[last].advance
        assert 0 <= row[first].x - title_end < 2 * pitch, (
            f"row {title_text!r}: dots start at {row[first].x:.1f}, the title ends at {title_end:.1f}")
        assert 0 <= number.x - dots_end < 2 * pitch, (
            f"row {title_text!r}: dots stop at {dots_end:.1f}, the number is at {number.x:.1f}")
        places = [glyph.x for _, glyph in leader]
        assert all(abs(b - a - pitch) < 0.01 for a, b in zip(places, places[1:], strict=False)), (
            f"row {title_text!r}: the dots are not evenly spaced")
        checked += 1
    assert checked >= 20, checked  # chapter and section rows of the sample's contents
