"""Issue 17: pathological chapters are refused up front, naming the chapter, instead of
running the PDF layout (or pandoc) for minutes first.

- Nesting thousands of levels deep (lists, quotes, fenced divs, emphasis, brackets) is refused
  by check, build (even with --force) and submit, with the chapter and line, before pandoc or
  WeasyPrint see it (nesting past 32 levels, which pandoc reads in a moment, is check's finding:
  tests/test_intake_points.py).
- A table too long to be laid out within ``limits.pdf_timeout_seconds`` on any machine
  (vimanual/base/tables.py) is refused by the build before any layout starts; check warns
  about a table expected to take a good share of the limit.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.helpers import build_file_tree, chapter_md, manual_yaml, run, small_workspace, snapshot
from vimanual.base.tables import KB_PER_CELL, MARGIN, MEMORY_MARGIN, MS_PER_CELL, MS_PER_ROW

PERSON = "Sam Contributor (UK)"
DEEP = 5000
# Each case's text after "## Steps\n\nSample text.\n\n", and the message check gives.
LISTS = "lists, quotes or blocks nested"
INLINE = "emphasis, links or spans nested"
NESTED = {
    "a list 5,000 deep on one line": ("- " * DEEP + "item\n", LISTS),
    "a list 1,500 deep, indented": ("".join("  " * n + "- item\n" for n in range(1500)), LISTS),
    "a blockquote 5,000 deep": (">" * DEEP + " quoted\n", LISTS),
    "fenced divs 5,000 deep": ("::: {.box}\n\n" * DEEP + "deep\n\n" + ":::\n\n" * DEEP, LISTS),
    "emphasis 5,000 deep, '*' and '_' alternating": ("*_" * DEEP + "x" + "_*" * DEEP + "\n", INLINE),
    "strong 5,000 deep, '**' and '__' alternating": ("**__" * DEEP + "x" + "__**" * DEEP + "\n", INLINE),
    "bracketed spans 5,000 deep": ("[" * DEEP + "x" + "]{.a}" * DEEP + "\n", INLINE),
}


@pytest.mark.parametrize("case", list(NESTED))
def test_deep_nesting_is_refused_up_front_by_check_build_and_submit(tmp_path: Path, case: str) -> None:
    """Thousands of levels are never handed to pandoc (which took minutes and its memory limit
    on some of them): loading the workspace stops at once, naming the chapter and the line."""
    text, message = NESTED[case]
    root = small_workspace(tmp_path / "ws")
    assert run("-C", root, "build", "--format", "html").exit_code == 0
    before = snapshot(root / "build", skip=[root / "build" / "cache"])
    body = f"## Steps\n\nSample text.\n\n{text}"
    build_file_tree(root / "chapters", {"beta.md": chapter_md("Beta", body, lead="AU")})
    lines = (root / "chapters" / "beta.md").read_text(encoding="utf-8").splitlines()

    for command in (["check"], ["build"], ["build", "--force"], ["status"]):
        result = run("-C", root, *command)
        assert result.exit_code == 2, (command, result.output)
        found = re.search(r"Error: chapters/beta\.md:(\d+): " + re.escape(message)
                          + r" at least [\d,]+ levels deep", " ".join(result.output.split()))
        assert found, (command, result.output)
        line = int(found.group(1))
        assert line > lines.index("Sample text.") + 1 and lines[line - 1].strip(), (line, lines[line - 1])
        assert "hint: flatten the nesting" in result.output
    assert snapshot(root / "build", skip=[root / "build" / "cache"]) == before

    source = tmp_path / "deep.md"
    source.write_text(f"# Sample deep\n\n{body}", encoding="utf-8")
    submitted = run("-C", root, "submit", source, "--chapter", "deep", "--jurisdiction", "UK", "--as", PERSON)
    assert submitted.exit_code == 2, submitted.output
    assert re.search(r"deep\.md: line \d+: " + re.escape(message), " ".join(submitted.output.split()))
    assert not (root / "contributions").exists() or not any((root / "contributions").iterdir())


def _rows_over(limit: int, columns: int, times: float) -> int:
    """Rows of a ``columns``-column table whose least layout time is ``times`` × ``limit``."""
    return math.ceil(times * limit * 1000 * MARGIN / (MS_PER_ROW + columns * MS_PER_CELL))


def _table(rows: int, columns: int) -> str:
    head = "| " + " | ".join(f"Column {c}" for c in range(1, columns + 1)) + " |\n" + "|---" * columns + "|\n"
    return head + "".join("| " + " | ".join(f"{r}.{c}" for c in range(1, columns + 1)) + " |\n"
                          for r in range(1, rows + 1)) + "\n: Sample rows.\n"


def _table_workspace(root: Path, limits: dict[str, int], rows: int, columns: int) -> Path:
    """Two chapters under ``limits``; beta holds a table of ``rows`` × ``columns``."""
    return build_file_tree(root, {
        "manual.yaml": manual_yaml(limits=limits),
        "chapters": {"alpha.md": chapter_md("Alpha", "## A\n\nSample text.\n", lead="UK"),
                     "beta.md": chapter_md("Beta", f"## B\n\nSample text.\n\n{_table(rows, columns)}",
                                           lead="AU")},
    })


def test_a_table_too_long_for_the_layout_limit_is_refused_before_any_layout(tmp_path: Path) -> None:
    limit, columns = 20, 8
    rows = _rows_over(limit, columns, 1.5)  # its least layout time is 1.5 × the limit
    root = build_file_tree(tmp_path / "ws", {
        "manual.yaml": manual_yaml(limits={"pdf_timeout_seconds": limit}),
        "chapters": {"alpha.md": chapter_md("Alpha", "## A\n\nSample text.\n", lead="UK"),
                     "beta.md": chapter_md("Beta", "## B\n\nSample text.\n", lead="AU")},
    })
    assert run("-C", root, "build", "--format", "html").exit_code == 0
    before = snapshot(root / "build", skip=[root / "build" / "cache"])
    build_file_tree(root / "chapters", {"beta.md": chapter_md(
        "Beta", f"## B\n\nSample text.\n\n{_table(rows, columns)}", lead="AU")})

    checked = run("-C", root, "check", "--json")
    assert checked.exit_code == 0, checked.output  # a warning: the editor learns before building
    [warning] = [p for p in json.loads(checked.stdout)["problems"] if p["rule"] == "long-table"]
    assert warning["file"] == "chapters/beta.md" and warning["severity"] == "warning"
    lines = (root / "chapters" / "beta.md").read_text(encoding="utf-8").splitlines()
    assert lines[warning["line"] - 1] == "| " + " | ".join(f"Column {c}" for c in range(1, 9)) + " |"
    assert f"table of {rows + 1:,} rows × 8 columns" in warning["message"]
    assert "the build refuses it" in warning["message"]

    built = run("-C", root, "build")
    assert built.exit_code == 2, built.output
    message = " ".join(built.output.split())
    assert re.search(r"Error: chapters/beta\.md: its tables take at least \d[\d,]* s to lay out, more than "
                     rf"the PDF layout limit of {limit} s \(the largest: {rows + 1:,} rows × 8 columns\)",
                     message), message
    assert "hint: split the table" in message and "limits.pdf_timeout_seconds in manual.yaml" in message
    assert snapshot(root / "build", skip=[root / "build" / "cache"]) == before  # nothing written
    layouts = root / "build" / "cache" / "layout"
    assert not layouts.exists() or not list(layouts.glob("*.pdf"))  # no layout was started


def test_a_table_too_large_for_the_layout_memory_cap_is_refused_before_any_layout(tmp_path: Path) -> None:
    """A layout worker holds every cell's boxes (~12-17 KB a cell): a table that cannot fit in
    ``limits.pdf_memory_mb`` is refused up front, not after the worker has run into its cap."""
    cap, columns = 100, 8
    rows = math.ceil(1.5 * cap * 1024 * MEMORY_MARGIN / KB_PER_CELL / columns)  # 1.5 × the cap, at least
    root = _table_workspace(tmp_path / "ws", {"pdf_memory_mb": cap}, rows, columns)
    checked = run("-C", root, "check", "--json")
    [warning] = [p for p in json.loads(checked.stdout)["problems"] if p["rule"] == "long-table"]
    assert f"table of {rows + 1:,} rows × 8 columns needs about" in warning["message"], warning
    assert f"(limits.pdf_memory_mb: {cap} MB; the build refuses it)" in warning["message"], warning
    built = run("-C", root, "build")
    assert built.exit_code == 2, built.output
    message = " ".join(built.output.split())
    assert re.search(r"Error: chapters/beta\.md: its tables need at least \d[\d,]* MB of memory to lay "
                     rf"out, more than the PDF layout's cap of {cap} MB \(the largest: {rows + 1:,} rows × 8 "
                     r"columns\)", message), message
    assert "or raise limits.pdf_memory_mb in manual.yaml" in message
    assert not (root / "build" / "manual.pdf").exists() and not (root / "build" / "manual.html").exists()
    layouts = root / "build" / "cache" / "layout"
    assert not layouts.exists() or not list(layouts.glob("*.pdf"))


def test_tables_within_the_limit_build_and_check_says_nothing(tmp_path: Path) -> None:
    limit, columns = 60, 3
    rows = 200
    root = _table_workspace(tmp_path / "ws", {"pdf_timeout_seconds": limit}, rows, columns)
    checked = run("-C", root, "check", "--json")
    assert checked.exit_code == 0, checked.output
    assert [p for p in json.loads(checked.stdout)["problems"] if p["rule"] == "long-table"] == []
    built = run("-C", root, "build", "--format", "pdf")
    assert built.exit_code == 0, built.output
    text = " ".join(page.extract_text() for page in PdfReader(root / "build" / "manual.pdf").pages)
    assert "200.1" in text and "200.3" in text  # the table's last row


def test_check_warns_about_a_table_over_a_quarter_of_the_limit_and_the_limit_is_in_its_cache(
        tmp_path: Path) -> None:
    """A table expected to take more than a quarter of the limit, but well within it, is a
    warning only; raising the limit in manual.yaml takes the warning away (the limit is part of
    what check's cached findings depend on)."""
    limit, columns = 20, 3
    rows = _rows_over(limit, columns, 0.3 / MARGIN)  # expected: 0.3 × the limit
    root = _table_workspace(tmp_path / "ws", {"pdf_timeout_seconds": limit}, rows, columns)
    checked = run("-C", root, "check")
    assert checked.exit_code == 0, checked.output
    text = " ".join(checked.output.split())
    assert re.search(rf"warning: chapters/beta\.md:\d+: table of {rows + 1:,} rows × 3 columns takes about "
                     rf"\d+ s to lay out in the PDF \(limits\.pdf_timeout_seconds: {limit} s; over 25% of "
                     r"the limit\)", text), text
    assert "rule: long-table" in text
    assert run("-C", root, "check", "--strict").exit_code == 1
    manual = root / "manual.yaml"
    raised = manual.read_text(encoding="utf-8").replace(f"pdf_timeout_seconds: {limit}",
                                                        "pdf_timeout_seconds: 900")
    manual.write_text(raised, encoding="utf-8")
    assert "long-table" not in run("-C", root, "check").output
