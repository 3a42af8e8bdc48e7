"""A draft's fonts subset by HarfBuzz, from the uharfbuzz wheel (in the layout workers).

WeasyPrint subsets every face of every document it writes. Without the system's
libharfbuzz-subset it uses fontTools, 30-70 ms a face even lean (pdf/weasy.py): on real
documentation, 17.5 of the 62 CPU s that laying out 82 documents took. HarfBuzz's
subsetter does the same in about 1 ms. The uharfbuzz wheel carries it, so every machine
has it. ``uharfbuzz_subsetting`` makes WeasyPrint's ``Font.subset`` do what WeasyPrint's
own HarfBuzz path does (weasyprint/pdf/fonts.py ``_harfbuzz_subset``: keep the glyph ids,
drop the same tables, then keep the ids up to the highest drawn), with uharfbuzz's
HarfBuzz instead of the system's. The stitcher merges such subsets as it merges
WeasyPrint's (pdf/fontunion.py).

Drafts, and editions released since (their manifests record "uharfbuzz" and the uharfbuzz
version; an edition recorded with another subsetter is rebuilt with that one, byte for
byte). A face HarfBuzz cannot subset is subset by fontTools, as before.
"""

from __future__ import annotations

from typing import Any

#: The tables WeasyPrint's HarfBuzz path drops (weasyprint/pdf/fonts.py).
DROPPED = ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT", "SVG ")
TAGS = tuple(int.from_bytes(tag.encode("ascii"), "big") for tag in DROPPED)


def available() -> bool:
    """Whether the uharfbuzz wheel is installed (it is a dependency; a platform without a
    wheel for it subsets with fontTools)."""
    try:
        import uharfbuzz  # noqa: F401
    except ImportError:
        return False
    return True


def uharfbuzz_subsetting(enabled: bool) -> None:
    """Make WeasyPrint subset with uharfbuzz in this process (or, ``enabled`` False, stop)."""
    from weasyprint.pdf import fonts

    from vimanual.pdf.patches import replace_in_weasyprint

    def make(real: Any) -> Any:
        def subset(self: Any, to_unicode: Any, hinting: bool) -> None:
            if not to_unicode:
                return
            data = subset_program(self.file_content, self.index, to_unicode, hinting, bool(self.missing))
            if data is None:
                real(self, to_unicode, hinting)
            else:
                self.file_content = data

        return subset

    replace_in_weasyprint(fonts.Font, "subset", enabled and available(), make)


def subset_program(data: bytes, index: int, glyphs: Any, hinting: bool, notdef: bool) -> bytes | None:
    """The font program ``data`` (face ``index``) subset to the glyph ids ``glyphs`` as
    WeasyPrint's HarfBuzz path does, or None if HarfBuzz cannot."""
    import uharfbuzz as hb

    flags = hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED | hb.SubsetFlags.DESUBROUTINIZE
    if notdef:
        flags |= hb.SubsetFlags.NOTDEF_OUTLINE
    drawn = sorted(int(gid) for gid in glyphs)

    def subset_input(keep: Any, extra: Any) -> Any:
        wanted = hb.SubsetInput()
        wanted.glyph_set.update(keep)
        wanted.flags = flags | extra
        dropped = wanted.sets(hb.SubsetInputSets.DROP_TABLE_TAG)
        dropped.update(TAGS)  # added to HarfBuzz's own list, as WeasyPrint does
        return wanted

    try:
        face = hb.Face(hb.Blob(data), index)
        kept = hb.subset(face, subset_input(drawn, hb.SubsetFlags.RETAIN_GIDS))
        if kept is None:
            return None
        # then only the ids up to the highest drawn (components above it move down next to it)
        final = hb.subset(kept, subset_input(range(drawn[-1] + 1),
                                             hb.SubsetFlags(0) if hinting else hb.SubsetFlags.NO_HINTING))
    except (ValueError, TypeError, RuntimeError):
        return None
    if final is None:
        return None
    program = bytes(final.blob.data)
    return program or None
