"""Promise 10: fuzzing the whole pipeline.

Random Markdown from a grammar of pandoc constructs mixed with hostile fragments is built
through the CLI: the build ends within bounds, never with an unhandled exception (an error
message is fine) and the canary outside the workspace never appears in an output.
``VIMANUAL_FUZZ_EXAMPLES`` raises the example count for a long session.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import build_file_tree, chapter_md, manual_yaml, run
from tests.security_helpers import (
    PNG_1PX,
    assert_no_canary_in_html,
    assert_no_canary_in_pdf,
    dangerous_in_main,
    plant_canary,
)

EXAMPLES = int(os.environ.get("VIMANUAL_FUZZ_EXAMPLES", "25"))
LIMITS = {"pandoc_timeout_seconds": 10, "pandoc_memory_mb": 300, "pdf_timeout_seconds": 60,
          "pdf_memory_mb": 1000}

words = st.text(alphabet="abcxyz ÄéΩ中*_`[](){}<>#!:|\\-~^=\"'&;.\n", min_size=0, max_size=30)
HOSTILE = [
    "![c](../../outside/canary.txt)", "![c](/etc/hostname)", "![u](/dev/urandom)", "![l](media/link.png)",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
    "[x](JaVa&#09;ScRiPt:alert(1))", "```{=html}\n<iframe src=file:///etc/passwd></iframe>\n```",
    "`<b onclick=x>`{=html}", "[x]{style=\"x\" onclick=\"y\"}", ".. include:: ../../outside/canary.txt",
    "\\input{../../outside/canary.txt}", "#+INCLUDE: \"../../outside/canary.txt\"",
    "![s](media/evil.svg)", "![ok](media/ok.png){width=50%}", "[x](data:text/html,<script>1</script>)",
    "<link rel=attachment href=../../outside/canary.txt>", "![x](http://127.0.0.1:9/x.png)",
    "[^n]\n\n[^n]: note ![c](../../outside/canary.txt)", "<style>@import 'http://127.0.0.1:9/'</style>",
]
inline = st.one_of(words, st.sampled_from(HOSTILE), words.map(lambda w: f"*{w}*"),
                   words.map(lambda w: f"**{w}**"),
                   words.map(lambda w: f"`{w}`"), words.map(lambda w: f"[{w}](#{w.strip()[:5]})"),
                   words.map(lambda w: f"$x^{w}$"), words.map(lambda w: f"[{w}]{{.c}}"))
line = st.lists(inline, min_size=1, max_size=6).map(" ".join)


def _block(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        line,
        line.map(lambda t: "## " + t.replace("\n", " ")),
        st.lists(line, min_size=1, max_size=4).map(lambda items: "\n".join(f"- {i.replace(chr(10), ' ')}"
                                                                            for i in items)),
        children.map(lambda t: "> " + t.replace("\n", "\n> ")),
        children.map(lambda t: f"::: {{.box}}\n{t}\n:::"),
        children.map(lambda t: "1. " + t.replace("\n", "\n   ")),
        st.lists(words, min_size=2, max_size=3).map(lambda cells: "| " + " | ".join(c.replace("|", "")
                                                    .replace("\n", " ") for c in cells) + " |\n|"
                                                    + "---|" * len(cells)),
        words.map(lambda t: f"```\n{t}\n```"),
        st.sampled_from(HOSTILE),
        st.just("Term\n:   Definition"),
    )


blocks = st.recursive(line, _block, max_leaves=12)
documents = st.lists(blocks, min_size=1, max_size=10).map("\n\n".join)


def _workspace(base: Path) -> Path:
    outside = base / "outside"
    canary = plant_canary(outside)
    ws = build_file_tree(base / "ws", {
        "manual.yaml": manual_yaml(chapters=["alpha"], limits=LIMITS),
        "chapters": {"alpha.md": chapter_md("Alpha", "Text.\n", lead="UK"),
                     "media": {"ok.png": PNG_1PX,
                               "evil.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file://'
                                           + str(canary).encode() + b'"/></svg>'}},
    })
    os.symlink(canary, ws / "chapters" / "media" / "link.png")
    return ws


def _check(ws: Path, document: str, formats: str) -> None:
    chapter = chapter_md("Alpha", document + "\n", lead="UK")
    (ws / "chapters" / "alpha.md").write_text(chapter, encoding="utf-8")
    started = time.monotonic()
    result = run("-C", ws, "build", "--format", formats, "--force", "--quiet")  # raises if unhandled
    assert time.monotonic() - started < LIMITS["pandoc_timeout_seconds"] + LIMITS["pdf_timeout_seconds"]
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        html = (ws / "build" / "manual.html").read_text(encoding="utf-8") if formats != "pdf" else ""
        if html:
            assert_no_canary_in_html(html)
            assert dangerous_in_main(html) == []
        if formats != "html":
            assert_no_canary_in_pdf(ws / "build" / "manual.pdf")


_BASE = Path(tempfile.mkdtemp(prefix="vimanual-fuzz-"))


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(documents)
def test_fuzzed_chapters_build_safely_as_html(document: str) -> None:
    ws = _BASE / "html" / "ws"
    if not ws.exists():
        _workspace(_BASE / "html")
    _check(ws, document, "html")


@pytest.mark.slow
@settings(max_examples=max(2, EXAMPLES // 10), deadline=None, suppress_health_check=list(HealthCheck))
@given(documents)
def test_fuzzed_chapters_build_safely_as_pdf(document: str) -> None:
    ws = _BASE / "pdf" / "ws"
    if not ws.exists():
        _workspace(_BASE / "pdf")
    _check(ws, document, "all")


def teardown_module() -> None:
    shutil.rmtree(_BASE, ignore_errors=True)


def test_an_empty_chapter_builds(tmp_path: Path) -> None:
    """Found by the fuzzer: an empty body crashed 'check' (zip of unequal lengths)."""
    _check(_workspace(tmp_path), "", "html")
