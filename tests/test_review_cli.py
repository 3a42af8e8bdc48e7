"""`vimanual review`, `status` and `verify` driven as a user would, in tmp_path workspaces."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from tests.helpers import chapter_md, run, run_subprocess
from vimanual.review.store import load_events
from vimanual.workspace.load import load_manual

UK = ("--as", "Ruth Reviewer")
AU = ("--as", "Alan Reviewer")


def review(ws: Path, *args: str) -> None:
    result = run("-C", ws, "review", *args)
    assert result.exit_code == 0, result.output


def states(ws: Path) -> dict[str, dict[str, str]]:
    result = run("-C", ws, "status", "--json")
    assert result.exit_code == 0, result.output
    return {c["slug"]: c["states"] for c in json.loads(result.stdout)["chapters"]}


def test_review_writes_one_event_file_with_every_field(workspace: Path) -> None:
    result = run("-C", workspace, "review", "alpha", "-j", "UK", "--approve", *UK)
    assert result.exit_code == 0, result.output
    assert "Recorded approve by Ruth Reviewer for UK on 'alpha'" in result.stdout
    [path] = (workspace / "reviews" / "alpha").iterdir()
    assert re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z-UK-[0-9a-f]{12}\.yaml", path.name)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(data) == {"format", "chapter", "jurisdiction", "decision", "reviewer", "time",
                         "content_hash", "tool_version", "comment", "digest"}
    assert data["decision"] == "approve" and data["reviewer"] == "Ruth Reviewer"
    assert data["digest"].startswith(path.name.split("-")[-1].removesuffix(".yaml"))
    assert states(workspace)["alpha"] == {"UK": "approved", "AU": "pending"}


def test_a_reviewer_of_another_jurisdiction_may_comment(workspace: Path) -> None:
    review(workspace, "alpha", "-j", "UK", "--comment", "-m", "Looks fine so far.", *AU)
    [event] = load_events(workspace, load_manual(workspace)[0]).events
    assert (event.jurisdiction, event.decision, event.reviewer) == ("UK", "comment", "Alan Reviewer")
    assert states(workspace)["alpha"]["UK"] == "pending"


def test_listed_names_match_regardless_of_case_and_spacing(workspace: Path) -> None:
    review(workspace, "alpha", "-j", "uk", "--approve", "--as", "  ruth   REVIEWER ")
    assert load_events(workspace, load_manual(workspace)[0]).events[0].reviewer == "Ruth Reviewer"


REFUSALS = [
    (["alpha", "-j", "UK", "--approve", "--as", "Mallory"],
     "Error: 'Mallory' is not a reviewer for UK, so cannot approve for it",
     "reviewers for UK: Ruth Reviewer"),
    (["alpha", "-j", "UK", "--approve", *AU],
     "Error: 'Alan Reviewer' is not a reviewer for UK, so cannot approve for it", "reviewers for UK"),
    (["alpha", "-j", "AU", "--request-changes", "-m", "no", *UK],
     "Error: 'Ruth Reviewer' is not a reviewer for AU, so cannot request-changes for it", "Alan Reviewer"),
    (["alpha", "-j", "UK", "--comment", "-m", "hi", "--as", "Mallory"],
     "Error: 'Mallory' is not a listed reviewer, so cannot comment", "manual.yaml"),
    (["alpha", "-j", "UK", "--request-changes", *UK],
     "Error: --request-changes needs a comment saying what to change", "-m"),
    (["alpha", "-j", "UK", "--request-changes", "-m", "   ", *UK],
     "Error: --request-changes needs a comment saying what to change", "-m"),
    (["alpah", "-j", "UK", "--approve", *UK],
     "Error: unknown chapter 'alpah'", "did you mean 'alpha'? known: alpha, beta"),
    (["alpha", "-j", "GB", "--approve", *UK],
     "Error: unknown jurisdiction 'GB' (known: UK, AU)", "manual.yaml"),
    (["alpha", "-j", "UK", *UK],
     "Error: choose exactly one of --approve, --request-changes or --comment", "--approve"),
    (["alpha", "-j", "UK", "--approve", "--comment", *UK],
     "Error: choose exactly one of --approve, --request-changes or --comment", "--approve"),
    (["gamma", "-j", "UK", "--approve", *UK],
     "Error: UK does not review chapter 'gamma' (its reviewers: AU)", "reviewed_by"),
]


@pytest.mark.parametrize(("args", "error", "hint"), REFUSALS, ids=[e for _, e, _ in REFUSALS])
def test_refusals_exit_2_with_one_error_line_and_write_nothing(
    workspace: Path, args: list[str], error: str, hint: str
) -> None:
    (workspace / "chapters" / "gamma.md").write_text(chapter_md("Gamma", "Text.\n", reviewed_by=["AU"]))
    manual = yaml.safe_load((workspace / "manual.yaml").read_text())
    manual["chapters"].append("gamma")
    (workspace / "manual.yaml").write_text(yaml.safe_dump(manual))
    result = run("-C", workspace, "review", *args)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == error
    assert lines[1].startswith("  hint: ") and hint in lines[1]
    assert result.stdout == ""
    assert not (workspace / "reviews").exists()


def test_approving_again_what_one_approved_records_nothing_new(workspace: Path) -> None:
    """A second approval of the same text by the same reviewer (a script run on every build, a
    reviewer unsure it took) wrote a second event file each time; it now says so and exits 0."""
    folder = workspace / "reviews" / "alpha"
    review(workspace, "alpha", "-j", "UK", "--approve", *UK)
    [first] = folder.iterdir()
    [kept] = (workspace / "chapters" / ".history" / "alpha").iterdir()
    kept.unlink()  # a clean checkout: the copy is untracked; a repeat must not write it back
    again = run("-C", workspace, "review", "alpha", "-j", "UK", "--approve", *UK)
    assert again.exit_code == 0, again.output
    assert "Ruth Reviewer approved 'alpha' for UK at this text already" in again.stdout
    assert f"reviews/alpha/{first.name}); nothing recorded" in " ".join(again.stdout.split())
    scripted = run("-C", workspace, "review", "alpha", "-j", "UK", "--approve", "--json", *UK)
    assert scripted.exit_code == 0, scripted.output
    assert json.loads(scripted.stdout)["recorded"] is False
    assert json.loads(scripted.stdout)["file"] == f"reviews/alpha/{first.name}"
    assert list(folder.iterdir()) == [first]
    assert not kept.exists()  # nothing at all written for a repeat
    # each of these says something new, so each is recorded
    review(workspace, "alpha", "-j", "UK", "--approve", "-m", "Checked against the 2026 procedure.", *UK)
    review(workspace, "alpha", "-j", "UK", "--request-changes", "-m", "Step 2 needs a sample.", *UK)
    review(workspace, "alpha", "-j", "UK", "--approve", *UK)
    path = workspace / "chapters" / "alpha.md"
    path.write_text(path.read_text(encoding="utf-8") + "One more sample sentence.\n", encoding="utf-8")
    recorded = run("-C", workspace, "review", "alpha", "-j", "UK", "--approve", "--json", *UK)
    assert json.loads(recorded.stdout)["recorded"] is True
    assert len(list(folder.iterdir())) == 5
    assert states(workspace)["alpha"]["UK"] == "approved"


def test_stale_after_a_text_change_but_not_after_a_line_ending_change(workspace: Path) -> None:
    review(workspace, "alpha", "-j", "UK", "--approve", *UK)
    path = workspace / "chapters" / "alpha.md"
    original = path.read_bytes()
    path.write_bytes(original.replace(b"\n", b"\r\n"))
    assert states(workspace)["alpha"]["UK"] == "approved"
    path.write_bytes(original + b"One more sentence.\n")
    assert states(workspace)["alpha"]["UK"] == "stale"
    path.write_bytes(original)
    assert states(workspace)["alpha"]["UK"] == "approved"


def test_status_matrix_legend_and_summary(workspace: Path) -> None:
    review(workspace, "alpha", "-j", "UK", "--approve", *UK)
    review(workspace, "alpha", "-j", "AU", "--approve", *AU)
    review(workspace, "beta", "-j", "UK", "--request-changes", "-m", "Cite a source.", *UK)
    result = run("-C", workspace, "status")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert re.search(r"^alpha\s+✓\s+✓\s+yes", result.stdout, re.M), result.stdout
    assert re.search(r"^beta\s+✗\s+○\s+no", result.stdout, re.M), result.stdout
    assert "✓ approved  ~ stale  ✗ changes requested  ○ pending  - n/a" in lines
    assert lines[-1] == "1 of 2 chapters ready · 1 blocking: beta"


def test_status_chapter_shows_the_full_history_with_comments(workspace: Path) -> None:
    review(workspace, "beta", "-j", "UK", "--request-changes", "-m", "Cite a source.\nAnd fix 2.1.", *UK)
    (workspace / "chapters" / "beta.md").write_text(chapter_md("Beta Chapter", "Revised.\n", lead="AU"))
    review(workspace, "beta", "-j", "UK", "--approve", *UK)
    review(workspace, "beta", "-j", "AU", "--comment", "-m", "Agree with UK.", *AU)
    result = run("-C", workspace, "status", "beta")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Beta Chapter (beta)\n")
    assert "ready: no · waiting for AU" in out
    assert re.search(r"UK\s+✓ approved\s+Ruth Reviewer, \d{4}-\d\d-\d\d \d\d:\d\d UTC", out)
    assert re.search(r"AU\s+○ pending", out)
    history = out[out.index("History (oldest first, UTC):"):].splitlines()
    assert re.search(r"UK\s+request-changes\s+Ruth Reviewer\s+\[earlier text\]$", history[1])
    assert history[2:4] == ["      Cite a source.", "      And fix 2.1."]
    assert re.search(r"UK\s+approve\s+Ruth Reviewer$", history[4])
    assert re.search(r"AU\s+comment\s+Alan Reviewer$", history[5])
    assert history[6] == "      Agree with UK."


def test_status_jurisdiction_is_the_reviewers_queue_stale_first(workspace: Path) -> None:
    review(workspace, "beta", "-j", "UK", "--approve", *UK)
    (workspace / "chapters" / "beta.md").write_text(chapter_md("Beta Chapter", "Revised.\n", lead="AU"))
    result = run("-C", workspace, "status", "--jurisdiction", "UK")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "2 chapter(s) awaiting UK (United Kingdom), stale first:"
    rows = [line for line in lines if re.match(r"^[~○✗] ", line)]
    assert [row.split()[2] for row in rows] == ["beta", "alpha"]
    assert rows[0].startswith("~ stale")


def test_status_json_shapes(workspace: Path) -> None:
    review(workspace, "alpha", "-j", "UK", "--approve", *UK)
    matrix = json.loads(run("-C", workspace, "status", "--json").stdout)
    assert set(matrix) == {"jurisdictions", "chapters", "summary", "problems"}
    assert matrix["jurisdictions"][0] == {"code": "UK", "name": "United Kingdom", "required": True}
    assert matrix["chapters"][0] == {
        "slug": "alpha", "title": "Alpha Chapter", "content_hash": matrix["chapters"][0]["content_hash"],
        "ready": False, "blocking": ["AU"], "states": {"UK": "approved", "AU": "pending"}}
    assert matrix["summary"] == {"chapters": 2, "ready": 0, "blocking": ["alpha", "beta"]}

    chapter = json.loads(run("-C", workspace, "status", "alpha", "--json").stdout)
    assert set(chapter) == {"slug", "title", "content_hash", "ready", "blocking", "jurisdictions", "history",
                            "document_comments", "problems"}
    assert chapter["document_comments"] is None  # written in Markdown: no document comments
    assert chapter["jurisdictions"]["UK"]["state"] == "approved"
    assert chapter["jurisdictions"]["UK"]["decision"]["reviewer"] == "Ruth Reviewer"
    assert chapter["jurisdictions"]["AU"] == {"state": "pending", "revised_since": False, "decision": None}
    [event] = chapter["history"]
    assert event["decision"] == "approve" and event["on_current_text"] is True
    assert event["file"].startswith("reviews/alpha/")

    queue = json.loads(run("-C", workspace, "status", "-j", "AU", "--json").stdout)
    assert queue["jurisdiction"] == "AU" and queue["name"] == "Australia"
    assert [q["slug"] for q in queue["queue"]] == ["alpha", "beta"]
    assert set(queue["queue"][0]) == {"slug", "title", "state", "reason", "document_comments"}


def test_status_refuses_unknown_slug_and_code(workspace: Path) -> None:
    result = run("-C", workspace, "status", "betta")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["Error: unknown chapter 'betta'",
                                          "  hint: did you mean 'beta'? known: alpha, beta"]
    result = run("-C", workspace, "status", "-j", "XX")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "Error: unknown jurisdiction 'XX' (known: UK, AU)"


def test_status_is_readable_without_colour_at_80_columns(sample_workspace: Path) -> None:
    env = {"NO_COLOR": "1", "COLUMNS": "80"}
    for args in (["status"], ["status", "image-triage"], ["status", "-j", "UK"]):
        result = run("-C", sample_workspace, *args, env=env)
        assert result.exit_code == 0, result.output
        assert "\x1b[" not in result.stdout
        assert max(len(line) for line in result.stdout.splitlines()) <= 80, result.stdout
    # every state has its own shape, so the matrix reads in black and white
    legend = run("-C", sample_workspace, "status", env=env).stdout
    assert all(symbol in legend for symbol in "✓~✗○-")


def test_sample_manual_shows_every_state(sample_workspace: Path) -> None:
    all_states = {state for chapter in states(sample_workspace).values() for state in chapter.values()}
    assert all_states == {"approved", "stale", "changes-requested", "pending", "n/a"}
    matrix = json.loads(run("-C", sample_workspace, "status", "--json").stdout)
    assert 0 < matrix["summary"]["ready"] < len(matrix["chapters"])
    assert run("-C", sample_workspace, "verify").exit_code == 0


def test_invalid_event_files_are_ignored_by_status_with_a_warning(workspace: Path) -> None:
    review(workspace, "alpha", "-j", "UK", "--approve", *UK)
    [path] = (workspace / "reviews" / "alpha").iterdir()
    path.write_text(path.read_text().replace("Ruth Reviewer", "Ruth Reviewer "))
    result = run("-C", workspace, "status")
    assert ("warning: 1 review event file(s) are not valid or not by a listed reviewer, and were ignored; "
            "run 'vimanual verify'") in result.stderr.replace("\n", " ")
    assert states(workspace)["alpha"]["UK"] == "pending"


def test_verify_catches_an_edited_event_a_forged_digest_and_unknown_names(workspace: Path) -> None:
    review(workspace, "alpha", "-j", "UK", "--approve", *UK)
    review(workspace, "beta", "-j", "UK", "--comment", "-m", "Fine.", *UK)
    assert run("-C", workspace, "verify").exit_code == 0
    [edited] = (workspace / "reviews" / "alpha").iterdir()
    edited.write_text(edited.read_text().replace('decision: "approve"', 'decision: "request-changes"'))
    [forged] = (workspace / "reviews" / "beta").iterdir()
    forged.write_text(re.sub(r'digest: "[0-9a-f]+"', 'digest: "' + "ab" * 32 + '"', forged.read_text()))
    ghost = workspace / "reviews" / "ghost"
    ghost.mkdir()
    text = forged.read_text()
    # a correctly sealed event for a chapter the manual does not have
    from vimanual.review.events import ReviewEvent, dump_event
    stray = ReviewEvent("ghost", "UK", "comment", "Ruth Reviewer", "2025-01-01T00:00:00.000000Z",
                        "0" * 64).sealed()
    (ghost / stray.file_name).write_text(dump_event(stray))
    result = run("-C", workspace, "verify")
    assert result.exit_code == 1
    err = result.stderr
    assert f"error: reviews/alpha/{edited.name}: digest does not match the event's content" in err
    assert f"error: reviews/beta/{forged.name}: digest does not match the event's content" in err
    assert f"error: reviews/ghost/{stray.file_name}: chapter 'ghost' is not in the manual" in err
    assert ("Error: 3 problem(s) in review events and decisions (3 event file(s), 0 decision(s) "
            "checked)") in " ".join(err.split())
    assert text  # the forged file kept its readable layout
    data = json.loads(run("-C", workspace, "verify", "--json").stdout)
    assert data["ok"] is False and len(data["problems"]) == 3


def test_verify_checks_the_events_beside_a_stray_or_broken_chapter_file(workspace: Path) -> None:
    """verify stopped at 'chapter ... is not listed in manual.yaml' (exit 2) before it read one
    event: a colleague's half-added chapter hid whether the record had been tampered with."""
    review(workspace, "alpha", "-j", "UK", "--approve", *UK)
    (workspace / "chapters" / "draft-idea.md").write_text("---\ntitle: Idea\n---\n\nSample.\n")
    (workspace / "chapters" / "beta.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    result = run("-C", workspace, "verify")
    assert result.exit_code == 0, result.output
    assert "1 review event(s) and 0 contribution decision(s) verified, no problems." in result.stdout
    assert "warning: chapters/draft-idea.md: chapter 'draft-idea' is not listed" in result.stderr
    assert "warning: chapters/beta.md:3: invalid YAML" in " ".join(result.stderr.split()), result.stderr
    [event] = (workspace / "reviews" / "alpha").iterdir()
    event.write_text(event.read_text().replace('decision: "approve"', 'decision: "request-changes"'))
    tampered = run("-C", workspace, "verify")
    assert tampered.exit_code == 1, tampered.output
    assert f"reviews/alpha/{event.name}: digest does not match" in tampered.stderr


@pytest.mark.slow
def test_python_dash_m_runs_status(sample_workspace: Path) -> None:
    proc = run_subprocess("-C", sample_workspace, "status", env={"NO_COLOR": "1"}, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "chapters ready" in proc.stdout


def test_matrix_of_twelve_jurisdictions_and_a_long_slug_keeps_one_line_per_chapter(tmp_path: Path) -> None:
    from tests.helpers import build_file_tree, manual_yaml

    codes = ["INTERPOL", *(f"J{i:02d}" for i in range(11))]
    long_slug = "a-chapter-with-a-very-long-slug-that-goes-on-and-on-for-sixty-four"[:64]
    ws = build_file_tree(tmp_path / "wide", {
        "manual.yaml": manual_yaml(
            jurisdictions=[{"code": c, "name": c, "required": True} for c in codes],
            reviewers={}, chapters=[long_slug, "short"]),
        "chapters": {f"{long_slug}.md": chapter_md("Long"), "short.md": chapter_md("Short")},
    })
    result = run("-C", ws, "status", env={"NO_COLOR": "1", "COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, result.stdout
    rows = [line for line in lines if "○" in line and "pending" not in line]
    assert len(rows) == 2 and rows[0].startswith("a-chapter-with") and rows[1].startswith("short")
