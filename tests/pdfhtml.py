"""Read the outputs as a user would check them: PDF text, outline, fonts; HTML elements."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from pypdf import PdfReader


def pdf_pages_text(path: Path) -> list[str]:
    reader = PdfReader(str(path))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def pdf_outline_titles(path: Path) -> list[str]:
    reader = PdfReader(str(path))
    titles: list[str] = []

    def walk(items: list) -> None:  # type: ignore[type-arg]
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(" ".join(item.title.split()))

    walk(reader.outline)
    return titles


def pdf_font_names(path: Path) -> set[str]:
    """Base names of the fonts embedded in the PDF (those with a font file)."""
    reader = PdfReader(str(path))
    names: set[str] = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descriptors = [font.get("/FontDescriptor")]
            for child in font.get("/DescendantFonts", []) or []:
                descriptors.append(child.get_object().get("/FontDescriptor"))
            for desc in descriptors:
                if desc is None:
                    continue
                desc = desc.get_object()
                if any(key in desc for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                    names.add(str(font.get("/BaseFont")))
    return names


@dataclass
class ParsedHtml:
    ids: list[str] = field(default_factory=list)
    hrefs: list[str] = field(default_factory=list)
    srcs: list[str] = field(default_factory=list)
    tags: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    text: str = ""


def parse_html(path_or_text: Path | str) -> ParsedHtml:
    text = path_or_text.read_text("utf-8") if isinstance(path_or_text, Path) else path_or_text
    parsed = ParsedHtml()
    chunks: list[str] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            attributes = dict(attrs)
            parsed.tags.append((tag, attributes))
            if attributes.get("id"):
                parsed.ids.append(str(attributes["id"]))
            if attributes.get("href") is not None:
                parsed.hrefs.append(str(attributes["href"]))
            if attributes.get("src") is not None:
                parsed.srcs.append(str(attributes["src"]))

        def handle_data(self, data: str) -> None:
            chunks.append(data)

    Parser().feed(text)
    parsed.text = " ".join(" ".join(chunks).split())
    return parsed


@dataclass(frozen=True)
class DrawnGlyph:
    """One glyph a page draws: its font (without subset tag), id, character, where it starts
    and how far it advances (in the page's drawing units: CSS px for WeasyPrint's pages)."""

    font: str
    gid: int
    char: str
    x: float
    y: float
    advance: float


def _type0_widths(font: Any) -> dict[int, float]:
    """Glyph id → advance (thousandths of the font size), from a Type 0 font's /W array."""
    import pikepdf

    widths: dict[int, float] = {}
    array = list(font.DescendantFonts[0].get("/W", []))
    at = 0
    while at < len(array):
        first = int(array[at])
        if isinstance(array[at + 1], pikepdf.Array):
            for offset, width in enumerate(array[at + 1]):
                widths[first + offset] = float(width)
            at += 2
        else:
            for gid in range(first, int(array[at + 1]) + 1):
                widths[gid] = float(array[at + 2])
            at += 3
    return widths


def drawn_glyphs(path: Path, page: int) -> tuple[list[DrawnGlyph], int]:
    """Every glyph drawn on ``page`` (0-based) of a WeasyPrint PDF, where it starts, and how
    many text-showing operators (TJ) drew them all: exact positions, from the content stream."""
    import pikepdf

    from vimanual.pdf.fonts import read_to_unicode

    glyphs: list[DrawnGlyph] = []
    draws = 0
    with pikepdf.open(path) as pdf:
        sheet = pdf.pages[page]
        fonts = {}
        for name, font in sheet.Resources.Font.items():
            unicode = font.get("/ToUnicode")
            chars = ({code: text.decode("utf-16-be", "replace")
                      for code, text in read_to_unicode(unicode.read_bytes()).items()}
                     if unicode is not None else {})
            fonts[str(name)] = (str(font.BaseFont).split("+")[-1], _type0_widths(font), chars)
        font_name, size, x, y, line = "", 0.0, 0.0, 0.0, (0.0, 0.0)
        for instruction in pikepdf.parse_content_stream(sheet):
            operands, op = instruction.operands, str(instruction.operator)
            if op == "Tf":
                font_name, size = str(operands[0]), float(operands[1])
            elif op == "Tm":
                x, y = line = float(operands[4]), float(operands[5])
            elif op == "Td":
                x, y = line = line[0] + float(operands[0]), line[1] + float(operands[1])
            elif op == "TJ":
                draws += 1
                name, widths, chars = fonts[font_name]
                for item in operands[0]:
                    if isinstance(item, pikepdf.String):
                        data = bytes(item)
                        for at in range(0, len(data), 2):
                            gid = int.from_bytes(data[at:at + 2], "big")
                            advance = widths.get(gid, 0.0) * size / 1000
                            glyphs.append(DrawnGlyph(name, gid, chars.get(gid, ""), x, y, advance))
                            x += advance
                    else:
                        x -= float(item) * size / 1000
    return glyphs, draws


def bundled_styles_document(body: str, extra_css: str = "", title: str = "test") -> str:
    """A whole HTML document of ``body``, styled as the PDF build styles a chapter with the
    bundled stylesheets (fonts.css, base.css, print.css), then ``extra_css``; for laying out
    with ``render_pdf`` from ``DEFAULT_STYLES``."""
    from vimanual.book.plan import DEFAULT_STYLES

    styles = "".join((DEFAULT_STYLES / name).read_text(encoding="utf-8")
                     for name in ("fonts.css", "base.css", "print.css"))
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>{styles}{extra_css}</style></head><body>{body}</body></html>")


def render_with_change(tmp_path: Path, document: str, change: Callable[[bool], None], on: bool,
                       counter: list[int], tagged: bool = False) -> tuple[bytes, int]:
    """``document`` laid out from the bundled styles with one of our changes to WeasyPrint on or
    off (``change(on)``, off again after): the PDF's bytes, and how far the change's ``counter``
    (what it counts as it works) moved."""
    from vimanual.book.plan import DEFAULT_STYLES
    from vimanual.pdf.weasy import render_pdf

    target = tmp_path / f"doc-{on}-{tagged}.pdf"
    before = counter[0]
    change(on)
    try:
        render_pdf(document, DEFAULT_STYLES, [DEFAULT_STYLES], target, tagged=tagged, identifier="0" * 32)
    finally:
        change(False)
    return target.read_bytes(), counter[0] - before
