"""Text boxes of a contributed document, moved where pandoc reads them: after their paragraph.

A text box (Word: Insert > Text Box; LibreOffice: a text frame) is anchored in a paragraph
and holds paragraphs of its own. pandoc's readers lose one side of it: from a .docx it keeps
the box's text and drops the text of the paragraph the box is anchored in; from an .odt it
keeps the paragraph and drops the box. Both are moved apart here, in the document's XML,
before pandoc reads it: the box (its paragraphs, tables and lists) follows the paragraph it
was anchored in, in the order the boxes come in it. A box inside a box comes out the same
way, one level at a time. A drawing without text (a picture, a shape) is left where it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_DEPTH = 8  # boxes in boxes: a document nesting them deeper is refused (see box_nesting)


@dataclass(frozen=True)
class _Format:
    tags: re.Pattern[bytes]
    paragraphs: tuple[bytes, ...]  # the elements a box is anchored in
    containers: tuple[bytes, ...]  # the elements that hold a box (moved out whole)
    content: bytes  # the element whose inner XML is the box's text
    fallback: bytes = b""  # the element holding the same boxes again for older readers


DOCX = _Format(
    re.compile(rb"<(/?)(w:p|w:txbxContent|mc:AlternateContent|mc:Fallback|w:pict|w:drawing)(?=[\s/>])[^>]*?(/?)>"),
    (b"w:p",), (b"mc:AlternateContent", b"w:pict", b"w:drawing"), b"w:txbxContent", b"mc:Fallback")
ODT = _Format(
    re.compile(rb"<(/?)(text:p|text:h|draw:frame|draw:text-box)(?=[\s/>])[^>]*?(/?)>"),
    (b"text:p", b"text:h"), (b"draw:frame",), b"draw:text-box")


_COMMENT_RE = re.compile(rb"<!--.*?-->", re.S)


def without_comments(part: bytes) -> bytes:
    """``part`` without its XML comments, which no reader shows: Word and LibreOffice write
    none, and a tag inside one (``<!-- </w:p> -->``) must not lead the rewrites astray."""
    return _COMMENT_RE.sub(b"", part) if b"<!--" in part else part


def box_nesting(part: bytes, fmt: _Format) -> int:
    """How deep text boxes nest in ``part``: 0 without a box, 1 for boxes in the page, and so on.
    Past ``MAX_DEPTH`` pandoc would lose the inner boxes' text, so such a document is refused."""
    if fmt.content not in part:
        return 0
    depth = deepest = 0
    for tag in re.finditer(rb"<(/?)" + re.escape(fmt.content) + rb"(?=[\s/>])[^>]*?(/?)>", part):
        if not tag.group(2):
            depth += -1 if tag.group(1) else 1
            deepest = max(deepest, depth)
    return deepest


def move_text_boxes(part: bytes, fmt: _Format) -> bytes:
    """``part`` with every text box's content moved out to just after its paragraph."""
    if fmt.content not in part:
        return part
    for _ in range(MAX_DEPTH):
        moved = _move_once(part, fmt)
        if moved == part:
            break
        part = moved
    return part


def _move_once(part: bytes, fmt: _Format) -> bytes:
    """One level: the boxes anchored in paragraphs that are not themselves in a box."""
    out: list[bytes] = []
    done = 0  # bytes of ``part`` copied to ``out`` so far
    stack: list[bytes] = []
    container = -1  # where the container being read (in a paragraph, not in a box) starts
    inner: list[tuple[int, int]] = []  # its boxes' contents (a group of shapes holds several)
    content = (-1, 0)  # where the content being read starts its inner XML, and its depth
    fallbacks = 0  # open fallback elements: the boxes again for older readers, not read twice
    pending: list[bytes] = []  # the boxes of the current paragraph, to follow it
    for tag in fmt.tags.finditer(part):
        closing, name, empty = tag.group(1), tag.group(2), tag.group(3)
        if empty:
            continue
        if not closing:
            if name in fmt.containers and len(stack) == 1 and stack[0] in fmt.paragraphs:
                container, inner = tag.start(), []
            elif name == fmt.content and container >= 0 and content[0] < 0 and not fallbacks:
                content = (tag.end(), len(stack))
            fallbacks += name == fmt.fallback
            stack.append(name)
            continue
        if not stack or stack[-1] != name:
            return part  # not the nesting expected: leave the document as pandoc would read it
        stack.pop()
        fallbacks -= name == fmt.fallback
        if name == fmt.content and content[0] >= 0 and len(stack) == content[1]:
            inner.append((content[0], tag.start()))
            content = (-1, 0)
        elif name in fmt.containers and container >= 0 and len(stack) == 1:
            if inner:  # text boxes: out of the paragraph, to follow it
                out.append(part[done:container])
                pending.extend(part[start:end] for start, end in inner)
                done = tag.end()
            container, inner = -1, []
        elif name in fmt.paragraphs and not stack and pending:
            out.append(part[done:tag.end()])
            out.extend(pending)
            done, pending = tag.end(), []
    if stack or done == 0:
        return part
    out.append(part[done:])
    return b"".join(out)
