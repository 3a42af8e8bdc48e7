"""Pages that the same ``@page`` rules match share their computed styles (the layout worker's).

WeasyPrint gives every page a page type of its own (its side, whether it is blank, its name,
its index and its page groups) and, for each, matches every ``@page`` rule against it and
computes the page's style and its margin boxes' anew: seventeen styles a page, each of whose
values is computed again on first use. For a document of margin pages (pdf/margins.py's
``margin_document``: the running head, marking, folio and watermark of each book page) that
was a third of its layout (0.63 of 0.18 + 0.45 CPU s for the generated book's 135 sheets).

Whether a rule matches a page depends on its index only through ``:first`` (the index is 0)
and ``:nth()`` (its index, or its place in a page group). So where no rule has ``:nth()``,
two pages of one side, blankness, name and firstness get the same declarations, hence the
same computed styles. ``share_page_styles`` computes them for the first page of each such
kind, as WeasyPrint does, and gives the later pages of the kind the same style objects. A
document with an ``:nth()`` page selector is laid out as WeasyPrint lays it out, and so is
a page laid out again (WeasyPrint's ``remake_page``: its styles computed afresh).

What WeasyPrint then does to a page's style is the same on every page (``overflow`` from the
root; the page-based counters made standard, which changes nothing the second time), so the
PDF is the same bytes (tests/test_page_styles.py). It is put in place only over the
WeasyPrint it was written for (``WRITTEN_FROM``: the digests of the function it wraps and of
the rule that matches a page type).
"""

from __future__ import annotations

from typing import Any

from vimanual.pdf.patches import source_digest

#: The SHA-256 of the sources of WeasyPrint's ``set_page_type_computed_styles`` and
#: ``StyleFor._page_type_match`` this module was written for (WeasyPrint 70.0's).
WRITTEN_FROM = frozenset({(
    "4e68b396b35c4a0640453f413be69acdc81a82b37e0f806fd00999c937a126bb",
    "e81e6a05201f06436306e3dacce45b5737a6f13af25280429ffb2f7d86345933",
)})
#: Pages given the styles of an earlier page of their kind in this process (for the tests).
SHARED = [0]


def share_page_styles(enabled: bool) -> None:
    """Make WeasyPrint share page styles as described above (or compute them for every page)."""
    import weasyprint.layout.page

    from vimanual.pdf.patches import replace_in_weasyprint

    replace_in_weasyprint(weasyprint.layout.page, "set_page_type_computed_styles", enabled, _sharing)


def _sharing(real: Any) -> Any:
    """WeasyPrint's ``set_page_type_computed_styles`` (``real``) sharing a kind's styles, or
    None if ``real`` or the page type's matching is not what this was written for."""
    from weasyprint.css import StyleFor

    if (source_digest(real), source_digest(StyleFor._page_type_match)) not in WRITTEN_FROM:
        return None

    def set_page_type_computed_styles(page_type: Any, html: Any, style_for: Any) -> None:
        kinds = _kinds(style_for)
        key = (page_type.side, page_type.blank, page_type.name, page_type.index == 0)
        first = None if kinds is None else kinds.get(key)
        if first is None or first[0] == page_type:  # the kind's first page (or laid out again)
            real(page_type, html, style_for)
            if kinds is not None:
                kinds[key] = (page_type, [pseudo for element, pseudo in style_for.get_computed_styles()
                                          if element == page_type])
            return
        computed = style_for.get_computed_styles()
        for pseudo in first[1]:
            computed[page_type, pseudo] = computed[first[0], pseudo]
        SHARED[0] += 1

    return set_page_type_computed_styles


def _kinds(style_for: Any) -> dict[tuple[Any, ...], tuple[Any, list[Any]]] | None:
    """The document's first page of each kind and the pseudo-elements styled for it, kept with
    its styles; None where a page selector has ``:nth()`` (the index then matters)."""
    state = style_for.__dict__
    if "vimanual_page_kinds" not in state:
        try:
            plain = all(selector[2].index is None for sheet, _, _ in style_for._sheets
                        for _, selectors, _ in sheet.page_rules for selector in selectors)
        except (AttributeError, IndexError, TypeError, ValueError):  # not what this was written for
            plain = False
        state["vimanual_page_kinds"] = {} if plain else None
    kinds: dict[tuple[Any, ...], tuple[Any, list[Any]]] | None = state["vimanual_page_kinds"]
    return kinds
