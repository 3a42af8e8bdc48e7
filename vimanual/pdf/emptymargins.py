"""Pages whose margins hold nothing skip WeasyPrint's making of their sixteen margin boxes
(the layout worker's).

A part of the book is laid out with every margin box's ``content`` set to ``none`` (its running
head and numbers are laid out apart: pdf/layout.py), yet WeasyPrint makes each page's sixteen
margin boxes all the same (the style of each, a box, its percentages) and then drops them,
none being generated: about 2 % of a chapter's layout time (0.35 of 15.5 CPU s for the
generated book's 569 part pages, bench/layout.py).

``skip_empty_margins`` makes WeasyPrint look once a page type (the styles of margin boxes
are the page type's: pages of one type get the same) whether any of its margin boxes would
be generated, by WeasyPrint's own test on the same styles; where none would, the page gets
none, as it would have. A page type with a box to generate is laid out as WeasyPrint lays
it out. So the PDF is the same bytes (tests/test_empty_margins.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

#: The margin boxes of a page, as WeasyPrint makes them for each (its layout/page.py
#: ``make_margin_boxes``).
MARGIN_BOXES = (
    "top-left-corner", "top-left", "top-center", "top-right", "top-right-corner",
    "right-top", "right-middle", "right-bottom", "bottom-right-corner", "bottom-right",
    "bottom-center", "bottom-left", "bottom-left-corner", "left-bottom", "left-middle", "left-top",
)
#: What WeasyPrint's ``make_margin_boxes`` takes for a box not generated (its ``content``).
NOT_GENERATED = ("normal", "inhibit", "none")
#: Pages that got no margin boxes this way in this process (for the tests: that it happened).
SKIPPED = [0]


def skip_empty_margins(enabled: bool) -> None:
    """Make WeasyPrint skip the margin boxes of pages that would generate none (or stop)."""
    import weasyprint.layout

    from vimanual.pdf.patches import replace_in_weasyprint

    replace_in_weasyprint(weasyprint.layout, "make_margin_boxes", enabled, _skipping)


def _skipping(real: Any) -> Any:
    """WeasyPrint's ``make_margin_boxes`` making none for a page type that generates none."""

    def margin_boxes(context: Any, page: Any, state: Any) -> Iterator[Any]:
        try:  # kept with the document's layout context, by page type
            empty = context.__dict__.setdefault("vimanual_empty_margins", {})
            page_type = page.page_type
            if page_type not in empty:
                empty[page_type] = not any(_generated(context.style_for(page_type, f"@{box}"), page)
                                           for box in MARGIN_BOXES)
            skip = empty[page_type]
        except (AttributeError, KeyError, TypeError):  # not the WeasyPrint this was written for
            skip = False
        if skip:
            SKIPPED[0] += 1
            return iter(())
        return real(context, page, state)  # type: ignore[no-any-return]

    return margin_boxes


def _generated(style: Any, page: Any) -> bool:
    """WeasyPrint's test: a box with no style of its own takes the page's anonymous style; a
    box is generated unless its ``content`` is one of NOT_GENERATED."""
    if style is None:
        style = page.style.anonymous_style
    return style["content"] not in NOT_GENERATED
