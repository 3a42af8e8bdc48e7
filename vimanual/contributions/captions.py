"""Captions of a contributed document's figures and tables, as the manual numbers them.

Word's Insert Caption and LibreOffice's caption styles write a caption as a paragraph of its
own ("Figure 1: Sample flow", a SEQ field for the number, a bookmark around it for the
cross-references), next to the picture or table rather than inside it. pandoc keeps such a
paragraph as text, so the manual would number the picture itself ("Figure 6.1", from its
alt text) and print the contributor's "Figure 1: …" below it as well. Here the paragraph
becomes the figure's or table's caption, its bookmark the figure's or table's id (so a
cross-reference "see Figure 1" lands on it), and the typed number leaves the caption, since
the manual numbers figures and tables itself.
"""

from __future__ import annotations

import re
from typing import Any

from vimanual.contributions.astwalk import inline_text, skip_kinds

# Word and LibreOffice captions carry their own number ("Table 1: …"); the manual numbers
# tables and figures itself, so the typed number would print twice ("Table 1.1. Table 1").
CAPTION_NUMBER_RE = re.compile(
    r"(?:Table|Figure|Fig\.|Illustration|Drawing)\s+\d+(?:[.-]\d+)*\s*[:.\-–—]?\s*", re.IGNORECASE)
# A paragraph of its own is a caption only with the separator after the number ("Table 1: …"),
# so that prose such as "Table 1 lists the exhibits." stays prose.
_CAPTION_PARAGRAPH_RE = re.compile(
    r"(?P<kind>Table|Figure|Fig\.|Illustration|Drawing)\s+\d+(?:[.-]\d+)*\s*[:.\-–—]\s*\S", re.IGNORECASE)
_SKIP = skip_kinds("Note", "Image")
# What pandoc leaves of "Figure 1: …" when the label and number were a simple field (Word's
# w:fldSimple SEQ, which its reader drops): the separator, first.
_LEFT_SEPARATOR_RE = re.compile(r"[:.\-–—]\s+(?=\S)")


def strip_number(attr: list[Any], caption: list[Any]) -> list[Any]:
    """A caption without the number its editor typed or counted (SEQ field) in front of it; the
    bookmark around that number (what "see Figure 1" points at) becomes the figure's or table's
    id (``attr``), as in ``attach_captions``."""
    blocks = caption[1]
    text = inline_text(blocks, _SKIP)
    match = CAPTION_NUMBER_RE.match(text) or _LEFT_SEPARATOR_RE.match(text)
    if not match:
        return caption
    rest = text[match.end():].strip()
    words = [item for word in rest.split() for item in ({"t": "Str", "c": word}, {"t": "Space"})][:-1]
    anchors = [name for block in blocks if isinstance(block, dict) and block.get("t") in ("Plain", "Para")
               for name in _split_anchors(block["c"])[0]]
    _give_id(attr, anchors, words)
    return [caption[0], [{"t": "Plain", "c": words}] if words else []]


def attach_captions(blocks: list[Any]) -> None:
    """Make each caption paragraph next to a picture or table that has none its caption, in place."""
    _return_table_captions(blocks)
    index = 0
    while index < len(blocks):
        kind, inlines = _caption_paragraph(blocks[index])
        if kind is None:
            index += 1
            continue
        # Word puts figure captions below and table captions above by default; either side is taken.
        order = (index - 1, index + 1) if kind == "figure" else (index + 1, index - 1)
        for near in order:
            if 0 <= near < len(blocks) and _takes_caption(blocks, near, kind, inlines):
                del blocks[index]
                index -= near < index
                break
        index += 1


def _return_table_captions(blocks: list[Any]) -> None:
    """pandoc gives a Caption-style paragraph to the picture before it, even a table's caption
    written above its table ("Table 1: …" between a picture and a table): the caption goes back
    to the table that has none, and the picture is a picture again."""
    index = 0
    while index < len(blocks) - 1:
        block, after = blocks[index], blocks[index + 1]
        index += 1
        if not (isinstance(block, dict) and block.get("t") == "Figure" and isinstance(after, dict)
                and after.get("t") == "Table" and not after["c"][1][1]):
            continue
        match = CAPTION_NUMBER_RE.match(inline_text(block["c"][1][1], _SKIP))
        if match and match.group(0).casefold().startswith("table"):
            after["c"][1] = block["c"][1]
            body = [{"t": "Para", "c": part["c"]} if isinstance(part, dict) and part.get("t") == "Plain"
                    else part for part in block["c"][2]]
            blocks[index - 1:index] = body
            index += len(body) - 1


def _caption_paragraph(block: Any) -> tuple[str | None, list[Any]]:
    """('figure' or 'table', the paragraph's inlines) when ``block`` is a caption paragraph."""
    if isinstance(block, dict) and block.get("t") == "Div" and "caption" in block["c"][0][1] \
            and len(block["c"][1]) == 1:
        block = block["c"][1][0]  # LibreOffice's caption paragraph style, read by pandoc as a Div
    if not (isinstance(block, dict) and block.get("t") in ("Para", "Plain")):
        return None, []
    match = _CAPTION_PARAGRAPH_RE.match(inline_text(block["c"], _SKIP))
    if not match:
        return None, []
    return ("table" if match.group("kind").casefold() == "table" else "figure"), block["c"]


def _takes_caption(blocks: list[Any], index: int, kind: str, inlines: list[Any]) -> bool:
    """Give the picture or table at ``index`` the caption ``inlines`` if it has none; whether it took it."""
    block = blocks[index]
    if not isinstance(block, dict):
        return False
    anchors, words = _split_anchors(inlines)
    if block.get("t") in ("Para", "Plain"):
        anchors += _split_anchors(block["c"])[0]  # a bookmark on the picture's own paragraph
    caption = [None, [{"t": "Plain", "c": words}]]
    if kind == "table" and block.get("t") == "Table" and not block["c"][1][1]:
        block["c"][1] = caption
        _give_id(block["c"][0], anchors, words)
        return True
    if kind != "figure":
        return False
    if block.get("t") == "Figure" and not inline_text(block["c"][1][1], _SKIP):
        block["c"][1] = caption
        _give_id(block["c"][0], anchors, words)
        return True
    image = _lone_image(block)
    if image is None:
        return False
    attr: list[Any] = ["", [], []]
    _give_id(attr, anchors, words)
    blocks[index] = {"t": "Figure", "c": [attr, caption, [{"t": "Plain", "c": [image]}]]}
    return True


def _give_id(attr: list[Any], anchors: list[str], words: list[Any]) -> None:
    """The first bookmark of the caption names the figure or table; any other stays in the caption."""
    if not anchors:
        return
    if attr[0]:
        words[:0] = [_anchor(name) for name in anchors]
        return
    attr[0] = anchors[0]
    words[:0] = [_anchor(name) for name in anchors[1:]]


def _anchor(name: str) -> dict[str, Any]:
    return {"t": "Span", "c": [[name, [], []], []]}


def _split_anchors(inlines: list[Any]) -> tuple[list[str], list[Any]]:
    """The ids of the empty anchor spans (bookmarks) among ``inlines``, and the other inlines."""
    anchors: list[str] = []
    words: list[Any] = []
    for item in inlines:
        if isinstance(item, dict) and item.get("t") == "Span" and not item["c"][1] and item["c"][0][0]:
            anchors.append(str(item["c"][0][0]))
        else:
            words.append(item)
    return anchors, words


def _lone_image(block: dict[str, Any]) -> dict[str, Any] | None:
    """The image of a paragraph that holds only an image (spaces and empty anchors aside)."""
    if block.get("t") not in ("Para", "Plain"):
        return None
    rest = [item for item in block["c"] if not (isinstance(item, dict) and (
        item.get("t") in ("Space", "SoftBreak") or (item.get("t") == "Span" and not item["c"][1])))]
    if len(rest) == 1 and isinstance(rest[0], dict) and rest[0].get("t") == "Image":
        return rest[0]
    return None
