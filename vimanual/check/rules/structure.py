"""Structure a chapter's text may not have: nesting too deep to lay out, display math, and
inline math that pandoc cannot print as text.

All are refused here, with the line, rather than discovered in the PDF: the renderer
recurses once per nesting level (a few hundred levels end in a RecursionError after
minutes, naming no chapter), and it has no mathematical typesetting, so a ``$$…$$``
formula would print as raw LaTeX or as jumbled symbols. Simple inline math (``$x^2$``,
``$\\alpha_i$``) is printed as Unicode text and stays allowed; which formulas pandoc cannot
print is pandoc's own verdict (tools.pandoc.unprintable_math), asked by check's run.
"""

from __future__ import annotations

import re

from vimanual.base.nesting import MAX_INLINE_NESTING, MAX_NESTING, inline_nesting, markdown_nesting
from vimanual.check.rules import ERROR, Hit
from vimanual.check.rules.markdown import ParsedBody

DISPLAY_MATH_RE = re.compile(r"\$\$(?=\S)(?:[^$]|\$(?!\$))+?\$\$", re.S)
# pandoc's tex_math_dollars: no space inside either dollar, no digit right after the closing one,
# within one paragraph.
INLINE_MATH_RE = re.compile(r"(?<![\\$])\$(?=[^\s$])((?:[^$\\\n]|\\.|\n(?![ \t]*\n))+?)(?<=\S)\$(?![$\d])")


def inline_math(parsed: ParsedBody) -> list[tuple[int, int, str]]:
    """(start, end, formula) of every inline ``$…$`` formula outside code and display math."""
    text = DISPLAY_MATH_RE.sub(lambda m: " " * len(m.group()), parsed.masked)
    return [(m.start(), m.end(), m.group(1)) for m in INLINE_MATH_RE.finditer(text)]


def check_structure(parsed: ParsedBody, unprintable: frozenset[str] = frozenset()) -> list[Hit]:
    """Nesting deeper than the stated depths, display math, and the inline formulas in
    ``unprintable`` (those pandoc cannot print as text), each with its line."""
    hits: list[Hit] = []
    found = markdown_nesting(parsed.text)
    if found:
        line, depth = found
        start = parsed.line_starts[line - 1] if line - 1 < len(parsed.line_starts) else 0
        hits.append(Hit(start, start + 1, "too-deep", ERROR,
                        f"lists, quotes or blocks nested {depth} levels deep (at most {MAX_NESTING})",
                        "flatten the nesting: split the list or quote into sections or a table"))
    found = inline_nesting(parsed.masked)
    if found:
        line, depth = found
        start = parsed.line_starts[line - 1] if line - 1 < len(parsed.line_starts) else 0
        hits.append(Hit(start, start + 1, "too-deep", ERROR,
                        f"emphasis, links or spans nested {depth} levels deep in one paragraph "
                        f"(at most {MAX_INLINE_NESTING})",
                        "close the emphasis and links you open; no sentence needs more than a few levels"))
    for match in DISPLAY_MATH_RE.finditer(parsed.masked):
        hits.append(Hit(match.start(), match.end(), "display-math", ERROR,
                        "display math ($$…$$) cannot be printed: the PDF renderer has no maths typesetting",
                        "put the formula in as an image (SVG or PNG, with alt text giving the formula in "
                        "words) or write it as text, e.g. 'rate = matches / images reviewed'"))
    for start, end, formula in inline_math(parsed):
        if formula.strip() in unprintable:
            hits.append(Hit(start, end, "inline-math", ERROR,
                            f"the formula ${formula[:60]}$ cannot be printed: it would appear as raw TeX "
                            "(fractions, roots, sums and matrices have no text form)",
                            "write it as text, e.g. 'm / n' for \\frac{m}{n} or 'sqrt(x)', or put it in "
                            "as an image (SVG or PNG) with alt text giving the formula in words"))
    return hits
