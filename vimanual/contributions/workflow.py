"""Contributions: submit, revise, accept, decline and withdraw.

Each step checks the request, then writes every file it changes as one step (an intent,
vimanual.base.journal) under the workspace lock; storage is in ``store``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vimanual.base.errors import VimanualError
from vimanual.base.fsutil import atomic_write, fsync_dir, safe_join
from vimanual.base.identity import merge_authors, utc_now
from vimanual.base.journal import apply_together, locked
from vimanual.base.names import check_plain, check_slug
from vimanual.base.yamlio import Document, dump_yaml, parse_yaml, read_text
from vimanual.contributions.comments import write_comments
from vimanual.contributions.intake import Converted, convert_submission, count_words, media_links, text_title
from vimanual.contributions.store import (
    CONTRIBUTIONS_DIR,
    HISTORY_DIR,
    RECORD,
    Contribution,
    Decision,
    Revision,
    check_code,
    contribution_folder,
    contributions_dir,
    decision_file,
    list_contributions,
    load_contribution,
    person_key,
    record_decision,
    record_text,
)
from vimanual.workspace.edits import add_chapter
from vimanual.workspace.load import (
    CHAPTERS_DIR,
    MANUAL_FILE,
    content_hash,
    load_manual,
    split_front_matter,
)
from vimanual.workspace.roles import authorise_editor, authorise_owner_or_editor, not_you_hint
from vimanual.workspace.schema import FRONT_MATTER_KEYS, Manual, validate_front_matter
from vimanual.workspace.translations import HASH_RE, TRANSLATION_KEYS, translation_rel, translation_text


@dataclass
class SubmitResult:
    contribution: Contribution
    revision: Revision
    warnings: list[str] = field(default_factory=list)
    text: str = ""  # the revision's Markdown, as stored


@dataclass
class AcceptResult:
    contribution: Contribution
    chapter: str
    new_chapter: bool
    content_hash: str
    previous: str | None
    media: int
    # the chapter's text had changed since the last accepted revision wrote it (an editor's
    # edit, say): what is replaced, said so (it is kept in ``previous``)
    edited_since: str | None = None


# ---------------------------------------------------------------- submit and revise


def _new_id(code: str, slug: str) -> str:
    day = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
    return f"{day}-{code.lower().replace('-', '')}-{slug}-{secrets.token_hex(3)}"


@contextlib.contextmanager
def _staging(root: Path) -> Iterator[Path]:
    """A hidden temp folder inside contributions/, removed whatever happens (and the parent, if
    this call created it and nothing else landed there)."""
    parent = contributions_dir(root)
    created_parent = not parent.exists()
    parent.mkdir(exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=parent))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if created_parent:
            with contextlib.suppress(OSError):
                parent.rmdir()  # only succeeds when empty: a failed first submit leaves nothing


def _front_matter(markdown: str, where: str) -> tuple[dict[str, Any], Document | None, str]:
    """(front matter data, its document, body) of a submitted Markdown text."""
    if not markdown.startswith("---\n"):
        return {}, None, markdown
    front_text, front_line, body, _ = split_front_matter(markdown, where)
    doc = parse_yaml(front_text, where, front_line)
    return doc.data, doc, body


def _leave_out_foreign_front(converted: Converted, where: str) -> None:
    """Take front matter keys another tool wrote (MkDocs' ``date``, Hugo's ``tags``, Jekyll's
    ``layout`` …) out of a submitted text, saying which: they mean nothing in the manual, and
    refusing the page for them would only make the contributor delete them by hand."""
    data, doc, body = _front_matter(converted.markdown, where)
    foreign = [str(key) for key in data if key not in FRONT_MATTER_KEYS]
    if doc is None or not foreign:
        return
    kept = {key: value for key, value in data.items() if key in FRONT_MATTER_KEYS}
    converted.markdown = ("---\n" + dump_yaml(kept) + "---\n" if kept else "") + body
    shown = ", ".join(f"'{key[:40]}'" for key in foreign[:8]) + (" …" if len(foreign) > 8 else "")
    converted.warnings.append(f"front matter {shown} left out: the manual's chapters use only "
                              f"{', '.join(FRONT_MATTER_KEYS)}")


def _check_submitted_front(manual: Manual, markdown: str, where: str, title: str,
                           translation: bool = False) -> None:
    """A contributor's own front matter must be valid before it is stored, not only when accepted."""
    data, doc, _ = _front_matter(markdown, where)
    if doc is None:
        return
    if translation:  # a translator gives the title (and names); 'translates' is the tool's
        for key in data:
            if key not in TRANSLATION_KEYS or key == "translates":
                raise VimanualError(f"{where}:{doc.line(key)}: '{key}' does not belong in a translation's "
                                    "front matter", "give only 'title' (translated); the tool records "
                                    "which source text it translates")
        return
    probe = Document({"title": title, **data}, doc.lines, doc.first_line)
    _, problems = validate_front_matter(probe, manual, where)
    if problems:
        first = problems[0]
        raise VimanualError(str(first), first.hint or f"front matter keys: {', '.join(FRONT_MATTER_KEYS)}")


def _revision(number: int, markdown: str, converted: Converted, source: Path, by: str, note: str,
              translates: str = "") -> Revision:
    payload = markdown.encode("utf-8")
    return Revision(
        number=number, file=f"r{number}.md", sha256=content_hash(payload), size=len(payload),
        words=count_words(_front_matter(markdown, source.name)[2]), at=utc_now(), by=by,
        note=check_plain(" ".join(note.split()), "the note"), source=source.name[:200],
        format=converted.source_format,
        track_changes=converted.track_changes, comments=len(converted.comments),
        translates=translates,
    )


def _translation_target(root: Path, slug: str, language: str, person: str) -> tuple[str, str]:
    """Check a translation's request (a listed language, a chapter of the manual, a translator
    listed for the language): the language's tag as listed, and the source text's content hash
    it will translate."""
    from vimanual.base.errors import UnknownName
    from vimanual.workspace.load import load_workspace

    workspace = load_workspace(root)
    manual = workspace.manual
    language = manual.listed_language(language)
    if slug not in workspace.chapters:
        raise UnknownName("chapter", slug, workspace.chapters, fix=" (a translation translates an existing "
                          "chapter)")
    listed = next(lang for lang in manual.languages if lang.tag == language).translators
    if person_key(person) not in {person_key(name) for name in listed}:
        raise VimanualError(
            f"'{person}' is not a translator for {language}, so cannot submit its translations",
            f"translators for {language}: {', '.join(listed) or 'nobody is listed'}; the editor lists them "
            "under 'languages' in manual.yaml (use --as NAME to give your listed name)",
        )
    return language, workspace.chapters[slug].content_hash


def _keep_translated_source(root: Path, slug: str, translates: str) -> None:
    """Keep the source text a translation is submitted against under chapters/.history/<slug>/,
    named by its hash (the same name in every clone), so that once the source moves on
    'vimanual diff SLUG --language TAG' can show what changed since. Under the lock."""
    path = safe_join(root, CHAPTERS_DIR, f"{slug}.md")
    raw = path.read_bytes()
    if content_hash(raw, root / CHAPTERS_DIR, root) != translates:
        return  # the source changed since the request was checked: it is kept elsewhere or not at all
    target = safe_join(root, CHAPTERS_DIR, HISTORY_DIR, slug, f"translated-{translates[:16]}.md")
    if not target.exists():
        atomic_write(target, raw)




def _title(explicit: str | None, converted: Converted, markdown: str, where: str, slug: str) -> str:
    front, _, body = _front_matter(markdown, where)
    for candidate in (explicit, front.get("title"), converted.title, text_title(body)):
        if isinstance(candidate, str) and candidate.strip():
            return check_plain(" ".join(candidate.split())[:200], f"{where}: the title")
    return slug.replace("-", " ").capitalize()


def submit(
    root: Path,
    source: Path,
    chapter: str,
    jurisdiction: str,
    person: str,
    title: str | None = None,
    note: str = "",
    track_changes: str | None = None,
    language: str = "",
) -> SubmitResult:
    """Store ``source`` as a new contribution; nothing is left behind when anything fails.
    With ``language``, it is a translation of chapter ``chapter`` (``jurisdiction`` unused)
    by a translator listed for the language, recording the source text it translates."""
    manual, _, _ = load_manual(root)
    check_slug(chapter)
    translates = ""
    if language:
        language, translates = _translation_target(root, chapter, language, person)
    else:
        jurisdiction = check_code(manual, jurisdiction)
    with _staging(root) as staging:
        converted = convert_submission(source, manual.limits, staging / "media", staging / ".work",
                                       track_changes, keep_heading=title is not None)
        shutil.rmtree(staging / ".work", ignore_errors=True)
        if not language:
            _leave_out_foreign_front(converted, source.name)
        final_title = _title(title, converted, converted.markdown, source.name, chapter)
        _check_submitted_front(manual, converted.markdown, source.name, final_title, bool(language))
        revision = _revision(1, converted.markdown, converted, source, person, note, translates)
        (staging / revision.file).write_text(converted.markdown, encoding="utf-8")
        write_comments(staging, revision.number, converted.comments)
        with locked(root):
            if language:
                _keep_translated_source(root, chapter, translates)
            contribution_id = _new_id(language or jurisdiction, chapter)
            while (contributions_dir(root) / contribution_id).exists():
                contribution_id = _new_id(language or jurisdiction, chapter)
            contribution = Contribution(
                id=contribution_id, contributor=person, jurisdiction="" if language else jurisdiction,
                chapter=chapter, title=final_title, created=revision.at, revisions=(revision,),
                language=language,
            )
            atomic_write(staging / RECORD, record_text(contribution))
            os.rename(staging, contributions_dir(root) / contribution_id)
            fsync_dir(contributions_dir(root))
    return SubmitResult(contribution, revision, converted.warnings, converted.markdown)


def revise(
    root: Path,
    contribution_id: str,
    source: Path,
    person: str,
    title: str | None = None,
    note: str = "",
    chapter: str | None = None,
    jurisdiction: str | None = None,
    track_changes: str | None = None,
) -> SubmitResult:
    """Add the next revision; refused for a closed contribution or a text identical to the latest."""
    manual, _, _ = load_manual(root)
    current = load_contribution(root, contribution_id)
    authorise_owner_or_editor(manual, person, current.contributor, "revise", contribution_id)
    if jurisdiction is not None:
        jurisdiction = check_code(manual, jurisdiction)
    _check_same(current, chapter, jurisdiction)
    _check_open(current, "revise")
    folder = contribution_folder(root, contribution_id)
    translates = ""
    if current.language:
        translates = _translation_target(root, current.chapter, current.language, person)[1]
    with _staging(root) as staging:
        converted = convert_submission(source, manual.limits, staging / "media", staging / ".work",
                                       track_changes, keep_heading=title is not None)
        new_title = check_plain(" ".join(title.split()), "the title") if title else current.title
        if not current.language:
            _leave_out_foreign_front(converted, source.name)
        _check_submitted_front(manual, converted.markdown, source.name, new_title, bool(current.language))
        with locked(root):
            if current.language:
                _keep_translated_source(root, current.chapter, translates)
            current = load_contribution(root, contribution_id)
            _check_open(current, "revise")
            revision = _revision(current.latest.number + 1, converted.markdown, converted, source, person,
                                 note, translates)
            if revision.sha256 == current.latest.sha256:
                raise VimanualError(
                    f"{source.name} is identical to r{current.latest.number} of {contribution_id}",
                    "nothing to revise; change the text or the file, then submit again",
                )
            for name in converted.media:
                target = safe_join(folder, "media", name)
                target.parent.mkdir(exist_ok=True)
                if not target.exists():  # names are content hashes: an existing one is the same image
                    os.replace(staging / "media" / name, target)
            write_comments(folder, revision.number, converted.comments)
            atomic_write(folder / revision.file, converted.markdown)
            updated = Contribution(
                id=current.id, contributor=current.contributor, jurisdiction=current.jurisdiction,
                chapter=current.chapter, title=new_title, created=current.created,
                revisions=(*current.revisions, revision), decisions=current.decisions,
                language=current.language,
            )
            atomic_write(folder / RECORD, record_text(updated))
    return SubmitResult(updated, revision, converted.warnings, converted.markdown)


def _check_same(current: Contribution, chapter: str | None, jurisdiction: str | None) -> None:
    if chapter is not None and chapter != current.chapter:
        raise VimanualError(f"{current.id} is for chapter '{current.chapter}', not '{chapter}'",
                            "leave out --chapter when revising, or submit a new contribution")
    if jurisdiction is not None and jurisdiction != current.jurisdiction:
        raise VimanualError(f"{current.id} is from {current.jurisdiction}, not {jurisdiction}",
                            "leave out --jurisdiction when revising, or submit a new contribution")


def _check_open(contribution: Contribution, verb: str) -> None:
    closing = contribution.closing
    if closing is None:
        return
    how = "declined" if closing.action == "decline" else "withdrawn"
    because = f" ({closing.reason})" if closing.reason else ""
    raise VimanualError(
        f"cannot {verb} {contribution.id}: it was {how} by {closing.by} on {closing.at[:10]}{because}",
        "submit a new contribution instead",
    )


def decline(root: Path, contribution_id: str, person: str, reason: str) -> Contribution:
    """The editor declines a contribution, saying why; it cannot be revised afterwards."""
    reason = check_plain(" ".join(reason.split()), "the reason")
    if not reason:
        raise VimanualError("a reason is required to decline", "pass --reason 'why it is declined'")
    person = authorise_editor(load_manual(root)[0], person, "decline contributions")
    with locked(root):
        current = load_contribution(root, contribution_id)
        _check_open(current, "decline")
        if current.state == "accepted":
            raise VimanualError(f"{contribution_id} r{current.latest.number} is already accepted into "
                                f"chapter '{current.acceptance.chapter if current.acceptance else '?'}'",
                                "edit the chapter instead")
        record_decision(root, contribution_id, Decision("decline", person, utc_now(), reason))
    return load_contribution(root, contribution_id)


def withdraw(root: Path, contribution_id: str, person: str, reason: str = "") -> Contribution:
    """The contributor withdraws a contribution that is not (or no longer) the chapter's text."""
    with locked(root):
        current = load_contribution(root, contribution_id)
        _check_open(current, "withdraw")
        if person_key(person) != person_key(current.contributor):
            raise VimanualError(
                f"'{person}' cannot withdraw {contribution_id}: only the contributor "
                f"({current.contributor}) may",
                f"{not_you_hint(current.contributor)}; otherwise the editor declines it: "
                f"'vimanual decline {contribution_id} --reason ...'",
            )
        if current.state == "accepted":
            raise VimanualError(f"{contribution_id} is already accepted into chapter "
                                f"'{current.acceptance.chapter if current.acceptance else '?'}'",
                                "ask the editor; a later revision can still change the chapter")
        reason = check_plain(" ".join(reason.split()), "the reason")
        record_decision(root, contribution_id, Decision("withdraw", person, utc_now(), reason))
    return load_contribution(root, contribution_id)


def accept(
    root: Path, contribution_id: str, person: str, chapter: str | None = None, after: str | None = None
) -> AcceptResult:
    """Make the latest revision the chapter's text; a new chapter joins manual.yaml's order.

    The chapter's previous text is kept under chapters/.history/<slug>/ so it is recoverable
    without git; images are copied to chapters/media/<id>/ and the links rewritten to match.
    """
    person = authorise_editor(load_manual(root)[0], person, "accept contributions")
    with locked(root):
        current = load_contribution(root, contribution_id)
        _check_open(current, "accept")
        if current.state == "accepted":
            raise VimanualError(f"{contribution_id} r{current.latest.number} is already accepted",
                                "nothing to do; a new revision can be accepted once submitted")
        if current.language:
            return _accept_translation(root, current, person)
        slug = check_slug(chapter or current.chapter)
        manual, manual_doc, _ = load_manual(root)
        if after is not None:
            check_slug(after)
            if slug in manual.chapters:
                raise VimanualError(f"chapter '{slug}' is already in the manual; --after only places "
                                    "a new chapter", f"move '{slug}' by editing {MANUAL_FILE}")
        folder = contribution_folder(root, contribution_id)
        revision = current.latest
        where = f"{CONTRIBUTIONS_DIR}/{contribution_id}/{revision.file}"
        markdown = read_text(safe_join(folder, revision.file), where, 10_000_000)
        chapter_path = safe_join(root, CHAPTERS_DIR, f"{slug}.md")
        text = _chapter_text(root, manual, current, markdown, slug, where)
        new_manual = None
        if slug not in manual.chapters:
            new_manual = add_chapter(read_text(root / MANUAL_FILE, MANUAL_FILE), slug, after)
        media = _copy_media(folder, root, contribution_id, markdown)
        edited = _edited_since_accepted(root, slug, chapter_path, manual)
        previous = _keep_previous(root, slug, chapter_path)
        new_hash = content_hash(text.encode("utf-8"), root / CHAPTERS_DIR, root, manual.limits)
        decision_rel, decision_text = decision_file(contribution_id, Decision(
            "accept", person, utc_now(), chapter=slug, revision=revision.number,
            content_hash=new_hash, previous=previous,
        ))
        # chapter, manual.yaml and decision change as one step, even if the process is killed
        writes = {f"{CHAPTERS_DIR}/{slug}.md": text}
        if new_manual is not None:
            writes[MANUAL_FILE] = new_manual
        apply_together(root, "accept", writes, {decision_rel: decision_text})
    return AcceptResult(load_contribution(root, contribution_id), slug, new_manual is not None, new_hash,
                        previous, media, edited)


def _edited_since_accepted(root: Path, slug: str, chapter_path: Path, manual: Manual) -> str | None:
    """Which accepted revision the chapter's text no longer is, if it changed since the latest
    accept that wrote it; None if it is that text (or no accept wrote it)."""
    accepts = [(decision.at, contribution.id, decision) for contribution in list_contributions(root)
               for decision in contribution.decisions
               if decision.action == "accept" and decision.chapter == slug and decision.content_hash]
    if not accepts or not chapter_path.is_file():
        return None
    _, contribution_id, last = max(accepts, key=lambda item: (item[0], item[1]))
    now = content_hash(chapter_path.read_bytes(), root / CHAPTERS_DIR, root, manual.limits)
    return None if now == last.content_hash else f"{contribution_id} r{last.revision}"


def _accept_translation(root: Path, current: Contribution, person: str) -> AcceptResult:
    """Write the latest revision as chapters/<lang>/<slug>.md, recording the source text it was
    submitted against (so it is stale at once if the source changed since). Under the lock."""
    slug, language = check_slug(current.chapter), current.language
    folder = contribution_folder(root, current.id)
    revision = current.latest
    manual, _, _ = load_manual(root)
    if slug not in manual.chapters or language not in manual.language_tags:
        raise VimanualError(f"cannot accept {current.id}: chapter '{slug}' or language '{language}' is no "
                            "longer in manual.yaml", "decline it, or restore the chapter or language")
    if not HASH_RE.fullmatch(revision.translates):
        raise VimanualError(f"cannot accept {current.id}: r{revision.number} does not record which source "
                            "text it translates",
                            "restore contribution.yaml from git, or ask for a new revision")
    where = f"{CONTRIBUTIONS_DIR}/{current.id}/{revision.file}"
    markdown = read_text(safe_join(folder, revision.file), where, 10_000_000)
    submitted, _, body = _front_matter(markdown, where)
    translators = [name for name in (submitted.get("translators") or []) if isinstance(name, str)]
    if current.contributor not in translators:
        translators.append(current.contributor)
    body = _drop_title_heading(body, current.title)
    for name in sorted(media_links(body), key=len, reverse=True):
        body = body.replace(f"(media/{name}", f"(../media/{current.id}/{name}")
    text = translation_text(current.title, revision.translates, translators, body)
    media = _copy_media(folder, root, current.id, markdown)
    rel = translation_rel(language, slug)
    target = safe_join(root, rel)
    previous = _keep_previous(root, f"{slug}.{language}", target)
    new_hash = content_hash(text.encode("utf-8"), target.parent, root)
    decision_rel, decision_text = decision_file(current.id, Decision(
        "accept", person, utc_now(), chapter=slug, revision=revision.number, content_hash=new_hash,
        previous=previous,
    ))
    apply_together(root, "accept", {rel: text}, {decision_rel: decision_text})
    return AcceptResult(load_contribution(root, current.id), slug, False, new_hash, previous, media)


def _chapter_text(
    root: Path, manual: Manual, contribution: Contribution, markdown: str, slug: str, where: str
) -> str:
    """Front matter merged from the existing chapter, the submission and the contribution, validated."""
    submitted, _, body = _front_matter(markdown, where)
    existing: dict[str, Any] = {}
    chapter_path = safe_join(root, CHAPTERS_DIR, f"{slug}.md")
    if chapter_path.is_file():
        with contextlib.suppress(VimanualError):
            raw = read_text(chapter_path, f"{CHAPTERS_DIR}/{slug}.md", 10_000_000)
            existing = parse_yaml(split_front_matter(raw, slug)[0], slug).data
    front: dict[str, Any] = {**existing, **submitted}
    front["title"] = contribution.title
    if not existing.get("lead") or submitted.get("lead"):
        front["lead"] = submitted.get("lead") or contribution.jurisdiction
    front["authors"] = merge_authors(existing.get("authors"), submitted.get("authors"),
                                     [contribution.contributor])
    ordered = {k: front[k] for k in FRONT_MATTER_KEYS if k in front}
    ordered.update({k: v for k, v in front.items() if k not in ordered})
    body = _drop_title_heading(body, contribution.title)
    links = sorted(media_links(body), key=len, reverse=True)
    for name in links:
        body = body.replace(f"(media/{name}", f"(media/{contribution.id}/{name}")
        body = re.sub(r"(?m)^( {0,3}\[[^\]\n]+\]:[ \t]*<?)media/(?=" + re.escape(name) + ")",
                      r"\g<1>media/" + contribution.id + "/", body)
    text = "---\n" + dump_yaml(ordered) + "---\n\n" + body.lstrip("\n")
    doc = parse_yaml(dump_yaml(ordered), f"{CHAPTERS_DIR}/{slug}.md", 2)
    _, problems = validate_front_matter(doc, manual, f"{CHAPTERS_DIR}/{slug}.md")
    if problems:
        raise VimanualError(f"cannot accept {contribution.id}: {problems[0]}",
                            problems[0].hint or "fix the front matter in a new revision")
    return text


def _drop_title_heading(body: str, title: str) -> str:
    """The chapter's title comes from front matter: a leading '# Title' would print it twice."""
    stripped = body.lstrip("\n")
    first, _, rest = stripped.partition("\n")
    heading = text_title(first)
    if heading is not None and " ".join(heading.split()).casefold() == title.casefold():
        return rest
    return body


def _copy_media(folder: Path, root: Path, contribution_id: str, markdown: str) -> int:
    names = sorted(media_links(markdown))
    target_dir = safe_join(root, CHAPTERS_DIR, "media", contribution_id)
    for name in names:
        source = safe_join(folder, "media", name)
        if not source.is_file():
            raise VimanualError(f"{CONTRIBUTIONS_DIR}/{contribution_id}/media/{name} is missing",
                                "restore the contribution's media folder from git")
        target = target_dir / name
        if not target.exists():
            atomic_write(target, source.read_bytes())
    return len(names)


def _keep_previous(root: Path, slug: str, chapter_path: Path) -> str | None:
    """Copy the chapter's current text to chapters/.history/<slug>/ before it is replaced."""
    if not chapter_path.is_file():
        return None
    raw = chapter_path.read_bytes()
    stamp = re.sub(r"[^0-9]", "", utc_now())[:14]
    rel = f"{CHAPTERS_DIR}/{HISTORY_DIR}/{slug}/{stamp}-{hashlib.sha256(raw).hexdigest()[:12]}.md"
    atomic_write(safe_join(root, rel), raw)
    return rel


