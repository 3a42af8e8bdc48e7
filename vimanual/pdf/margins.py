"""The pages that show only a book's margins: running head, handling marking, a released
edition's label, "page N of M" and a draft's watermark, laid out as pages of their own
(``margin_document``) and laid under the body pages (pdf/layout.py, pdf/stitch.py)."""

from __future__ import annotations

from dataclasses import dataclass

from vimanual.pdf import folios
from vimanual.pdf.emptymargins import MARGIN_BOXES


@dataclass(frozen=True)
class Margins:
    """What the margins show besides the running head and the page number."""

    paper: str
    marking: str
    label: str  # a released edition's "Edition X · date", or ""
    draft: bool
    # The words of a language edition (book/languages.py); the defaults are the English book's.
    draft_word: str = "DRAFT"
    folio: str = "page {n} of {total}"
    front_folio: str = "page {n}"
    lang: str = "en"
    direction: str = "ltr"  # 'rtl': the marking and the page number change sides (Arabic)
    # A page without a number (the cover) shows the label alone; editions laid out before
    # (book/plan.COVER_LABEL_LAYOUT) showed it as "label · " and are rebuilt so.
    bare_label: bool = True



def css_string(text: str) -> str:
    """``text`` as a CSS string literal (on one line; no way to close the <style>)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    return '"' + " ".join(escaped.split()) + '"'


def body_page_css(paper: str) -> str:
    """Pages of the body and the front matter: the paper, and empty margins (the margin
    pages laid under them carry the running head, marking and page numbers)."""
    boxes = " ".join(f"@{box} {{ content: none !important; }}" for box in MARGIN_BOXES)
    return f"@page {{ size: {paper}; {boxes} }}"


#: A print.css holding this line gets the one-line footer (marking left; edition and page
#: right). A released edition's frozen styles without it are laid out exactly as they were.
FOOTER_ONE_LINE = "vimanual: footer on one line"


#: What a page's margins show, by the kind of page (see ``margin_document``).
PAGE, OPENER, BLANK = folios.PAGE, folios.OPENER, folios.BLANK


def margin_document(stylesheets: str, margins: Margins, pages: list[tuple[str, str, str]]) -> str:
    """Pages that show only their margins: ``pages`` is (running head, page number, kind) each.

    A chapter's opening page (OPENER) has no running head above its title, as books do. A
    blank page (BLANK, before a chapter that must start on a right-hand page) shows only the
    handling marking, which must be on every page of the material: no head, no number, no
    edition and no draft watermark.
    """
    import html

    boxes = {box: "none" for box in MARGIN_BOXES}
    boxes["top-center"] = "string(head)"
    boxes["bottom-right"] = "string(folio)"
    if margins.marking:
        boxes["bottom-left"] = css_string(margins.marking)
    unnumbered = ""  # the rules of a page without a number, when they differ
    if margins.label and FOOTER_ONE_LINE in stylesheets:
        # the edition beside the page number: the marking keeps the left half and more
        boxes["bottom-right"] = f'{css_string(margins.label)} " · " string(folio)'
        if margins.bare_label:
            unnumbered = f"@{'bottom-left' if margins.direction == 'rtl' else 'bottom-right'} " \
                         f"{{ content: {css_string(margins.label)} !important; }}"
    elif margins.label:  # stylesheets from before (a released edition's frozen styles): as then
        boxes["bottom-center"] = css_string(margins.label)
    marking_box = "bottom-left"
    extra = ""
    if margins.direction == "rtl":
        # A right-to-left book reads from the right: the marking starts there, the page
        # number (and edition) sits on the left; the margins' words are set in the Naskh face.
        boxes["bottom-left"], boxes["bottom-right"] = boxes["bottom-right"], boxes["bottom-left"]
        marking_box = "bottom-right"
        faces = '"Manual Arabic", "Manual Sans", sans-serif'
        extra = " ".join(f"@{box} {{ font-family: {faces} !important; direction: rtl; }}"
                         for box in ("top-center", "bottom-left", "bottom-right"))
    rules = " ".join(f"@{box} {{ content: {value} !important; }}" for box, value in boxes.items()) + extra
    blank_rules = " ".join(f"@{box} {{ content: none !important; }}" for box in MARGIN_BOXES
                           if box != marking_box)
    # The draft watermark is drawn on each sheet that is not blank (a fixed one would be on all).
    watermark = f'<div class="watermark">{html.escape(margins.draft_word)}</div>' if margins.draft else ""
    dir_attr = ' dir="rtl"' if margins.direction == "rtl" else ""
    sheets = "".join(
        '<div class="sheet {}" style="{}">{}</div>'.format(
            kind + (" unnumbered" if unnumbered and not folio and kind != BLANK else ""),
            html.escape(f"string-set: head {css_string(head)}, folio {css_string(folio)}"),
            "" if kind == BLANK else watermark)
        for head, folio, kind in pages
    )
    if unnumbered:
        unnumbered = f" @page vm-unnumbered {{ {unnumbered} }} .sheet.unnumbered {{ page: vm-unnumbered; }}"
    return (
        f'<!DOCTYPE html><html lang="{html.escape(margins.lang)}"{dir_attr}><head><meta charset="utf-8">'
        "<title>margins</title>"
        f"<style>{stylesheets}</style><style>@page {{ size: {margins.paper}; {rules} }} "
        f"@page vm-opener {{ @top-center {{ content: none !important; }} }} "
        f"@page vm-blank {{ {blank_rules} }} "
        ".sheet { break-after: page; } .sheet:last-of-type { break-after: auto; } "
        ".sheet.opener { page: vm-opener; } .sheet.blank { page: vm-blank; } "
        f".sheet > .watermark {{ position: absolute !important; }}{unnumbered}</style>"
        f"</head><body>{sheets}</body></html>"
    )
