"""Structure a chapter's text may not have: nesting too deep to lay out, display math.

Both are refused here, with the line, rather than discovered in the PDF: the renderer
recurses once per nesting level (a few hundred levels end in a RecursionError after
minutes, naming no chapter), and it has no mathematical typesetting, so a ``$$…$$``
formula would print as raw LaTeX or as jumbled symbols.
"""

from __future__ import annotations

import re

from vimanual.base.nesting import MAX_NESTING, markdown_nesting
from vimanual.check.rules import ERROR, Hit
from vimanual.check.rules.markdown import ParsedBody

DISPLAY_MATH_RE = re.compile(r"\$\$(?=\S)(?:[^$]|\$(?!\$))+?\$\$", re.S)


def check_structure(parsed: ParsedBody) -> list[Hit]:
    """Nesting deeper than MAX_NESTING levels, and display math, each with its line."""
    hits: list[Hit] = []
    found = markdown_nesting(parsed.text)
    if found:
        line, depth = found
        start = parsed.line_starts[line - 1] if line - 1 < len(parsed.line_starts) else 0
        hits.append(Hit(start, start + 1, "too-deep", ERROR,
                        f"lists, quotes or blocks nested {depth} levels deep (at most {MAX_NESTING})",
                        "flatten the nesting: split the list or quote into sections or a table"))
    for match in DISPLAY_MATH_RE.finditer(parsed.masked):
        hits.append(Hit(match.start(), match.end(), "display-math", ERROR,
                        "display math ($$…$$) cannot be printed: the PDF renderer has no maths typesetting",
                        "put the formula in as an image (SVG or PNG, with alt text giving the formula in "
                        "words) or write it as text, e.g. 'rate = matches / images reviewed'"))
    return hits
