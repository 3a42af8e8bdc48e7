"""Comments a contributor's document held, kept beside the revision they came with.

A Word or LibreOffice comment is a reviewer's or author's question about the text; it is
never manual text, and never silently dropped either. Each revision's comments are written
once, as ``r<number>.comments.yaml`` next to ``r<number>.md``, and shown to the editor by
``vimanual contributions ID``.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from vimanual.base.fsutil import atomic_write, safe_join
from vimanual.base.yamlio import dump_yaml, load_yaml
from vimanual.contributions.package import DocumentComment

HEADER = "# Comments the submitted document held (written by 'vimanual submit'; do not edit).\n"


def comments_file(number: int) -> str:
    """The file name of revision ``number``'s comments."""
    return f"r{number}.comments.yaml"


def write_comments(folder: Path, number: int, comments: list[DocumentComment]) -> None:
    """Keep ``comments`` with revision ``number`` in the contribution ``folder`` (nothing if none)."""
    if comments:
        text = HEADER + dump_yaml({"comments": [asdict(c) for c in comments]})
        atomic_write(safe_join(folder, comments_file(number)), text)


def load_comments(folder: Path, number: int, where: str) -> list[DocumentComment]:
    """The comments kept with revision ``number``; damaged entries are skipped, not guessed."""
    path = safe_join(folder, comments_file(number))
    if not path.is_file():
        return []
    data = load_yaml(path, f"{where}/{comments_file(number)}").data
    found: list[DocumentComment] = []
    for item in data.get("comments") or []:
        if isinstance(item, dict) and all(isinstance(item.get(k, ""), str) for k in ("author", "date", "text",
                                                                                         "on")):
            found.append(DocumentComment(str(item.get("author", "")), str(item.get("date", "")),
                                         str(item.get("text", "")), str(item.get("on", ""))))
    return found


def revision_comments(
    root: Path, contribution_id: str, numbers: list[int]
) -> dict[int, list[DocumentComment]]:
    """The kept comments of each of ``numbers`` (revisions of a loaded contribution)."""
    folder = safe_join(root, "contributions", contribution_id)
    where = f"contributions/{contribution_id}"
    return {number: load_comments(folder, number, where) for number in numbers}
