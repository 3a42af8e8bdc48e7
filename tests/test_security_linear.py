"""Issue 20 item 7: every check rule is linear in the size of the chapter.

200,000 '[' took 106 s in one rule's bracket pattern, and 2 MB of '*a [b ' ran for more
than 15 minutes. For each adversarial pattern the rules run (in Python, without pandoc,
whose own runs are bounded by manual.yaml's limits) over the pattern repeated to a small
and an 8 times larger chapter; linear work takes about 8 times as long, quadratic work 64
times. The test fails when the larger one takes more than 20 times as long (ratios, not
seconds: the machine's speed cancels out). The whole file takes a few seconds.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.helpers import chapter_md, run, small_workspace
from vimanual.check.rules.terminology import load_terminology
from vimanual.check.run import rule_hits
from vimanual.workspace.load import load_workspace

PATTERNS = {
    "brackets": "[", "emphasis and brackets": "*a [b ", "images": "![", "link starts": "[a](",
    "closing brackets": "]", "references": "[a][", "backticks": "` a ", "quotes": '" a ',
    "quotes across lines": '"a\n', "angle brackets": "<a ", "autolink e-mail": "<a@",
    "attributes": "{#", "classes": "{.a ", "div fences": ":::\n", "pipes": "| a ", "underscores": "_a ",
    "headings": "# a\n", "list items": "- a\n  ", "numbered links": "1. [", "ipv6": "1:",
    "phone numbers": "+1 2 ", "e-mail": "a@b.", "markers": "[]{.vimanual-allow rule=",
    "street numbers": "1 A ", "parentheses": "](",
}
SMALL = 20_000  # characters
GROWTH = 8
MAX_RATIO = 20.0


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, list[object]]:
    root = small_workspace(tmp_path_factory.mktemp("linear") / "ws")
    return load_workspace(root), load_terminology(root)[0]


def _seconds(setting: tuple[object, list[object]], text: str) -> float:
    workspace, rules = setting
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        rule_hits(workspace, "alpha", text, rules)  # type: ignore[arg-type]
        best = min(best, time.perf_counter() - started)
    return max(best, 1e-4)


@pytest.mark.parametrize("name", list(PATTERNS))
def test_every_rule_is_linear_on_adversarial_text(setting: tuple[object, list[object]], name: str) -> None:
    pattern = PATTERNS[name]
    small = _seconds(setting, pattern * (SMALL // len(pattern)))
    large = _seconds(setting, pattern * (GROWTH * SMALL // len(pattern)))
    ratio = large / small
    assert ratio < MAX_RATIO, f"{name}: {small * 1000:.1f} ms -> {large * 1000:.1f} ms (x{ratio:.1f})"


def test_check_of_200000_brackets_ends_within_the_pandoc_limit(tmp_path: Path) -> None:
    """The case of the attack, end to end through the CLI: the rules take well under a
    second (it used to take 106 s in the rules alone); pandoc itself would run away on this
    text, so it is refused before pandoc runs, naming the chapter and line (it used to be
    stopped at manual.yaml's pandoc limit)."""
    ws = small_workspace(tmp_path / "ws", limits={"pandoc_timeout_seconds": 3})
    (ws / "chapters" / "beta.md").write_text(chapter_md("Beta", "[" * 200_000 + "\n", lead="AU"),
                                             encoding="utf-8")
    started = time.monotonic()
    result = run("-C", ws, "check")
    elapsed = time.monotonic() - started
    assert result.exit_code == 2, result.output
    assert "Error: chapters/beta.md:6: emphasis, links or spans nested at least 1,001 levels deep" \
        in result.output
    assert elapsed < 3 + 12, elapsed
