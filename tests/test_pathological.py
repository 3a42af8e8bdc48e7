"""Issue 17: pathological chapters are refused up front, naming the chapter, instead of
running the PDF layout (or pandoc) for minutes first.

- Nesting thousands of levels deep (lists, quotes, fenced divs, emphasis, brackets) is refused
  by check, build (even with --force) and submit, with the chapter and line, before pandoc or
  WeasyPrint see it (nesting past 32 levels, which pandoc reads in a moment, is check's finding:
  tests/test_intake_points.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import build_file_tree, chapter_md, run, small_workspace, snapshot

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
