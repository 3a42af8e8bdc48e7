"""A build with nothing changed keeps its outputs (book/stamp.py), and nothing a build is made
from can change without the next build making the outputs again: a chapter's text, an image
it shows (one that was missing and is now there too), the glossary,
the styles, the options, and the outputs themselves edited or deleted by hand."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.helpers import build_file_tree, chapter_md, manual_yaml, ok

PNG_A = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PNG_B = b"\x89PNG\r\n\x1a\n" + b"\x01" * 64


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return build_file_tree(tmp_path / "ws", {
        "manual.yaml": manual_yaml(chapters=["alpha"]),
        "chapters": {
            "alpha.md": chapter_md("Alpha", "Shown: ![a figure](media/a.png)\n\n"
                                            "Later: ![not yet](media/later.png)\n\n"
                                            "A [bad link](javascript:alert(1)).\n"),
            "media": {"a.png": PNG_A},
        },
    })


def _html(ws: Path) -> str:
    return (ws / "build" / "manual.html").read_text(encoding="utf-8")


def test_a_build_with_nothing_changed_leaves_the_html_alone_and_says_the_same(ws: Path) -> None:
    first = ok("-C", ws, "build", "--force", "--format", "html")
    html = ws / "build" / "manual.html"
    written = html.stat().st_mtime_ns
    second = ok("-C", ws, "build", "--force", "--format", "html")
    assert html.stat().st_mtime_ns == written
    assert "unsafe or unsupported link 'javascript:alert(1)' removed" in second.output
    assert second.output == first.output.replace("1 converted, 0 from cache", "0 converted, 1 from cache")


@pytest.mark.parametrize("change", ["shown", "missing, then there"])
def test_an_image_changed_under_the_same_name_is_built_again(ws: Path, change: str) -> None:
    ok("-C", ws, "build", "--force", "--format", "html")
    media = ws / "chapters" / "media"
    name = {"shown": "a.png", "missing, then there": "later.png"}[change]
    (media / name).write_bytes(PNG_B)
    assert _data_uri(PNG_B) not in _html(ws)
    ok("-C", ws, "build", "--force", "--format", "html")
    assert _data_uri(PNG_B) in _html(ws)


def test_an_image_that_disappears_is_reported_missing_again(ws: Path) -> None:
    ok("-C", ws, "build", "--force", "--format", "html")
    (ws / "chapters" / "media" / "a.png").unlink()
    result = ok("-C", ws, "build", "--force", "--format", "html")
    assert "image 'media/a.png' not found" in result.output


@pytest.mark.parametrize("hand", ["edited", "deleted"])
def test_an_output_edited_or_deleted_by_hand_is_built_again(ws: Path, hand: str) -> None:
    ok("-C", ws, "build", "--force", "--format", "html")
    html = ws / "build" / "manual.html"
    made = html.read_bytes()
    if hand == "edited":
        html.write_bytes(made.replace(b"Shown:", b"Forged:"))
    else:
        html.unlink()
    ok("-C", ws, "build", "--force", "--format", "html")
    assert html.read_bytes() == made


def test_the_chapter_the_glossary_and_the_styles_each_make_a_new_build(ws: Path) -> None:
    ok("-C", ws, "build", "--force", "--format", "html")
    (ws / "chapters" / "alpha.md").write_text(chapter_md("Alpha", "Quite other words.\n"))
    ok("-C", ws, "build", "--force", "--format", "html")
    assert "Quite other words." in _html(ws)
    (ws / "glossary.yaml").write_text("terms:\n  - term: Hotlist\n"
                                      "    definition: A list of hashes kept for matching.\n")
    ok("-C", ws, "build", "--force", "--format", "html")
    assert "A list of hashes kept for matching." in _html(ws)
    styles = ws / "styles"
    styles.mkdir()
    default = Path(__file__).resolve().parent.parent / "vimanual" / "defaults" / "styles" / "screen.css"
    own = default.read_text(encoding="utf-8") + "\n.stamp-test { color: red; }\n"
    (styles / "screen.css").write_text(own, encoding="utf-8")
    ok("-C", ws, "build", "--force", "--format", "html")
    assert ".stamp-test { color: red; }" in _html(ws)


def test_a_style_linked_to_a_file_in_the_workspace_is_followed(ws: Path) -> None:
    """styles/screen.css may be a link to a file elsewhere in the workspace: editing that file
    (the link itself unchanged) makes a new build."""
    default = Path(__file__).resolve().parent.parent / "vimanual" / "defaults" / "styles" / "screen.css"
    shared = ws / "shared"
    shared.mkdir()
    (shared / "screen.css").write_text(default.read_text(encoding="utf-8"), encoding="utf-8")
    (ws / "styles").mkdir()
    (ws / "styles" / "screen.css").symlink_to("../shared/screen.css")
    ok("-C", ws, "build", "--force", "--format", "html")
    with (shared / "screen.css").open("a", encoding="utf-8") as css:
        css.write("\n.linked-style { color: red; }\n")
    ok("-C", ws, "build", "--force", "--format", "html")
    assert ".linked-style { color: red; }" in _html(ws)


def test_another_option_is_another_build(ws: Path) -> None:
    (ws / "chapters" / "alpha.md").write_text(chapter_md(
        "Alpha", 'For all.\n\n::: {.only jurisdiction="UK"}\nOnly for the UK.\n:::\n'))
    ok("-C", ws, "build", "--format", "html")
    assert "Only for the UK." in _html(ws)
    ok("-C", ws, "build", "--format", "html", "--jurisdiction", "AU")
    assert "Only for the UK." not in _html(ws)
    ok("-C", ws, "build", "--format", "html")
    assert "Only for the UK." in _html(ws)


@pytest.mark.slow
def test_a_pdf_edited_by_hand_is_laid_out_again(tmp_path: Path) -> None:
    ws = build_file_tree(tmp_path / "ws", {
        "manual.yaml": manual_yaml(chapters=["alpha"]),
        "chapters": {"alpha.md": chapter_md("Alpha", "Text.\n")},
    })
    ok("-C", ws, "build", "--format", "pdf")
    pdf = ws / "build" / "manual.pdf"
    pages = len(PdfReader(pdf).pages)
    assert "pages, unchanged)" in ok("-C", ws, "build", "--format", "pdf").output
    pdf.write_bytes(pdf.read_bytes()[: pdf.stat().st_size // 2])
    again = ok("-C", ws, "build", "--format", "pdf")
    assert "pages, unchanged)" not in again.output
    assert len(PdfReader(pdf).pages) == pages
