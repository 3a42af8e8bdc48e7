"""Promise 4: every conversion finishes or fails within bounds, and a failure damages nothing.

Pathological chapters are built through the CLI with small limits in manual.yaml; each ends
with a successful build or a clear error naming the chapter, quickly, and a failed build
leaves the previous build/manual.pdf and manual.html byte-identical.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.helpers import build_file_tree, chapter_md, manual_yaml, run

LIMITS = {"pandoc_timeout_seconds": 2, "pandoc_memory_mb": 200, "pdf_timeout_seconds": 60,
          "pdf_memory_mb": 1000}
DEPTH = 1000
CASES = {
    "nested lists": "".join("  " * i + "- item\n" for i in range(DEPTH)),
    "nested blockquotes": ">" * DEPTH + " deep\n",
    "nested divs": "".join(":" * (3 + DEPTH - i) + " {.d}\n" for i in range(DEPTH)) + "deep\n"
                   + "".join(":" * (4 + i) + "\n" for i in range(DEPTH)),
    "nested emphasis": "*_" * DEPTH + "x" + "_*" * DEPTH + "\n",
    "20,000-row table": "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 20_000,
    "emphasis runs": ("*a **b " * 20_000) + "\n\n" + ("_" * 50_000) + "\n\n" + ("[" * 20_000) + "\n",
    "50 MB single line": "x" * 50_000_000,
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with a good PDF and HTML already built (copied per test)."""
    ws = build_file_tree(tmp_path_factory.mktemp("bounds") / "ws", {
        "manual.yaml": manual_yaml(chapters=["alpha", "beta"], limits=LIMITS),
        "chapters": {"alpha.md": chapter_md("Alpha", "## A\n\nText.\n", lead="UK"),
                     "beta.md": chapter_md("Beta", "## B\n\nText.\n", lead="AU")},
    })
    assert run("-C", ws, "build").exit_code == 0
    return ws


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_pathological_chapters_end_in_bounds_and_damage_nothing(
    built: Path, tmp_path: Path, case: str
) -> None:
    import shutil

    ws = shutil.copytree(built, tmp_path / "ws")
    before = {name: (ws / "build" / name).read_bytes() for name in ("manual.pdf", "manual.html")}
    (ws / "chapters" / "beta.md").write_text(chapter_md("Beta", CASES[case], lead="AU"), encoding="utf-8")
    started = time.monotonic()
    result = run("-C", ws, "build", "--format", "html", "--force")
    elapsed = time.monotonic() - started
    assert elapsed < LIMITS["pandoc_timeout_seconds"] + 10, f"{case} took {elapsed:.1f}s"
    assert (ws / "build" / "manual.pdf").read_bytes() == before["manual.pdf"]
    if result.exit_code == 0:
        return  # built within bounds: also fine
    assert result.exit_code == 2, result.output
    assert "chapters/beta.md" in result.output, result.output
    assert "Traceback" not in result.output
    assert (ws / "build" / "manual.html").read_bytes() == before["manual.html"]
    if case == "50 MB single line":
        assert "file is too large" in result.output
    leftovers = [p.name for p in (ws / "build").iterdir() if p.name.startswith(".")]
    assert leftovers == []
