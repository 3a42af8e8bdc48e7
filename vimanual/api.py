"""vimanual's use cases, one function each: what the command line calls, and what a script
would call. Each takes the workspace folder, loads what it needs once, takes the lock and
resolves the acting person where its job needs them, and returns data (dataclasses); none
prints. Errors are ``VimanualError`` and its subclasses (vimanual.base.errors).

Heavy modules (pandoc, WeasyPrint) are imported inside the functions that use them, so
that ``vimanual --help`` and ``vimanual status`` never pay for them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vimanual.base.errors import GateFailed, InvalidWorkspace, Problem, VimanualError, shown_name
from vimanual.book.preflight import BuildRefused, EarlyHTML, Preflight, loaded

if TYPE_CHECKING:
    from vimanual.book.export import Export
    from vimanual.book.plan import BuildResult
    from vimanual.book.serve import PreviewServer
    from vimanual.check.run import CheckReport
    from vimanual.contributions.package import DocumentComment
    from vimanual.contributions.store import Contribution
    from vimanual.contributions.workflow import AcceptResult, SubmitResult
    from vimanual.editions.copies import CopiesResult, IssuedCopy, Trace
    from vimanual.editions.diff import EditionDiff
    from vimanual.editions.manifest import Edition
    from vimanual.editions.reprint import PrintResult, Verification
    from vimanual.editions.reproduce import Reproduction
    from vimanual.review.approved import SinceApproval, SinceTranslated
    from vimanual.review.events import ReviewEvent
    from vimanual.review.languages import TranslationCell
    from vimanual.review.state import ChapterReview, QueueItem
    from vimanual.status import Blocker, ContributorEntry, DocumentComments, ReleaseBlocked, ReviewStatus
    from vimanual.status import document_comments as document_comments  # (for mypy: __getattr__ below)
    from vimanual.workspace.doctor import DoctorReport
    from vimanual.workspace.load import Workspace
    from vimanual.workspace.scaffold import InitResult

__all__ = [
    "GateFailed", "InvalidWorkspace", "Problem", "VimanualError", "Blocker", "BuildRefused", "BuildRun",
    "ContributorEntry", "DocumentComments", "ReleaseBlocked", "ReviewStatus", "accept", "build",
    "chapter_status", "check", "contribution", "contribution_summary", "contributions", "contributor_status",
    "decline", "diff", "doctor", "document_comments", "editions", "export", "find_workspace", "init",
    "languages", "manual_names", "notes_markdown", "preview", "print_edition", "issue_copies", "copies",
    "revoke_copy", "trace", "rebuild_edition", "release", "review", "reviewer_queue", "since_approval",
    "shown_name", "since_approval_markdown", "since_translated", "status", "submit", "terminal_safe",
    "verify", "verify_edition", "withdraw",
]

Progress = Callable[[str, int, int], None]


def __getattr__(name: str) -> object:  # vimanual.status's names, imported on first use (for --help)
    if name in ("Blocker", "ContributorEntry", "DocumentComments", "ReleaseBlocked", "ReviewStatus",
                "document_comments"):
        return getattr(__import__("vimanual.status", fromlist=[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def find_workspace(explicit: Path | None = None) -> Path:
    """The workspace folder: ``explicit``, or the nearest folder upwards holding manual.yaml."""
    from vimanual.workspace.load import find_workspace as find

    return find(explicit=explicit)


def manual_names(explicit: Path | None = None) -> tuple[list[str], list[str]]:
    """(chapter slugs, jurisdiction codes) for shell completion; empty when there is no
    readable workspace, since completion must never fail loudly."""
    from vimanual.workspace.load import load_manual

    try:
        manual, _, _ = load_manual(find_workspace(explicit))
    except (VimanualError, OSError):
        return [], []
    return list(manual.chapters), list(manual.codes)


def init(directory: Path) -> InitResult:
    """Lay out a new workspace in ``directory``, never overwriting a file."""
    from vimanual.workspace.scaffold import init_workspace

    return init_workspace(directory)


# --- the editor's book ----------------------------------------------------------------------

def check(root: Path, slugs: Sequence[str] = ()) -> CheckReport:
    """Every rule over the chosen chapters (default: all)."""
    from vimanual.check.run import check_workspace

    return check_workspace(root, slugs)


@dataclass
class BuildRun:
    """A finished build, and the chapters it was asked for."""

    result: BuildResult
    chapters: list[str]
    selected: tuple[str, ...] = ()
    forced: list[Problem] = field(default_factory=list)  # check errors built despite (--force)
    # chapters that could not be read, left out (a build of other chapters) or marked in
    # their place (a forced draft), each with its problems
    broken: dict[str, list[Problem]] = field(default_factory=dict)
    language: str | None = None
    omitted: list[str] = field(default_factory=list)  # untranslated chapters left out (--untranslated omit)


def build(
    root: Path,
    *,
    formats: Sequence[str] | None = None,
    output: Path | None = None, paper: str | None = None, chapters: Sequence[str] = (),
    jobs: int | None = None, jurisdiction: str | None = None,
    use_cache: bool = True, force: bool = False, progress: Progress | None = None,
    on_forced: Callable[[list[Problem]], None] | None = None,
    reference_layout: bool = False,
    on_broken: Callable[[dict[str, list[Problem]]], None] | None = None,
    language: str | None = None, untranslated: str = "source", tagged: bool = False,
) -> BuildRun:
    """Build the working draft (``formats``: default all): check's errors refuse it
    (``BuildRefused``) unless ``force``, in which case ``on_forced`` hears of them before the
    book is laid out or written (the check runs while the chapters are converted:
    ``Preflight``); ``on_broken`` hears of chapter (and ``language``'s translation) files set
    aside. ``reference_layout`` is a test hook: the main matter laid out in one WeasyPrint call,
    the reference the parallel layout is compared with.

    ``language`` builds that language's edition (build/manual.<tag>.pdf and .html): each
    chapter's translation where there is one (stale ones with a warning and a banner); a
    chapter with none is shown in the source language under a banner (``untranslated``
    'source') or left out ('omit'). ``tagged``: a PDF/UA-1 draft (a release's always is)."""
    from vimanual.book.plan import FORMATS
    from vimanual.pdf.workers import end_spare_workers, start_spare_worker

    try:
        # a forced draft, or a build of some chapters, is not stopped by another chapter's broken file
        early = EarlyHTML(jurisdiction, jobs) if not chapters and language is None else None  # one read each
        workspace, problems, checkable = loaded(root, list(chapters), force or bool(chapters), early,
                                                lambda: start_spare_worker("pdf" in (formats or FORMATS)),
                                                language)
        language = language and workspace.manual.listed_language(language)  # 'FR' is 'fr'
        if (aside := workspace.set_aside([language] if language else [])) and on_broken is not None:
            on_broken(aside)  # heard before the build starts (it may still fail)
        preflight = Preflight(workspace, problems, list(chapters) if checkable else None, force, on_forced)
        try:
            return _build_checked(workspace, preflight, formats=formats, output=output, paper=paper,
                                  chapters=chapters, jobs=jobs, jurisdiction=jurisdiction, early=early,
                                  use_cache=use_cache, progress=progress, reference_layout=reference_layout,
                                  language=language, untranslated=untranslated, tagged=tagged)
        finally:
            preflight.close()
    finally:
        end_spare_workers()  # the pipeline ends them; a build that stops before it does not


def _build_checked(workspace: Workspace, preflight: Preflight, *, formats: Sequence[str] | None,
                   output: Path | None, paper: str | None, chapters: Sequence[str], jobs: int | None,
                   jurisdiction: str | None, use_cache: bool, progress: Progress | None,
                   reference_layout: bool, language: str | None, untranslated: str,
                   tagged: bool, early: EarlyHTML | None) -> BuildRun:
    """``build`` once the workspace is loaded and its check started (``preflight``)."""
    from vimanual.book.pipeline import build as run_build
    from vimanual.book.plan import FORMATS, BuildOptions
    from vimanual.status import review_banners, workspace_status

    report = workspace_status(workspace)
    omitted: list[str] = []
    extra: list[Problem] = []
    shown: dict[str, Any] = {"banners": review_banners(report)}  # or a language's (book/languages.py)
    if language is not None:
        from vimanual.book.languages import language_view

        states = {t.slug: t.cells[language].state for t in report.translations if language in t.cells}
        view = language_view(workspace, language, states, untranslated)
        workspace, omitted, extra, shown = view.workspace, view.omitted, view.problems, view.build_options()
        chapters = [slug for slug in chapters if slug not in omitted]
    options = BuildOptions(
        formats=tuple(formats or FORMATS), output=output, paper=paper, chapters=tuple(chapters), jobs=jobs,
        jurisdiction=jurisdiction, use_cache=use_cache, reference_layout=reference_layout,
        tagged=tagged, **shown,
    )
    result = run_build(workspace, options, progress, preflight.settle, early.html if early else None)
    preflight.settle()  # (a build always settles it; this is in case one did not)
    result.problems[:0] = extra
    return BuildRun(result, list(workspace.chapters), tuple(chapters), preflight.errors,
                    dict(workspace.broken), language=language, omitted=omitted)


def export(root: Path, slug: str, fmt: str = "docx", output: Path | None = None) -> Export:
    """The chapter's current source text as a Word file (images embedded), for translators and
    reviewers who work in Word."""
    from vimanual.book.export import export_chapter
    from vimanual.workspace.load import load_workspace

    return export_chapter(load_workspace(root), slug, fmt, output)


def languages(root: Path) -> tuple[str, ...]:
    """The tags of the languages manual.yaml lists (an error if it lists none)."""
    from vimanual.workspace.load import load_manual

    manual, _, problems = load_manual(root)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise InvalidWorkspace(errors)
    if not manual.languages:
        raise VimanualError("manual.yaml lists no languages to translate into",
                            "add them under 'languages', e.g. '- {tag: fr, name: Français, "
                            "translators: [...], reviewers: [...]}'")
    return manual.language_tags


def preview(root: Path, port: int) -> PreviewServer:
    """A live preview server for the HTML draft (not yet started)."""
    from vimanual.book.serve import PreviewServer

    return PreviewServer(root, port, _preview_build)


def _preview_build(root: Path) -> BuildResult:
    """One HTML build of the working draft, with its live review banners."""
    from vimanual.book.pipeline import build as run_build
    from vimanual.book.plan import BuildOptions
    from vimanual.status import review_banners, workspace_status
    from vimanual.workspace.load import load_workspace

    workspace = load_workspace(root)  # again each time: manual.yaml may have changed
    banners = review_banners(workspace_status(workspace))
    return run_build(workspace, BuildOptions(formats=("html",), banners=banners))


# --- contributions --------------------------------------------------------------------------

def submit(
    root: Path,
    file: Path,
    *,
    chapter: str | None = None,
    jurisdiction: str | None = None,
    revises: str | None = None,
    person: str | None = None,
    title: str | None = None,
    note: str = "",
    track_changes: str | None = None,
    translates: str | None = None,
    language: str | None = None,
) -> SubmitResult:
    """A new contribution, or (``revises``) the next revision of one; with ``translates`` and
    ``language``, a translation of that chapter into that language.

    ``track_changes`` (accept or reject) resolves a document's tracked changes and lets its
    comments be kept with the revision; without it such a document is refused.
    """
    from vimanual.base.identity import resolve_person
    from vimanual.contributions import workflow

    who = resolve_person(person)
    if revises:
        return _told(root, workflow.revise(root, revises, file, who, title, note, chapter, jurisdiction,
                                           track_changes))
    if translates or language:
        if not translates or not language or chapter or jurisdiction:
            raise VimanualError(
                "a translation takes --translates SLUG and --language TAG "
                "(and no --chapter or --jurisdiction)",
                "e.g. vimanual submit exercices.docx --translates training-exercises --language fr",
            )
        return _told(root, workflow.submit(root, file, translates, "", who, title, note, track_changes,
                                           language=language))
    if not chapter or not jurisdiction:
        raise VimanualError(
            "--chapter and --jurisdiction are required for a new contribution",
            "e.g. vimanual submit FILE --chapter image-triage --jurisdiction UK "
            "(or --revises ID for a new revision)",
        )
    return _told(root, workflow.submit(root, file, chapter, jurisdiction, who, title, note, track_changes))


def _told(root: Path, result: SubmitResult) -> SubmitResult:
    """``result`` with what 'check' will report about its text once it is a chapter, as warnings."""
    from vimanual.check.submitted import text_findings
    from vimanual.workspace.load import load_manual

    chapters = frozenset(load_manual(root)[0].chapters)
    result.warnings.extend(text_findings(result.text, result.contribution.chapter, chapters))
    return result


def accept(root: Path, contribution_id: str, *, person: str | None = None, chapter: str | None = None,
           after: str | None = None) -> AcceptResult:
    """Make a contribution's latest revision the chapter's text (the editor's decision)."""
    from vimanual.base.identity import resolve_person
    from vimanual.contributions import workflow

    return workflow.accept(root, contribution_id, resolve_person(person), chapter, after)


def decline(root: Path, contribution_id: str, *, reason: str, person: str | None = None) -> Contribution:
    """Decline a contribution, saying why (the editor's decision)."""
    from vimanual.base.identity import resolve_person
    from vimanual.contributions import workflow

    return workflow.decline(root, contribution_id, resolve_person(person), reason)


def withdraw(root: Path, contribution_id: str, *, reason: str = "",
             person: str | None = None) -> Contribution:
    """Withdraw one's own contribution before it is accepted."""
    from vimanual.base.identity import resolve_person
    from vimanual.contributions import workflow

    return workflow.withdraw(root, contribution_id, resolve_person(person), reason)


def contributions(root: Path, jurisdiction: str | None = None, contributor: str | None = None,
                  state: str | None = None) -> list[Contribution]:
    """Every contribution matching the filters, oldest first."""
    from vimanual.contributions.store import list_contributions

    return list_contributions(root, jurisdiction, contributor, state)


def contribution(root: Path, contribution_id: str) -> tuple[Contribution, dict[int, list[DocumentComment]]]:
    """One contribution and, per revision, the comments its document held."""
    from vimanual.contributions.comments import revision_comments
    from vimanual.contributions.store import load_contribution

    found = load_contribution(root, contribution_id)
    return found, revision_comments(root, found.id, [r.number for r in found.revisions])


def contribution_summary(contribution: Contribution) -> str:
    """One line a person reads: 'accepted into chapter x (r2)', 'declined: reason' …"""
    from vimanual.contributions.store import describe

    return describe(contribution)


def contributor_status(root: Path, name: str) -> tuple[list[ContributorEntry], dict[str, list[Problem]]]:
    """A contributor's submissions, where each stands and, once accepted, its chapter's review;
    and the chapter and translation files that could not be read (Workspace.set_aside)."""
    from vimanual.status import contributor_view, load_review_status

    report = load_review_status(root)
    return contributor_view(report, name), report.workspace.set_aside()


# --- review ---------------------------------------------------------------------------------

@dataclass
class ReviewOutcome:
    """A recorded review event, and the chapter's review state with it."""

    event: ReviewEvent
    chapter: ChapterReview
    translation: TranslationCell | None = None  # a translation's review: its new state
    comments: DocumentComments | None = None  # the document comments the chapter's text came with
    recorded: bool = True  # False: an approval repeating the reviewer's standing one (``event``)


def review(root: Path, slug: str, code: str, decision: str, message: str | None = None,
           person: str | None = None, language: str | None = None) -> ReviewOutcome:
    """Record one review decision (with ``language``: on the chapter's translation into it; an
    approval repeating the reviewer's standing one: none), then derive the chapter's new state
    under the lock (another command's accept may be halfway through its writes)."""
    from vimanual.base.journal import locked
    from vimanual.review.store import record_review
    from vimanual.status import document_comments, load_review_status
    event, recorded = record_review(root, slug, code, decision, message, person, language)
    with locked(root):
        report = load_review_status(root)
    translation = report.translated(slug).cells[event.language] if language else None
    comments = None if language else document_comments(report).get(slug)
    return ReviewOutcome(event, report.review(slug), translation, comments, recorded)


def status(root: Path, jurisdiction: str | None = None) -> ReviewStatus:
    """Every chapter's review state for every jurisdiction (checking ``jurisdiction`` if given)."""
    from vimanual.review.store import check_jurisdiction
    from vimanual.status import load_review_status

    report = load_review_status(root)
    if jurisdiction is not None:
        check_jurisdiction(report.workspace.manual, jurisdiction)
    return report


def since_approval(root: Path, slug: str, code: str) -> SinceApproval:
    """A chapter's word changes since ``code`` last approved it (the text behind the
    approval's hash is found among the kept copies, released editions and git history)."""
    from vimanual.review.approved import since_approval as changes
    from vimanual.workspace.load import load_workspace, refuse_broken

    workspace = load_workspace(root, isolate=True)
    refuse_broken(workspace, [slug])
    return changes(workspace, slug, code)


def since_translated(root: Path, slug: str, language: str) -> SinceTranslated:
    """A chapter's source word changes since the text its ``language`` translation translates
    (what makes a stale translation stale)."""
    from vimanual.review.approved import since_translated as changes
    from vimanual.workspace.load import load_workspace, refuse_broken

    workspace = load_workspace(root, isolate=True)
    refuse_broken(workspace, [slug])
    return changes(workspace, slug, language)


def chapter_status(report: ReviewStatus, slug: str, code: str | None = None) -> tuple[ChapterReview,
                                                                                    list[ReviewEvent]]:
    """One chapter's review and its history (optionally one jurisdiction's), oldest first."""
    from vimanual.review.state import history

    return report.review(slug), history(report.loaded.events, slug, code)


def reviewer_queue(report: ReviewStatus, code: str) -> list[QueueItem]:
    """Chapters awaiting ``code``'s reviewers: stale approvals first."""
    from vimanual.review.state import reviewer_queue as queue

    return queue(report.reviews, code)


def verify(root: Path) -> tuple[int, int, list[Problem], list[Problem]]:
    """Every review event checked against its digest and git history, every contribution
    decision against its shape and git history: (event files, decisions, problems, warnings
    about chapter files set aside, which do not stop it)."""
    from vimanual.contributions.store import verify_decisions
    from vimanual.review.store import verify_reviews
    files, problems, aside = verify_reviews(root)
    decisions, decision_problems = verify_decisions(root)
    return files, decisions, sorted([*problems, *decision_problems], key=lambda p: (p.file, p.message)), aside


def doctor(root: Path, *, fix: bool = False, clear_cache: bool = False,
           discard_intent: bool = False) -> DoctorReport:
    """What killed commands left in the workspace, explained; with ``fix`` the safe part cleared."""
    from vimanual.workspace.doctor import diagnose

    return diagnose(root, fix=fix, clear_cache=clear_cache, discard=discard_intent)


def terminal_safe(text: str) -> str:
    """``text`` with control characters shown as ``\\xNN`` (for printing text from files)."""
    from vimanual.base.names import terminal_safe as safe

    return safe(text)


# --- editions -------------------------------------------------------------------------------

def release(root: Path, version: str, *, notes: Path | None = None, date: str | None = None,
            exclude: Sequence[str] = (), progress: Progress | None = None,
            person: str | None = None, languages: Sequence[str] = ()) -> Edition:
    """Release an edition (the gate, then freezing, building and the manifest, all or nothing),
    and with ``languages`` (tags or 'all') its language editions (``released_languages``).
    ``person`` (else VIMANUAL_USER, git) must be one of manual.yaml's editors when it names any."""
    from vimanual.base.identity import resolve_person
    from vimanual.editions.release import read_notes
    from vimanual.editions.release import release as run_release

    text = read_notes(notes)
    try:
        who = resolve_person(person)
    except VimanualError:
        if person is not None:
            raise
        who = ""
    return run_release(root, version, notes=text, date=date, exclude=exclude, released_by=who,
                       progress=progress, languages=languages)


def editions(root: Path) -> list[Edition]:
    """Every released edition, oldest first."""
    from vimanual.editions.manifest import list_editions

    return list_editions(root)


def print_edition(root: Path, version: str, *, paper: str | None = None, chapters: Sequence[str] = (),
                  jurisdiction: str | None = None, output: Path | None = None,
                  progress: Progress | None = None, language: str | None = None) -> PrintResult:
    """A released edition's PDF (or its ``language`` edition's), or a handout/paper/variant
    rebuilt from its frozen sources."""
    from vimanual.editions.reprint import print_edition as run_print

    return run_print(root, version, paper=paper, chapters=list(chapters), jurisdiction=jurisdiction,
                     output=output, progress=progress, language=language)


def issue_copies(root: Path, version: str, *, copies: int | None = None, recipients: Path | None = None,
                 person: str | None = None, paper: str | None = None, chapters: Sequence[str] = (),
                 jurisdiction: str | None = None, output: Path | None = None,
                 progress: Progress | None = None) -> CopiesResult:
    """Controlled copies of a released edition (or of a handout of it): one per recipient
    (or ``copies`` numbered, unassigned ones), each marked, registered and traceable."""
    import tempfile

    from vimanual.base.identity import utc_now
    from vimanual.editions.copies import MAX_COPIES, Recipient, load_recipients
    from vimanual.editions.copies import issue_copies as run_issue
    from vimanual.editions.reprint import print_edition as run_print

    who = _editor(root, person, "issue controlled copies")
    people = load_recipients(recipients) if recipients is not None else []
    if copies is not None and people and copies != len(people):
        raise VimanualError(f"--copies {copies} but {recipients} lists {len(people)} recipient(s)",
                            "give one of them, or make them agree")
    if not people:
        if not copies or copies < 1 or copies > MAX_COPIES:
            raise VimanualError(f"--copies must be between 1 and {MAX_COPIES}",
                                "or give --recipients FILE (name, agency, course, email)")
        people = [Recipient(name="") for _ in range(copies)]
    folder = root / "build" / "editions" / version / "copies"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".base-", dir=folder) as scratch:
        base = run_print(root, version, paper=paper, chapters=list(chapters), jurisdiction=jurisdiction,
                         output=Path(scratch) / "base.pdf", progress=progress)
        return run_issue(root, version, recipients=people, issued_by=who, base=base.path,
                         chapters=list(chapters), date=utc_now()[:10], output=output)


def copies(root: Path, version: str) -> list[IssuedCopy]:
    """Every controlled copy issued of an edition, with revocations."""
    from vimanual.editions.copies import load_register
    from vimanual.editions.manifest import load_edition

    return load_register(load_edition(root, version))


def revoke_copy(root: Path, version: str, number: int, *, reason: str,
                person: str | None = None) -> IssuedCopy:
    """Record that a controlled copy is revoked (lost, returned, leaked)."""
    from vimanual.editions.copies import revoke_copy as run_revoke

    return run_revoke(root, version, number, reason, _editor(root, person, "revoke controlled copies"))


def trace(root: Path, file: Path) -> Trace:
    """Which controlled copy a PDF (or text taken from it) was made from, if any."""
    from vimanual.editions.copies import trace as run_trace

    return run_trace(root, file)


def _editor(root: Path, person: str | None, action: str) -> str:
    """The acting person, who must be an editor for ``action`` (when manual.yaml names editors)."""
    from vimanual.base.identity import resolve_person
    from vimanual.workspace.load import load_manual
    from vimanual.workspace.roles import authorise_editor

    return authorise_editor(load_manual(root)[0], resolve_person(person), action)


def verify_edition(root: Path, version: str, file: Path | None = None,
                   language: str | None = None) -> Verification:
    """Does ``file`` (or the stored edition, or its ``language`` edition) match its manifest?"""
    from vimanual.editions.reprint import verify_edition as run_verify

    return run_verify(root, version, file, language)


def rebuild_edition(root: Path, version: str, language: str | None = None) -> Reproduction:
    """Rebuild a released edition (or its ``language`` edition) from its frozen sources in a
    scratch folder and compare bytes with its manifest, saying where they differ."""
    from vimanual.editions.reproduce import rebuild_edition as run_rebuild

    return run_rebuild(root, version, language)


def diff(root: Path, old: str, new: str = "working", full: bool = False,
         language: str | None = None) -> EditionDiff:
    """What changed between two editions (or an edition and the working manual); with
    ``language``, between their language editions."""
    from vimanual.editions.diff import diff_editions

    return diff_editions(root, old, new, full, language)


def since_approval_markdown(result: SinceApproval) -> str:
    """The changes since an approval as Markdown (removed words struck, added words bold)."""
    from vimanual.review.approved import since_approval_markdown as markdown

    return markdown(result)


def notes_markdown(result: EditionDiff) -> str:
    """Release notes in Markdown from a diff, as 'vimanual release --notes' takes them."""
    from vimanual.editions.diff import notes_markdown as notes

    return notes(result)

