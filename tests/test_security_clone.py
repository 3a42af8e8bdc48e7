"""A collaborator's commit is untrusted input: files another agency committed must not make this
clone run code, write outside the workspace or into .git, count a decision nobody listed may
make, or stop every command with a traceback. Each case is what an independent attack found."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.helpers import chapter_md, git, run, small_workspace, snapshot, submit_json
from tests.test_editions import approve
from vimanual.base.identity import utc_now
from vimanual.review.events import ReviewEvent, dump_event
from vimanual.workspace.load import content_hash


def _marker(tmp_path: Path) -> Path:
    return tmp_path / "ran-code"


def test_a_template_cannot_reach_python_internals(tmp_path: Path) -> None:
    """A committed styles/manual.html.j2 used to run shell commands through Jinja's globals."""
    ws = small_workspace(tmp_path / "ws")
    template = ws / "styles" / "manual.html.j2"
    default = Path(__file__).resolve().parents[1] / "vimanual" / "defaults" / "styles" / "manual.html.j2"
    payload = ("{{ cycler.__init__.__globals__.os.system('touch " + str(_marker(tmp_path)) + "') }}\n")
    template.parent.mkdir(exist_ok=True)
    template.write_text(payload + default.read_text(encoding="utf-8"), encoding="utf-8")
    result = run("-C", ws, "build", "--format", "html")
    assert result.exit_code == 2, result.output
    assert "template error: access to attribute '__init__'" in result.output and "unsafe" in result.output
    assert not _marker(tmp_path).exists()
    assert not (ws / "build" / "manual.html").exists()


def test_the_default_template_renders_in_the_sandbox(tmp_path: Path) -> None:
    ws = small_workspace(tmp_path / "ws")
    result = run("-C", ws, "build", "--format", "html")
    assert result.exit_code == 0, result.output
    html = (ws / "build" / "manual.html").read_text(encoding="utf-8")
    assert "Alpha Chapter" in html and "Beta Chapter" in html


@pytest.mark.parametrize("where", [
    "build/cache", "build/export", "build/editions", "reviews/alpha", "chapters/.history",
    "editions/1.0/languages", "contributions/x/media",
])
def test_a_linked_folder_where_vimanual_makes_none_is_refused(tmp_path: Path, where: str) -> None:
    """A committed link under build/, reviews/, editions/, contributions/ or chapters/.history
    used to send a cache, an export, a printed edition, an approved text or a review event
    outside the workspace or into .git (a release's clean-up deleted folders through one)."""
    ws = small_workspace(tmp_path / "ws")
    (ws / ".git" / "info").mkdir(parents=True)
    target = ws / ".git" / "info" if where in ("chapters/.history", "reviews/alpha") else tmp_path / "out"
    target.mkdir(exist_ok=True)
    link = ws / where
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target, target_is_directory=True)
    before = snapshot(tmp_path, skip=[ws / "build"])
    for command in (["build", "--format", "html"], ["review", "alpha", "-j", "UK", "--approve",
                                                    "--as", "Ruth Reviewer"], ["status"], ["doctor"]):
        result = run("-C", ws, *command)
        assert result.exit_code == 2, (command, result.output)
        top = where.split("/")[0]
        assert f"'{where}' is a symbolic link, and vimanual makes none in {top}" in result.output
        assert "Traceback" not in result.output
    assert list(target.iterdir()) == []
    assert snapshot(tmp_path, skip=[ws / "build"]) == before


def test_a_linked_file_in_an_edition_is_refused(tmp_path: Path) -> None:
    """editions/1.0/manual.pdf linked to a local file (manifest hash rewritten) used to be handed
    out by print as the released PDF, and a chapter linked to /dev/zero made diff read forever."""
    ws = small_workspace(tmp_path / "ws")
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CANARY\n", encoding="utf-8")
    (ws / "editions" / "1.0" / "chapters").mkdir(parents=True)
    (ws / "editions" / "1.0" / "manual.pdf").symlink_to(secret)
    (ws / "editions" / "1.0" / "chapters" / "alpha.md").symlink_to("/dev/zero")
    for command in (["print", "1.0"], ["verify-edition", "1.0"], ["diff", "1.0"], ["editions"]):
        result = run("-C", ws, *command)
        assert result.exit_code == 2, (command, result.output)
        assert "is a symbolic link, and vimanual makes none in editions/" in result.output
        assert "SECRET-CANARY" not in result.output
    assert not (ws / "build" / "editions").exists()


@pytest.mark.parametrize("name", [".vimanual.lock", ".vimanual-intent.json"])
def test_a_lock_or_intent_that_is_a_folder_is_one_clear_error(tmp_path: Path, name: str) -> None:
    """Committed as folders, they used to crash review and doctor --fix with a traceback."""
    ws = small_workspace(tmp_path / "ws")
    (ws / name).mkdir()
    for command in (["review", "alpha", "-j", "UK", "--comment", "-m", "hi", "--as", "Ruth Reviewer"],
                    ["doctor", "--fix"], ["status"]):
        result = run("-C", ws, *command)
        assert result.exit_code == 2, (command, result.output)
        assert result.output.startswith(f"Error: '{name}' is a folder, not the file vimanual keeps there")
        assert "hint: delete it" in result.output


def test_folders_nested_too_deep_are_one_clear_error(tmp_path: Path) -> None:
    """1,200 nested folders under styles/ crashed doctor, build and release (RecursionError)."""
    ws = small_workspace(tmp_path / "ws")
    deep = ws / "styles" / Path(*["d"] * 200)
    deep.mkdir(parents=True)
    (deep / "x.txt").write_text("x", encoding="utf-8")
    for command in (["doctor"], ["build", "--format", "html"], ["status"]):
        result = run("-C", ws, *command)
        assert result.exit_code == 2, (command, result.output)
        assert "folders deep (at most 32)" in result.output and "Traceback" not in result.output
    (ws / "styles" / "d").rename(tmp_path / "moved-away")
    assert run("-C", ws, "status").exit_code == 0


def _forge(ws: Path, slug: str, code: str, decision: str, reviewer: str) -> str:
    """An event file with a correct digest, as anyone who can commit can write one."""
    current = content_hash((ws / "chapters" / f"{slug}.md").read_bytes())
    event = ReviewEvent(chapter=slug, jurisdiction=code, decision=decision, reviewer=reviewer,
                        time=utc_now(), content_hash=current).sealed()
    path = ws / event.rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_event(event), encoding="utf-8")
    return event.rel


def _states(ws: Path, slug: str) -> dict[str, str]:
    result = run("-C", ws, "status", "--json")
    assert result.exit_code == 0, result.output
    [chapter] = [c for c in json.loads(result.stdout)["chapters"] if c["slug"] == slug]
    return dict(chapter["states"])


def test_an_approval_by_someone_not_listed_is_not_counted(tmp_path: Path) -> None:
    """A look-alike name (Cyrillic "е") for UK and another jurisdiction's reviewer for AU used
    to make a changed chapter 'approved' everywhere, and release shipped it."""
    ws = small_workspace(tmp_path / "ws")
    lookalike = _forge(ws, "alpha", "UK", "approve", "Ruth Reviewer".replace("e", "\u0435"))
    other = _forge(ws, "alpha", "AU", "approve", "Ruth Reviewer")
    assert _states(ws, "alpha") == {"UK": "pending", "AU": "pending"}
    result = run("-C", ws, "verify")
    assert result.exit_code == 1
    for rel, code in ((lookalike, "UK"), (other, "AU")):
        assert f"{rel}: " in result.output
        assert f"is not listed as a reviewer for {code}: this approve is not counted" in result.output
    result = run("-C", ws, "release", "1.0", "--as", "Ed")
    assert result.exit_code == 1 and "release blocked" in result.output
    assert not (ws / "editions" / "1.0").exists()
    # the listed reviewers' own approvals count as before
    for code, name in (("UK", "Ruth Reviewer"), ("AU", "Alan Reviewer")):
        assert run("-C", ws, "review", "alpha", "-j", code, "--approve", "--as", name).exit_code == 0
    assert _states(ws, "alpha") == {"UK": "approved", "AU": "approved"}


def test_an_empty_attribute_div_does_not_stop_check(tmp_path: Path) -> None:
    """A LibreOffice section comes through intake as '::: {}'; check and build crashed on it
    (a TypeError in the .only rule), for every chapter of the manual."""
    ws = small_workspace(tmp_path / "ws")
    (ws / "chapters" / "beta.md").write_text(
        chapter_md("Beta Chapter", "## Beta section\n\n::: {}\nSample text in a section.\n:::\n", lead="AU"),
        encoding="utf-8")
    result = run("-C", ws, "check")
    assert result.exit_code == 0, result.output
    result = run("-C", ws, "build", "--format", "html")
    assert result.exit_code == 0, result.output
    assert "Sample text in a section." in (ws / "build" / "manual.html").read_text(encoding="utf-8")


def test_a_decision_by_someone_who_may_not_make_it_is_not_counted(tmp_path: Path) -> None:
    """A committed decline signed by a non-editor took the submission out of the editor's queue
    (the contributor saw 'declined by Mallory'), and verify was clean."""
    from vimanual.contributions.store import Decision, decision_file

    ws = small_workspace(tmp_path / "ws", editors=["Erin Editor"])
    source = tmp_path / "delta.md"
    source.write_text("# Delta\n\nSample text: a new step.\n", encoding="utf-8")
    contribution = str(submit_json(ws, source, "delta", "Carl")["id"])
    for action, by in (("decline", "Mallory Nobody"), ("withdraw", "Erin  editor x")):
        rel, text = decision_file(contribution, Decision(action, by, utc_now(), reason="forged"))
        (ws / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws / rel).write_text(text, encoding="utf-8")
    listed = run("-C", ws, "contributions", "--state", "submitted")
    assert listed.exit_code == 0 and contribution in listed.output
    result = run("-C", ws, "verify")
    assert result.exit_code == 1
    assert "decline by 'Mallory Nobody', who is not an editor: not counted" in result.output
    output = " ".join(result.output.split())
    assert "withdraw by 'Erin editor x', who is not the contributor or an editor: not counted" in output
    result = run("-C", ws, "accept", contribution, "--as", "Erin Editor")
    assert result.exit_code == 0, result.output  # the editor's own decision is taken as ever


def test_cache_entries_a_collaborator_committed_are_not_taken(tmp_path: Path) -> None:
    """build/cache/chapters/<digest of the chapter>.html force-added with other text: the
    draft showed that text while status said the chapter was approved. Entry names now mix in
    a secret of the user's (another agency's build names its entries otherwise)."""
    ws = small_workspace(tmp_path / "ws")
    elsewhere = {"VIMANUAL_STATE_DIR": str(tmp_path / "collaborator-state")}
    assert run("-C", ws, "build", "--format", "html", env=elsewhere).exit_code == 0
    planted = 0
    for entry in (ws / "build" / "cache" / "chapters").glob("*.html"):
        text = entry.read_text(encoding="utf-8")
        if "Alpha text." in text:
            entry.write_text(text.replace("Alpha text.", "FORGED TEXT NOBODY APPROVED."), encoding="utf-8")
            planted += 1
    assert planted == 1
    result = run("-C", ws, "build")
    assert result.exit_code == 0, result.output
    html = (ws / "build" / "manual.html").read_text(encoding="utf-8")
    assert "Alpha text." in html and "FORGED TEXT" not in html
    text = " ".join(page.extract_text() or "" for page in PdfReader(ws / "build" / "manual.pdf").pages)
    assert "Alpha text." in text and "FORGED" not in text


@pytest.mark.slow
@pytest.mark.usefixtures("isolated_git")
def test_a_released_pdf_swapped_with_its_manifest_is_caught_by_its_history(tmp_path: Path) -> None:
    """A collaborator replaced editions/1.0/manual.pdf and rewrote the manifest's checksum to
    match: verify-edition said OK and print handed the PDF out as 'checksum verified'."""
    ws = small_workspace(tmp_path / "ws")
    for slug in ("alpha", "beta"):
        approve(ws, slug)
    assert run("-C", ws, "release", "1.0").exit_code == 0
    git(ws, "init", "-q", "-b", "main")
    git(ws, "add", "-A")
    git(ws, "commit", "-q", "-m", "release 1.0")
    assert run("-C", ws, "verify-edition", "1.0").exit_code == 0
    pdf, manifest = ws / "editions" / "1.0" / "manual.pdf", ws / "editions" / "1.0" / "manifest.yaml"
    old = hashlib.sha256(pdf.read_bytes()).hexdigest()
    pdf.write_bytes(pdf.read_bytes() + b"\n% swapped\n")
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        old, hashlib.sha256(pdf.read_bytes()).hexdigest()), encoding="utf-8")
    git(ws, "commit", "-q", "-am", "a quiet change")
    result = run("-C", ws, "verify-edition", "1.0")
    assert result.exit_code == 1
    assert "editions/1.0/manual.pdf: committed released edition file was modified in commit" in result.output
    printed = run("-C", ws, "print", "1.0")
    assert printed.exit_code == 1 and "edition 1.0 was changed after its release" in printed.output
    assert not (ws / "build" / "editions" / "manual-1.0.pdf").exists()


def test_an_event_for_an_unknown_jurisdiction_is_named_for_that(tmp_path: Path) -> None:
    """Unlisted reviewers are not counted; an event for a jurisdiction the manual does not
    define is still named for that, not for its reviewer."""
    ws = small_workspace(tmp_path / "ws")
    rel = _forge(ws, "alpha", "NZ", "approve", "Ruth Reviewer")
    result = run("-C", ws, "verify")
    assert result.exit_code == 1
    assert f"{rel}: jurisdiction 'NZ' is not defined" in result.output
    assert "is not listed as a reviewer for NZ" not in result.output
    assert _states(ws, "alpha") == {"UK": "pending", "AU": "pending"}
