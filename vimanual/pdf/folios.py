"""A draft's margin pages, laid out once per kind of page and reused with only the numbers
changed.

Each page's margins (running head, marking, "page N of M", the DRAFT watermark) cost
WeasyPrint about 6-7 ms a page when every page is laid out (pdf/margins.margin_document).
Most pages differ only in N: the pages of one chapter have the same head, and the digits of
the bundled fonts all have one advance, so "page 12 of 629" and "page 47 of 629" are the
same drawing but for the glyph ids of the digits. So one margin page is laid out per
distinct (head, kind of page, number of digits in N and in M), its folio written with
*sentinel* digits (say "page 33 of 777"), plus one page that shows every digit so that the
document's font subset holds them all. Each book page is then a copy of its pattern whose
sentinel glyphs are replaced by the glyphs of its own digits.

A pattern is used only when its sentinels are found exactly where they must be: each
sentinel digit as a glyph of its own, nowhere else on the page, in one run, with no
kerning inside the run, and every digit mapped in the font. Otherwise (a head or marking
holding the same digits, a script shaped otherwise, a font with proportional figures) that
pattern's pages are laid out whole, as before; the result is the same drawing either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DIGITS = "0123456789"
#: Kinds of page (pdf/margins.py): the head shows on PAGE only, the folio on PAGE and OPENER.
PAGE, OPENER, BLANK = "page", "opener", "blank"


@dataclass
class FolioPlan:
    """Which sheets to lay out, and how each book page is made from them."""

    sheets: list[tuple[str, str, str]] = field(default_factory=list)  # (head, folio, kind)
    sentinels: dict[int, tuple[str, str]] = field(default_factory=dict)  # sheet → (N, M) it shows
    uses: list[tuple[int, str, str]] = field(default_factory=list)  # per book page: (sheet, N, M)
    digit_sheet: int = -1  # the sheet showing every digit (-1: none); the last sheet

    def pieces(self, limit: int) -> tuple[list[list[tuple[str, str, str]]], int]:
        """The sheets as documents of at most ``limit`` sheets each, as even as can be, each
        with the digit sheet last (a document's fonts are subset on their own): (each
        document's sheets, how many of the plan's sheets each holds before its digit sheet)."""
        own = self.sheets[: self.digit_sheet] if self.digit_sheet >= 0 else self.sheets
        digits = self.sheets[self.digit_sheet:] if self.digit_sheet >= 0 else []
        size = max(1, -(-len(own) // max(1, -(-len(own) // limit))))
        return [own[at: at + size] + digits for at in range(0, max(len(own), 1), size)], size


def plan_folios(pages: Sequence[tuple[str, str]], folio: str, fixed_text: str) -> FolioPlan:
    """The sheets for ``pages`` (running head, kind), numbered 1 … len(pages) of len(pages).

    ``folio`` is the folio's format ("page {n} of {total}"); ``fixed_text`` all the other
    text the margins show (marking, edition label, watermark), whose digits cannot be
    sentinels. A page whose head leaves fewer than two digits free is laid out whole.
    """
    plan = FolioPlan()
    total = str(len(pages))
    seen: dict[tuple[str, str, int], int] = {}
    taken = set(folio.replace("{n}", "").replace("{total}", "") + fixed_text)
    for number, (head, kind) in enumerate(pages, start=1):
        n = str(number)
        if kind == BLANK:  # the marking alone: one sheet for every blank page
            if ("", BLANK, 0) not in seen:
                seen[("", BLANK, 0)] = len(plan.sheets)
                plan.sheets.append(("", "", BLANK))
            plan.uses.append((seen[("", BLANK, 0)], "", ""))
            continue
        shown = head if kind == PAGE else ""  # an opener shows no head
        free = [digit for digit in DIGITS if digit not in taken | set(shown)]
        if len(free) < 2:
            plan.uses.append((len(plan.sheets), "", ""))
            plan.sheets.append((head, folio.format(n=n, total=total), kind))
            continue
        key = (shown, kind, len(n))
        if key not in seen:
            seen[key] = len(plan.sheets)
            sentinel = (free[0] * len(n), free[1] * len(total))
            plan.sentinels[len(plan.sheets)] = sentinel
            plan.sheets.append((shown, folio.format(n=sentinel[0], total=sentinel[1]), kind))
        plan.uses.append((seen[key], n, total))
    if plan.sentinels:
        plan.digit_sheet = len(plan.sheets)
        plan.sheets.append(("", folio.format(n=DIGITS, total=DIGITS), PAGE))
    return plan


@dataclass
class _Pattern:
    """A pattern page, parsed: its instructions, and where each sentinel glyph is."""

    instructions: list[Any]
    font: str  # resource name of the folio's font
    # (instruction index, element index in its TJ array) of each sentinel glyph, in the
    # order the run is drawn, for N and for M
    n_slots: list[tuple[int, int]]
    total_slots: list[tuple[int, int]]


def expand(laid: Path | Sequence[Path], plan: FolioPlan, target: Path, size: int = 0) -> bool:
    """Write ``target``: one margin page per book page, from the sheets laid out in ``laid``
    (or in several documents of ``size`` sheets each and the digit sheet: ``FolioPlan.pieces``).

    False (and nothing written) if a pattern's sentinels are not found exactly: the pages
    must then be laid out whole (``pdf/margins.margin_document``).
    """
    import contextlib

    import pikepdf

    paths = [laid] if isinstance(laid, Path) else list(laid)
    size = size or len(plan.sheets)
    with contextlib.ExitStack() as stack:
        pdfs = [stack.enter_context(pikepdf.open(path)) for path in paths]
        glyphs = [_digit_glyphs(pdf.pages[-1]) if plan.digit_sheet >= 0 else {} for pdf in pdfs]
        patterns: dict[int, tuple[_Pattern, dict[str, bytes]]] = {}
        for sheet, (sentinel_n, sentinel_total) in plan.sentinels.items():
            piece, at = divmod(sheet, size)
            pattern = _parse(pdfs[piece].pages[at], sentinel_n, sentinel_total, glyphs[piece])
            if pattern is None:
                return False
            patterns[sheet] = pattern, glyphs[piece][pattern.font]
        out = pdfs[0]
        sheets: dict[int, Any] = {}
        for sheet in sorted({sheet for sheet, _, _ in plan.uses}):
            piece, at = divmod(sheet, size)
            if piece:  # a sheet of another document: copied in once
                out.pages.append(pdfs[piece].pages[at])
            sheets[sheet] = out.pages[-1] if piece else out.pages[at]
        laid_out = len(out.pages)
        for sheet, n, total in plan.uses:
            out.pages.append(sheets[sheet])
            if sheet in patterns:
                pattern, digits = patterns[sheet]
                out.pages[-1].Contents = out.make_stream(_patched(pattern, n, total, digits))
        del out.pages[:laid_out]
        out.save(target)
    return True


def glyph_text(sheet: Any) -> dict[str, dict[bytes, str]]:
    """Per font resource of a page (that has a ToUnicode map): glyph (2-byte code) → its text."""
    from vimanual.pdf.fonts import read_to_unicode

    found: dict[str, dict[bytes, str]] = {}
    for name, font in sheet.obj.get("/Resources", {}).get("/Font", {}).items():
        unicode = font.get("/ToUnicode")
        if unicode is not None:
            found[str(name)] = {code.to_bytes(2, "big"): text.decode("utf-16-be", "replace")
                                for code, text in read_to_unicode(unicode.read_bytes()).items()}
    return found


def digit_codes(text: dict[bytes, str]) -> dict[str, bytes]:
    """Digit → its glyph, from a font's ``glyph_text`` (the last glyph of a digit wins)."""
    return {value: code for code, value in text.items() if value in DIGITS}


def _digit_glyphs(sheet: Any) -> dict[str, dict[str, bytes]]:
    """Per font resource: digit → its glyph (2-byte code), from the fonts' ToUnicode maps."""
    return {name: digit_codes(text) for name, text in glyph_text(sheet).items()}


def _parse(sheet: Any, sentinel_n: str, sentinel_total: str,
           glyphs: dict[str, dict[str, bytes]]) -> _Pattern | None:
    """The pattern ``sheet`` parsed, or None if its sentinels are not found exactly: each
    sentinel digit a glyph of its own, in one font that maps every digit, and all of one
    sentinel in one run of one TJ with no kerning inside."""
    import pikepdf

    instructions = list(pikepdf.parse_content_stream(sheet))
    font = ""
    runs: dict[str, list[tuple[int, int, str]]] = {sentinel_n[0]: [], sentinel_total[0]: []}
    for index, instruction in enumerate(instructions):
        operands, op = instruction.operands, str(instruction.operator)
        if op == "Tf":
            font = str(operands[0])
        elif op in ("Tj", "'", '"'):
            return None  # WeasyPrint draws with TJ; anything else is not understood here
        elif op == "TJ":
            digits = glyphs.get(font, {})
            for element, item in enumerate(operands[0]):
                if not isinstance(item, pikepdf.String):
                    continue
                data = bytes(item)
                for digit, run in runs.items():
                    code = digits.get(digit)
                    if code is None:
                        continue
                    if any(data[at:at + 2] == code for at in range(0, len(data) - 1, 2)):
                        if len(data) != 2:
                            return None  # the digit is part of a cluster of glyphs
                        run.append((index, element, font))
    fonts = {font for run in runs.values() for _, _, font in run}
    if len(fonts) != 1 or set(glyphs.get(next(iter(fonts)), {})) != set(DIGITS):
        return None
    slots = []
    for sentinel in (sentinel_n, sentinel_total):
        run = runs[sentinel[0]]
        if len(run) != len(sentinel) or not _one_run(instructions, run):
            return None
        slots.append([(index, element) for index, element, _ in run])
    return _Pattern(instructions, next(iter(fonts)), slots[0], slots[1])


def _one_run(instructions: list[Any], run: list[tuple[int, int, str]]) -> bool:
    """Whether the glyphs are drawn one after another in one TJ, with no kerning between."""
    indexes = {index for index, _, _ in run}
    if len(indexes) != 1:
        return False
    array = instructions[run[0][0]].operands[0]
    elements = [element for _, element, _ in run]
    import pikepdf

    for element in range(elements[0], elements[-1] + 1):
        item = array[element]
        if element in elements:
            continue
        if isinstance(item, pikepdf.String) or float(item) != 0:
            return False  # another glyph, or kerning, inside the run
    return True


def _patched(pattern: _Pattern, n: str, total: str, digits: dict[str, bytes]) -> bytes:
    """The pattern's content stream with the sentinel glyphs replaced by ``n`` and ``total``."""
    import pikepdf

    replace: dict[tuple[int, int], bytes] = {}
    for slots, value in ((pattern.n_slots, n), (pattern.total_slots, total)):
        for slot, digit in zip(slots, value, strict=True):
            replace[slot] = digits[digit]
    arrays: dict[int, list[Any]] = {}
    for index, element in replace:
        arrays.setdefault(index, list(pattern.instructions[index].operands[0]))
        arrays[index][element] = pikepdf.String(replace[(index, element)])
    instructions = [
        pikepdf.ContentStreamInstruction([pikepdf.Array(arrays[i])], pikepdf.Operator("TJ"))
        if i in arrays else instruction
        for i, instruction in enumerate(pattern.instructions)
    ]
    return pikepdf.unparse_content_stream(instructions)
