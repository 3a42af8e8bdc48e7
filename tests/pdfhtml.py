"""Read the outputs as a user would check them: PDF text, outline, fonts; HTML elements."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

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
