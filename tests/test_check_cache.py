"""check's per-chapter cache (build/cache/check/): an unchanged chapter is not checked again,
and every input a finding depends on makes it checked again; a damaged, forged or foreign
entry is never trusted; the folder stays bounded and inside the workspace."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import build_file_tree, chapter_md, manual_yaml, run

SAFE_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40">'  # over 1 kB
            + b"".join(b'<rect x="%d" width="1" height="40" fill="#123"/>' % x for x in range(40))
            + b"</svg>")
UNSAFE_SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
TERM = "child pornography"


def _workspace(root: Path, alpha: str = "## One {#one}\n\nAlpha text.\n", **manual: Any) -> Path:
    return build_file_tree(root, {
        "manual.yaml": manual_yaml(chapters=["alpha", "beta", "gamma"], **manual),
        "chapters": {
            "alpha.md": chapter_md("Alpha", alpha, lead="UK"),
            "beta.md": chapter_md("Beta", "## Beta section {#b}\n\nSee [one](alpha.md#one).\n", lead="AU"),
            "gamma.md": chapter_md("Gamma", "## Gamma\n\nSee [the section](#b).\n\n"
                                   "![A square.](media/square.svg)\n", lead="UK"),
            "media": {"square.svg": SAFE_SVG},
        },
    })


def _check(root: Path, *args: str) -> tuple[int, list[tuple[str, str]]]:
    result = run("-C", root, "check", "--json", *args)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, [(p["file"], p["rule"]) for p in json.loads(result.stdout)["problems"]]


def _entries(root: Path) -> dict[str, int]:
    """Entry file name → inode: an entry written again is a new file (temp + rename)."""
    folder = root / "build" / "cache" / "check"
    return {p.name: p.stat().st_ino for p in folder.glob("*.json")}


def test_an_unchanged_manual_is_served_from_the_cache_and_an_edit_checks_one_chapter(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "ws")
    assert _check(root) == (0, [])
    first = _entries(root)
    assert len(first) == 3  # one per chapter
    assert _check(root) == (0, [])
    assert _entries(root) == first  # nothing checked again, nothing written
    chapter = root / "chapters" / "alpha.md"
    chapter.write_text(chapter.read_text().replace("Alpha text.", f"Alpha {TERM} text."))
    assert _check(root) == (1, [("chapters/alpha.md", "terminology/child-pornography")])
    after = _entries(root)
    assert len(set(after) - set(first)) == 1  # only alpha was checked again
    assert {n: i for n, i in after.items() if n in first} == first


def _edit(path: str, old: str, new: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        target = root / path
        target.write_text(target.read_text().replace(old, new))
    return change


def _write(path: str, data: bytes | str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data if isinstance(data, bytes) else data.encode())
    return change


# (what changes, the change, the finding it must bring in a chapter whose text did not change)
CHANGES = [
    ("the heading a link names, in another chapter",
     _edit("chapters/alpha.md", "## One {#one}", "## Uno {#uno}"), ("chapters/beta.md", "broken-anchor")),
    ("the id a bare '#id' link finds in another chapter",
     _edit("chapters/beta.md", "{#b}", "{#bee}"), ("chapters/gamma.md", "broken-anchor")),
    ("a chapter leaves the manual", _write("manual.yaml", manual_yaml(chapters=["beta", "gamma"])),
     ("chapters/beta.md", "broken-link")),
    ("an image, rewritten in place", _write("chapters/media/square.svg", UNSAFE_SVG),
     ("chapters/gamma.md", "unsafe-svg")),
    ("the size limit for images",
     _write("manual.yaml", manual_yaml(chapters=["alpha", "beta", "gamma"], check={"max_image_kb": 1})),
     ("chapters/gamma.md", "image-too-large")),
    ("the terminology rules",
     _write("styles/terminology.yaml", "rules:\n  - id: no-square\n    terms: [square]\n"
            "    preferred: figure\n    why: a test\n    severity: error\n"),
     ("chapters/gamma.md", "terminology/no-square")),
]


@pytest.mark.parametrize(("what", "change", "finding"), CHANGES, ids=[c[0] for c in CHANGES])
def test_every_input_of_a_finding_checks_the_chapter_again(
        tmp_path: Path, what: str, change: Callable[[Path], None], finding: tuple[str, str]) -> None:
    root = _workspace(tmp_path / "ws")
    assert _check(root) == (0, [])
    change(root)
    code, found = _check(root)
    assert finding in found, (what, found)
    assert code == 1
    # and the same as a check without any cache says
    fresh = _workspace(tmp_path / "fresh")
    change(fresh)
    assert _check(fresh) == (code, found)


def test_the_build_preflight_uses_the_cache_and_refuses_what_changed(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "ws")
    assert run("-C", root, "build", "--format", "html").exit_code == 0
    entries = _entries(root)
    assert len(entries) == 3  # the pre-flight's own entries (errors only)
    (root / "chapters" / "media" / "square.svg").write_bytes(UNSAFE_SVG)
    result = run("-C", root, "build", "--format", "html")
    assert result.exit_code == 1, result.output
    assert "chapters/gamma.md" in result.output and "script" in result.output


def _one_entry(root: Path) -> Path:
    [entry] = [p for p in (root / "build" / "cache" / "check").glob("*.json")]
    return entry


def _single(tmp_path: Path, body: str) -> Path:
    return build_file_tree(tmp_path / "ws", {
        "manual.yaml": manual_yaml(chapters=["alpha"]),
        "chapters": {"alpha.md": chapter_md("Alpha", body, lead="UK")},
    })


DAMAGE = [
    ("says no problems", lambda raw: raw.replace(b'"terminology/child-pornography"', b'"todo"')),
    ("empty", lambda raw: b""),
    ("truncated", lambda raw: raw[: len(raw) // 2]),
    ("not JSON", lambda raw: b"\x00\xff" * 100),
    ("another shape", lambda raw: json.dumps({"entry": [], "seal": "00"}).encode()),
    ("oversize", lambda raw: raw + b" " * 5_000_000),
]


@pytest.mark.parametrize(("what", "damage"), DAMAGE, ids=[d[0] for d in DAMAGE])
def test_a_damaged_or_forged_entry_is_ignored_and_computed_again(
        tmp_path: Path, what: str, damage: Callable[[bytes], bytes]) -> None:
    root = _single(tmp_path, f"## One\n\nThe {TERM} wording.\n")
    expected = (1, [("chapters/alpha.md", "terminology/child-pornography")])
    assert _check(root) == expected
    entry = _one_entry(root)
    entry.write_bytes(damage(entry.read_bytes()))
    assert _check(root) == expected, what
    assert json.loads(_one_entry(root).read_text())["seal"]  # written again, sound


def test_an_entry_sealed_in_another_clone_is_not_trusted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A collaborator can commit build/cache/check/ with entries sealed by their own clone's key
    (they know the key that names the chapter's text): the entry says 'no problems'."""
    from vimanual.base.clonekey import seal

    root = _single(tmp_path, f"## One\n\nThe {TERM} wording.\n")
    assert _check(root)[0] == 1
    entry = _one_entry(root)
    data = json.loads(entry.read_text())
    data["entry"]["problems"] = []
    payload = json.dumps(data["entry"], separators=(",", ":"), ensure_ascii=False).encode()
    monkeypatch.setenv("VIMANUAL_STATE_DIR", str(tmp_path / "their-state"))
    data["seal"] = seal(root, entry.stem.encode() + b"\0" + payload)  # their clone's key
    entry.write_text(json.dumps(data))
    assert _check(root)[0] == 0  # in their clone, their own entry is theirs to trust
    monkeypatch.setenv("VIMANUAL_STATE_DIR", str(tmp_path / "our-state"))
    assert _check(root) == (1, [("chapters/alpha.md", "terminology/child-pornography")])


def test_a_linked_cache_folder_is_refused_and_not_written(tmp_path: Path) -> None:
    root = _single(tmp_path, "## One\n\nText.\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "build" / "cache").mkdir(parents=True)
    (root / "build" / "cache" / "check").symlink_to(outside)
    result = run("-C", root, "check")
    assert result.exit_code == 2
    assert "'build/cache/check' is a symbolic link, and vimanual makes none in build/" in result.output
    assert list(outside.iterdir()) == []
    (root / "build" / "cache" / "check").unlink()
    assert _check(root) == (0, [])


def test_a_linked_entry_is_refused(tmp_path: Path) -> None:
    root = _single(tmp_path, f"## One\n\nThe {TERM} wording.\n")
    assert _check(root)[0] == 1
    entry = _one_entry(root)
    decoy = tmp_path / "decoy.json"
    decoy.write_bytes(entry.read_bytes().replace(b'"terminology/child-pornography"', b'"todo"'))
    entry.unlink()
    entry.symlink_to(decoy)
    result = run("-C", root, "check")
    assert result.exit_code == 2 and "is a symbolic link" in result.output
    entry.unlink()
    assert _check(root) == (1, [("chapters/alpha.md", "terminology/child-pornography")])


def test_the_cache_folder_stays_bounded(tmp_path: Path) -> None:
    root = _single(tmp_path, "## One\n\nText.\n")
    folder = root / "build" / "cache" / "check"
    folder.mkdir(parents=True)
    for index in range(400):  # leftovers of earlier texts, long unused
        old = folder / f"{index:064x}.json"
        old.write_text("{}")
        os.utime(old, (1_000_000_000, 1_000_000_000))
    assert _check(root) == (0, [])
    left = list(folder.glob("*.json"))
    assert len(left) <= 256
    assert _check(root) == (0, [])  # this run's entry was kept
    assert len(list(folder.glob("*.json"))) == len(left)


def test_an_image_the_rules_read_is_looked_at_again_when_it_changes_in_place(tmp_path: Path) -> None:
    """The rules find this file by its literal name; pandoc's media set (which the chapter's
    content hash covers) reads 'media/s.svg' from the same link and names no file: only the
    recorded file status tells that the file the rules read has changed."""
    root = _single(tmp_path, "## One\n\n![A square.](media/s.svg?v=1)\n")
    media = root / "chapters" / "media"
    media.mkdir()
    (media / "s.svg?v=1").write_bytes(SAFE_SVG)
    assert _check(root) == (0, [])
    (media / "s.svg?v=1").write_bytes(UNSAFE_SVG)
    assert _check(root) == (1, [("chapters/alpha.md", "unsafe-svg")])
