"""Word fields in a contributed .docx, rewritten into the shapes pandoc reads well.

A field (a cross-reference, a date, a document property) is stored as its instruction and
the result Word last showed. pandoc reads the result of a field written as begin, instruction,
separate, result and end runs, and turns a REF into a link; it reads a simple field
(``w:fldSimple``) only when it is a hyperlink, and a field inside another field's instruction
(Word's ``IF { DOCPROPERTY … } = …``) leaks that inner result into the text and moves the
results of every later field in the document to the start of their paragraphs. So simple
fields are written out as Word's own, and a field inside an instruction (which shows nothing:
only the outer field's result does) is taken out. An empty form field (a content control
showing its prompt) loses its prompt, which Word greys and pandoc would print.
"""

from __future__ import annotations

import re

from vimanual.contributions.contents import cut_spans, matched_elements

# A simple field (w:fldSimple) with no other simple field inside it, and one with no result.
_SIMPLE_FIELD_RE = re.compile(
    rb'<w:fldSimple\b([^>]*?)(?<!/)>((?:(?!<w:fldSimple\b).)*?)</w:fldSimple>', re.S)
_EMPTY_SIMPLE_FIELD_RE = re.compile(rb"<w:fldSimple\b[^>]*/>")
_INSTR_RE = re.compile(rb'\bw:instr="([^"]*)"')
MAX_NESTING = 32  # simple fields in simple fields: as deep as the other nestings intake takes
NOTES_PARTS_RE = re.compile(r"(?:^|/)(?:footnotes|endnotes)\.xml$")


def _complex_field(match: re.Match[bytes]) -> bytes:
    instr = _INSTR_RE.search(match.group(1))
    return (b'<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">'
            + (instr.group(1) if instr else b"") + b'</w:instrText></w:r><w:r><w:fldChar w:fldCharType='
            b'"separate"/></w:r>' + match.group(2) + b'<w:r><w:fldChar w:fldCharType="end"/></w:r>')


def expand_simple_fields(part: bytes) -> bytes:
    """``part`` with each simple field written as the begin/instruction/result/end runs Word
    itself writes. pandoc reads a simple field only when it is a hyperlink, and drops every
    other one with the text it shows: a cross-reference (REF) read "See ." and a date or
    document property vanished. Written out, a REF becomes a link and any other keeps its
    last shown text, as with Word's own fields. Innermost first, for fields inside fields."""
    if b"<w:fldSimple" not in part:
        return part
    for _ in range(MAX_NESTING):  # a level a pass: deeper fields stay as pandoc reads them
        expanded = _SIMPLE_FIELD_RE.sub(_complex_field, part)
        if expanded == part:
            break
        part = expanded
    return _EMPTY_SIMPLE_FIELD_RE.sub(b"", part)


def rewrite_fields(part: bytes) -> bytes:
    """A main or notes part with its fields as pandoc reads them well (see the module), and
    without the prompts of empty form fields (``drop_placeholders``)."""
    return drop_placeholders(drop_instruction_fields(expand_simple_fields(part)))


_FLD_CHAR_RE = re.compile(rb'<w:fldChar\b[^>]*\bw:fldCharType="(begin|separate|end)"')
_RUN_START_RE = re.compile(rb"<w:r[\s>]")
_TAG_RE = re.compile(rb"<(/?)([\w:.-]+)[^>]*?(/?)>")


def _balanced(part: bytes, start: int, end: int) -> bool:
    """Whether ``part[start:end]`` holds whole elements only (taking it out leaves XML whole)."""
    stack: list[bytes] = []
    for tag in _TAG_RE.finditer(part, start, end):
        if tag.group(3):
            continue
        if not tag.group(1):
            stack.append(tag.group(2))
        elif not stack or stack.pop() != tag.group(2):
            return False
    return not stack


def drop_instruction_fields(part: bytes) -> bytes:
    """``part`` without the fields nested in another field's instruction (begin to end, the
    runs holding them), unless taking one out would not leave whole elements (it spans
    paragraphs, or a tracked insertion or a link ends inside it): what they show is never on
    the page. Only the outermost are looked at (one inside is taken with it), so each byte is
    read a bounded number of times, however deep the nesting."""
    if part.count(b'w:fldCharType="begin"') < 2:
        return part
    stack: list[tuple[str, int]] = []  # (phase, start of the run of its begin) of each open field
    in_instruction = 0  # how many open fields are in their instruction
    drops: list[tuple[int, int]] = []
    previous = 0  # where the last field character ended: a run start is looked for after it
    for mark in _FLD_CHAR_RE.finditer(part):
        kind = mark.group(1)
        if kind == b"begin":
            runs = [found.start() for found in _RUN_START_RE.finditer(part, previous, mark.start())]
            stack.append(("instruction", runs[-1] if runs else mark.start()))
            in_instruction += 1
        elif stack and kind == b"separate" and stack[-1][0] == "instruction":
            stack[-1] = ("result", stack[-1][1])
            in_instruction -= 1
        elif stack and kind == b"end":
            phase, start = stack.pop()
            in_instruction -= phase == "instruction"
            if stack and stack[-1][0] == "instruction" and in_instruction == 1:
                closing = part.find(b"</w:r>", mark.end())
                end = closing + len(b"</w:r>")
                if closing >= 0 and _balanced(part, start, end):
                    drops.append((start, end))
        previous = mark.end()
    return cut_spans(part, drops) if drops else part


_SDT_TAG_RE = re.compile(rb"<w:sdt>|<w:sdt\s[^>]*>|</w:sdt>")
_TEXT_RE = re.compile(rb"<w:t(?=[\s>/])[^>]*?(?:/>|>[^<]*</w:t>)")


def _placeholder_spans(part: bytes) -> list[tuple[int, int]]:
    """The content (sdtPr's end to the control's end) of each content control showing its
    placeholder (w:showingPlcHdr): an empty form field, whose runs are only its prompt."""
    spans = []
    for _, inner, close, _ in matched_elements(part, _SDT_TAG_RE):
        head_end = part.find(b"</w:sdtPr>", inner, close)
        if head_end >= 0 and b"<w:showingPlcHdr" in part[inner:head_end]:
            spans.append((head_end, close))
    return spans


def count_placeholders(part: bytes) -> int:
    """How many empty form fields (content controls showing their prompt) ``part`` holds."""
    return len(_placeholder_spans(part)) if b"<w:showingPlcHdr" in part else 0


def drop_placeholders(part: bytes) -> bytes:
    """``part`` without the prompts of its empty form fields ("Click or tap here to enter
    text.", "Choose an item."): Word shows them greyed and never prints them as text, but
    pandoc reads them as the document's words. Their text goes; runs, paragraphs and cells stay."""
    if b"<w:showingPlcHdr" not in part:
        return part
    out, done = [], 0
    for start, end in sorted(_placeholder_spans(part)):
        if start < done:
            continue  # inside one emptied already
        out.append(part[done:start])
        out.append(_TEXT_RE.sub(b"", part[start:end]))
        done = end
    out.append(part[done:])
    return b"".join(out)
