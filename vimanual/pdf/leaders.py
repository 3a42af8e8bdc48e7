"""A leader drawn as one run of text instead of one box a repeat (the layout worker's).

The contents' entries end in ``leader(".")`` and the page number (print.css, issue 15).
WeasyPrint places a leader by copying its text box once per repeat, each at its own x,
and lays out and draws every copy on its own: 113,790 text draws for the contents of a
900-page book, most of the contents' 11.6 CPU s and 289 MiB. The copies touch (each starts
where the one to its left ends), so the same dots are one run of text from the leftmost:
``one_run_leaders`` makes WeasyPrint's leader step end with that one box, shaped by Pango
as a line of its own. Where the run's width is not exactly the copies' (kerning between two
repeats, say), the copies are kept. The dots are where they were; the PDF's bytes are not
(one text run where there were many), so a released edition, rebuilt byte for byte, is laid
out without it (``PdfRequest.one_run_leaders``).
"""

from __future__ import annotations

from typing import Any

#: How far the run's width may be from the copies' summed widths (in CSS px): the
#: rounding of float sums, not a glyph's difference.
TOLERANCE = 1e-3


def one_run_leaders(enabled: bool) -> None:
    """Make WeasyPrint's line layout merge each leader's copies into one run (or stop)."""
    from weasyprint.layout import inline

    from vimanual.pdf.patches import replace_in_weasyprint

    def make(real: Any) -> Any:
        def merged(context: Any, line: Any, containing_block: Any) -> None:
            real(context, line, containing_block)
            try:
                _merge(context, line)
            except (AttributeError, TypeError, ValueError, ImportError):
                pass  # WeasyPrint's internals are not what this was written for: keep the copies

        return merged

    replace_in_weasyprint(inline, "handle_leader", enabled, make)


def _merge(context: Any, line: Any) -> None:
    """Replace the copies in ``line``'s leader with one text box, if it draws the same."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.leader import leader_index
    from weasyprint.text.line_break import split_first_line

    _, leader = leader_index(line)
    if leader is None or len(leader.children) < 2:
        return
    copies = sorted(leader.children, key=lambda box: box.position_x)
    first = copies[0]
    if not all(isinstance(box, boxes.TextBox) and box.text == first.text
               and box.position_y == first.position_y for box in copies):
        return
    width = first.width
    if any(abs(box.position_x - (first.position_x + index * width)) > TOLERANCE
           for index, box in enumerate(copies)):
        return  # not touching: some repeat was left out between them
    text = first.text * len(copies)
    layout, length, _, run_width, _, _ = split_first_line(
        text, first.style, context, None, first.justification_spacing, is_line_start=False)
    if length != len(text.encode()) or abs(run_width - width * len(copies)) > TOLERANCE:
        return
    run = first.copy_with_text(layout.text)
    run.pango_layout = layout
    run.width = run_width
    leader.children = (run,)
