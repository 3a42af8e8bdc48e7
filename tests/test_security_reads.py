"""Promise 1: a build never reads outside the workspace and never touches the network.

Hostile chapters, a hostile .html contribution and hostile styles go through the real CLI
(submit, accept, build); a canary file outside the workspace must reach neither output and a
loopback HTTP server must receive no request at all.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.helpers import build_file_tree, chapter_md, manual_yaml, run
from tests.security_helpers import (
    PNG_1PX,
    assert_no_canary_in_html,
    assert_no_canary_in_pdf,
    canary_png,
    dangerous_in_main,
    loopback_server,
    plant_canary,
)
from vimanual.book.plan import DEFAULT_STYLES


def _hostile_body(canary: Path, url: str) -> str:
    return f"""\
## Include directives of other formats (only the Markdown reader ever sees a chapter)

.. include:: {canary}

.. raw:: html
   :file: {canary}

#+INCLUDE: "{canary}"

\\input{{{canary}}} \\include{{{canary}}} \\verbatiminput{{{canary}}}

```{{=latex}}
\\input{{{canary}}}
```

```{{=html}}
<iframe src="file://{canary}"></iframe><link rel="attachment" href="file://{canary}">
```

<object data="file://{canary}"></object> <link rel=attachment href="{canary}">

## Images that point outside

![abs](/etc/hostname) ![canary]({canary}) ![up](../../outside/canary.txt)
![png](../../outside/outside.png) ![file](file://{canary}) ![net]({url}/chapter.png)
![dev](/dev/urandom) ![dev2](../../../../../../../../dev/urandom) ![link](media/link.png)
![svg](media/evil.svg) ![enc](..%2f..%2foutside%2foutside.png)

[attachment](../../outside/canary.txt){{rel=attachment}} [net]({url}/link)

[ref]: ../../outside/canary.txt

![by reference][ref]
"""


def _evil_svg(canary: Path, url: str) -> bytes:
    return f"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
 width="20" height="20"><image href="{url}/svg.png" width="5" height="5"/>
<image xlink:href="file://{canary}" width="5" height="5"/>
<script>fetch("{url}/script")</script></svg>""".encode()


def _hostile_imports(canary: Path, url: str) -> str:
    """@import rules (they must open a stylesheet) of a stylesheet that would print the canary."""
    evil = canary.parent / "evil.css"
    evil.write_text(f'body::after {{ content: "{canary.read_text(encoding="utf-8").strip()}"; }}\n',
                    encoding="utf-8")
    return (f'@import url("file://{evil}");\n@import url("../../outside/evil.css");\n'
            f'@import url("{url}/import.css");\n')


def _hostile_css(canary: Path, url: str) -> str:
    return (f'@font-face {{ font-family: "Evil"; src: url("{url}/font.ttf"), url("file://{canary}"), '
            f'url("../../outside/canary.txt"); }}\n'
            f'@import url("{url}/import.css");\nbody {{ background: url("{url}/bg.png"); }}\n'
            f'h1 {{ background-image: url("file://{canary}"); }}\n')


@pytest.mark.slow
def test_a_hostile_build_reads_nothing_outside_and_sends_nothing(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    canary = plant_canary(outside)
    canary_png(outside)
    ws = tmp_path / "ws"
    with loopback_server() as server:
        build_file_tree(ws, {
            "manual.yaml": manual_yaml(chapters=["alpha", "beta"]),
            "chapters": {
                "alpha.md": chapter_md("Alpha", _hostile_body(canary, server.url), lead="UK"),
                "media": {"evil.svg": _evil_svg(canary, server.url), "ok.png": PNG_1PX},
            },
            "styles": {
                name: _hostile_imports(canary, server.url)
                + (DEFAULT_STYLES / name).read_text(encoding="utf-8") + _hostile_css(canary, server.url)
                for name in ("base.css", "print.css", "screen.css", "fonts.css")
            },
        })
        os.symlink(outside / "outside.png", ws / "chapters" / "media" / "link.png")
        submission = tmp_path / "beta.html"
        submission.write_text(f"""<html><head><link rel="stylesheet" href="{server.url}/sub.css">
<style>@import url("{server.url}/style.css");</style></head><body>
<h1>Beta</h1><p>Text of the beta chapter.</p>
<iframe src="file://{canary}"></iframe><iframe src="{server.url}/iframe"></iframe>
<img src="file://{canary}"><img src="{canary}"><img src="{server.url}/img.png">
<img src="../outside/outside.png"><object data="file://{canary}"></object>
<embed src="file://{canary}"><link rel="attachment" href="file://{canary}">
</body></html>""", encoding="utf-8")

        submitted = run("-C", ws, "submit", submission, "--chapter", "beta", "--jurisdiction", "AU",
                        "--as", "Bea", "--json")
        assert submitted.exit_code == 0, submitted.output
        contribution_id = re.search(r'"id": "([^"]+)"', submitted.output).group(1)  # type: ignore[union-attr]
        assert run("-C", ws, "accept", contribution_id, "--as", "Ed").exit_code == 0
        for stored in (ws / "contributions").rglob("*"):
            if stored.is_file():
                assert b"CANARY" not in stored.read_bytes(), stored

        result = run("-C", ws, "build", "--force")
        assert server.requests == []

    assert result.exit_code == 0, result.output
    html = (ws / "build" / "manual.html").read_text(encoding="utf-8")
    assert_no_canary_in_html(html)
    assert_no_canary_in_pdf(ws / "build" / "manual.pdf")
    assert dangerous_in_main(html) == []
    # The SVG with an external image and a script is refused at build time, with a reason.
    assert "the SVG contains '<script'" in result.output or "SVG" in result.output
    assert "outside the workspace" in result.output
    assert "refused to fetch file://" in result.output  # the renderer asked, the fetcher said no


def test_a_safe_svg_is_still_embedded(tmp_path: Path) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'
    ws = build_file_tree(tmp_path / "ws", {
        "manual.yaml": manual_yaml(chapters=["alpha"]),
        "chapters": {"alpha.md": chapter_md("Alpha", "![square](media/ok.svg)\n", lead="UK"),
                     "media": {"ok.svg": svg}},
    })
    assert run("-C", ws, "build", "--format", "html").exit_code == 0
    assert "data:image/svg+xml;base64," in (ws / "build" / "manual.html").read_text(encoding="utf-8")


def test_the_stitcher_takes_fonts_only_from_files_inside_the_styles_folder(tmp_path: Path) -> None:
    # A draft's stitcher subsets each face from its font file (pdf/fontunion.FontFiles): a file
    # a collaborator links out of styles/ (to another font, or to anything at all) is not one.
    from vimanual.pdf.layout import PdfRequest

    styles = tmp_path / "ws" / "styles"
    (styles / "fonts" / "more").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    real = DEFAULT_STYLES / "fonts" / "DejaVuSans.ttf"
    (styles / "fonts" / "Own.ttf").write_bytes(real.read_bytes())
    (styles / "fonts" / "more" / "Deeper.TTF").write_bytes(real.read_bytes())
    (outside / "Elsewhere.ttf").write_bytes(real.read_bytes())
    (styles / "fonts" / "Linked.ttf").symlink_to(outside / "Elsewhere.ttf")
    (styles / "fonts" / "Secret.ttf").symlink_to("/etc/passwd")
    (styles / "fonts" / "dir.ttf").mkdir()
    with (styles / "fonts" / "Huge.ttf").open("wb") as huge:  # sparse: 65 MiB of nothing
        huge.truncate(65 << 20)
    request = PdfRequest("parts", tmp_path / "cache", "[]", styles, (tmp_path / "ws",), 1, 60.0, 512,
                         fonts_from_files=True)
    assert sorted(path.name for path in request.font_files()) == ["Deeper.TTF", "Own.ttf"]
    assert all(path.resolve().is_relative_to(styles.resolve()) for path in request.font_files())
    off = PdfRequest("parts", tmp_path / "cache", "[]", styles, (tmp_path / "ws",), 1, 60.0, 512)
    assert off.font_files() == ()
