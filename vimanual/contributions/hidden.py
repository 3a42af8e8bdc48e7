"""Text a document hides: Word's Hidden font effect (``w:vanish``), LibreOffice's hidden
characters and paragraphs (a style with ``text:display="none"``), its hidden sections and
hidden-text fields. Neither editor prints it and its author may have forgotten it (an internal
note, a name withheld), but pandoc's readers take it as ordinary text, so a manual would
publish it: ``hidden_passages`` finds it, for the submission to be refused, naming it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile

from vimanual.contributions.fields import NOTES_PARTS_RE

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
    """The hidden passages of the main part and of the footnotes and endnotes (pandoc prints
    notes too), each part read in one walk."""
    folder = main.rsplit("/", 1)[0] + "/" if "/" in main else ""
    styles = _Styles(_parse(archive, f"{folder}styles.xml"))
    notes = [name for name in archive.namelist() if NOTES_PARTS_RE.search(name)]  # as rewrite.py finds them
    passages: list[str] = []
    for name in [main, *sorted(notes)]:
        part = _parse(archive, name)
        if part is not None:
            passages.extend(_docx_part(part, styles))
    return passages


def _docx_part(document: ET.Element, styles: _Styles) -> list[str]:
    """One walk of a part (text boxes nest paragraphs in runs, as deep as the author or an
    attacker likes: each element is visited once). A run's hidden effect covers what it anchors."""
    passages: list[str] = []
    # (element, its paragraph, its table style's hiding, whether the run it is in hides it)
    stack: list[tuple[ET.Element | None, _Paragraph | None, bool | None, bool]] = [
        (document, None, None, False)]
    while stack:
        element, paragraph, table, hidden = stack.pop()
        if element is None:  # the end of a paragraph
            if paragraph is not None and paragraph.words:
                passages.append("".join(paragraph.words))
            continue
        tag = element.tag
        if tag == f"{_W}p":
            style = element.find(f"{_W}pPr/{_W}pStyle")
            paragraph = _Paragraph(styles.hides(styles.default_paragraph if style is None
                                                else style.get(f"{_W}val")), table)
            stack.append((None, paragraph, table, hidden))
        elif tag == f"{_W}tbl":
            style = element.find(f"{_W}tblPr/{_W}tblStyle")
            table = None if style is None else styles.hides(style.get(f"{_W}val"))
        elif tag == f"{_W}r":
            hidden = hidden or styles.run_hidden(element, paragraph)
        elif tag == f"{_W}t" and paragraph is not None:
            text = element.text or ""
            if hidden:
                paragraph.words.append(text)
            elif paragraph.words and text.strip():
                passages.append("".join(paragraph.words))
                paragraph.words = []
            continue
        stack.extend((child, paragraph, table, hidden) for child in reversed(element))
    return passages


class _Paragraph:
    """A paragraph being read: whether its style and its table's style hide text (None: they
    say nothing), and the hidden words since its last visible text."""

    def __init__(self, by_style: bool | None, by_table: bool | None) -> None:
        self.by_style, self.by_table = by_style, by_table
        self.words: list[str] = []


class _Styles:
    """Which styles hide text (Word's Hidden effect, ``w:vanish``), each as the nearest style of
    its ``basedOn`` chain that says, and what the document's defaults say."""

    def __init__(self, styles: ET.Element | None) -> None:
        self.own: dict[str, bool] = {}
        self.parent: dict[str, str] = {}
        self.default_paragraph: str | None = None
        self.defaults: bool = False
        if styles is None:
            return
        self.defaults = bool(_vanish(styles.find(f"{_W}docDefaults/{_W}rPrDefault/{_W}rPr")))
        for style in styles.iter(f"{_W}style"):
            name = style.get(f"{_W}styleId", "")
            says = _vanish(style.find(f"{_W}rPr"))
            if says is not None:
                self.own[name] = says
            based = style.find(f"{_W}basedOn")
            if based is not None:
                self.parent[name] = based.get(f"{_W}val", "")
            if style.get(f"{_W}type") == "paragraph" and style.get(f"{_W}default") in ("1", "true", "on"):
                self.default_paragraph = name
        self._resolved: dict[str, bool | None] = {}

    def hides(self, name: str | None) -> bool | None:
        """Whether style ``name`` hides text (None: neither it nor a style it is based on says)."""
        if name is None:
            return None
        if name not in self._resolved:
            seen: set[str] = set()
            current, found = name, None
            while current and current not in seen and len(seen) < 64:  # a loop is the author's mistake
                seen.add(current)
                if current in self.own:
                    found = self.own[current]
                    break
                current = self.parent.get(current, "")
            self._resolved[name] = found
        return self._resolved[name]

    def run_hidden(self, run: ET.Element, paragraph: _Paragraph | None) -> bool:
        """Whether a run is hidden. Its own Hidden effect decides; else its character style's,
        its paragraph style's and its table style's: hidden if LibreOffice would hide it (the
        nearest that says) or Word would (Hidden is a toggle: the styles that set it cancel out
        in pairs); with none of them saying, the document's defaults decide."""
        props = run.find(f"{_W}rPr")
        own = _vanish(props)
        if own is not None:
            return own
        run_style = None if props is None else props.find(f"{_W}rStyle")
        levels = [self.hides(None if run_style is None else run_style.get(f"{_W}val")),
                  None if paragraph is None else paragraph.by_style,
                  None if paragraph is None else paragraph.by_table]
        said = [level for level in levels if level is not None]
        if not said:
            return self.defaults
        return said[0] or sum(said) % 2 == 1


def _vanish(props: ET.Element | None) -> bool | None:
    """What run properties say of the Hidden effect: True, False, or None when they say nothing."""
    mark = None if props is None else props.find(f"{_W}vanish")
    return None if mark is None else mark.get(f"{_W}val", "true").lower() not in _OFF


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
