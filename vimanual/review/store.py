"""The review events on disk: loading every event, recording a new one (who may decide
what), and verifying the files against their digests and git history."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vimanual.base.errors import InvalidWorkspace, Problem, UnknownName, VimanualError
from vimanual.base.fsutil import atomic_write, safe_join
from vimanual.base.identity import resolve_person, utc_now
from vimanual.base.journal import locked
from vimanual.base.names import check_plain, is_slug, normalise_code
from vimanual.base.yamlio import decode_utf8
from vimanual.review.events import (
    APPROVE,
    COMMENT,
    DECISIONS,
    MAX_COMMENT_CHARS,
    MAX_EVENT_BYTES,
    REQUEST_CHANGES,
    REVIEWS_DIR,
    TRANSLATION,
    ReviewEvent,
    dump_event,
    parse_event,
)
from vimanual.review.state import history
from vimanual.workspace.schema import Manual

HISTORY_DIR = ".history"  # chapters/.history/<slug>/: earlier and approved texts, kept

# --- loading --------------------------------------------------------------------------------

@dataclass
class LoadedEvents:
    """Every valid event under reviews/, plus a problem for each file that is not one."""

    events: list[ReviewEvent] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0


def load_events(root: Path, manual: Manual) -> LoadedEvents:
    """Read every ``reviews/<slug>/*.yaml``; an invalid file becomes a problem, not an event,
    and so does a decision by someone manual.yaml does not list for it (``listed``).

    This is on the hot path of ``status``, so it reads each file once, without stat calls,
    and parses the usual shape without the YAML machinery.
    """
    result = LoadedEvents()
    base = root / REVIEWS_DIR
    try:
        folders = sorted(os.scandir(base), key=lambda e: e.name)
    except FileNotFoundError:
        return result
    for folder in folders:
        if folder.name.startswith("."):
            continue
        rel_folder = f"{REVIEWS_DIR}/{folder.name}"
        if not folder.is_dir(follow_symlinks=False):
            if not folder.name.lower().startswith("readme"):
                result.problems.append(Problem(rel_folder, None, "unexpected file in reviews/",
                                               "events live in reviews/<chapter-slug>/", rule="review"))
            continue
        if not is_slug(folder.name):
            result.problems.append(Problem(rel_folder, None, f"folder name {folder.name!r} is not a slug",
                                           "events live in reviews/<chapter-slug>/", rule="review"))
            continue
        for entry in sorted(os.scandir(folder.path), key=lambda e: e.name):
            if entry.name.startswith("."):
                continue  # editor swap files, an interrupted atomic write's temp file
            result.files += 1
            event, problems = _load_event_file(entry, f"{rel_folder}/{entry.name}", folder.name)
            if event is not None and not listed(manual, event):
                problems, event = [_unlisted(event)], None
            result.problems.extend(problems)
            if event is not None:
                result.events.append(event)
    return result


def listed(manual: Manual, event: ReviewEvent) -> bool:
    """Whether manual.yaml lists the event's reviewer for what it decides: the jurisdiction's
    reviewers (a comment: any reviewer), a translation's language's. An event file is written by
    whoever can commit; ``vimanual review`` checks the same when it records one. An event for a
    jurisdiction or language the manual does not know is let through: ``known_problems`` says
    so, and no state counts it."""
    if event.language:
        if event.language not in manual.language_tags:
            return True
        names: Iterable[str] = next(lang.reviewers for lang in manual.languages if lang.tag == event.language)
    elif event.jurisdiction not in manual.codes:
        return True
    elif event.decision == COMMENT:
        names = (name for reviewers in manual.reviewers.values() for name in reviewers)
    else:
        names = manual.reviewers.get(event.jurisdiction, ())
    return _matching_name(event.reviewer, names) is not None


def _unlisted(event: ReviewEvent) -> Problem:
    what = f"the {event.language} translation" if event.language else event.jurisdiction
    return Problem(event.rel, None, f"'{event.reviewer}' is not listed as a reviewer for {what}: "
                   f"this {event.decision} is not counted",
                   "only a listed reviewer's decision counts; if they left the list, "
                   "a listed reviewer decides again", rule="review")


def _load_event_file(entry: os.DirEntry[str], rel: str, folder: str) -> tuple[ReviewEvent | None,
                                                                             list[Problem]]:
    if not entry.name.endswith(".yaml") or not entry.is_file(follow_symlinks=False):
        return None, [Problem(rel, None, "not a review event file (expected a regular *.yaml file)",
                              "remove it from reviews/", rule="review")]
    fd = os.open(entry.path, os.O_RDONLY)
    try:
        raw = os.read(fd, MAX_EVENT_BYTES + 1)
    finally:
        os.close(fd)
    if len(raw) > MAX_EVENT_BYTES or b"\x00" in raw:
        return None, [Problem(rel, None, "not a review event (too large or binary)", rule="review")]
    try:
        text = decode_utf8(raw, rel)
    except VimanualError as exc:
        return None, [Problem(rel, None, exc.message, exc.hint, rule="review")]
    event, problems = parse_event(text, rel)
    if event is None:
        return None, problems
    if event.chapter != folder:
        return None, [Problem(rel, None, f"event is for chapter '{event.chapter}' but sits in "
                              f"{REVIEWS_DIR}/{folder}/", "move it back where it was", rule="review")]
    if entry.name != event.file_name:
        return None, [Problem(rel, None, f"file name does not match the event (expected {event.file_name})",
                              "rename it back; event files are never renamed", rule="review")]
    return event, []


# --- recording ------------------------------------------------------------------------------

def check_chapter(workspace: Any, slug: str) -> None:
    if slug not in workspace.chapters:
        raise UnknownName("chapter", slug, workspace.chapters)


def check_jurisdiction(manual: Manual, code: str) -> str:
    """The code as manual.yaml spells it (any case accepted), else a did-you-mean error."""
    return normalise_code(code, manual.codes)


def _matching_name(person: str, names: Iterable[str]) -> str | None:
    key = person.casefold()
    return next((name for name in names if " ".join(name.split()).casefold() == key), None)


def authorise(manual: Manual, code: str, decision: str, person: str) -> str:
    """The reviewer's name as listed in manual.yaml, or an error saying who may act."""
    listed = manual.reviewers.get(code, ())
    own = _matching_name(person, listed)
    if own is not None:
        return own
    if decision == COMMENT:
        anyone = _matching_name(person, (n for names in manual.reviewers.values() for n in names))
        if anyone is not None:
            return anyone
        raise VimanualError(
            f"'{person}' is not a listed reviewer, so cannot comment",
            "comments come from reviewers listed under 'reviewers' in manual.yaml; "
            "use --as NAME to give your listed name",
        )
    who = ", ".join(listed) if listed else "nobody is listed"
    raise VimanualError(
        f"'{person}' is not a reviewer for {code}, so cannot {decision} for it",
        f"reviewers for {code}: {who}; the editor adds reviewers under 'reviewers' in manual.yaml",
    )


def _clean_comment(comment: str | None) -> str:
    text = check_plain((comment or "").replace("\r\n", "\n").replace("\r", "\n").strip(), "the comment")
    if len(text) > MAX_COMMENT_CHARS:
        raise VimanualError(f"comment is too long ({len(text):,} characters; the limit is "
                            f"{MAX_COMMENT_CHARS:,})", "shorten it or link to a document")
    return text


def record_review(
    root: Path, slug: str, code: str, decision: str, comment: str | None = None,
    as_name: str | None = None, language: str | None = None,
) -> tuple[ReviewEvent, bool]:
    """Check the request, then write one new event file for it (exclusively, atomically):
    (the event, True). With ``language``, the decision is on the chapter's translation into
    that language, by one of the language's reviewers (``code`` is ignored). An approval that
    repeats the reviewer's own standing approval of the same text writes nothing: (that
    approval, False)."""
    from vimanual.workspace.load import load_workspace, refuse_broken

    if decision not in DECISIONS:
        raise VimanualError(f"unknown decision {decision!r}", f"use one of {', '.join(DECISIONS)}")
    text = _clean_comment(comment)
    if decision == REQUEST_CHANGES and not text:
        raise VimanualError("--request-changes needs a comment saying what to change",
                            "add -m 'what should change and why'")
    person = resolve_person(as_name)
    with locked(root):
        workspace = load_workspace(root, isolate=True)  # another chapter's broken file is no obstacle
        refuse_broken(workspace, [slug])
        check_chapter(workspace, slug)
        if language is not None:
            event = _translation_event(workspace, slug, language, decision, person, text)
            return _write_new(root, workspace, event)  # approved: the source text kept, for the stale diff
        code = check_jurisdiction(workspace.manual, code)
        chapter = workspace.chapters[slug]
        if decision != COMMENT and code not in chapter.front.reviewed_by:
            raise VimanualError(
                f"{code} does not review chapter '{slug}' (its reviewers: "
                f"{', '.join(chapter.front.reviewed_by) or 'none'})",
                f"add {code} to 'reviewed_by' in {chapter.rel} if it should review this chapter",
            )
        reviewer = authorise(workspace.manual, code, decision, person)
        event = ReviewEvent(
            chapter=slug, jurisdiction=code, decision=decision, reviewer=reviewer, time=utc_now(),
            content_hash=chapter.content_hash, comment=text,
        ).sealed()
        return _write_new(root, workspace, event)


def _write_new(root: Path, workspace: Any, event: ReviewEvent) -> tuple[ReviewEvent, bool]:
    """``event`` written, unless it is an approval that would only repeat the standing one
    (then nothing at all is written). An approval first keeps a copy of the approved text, so
    that 'diff --since-approval' can show what changed later."""
    standing = _standing_approval(root, workspace.manual, event)
    if standing is not None:
        return standing, False
    if event.decision == APPROVE:
        keep_approved_text(workspace, event.chapter)
    return _write_event(root, event), True


def _standing_approval(root: Path, manual: Manual, event: ReviewEvent) -> ReviewEvent | None:
    """The approval ``event`` would repeat: the latest decision in its place (the chapter for
    its jurisdiction, or the translation), an approval of the same text by the same reviewer.
    Recording it again would add a second file that says nothing new (and, run by a script
    on every build, one per run). Another reviewer's approval is recorded (their sign-off), and
    so is one with a new comment."""
    if event.decision != APPROVE:
        return None
    same = history(load_events(root, manual).events, event.chapter, event.jurisdiction, event.language)
    decisions = [earlier for earlier in same if earlier.decision != COMMENT]
    if not decisions:
        return None
    latest = decisions[-1]
    repeated = (latest.decision, latest.reviewer, latest.content_hash) == (APPROVE, event.reviewer,
                                                                           event.content_hash)
    return latest if repeated and event.comment in ("", latest.comment) else None


def keep_approved_text(workspace: Any, slug: str) -> str | None:
    """Keep a copy of the text being approved under chapters/.history/<slug>/, named by its
    content hash (the same name in every clone, so copies merge), unless one is kept already."""
    chapter = workspace.chapters[slug]
    rel = f"chapters/{HISTORY_DIR}/{slug}/approved-{chapter.content_hash[:16]}.md"
    target = safe_join(workspace.root, rel)
    if target.exists():
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, chapter.path.read_bytes())
    return rel


def _write_event(root: Path, event: ReviewEvent) -> ReviewEvent:
    path = safe_join(root, REVIEWS_DIR, event.chapter, event.file_name)
    if path.exists():  # never overwrite a fact; same name means same digest, same event
        raise VimanualError(f"{event.rel} already exists", "try again")
    atomic_write(path, dump_event(event))
    return event


def _translation_event(workspace: Any, slug: str, language: str, decision: str, person: str,
                       text: str) -> ReviewEvent:
    """A decision on a chapter's translation, checked: a listed language, an existing
    translation of today's source text, a reviewer listed for the language."""
    manual = workspace.manual
    language = manual.listed_language(language)
    translation = workspace.translations.get(language, {}).get(slug)
    broken = workspace.broken_translations.get((language, slug))
    if translation is None and broken:  # the file is there, and cannot be read: say why
        raise InvalidWorkspace(broken)
    if translation is None:
        raise VimanualError(f"chapter '{slug}' has no {language} translation yet",
                            f"a translator submits one: vimanual submit FILE --translates {slug} "
                            f"--language {language}")
    source = workspace.chapters[slug]
    if decision != COMMENT and translation.translates != source.content_hash:
        raise VimanualError(
            f"the {language} translation of '{slug}' translates an earlier text of the chapter (stale)",
            f"the translation must be updated first; see what changed: vimanual status {slug}",
        )
    target = next(lang for lang in manual.languages if lang.tag == language)
    own = _matching_name(person, target.reviewers)
    if own is None:
        who = ", ".join(target.reviewers) or "nobody is listed"
        raise VimanualError(
            f"'{person}' is not a reviewer for the {language} translation, so cannot {decision} it",
            f"reviewers for {language}: {who}; the editor lists them under 'languages' in manual.yaml",
        )
    return ReviewEvent(
        chapter=slug, jurisdiction=TRANSLATION, decision=decision, reviewer=own, time=utc_now(),
        content_hash=translation.content_hash, comment=text, language=language,
    ).sealed()


def known_problems(workspace: Any, loaded: LoadedEvents) -> list[Problem]:
    """Events that parse but point at a chapter or jurisdiction the manual does not know."""
    problems = []
    codes = workspace.manual.codes
    for event in loaded.events:
        if event.chapter not in workspace.manual.chapters:
            problems.append(Problem(event.rel, None, f"chapter '{event.chapter}' is not in the manual",
                                    f"known chapters: {', '.join(workspace.manual.chapters)}", rule="review"))
        if event.language:
            if event.language not in workspace.manual.language_tags:
                problems.append(Problem(event.rel, None, f"language '{event.language}' is not listed",
                                        "list it under 'languages' in manual.yaml", rule="review"))
        elif event.jurisdiction not in codes:
            problems.append(Problem(event.rel, None, f"jurisdiction '{event.jurisdiction}' is not defined",
                                    f"known: {', '.join(codes)}", rule="review"))
    return problems


def verify_reviews(root: Path) -> tuple[int, list[Problem], list[Problem]]:
    """Check every event file (parses, digest, known chapter and jurisdiction) and, in a git
    repository, that no committed event was ever modified or deleted: (files, problems, and
    the chapter files set aside as warnings). A stray or broken chapter file is no obstacle:
    a colleague's half-added chapter must not hide whether the record was tampered with."""
    from vimanual.tools.git import committed_event_changes
    from vimanual.workspace.load import load_workspace

    workspace = load_workspace(root, isolate=True)
    aside = [dataclasses.replace(p, severity="warning")
             for p in dict.fromkeys([*workspace.strays, *(p for found in workspace.set_aside().values()
                                                          for p in found)])]
    loaded = load_events(root, workspace.manual)
    problems = [*loaded.problems, *known_problems(workspace, loaded)]
    problems.extend(committed_event_changes(root, REVIEWS_DIR))
    return loaded.files, sorted(problems, key=lambda p: (p.file, p.message)), aside
