"""A draft's contents laid out while the chapters are, its page numbers written in after.

The contents lists every chapter and section with its page number, so it used to be laid
out only once every chapter was: about 6 s of a 900-page book's cold build, one core idle.
But the page numbers are the only thing it takes from the chapters, and the digits of the
bundled fonts all have one advance: a contents whose entries show other numbers *of the
same number of digits* is the same drawing but for the glyphs of those digits (the leader's
dots end where they would). So the contents is laid out as soon as each entry's number of
digits is known, beside the chapters, with a placeholder in each entry's number; once the
page map is known, each placeholder's glyphs are replaced by those of the entry's page.

The number of digits of an entry is known before its page is: once the chapters before its
own are laid out, or when even the fewest pages those could have (each at least one page,
each part starting on a right-hand page) put it past 99 and the book's estimated length
(pages per character of what is laid out) stays under 1,000. The first chapters are laid out
first (``first``), so that this happens early.

Nothing is taken on trust. The placeholders are used only when the contents made with them
differs from the contents made with the true page numbers in nothing but those numbers
(checked on the HTML), every entry's number has the digits the placeholder had, and the
laid-out PDF shows, page by page, one number run per entry linked on that page, with the
placeholder's digits, as one run of glyphs without kerning, in a font whose ten digits have
one width. Otherwise the contents is laid out again with its true page numbers, as before.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vimanual.pdf.folios import DIGITS, digit_codes, glyph_text
from vimanual.pdf.tocpieces import PIECE, Piece, Toc, cut, joined, linked, split

#: Bump when what ``write_numbers`` writes changes: written contents in the cache then no longer count.
WRITE_VERSION = 1
DATA_PAGE = re.compile(r'data-page="([^"]*)"')
DATA_URI = re.compile(r"data:[^\"')\s]+")
ID = re.compile(r'\sid="([^"]+)"')  # as pdf/layout.py's ID_RE (which imports this module)


class _Asked(Mapping[str, str]):
    """The pages the contents template asks for, in order; it has every id, each page "0"."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str)

    def __getitem__(self, key: str) -> str:
        self.asked.append(key)
        return "0"

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


@dataclass
class EarlyContents:
    """The contents, to be laid out beside the body parts: ``front(pages)`` makes its HTML,
    ``docs`` are the body parts' HTML, in book order."""

    front: Callable[[Mapping[str, str]], str]
    docs: list[str]
    tagged: bool
    # The front matter's margins for its number of pages: laid out too once the contents is,
    # so that the cache holds them when the stitcher asks.
    margins_of: Callable[[int], str] | None = None
    pages: dict[str, str] | None = None  # the placeholders, once the contents went to be laid out
    html: str = ""  # the contents with the placeholders
    # A long untagged contents goes in pieces (pdf/tocpieces.py), each sent once the one before
    # is laid out; else ``pieces`` holds one, the whole contents.
    toc: Toc | None = None
    pieces: list[Piece] = field(default_factory=list)
    broken: bool = False  # a piece could not be cut: the contents is laid out after, whole
    stride: int = PIECE  # entries a piece takes (more where the stylesheet hides some)
    _regrown: int = 0  # pieces laid out again, longer (they showed too few to cut)
    _added: int = 0  # documents ``more`` gave so far
    _dests: dict[int, dict[str, int]] = field(default_factory=dict)
    _margins_sent: bool = False

    # keys, part_of and sizes are read from the documents when first asked for: after a
    # one-chapter edit, that is beside the chapter's layout (Layouts.get asks ``more`` then).
    @functools.cached_property
    def keys(self) -> list[str]:
        """The ids whose page the contents shows, in order."""
        asked = _Asked()
        self.front(asked)
        return list(dict.fromkeys(asked.asked))

    @functools.cached_property
    def part_of(self) -> dict[str, int]:
        """Each of ``keys`` → the index of the body part holding it."""
        wanted, found = set(self.keys), dict[str, int]()
        for index, doc in enumerate(self.docs):
            for ident in ID.findall(doc):
                if ident in wanted:
                    found.setdefault(ident, index)
        return found

    @functools.cached_property
    def sizes(self) -> list[int]:
        """Each part's characters: its body's, images aside."""
        return [len(DATA_URI.sub("", doc.partition("<body")[2])) for doc in self.docs]

    def first(self) -> list[int]:
        """The parts to lay out before the others: the first ones, in order, up to a fifth of
        the book (a contents' numbers change their number of digits on its first pages)."""
        total, running, parts = sum(self.sizes), 0, []
        for index, size in enumerate(self.sizes):
            if running >= total / 5:
                break
            parts.append(index)
            running += size
        return parts

    def more(self, known: dict[int, Any]) -> list[tuple[str, bool]]:
        """``Layouts.get``'s ``more``: the contents with placeholders, once every entry's number
        of digits is known (a long one piece by piece, each once the one before is laid out);
        then, once it is all laid out, the front matter's margins."""
        if self.pages is not None:
            return self._after(known)
        try:
            digits = self._digits(known)
            if digits is None:
                return []
            toc = self._placeholders(digits)
        except Exception:  # noqa: BLE001 - an optimisation: the contents is then laid out after
            return []
        if toc is None or self.tagged or len(toc.entries) <= PIECE:
            return self._send(self.html, Piece(0, 0, 0, 0))
        self.toc = toc
        return self._piece(0, PIECE, 0)

    def _placeholders(self, digits: Mapping[str, int]) -> Toc | None:
        """Make the contents with a placeholder of ``digits[key]`` digits in each entry's number
        (``pages``, ``html``), and return it split into entries (None if it cannot be)."""
        pages = {key: _placeholder(index, digits[key]) for index, key in enumerate(self.keys)}
        html = self.front(pages)
        toc = split(html)
        if toc is not None:  # each kind of entry (its own font) cycles through the ten digits
            from vimanual.pdf.stitch import LINK_SCHEME

            lines = {key for key in self.keys
                     if toc.entries[toc.index.get(LINK_SCHEME + key, 0)][1] is None}
            pages = _cycled(self.keys, digits, lines)
            html = self.front(pages)
            toc = split(html)
        self.pages, self.html = pages, html
        return toc

    def fits(self, folios: Mapping[str, str]) -> bool:
        """Whether each entry's true page (``folios``) has its placeholder's number of digits."""
        return self.pages is not None and all(
            len(folios.get(key, "")) == len(self.pages[key]) for key in self.keys)

    def redo(self, folios: Mapping[str, str]) -> tuple[str, Piece] | None:
        """The contents made again, to be laid out whole, with placeholders of each true page's
        number of digits (``folios``), for when the first ones had too few or too many (the
        book's estimated length was wrong). Laid out and written as the first would have been,
        had it been right: the book's bytes do not depend on when the contents was sent (a
        released edition rebuilds byte for byte). None if it cannot be made."""
        if not all(folios.get(key, "").isdigit() for key in self.keys):
            return None
        try:
            self._placeholders({key: len(folios[key]) for key in self.keys})
        except Exception:  # noqa: BLE001 - an optimisation: the contents is then laid out as is
            return None
        self.toc, self.broken = None, False
        self.pieces = [Piece(0, 0, 0, 0)]
        return self.html, self.pieces[0]

    def _after(self, known: dict[int, Any]) -> list[tuple[str, bool]]:
        """The next piece, once the last one sent is laid out; or, after the last piece, the
        front matter's margins."""
        last = self.pieces[-1]
        laid = known.get(last.index)
        if laid is None or self.broken:
            return []
        if self.toc is not None and last.end < len(self.toc.entries):
            from vimanual.pdf.stitch import LINK_SCHEME

            try:
                where, shown = cut(self.toc, last, laid.path, LINK_SCHEME)
            except Exception:  # noqa: BLE001 - an optimisation: the contents is then laid out after
                where, shown = None, 0
            # entries a piece takes to show about PIECE: some may be hidden (the third level)
            taken = last.end - last.start
            self.stride = max(PIECE, min(2 * taken, round(PIECE * taken / max(shown, 1))))
            if where is None and shown < PIECE // 2 and self._regrown < 3:
                self._regrown += 1  # too few shown to cut: that piece again, longer
                self.pieces.pop()
                return self._piece(last.start, last.start + self.stride, last.offset)
            if where is None:
                self.broken = True
                return []
            last.kept, start = where
            return self._piece(start, start + self.stride, last.offset + last.kept)
        if self.margins_of is None or self._margins_sent:
            return []
        self._margins_sent = True
        try:
            return self._send(self.margins_of(last.offset + laid.pages), None, False)
        except Exception:  # noqa: BLE001 - an optimisation: they are then laid out after
            return []

    def _piece(self, start: int, end: int, offset: int) -> list[tuple[str, bool]]:
        """The piece of the contents from entry ``start`` to ``end`` (at most its last entry),
        whose first page is the contents' page ``offset``, to be laid out."""
        assert self.toc is not None
        end = min(end, len(self.toc.entries))
        return self._send(self.toc.piece(start, end, offset), Piece(start, end, 0, offset))

    def _send(self, html: str, piece: Piece | None, tagged: bool | None = None) -> list[tuple[str, bool]]:
        """``html`` to be laid out (``piece``: which piece of the contents it is)."""
        if piece is not None:
            piece.index = len(self.docs) + self._added
            self.pieces.append(piece)
        self._added += 1
        return [(html, self.tagged if tagged is None else tagged)]

    def laid(self, early: list[Any]) -> list[tuple[Piece, Any]] | None:
        """Each piece with its ``Laid`` (``early``: the layouts of the documents ``more`` gave,
        in order), if the contents was laid out to its end; else None."""
        pieces = [(piece, early[piece.index - len(self.docs)]) for piece in self.pieces
                  if piece.index - len(self.docs) < len(early)]
        if self.broken or not pieces or len(pieces) != len(self.pieces) or pieces[-1][0].kept is not None:
            return None
        if self.toc is not None and pieces[-1][0].end != len(self.toc.entries):
            return None
        return pieces

    def _digits(self, known: dict[int, Any]) -> dict[str, int] | None:
        """The number of digits of each entry's page, if all are known for ``known`` (index →
        ``Laid``); else None."""
        if not self.keys or any(key not in self.part_of for key in self.keys):
            return None
        starts, exact, sheet, certain = [], [], 0, True
        for index in range(len(self.docs)):
            sheet += sheet % 2  # each part starts on a right-hand page
            starts.append(sheet)
            exact.append(certain)
            if index in known:
                sheet += known[index].pages
            else:
                sheet += 1
                certain = False
        laid = [index for index in known if index < len(self.docs)]
        laid_chars, total = sum(self.sizes[i] for i in laid), sum(self.sizes)
        if laid_chars < total / 10:
            return None
        # The book's length: what is laid out, and the rest at its pages per character, a tenth
        # more (and a blank page a part) for safety. Wrong, it costs the contents laid out again.
        laid_pages = sum(known[i].pages for i in laid)
        estimate = (laid_pages + (total - laid_chars) * laid_pages / laid_chars * 1.1
                    + len(self.docs) - len(laid))
        digits: dict[str, int] = {}
        for key in self.keys:
            part = self.part_of[key]
            least = starts[part] + 1
            most = starts[part] + known[part].pages if part in known and exact[part] else int(estimate)
            if len(str(least)) == len(str(max(least, most))):  # the part's pages all have as many
                digits[key] = len(str(least))
                continue
            within = self._within(part, key, known)  # read from the part's PDF: only here
            if within is not None and exact[part]:
                digits[key] = len(str(starts[part] + within + 1))
                continue
            least += within or 0
            if len(str(least)) != len(str(max(least, int(estimate)))):
                return None
            digits[key] = len(str(least))
        return digits

    def _within(self, part: int, key: str, known: dict[int, Any]) -> int | None:
        """The page of ``key`` within its part (from 0), if the part is laid out."""
        if part not in known:
            return None
        if part not in self._dests:
            from vimanual.pdf.layouts import places

            self._dests[part] = {name: page for name, (page, _, _) in places(known[part]).dests.items()}
        return self._dests[part].get(key)

    def write(self, pieces: list[tuple[Piece, Path]], folios: Mapping[str, str], true_html: str,
              target: Path, joining: Path) -> bool:
        """Write to ``target`` the laid-out contents (``pieces``, joined in ``joining`` if more
        than one) with each entry's true page (``folios``: id → page; ``true_html``: the
        contents made with them); False (nothing written) if the placeholders cannot be
        trusted to be the only difference, or the pieces to fit (see the module's docstring)."""
        if self.pages is None:
            return False
        true = {key: folios.get(key, "") for key in self.keys}
        if any(len(true[key]) != len(self.pages[key]) or not true[key].isdigit() for key in self.keys):
            return False
        if not _only_numbers_differ(self.html, true_html, self.pages, self.keys, true):
            return False
        if len(pieces) > 1 and not joined(pieces, joining):
            return False
        return write_numbers(joining if len(pieces) > 1 else pieces[0][1], self.pages, true, target)


def _placeholder(index: int, digits: int) -> str:
    """Entry ``index``'s placeholder: its index in its number of digits (every digit shows)."""
    return str(index % 10**digits).zfill(digits)


def _cycled(keys: list[str], digits: Mapping[str, int], lines: set[str]) -> dict[str, str]:
    """Placeholders whose digits run 0-9 over and over through the chapters' lines (``lines``)
    and, apart, through the sections: the true numbers are written with the glyphs of a font
    the layout used, so each font needs all ten digits drawn, in each piece of the contents."""
    at = {True: 0, False: 0}
    out = {}
    for key in keys:
        kind = key in lines
        out[key] = "".join(str((at[kind] + place) % 10) for place in range(digits[key]))
        at[kind] += digits[key]
    return out


def _only_numbers_differ(made: str, true_html: str, pages: Mapping[str, str], keys: list[str],
                         true: Mapping[str, str]) -> bool:
    """Whether ``true_html`` is ``made`` (the contents with ``pages``) with each entry's
    data-page attribute, in order, holding its true page instead."""
    shown = DATA_PAGE.findall(made)
    if shown != [pages[key] for key in keys]:
        return False
    values = iter(true[key] for key in keys)
    return DATA_PAGE.sub(lambda _: f'data-page="{next(values)}"', made) == true_html


@dataclass
class _Run:
    """An entry's number in a content stream: the TJ instruction and its glyph codes."""

    instruction: int
    font: str
    codes: list[bytes]


def write_numbers(laid: Path, pages: Mapping[str, str], true: Mapping[str, str], target: Path) -> bool:
    """The contents PDF ``laid`` with each entry's placeholder (``pages``: id → placeholder)
    drawn as its true page (``true``), written to ``target``; False if not found exactly."""
    import pikepdf

    from vimanual.pdf.stitch import LINK_SCHEME

    with pikepdf.open(laid) as pdf:
        changes: dict[int, dict[int, Any]] = {}
        parsed: dict[int, list[Any]] = {}
        for number, page in enumerate(pdf.pages):
            entries: list[str] = []
            for ident in linked(page, LINK_SCHEME):
                if ident in pages and (not entries or entries[-1] != ident):
                    entries.append(ident)
            fonts = _fonts(page)
            instructions = list(pikepdf.parse_content_stream(page))
            runs = list(_number_runs(instructions, fonts))
            if len(runs) != len(entries):
                return False
            for run, ident in zip(runs, entries, strict=True):
                font = fonts[run.font]
                if "".join(font.text[code] for code in run.codes) != pages[ident]:
                    return False
                if not font.tabular or any(digit not in font.codes for digit in true[ident]):
                    return False
                changes.setdefault(number, {})[run.instruction] = [font.codes[d] for d in true[ident]]
            if runs:
                parsed[number] = instructions
        for number, replace in changes.items():
            instructions = parsed[number]
            for index, codes in replace.items():
                array = instructions[index].operands[0]
                glyphs = iter(codes)
                items = [pikepdf.String(b"".join(next(glyphs) for _ in range(len(bytes(item)) // 2)))
                         if isinstance(item, pikepdf.String) else item for item in array]
                instructions[index] = pikepdf.ContentStreamInstruction(
                    [pikepdf.Array(items)], pikepdf.Operator("TJ"))
            pdf.pages[number].Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))
        pdf.save(target)
    return True


@dataclass
class _Font:
    """A font of a page: its glyph codes' text, the codes of the digits, and whether the ten
    digits all have one width."""

    text: dict[bytes, str]
    codes: dict[str, bytes]
    tabular: bool
    dots: frozenset[bytes] = frozenset()  # the codes whose text is dots only
    blank: frozenset[bytes] = frozenset()  # the codes whose text is empty

    def __post_init__(self) -> None:
        self.dots = frozenset(code for code, text in self.text.items() if text and set(text) == {"."})
        self.blank = frozenset(code for code, text in self.text.items() if not text)

    def draws_dots(self, codes: list[bytes]) -> bool:
        """Whether the text of ``codes`` is dots only, and some (a leader)."""
        drawn = set(codes)
        return drawn <= self.dots | self.blank and not drawn.isdisjoint(self.dots)


def _fonts(page: Any) -> dict[str, _Font]:
    import pikepdf

    from vimanual.pdf.fonts import cid_widths

    found: dict[str, _Font] = {}
    resources = page.obj.get("/Resources", {}).get("/Font", {})
    for name, text in glyph_text(page).items():
        codes = digit_codes(text)
        descendants = resources[name].get("/DescendantFonts")
        cid_font = descendants[0] if isinstance(descendants, pikepdf.Array) and len(descendants) else None
        widths = cid_widths(cid_font) if isinstance(cid_font, pikepdf.Dictionary) else {}
        digit_widths = {widths.get(int.from_bytes(code, "big")) for code in codes.values()}
        found[str(name)] = _Font(text, codes, len(codes) == 10 and len(digit_widths) == 1
                                 and None not in digit_widths)
    return found


def _number_runs(instructions: list[Any], fonts: dict[str, _Font]) -> Iterator[_Run]:
    """Each entry's number on a page: the last run of glyphs of a text object, all digits, right
    after a run of dots only (the leader), with no kerning between the digits. The leader is
    the run before it in the same text object (an untagged PDF), or the last run of the text
    object before, with only marked-content operators between the two (a tagged PDF draws
    each inline box in a text object of its own, in its own marked content)."""
    font = ""
    shown: list[tuple[int, str, list[bytes], bool]] = []  # the text object's runs so far
    before: tuple[int, str, list[bytes], bool] | None = None  # the last text object's last run
    inside = False  # in a text object
    for index, instruction in enumerate(instructions):
        op = str(instruction.operator)
        if op == "BT":
            shown, inside = [], True
        elif op == "Tf":
            font = str(instruction.operands[0])
        elif op == "TJ" and font in fonts:
            shown.append((index, font, *glyph_codes(instruction.operands[0])))
        elif op in ("Tj", "'", '"'):
            shown.append((index, font, [], True))  # not how WeasyPrint draws: never a number
        elif op == "ET":
            runs = shown if len(shown) >= 2 or before is None else [before, *shown]
            before, shown, inside = (shown[-1] if shown else None), [], False
            if len(runs) < 2 or runs[-1][1] not in fonts or runs[-2][1] not in fonts:
                continue
            (index_, font_, codes, kerned), (_, leader_font, dots, _) = runs[-1], runs[-2]
            if not fonts[leader_font].draws_dots(dots):
                continue
            text = "".join(fonts[font_].text.get(code, "?") for code in codes)
            if text and set(text) <= set(DIGITS) and not kerned:
                yield _Run(index_, font_, codes)
        elif not inside and op not in _MARKED_CONTENT:  # drawn between two text objects
            before = None


def glyph_codes(array: Any) -> tuple[list[bytes], bool]:
    """A TJ array's glyph codes (each string's bytes two by two) and whether a number after its
    first string moves a glyph (kerning). Read from the array as qpdf writes it when its items
    are hex strings of whole codes and numbers (WeasyPrint draws so: a glyph, its width
    correction, …): reading the items one by one through pikepdf cost ten times as much (a
    leader is 200 of them). Anything else is read item by item."""
    import pikepdf

    written = array.unparse()
    if _HEX_ARRAY.fullmatch(written):
        data = bytes.fromhex(b"".join(_HEX.findall(written)).decode("ascii"))
        first = written.find(b"<")
        numbers = set(_HEX.sub(b" ", written[first:] if first >= 0 else b"")[:-1].split()) - {b"0"}
        return [data[at:at + 2] for at in range(0, len(data), 2)], any(float(n) != 0 for n in numbers)
    codes: list[bytes] = []
    kerned, strings_seen = False, 0
    for item in array:
        if isinstance(item, pikepdf.String):
            data = bytes(item)
            codes += [data[at:at + 2] for at in range(0, len(data) - 1, 2)]
            strings_seen += 1
        elif strings_seen and float(item) != 0:
            kerned = True
    return codes, kerned


#: A TJ array as qpdf writes it, each item a hex string of whole two-byte codes or a number
#: (``glyph_codes``).
_HEX_ARRAY = re.compile(rb"\[(?: (?:<(?:[0-9a-fA-F]{4})*>|[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)))* \]")
_HEX = re.compile(rb"<([0-9a-fA-F]*)>")


#: Operators that only mark content (tagged PDF), drawing nothing.
_MARKED_CONTENT = frozenset({"BDC", "BMC", "EMC", "MP", "DP"})
