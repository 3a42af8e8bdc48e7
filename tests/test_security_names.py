"""Promise 8: names are never paths.

Slugs, jurisdiction codes and contribution ids go through one validator (vimanual.base.names);
hypothesis tries path pieces, look-alikes, reserved and very long names on it, and the CLI
refuses them. Symbolic links inside the workspace that point outside are refused on every
code path that reads through them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import build_file_tree, chapter_md, manual_yaml, run
from tests.security_helpers import CANARY, PNG_1PX, plant_canary
from vimanual.base.fsutil import safe_join
from vimanual.base.names import RESERVED, is_code, is_contribution_id, is_slug

PIECES = ["..", "/", "\\", "\0", ".", ":", "~", " ", "\n", "\u2215", "\u2044", "\uff0f", "\u29f8",
          "\u2024\u2024", "\u0430", "\u0131", "\u200b", "\ufeff", "%2f", "..%2f", ".git", "\u00e9"]
names = st.lists(st.one_of(st.sampled_from(PIECES), st.text(min_size=0, max_size=5)), max_size=8).map("".join)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(names)
def test_the_validator_never_lets_a_path_through(value: str) -> None:
    for check in (is_slug, is_code, is_contribution_id):
        if check(value):
            assert set(value) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
            assert not any(p in value for p in ("..", "/", "\\", "\0", ":", " ", "%", "."))
            assert len(value) <= 100
            assert value.lower() not in RESERVED
            root = Path("/ws")
            assert safe_join(root, "chapters", f"{value}.md").parent == root / "chapters"


@given(st.sampled_from(sorted(RESERVED | {".git", "..", ".", "-x", "a" * 65, "a/b", "a\\b", "\u0430lpha",
                                          "alpha\0", "ALPHA", "alpha.md", "con"})))
def test_reserved_and_odd_names_are_refused(value: str) -> None:
    assert not is_slug(value)


def test_the_cli_refuses_names_that_are_paths(workspace: Path, tmp_path: Path) -> None:
    (tmp_path / "x.md").write_text("# X\n\nText.\n", encoding="utf-8")
    for args in (
        ["build", "--chapters", "../../etc/passwd"],
        ["review", "../alpha", "-j", "UK", "--approve", "--as", "Ruth Reviewer"],
        ["review", "alpha", "-j", "../UK", "--approve", "--as", "Ruth Reviewer"],
        ["submit", str(tmp_path / "x.md"), "--chapter", "../../x", "--jurisdiction", "UK", "--as", "U"],
        ["submit", str(tmp_path / "x.md"), "--chapter", "con", "--jurisdiction", "UK", "--as", "U"],
        ["accept", "../../etc", "--as", "Ed"],
        ["accept", "20250101-uk-alpha-abcdef/../..", "--as", "Ed"],
    ):
        result = run("-C", workspace, *args)
        assert result.exit_code == 2, (args, result.output)
    assert not (workspace / "contributions").exists()
    assert not (workspace.parent / "x.md").exists() or (tmp_path / "x.md").exists()


def _submitted(ws: Path, tmp_path: Path) -> str:
    (tmp_path / "s.md").write_text("# Alpha\n\nNew text.\n", encoding="utf-8")
    result = run("-C", ws, "submit", tmp_path / "s.md", "--chapter", "alpha", "--jurisdiction", "UK",
                 "--as", "U", "--json")
    assert result.exit_code == 0, result.output
    import json

    return str(json.loads(result.output)["id"])


@pytest.mark.slow
def test_links_pointing_outside_are_refused_on_every_path(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    canary = plant_canary(outside)
    (outside / "pic.png").write_bytes(PNG_1PX)
    (outside / "styles.css").write_text(f"body::before {{ content: '{CANARY}'; }}", encoding="utf-8")
    (outside / "gloss.yaml").write_text(f"terms:\n  - term: {CANARY}\n    definition: x\n", encoding="utf-8")
    ws = build_file_tree(tmp_path / "ws", {
        "manual.yaml": manual_yaml(chapters=["alpha", "beta"]),
        "chapters": {"alpha.md": chapter_md("Alpha", "![p](media/pic.png)\n", lead="UK"),
                     "media": {}, "beta.md": "placeholder"},
        "styles": {},
    })
    # a chapter file, a media image, a styles file, the glossary: all links to outside
    (ws / "chapters" / "beta.md").unlink()
    os.symlink(canary, ws / "chapters" / "beta.md")
    os.symlink(outside / "pic.png", ws / "chapters" / "media" / "pic.png")
    os.symlink(outside / "styles.css", ws / "styles" / "base.css")
    os.symlink(outside / "gloss.yaml", ws / "glossary.yaml")
    result = run("-C", ws, "build", "--format", "html", "--force")
    # a top-level link is refused first, where the workspace is found (issue 20 item 3)
    assert result.exit_code == 2 and "'glossary.yaml' is a symbolic link to" in result.output
    assert "outside the workspace" in result.output
    (ws / "glossary.yaml").unlink()
    result = run("-C", ws, "build", "--format", "html", "--force")
    assert result.exit_code == 2
    assert "chapters/beta.md" in result.output and "symbolic link" in result.output
    (ws / "chapters" / "beta.md").unlink()
    (ws / "chapters" / "beta.md").write_text(chapter_md("Beta", "Text.\n", lead="AU"), encoding="utf-8")
    result = run("-C", ws, "build", "--format", "html", "--force")
    assert result.exit_code == 2 and "styles/base.css is a link to a file outside" in result.output
    (ws / "styles" / "base.css").unlink()
    result = run("-C", ws, "build", "--format", "html", "--force")
    assert result.exit_code == 0, result.output
    assert "outside the workspace" in result.output  # the image link was refused
    html = (ws / "build" / "manual.html").read_text(encoding="utf-8")
    assert CANARY not in html and "data:image/png" not in html

    # a contribution's media folder, its revision file named in the record, its whole folder
    contribution = _submitted(ws, tmp_path)
    folder = ws / "contributions" / contribution
    record = (folder / "contribution.yaml").read_text(encoding="utf-8")
    hostile = record.replace("file: r1.md", "file: ../../../outside/canary.txt")
    (folder / "contribution.yaml").write_text(hostile, encoding="utf-8")
    result = run("-C", ws, "accept", contribution, "--as", "Ed")
    assert result.exit_code == 2 and "names the file" in result.output
    (folder / "contribution.yaml").write_text(record, encoding="utf-8")
    (folder / "r1.md").unlink()
    os.symlink(canary, folder / "r1.md")
    result = run("-C", ws, "accept", contribution, "--as", "Ed")
    assert result.exit_code == 2
    assert f"'contributions/{contribution}/r1.md' is a symbolic link, and vimanual makes none" \
        in result.output
    moved = outside / contribution
    shutil.move(str(folder), moved)
    (moved / "r1.md").unlink()
    (moved / "r1.md").write_text("# Alpha\n\nNew text.\n", encoding="utf-8")
    os.symlink(moved, folder)
    result = run("-C", ws, "accept", contribution, "--as", "Ed")
    assert result.exit_code == 2
    assert f"'contributions/{contribution}' is a symbolic link, and vimanual makes none" in result.output
    folder.unlink()  # what the hint says: the link goes, and the workspace works again
    assert CANARY not in (ws / "chapters" / "alpha.md").read_text(encoding="utf-8")
    assert "New text" not in (ws / "chapters" / "alpha.md").read_text(encoding="utf-8")

    # the reviews folder
    os.symlink(outside, ws / "reviews")
    result = run("-C", ws, "review", "alpha", "-j", "UK", "--approve", "--as", "Ruth Reviewer")
    assert result.exit_code == 2 and "'reviews' is a symbolic link to" in result.output
    assert not (outside / "alpha").exists()
