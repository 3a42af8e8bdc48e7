"""Walking pandoc's JSON AST of a contribution: the plain text of inlines, the nodes of a kind.

One walk serves every reader of a converted document's text (the title, a caption's number,
a comment's words, a cross-reference's shown text); each says which nodes it does not read
(a footnote is not part of a heading's title, a deleted word not part of a comment's range).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

Skip = Callable[[dict[str, Any]], bool]
_BREAKS = ("Space", "SoftBreak", "LineBreak")


def skip_kinds(*kinds: str) -> Skip:
    """A ``skip`` for ``inline_text`` that leaves out the nodes of these kinds (e.g. Note, Image)."""
    return lambda node: node.get("t") in kinds


def inline_text(nodes: Any, skip: Skip | None = None) -> str:
    """The plain text of pandoc inlines (or blocks), words joined by single spaces.

    ``skip`` names the nodes whose content is not read (the node and all below it).
    """
    parts: list[str] = []
    stack: list[Any] = [nodes]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            kind = item.get("t")
            if kind == "Str":
                parts.append(item["c"])
            elif kind in _BREAKS:
                parts.append(" ")
            elif skip is None or not skip(item):
                stack.append(item.get("c"))
    return " ".join("".join(parts).split())


def walk_nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every node (a dict with ``t``) under ``node``, in document order."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            if "t" in item:
                yield item
            stack.append(item.get("c"))


def find_nodes(node: Any, kind: str) -> list[dict[str, Any]]:
    """The nodes of ``kind`` under ``node``, in document order."""
    return [item for item in walk_nodes(node) if item["t"] == kind]
