"""Markup from other tools that the manual prints as text: HTML and MkDocs admonitions.

Raw HTML is off in the manual (contributions are untrusted), so ``<figure markdown>``,
``<br>`` or an HTML comment such as MkDocs' ``<!-- more -->`` is printed literally, angle
brackets and all; so is a Python-Markdown admonition (``!!! note "Title"``). Pages written
for a documentation site arrive with both. Only HTML element names are flagged, so
``<slug>`` written as a placeholder, meant to print as it is, is not.
"""

from __future__ import annotations

import re

from vimanual.check.rules import WARNING, Hit
from vimanual.check.rules.markdown import ParsedBody

_ELEMENTS = frozenset("""
a abbr address article aside audio b bdi bdo big blockquote body br button caption center cite code col
colgroup dd del details dfn div dl dt em embed figcaption figure font footer form h1 h2 h3 h4 h5 h6 head
header hr html i iframe img input ins kbd label li link main mark meta nav noscript object ol option p
picture pre q s samp script section select small source span strike strong style sub summary sup svg
table tbody td template textarea tfoot th thead time title tr tt u ul var video wbr
""".split())
_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_TAG_RE = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)(?:\s[^<>]*)?/?>")
_ADMONITION_RE = re.compile(r"(?m)^ {0,3}(?:!!!|\?\?\?\+?)[ \t]+[\w-]+.*$")
RULE = "raw-markup"


def check_markup(parsed: ParsedBody) -> list[Hit]:
    """HTML comments, HTML tags (by element name) and admonitions outside code, each a warning."""
    hits: list[Hit] = []
    text = parsed.masked
    for match in _COMMENT_RE.finditer(text):
        hits.append(Hit(match.start(), match.end(), RULE, WARNING,
                        f"HTML comment '{_shown(match.group())}' prints as text (the manual takes no HTML)",
                        "delete it; a remark for the editor belongs in the submission's --note"))
    text = _COMMENT_RE.sub(lambda m: " " * len(m.group()), text)
    for match in _TAG_RE.finditer(text):
        if match.group(1).lower() in _ELEMENTS:
            hits.append(Hit(match.start(), match.end(), RULE, WARNING,
                            f"HTML '{_shown(match.group())}' prints as text (the manual takes no HTML)",
                            "remove the tag and keep its text, or write it in Markdown (**bold**, "
                            "![alt](image.png), a pipe table)"))
    for match in _ADMONITION_RE.finditer(text):
        hits.append(Hit(match.start(), match.end(), RULE, WARNING,
                        f"'{_shown(match.group().strip())}' (an MkDocs admonition) prints as text",
                        "write it as a quote, '> **Note:** …', with its text in the quote"))
    return sorted(hits, key=lambda hit: hit.start)


def _shown(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 40 else flat[:39] + "…"
