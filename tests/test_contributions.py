"""Contributions through the CLI: submit, revise, accept, decline, withdraw, and their refusals."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.docs_helpers import PERSON, make_document, make_zip
from tests.helpers import build_file_tree, manual_yaml, run, snapshot
from vimanual.contributions.store import derive_state, load_contribution

MD = "## Steps\n\nSample text: record the exhibit number first.\n"


def submit(root: Path, file: Path, *args: str, person: str = PERSON) -> str:
    result = run("-C", root, "submit", file, "--as", person, *args)
    assert result.exit_code == 0, result.output
    match = re.search(r"(?:Submitted|Revised) (\S+) r\d", result.output)
    assert match, result.output
    return match.group(1)


def write(folder: Path, name: str, text: str = MD) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def record(root: Path, contribution_id: str) -> dict[str, object]:
    text = (root / "contributions" / contribution_id / "contribution.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def test_submit_markdown_stores_record_and_text(workspace: Path, tmp_path: Path) -> None:
    source = write(tmp_path, "steps.md")
    cid = submit(workspace, source, "--chapter", "gamma", "--jurisdiction", "UK", "--title", "Gamma Steps",
                 "--note", "first draft")
    assert re.fullmatch(r"\d{8}-uk-gamma-[0-9a-f]{6}", cid)
    folder = workspace / "contributions" / cid
    assert sorted(p.name for p in folder.iterdir()) == ["contribution.yaml", "r1.md"]
    assert (folder / "r1.md").read_text(encoding="utf-8") == MD
    data = record(workspace, cid)
    assert {k: data[k] for k in ("id", "contributor", "jurisdiction", "chapter", "title")} == {
        "id": cid, "contributor": PERSON, "jurisdiction": "UK", "chapter": "gamma", "title": "Gamma Steps",
    }
    (rev,) = data["revisions"]  # type: ignore[misc]
    assert rev["number"] == 1 and rev["file"] == "r1.md" and rev["note"] == "first draft"
    assert rev["size"] == len(MD.encode()) and rev["words"] == 8 and rev["at"].endswith("Z")
    assert re.fullmatch(r"[0-9a-f]{64}", rev["sha256"])
    assert load_contribution(workspace, cid).state == "submitted"


@pytest.mark.slow
def test_submit_docx_with_image(workspace: Path, tmp_path: Path) -> None:
    docx = make_document(tmp_path / "src", "triage.docx")
    cid = submit(workspace, docx, "--chapter", "triage", "--jurisdiction", "AU")
    folder = workspace / "contributions" / cid
    (image,) = list((folder / "media").iterdir())
    text = (folder / "r1.md").read_text(encoding="utf-8")
    assert f"(media/{image.name})" in text and "## First pass" in text
    assert record(workspace, cid)["title"] == "Triage of Seized Media"
    assert record(workspace, cid)["revisions"][0]["format"] == "docx"  # type: ignore[index]


def test_revise_adds_r2_and_refuses_identical_text(workspace: Path, tmp_path: Path) -> None:
    cid = submit(workspace, write(tmp_path, "a.md"), "--chapter", "gamma", "--jurisdiction", "UK")
    submit(workspace, write(tmp_path, "b.md", MD + "\nMore sample text.\n"), "--revises", cid,
           "--note", "after comments")
    revisions = record(workspace, cid)["revisions"]
    assert [r["file"] for r in revisions] == ["r1.md", "r2.md"]  # type: ignore[attr-defined]
    before = snapshot(workspace)
    result = run("-C", workspace, "submit", tmp_path / "b.md", "--revises", cid, "--as", PERSON)
    assert result.exit_code == 2
    assert f"Error: b.md is identical to r2 of {cid}" in result.output
    assert snapshot(workspace) == before


# ------------------------------------------------------------------- refusals


def _setup_plain(root: Path, tmp: Path) -> list[str]:
    return [str(write(tmp, "ok.md")), "--chapter", "gamma", "--jurisdiction", "UK"]


def _file(name: str, data: bytes) -> Callable[[Path, Path], list[str]]:
    def setup(root: Path, tmp: Path) -> list[str]:
        (tmp / name).write_bytes(data)
        return [str(tmp / name), "--chapter", "gamma", "--jurisdiction", "UK"]

    return setup


def _args(*args: str) -> Callable[[Path, Path], list[str]]:
    def setup(root: Path, tmp: Path) -> list[str]:
        return [str(write(tmp, "ok.md")), *args]

    return setup


def _missing(root: Path, tmp: Path) -> list[str]:
    return [str(tmp / "nope.md"), "--chapter", "gamma", "--jurisdiction", "UK"]


def _folder_as_file(root: Path, tmp: Path) -> list[str]:
    (tmp / "dir.md").mkdir()
    return [str(tmp / "dir.md"), "--chapter", "gamma", "--jurisdiction", "UK"]


def _too_large(root: Path, tmp: Path) -> list[str]:
    text = (root / "manual.yaml").read_text(encoding="utf-8")
    (root / "manual.yaml").write_text(text + "limits:\n  max_submission_bytes: 100\n", encoding="utf-8")
    return _file("big.md", b"word " * 50)(root, tmp)


def _bomb(root: Path, tmp: Path) -> list[str]:
    text = (root / "manual.yaml").read_text(encoding="utf-8")
    (root / "manual.yaml").write_text(text + "limits:\n  max_archive_bytes: 10000\n", encoding="utf-8")
    make_zip(tmp / "bomb.docx", {"word/document.xml": b"0" * 200_000})
    return [str(tmp / "bomb.docx"), "--chapter", "gamma", "--jurisdiction", "UK"]


def _traversal(root: Path, tmp: Path) -> list[str]:
    make_zip(tmp / "evil.docx", {"word/document.xml": b"<x/>", "../../evil.sh": b"echo"})
    return [str(tmp / "evil.docx"), "--chapter", "gamma", "--jurisdiction", "UK"]


def _corrupt_docx(root: Path, tmp: Path) -> list[str]:
    # A sound archive whose document pandoc cannot parse: fails halfway, after staging began.
    make_zip(tmp / "broken.docx", {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<<<"})
    return [str(tmp / "broken.docx"), "--chapter", "gamma", "--jurisdiction", "UK"]


def _closed(action: str) -> Callable[[Path, Path], list[str]]:
    def setup(root: Path, tmp: Path) -> list[str]:
        cid = submit(root, write(tmp, "first.md"), "--chapter", "gamma", "--jurisdiction", "UK")
        extra = ["--reason", "Covered elsewhere"] if action == "decline" else []
        assert run("-C", root, action, cid, "--as", PERSON, *extra).exit_code == 0
        return [str(write(tmp, "second.md", MD + "\nNew.\n")), "--revises", cid]

    return setup


REFUSALS = [
    ("unknown jurisdiction", _args("--chapter", "gamma", "--jurisdiction", "GB"),
     "Error: unknown jurisdiction 'GB' (known: UK, AU)"),
    ("near-miss jurisdiction", _args("--chapter", "gamma", "--jurisdiction", "UKK"),
     "hint: did you mean 'UK'?"),
    ("invalid slug", _args("--chapter", "../etc", "--jurisdiction", "UK"),
     "Error: invalid chapter slug '../etc'"),
    ("missing file", _missing, "Error: nope.md: file not found"),
    ("unreadable file", _folder_as_file, "Error: dir.md: is a folder, not a file"),
    ("not UTF-8", _file("latin.md", "Caf\xe9 sample\n".encode("latin-1")),
     "Error: latin.md:1: not UTF-8 text (byte 0xe9 at offset 3)"),
    ("binary with text extension", _file("image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00"),
     "Error: image.md: binary data (NUL bytes) in a text file"),
    ("Word file named .md", _file("doc.md", b"PK\x03\x04rest"),
     "Error: doc.md: is a ZIP archive (a Word or OpenDocument file?), not text"),
    ("unsupported type", _file("chapter.pdf", b"%PDF-1.4"),
     "Error: chapter.pdf: unsupported file type '.pdf'"),
    ("empty file", _file("empty.md", b""), "Error: empty.md: file is empty"),
    ("over the size limit", _too_large, "Error: big.md: file is too large (250 bytes; the limit is 100)"),
    ("docx not an archive", _file("fake.docx", b"just text"),
     "Error: fake.docx: not a valid .docx file (not a ZIP archive)"),
    ("zip bomb", _bomb, "Error: bomb.docx: archive would expand to 200,000 bytes (the limit is 10,000)"),
    ("path traversal in docx", _traversal,
     "Error: evil.docx: archive member '../../evil.sh' has an unsafe path"),
    ("pandoc fails halfway", _corrupt_docx, "Error: broken.docx: could not convert: pandoc failed"),
    ("revise a withdrawn one", _closed("withdraw"), "it was withdrawn by Sam Contributor (UK)"),
    ("revise a declined one", _closed("decline"),
     "it was declined by Sam Contributor (UK) on "),
    ("revise an unknown id", _args("--revises", "20250101-uk-gama-000000"),
     "Error: unknown contribution '20250101-uk-gama-000000'"),
    ("bad front matter", _file("fm.md", b"---\ntitle: T\nlead: GB\n---\nText.\n"),
     "Error: fm.md:3: jurisdiction 'GB' is not defined (known: UK, AU)"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("setup", "message"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_submit_refusals_write_nothing(
    workspace: Path, tmp_path: Path, setup: Callable[[Path, Path], list[str]], message: str
) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    args = setup(workspace, inputs)
    before = snapshot(workspace)
    result = run("-C", workspace, "submit", *args, "--as", PERSON)
    assert result.exit_code == 2, result.output
    assert message in result.output
    first = result.output.splitlines()[0]
    assert first.startswith("Error: ")
    assert snapshot(workspace) == before  # hidden staging folders included


def test_unknown_id_suggests_the_close_one(workspace: Path, tmp_path: Path) -> None:
    cid = submit(workspace, write(tmp_path, "a.md"), "--chapter", "gamma", "--jurisdiction", "UK")
    result = run("-C", workspace, "withdraw", cid[:-1] + "x", "--as", PERSON)
    assert result.exit_code == 2
    assert f"hint: did you mean '{cid}'?" in result.output


# ------------------------------------------------------------------- decisions


@pytest.mark.slow
def test_accept_new_chapter_then_build_html(workspace: Path, tmp_path: Path) -> None:
    docx = make_document(tmp_path / "src", "triage.docx")
    cid = submit(workspace, docx, "--chapter", "triage", "--jurisdiction", "AU")
    manual_before = (workspace / "manual.yaml").read_text(encoding="utf-8")
    result = run("-C", workspace, "accept", cid, "--after", "alpha", "--as", "Erin Editor")
    assert result.exit_code == 0, result.output
    assert f"Accepted {cid} r1 as new chapter 'triage'" in result.output
    manual_after = (workspace / "manual.yaml").read_text(encoding="utf-8")
    assert manual_after == manual_before.replace("- alpha\n", "- alpha\n- triage\n")
    chapter = (workspace / "chapters" / "triage.md").read_text(encoding="utf-8")
    front = yaml.safe_load(chapter.split("---\n")[1])
    assert front == {"title": "Triage of Seized Media", "lead": "AU", "authors": [PERSON]}
    (image,) = list((workspace / "chapters" / "media" / cid).iterdir())
    assert f"(media/{cid}/{image.name})" in chapter
    check = run("-C", workspace, "check")
    assert check.exit_code == 0, check.output
    built = run("-C", workspace, "build", "--format", "html")
    assert built.exit_code == 0, built.output
    html = (workspace / "build" / "manual.html").read_text(encoding="utf-8")
    assert "Triage of Seized Media" in html and "Sample footnote about the record." in html
    assert "data:image/png;base64," in html
    assert html.index("Alpha Chapter") < html.index("Triage of Seized Media") < html.index("Beta Chapter")
    decision = next((workspace / "contributions" / cid / "decisions").iterdir())
    data = yaml.safe_load(decision.read_text(encoding="utf-8"))
    assert data["action"] == "accept" and data["by"] == "Erin Editor" and data["chapter"] == "triage"
    assert data["revision"] == 1 and f"(content hash {data['content_hash'][:12]})" in result.output


def test_accept_into_existing_chapter_keeps_previous_text(workspace: Path, tmp_path: Path) -> None:
    old = (workspace / "chapters" / "alpha.md").read_bytes()
    text = "---\nsummary: A new summary.\nauthors: [Co Author]\n---\n\n## Revised {#first}\n\nSample text.\n"
    cid = submit(workspace, write(tmp_path, "alpha.md", text), "--chapter", "alpha", "--jurisdiction", "AU",
                 "--title", "Alpha Revised")
    result = run("-C", workspace, "accept", cid, "--as", "Erin Editor")
    assert result.exit_code == 0, result.output
    (kept,) = list((workspace / "chapters" / ".history" / "alpha").iterdir())
    assert kept.read_bytes() == old
    assert f"previous text kept in chapters/.history/alpha/{kept.name}" in result.output
    chapter = (workspace / "chapters" / "alpha.md").read_text(encoding="utf-8")
    front = yaml.safe_load(chapter.split("---\n")[1])
    # The chapter's lead stays; authors accumulate; the submission's own front matter is merged.
    assert front == {"title": "Alpha Revised", "lead": "UK", "authors": ["A. Author", "Co Author", PERSON],
                     "summary": "A new summary."}
    assert (workspace / "manual.yaml").read_text(encoding="utf-8").count("alpha") == 1
    assert run("-C", workspace, "check").exit_code == 0


@pytest.mark.slow
def test_decision_rules(workspace: Path, tmp_path: Path) -> None:
    cid = submit(workspace, write(tmp_path, "a.md"), "--chapter", "gamma", "--jurisdiction", "UK")
    other = run("-C", workspace, "withdraw", cid, "--as", "Someone Else")
    assert other.exit_code == 2
    assert other.stderr.splitlines() == [
        f"Error: 'Someone Else' cannot withdraw {cid}: only the contributor ({PERSON}) may",
        f'  hint: if you are {PERSON}, say so with --as "{PERSON}" (or set VIMANUAL_USER); otherwise the '
        f"editor declines it: 'vimanual decline {cid} --reason ...'",
    ]
    no_reason = run("-C", workspace, "decline", cid, "--reason", "  ", "--as", "Erin Editor")
    assert no_reason.exit_code == 2 and "a reason is required to decline" in no_reason.output
    assert run("-C", workspace, "accept", cid, "--as", "Erin Editor").exit_code == 0
    again = run("-C", workspace, "accept", cid, "--as", "Erin Editor")
    assert again.exit_code == 2 and f"{cid} r1 is already accepted" in again.output
    late = run("-C", workspace, "withdraw", cid, "--as", PERSON)
    assert late.exit_code == 2 and "already accepted into chapter 'gamma'" in late.output
    # A revision after acceptance is pending again until the editor accepts it.
    submit(workspace, write(tmp_path, "b.md", MD + "\nMore.\n"), "--revises", cid)
    assert load_contribution(workspace, cid).state == "submitted"
    assert run("-C", workspace, "accept", cid, "--as", "Erin Editor").exit_code == 0
    assert load_contribution(workspace, cid).state == "accepted"
    assert len(list((workspace / "chapters" / ".history" / "gamma").iterdir())) == 1


def test_accept_says_when_it_replaces_an_edit_made_since_the_last_accept(workspace: Path,
                                                                          tmp_path: Path) -> None:
    """The editor fixes a typo in chapters/ after accepting r1; accepting r2 (written before the
    fix) replaced it, saying only 'previous text kept' (found by a new-user walk)."""
    cid = submit(workspace, write(tmp_path, "a.md"), "--chapter", "gamma", "--jurisdiction", "UK")
    first = run("-C", workspace, "accept", cid, "--as", "Erin Editor")
    assert first.exit_code == 0 and "warning" not in first.stderr
    submit(workspace, write(tmp_path, "b.md", MD + "\nMore.\n"), "--revises", cid)
    chapter = workspace / "chapters" / "gamma.md"
    fixed = chapter.read_text(encoding="utf-8").replace("first.", "first (fixed).")
    chapter.write_text(fixed, encoding="utf-8")
    result = run("-C", workspace, "accept", cid, "--as", "Erin Editor")
    assert result.exit_code == 0, result.output
    stderr = " ".join(result.stderr.split())
    assert f"warning: chapter 'gamma' had changed since {cid} r1 was accepted" in stderr
    [kept] = (workspace / "chapters" / ".history" / "gamma").iterdir()
    assert f"hint: the text before is kept in chapters/.history/gamma/{kept.name}" in stderr
    assert kept.read_text(encoding="utf-8") == fixed and "(fixed)" not in chapter.read_text(encoding="utf-8")
    # a revision accepted over the text the last accept wrote says nothing of the kind
    submit(workspace, write(tmp_path, "c.md", MD + "\nMore again.\n"), "--revises", cid)
    third = run("-C", workspace, "accept", cid, "--as", "Erin Editor")
    assert third.exit_code == 0 and "warning" not in third.stderr


def test_accept_refuses_after_for_existing_chapter(workspace: Path, tmp_path: Path) -> None:
    cid = submit(workspace, write(tmp_path, "a.md"), "--chapter", "beta", "--jurisdiction", "UK")
    before = snapshot(workspace)
    result = run("-C", workspace, "accept", cid, "--after", "alpha", "--as", "Erin Editor")
    assert result.exit_code == 2
    assert "chapter 'beta' is already in the manual; --after only places a new chapter" in result.output
    assert snapshot(workspace) == before


def test_derive_state_is_pure() -> None:
    from vimanual.contributions.store import Decision, Revision

    r1 = Revision(1, "r1.md", "a", 1, 1, "2025-01-01T00:00:00.000000Z", "X")
    r2 = Revision(2, "r2.md", "b", 1, 1, "2025-01-02T00:00:00.000000Z", "X")
    ok = Decision("accept", "E", "2025-01-01T01:00:00.000000Z", revision=1, chapter="c")
    assert derive_state((r1,), ()) == "submitted"
    assert derive_state((r1,), (ok,)) == "accepted"
    assert derive_state((r1, r2), (ok,)) == "submitted"
    assert derive_state((r1, r2), (ok, Decision("decline", "E", "2025-01-03T00:00:00.000000Z"))) == "declined"
    assert derive_state((r1,), (Decision("withdraw", "X", "2025-01-03T00:00:00.000000Z"),)) == "withdrawn"


# ------------------------------------------------------------------- where things stand


def every_state(root: Path, tmp: Path) -> dict[str, str]:
    ids = {
        "submitted": submit(root, write(tmp, "s.md"), "--chapter", "gamma", "--jurisdiction", "UK"),
        "revised": submit(root, write(tmp, "r.md"), "--chapter", "delta", "--jurisdiction", "UK"),
        "accepted": submit(root, write(tmp, "a.md"), "--chapter", "epsilon", "--jurisdiction", "UK",
                           "--title", "Epsilon"),
        "declined": submit(root, write(tmp, "d.md"), "--chapter", "zeta", "--jurisdiction", "UK"),
        "withdrawn": submit(root, write(tmp, "w.md"), "--chapter", "eta", "--jurisdiction", "UK"),
        "other": submit(root, write(tmp, "o.md"), "--chapter", "theta", "--jurisdiction", "AU",
                        person="Alex Other (AU)"),
    }
    submit(root, write(tmp, "r2.md", MD + "\nRevised.\n"), "--revises", ids["revised"], "--note", "fixes")
    assert run("-C", root, "accept", ids["accepted"], "--as", "Erin Editor").exit_code == 0
    assert run("-C", root, "decline", ids["declined"], "--reason", "Duplicates chapter alpha",
               "--as", "Erin Editor").exit_code == 0
    assert run("-C", root, "withdraw", ids["withdrawn"], "--as", PERSON).exit_code == 0
    return ids


@pytest.mark.slow
def test_contributor_view_and_json(workspace: Path, tmp_path: Path) -> None:
    ids = every_state(workspace, tmp_path)
    result = run("-C", workspace, "status", "--contributor", "sam contributor (uk)", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    entries = {e["id"]: e for e in data["contributions"]}
    assert ids["other"] not in entries and len(entries) == 5
    assert entries[ids["submitted"]]["state"] == "submitted"
    assert entries[ids["revised"]]["summary"] == "revised (r2), awaiting the editor's decision"
    assert [r["note"] for r in entries[ids["revised"]]["revisions"]] == ["", "fixes"]
    accepted = entries[ids["accepted"]]
    assert accepted["state"] == "accepted" and accepted["accepted_chapter"] == "epsilon"
    assert accepted["review"] == {"UK": "pending", "AU": "pending"}
    assert accepted["chapter_changed_since"] is False
    assert entries[ids["declined"]]["summary"] == "declined by Erin Editor: Duplicates chapter alpha"
    assert entries[ids["withdrawn"]]["state"] == "withdrawn"

    text = run("-C", workspace, "status", "--contributor", PERSON)
    assert text.exit_code == 0
    assert "accepted: accepted into chapter 'epsilon' (r1)" in text.output
    assert "review: UK pending · AU pending" in text.output
    assert "declined: declined by Erin Editor: Duplicates chapter alpha" in text.output
    assert "r2  " in text.output and "· fixes" in text.output


@pytest.mark.slow
def test_contributor_view_joins_the_chapters_review_and_comments(workspace: Path, tmp_path: Path) -> None:
    from vimanual.status import contributor_view, load_review_status

    ids = every_state(workspace, tmp_path)
    assert run("-C", workspace, "review", "epsilon", "-j", "UK", "--approve",
               "--as", "Ruth Reviewer").exit_code == 0
    assert run("-C", workspace, "review", "epsilon", "-j", "AU", "--request-changes",
               "-m", "Add a sample checklist.", "--as", "Alan Reviewer").exit_code == 0
    (entry,) = [e for e in contributor_view(load_review_status(workspace), PERSON) if e.id == ids["accepted"]]
    assert entry.review == {"UK": "approved", "AU": "changes-requested"}
    assert [c["comment"] for c in entry.comments] == ["Add a sample checklist."]
    assert entry.comments[0]["reviewer"] == "Alan Reviewer"


@pytest.mark.slow
def test_contributions_list_filters_and_json(workspace: Path, tmp_path: Path) -> None:
    ids = every_state(workspace, tmp_path)
    table = run("-C", workspace, "contributions", env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "Alex Other (AU)" in table.output
    assert ids["declined"] in table.output and "declined" in table.output
    au = json.loads(run("-C", workspace, "contributions", "--jurisdiction", "AU", "--json").output)
    assert [c["id"] for c in au] == [ids["other"]]
    declined = json.loads(run("-C", workspace, "contributions", "--state", "declined", "--json").output)
    assert [c["id"] for c in declined] == [ids["declined"]]
    assert declined[0]["decisions"][0]["reason"] == "Duplicates chapter alpha"
    mine = json.loads(run("-C", workspace, "contributions", "--contributor", PERSON, "--json").output)
    assert len(mine) == 5
    bad = run("-C", workspace, "contributions", "--state", "lost")
    assert bad.exit_code == 2 and "unknown state 'lost'" in bad.output


def test_state_of_broken_record_names_the_file(workspace: Path, tmp_path: Path) -> None:
    cid = submit(workspace, write(tmp_path, "a.md"), "--chapter", "gamma", "--jurisdiction", "UK")
    (workspace / "contributions" / cid / "contribution.yaml").write_text("id: [", encoding="utf-8")
    result = run("-C", workspace, "contributions")
    assert result.exit_code == 2
    assert f"contributions/{cid}/contribution.yaml:1: invalid YAML" in result.output


def test_new_workspace_with_empty_flow_chapter_list(tmp_path: Path) -> None:
    root = build_file_tree(tmp_path / "ws", {
        "manual.yaml": manual_yaml(chapters=[]).replace("chapters: []", "chapters: []  # none yet"),
        "chapters": {"keep.txt": "x"},
    })
    cid = submit(root, write(tmp_path, "a.md"), "--chapter", "first", "--jurisdiction", "UK")
    assert run("-C", root, "accept", cid, "--as", "Erin Editor").exit_code == 0
    assert "chapters: [first]  # none yet" in (root / "manual.yaml").read_text(encoding="utf-8")


def test_leading_title_heading_is_not_printed_twice(workspace: Path, tmp_path: Path) -> None:
    source = write(tmp_path, "t.md", "# Gamma Title\n\n## Steps\n\nSample text.\n")
    cid = submit(workspace, source, "--chapter", "gamma", "--jurisdiction", "UK")
    assert run("-C", workspace, "accept", cid, "--as", "Erin Editor").exit_code == 0
    chapter = (workspace / "chapters" / "gamma.md").read_text(encoding="utf-8")
    assert chapter.startswith("---\ntitle: Gamma Title\n")
    assert "# Gamma Title" not in chapter and chapter.endswith("---\n\n## Steps\n\nSample text.\n")


@pytest.mark.slow
def test_sample_manual_has_contributions_in_mixed_states(sample_workspace: Path) -> None:
    listed = json.loads(run("-C", sample_workspace, "contributions", "--json").output)
    states = sorted(c["state"] for c in listed)
    assert states == ["accepted", "declined", "submitted", "submitted"]
    assert {c["contributor"] for c in listed} == {"Sample Contributor (UK)"}
    assert any(len(c["revisions"]) == 2 for c in listed)
    (accepted,) = [c for c in listed if c["state"] == "accepted"]
    assert accepted["revisions"][0]["format"] == "docx"
    assert "case-handover" in (sample_workspace / "manual.yaml").read_text(encoding="utf-8")
    for c in listed:
        text = (sample_workspace / "contributions" / c["id"] / "r1.md").read_text(encoding="utf-8")
        assert "Sample text" in text and "pornography" not in text.lower()
    assert run("-C", sample_workspace, "check").exit_code == 0
    # The editor can take the pending revised contribution straight into the draft.
    (pending,) = [c for c in listed if len(c["revisions"]) == 2 and c["state"] == "submitted"]
    assert run("-C", sample_workspace, "accept", pending["id"], "--as", "Sample Editor").exit_code == 0
    built = run("-C", sample_workspace, "build", "--format", "html")
    assert built.exit_code == 0, built.output
    html = (sample_workspace / "build" / "manual.html").read_text(encoding="utf-8")
    assert html.count("Recording Identification Decisions") == 2  # contents and chapter, not thrice
    assert "Case Handover Between Units" in html
