"""Text a document hides: Word's Hidden font effect (``w:vanish``), LibreOffice's hidden
characters and paragraphs (a style with ``text:display="none"``), its hidden sections and
hidden-text fields. Neither editor prints it and its author may have forgotten it (an internal
note, a name withheld), but pandoc's readers take it as ordinary text, so a manual would
publish it: ``hidden_passages`` finds it, for the submission to be refused, naming it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_OFF = ("0", "false", "off")


def hidden_passages(archive: zipfile.ZipFile, main: str, fmt: str) -> list[str]:
    """The hidden passages of a .docx/.odt (whose main part is ``main``), each as its words, each
    once (Word writes a text box twice, the second copy for older readers)."""
    found = _odt(archive, main) if fmt == "odt" else _docx(archive, main)
    return list(dict.fromkeys(" ".join(text.split()) for text in found if text.strip()))


def _parse(archive: zipfile.ZipFile, name: str) -> ET.Element | None:
    """A part of the package, or None if it is missing or not XML (the checks before say why)."""
    try:
        return ET.fromstring(archive.read(name))
    except (KeyError, ET.ParseError):
        return None


def _docx(archive: zipfile.ZipFile, main: str) -> list[str]:
    """One walk of the main part (text boxes nest paragraphs in runs, as deep as the author or an
    attacker likes: each element is visited once). A run's hidden effect covers what it anchors."""
    document = _parse(archive, main)
    if document is None:
        return []
    folder = main.rsplit("/", 1)[0] + "/" if "/" in main else ""
    styles = _parse(archive, f"{folder}styles.xml")
    hidden_styles = set() if styles is None else {
        style.get(f"{_W}styleId") for style in styles.iter(f"{_W}style")
        if _vanishes(style.find(f"{_W}rPr"))}
    passages: list[str] = []
    # (element, its paragraph's words and whether its style hides it, whether the run it is in hides it)
    stack: list[tuple[ET.Element | None, _Paragraph | None, bool]] = [(document, None, False)]
    while stack:
        element, paragraph, hidden = stack.pop()
        if element is None:  # the end of a paragraph
            if paragraph is not None and paragraph.words:
                passages.append("".join(paragraph.words))
            continue
        tag = element.tag
        if tag == f"{_W}p":
            style = element.find(f"{_W}pPr/{_W}pStyle")
            paragraph = _Paragraph(style is not None and style.get(f"{_W}val") in hidden_styles)
            stack.append((None, paragraph, hidden))
        elif tag == f"{_W}r":
            hidden = hidden or _run_hidden(element, paragraph, hidden_styles)
        elif tag == f"{_W}t" and paragraph is not None:
            text = element.text or ""
            if hidden:
                paragraph.words.append(text)
            elif paragraph.words and text.strip():
                passages.append("".join(paragraph.words))
                paragraph.words = []
            continue
        stack.extend((child, paragraph, hidden) for child in reversed(element))
    return passages


class _Paragraph:
    """A paragraph being read: the hidden words since its last visible text."""

    def __init__(self, by_style: bool) -> None:
        self.by_style = by_style
        self.words: list[str] = []


def _run_hidden(run: ET.Element, paragraph: _Paragraph | None, hidden_styles: set[str | None]) -> bool:
    """Whether a run is hidden: its own Hidden effect, else its character or paragraph style's."""
    by_paragraph = paragraph is not None and paragraph.by_style
    props = run.find(f"{_W}rPr")
    own = None if props is None else props.find(f"{_W}vanish")
    if own is not None:
        return own.get(f"{_W}val", "true").lower() not in _OFF
    run_style = None if props is None else props.find(f"{_W}rStyle")
    return by_paragraph or (run_style is not None and run_style.get(f"{_W}val") in hidden_styles)


def _vanishes(props: ET.Element | None) -> bool:
    mark = None if props is None else props.find(f"{_W}vanish")
    return mark is not None and mark.get(f"{_W}val", "true").lower() not in _OFF


def _odt(archive: zipfile.ZipFile, main: str) -> list[str]:
    content = _parse(archive, main)
    if content is None:
        return []
    styles = _parse(archive, "styles.xml")
    hidden = _hidden_styles([content, *([] if styles is None else [styles])])
    passages: list[str] = []
    stack = [content]
    while stack:  # without recursion: a document's nesting is the contributor's to choose
        element = stack.pop()
        tag = element.tag
        if (tag == f"{_TEXT}section" and element.get(f"{_TEXT}display") in ("none", "condition")) \
                or (tag in (f"{_TEXT}span", f"{_TEXT}p", f"{_TEXT}h")
                    and element.get(f"{_TEXT}style-name") in hidden) \
                or (tag == f"{_TEXT}hidden-text" and element.get(f"{_TEXT}is-hidden") != "false"):
            passages.append(" ".join(element.itertext()))
            continue
        marks = element.iter(f"{_TEXT}hidden-paragraph") if tag in (f"{_TEXT}p", f"{_TEXT}h") else ()
        if any(mark.get(f"{_TEXT}is-hidden") != "false" for mark in marks):
            passages.append(" ".join(element.itertext()))
            continue
        stack.extend(reversed(element))
    return passages


def _hidden_styles(parts: list[ET.Element]) -> set[str]:
    """Names of the styles whose text does not display, their own or by the style they are based on."""
    parents: dict[str, str] = {}
    hidden: set[str] = set()
    for part in parts:
        for style in part.iter(f"{_STYLE}style"):
            name = style.get(f"{_STYLE}name", "")
            parents[name] = style.get(f"{_STYLE}parent-style-name", "")
            props = style.find(f"{_STYLE}text-properties")
            if props is not None and props.get(f"{_TEXT}display") == "none":
                hidden.add(name)
    for name in parents:
        seen, parent = {name}, parents[name]
        while parent and parent not in seen:
            if parent in hidden:
                hidden.add(name)
                break
            seen.add(parent)
            parent = parents.get(parent, "")
    return hidden
