"""Edit manual.yaml as text, so that the editor's comments and layout survive.

Re-dumping the YAML would drop every comment; instead the one line that changes is
inserted (block list) or rewritten (flow list), and the result is parsed again and
compared with what was intended before it is ever written.
"""

from __future__ import annotations

import re

from vimanual.base.errors import VimanualError
from vimanual.base.yamlio import parse_yaml

FLOW_RE = re.compile(r"^(?P<head>\s*chapters\s*:\s*)\[(?P<items>[^\]#]*)\](?P<tail>\s*(?:#.*)?)$")


def add_chapter(text: str, slug: str, after: str | None = None, where: str = "manual.yaml") -> str:
    """``text`` of manual.yaml with ``slug`` added to ``chapters`` (at the end, or after ``after``)."""
    doc = parse_yaml(text, where)
    order = doc.data.get("chapters")
    if not isinstance(order, list):
        raise VimanualError(f"{where}: 'chapters' is not a list", "write 'chapters:' and '- slug' lines")
    if slug in order:
        raise VimanualError(f"{where}: chapter '{slug}' is already listed", "nothing to add")
    if after is not None and after not in order:
        raise VimanualError(f"chapter '{after}' (--after) is not in {where}",
                            f"chapters: {', '.join(order) or '(none)'}")
    position = order.index(after) + 1 if after is not None else len(order)
    wanted = [*order[:position], slug, *order[position:]]
    lines = text.splitlines(keepends=True)
    if order and _is_block_item(lines[doc.line("chapters", 0) - 1]):
        anchor = doc.line("chapters", position - 1)  # insert below this item (position >= 1 here)
        model = lines[doc.line("chapters", 0) - 1]
        indent = model[: len(model) - len(model.lstrip())]
        newline = "\r\n" if model.endswith("\r\n") else "\n"
        if anchor == len(lines) and not lines[-1].endswith("\n"):
            lines[-1] += newline
        lines.insert(anchor, f"{indent}- {slug}{newline}")
    else:
        index = doc.line("chapters") - 1
        match = FLOW_RE.match(lines[index].rstrip("\r\n"))
        if match is None:
            raise _cannot(where, slug)
        ending = lines[index][len(lines[index].rstrip("\r\n")):]
        lines[index] = f"{match['head']}[{', '.join(wanted)}]{match['tail']}{ending}"
    result = "".join(lines)
    check = parse_yaml(result, where).data
    if check.get("chapters") != wanted or {k: v for k, v in check.items() if k != "chapters"} != {
        k: v for k, v in doc.data.items() if k != "chapters"
    }:
        raise _cannot(where, slug)
    return result


def _is_block_item(line: str) -> bool:
    return line.lstrip().startswith("- ")


def _cannot(where: str, slug: str) -> VimanualError:
    return VimanualError(
        f"{where}: could not add '{slug}' to 'chapters' without rewriting the file",
        f"add a line '- {slug}' under 'chapters' by hand, then run the command again",
    )
