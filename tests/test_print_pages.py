"""Issue 15, points 9 and 10: the printed page is clean. Blank versos carry only the handling
marking; chapter opening pages have no running head above their title; no chapter ends
with a single carried-over line before a blank page. Measured on the sample's draft PDF."""

from __future__ import annotations

from typing import Any

import pytest
from pypdf import PdfReader

from tests.helpers import copy_sample, run

MARKING = "SAMPLE — LAW ENFORCEMENT SENSITIVE"
TOP_MARGIN_PT = 20 * 72 / 25.4  # the running head sits in the top 20 mm

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    root = copy_sample(tmp_path_factory.mktemp("print") / "ws")
    result = run("-C", root, "build", "--format", "pdf")
    assert result.exit_code == 0, result.output
    return list(PdfReader(root / "build" / "manual.pdf").pages)


def lines(page: Any) -> list[str]:
    return [line.strip() for line in page.extract_text().splitlines() if line.strip()]


def top_margin_text(page: Any) -> list[str]:
    found: list[str] = []
    height = float(page.mediabox.height)

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        y = tm[5] * cm[3] + cm[5]
        if text.strip() and y > height - TOP_MARGIN_PT:
            found.append(text.strip())

    page.extract_text(visitor_text=visit)
    return found


def is_blank(page: Any) -> bool:
    return all(MARKING in line or line in ("DRAFT",) or line.startswith("page ") for line in lines(page))


def test_blank_versos_carry_only_the_marking(pages: list[Any]) -> None:
    blanks = [number for number, page in enumerate(pages, start=1) if is_blank(page)]
    assert len(blanks) >= 3, blanks  # the sample has chapters that end on a right-hand page
    for number in blanks:
        assert lines(pages[number - 1]) == [MARKING], f"page {number}: {lines(pages[number - 1])}"


def test_chapter_opening_pages_have_no_running_head(pages: list[Any]) -> None:
    openers = [number for number, page in enumerate(pages, start=1)
               if not any(leader in page.extract_text() for leader in (". . .", "....")) # not the contents
               and any(line.startswith(("1  ", "5  ", "9  ", "A  ")) for line in lines(page))]
    assert len(openers) >= 3, openers
    for number in openers:
        assert top_margin_text(pages[number - 1]) == [], f"page {number}"
        if not is_blank(pages[number]):  # the chapter's next page carries its running head
            assert top_margin_text(pages[number]), f"page {number + 1}"


def test_no_chapter_ends_with_a_lone_line_before_a_blank_page(pages: list[Any]) -> None:
    for number, page in enumerate(pages[:-1], start=1):
        if is_blank(page) or not is_blank(pages[number]):
            continue
        head = set(top_margin_text(page))
        body = [line for line in lines(page)
                if line != "DRAFT" and MARKING not in line and line not in head]
        assert len(body) >= 2, f"page {number} holds only {body} before a blank page"
