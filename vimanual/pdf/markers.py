"""Each list marker laid out once a document, not once a list item, and ordered lists numbered
from their start (the layout worker's, in the markers layout).

WeasyPrint places a list item's outside marker (its bullet or number) as an absolutely
positioned box of its own: a block, its line and its text, laid out apart from the item's
text for every item. On bench/realcorpus.py's corpus (5,700 markers in 915 pages) markers
take a tenth of the layout's time, about half of it laying them out (the rest, drawing them,
stays), though most are the same bullet in the same style.

``reuse_marker_layouts`` makes WeasyPrint lay out a marker it has laid out before in the same
document (the same text, in a style equal in every inherited property, in a list item as
wide) as a copy of that layout moved to the marker's own place: the
boxes are the marker's own (its element and styles, so it is drawn and tagged as its own),
only what the layout gave them (positions, sizes, the shaped text) is taken from the first.
A marker of any other shape (an image, content of its own) or one split across pages is laid
out as WeasyPrint lays it out.

The drawing is the same (tests/test_markers.py; bench/realcorpus.py's PDF was the same bytes);
but a copy is moved by the difference of two places rather than placed from its own, so a
coordinate may differ in its last digit, and a released edition, rebuilt byte for byte, is laid
out without it (``PdfRequest.markers_layout``).

The same layout numbers an ordered list from its ``start`` (``numbered_from_start``): WeasyPrint
ignores the attribute, so a list of steps interrupted by a paragraph (pandoc writes its second
half as ``<ol start="3">``) printed as 1, 2 again; editions released before keep their numbers.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

#: What ``absolute_block`` is called with in the WeasyPrint versions this was written for;
#: with any other signature WeasyPrint is left as it is.
_PARAMETERS = ["context", "box", "containing_block", "fixed_boxes", "bottom_space", "skip_stack",
               "cb_x", "cb_y", "cb_width", "cb_height"]
#: Markers reused in this process (for the tests: that reuse happened).
REUSED = [0]
#: An ordered list's start tag with a ``start`` (the sanitizer keeps only ``start`` and ``type``).
_STARTING = re.compile(r'<ol\b([^>]*?)\sstart="(-?\d{1,9})"([^>]*)>')


def numbered_from_start(html: str) -> str:
    """``html`` with each ordered list that starts at another number than 1 (``<ol start="4">``,
    as pandoc writes a list whose first item is "4.") numbered from there: WeasyPrint 70 ignores
    ``start`` and numbers every list from 1, so steps after an interruption printed as 1, 2 …"""

    def counted(match: re.Match[str]) -> str:
        if "style=" in match.group(0):
            return match.group(0)
        return (f'<ol{match.group(1)} start="{match.group(2)}"{match.group(3)} '
                f'style="counter-reset: list-item {int(match.group(2)) - 1}">')

    return _STARTING.sub(counted, html)


def reuse_marker_layouts(enabled: bool) -> None:
    """Make WeasyPrint reuse each document's marker layouts (or stop)."""
    from weasyprint.layout import absolute

    from vimanual.pdf.patches import replace_in_weasyprint

    replace_in_weasyprint(absolute, "absolute_block", enabled, _reusing)


def _reusing(real: Any) -> Any:
    """WeasyPrint's ``absolute_block`` reusing each document's marker layouts; None if ``real`` is
    not the one this was written for (WeasyPrint then lays every marker out)."""
    if list(inspect.signature(real).parameters) != _PARAMETERS:
        return None
    from weasyprint.css.properties import INHERITED

    inherited = tuple(sorted(INHERITED))

    def reused(context: Any, box: Any, containing_block: Any, fixed_boxes: Any, bottom_space: Any,
               skip_stack: Any, cb_x: Any, cb_y: Any, cb_width: Any, cb_height: Any) -> Any:
        # kept with the document's layout context: its boxes and shaped text live as long as it
        try:
            laid, styles = context.__dict__.setdefault("vimanual_markers", ({}, {}))
            key = _key(box, cb_width, styles, inherited) if not skip_stack else None
        except (AttributeError, TypeError, ValueError):  # not the WeasyPrint this was written for
            key = None
        if key is None:
            return real(context, box, containing_block, fixed_boxes, bottom_space, skip_stack,
                        cb_x, cb_y, cb_width, cb_height)
        if key in laid:
            REUSED[0] += 1
            return _moved(box, *laid[key]), None
        x, y = box.position_x, box.position_y
        before = [dict(level.__dict__) for level in _levels(box)]
        new_box, resume_at = real(context, box, containing_block, fixed_boxes, bottom_space, skip_stack,
                                  cb_x, cb_y, cb_width, cb_height)
        if resume_at is None and _is_marker(new_box):
            # what the layout gave each box: new attributes, and those it replaced
            laid[key] = (x, y, [{name: value for name, value in level.__dict__.items()
                                 if name != "children" and (name not in old or old[name] is not value)}
                                for old, level in zip(before, _levels(new_box), strict=True)])
        return new_box, resume_at

    return reused


def _is_marker(box: Any) -> bool:
    """Whether ``box`` is an outside marker of one text: a block holding one line of one text."""
    from weasyprint.formatting_structure import boxes

    if not (box.is_outside_marker and type(box) is boxes.BlockBox and len(box.children) == 1):
        return False
    line = box.children[0]
    return (type(line) is boxes.LineBox and len(line.children) == 1
            and type(line.children[0]) is boxes.TextBox)


def _levels(box: Any) -> list[Any]:
    """The marker's block, its line and its text."""
    line = box.children[0]
    return [box, line, line.children[0]]


def _key(box: Any, width: float, styles: dict[Any, Any], inherited: tuple[str, ...]) -> Any:
    """What the layout of marker ``box`` (in a containing block ``width`` wide) is made of, or
    None if it is not a marker of one text laid out from its start.

    The marker's three boxes have anonymous styles, each inheriting from the one before, the
    text's from the marker's own style (``::marker``): so their styles are what that style is
    (its list item's style, one object for items alike, and what ``::marker`` rules set), with
    the two properties WeasyPrint sets on them (the text's ``white-space``, the block's
    ``position``). Their inherited properties' values are kept in ``styles`` by the list item's
    style and the marker's own rules."""
    from weasyprint.css import AnonymousStyle, ComputedStyle

    if not _is_marker(box):
        return None
    block, line, text = _levels(box)
    marker = text.style.parent_style
    if not (type(text.style) is AnonymousStyle and block.style.parent_style is text.style
            and line.style.parent_style is block.style and type(marker) is ComputedStyle
            and marker.pseudo_type == "marker" and marker.parent_style is not None):
        return None
    cascaded = tuple(sorted((name, repr(value)) for name, (value, _) in marker.cascaded.items()))
    made_of = (id(marker.parent_style), cascaded)
    if made_of not in styles:  # the values themselves: items of other lists alike share them
        values = tuple(text.style[name] for name in inherited)
        try:
            hash(values)
        except TypeError:  # a value that is a list: compared by what it prints as
            values = repr(values)  # type: ignore[assignment]
        styles[made_of] = values
    return (text.text, width, styles[made_of], text.style["white_space"], block.style["position"])


def _moved(box: Any, x: float, y: float, given: list[dict[str, Any]]) -> Any:
    """Marker ``box`` laid out as the one at (``x``, ``y``) was (``given``), moved to its place."""
    made = []
    for level, attributes in zip(_levels(box), given, strict=True):
        copy = level.copy()
        copy.__dict__.update(attributes)
        made.append(copy)
    made[0].children = [made[1]]
    made[1].children = [made[2]]
    made[0].translate(box.position_x - x, box.position_y - y)
    return made[0]
