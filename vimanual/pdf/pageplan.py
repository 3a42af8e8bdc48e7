"""Where every page of the main matter comes from: the page map of the laid-out parts.

A part is one laid-out document holding one unit (a chapter, the glossary, the review
record) or, in a draft, a run of short chapters laid out together (``group_units``): each
document costs WeasyPrint a fixed ~0.2-0.4 s (its stylesheets, a subset of every face it
uses), more than a one-page chapter's own layout (real documentation has many). Every unit
starts on a right-hand page, so a chapter lays out the same alone or in a group, and the
book's pages are the same.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from vimanual.pdf.folios import BLANK, OPENER, PAGE
from vimanual.pdf.stitch import Sheet

#: In a draft, a chapter whose document is at most this many characters (about seven pages
#: of prose) is short: it may share its layout with the short chapters next to it, in a group
#: of at most GROUP_CHARS (about 17 pages). A worker's memory then stays that of a chapter
#: of middling length, and an edit lays out at most those 17 pages again.
SHORT_CHARS = 30_000
GROUP_CHARS = 60_000
#: A group also ends after a chapter whose id hashes to 0 modulo this: boundaries then depend
#: on the chapters' ids, not on sizes alone, and an edit regroups only the chapters near it.
GROUP_SPREAD = 8


@dataclass
class BookPlan:
    """Where every page of the main matter comes from, and what its margins show."""

    sheets: list[Sheet] = field(default_factory=list)  # sources: 1 + index of the body PDF
    heads: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # PAGE, OPENER or BLANK, for the margins
    folios: dict[str, str] = field(default_factory=dict)  # element id → main-matter page number


def group_units(idents: Sequence[str], sizes: Sequence[int], chapters: Sequence[bool]) -> list[list[int]]:
    """Consecutive units gathered into groups (lists of indexes, in order): a short chapter
    (SHORT_CHARS) joins the group before it while that group holds short chapters only and
    stays within GROUP_CHARS; a group closes after a chapter whose id hashes to 0
    (GROUP_SPREAD). Every other unit is a group of its own."""
    groups: list[list[int]] = []
    total = 0
    closed = True
    for index, (ident, size, chapter) in enumerate(zip(idents, sizes, chapters, strict=True)):
        short = chapter and size <= SHORT_CHARS
        if closed or not short or total + size > GROUP_CHARS:
            groups.append([index])
            total = size
        else:
            groups[-1].append(index)
            total += size
        closed = not short or int(hashlib.sha256(ident.encode()).hexdigest()[:8], 16) % GROUP_SPREAD == 0
    return groups


def plan_parts(groups: list[list[tuple[str, str]]], body: list[Any]) -> BookPlan:
    """The page map of parts laid out one after the other: ``groups`` holds each part's units
    as (id, running head), ``body`` each part's ``Laid``. Each part starts on a right-hand
    (odd) page, a blank page inserted before it where needed; within a part of several units
    the layout placed its own blank pages (found by what they paint)."""
    from vimanual.pdf.layouts import places

    plan = BookPlan()
    for number, (units, laid) in enumerate(zip(groups, body, strict=True), start=1):
        if len(plan.sheets) % 2:
            plan.sheets.append(Sheet(None))
            plan.heads.append("")
            plan.kinds.append(BLANK)
        start = len(plan.sheets)
        plan.sheets.extend(Sheet(number, page) for page in range(laid.pages))
        found = places(laid)
        dests = found.dests
        starts = {0: units[0][1]}
        for ident, head in units[1:]:
            if ident in dests:
                starts[dests[ident][0]] = head
        head = units[0][1]
        for page in range(laid.pages):
            head = starts.get(page, head)
            blank = page + 1 in starts and page not in starts and page in found.blank_before
            plan.heads.append("" if blank else head)
            plan.kinds.append(BLANK if blank else OPENER if page in starts else PAGE)
        for name, (page, _, _) in dests.items():
            plan.folios[name] = str(start + page + 1)
    return plan


def plan_joint(units: list[tuple[str, str]], body: Any) -> BookPlan:
    """All units, as (id, running head), laid out in one document: the layout itself placed
    the blank pages."""
    import pikepdf

    from vimanual.pdf.stitch import blank_pages, page_dests

    with pikepdf.open(body.path) as pdf:
        dests = page_dests(pdf)
        blanks = blank_pages(pdf)
    starts = sorted((dests[ident][0], head) for ident, head in units if ident in dests)
    plan = BookPlan(sheets=[Sheet(1, page) for page in range(body.pages)])
    openers = {start for start, _ in starts}
    for page in range(body.pages):
        heads = [head for start, head in starts if start <= page]
        plan.heads.append("" if page in blanks or not heads else heads[-1])
        plan.kinds.append(BLANK if page in blanks else OPENER if page in openers else PAGE)
    plan.folios = {name: str(page + 1) for name, (page, _, _) in dests.items()}
    return plan
