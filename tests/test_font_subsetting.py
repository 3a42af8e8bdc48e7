"""The lean font subsetting of the layout workers gives the same bytes as fontTools' own.

vimanual/pdf/weasy.py deletes GSUB and GPOS (and, as GPOS's presence decides, the legacy
'kern' table) before fontTools subsets a face, because fontTools reads both tables before
dropping them. The subset must be byte-for-byte what fontTools makes unpatched, or released
editions would no longer rebuild to the same bytes: compared here on every bundled face,
with WeasyPrint's subsetting options and glyph sets drawn by Hypothesis.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from fontTools import subset
from fontTools.ttLib import TTFont
from hypothesis import given, settings
from hypothesis import strategies as st

from vimanual.pdf.weasy import FONT_TIMESTAMP, lean_font_subsetting

FONTS = sorted((Path(__file__).parents[1] / "vimanual" / "defaults" / "styles" / "fonts").glob("*.ttf"))


def _subset(data: bytes, gids: set[int], hinting: bool, notdef: bool, method: object) -> bytes:
    """``data`` subset as WeasyPrint asks fontTools to (weasyprint/pdf/fonts.py), by ``method``."""
    options = subset.Options(retain_gids=True, passthrough_tables=True, ignore_missing_glyphs=True,
                             hinting=hinting, desubroutinize=True, notdef_outline=notdef)
    options.drop_tables += ["GSUB", "GPOS", "SVG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=gids)
    font = TTFont(io.BytesIO(data))
    method(subsetter, font)  # type: ignore[operator]
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def methods() -> tuple[object, object]:
    """(fontTools' own Subsetter.subset, the lean one), with the workers' fixed font time."""
    os.environ["SOURCE_DATE_EPOCH"] = FONT_TIMESTAMP
    lean_font_subsetting()
    lean = subset.Subsetter.subset
    return lean.unpatched, lean  # type: ignore[attr-defined]


def test_every_bundled_face_has_layout_tables_to_skip() -> None:
    """The comparison below means something: the faces carry GSUB or GPOS (and some 'kern')."""
    assert FONTS
    tables = [set(TTFont(path, lazy=True).keys()) for path in FONTS]
    assert all({"GSUB", "GPOS"} & found for found in tables)
    assert any("kern" in found for found in tables)


@pytest.mark.parametrize("path", FONTS, ids=lambda p: p.name)
@settings(max_examples=6)
@given(data=st.data(), hinting=st.booleans(), notdef=st.booleans())
def test_lean_subset_is_the_same_bytes(methods: tuple[object, object], path: Path, data: st.DataObject,
                                       hinting: bool, notdef: bool) -> None:
    unpatched, lean = methods
    font = path.read_bytes()
    count = TTFont(io.BytesIO(font), lazy=True)["maxp"].numGlyphs
    gids = data.draw(st.sets(st.integers(0, count + 20), min_size=1, max_size=300))
    assert _subset(font, gids, hinting, notdef, lean) == _subset(font, gids, hinting, notdef, unpatched)
