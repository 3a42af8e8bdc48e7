"""Issue 15, point 11: on a screen, each figure's picture and each table sits in its own sideways
scroll box, named by its caption and reachable by keyboard (tests/test_browser.py measures it in
Chromium at 375 px); a released edition's frozen template keeps the HTML it was released with."""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers import build_file_tree, chapter_md, manual_yaml, run
from tests.test_book import PNG_1PX

BODY = """\
## Figures and tables

![A dot, captioned.](media/dot.png)

| Step | Record |
|------|--------|
| Seize | Exhibit log |

Table: Steps at "intake" & <after>.

| No | Caption |
|----|---------|
| 1  | here    |
"""

BOX = re.compile(r'<div class="scroll-x" role="region" tabindex="0" aria-label="([^"]*)">\s*(<\w+)')


def test_figures_and_tables_get_a_named_focusable_scroll_box(tmp_path: Path) -> None:
    root = build_file_tree(tmp_path / "ws", {
        "manual.yaml": manual_yaml(chapters=["alpha"]),
        "chapters": {"alpha.md": chapter_md("Alpha", BODY, lead="UK"), "media": {"dot.png": PNG_1PX}},
    })
    result = run("-C", root, "build", "--format", "html", "-q")
    assert result.exit_code == 0, result.output
    html = (root / "build" / "manual.html").read_text(encoding="utf-8")
    boxes = BOX.findall(html)
    assert boxes == [
        ("Figure 1.1. A dot, captioned.", "<img"),
        ("Table 1.1. Steps at “intake” &amp; &lt;after&gt;.", "<table"),
        ("Table", "<table"),
    ]
    assert html.count("<table") == 2 and html.count("</table></div>") == 2
    # the caption stays outside the scroll box, under the picture
    assert re.search(r'<img[^>]*>\s*</div><figcaption', html)
