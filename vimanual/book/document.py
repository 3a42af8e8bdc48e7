"""One HTML document from the workspace's template: the whole manual for screens, or for the
PDF the whole book, its front matter or some of its body (a ``Part``)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from vimanual import __version__
from vimanual.base.errors import VimanualError
from vimanual.base.sanitize import with_content_policy
from vimanual.book.chapters import RenderedChapter
from vimanual.book.languages import direction
from vimanual.book.plan import TEMPLATE, BuildPlan, ReleaseInfo, edition_label, edition_title
from vimanual.pdf.layout import Part
from vimanual.pdf.margins import body_page_css, css_string
from vimanual.workspace.load import Workspace


def _page_css(workspace: Workspace, paper: str, release: ReleaseInfo | None = None,
              numbers: Sequence[str] = ()) -> str:
    rule = f"@page {{ size: {paper}; "
    if workspace.manual.marking:
        rule += f"@bottom-left {{ content: {css_string(workspace.manual.marking)}; }} "
    if release is not None:
        label = edition_label(release, numbers)
        rule += (f"@bottom-center {{ content: {css_string(label)}; "
                 'font-family: "Manual Sans", sans-serif; font-size: 8.5pt; } ')
    return rule + "}"


def _print_marking_css(workspace: Workspace) -> str:
    """The marking on every page when a reader prints the HTML; the paper is the printer's."""
    if not workspace.manual.marking:
        return ""
    return (f"@media print {{ @page {{ @bottom-left {{ content: {css_string(workspace.manual.marking)}; "
            'font-family: "Manual Sans", sans-serif; font-size: 8.5pt; font-weight: bold; } } }')


def assemble(plan: BuildPlan, chapters: list[RenderedChapter], target: str, part: Part | None = None) -> str:
    """One HTML document for ``target`` ('html' or 'pdf') from the workspace's template.

    A released edition (``plan.options.release``) puts its label and date on the cover and
    in the footer and adds the review record of the chapters built. ``part`` (PDF only)
    makes the document just the front matter or some of the body (see pdf/layout.py).
    """
    import jinja2

    part = part or Part()
    workspace, release = plan.workspace, plan.options.release

    def css(name: str, media: str = "") -> dict[str, str]:
        return {"text": plan.css(name), "media": media}

    if target == "pdf":
        stylesheets = [css("fonts.css"), css("base.css"), css("print.css")]
    else:
        stylesheets = [css("base.css"), css("screen.css", "screen"), css("print.css", "print")]
    manual = workspace.manual
    if target != "pdf":
        page_css = _print_marking_css(workspace)
    elif part.kind == "book":
        page_css = _page_css(workspace, plan.paper, release, [c.number for c in chapters])
    else:
        page_css = body_page_css(plan.paper)
    numbers = [c.number for c in chapters]
    title = edition_title(release, numbers) if release is not None else ""
    try:
        html = str(plan.template.render(
            manual=manual,
            part=part.kind,
            chapters=chapters if part.slugs is None else [c for c in chapters if c.slug in part.slugs],
            glossary=plan.glossary if part.glossary else [],
            with_record=part.record,
            pages=part.pages,
            target=target,
            stylesheets=stylesheets,
            page_css=page_css,
            draft=plan.options.draft,
            release=release,
            record=[] if release is None else [
                entry for entry in release.record if entry.slug in {c.slug for c in chapters}
            ],
            date=plan.date,
            version=__version__,
            authors=plan.authors,
            subject=manual.subtitle or manual.title,
            jurisdictions=" · ".join(j.name for j in manual.jurisdictions),
            labels=plan.labels,
            text_direction=direction(manual.language),
            handout_title=title,
        ))
    except jinja2.TemplateError as exc:
        raise VimanualError(f"styles/{TEMPLATE}: template error: {exc}",
                            "fix the template, or delete it to use the default") from None
    if release is not None and release.handout:
        html = _mark_handout_cover(html, title)
    return with_content_policy(html) if target == "html" and plan.options.content_policy else html


def _mark_handout_cover(html: str, title: str) -> str:
    """A handout's cover says so, also from a template frozen before handouts did (a released
    edition's own template): add the line at the end of the cover if the template has none."""
    start = html.find('<header class="cover"')
    if start < 0 or "cover-handout" in html:
        return html
    end = html.find("</header>", start)
    if end < 0:
        return html
    line = f'<p class="cover-edition cover-handout">{escape(title)}</p>\n'
    return html[:end] + line + html[end:]
