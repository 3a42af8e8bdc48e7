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


def test_contents_leaders_run_from_each_title_to_its_page_number(sample_workspace: Path) -> None:
    """Issue 15 point 7: on the sample's contents page the dots start right after each title and
    end right before its page number, on chapter and section rows alike (x positions in the PDF)."""
    from collections import defaultdict

    # Tagged: each box's text (title, leader, number) is then a marked run of its own whose
    # position pypdf reports; an untagged page lays out the same, but writes a row as one run.
    built = run("-C", sample_workspace, "-q", "build", "--format", "pdf", "--force", "--tagged")
    assert built.exit_code == 0, built.output
    page = pypdf.PdfReader(sample_workspace / "build" / "manual.pdf").pages[1]
    rows: dict[int, list[tuple[float, str, float]]] = defaultdict(list)

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if text.strip():
            rows[round(tm[5] * cm[3] + cm[5])].append((tm[4] * cm[0] + cm[4], text, size * tm[0] * cm[0]))

    page.extract_text(visitor_text=visit)
    checked = 0
    for y, runs in rows.items():
        runs.sort()
        if len(runs) < 3 or not runs[-1][1].strip().isdigit():
            continue
        leader = [(x, text.rstrip(), size) for x, text, size in runs
                  if text.strip() and set(text) <= {".", " "}]
        assert leader, (y, runs)
        # where the first dot and the last dot are (a run of several dots ends about 0.32 em a character on)
        dots = [leader[0][0], leader[-1][0] + (len(leader[-1][1]) - 1) * leader[-1][2] * 0.32]
        pitch = 4.0  # pt: about one dot and its space at 10.5 pt
        title_x, title, size = max((r for r in runs if r[0] < dots[0]), key=lambda r: r[0])
        # the title's width in DejaVu Sans is 0.4–0.7 em a character
        chars = len(title.strip())
        assert chars * size * 0.4 < dots[0] - title_x < chars * size * 0.7 + 2 * pitch, (
            f"row {title.strip()!r}: dots start at {dots[0]:.1f}, title at {title_x:.1f}")
        assert runs[-1][0] - dots[-1] < 2 * pitch, (
            f"row {title.strip()!r}: dots stop at {dots[-1]:.1f}, the number is at {runs[-1][0]:.1f}")
        checked += 1
    assert checked >= 20, rows  # chapter and section rows of the sample's contents
