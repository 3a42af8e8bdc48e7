"""Per-jurisdiction passages: ``::: {.only jurisdiction="UK,AU"}`` must name known codes."""

from __future__ import annotations

import re
from collections.abc import Iterable

from vimanual.check.rules import ERROR, Hit
from vimanual.check.rules.markdown import ParsedBody

# An opening fence of a pandoc fenced div with an attribute block that has the class 'only'.
ONLY_FENCE_RE = re.compile(r"^[ ]{0,3}:{3,}[ \t]*(?:\{(?P<attrs>[^}\n]*)\}|(?P<word>[\w-]+)[ \t]*$)", re.M)
CLASS_RE = re.compile(r"(?:^|\s)\.only(?=\s|$)")
JURISDICTION_RE = re.compile(r"""(?:^|\s)jurisdiction\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")
HINT = 'write ::: {.only jurisdiction="UK,AU"} with codes from manual.yaml'


def check_variants(body: ParsedBody, codes: Iterable[str]) -> list[Hit]:
    """An error for each .only div without a jurisdiction or naming an unknown code."""
    known = tuple(codes)
    hits: list[Hit] = []
    for fence in ONLY_FENCE_RE.finditer(body.text):
        attrs = fence.group("attrs")
        if attrs is None:  # "::: only" is "::: {.only}"
            attrs = "." + fence.group("word")
        if not CLASS_RE.search(attrs):
            continue
        found = JURISDICTION_RE.search(attrs)
        value = next((g for g in found.groups() if g is not None), "") if found else ""
        given = [c for c in re.split(r"[,\s]+", value) if c]
        if not given:
            hits.append(Hit(fence.start(), fence.end(), "only-jurisdiction", ERROR,
                            "'.only' passage names no jurisdiction", HINT))
            continue
        for code in given:
            if code.upper() not in known:
                hits.append(Hit(fence.start(), fence.end(), "only-jurisdiction", ERROR,
                                f"'.only' passage names jurisdiction '{code}', which is not defined "
                                f"(known: {', '.join(known)})", HINT))
    return hits
