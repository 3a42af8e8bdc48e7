"""Editorial and accessibility rules over a chapter's blocks: headings, sections,
paragraph length, tables without a header row or too long to lay out, vague link texts."""

from __future__ import annotations

from vimanual.base.tables import (
    WARN_MEMORY_SHARE,
    WARN_SHARE,
    TableSize,
    expected_mib,
    expected_seconds,
    least_mib,
    least_seconds,
)
from vimanual.check.rules import ERROR, WARNING, Hit
from vimanual.check.rules.markdown import (
    GRID_BORDER_RE,
    PIPE_SEPARATOR_RE,
    SIMPLE_HEADERLESS_RE,
    SIMPLE_SEPARATOR_RE,
    Block,
    ParsedBody,
    plain_text,
)

VAGUE_LINK_TEXTS = frozenset({
    "here", "click here", "link", "this link", "click", "this", "more", "read more", "click this link",
    "here.", "this page", "go",
})


def check_headings(parsed: ParsedBody) -> list[Hit]:
    """Level-1 headings, skipped levels, duplicate and empty sections."""
    hits: list[Hit] = []
    headings = [b for b in parsed.blocks if b.kind == "heading"]
    previous = 1  # the chapter title (from front matter) is the level-1 heading
    seen: dict[str, Block] = {}
    for block in headings:
        title = plain_text(block.text)
        if block.level == 1:
            hits.append(Hit(block.start, block.end, "h1-in-body", ERROR,
                            f"level-1 heading '{title}' in the chapter body",
                            "the chapter title comes from the front matter; start sections with '##'"))
        elif block.level > previous + 1:
            hits.append(Hit(block.start, block.end, "heading-skip", WARNING,
                            f"heading level jumps from {previous} to {block.level} at '{title}'",
                            f"use {'#' * (previous + 1)} for this heading"))
        previous = block.level
        key = title.lower()
        if key in seen:
            first = parsed.line_index(seen[key].start)
            hits.append(Hit(block.start, block.end, "duplicate-heading", WARNING,
                            f"heading '{title}' is used twice in this chapter",
                            f"the first is on body line {first + 1}; give each section its own title"))
        else:
            seen[key] = block
    # an empty body has no blocks; otherwise pair each block with the one after it (None at the end)
    for block, following in zip(parsed.blocks, [*parsed.blocks[1:], None][: len(parsed.blocks)], strict=True):
        if block.kind != "heading":
            continue
        if following is None or (following.kind == "heading" and following.level <= block.level):
            hits.append(Hit(block.start, block.end, "empty-section", WARNING,
                            f"section '{plain_text(block.text)}' is empty",
                            "write its text or remove the heading"))
    return hits


def check_paragraphs(parsed: ParsedBody, max_words: int) -> list[Hit]:
    hits: list[Hit] = []
    for block in parsed.blocks:
        if block.kind not in ("paragraph", "quote"):
            continue
        words = len(plain_text(parsed.masked[block.start:block.end]).split())
        if words > max_words:
            hits.append(Hit(block.start, block.end, "long-paragraph", WARNING,
                            f"paragraph of {words} words (limit {max_words})",
                            "split it; the limit is check.max_paragraph_words in manual.yaml"))
    return hits


def check_accessibility(parsed: ParsedBody) -> list[Hit]:
    """Tables without a header row and links whose text says nothing out of context."""
    hits: list[Hit] = []
    for block in parsed.blocks:
        if block.kind == "table" and block.headerless:
            hits.append(Hit(block.start, block.end, "table-header", WARNING, "table has no header row",
                            "give every column a header so screen readers can name the cells"))
    for link in parsed.links:
        if link.image or link.reference is not None and not link.target:
            continue
        text = plain_text(link.text).lower().strip(" .:!")
        if text in VAGUE_LINK_TEXTS:
            hits.append(Hit(link.start, link.end, "link-text", WARNING,
                            f"link text '{plain_text(link.text)}' does not say where it leads",
                            "name the destination, e.g. [the triage chapter](image-triage.md)"))
    return hits


def table_size(text: str) -> TableSize:
    """Rows (the header row included) and cells of a pipe, grid or simple table as written."""
    lines = [line for line in text.split("\n") if line.strip()]
    borders = [line for line in lines if GRID_BORDER_RE.match(line)]
    if borders:  # grid: rows between borders, columns between the first border's '+'
        rows, columns = len(borders) - 1, borders[0].count("+") - 1
    elif len(lines) > 1 and PIPE_SEPARATOR_RE.match(lines[1]) and "|" in lines[0]:
        rows, columns = len(lines) - 1, len(lines[1].strip().strip("|").split("|"))
    else:  # simple: every line but the dashed ones; columns are the runs of dashes
        dashed = [line for line in lines
                  if SIMPLE_SEPARATOR_RE.match(line) or SIMPLE_HEADERLESS_RE.match(line)]
        rows, columns = len(lines) - len(dashed), len(dashed[0].split()) if dashed else 1
    return TableSize(max(rows, 0), max(rows, 0) * max(columns, 1))


def check_long_tables(parsed: ParsedBody, limit_seconds: int, memory_mb: int) -> list[Hit]:
    """Tables whose PDF layout is expected to take more than a share of the layout's time limit
    or memory cap: the editor learns it before building (the build refuses a chapter whose
    tables cannot be laid out within them at all)."""
    hits: list[Hit] = []
    for block in parsed.blocks:
        if block.kind != "table":
            continue
        size = table_size(parsed.text[block.start:block.end])
        seconds, mib = expected_seconds([size]), expected_mib([size])
        if seconds > WARN_SHARE * limit_seconds:
            verdict = ("the build refuses it" if least_seconds([size]) > limit_seconds
                       else f"over {WARN_SHARE:.0%} of the limit")
            found = (f"takes about {seconds:,.0f} s to lay out in the PDF "
                     f"(limits.pdf_timeout_seconds: {limit_seconds:,} s; {verdict})")
        elif mib > WARN_MEMORY_SHARE * memory_mb:
            verdict = ("the build refuses it" if least_mib([size]) > memory_mb
                       else f"over {WARN_MEMORY_SHARE:.0%} of the cap")
            found = (f"needs about {mib:,.0f} MB of memory to lay out in the PDF "
                     f"(limits.pdf_memory_mb: {memory_mb:,} MB; {verdict})")
        else:
            continue
        hits.append(Hit(block.start, block.start + 1, "long-table", WARNING,
                        f"table of {size.describe()} {found}",
                        "split it into smaller tables, or move it to an annex published beside the manual"))
    return hits
