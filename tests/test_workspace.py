"""Finding and validating a workspace: discovery, -C, and every structural error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import build_file_tree, chapter_md, manual_yaml, run, small_workspace


def test_discovered_from_a_subfolder(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sub = workspace / "chapters"
    monkeypatch.chdir(sub)
    result = run("check")
    assert result.exit_code == 0, result.output
    assert "No problems found." in result.output


def test_workspace_option(workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert run("-C", workspace, "check").exit_code == 0
    assert run("--workspace", workspace, "check").exit_code == 0


def test_no_workspace_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("check")
    assert result.exit_code == 2
    assert f"Error: no manual.yaml found in {tmp_path.resolve()} or any folder above it" in result.stderr
    assert "hint:" in result.stderr
    assert "Traceback" not in result.output


def test_workspace_option_without_manual(tmp_path: Path) -> None:
    result = run("-C", tmp_path, "build")
    assert result.exit_code == 2
    assert f"Error: no manual.yaml in {tmp_path.resolve()}" in result.stderr


def _break(tmp_path: Path, manual: str | bytes | None = None, **chapters: str | bytes) -> Path:
    root = small_workspace(tmp_path / "ws")
    if manual is not None:
        (root / "manual.yaml").write_bytes(manual if isinstance(manual, bytes) else manual.encode())
    for name, text in chapters.items():
        path = root / "chapters" / f"{name}.md"
        if text == "":
            path.unlink()
        else:
            path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return root


# (case id, how to break the workspace, the exact line `check` prints for it)
CASES = [
    (
        "unknown lead jurisdiction",
        {"alpha": chapter_md("Alpha", "Text.\n", lead="GB")},
        "error: chapters/alpha.md:3: jurisdiction 'GB' is not defined (known: UK, AU)",
    ),
    (
        "unknown reviewed_by code",
        {"alpha": chapter_md("Alpha", "Text.\n", reviewed_by=["UK", "FR"])},
        "error: chapters/alpha.md:5: jurisdiction 'FR' is not defined (known: UK, AU)",
    ),
    (
        "chapter listed but missing",
        {"beta": ""},
        "error: manual.yaml:21: chapter 'beta' is listed but chapters/beta.md does not exist",
    ),
    (
        "chapter file not listed",
        {"gamma": chapter_md("Gamma", "Text.\n")},
        "error: chapters/gamma.md: chapter 'gamma' is not listed in manual.yaml",
    ),
    (
        "missing title",
        {"alpha": "---\nlead: UK\n---\n\nText.\n"},
        "error: chapters/alpha.md:2: missing required key 'title'",
    ),
    (
        "invalid front matter YAML",
        {"alpha": "---\ntitle: [unclosed\n---\n\nText.\n"},
        "error: chapters/alpha.md:3: invalid YAML: expected ',' or ']', but got '<stream end>'",
    ),
    (
        "no front matter",
        {"alpha": "Just text.\n"},
        "error: chapters/alpha.md:1: missing YAML front matter",
    ),
    (
        "non-UTF-8 chapter",
        {"alpha": b"---\ntitle: Alpha\n---\n\ncaf\xe9\n"},
        "error: chapters/alpha.md:5: not UTF-8 text (byte 0xe9 at offset 25)",
    ),
    (
        "invalid file name slug",
        {"Bad_Name": chapter_md("Bad", "Text.\n")},
        "error: chapters/Bad_Name.md: file name 'Bad_Name' is not a valid slug",
    ),
]


@pytest.mark.parametrize(("case", "chapters", "expected"), CASES, ids=[c[0] for c in CASES])
def test_chapter_problems_are_reported_with_file_and_line(
    tmp_path: Path, case: str, chapters: dict[str, str | bytes], expected: str
) -> None:
    root = _break(tmp_path, **chapters)
    result = run("-C", root, "check")
    assert result.exit_code == 1, result.output
    assert expected in result.output.splitlines()
    assert "Traceback" not in result.output


MANUAL_CASES = [
    (
        "duplicate slug",
        manual_yaml(chapters=["alpha", "beta", "alpha"]),
        "error: manual.yaml:22: chapter 'alpha' is listed twice",
    ),
    (
        "invalid slug",
        manual_yaml(chapters=["alpha", "beta", "Not A Slug"]),
        "error: manual.yaml:22: invalid chapter slug 'Not A Slug'",
    ),
    (
        "reviewer for an unknown jurisdiction",
        manual_yaml(reviewers={"UK": ["Ruth"], "GB": ["Gail"]}),
        "error: manual.yaml:17: jurisdiction 'GB' is not defined (known: UK, AU)",
    ),
    (
        "bad paper",
        manual_yaml(paper="A5"),
        "error: manual.yaml:6: paper 'A5' is not supported (allowed: A4, Letter)",
    ),
    (
        "invalid manual YAML",
        "title: Test\nchapters: [alpha\n",
        "error: manual.yaml:3: invalid YAML: expected ',' or ']', but got '<stream end>'",
    ),
    (
        "YAML anchors are refused",
        "title: &t Test\nsubtitle: *t\njurisdictions: []\nchapters: []\n",
        "error: manual.yaml:1: YAML anchors ('&name') are not allowed",
    ),
    (
        "duplicate key",
        manual_yaml() + "title: Again\n",
        "error: manual.yaml:22: duplicate key 'title'",
    ),
    (
        "non-UTF-8 manual",
        b"title: Caf\xe9\n",
        "error: manual.yaml:1: not UTF-8 text (byte 0xe9 at offset 10)",
    ),
    (
        "unknown key",
        manual_yaml() + "titel: typo\n",
        "error: manual.yaml:22: unknown key 'titel'",
    ),
]


@pytest.mark.parametrize(("case", "manual", "expected"), MANUAL_CASES, ids=[c[0] for c in MANUAL_CASES])
def test_manual_problems_are_reported_with_file_and_line(
    tmp_path: Path, case: str, manual: str | bytes, expected: str
) -> None:
    root = _break(tmp_path, manual=manual)
    result = run("-C", root, "check")
    assert result.exit_code == 1, result.output
    assert expected in result.output.splitlines()


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    root = _break(
        tmp_path,
        manual=manual_yaml(chapters=["alpha", "beta", "missing"]),
        alpha=chapter_md("Alpha", "x\n", lead="XX"),
        gamma=chapter_md("Gamma", "x\n"),
    )
    result = run("-C", root, "check", "--json")
    assert result.exit_code == 1
    import json

    report = json.loads(result.stdout)
    messages = [p["message"] for p in report["problems"] if p["rule"] == "structure"]
    assert len(messages) == 3
    assert any("'XX' is not defined" in m for m in messages)
    assert any("'missing' is listed" in m for m in messages)
    assert any("'gamma' is not listed" in m for m in messages)


def test_other_commands_refuse_an_invalid_workspace_with_exit_2(tmp_path: Path) -> None:
    root = _break(tmp_path, alpha=chapter_md("Alpha", "x\n", lead="GB"))
    result = run("-C", root, "build")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "Error: chapters/alpha.md:3: jurisdiction 'GB' is not defined (known: UK, AU)\n"
    )
    assert "hint: use one of the codes in manual.yaml" in result.stderr
    assert not (root / "build" / "manual.pdf").exists()


def test_sample_manual_checks_clean(sample_workspace: Path) -> None:
    result = run("-C", sample_workspace, "check")
    assert result.exit_code == 0, result.output


def test_crlf_and_bom_chapter_is_valid(tmp_path: Path) -> None:
    root = small_workspace(tmp_path / "ws")
    text = (root / "chapters" / "alpha.md").read_text()
    (root / "chapters" / "alpha.md").write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    assert run("-C", root, "check").exit_code == 0


def test_build_file_tree_helper_makes_nested_files(tmp_path: Path) -> None:
    root = build_file_tree(tmp_path / "t", {"a": {"b.txt": "x\n"}, "c.bin": b"\x00"})
    assert (root / "a" / "b.txt").read_text() == "x\n"
    assert (root / "c.bin").read_bytes() == b"\x00"
