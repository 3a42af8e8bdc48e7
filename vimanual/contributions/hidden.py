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
    """The hidden passages of a .docx/.odt (whose main part is ``main``), each as its words."""
    found = _odt(archive, main) if fmt == "odt" else _docx(archive, main)
    return [" ".join(text.split()) for text in found if text.strip()]


def _parse(archive: zipfile.ZipFile, name: str) -> ET.Element | None:
    """A part of the package, or None if it is missing or not XML (the checks before say why)."""
    try:
        return ET.fromstring(archive.read(name))
    except (KeyError, ET.ParseError):
        return None


def _docx(archive: zipfile.ZipFile, main: str) -> list[str]:
    document = _parse(archive, main)
    if document is None:
        return []
    folder = main.rsplit("/", 1)[0] + "/" if "/" in main else ""
    styles = _parse(archive, f"{folder}styles.xml")
    hidden_styles = set() if styles is None else {
        style.get(f"{_W}styleId") for style in styles.iter(f"{_W}style")
        if _vanishes(style.find(f"{_W}rPr"))}
    passages = []
    for paragraph in document.iter(f"{_W}p"):
        style = paragraph.find(f"{_W}pPr/{_W}pStyle")
        by_paragraph = style is not None and style.get(f"{_W}val") in hidden_styles
        words: list[str] = []
        for run in paragraph.iter(f"{_W}r"):
            props = run.find(f"{_W}rPr")
            own = None if props is None else props.find(f"{_W}vanish")
            run_style = None if props is None else props.find(f"{_W}rStyle")
            if own is not None:
                hidden = own.get(f"{_W}val", "true").lower() not in _OFF
            elif run_style is not None:
                hidden = by_paragraph or run_style.get(f"{_W}val") in hidden_styles
            else:
                hidden = by_paragraph
            text = "".join(t.text or "" for t in run.iter(f"{_W}t"))
            if hidden:
                words.append(text)
            elif words and text.strip():
                passages.append("".join(words))
                words = []
        if words:
            passages.append("".join(words))
    return passages


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
