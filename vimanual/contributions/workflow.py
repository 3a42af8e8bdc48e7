"""Contributions: submit, revise, accept, decline, withdraw, and where each one stands.

A contribution lives in ``contributions/<id>/``: ``contribution.yaml`` (who, which
jurisdiction, which chapter, the revisions), the text of each revision as ``r1.md``,
``r2.md`` …, its images in ``media/`` and one small file per decision in ``decisions/``.
Decisions are separate files, never edits to contribution.yaml, so that an editor's
accept in one clone and a contributor's revision in another merge without a conflict;
a contribution's state is derived from them, never stored.

Ids carry no global counter (two clones would collide): date, jurisdiction, chapter slug
and a random suffix, e.g. ``20250301-uk-image-triage-3fa9c1``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import hashlib
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vimanual.base.errors import Problem, VimanualError
from vimanual.base.fsutil import atomic_write, fsync_dir, safe_join
from vimanual.base.identity import future_limit, utc_now
from vimanual.base.journal import apply_together, locked
from vimanual.base.names import CONTRIBUTION_ID_RE, check_plain, check_slug
from vimanual.base.shape import from_mapping
from vimanual.base.yamlio import Document, dump_yaml, load_yaml, parse_yaml, read_text
from vimanual.contributions.intake import Converted, convert_submission, count_words, media_links, text_title
from vimanual.workspace.edits import add_chapter
from vimanual.workspace.load import (
    CHAPTERS_DIR,
    MANUAL_FILE,
    content_hash,
    load_chapter,
    load_manual,
    split_front_matter,
)
from vimanual.workspace.schema import FRONT_MATTER_KEYS, Manual, validate_front_matter

CONTRIBUTIONS_DIR = "contributions"
RECORD = "contribution.yaml"
DECISIONS_DIR = "decisions"
HISTORY_DIR = ".history"
STATES = ("submitted", "accepted", "declined", "withdrawn")
ACTIONS = ("accept", "decline", "withdraw")
ID_RE = CONTRIBUTION_ID_RE
RECORD_HEADER = (
    "# A contribution to the manual (written by 'vimanual submit'; do not edit by hand).\n"
    "# Its state is derived from decisions/, one file per decision, so clones merge cleanly.\n"
)

ReviewSummary = Callable[[str], dict[str, str]]
ReviewComments = Callable[[str], list[dict[str, str]]]


@dataclass(frozen=True)
class Revision:
    """One version of a contribution's text (``r<number>.md``)."""

    number: int
    file: str
    sha256: str
    size: int
    words: int
    at: str
    by: str
    note: str = ""
    source: str = ""
    format: str = "markdown"


@dataclass(frozen=True)
class Decision:
    """An editor's accept or decline, or the contributor's withdrawal; never edited once written."""

    action: str
    by: str
    at: str
    reason: str = ""
    chapter: str | None = None
    revision: int | None = None
    content_hash: str | None = None
    previous: str | None = None


@dataclass(frozen=True)
class Contribution:
    """A submission and its revisions and decisions, as loaded from its folder."""

    id: str
    contributor: str
    jurisdiction: str
    chapter: str
    title: str
    created: str
    revisions: tuple[Revision, ...]
    decisions: tuple[Decision, ...] = ()

    @property
    def latest(self) -> Revision:
        return self.revisions[-1]

    @property
    def state(self) -> str:
        return derive_state(self.revisions, self.decisions)

    @property
    def acceptance(self) -> Decision | None:
        """The latest accept decision, if any revision was ever accepted."""
        accepts = [d for d in self.decisions if d.action == "accept"]
        return accepts[-1] if accepts else None

    @property
    def closing(self) -> Decision | None:
        """The decline or withdrawal that closed this contribution, if any."""
        closed = [d for d in self.decisions if d.action in ("decline", "withdraw")]
        return closed[-1] if closed else None

    @property
    def updated(self) -> str:
        return max([self.latest.at, *(d.at for d in self.decisions)])


def derive_state(revisions: tuple[Revision, ...], decisions: tuple[Decision, ...]) -> str:
    """submitted, accepted (its latest revision is the chapter's text), declined or withdrawn."""
    closing = [d for d in decisions if d.action in ("decline", "withdraw")]
    if closing:
        return "declined" if closing[-1].action == "decline" else "withdrawn"
    latest = revisions[-1].number if revisions else 0
    if any(d.action == "accept" and d.revision == latest for d in decisions):
        return "accepted"
    return "submitted"


@dataclass
class SubmitResult:
    contribution: Contribution
    revision: Revision
    warnings: list[str] = field(default_factory=list)


@dataclass
class AcceptResult:
    contribution: Contribution
    chapter: str
    new_chapter: bool
    content_hash: str
    previous: str | None
    media: int


# ---------------------------------------------------------------- loading


def contributions_dir(root: Path) -> Path:
    return root / CONTRIBUTIONS_DIR


def _ids(root: Path) -> list[str]:
    folder = contributions_dir(root)
    if not folder.is_dir():
        return []
    return sorted(e.name for e in os.scandir(folder) if e.is_dir() and ID_RE.fullmatch(e.name))


def _folder(root: Path, contribution_id: str) -> Path:
    """The folder of an existing contribution, or an error suggesting the nearest ids."""
    known = _ids(root)
    if ID_RE.fullmatch(contribution_id) and contribution_id in known:
        return safe_join(root, CONTRIBUTIONS_DIR, contribution_id)
    close = difflib.get_close_matches(contribution_id, known, n=3, cutoff=0.5)
    close += [k for k in known if contribution_id and contribution_id in k and k not in close][:3]
    hint = f"did you mean {', '.join(close)}?" if close else "list them with 'vimanual contributions'"
    raise VimanualError(f"unknown contribution '{contribution_id[:120]}'", hint)


def _text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise VimanualError(f"{where}: '{key}' is missing or not text", "restore the file from git")
    return value


def load_contribution(root: Path, contribution_id: str) -> Contribution:
    """Load one contribution (record, revisions and decisions), naming the file of any damage."""
    folder = _folder(root, contribution_id)
    where = f"{CONTRIBUTIONS_DIR}/{contribution_id}/{RECORD}"
    doc = load_yaml(safe_join(folder, RECORD), where)
    data = doc.data
    unknown = sorted(str(k) for k in data if k not in RECORD_KEYS)
    if unknown:
        raise VimanualError(f"{where}:{doc.line(unknown[0])}: unknown key {unknown[0][:40]!r} "
                            f"(known: {', '.join(RECORD_KEYS)})", "restore the file from git")
    items = data.get("revisions") or []
    if not isinstance(items, list):
        raise VimanualError(f"{where}:{doc.line('revisions')}: 'revisions' must be a list",
                            "restore the file from git")
    revisions = []
    for index in range(len(items)):
        revision = from_mapping(Revision, doc, where, ("revisions", index), dates=("at",))
        # A state file never names a path: the revision's file is always r<number>.md.
        if not isinstance(revision.number, int) or revision.file != f"r{revision.number}.md":
            raise VimanualError(f"{where}: revision {index + 1} names the file {str(revision.file)[:80]!r} "
                                f"(expected 'r{index + 1}.md')", "restore the file from git")
        revisions.append(revision)
    if not revisions:
        raise VimanualError(f"{where}: no revisions", "restore the file from git")
    return Contribution(
        id=_text(data, "id", where),
        contributor=_text(data, "contributor", where),
        jurisdiction=_text(data, "jurisdiction", where),
        chapter=_text(data, "chapter", where),
        title=check_plain(_text(data, "title", where), f"{where}: the title"),
        created=_text(data, "created", where),
        revisions=tuple(revisions),
        decisions=_load_decisions(folder / DECISIONS_DIR, f"{CONTRIBUTIONS_DIR}/{contribution_id}"),
    )


def _load_decisions(folder: Path, where: str) -> tuple[Decision, ...]:
    if not folder.is_dir():
        return ()
    found: list[Decision] = []
    for name in sorted(n for n in os.listdir(folder) if n.endswith(".yaml") and not n.startswith(".")):
        file_where = f"{where}/{DECISIONS_DIR}/{name}"
        decision = from_mapping(Decision, load_yaml(safe_join(folder, name), file_where), file_where,
                                dates=("at",))
        if decision.action not in ACTIONS:
            raise VimanualError(f"{file_where}: unknown action '{decision.action}'",
                                f"actions: {', '.join(ACTIONS)}")
        if decision.at > future_limit():
            raise VimanualError(f"{file_where}:3: decision is dated in the future ({decision.at})",
                                "a decision cannot be recorded ahead of time: remove the file, "
                                "decide again")
        found.append(decision)
    return tuple(sorted(found, key=lambda d: d.at))


def list_contributions(
    root: Path,
    jurisdiction: str | None = None,
    contributor: str | None = None,
    state: str | None = None,
) -> list[Contribution]:
    """Every contribution matching the filters, oldest first."""
    if state is not None and state not in STATES:
        raise VimanualError(f"unknown state '{state}'", f"states: {', '.join(STATES)}")
    if jurisdiction is not None:
        manual, _, _ = load_manual(root)
        _check_code(manual, jurisdiction)
    wanted = _person_key(contributor) if contributor else None
    result = []
    for contribution_id in _ids(root):
        contribution = load_contribution(root, contribution_id)
        if jurisdiction and contribution.jurisdiction != jurisdiction:
            continue
        if wanted and _person_key(contribution.contributor) != wanted:
            continue
        if state and contribution.state != state:
            continue
        result.append(contribution)
    return sorted(result, key=lambda c: (c.created, c.id))


def _person_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _check_code(manual: Manual, code: str) -> None:
    if code not in manual.codes:
        close = difflib.get_close_matches(code.upper(), manual.codes, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise VimanualError(f"unknown jurisdiction '{code[:40]}' (known: {', '.join(manual.codes)})",
                            hint + "use a code defined in manual.yaml")


# ---------------------------------------------------------------- submit and revise


def _new_id(code: str, slug: str) -> str:
    day = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
    return f"{day}-{code.lower()}-{slug}-{secrets.token_hex(3)}"


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


def _check_submitted_front(manual: Manual, markdown: str, where: str, title: str) -> None:
    """A contributor's own front matter must be valid before it is stored, not only when accepted."""
    data, doc, _ = _front_matter(markdown, where)
    if doc is None:
        return
    probe = Document({"title": title, **data}, doc.lines, doc.first_line)
    _, problems = validate_front_matter(probe, manual, where)
    if problems:
        first = problems[0]
        raise VimanualError(str(first), first.hint or f"front matter keys: {', '.join(FRONT_MATTER_KEYS)}")


def _revision(number: int, markdown: str, converted: Converted, source: Path, by: str, note: str) -> Revision:
    payload = markdown.encode("utf-8")
    return Revision(
        number=number, file=f"r{number}.md", sha256=content_hash(payload), size=len(payload),
        words=count_words(_front_matter(markdown, source.name)[2]), at=utc_now(), by=by,
        note=check_plain(" ".join(note.split()), "the note"), source=source.name[:200],
        format=converted.source_format,
    )


RECORD_KEYS = ("id", "contributor", "jurisdiction", "chapter", "title", "created", "revisions")


def _record(contribution: Contribution) -> str:
    data = {
        "id": contribution.id, "contributor": contribution.contributor,
        "jurisdiction": contribution.jurisdiction, "chapter": contribution.chapter,
        "title": contribution.title, "created": contribution.created,
        "revisions": [vars(r) for r in contribution.revisions],
    }
    return RECORD_HEADER + dump_yaml(data)


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
) -> SubmitResult:
    """Store ``source`` as a new contribution; nothing is left behind when anything fails."""
    manual, _, _ = load_manual(root)
    _check_code(manual, jurisdiction)
    check_slug(chapter)
    with _staging(root) as staging:
        converted = convert_submission(source, manual.limits, staging / "media", staging / ".work")
        shutil.rmtree(staging / ".work", ignore_errors=True)
        final_title = _title(title, converted, converted.markdown, source.name, chapter)
        _check_submitted_front(manual, converted.markdown, source.name, final_title)
        revision = _revision(1, converted.markdown, converted, source, person, note)
        (staging / revision.file).write_text(converted.markdown, encoding="utf-8")
        with locked(root):
            contribution_id = _new_id(jurisdiction, chapter)
            while (contributions_dir(root) / contribution_id).exists():
                contribution_id = _new_id(jurisdiction, chapter)
            contribution = Contribution(
                id=contribution_id, contributor=person, jurisdiction=jurisdiction, chapter=chapter,
                title=final_title, created=revision.at, revisions=(revision,),
            )
            atomic_write(staging / RECORD, _record(contribution))
            os.rename(staging, contributions_dir(root) / contribution_id)
            fsync_dir(contributions_dir(root))
    return SubmitResult(contribution, revision, converted.warnings)


def revise(
    root: Path,
    contribution_id: str,
    source: Path,
    person: str,
    title: str | None = None,
    note: str = "",
    chapter: str | None = None,
    jurisdiction: str | None = None,
) -> SubmitResult:
    """Add the next revision; refused for a closed contribution or a text identical to the latest."""
    manual, _, _ = load_manual(root)
    current = load_contribution(root, contribution_id)
    _check_same(current, chapter, jurisdiction)
    _check_open(current, "revise")
    folder = _folder(root, contribution_id)
    with _staging(root) as staging:
        converted = convert_submission(source, manual.limits, staging / "media", staging / ".work")
        new_title = check_plain(" ".join(title.split()), "the title") if title else current.title
        _check_submitted_front(manual, converted.markdown, source.name, new_title)
        with locked(root):
            current = load_contribution(root, contribution_id)
            _check_open(current, "revise")
            revision = _revision(current.latest.number + 1, converted.markdown, converted, source, person,
                                 note)
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
            atomic_write(folder / revision.file, converted.markdown)
            updated = Contribution(
                id=current.id, contributor=current.contributor, jurisdiction=current.jurisdiction,
                chapter=current.chapter, title=new_title, created=current.created,
                revisions=(*current.revisions, revision), decisions=current.decisions,
            )
            atomic_write(folder / RECORD, _record(updated))
    return SubmitResult(updated, revision, converted.warnings)


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


# ---------------------------------------------------------------- decisions


def verify_decisions(root: Path) -> tuple[int, list[Problem]]:
    """Check every contribution's record and decisions (shape, dates) and, in a git
    repository, that no committed decision was ever modified or deleted (or lost by a
    rewritten history). Returns (decision files, problems)."""
    from vimanual.tools.git import committed_event_changes

    problems: list[Problem] = []
    count = 0
    for contribution_id in _ids(root):
        try:
            count += len(load_contribution(root, contribution_id).decisions)
        except VimanualError as exc:
            where, _, message = exc.message.partition(": ")
            file, _, line = where.partition(":")
            problems.append(Problem(file, int(line) if line.isdigit() else None, message or exc.message,
                                    exc.hint, rule="contribution"))
    problems.extend(committed_event_changes(
        root, CONTRIBUTIONS_DIR, spec=f":(glob){CONTRIBUTIONS_DIR}/*/{DECISIONS_DIR}/*.yaml",
        noun="contribution decision"))
    return count, sorted(problems, key=lambda p: (p.file, p.message))


def _decision_file(contribution_id: str, decision: Decision) -> tuple[str, str]:
    """Workspace-relative path and text of a new decision file."""
    stamp = re.sub(r"[^0-9]", "", decision.at)[:20]
    name = f"{stamp}-{decision.action}-{secrets.token_hex(2)}.yaml"
    data = {k: v for k, v in vars(decision).items() if v not in (None, "")}
    return f"{CONTRIBUTIONS_DIR}/{contribution_id}/{DECISIONS_DIR}/{name}", dump_yaml(data)


def _record_decision(root: Path, contribution_id: str, decision: Decision) -> None:
    _folder(root, contribution_id)  # refuses a contribution folder that links outside
    rel, text = _decision_file(contribution_id, decision)
    atomic_write(safe_join(root, rel), text)


def decline(root: Path, contribution_id: str, person: str, reason: str) -> Contribution:
    """The editor declines a contribution, saying why; it cannot be revised afterwards."""
    reason = check_plain(" ".join(reason.split()), "the reason")
    if not reason:
        raise VimanualError("a reason is required to decline", "pass --reason 'why it is declined'")
    with locked(root):
        current = load_contribution(root, contribution_id)
        _check_open(current, "decline")
        if current.state == "accepted":
            raise VimanualError(f"{contribution_id} r{current.latest.number} is already accepted into "
                                f"chapter '{current.acceptance.chapter if current.acceptance else '?'}'",
                                "edit the chapter instead")
        _record_decision(root, contribution_id, Decision("decline", person, utc_now(), reason))
    return load_contribution(root, contribution_id)


def withdraw(root: Path, contribution_id: str, person: str, reason: str = "") -> Contribution:
    """The contributor withdraws a contribution that is not (or no longer) the chapter's text."""
    with locked(root):
        current = load_contribution(root, contribution_id)
        _check_open(current, "withdraw")
        if _person_key(person) != _person_key(current.contributor):
            raise VimanualError(
                f"only the contributor ({current.contributor}) may withdraw {contribution_id}",
                "the editor declines instead: 'vimanual decline ID --reason ...'",
            )
        if current.state == "accepted":
            raise VimanualError(f"{contribution_id} is already accepted into chapter "
                                f"'{current.acceptance.chapter if current.acceptance else '?'}'",
                                "ask the editor; a later revision can still change the chapter")
        reason = check_plain(" ".join(reason.split()), "the reason")
        _record_decision(root, contribution_id, Decision("withdraw", person, utc_now(), reason))
    return load_contribution(root, contribution_id)


def accept(
    root: Path, contribution_id: str, person: str, chapter: str | None = None, after: str | None = None
) -> AcceptResult:
    """Make the latest revision the chapter's text; a new chapter joins manual.yaml's order.

    The chapter's previous text is kept under chapters/.history/<slug>/ so it is recoverable
    without git; images are copied to chapters/media/<id>/ and the links rewritten to match.
    """
    with locked(root):
        current = load_contribution(root, contribution_id)
        _check_open(current, "accept")
        if current.state == "accepted":
            raise VimanualError(f"{contribution_id} r{current.latest.number} is already accepted",
                                "nothing to do; a new revision can be accepted once submitted")
        slug = check_slug(chapter or current.chapter)
        manual, manual_doc, _ = load_manual(root)
        if after is not None:
            check_slug(after)
            if slug in manual.chapters:
                raise VimanualError(f"chapter '{slug}' is already in the manual; --after only places "
                                    "a new chapter", f"move '{slug}' by editing {MANUAL_FILE}")
        folder = _folder(root, contribution_id)
        revision = current.latest
        where = f"{CONTRIBUTIONS_DIR}/{contribution_id}/{revision.file}"
        markdown = read_text(safe_join(folder, revision.file), where, 10_000_000)
        chapter_path = safe_join(root, CHAPTERS_DIR, f"{slug}.md")
        text = _chapter_text(root, manual, current, markdown, slug, where)
        new_manual = None
        if slug not in manual.chapters:
            new_manual = add_chapter(read_text(root / MANUAL_FILE, MANUAL_FILE), slug, after)
        media = _copy_media(folder, root, contribution_id, markdown)
        previous = _keep_previous(root, slug, chapter_path)
        new_hash = content_hash(text.encode("utf-8"), root / CHAPTERS_DIR, root, manual.limits)
        decision_rel, decision_text = _decision_file(contribution_id, Decision(
            "accept", person, utc_now(), chapter=slug, revision=revision.number,
            content_hash=new_hash, previous=previous,
        ))
        # chapter, manual.yaml and decision change as one step, even if the process is killed
        writes = {f"{CHAPTERS_DIR}/{slug}.md": text}
        if new_manual is not None:
            writes[MANUAL_FILE] = new_manual
        apply_together(root, "accept", writes, {decision_rel: decision_text})
    return AcceptResult(load_contribution(root, contribution_id), slug, new_manual is not None, new_hash,
                        previous, media)


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
    authors: list[str] = []
    for source in (existing.get("authors"), submitted.get("authors"), [contribution.contributor]):
        for name in [source] if isinstance(source, str) else source or []:
            if isinstance(name, str) and name not in authors:
                authors.append(name)
    front["authors"] = authors
    ordered = {k: front[k] for k in FRONT_MATTER_KEYS if k in front}
    ordered.update({k: v for k, v in front.items() if k not in ordered})
    body = _drop_title_heading(body, contribution.title)
    links = sorted(media_links(body), key=len, reverse=True)
    for name in links:
        body = body.replace(f"(media/{name}", f"(media/{contribution.id}/{name}")
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


# ---------------------------------------------------------------- the contributor's view


@dataclass
class ContributorEntry:
    """One of a contributor's submissions, where it stands, and once accepted how review goes."""

    id: str
    title: str
    jurisdiction: str
    chapter: str
    state: str
    summary: str
    revisions: list[Revision]
    decisions: list[Decision]
    accepted_chapter: str | None = None
    accepted_revision: int | None = None
    chapter_hash: str | None = None
    chapter_changed_since: bool = False
    review: dict[str, str] = field(default_factory=dict)
    comments: list[dict[str, str]] = field(default_factory=list)


def pending_review_summary(root: Path) -> ReviewSummary:
    """Review state before any review data exists: every reviewing jurisdiction is pending."""

    def summary(slug: str) -> dict[str, str]:
        manual, _, _ = load_manual(root)
        chapter, _ = load_chapter(root, slug, manual)
        codes = chapter.front.reviewed_by if chapter is not None else manual.required_codes
        return {code: "pending" for code in codes}

    return summary


def contributor_view(
    root: Path,
    name: str,
    review_summary: ReviewSummary | None = None,
    review_comments: ReviewComments | None = None,
) -> list[ContributorEntry]:
    """Each of ``name``'s contributions: revisions, state and, once accepted, the chapter's review.

    ``review_summary(slug) -> {code: state}`` and ``review_comments(slug)`` come from the review
    module when it exists; by default every reviewing jurisdiction is 'pending' and there are
    no comments.
    """
    summary = review_summary or pending_review_summary(root)
    comments = review_comments or (lambda slug: [])
    manual, _, _ = load_manual(root)
    entries = []
    for contribution in list_contributions(root, contributor=name):
        entry = ContributorEntry(
            id=contribution.id, title=contribution.title, jurisdiction=contribution.jurisdiction,
            chapter=contribution.chapter, state=contribution.state, summary=describe(contribution),
            revisions=list(contribution.revisions), decisions=list(contribution.decisions),
        )
        accepted = contribution.acceptance
        if accepted is not None and accepted.chapter:
            entry.accepted_chapter = accepted.chapter
            entry.accepted_revision = accepted.revision
            chapter, _ = load_chapter(root, accepted.chapter, manual)
            if chapter is not None:
                entry.chapter_hash = chapter.content_hash
                entry.chapter_changed_since = chapter.content_hash != accepted.content_hash
            entry.review = summary(accepted.chapter)
            entry.comments = comments(accepted.chapter)
        entries.append(entry)
    return entries


def describe(contribution: Contribution) -> str:
    """One line a person reads: 'accepted into chapter x (r2)', 'declined: reason' …"""
    state = contribution.state
    accepted = contribution.acceptance
    closing = contribution.closing
    if state == "accepted" and accepted is not None:
        return f"accepted into chapter '{accepted.chapter}' (r{accepted.revision})"
    if closing is not None:
        how = "declined" if closing.action == "decline" else "withdrawn"
        return f"{how} by {closing.by}" + (f": {closing.reason}" if closing.reason else "")
    if accepted is not None:
        return (f"r{contribution.latest.number} submitted; r{accepted.revision} is in chapter "
                f"'{accepted.chapter}'")
    revised = f", revised (r{contribution.latest.number})" if contribution.latest.number > 1 else ""
    return f"submitted{revised}, awaiting the editor"
