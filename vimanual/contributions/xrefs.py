"""Cross-references of a converted document: every internal link keeps a target, or is reported.

Word keeps a cross-reference's target as a bookmark (``_Ref…``, ``_Toc…``), LibreOffice as
a bookmark or reference mark; pandoc turns them into empty anchor Spans and the references
into ``#id`` links. This pass runs on pandoc's AST before the Markdown is written:

- a bookmark inside a heading becomes the heading itself (links are pointed at its id);
- an anchor that nothing links to is dropped (Word scatters ``_GoBack`` and the like);
- LibreOffice's ``#Heading text|outline`` links point at that heading;
- the heading that became the chapter's title leaves an anchor behind when linked to;
- a link whose target the document does not contain is kept as plain text and reported in
  words a Word user recognises, at submit time rather than as a broken anchor at check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vimanual.contributions.astwalk import inline_text, walk_nodes

ID_BEARING = {"Header", "Span", "Div", "Code", "CodeBlock", "Table", "Figure", "Image", "Link"}


def _attr(node: dict[str, Any]) -> list[Any] | None:
    kind, content = node["t"], node.get("c")
    if not isinstance(content, list):
        return None
    if kind == "Header":
        return list(content[1])
    if kind in ("Span", "Div", "Code", "CodeBlock", "Table", "Figure", "Image", "Link"):
        return list(content[0])
    return None


def _is_anchor(node: dict[str, Any]) -> bool:
    return node["t"] == "Span" and not node["c"][1] and bool(node["c"][0][0])


def _internal(node: dict[str, Any]) -> str | None:
    target = node["c"][2][0]
    return target[1:] if isinstance(target, str) and target.startswith("#") else None


def fix_cross_references(
    blocks: list[Any], title_id: str | None, warn: Callable[[str], None]
) -> None:
    """Point every ``#id`` link of ``blocks`` at a target the chapter will hold, in place.

    ``title_id`` is the id of the heading that became the chapter's title (and left the
    text): links to it get an anchor at the start of the chapter.
    """
    _flatten_nested_links(blocks)
    aliases: dict[str, str] = {}
    headings: dict[str, str] = {}
    for node in walk_nodes(blocks):
        if node["t"] == "Header":
            header_id = node["c"][1][0]
            headings.setdefault(inline_text(node["c"][2]).casefold(), header_id)
            for inner in walk_nodes(node["c"][2]):
                if _is_anchor(inner) and header_id:
                    aliases[inner["c"][0][0]] = header_id
    links = [n for n in walk_nodes(blocks) if n["t"] == "Link" and _internal(n) is not None]
    for link in links:
        target = _internal(link) or ""
        if target.endswith("|outline"):  # LibreOffice: a link to a heading by its text
            found = headings.get(target[: -len("|outline")].casefold())
            if found:
                aliases[target] = found
        if target in aliases:
            link["c"][2][0] = f"#{aliases[target]}"
    targeted = {_internal(n) for n in links}
    _drop_anchors(blocks, targeted, set(aliases))
    ids = {a[0] for n in walk_nodes(blocks) if n["t"] in ID_BEARING and (a := _attr(n)) and a[0]}
    if title_id and title_id in targeted and title_id not in ids:
        _anchor_at_start(blocks, title_id)
        ids.add(title_id)
    _unlink_missing(blocks, ids, warn)


def _flatten_nested_links(blocks: list[Any]) -> None:
    """A link inside a link keeps only its text (the outer link's target stays): a Word
    cross-reference the author also linked (a REF field in a hyperlink), or an entry of a list
    of figures, is one link in the document, but pandoc reads two, and Markdown cannot nest
    them: the manual printed "[Scope](#scope)" as the link's words."""
    for link in [node for node in walk_nodes(blocks) if node["t"] == "Link"]:
        link["c"][1] = _without_links(link["c"][1])


def _without_links(node: Any) -> Any:
    """``node`` (inlines, at any depth: in emphasis, say) with each link replaced by its text."""
    if isinstance(node, list):
        out: list[Any] = []
        for item in node:
            if isinstance(item, dict) and item.get("t") == "Link":
                out.extend(_without_links(item["c"][1]))
            else:
                out.append(_without_links(item))
        return out
    if isinstance(node, dict) and "c" in node:
        node["c"] = _without_links(node["c"])
    return node


def _droppable(item: Any, targeted: set[str | None], moved: set[str]) -> bool:
    """An empty anchor Span that nothing links to, or whose heading now carries the links."""
    if not (isinstance(item, dict) and item.get("t") == "Span" and not item["c"][1]):
        return False
    anchor_id, classes, attributes = item["c"][0]
    if attributes or set(classes) - {"anchor"}:
        return False
    return not anchor_id or anchor_id in moved or anchor_id not in targeted


def _drop_anchors(node: Any, targeted: set[str | None], moved: set[str]) -> None:
    if isinstance(node, list):
        node[:] = [item for item in node if not _droppable(item, targeted, moved)]
        for item in node:
            _drop_anchors(item, targeted, moved)
    elif isinstance(node, dict):
        _drop_anchors(node.get("c"), targeted, moved)


def _anchor_at_start(blocks: list[Any], anchor_id: str) -> None:
    anchor = {"t": "Span", "c": [[anchor_id, [], []], []]}
    if blocks and isinstance(blocks[0], dict) and blocks[0].get("t") in ("Para", "Plain"):
        blocks[0]["c"].insert(0, anchor)
    else:
        blocks.insert(0, {"t": "Para", "c": [anchor]})


def _unlink_missing(node: Any, ids: set[str], warn: Callable[[str], None]) -> None:
    if isinstance(node, list):
        out: list[Any] = []
        for item in node:
            if isinstance(item, dict) and item.get("t") == "Link":
                target = _internal(item)
                if target is not None and target not in ids:
                    shown = inline_text(item["c"][1]) or target
                    warn(f"the cross-reference '{shown[:60]}' points at a bookmark ('{target[:60]}') that "
                         "the document does not contain; it is kept as plain text (add the bookmark "
                         "in Word, update the field with F9, and submit again to keep the link)")
                    _unlink_missing(item["c"][1], ids, warn)
                    out.extend(item["c"][1])
                    continue
            _unlink_missing(item, ids, warn)
            out.append(item)
        node[:] = out
    elif isinstance(node, dict):
        _unlink_missing(node.get("c"), ids, warn)


def restore_heading_ids(blocks: list[Any], names: list[str | None]) -> None:
    """Give each heading the bookmark name its paragraph had (``names``, one per heading in
    order, from the .docx itself) and point the links to its generated id at that name, in
    place. Only when pandoc read as many headings as the document has: else nothing is changed."""
    headers = [node for node in walk_nodes(blocks) if node["t"] == "Header"]
    if len(headers) != len(names):
        return
    renamed: dict[str, str] = {}
    for header, name in zip(headers, names, strict=True):
        if name and header["c"][1][0] != name:
            renamed[header["c"][1][0]] = name
            header["c"][1][0] = name
    for node in walk_nodes(blocks):
        if node["t"] == "Link" and (target := _internal(node)) in renamed:
            node["c"][2][0] = "#" + renamed[str(target)]
