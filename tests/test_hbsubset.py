"""A draft's fonts, and a new edition's, are subset by uharfbuzz's HarfBuzz
(vimanual/pdf/hbsubset.py); an edition's rebuild uses the subsetter its manifest records.

The stitcher merges the chapters' subsets of a face by glyph id (pdf/fontunion.py), so a
subset must keep every drawn glyph at its id with its outline and advance, and blank the
others: checked on every bundled face with glyph sets drawn by Hypothesis. A document laid
out both ways draws the same glyphs at the same places, with fonts subset either way.
"""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest
from fontTools.ttLib import TTFont
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import small_workspace
from tests.pdfhtml import bundled_styles_document, drawn_glyphs
from vimanual.book.plan import DEFAULT_STYLES
from vimanual.pdf.hbsubset import subset_program
from vimanual.pdf.weasy import render_pdf

FONTS = sorted((DEFAULT_STYLES / "fonts").glob("*.ttf"))


def _outline(font: TTFont, gid: int) -> tuple[object, ...]:
    """What glyph ``gid`` draws: its points, contour ends and on-curve flags, and its advance."""
    glyf = font["glyf"]
    name = font.getGlyphOrder()[gid]
    coordinates, ends, flags = glyf[name].getCoordinates(glyf)
    return list(coordinates), list(ends), [flag & 1 for flag in flags], font["hmtx"][name][0]


@pytest.mark.parametrize("path", FONTS, ids=lambda p: p.name)
@settings(max_examples=8, deadline=None)
@given(data=st.data(), hinting=st.booleans())
def test_subset_keeps_each_drawn_glyph_at_its_id(path: Path, data: st.DataObject, hinting: bool) -> None:
    original = TTFont(path)
    count = original["maxp"].numGlyphs
    drawn = data.draw(st.sets(st.integers(1, count - 1), min_size=1, max_size=60))
    program = subset_program(path.read_bytes(), 0, drawn, hinting, notdef=False)
    assert program is not None
    subset = TTFont(io.BytesIO(program))
    assert len(program) < path.stat().st_size / 2
    assert subset["maxp"].numGlyphs >= max(drawn) + 1  # ids kept (components may follow)
    for gid in drawn:
        assert _outline(subset, gid) == _outline(original, gid), gid
    # every other slot up to the highest drawn id (but .notdef, whose outline goes unless a
    # character is missing) is blank (no outline, no advance) or, for a component or a glyph
    # HarfBuzz's closure keeps, the original glyph: never another one
    kept = 0
    for gid in range(1, max(drawn) + 1):
        name = subset.getGlyphOrder()[gid]
        if subset["glyf"][name].numberOfContours == 0 and subset["hmtx"][name][0] == 0:
            continue
        assert _outline(subset, gid) == _outline(original, gid), gid
        kept += 1
    assert kept <= len(drawn) + max(drawn) // 4  # most slots blank
    assert "GSUB" not in subset and "GPOS" not in subset


def _chapter_document() -> str:
    body = "".join(
        f"<h2>Section {n}</h2><p>Sample text with <em>emphasis</em>, <strong>strong words</strong>, "
        f"<code>code_{n}()</code> and accents: é, ü, ø, ß, “quotes” — dashes.</p>" for n in range(1, 30))
    return bundled_styles_document(f'<article class="chapter" id="c"><h1>Chapter</h1>{body}</article>')


def test_a_document_subset_either_way_draws_the_same(tmp_path: Path) -> None:
    document = _chapter_document()
    made = {}
    for subsetter in ("fonttools", "uharfbuzz"):
        made[subsetter] = tmp_path / f"{subsetter}.pdf"
        render_pdf(document, DEFAULT_STYLES, [DEFAULT_STYLES], made[subsetter], tagged=False,
                   font_subsetter=subsetter)
    with pikepdf.open(made["fonttools"]) as one, pikepdf.open(made["uharfbuzz"]) as other:
        assert len(one.pages) == len(other.pages) >= 2
        pages = len(one.pages)
        programs = [{str(font.BaseFont).split("+")[-1]:
                     font.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes()
                     for _, font in pdf.pages[0].Resources.Font.items()} for pdf in (one, other)]
    assert programs[0].keys() == programs[1].keys() and len(programs[0]) >= 4  # sans, serif, italic, mono...
    for name, data in programs[1].items():
        assert data != programs[0][name]  # another subsetter made it
        assert len(data) < 100_000  # a subset, not the whole face
    for page in range(pages):
        fonttools = drawn_glyphs(made["fonttools"], page)[0]
        harfbuzz = drawn_glyphs(made["uharfbuzz"], page)[0]
        assert [(g.font, g.gid, g.char, round(g.x, 3), round(g.y, 3)) for g in fonttools] == [
            (g.font, g.gid, g.char, round(g.x, 3), round(g.y, 3)) for g in harfbuzz]


def test_drafts_and_new_editions_subset_with_uharfbuzz_and_a_rebuild_as_recorded(tmp_path: Path) -> None:
    from vimanual.book.plan import BuildOptions, ReleaseInfo, plan_build
    from vimanual.workspace.load import load_workspace

    root = small_workspace(tmp_path / "ws")
    workspace = load_workspace(root)
    assert plan_build(workspace, BuildOptions()).pdf_request("parts").font_subsetter == "uharfbuzz"
    release = ReleaseInfo("1.0", "2026-11-28")
    released = plan_build(workspace, BuildOptions(release=release))
    assert released.pdf_request("parts").font_subsetter == "uharfbuzz"
    # a released edition's rebuild uses what its manifest recorded
    for recorded in ("fonttools", "harfbuzz"):
        rebuild = BuildOptions(release=release, font_subsetter=recorded)
        assert plan_build(workspace, rebuild).pdf_request("parts").font_subsetter == recorded
