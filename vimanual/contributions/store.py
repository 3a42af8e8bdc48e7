"""Contributions on disk: the folder of each, its record and decisions, and its derived state.

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

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vimanual.base.errors import Problem, VimanualError, close_names, suggest
from vimanual.base.fsutil import atomic_write, safe_join
from vimanual.base.identity import future_limit
from vimanual.base.names import CONTRIBUTION_ID_RE, check_plain, normalise_code
from vimanual.base.shape import from_mapping
from vimanual.base.yamlio import dump_yaml, load_yaml
from vimanual.workspace.load import (
    load_manual,
)
from vimanual.workspace.roles import is_editor, same_person
from vimanual.workspace.schema import LANGUAGE_RE, Manual

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
    track_changes: str = ""  # accept or reject: how the document's tracked changes were resolved
    comments: int = 0  # comments the document held, kept in r<number>.comments.yaml
    translates: str = ""  # a translation's revision: the source text's content hash when it was submitted


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
    language: str = ""  # set on a translation: the language it translates ``chapter`` into
    # decision files by someone manual.yaml does not allow to make them (``_allowed``): not in
    # ``decisions``, each a problem that ``verify`` reports
    ignored: tuple[Problem, ...] = ()

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


# ---------------------------------------------------------------- loading


def contributions_dir(root: Path) -> Path:
    return root / CONTRIBUTIONS_DIR


def _ids(root: Path) -> list[str]:
    folder = contributions_dir(root)
    if not folder.is_dir():
        return []
    return sorted(e.name for e in os.scandir(folder) if e.is_dir() and ID_RE.fullmatch(e.name))


def contribution_folder(root: Path, contribution_id: str) -> Path:
    """The folder of an existing contribution, or an error suggesting the nearest ids."""
    known = _ids(root)
    if ID_RE.fullmatch(contribution_id) and contribution_id in known:
        return safe_join(root, CONTRIBUTIONS_DIR, contribution_id)
    close = close_names(contribution_id, known, n=3, cutoff=0.5)
    close += [k for k in known if contribution_id and contribution_id in k and k not in close][:3]
    hint = suggest(close).rstrip() or "list them with 'vimanual contributions'"
    raise VimanualError(f"unknown contribution '{contribution_id[:120]}'", hint)


def _text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise VimanualError(f"{where}: '{key}' is missing or not text", "restore the file from git")
    return value


def load_contribution(root: Path, contribution_id: str, manual: Manual | None = None) -> Contribution:
    """Load one contribution (record, revisions and decisions), naming the file of any damage.
    A decision counts only if manual.yaml (``manual``, read if not given) allows its maker."""
    folder = contribution_folder(root, contribution_id)
    where = f"{CONTRIBUTIONS_DIR}/{contribution_id}/{RECORD}"
    doc = load_yaml(safe_join(folder, RECORD), where)
    data = doc.data
    unknown = sorted(str(k) for k in data if k not in RECORD_KEYS)
    if unknown:
        raise VimanualError(f"unknown key {unknown[0][:40]!r} (known: {', '.join(RECORD_KEYS)})",
                            "restore the file from git", file=where, line=doc.line(unknown[0]))
    items = data.get("revisions") or []
    if not isinstance(items, list):
        raise VimanualError("'revisions' must be a list", "restore the file from git", file=where,
                            line=doc.line("revisions"))
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
    contributor = _text(data, "contributor", where)
    found = _load_decisions(folder / DECISIONS_DIR, f"{CONTRIBUTIONS_DIR}/{contribution_id}")
    decisions, ignored = _allowed(found, contributor, manual if manual is not None else load_manual(root)[0])
    return Contribution(
        id=_text(data, "id", where),
        contributor=contributor,
        jurisdiction=(str(data.get("jurisdiction") or "") if data.get("language")
                      else _text(data, "jurisdiction", where)),
        chapter=_text(data, "chapter", where),
        title=check_plain(_text(data, "title", where), f"{where}: the title"),
        created=_text(data, "created", where),
        revisions=tuple(revisions),
        decisions=decisions,
        language=_language(data, where),
        ignored=ignored,
    )


def _allowed(found: list[tuple[Decision, str]], contributor: str,
             manual: Manual) -> tuple[tuple[Decision, ...], tuple[Problem, ...]]:
    """The decisions their makers may make (an editor accepts and declines, the contributor or an
    editor withdraws: as ``accept``/``decline``/``withdraw`` check when they record one; a
    workspace that names no editors leaves them open), and a problem for each other one: a
    decision file is written by whoever can commit."""
    kept: list[Decision] = []
    ignored: list[Problem] = []
    for decision, file_where in found:
        by_editor = not manual.editors or is_editor(manual, decision.by)
        if by_editor or (decision.action == "withdraw" and same_person(decision.by, contributor)):
            kept.append(decision)
            continue
        who = "an editor" if decision.action != "withdraw" else "the contributor or an editor"
        ignored.append(Problem(file_where, None, f"{decision.action} by '{decision.by}', who is not {who}: "
                               "not counted", "only a decision its maker may record counts; the editor "
                               "decides again", rule="contribution"))
    return tuple(kept), tuple(ignored)


def _language(data: dict[str, Any], where: str) -> str:
    value = data.get("language")
    if value is None:
        return ""
    if not isinstance(value, str) or not LANGUAGE_RE.fullmatch(value):
        raise VimanualError(f"{where}: 'language' is not a language tag", "restore the file from git")
    return value


def _load_decisions(folder: Path, where: str) -> list[tuple[Decision, str]]:
    """Each decision file's decision, oldest first, with the file's workspace path."""
    if not folder.is_dir():
        return []
    found: list[tuple[Decision, str]] = []
    for name in sorted(n for n in os.listdir(folder) if n.endswith(".yaml") and not n.startswith(".")):
        file_where = f"{where}/{DECISIONS_DIR}/{name}"
        decision = from_mapping(Decision, load_yaml(safe_join(folder, name), file_where), file_where,
                                dates=("at",))
        if decision.action not in ACTIONS:
            raise VimanualError(f"{file_where}: unknown action '{decision.action}'",
                                f"actions: {', '.join(ACTIONS)}")
        if decision.at > future_limit():
            raise VimanualError(f"decision is dated in the future ({decision.at})",
                                "a decision cannot be recorded ahead of time: remove the file, "
                                "decide again", file=file_where)
        found.append((decision, file_where))
    return sorted(found, key=lambda item: item[0].at)


def list_contributions(
    root: Path,
    jurisdiction: str | None = None,
    contributor: str | None = None,
    state: str | None = None,
) -> list[Contribution]:
    """Every contribution matching the filters, oldest first."""
    if state is not None and state not in STATES:
        raise VimanualError(f"unknown state '{state}'", f"states: {', '.join(STATES)}")
    manual, _, _ = load_manual(root)
    if jurisdiction is not None:
        jurisdiction = check_code(manual, jurisdiction)
    wanted = person_key(contributor) if contributor else None
    result = []
    for contribution_id in _ids(root):
        contribution = load_contribution(root, contribution_id, manual)
        if jurisdiction and contribution.jurisdiction != jurisdiction:
            continue
        if wanted and person_key(contribution.contributor) != wanted:
            continue
        if state and contribution.state != state:
            continue
        result.append(contribution)
    return sorted(result, key=lambda c: (c.created, c.id))


def person_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def check_code(manual: Manual, code: str) -> str:
    """The code as manual.yaml spells it (any case accepted), else a did-you-mean error."""
    return normalise_code(code, manual.codes)



RECORD_KEYS = ("id", "contributor", "jurisdiction", "chapter", "title", "created", "revisions", "language")


def record_text(contribution: Contribution) -> str:
    data = {
        "id": contribution.id, "contributor": contribution.contributor,
        "jurisdiction": contribution.jurisdiction, "chapter": contribution.chapter,
        "title": contribution.title, "created": contribution.created,
        "revisions": [{k: v for k, v in vars(r).items() if k != "translates" or v}
                      for r in contribution.revisions],
    }
    if contribution.language:
        data["language"] = contribution.language
    return RECORD_HEADER + dump_yaml(data)

# ---------------------------------------------------------------- decisions


def verify_decisions(root: Path) -> tuple[int, list[Problem]]:
    """Check every contribution's record and decisions (shape, dates) and, in a git
    repository, that no committed decision was ever modified or deleted (or lost by a
    rewritten history). Returns (decision files, problems)."""
    from vimanual.tools.git import committed_event_changes

    problems: list[Problem] = []
    count = 0
    manual = load_manual(root)[0]
    for contribution_id in _ids(root):
        try:
            contribution = load_contribution(root, contribution_id, manual)
            count += len(contribution.decisions) + len(contribution.ignored)
            problems.extend(contribution.ignored)
        except VimanualError as exc:
            problems.append(exc.problem(exc.file or f"{CONTRIBUTIONS_DIR}/{contribution_id}", "contribution"))
    problems.extend(committed_event_changes(
        root, CONTRIBUTIONS_DIR, spec=f":(glob){CONTRIBUTIONS_DIR}/*/{DECISIONS_DIR}/*.yaml",
        noun="contribution decision"))
    return count, sorted(problems, key=lambda p: (p.file, p.message))


def decision_file(contribution_id: str, decision: Decision) -> tuple[str, str]:
    """Workspace-relative path and text of a new decision file."""
    stamp = re.sub(r"[^0-9]", "", decision.at)[:20]
    name = f"{stamp}-{decision.action}-{secrets.token_hex(2)}.yaml"
    data = {k: v for k, v in vars(decision).items() if v not in (None, "")}
    return f"{CONTRIBUTIONS_DIR}/{contribution_id}/{DECISIONS_DIR}/{name}", dump_yaml(data)


def record_decision(root: Path, contribution_id: str, decision: Decision) -> None:
    contribution_folder(root, contribution_id)  # refuses a contribution folder that links outside
    rel, text = decision_file(contribution_id, decision)
    atomic_write(safe_join(root, rel), text)


def describe(contribution: Contribution) -> str:
    """One line a person reads: 'accepted into chapter x (r2)', 'declined: reason' …"""
    state = contribution.state
    accepted = contribution.acceptance
    closing = contribution.closing
    into = f"the {contribution.language} translation of" if contribution.language else "chapter"
    if state == "accepted" and accepted is not None:
        return f"accepted into {into} '{accepted.chapter}' (r{accepted.revision})"
    if closing is not None:
        how = "declined" if closing.action == "decline" else "withdrawn"
        return f"{how} by {closing.by}" + (f": {closing.reason}" if closing.reason else "")
    if accepted is not None:
        return (f"r{contribution.latest.number} submitted; r{accepted.revision} is in chapter "
                f"'{accepted.chapter}'")
    revised = f"revised (r{contribution.latest.number}), " if contribution.latest.number > 1 else ""
    return f"{revised}awaiting the editor's decision"
