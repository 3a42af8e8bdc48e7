"""What ``check`` will say about a submitted text once it is a chapter, told at submit.

A page written for a documentation site (MkDocs, Sphinx, a wiki) links to the site's other
pages (``../install.md``) and carries HTML and admonitions. The submission is taken as it
is (the text is the contributor's), but the contributor hears at once, in one line per kind,
what the editor's ``check`` will report: links that name no chapter and no web address
(errors that stop the build) and markup that prints as text. The rules are check's own.
"""

from __future__ import annotations

from vimanual.check.rules import ERROR, Hit
from vimanual.check.rules.links import check_links
from vimanual.check.rules.markdown import parse_body
from vimanual.check.rules.markup import check_markup
from vimanual.workspace.load import split_front_matter

_LINK_RULES = ("broken-link", "bad-url", "unsafe-url")
_SHOWN = 3


def text_findings(text: str, slug: str, chapters: frozenset[str]) -> list[str]:
    """Warnings for a submitted revision's Markdown ``text`` meant for chapter ``slug``."""
    body = split_front_matter(text, slug)[2] if text.startswith("---\n") else text
    parsed = parse_body(body)
    links = [hit for hit in check_links(parsed, slug, chapters | {slug}, {})
             if hit.rule in _LINK_RULES and hit.severity == ERROR]
    markup = check_markup(parsed)
    targets = {link.start: link.target for link in parsed.links}
    found: list[str] = []
    if links:
        shown = [targets.get(hit.start, parsed.text[hit.start:hit.end]) for hit in links]
        found.append(f"{_count(links, 'link')} that 'check' will report as errors, which stop the build: "
                     f"{_examples(shown)}; link to a web address (https://…) or to a chapter "
                     "of the manual as 'slug.md#section', then revise")
    if markup:
        shown = [parsed.text[hit.start:hit.end] for hit in markup]
        found.append(f"{_count(markup, 'piece')} of HTML or MkDocs markup that will print as text: "
                     f"{_examples(shown)}; write it in Markdown, then revise ('check' names each line)")
    return found


def _count(hits: list[Hit], noun: str) -> str:
    return f"{len(hits)} {noun}{'s' if len(hits) != 1 else ''}"


def _examples(snippets: list[str]) -> str:
    shown = []
    for snippet in snippets[:_SHOWN]:
        flat = " ".join(snippet.split())
        shown.append(f"'{flat if len(flat) <= 60 else flat[:59] + '…'}'")
    return ", ".join(shown) + (f" and {len(snippets) - _SHOWN} more" if len(snippets) > _SHOWN else "")
