"""The review event: one small YAML file under ``reviews/<slug>/``, written once and never
edited: who decided what for which jurisdiction, when, and on which text (the chapter's
content hash).

The files are YAML that this module writes in a restricted shape (``key: "json string"``
per line) and reads back with a fast path; anything else falls back to the strict YAML
loader, so a file that is valid YAML is never refused for its layout alone.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from typing import Any

from vimanual import __version__
from vimanual.base.errors import Problem, VimanualError
from vimanual.base.identity import future_limit
from vimanual.base.names import TRANSLATION_CODE, control_char, is_code, is_slug
from vimanual.base.yamlio import parse_yaml

REVIEWS_DIR = "reviews"
EVENT_FORMAT = 1
MAX_EVENT_BYTES = 64_000
MAX_COMMENT_CHARS = 20_000

APPROVE = "approve"
REQUEST_CHANGES = "request-changes"
COMMENT = "comment"
DECISIONS = (APPROVE, REQUEST_CHANGES, COMMENT)

PENDING = "pending"
CHANGES_REQUESTED = "changes-requested"
APPROVED = "approved"
STALE = "stale"
NOT_APPLICABLE = "n/a"
STATES = (APPROVED, STALE, CHANGES_REQUESTED, PENDING, NOT_APPLICABLE)

# Field order in the file; the digest covers every field but itself.
EVENT_FIELDS = (
    "format", "chapter", "jurisdiction", "decision", "reviewer", "time",
    "content_hash", "tool_version", "comment",
)
_FILE_KEYS = frozenset((*EVENT_FIELDS, "digest"))
# A translation review names its language; the key is absent from a source review's file (and
# from its digested form), so every event written before translations existed is unchanged.
LANGUAGE_FIELD = "language"
TRANSLATION = TRANSLATION_CODE  # the jurisdiction field of a translation review: the language decides
_TEXT_KEYS = (*EVENT_FIELDS[1:], "digest")
_encode_json = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) uses
_HEADER = "# vimanual review event: never edit or delete this file; record a new review instead.\n"
_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_HEX64_RE = re.compile(r"[0-9a-f]{64}")
_LANGUAGE_RE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
_NAME_RE = re.compile(r"(\d{8}T\d{6}\.\d{6}Z)-([A-Z][A-Z0-9]{1,15})-([0-9a-f]{12})\.yaml")


@dataclass(frozen=True)
class ReviewEvent:
    """One recorded review: a decision (or a comment) by a reviewer on one version of a chapter."""

    chapter: str
    jurisdiction: str
    decision: str
    reviewer: str
    time: str
    content_hash: str
    comment: str = ""
    tool_version: str = __version__
    format: int = EVENT_FORMAT
    digest: str = ""
    language: str = ""  # set on a translation's review: the language reviewed

    def fields(self) -> dict[str, Any]:
        """The digested fields, in file order (``language`` only on a translation's review)."""
        found = {name: getattr(self, name) for name in EVENT_FIELDS}
        if self.language:
            found[LANGUAGE_FIELD] = self.language
        return found

    def canonical(self) -> str:
        """Every field but the digest as compact JSON with sorted keys (the digested form).

        Equal to ``json.dumps(self.fields(), sort_keys=True, separators=(",", ":"),
        ensure_ascii=False)``, built directly because status digests every event."""
        enc = _encode_json
        return (  # keys in sorted order
            f'{{"chapter":{enc(self.chapter)},"comment":{enc(self.comment)},'
            f'"content_hash":{enc(self.content_hash)},"decision":{enc(self.decision)},'
            f'"format":{int(self.format)},"jurisdiction":{enc(self.jurisdiction)},'
            + (f'"language":{enc(self.language)},' if self.language else "")
            + f'"reviewer":{enc(self.reviewer)},"time":{enc(self.time)},'
            f'"tool_version":{enc(self.tool_version)}}}'
        )

    def compute_digest(self) -> str:
        """SHA-256 over the canonical JSON form of every field except the digest."""
        return hashlib.sha256(self.canonical().encode("utf-8")).hexdigest()

    def sealed(self) -> ReviewEvent:
        """This event with its digest filled in."""
        return ReviewEvent(**{**self.fields(), "digest": self.compute_digest()})

    @property
    def file_name(self) -> str:
        """Unique and merge-safe: time, jurisdiction and short digest, never a counter."""
        compact = self.time.replace("-", "").replace(":", "")
        return f"{compact}-{self.jurisdiction}-{self.digest[:12]}.yaml"

    @property
    def rel(self) -> str:
        return f"{REVIEWS_DIR}/{self.chapter}/{self.file_name}"

    @property
    def order_key(self) -> tuple[str, str]:
        """Latest wins by time; equal times are broken by digest, the same in every clone."""
        return (self.time, self.digest)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- the file format ------------------------------------------------------------------------

_UNSAFE_IN_YAML = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def _quote(value: str) -> str:
    """A JSON string literal that is also a YAML double-quoted scalar with the same value."""
    text = json.dumps(value, ensure_ascii=False)
    # YAML folds or refuses these characters inside quotes; JSON escapes mean the same in both.
    return _UNSAFE_IN_YAML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def dump_event(event: ReviewEvent) -> str:
    """The event file's text: one ``key: value`` line per field, values quoted."""
    lines = [_HEADER, f"format: {event.format}\n"]
    for name in EVENT_FIELDS[1:]:
        lines.append(f"{name}: {_quote(getattr(event, name))}\n")
        if name == "jurisdiction" and event.language:
            lines.append(f"{LANGUAGE_FIELD}: {_quote(event.language)}\n")
    lines.append(f"digest: {_quote(event.digest)}\n")
    return "".join(lines)


# A JSON string literal whose characters YAML reads the same way inside double quotes: no
# control, line-break or non-printable characters raw, no surrogate escapes.
# Possessive quantifiers: no backtracking, about 6x faster on 20,000 files.
_STRING = (r'"(?:[^"\\\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]++'
           r'|\\["\\/bfnrt]|\\u(?![dD][89a-fA-F])[0-9a-fA-F]{4})*+"')
_INTEGER = r"0|[1-9][0-9]{0,8}"
# A comment line YAML also reads as one line: no raw line breaks or non-printables in it.
_COMMENT = r"#[^\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]*+"
_FAST_LINE = re.compile(rf"([a-z_]+): ({_STRING}|{_INTEGER})")
_COMMENT_LINE = re.compile(_COMMENT)
# Exactly what dump_event writes: one match and one json.loads per file.
_EXACT_FILE = re.compile(
    rf"(?:{_COMMENT}\n)*format: ({_INTEGER})\n"
    + "".join(rf"{name}: ({_STRING})\n" for name in (*EVENT_FIELDS[1:], "digest"))
)

_EXACT_VALID = re.compile(
    rf"(?:{_COMMENT}\n)*format: {EVENT_FORMAT}\n"
    r'chapter: "([a-z0-9][a-z0-9-]{0,63})"\n'
    r'jurisdiction: "([A-Z][A-Z0-9]{1,15})"\n'
    r'decision: "(approve|request-changes|comment)"\n'
    rf"reviewer: ({_STRING})\n"
    r'time: "(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)"\n'
    r'content_hash: "([0-9a-f]{64})"\n'
    rf"tool_version: ({_STRING})\n"
    rf"comment: ({_STRING})\n"
    r'digest: "([0-9a-f]{64})"\n'
)
_FORGED = "digest does not match the event's content (the file was edited or forged)"
# A forged event dated ahead would override every later real decision until its date.
_FUTURE_HINT = "an event cannot be recorded ahead of time: remove the file and record the review again"
_FORGED_HINT = "restore the original file (e.g. from git); record a new review instead of editing one"


def _parse_fast(text: str) -> dict[str, Any] | None:
    """Parse the shape that dump_event writes; None for anything else (the caller falls back
    to strict YAML). Every accepted line means the same in JSON and in YAML, and the shape
    has no room for anchors, aliases or tags."""
    exact = _EXACT_FILE.fullmatch(text)
    if exact is not None:
        values = json.loads("[" + ",".join(exact.groups()) + "]")
        return dict(zip(("format", *EVENT_FIELDS[1:], "digest"), values, strict=True))
    parts: list[str] = []
    seen: set[str] = set()
    for line in text.split("\n"):
        if not line:
            continue
        if line[0] == "#":
            if _COMMENT_LINE.fullmatch(line) is None:
                return None
            continue
        match = _FAST_LINE.fullmatch(line)
        if match is None:
            return None
        key, value = match.groups()
        if key in seen or (key not in _FILE_KEYS and key != LANGUAGE_FIELD):
            return None
        seen.add(key)
        parts.append(f'"{key}":{value}')
    try:
        data = json.loads("{" + ",".join(parts) + "}")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _parse_valid(text: str) -> ReviewEvent | None:
    """The common case on the hot path: the exact layout dump_event writes, with values
    already in their valid forms; None for anything else."""
    match = _EXACT_VALID.fullmatch(text)
    if match is None:
        return None
    chapter, code, decision, reviewer, time, content_hash, version, comment, digest = match.groups()
    reviewer, version, comment = json.loads(f"[{reviewer},{version},{comment}]")
    return ReviewEvent(chapter, code, decision, reviewer, time, content_hash, comment, version,
                       EVENT_FORMAT, digest)


def parse_event(text: str, rel: str) -> tuple[ReviewEvent | None, list[Problem]]:
    """Parse and check one event file's text: fields, types, digest. Problems instead of raising."""
    valid = _parse_valid(text)
    if valid is not None:
        code = control_char(valid.reviewer + valid.comment + valid.tool_version)
        if code is not None:
            return None, [Problem(rel, None, f"control character {code} in a review event",
                                  "remove the escape sequence; events are written by 'vimanual review'",
                                  rule="review")]
        if valid.time > future_limit():
            return None, [Problem(rel, None, f"review event is dated in the future ({valid.time})",
                                  _FUTURE_HINT, rule="review")]
        if valid.compute_digest() == valid.digest:
            return valid, []
        return None, [Problem(rel, None, _FORGED, _FORGED_HINT, rule="review")]
    data = _parse_fast(text)
    if data is None:
        try:
            data = parse_yaml(text, rel).data
        except VimanualError as exc:
            return None, [exc.problem(rel, rule="review")]
    problems: list[Problem] = []

    def bad(message: str, hint: str = "") -> None:
        problems.append(Problem(rel, None, message, hint, rule="review"))

    if data.keys() - {LANGUAGE_FIELD} != _FILE_KEYS:
        for key in data:
            if key not in _FILE_KEYS and key != LANGUAGE_FIELD:
                bad(f"unknown key {key!r} in a review event", f"known keys: {', '.join(sorted(_FILE_KEYS))}")
        for key in _FILE_KEYS:
            if key not in data:
                bad(f"missing key '{key}'",
                    "review events are written by 'vimanual review'; do not hand-edit them")
        return None, problems
    if data["format"] != EVENT_FORMAT or isinstance(data["format"], bool):
        bad(f"unsupported event format {data['format']!r} (this vimanual reads {EVENT_FORMAT})",
            "upgrade vimanual")
        return None, problems
    for key in (*_TEXT_KEYS, *((LANGUAGE_FIELD,) if LANGUAGE_FIELD in data else ())):
        if not isinstance(data[key], str):
            bad(f"'{key}' must be text, found {type(data[key]).__name__}")
    if problems:
        return None, problems
    event = ReviewEvent(**data)
    _check_values(event, bad)
    if not problems and event.compute_digest() != event.digest:
        bad(_FORGED, _FORGED_HINT)
    return (None if problems else event), problems


def _check_values(event: ReviewEvent, bad: Any) -> None:
    if not is_slug(event.chapter):
        bad(f"chapter {event.chapter!r} is not a valid slug")
    if not is_code(event.jurisdiction):
        bad(f"jurisdiction {event.jurisdiction!r} is not a valid code")
    if event.language and not _LANGUAGE_RE.fullmatch(event.language):
        bad(f"language {event.language!r} is not a language tag")
    if (event.jurisdiction == TRANSLATION) != bool(event.language):
        bad(f"a translation review has jurisdiction {TRANSLATION} and a language; this event has one "
            "without the other")
    if event.decision not in DECISIONS:
        bad(f"decision {event.decision!r} is not one of {', '.join(DECISIONS)}")
    for text in (event.reviewer, event.comment, event.tool_version):
        code = control_char(text)
        if code is not None:
            bad(f"control character {code} in a review event")
    if not _TIME_RE.fullmatch(event.time):
        bad(f"time {event.time!r} is not a UTC time like 2025-01-31T12:00:00.000000Z")
    elif event.time > future_limit():
        bad(f"review event is dated in the future ({event.time})", _FUTURE_HINT)
    if not _HEX64_RE.fullmatch(event.content_hash):
        bad("content_hash is not a SHA-256 hex digest")
    if not _HEX64_RE.fullmatch(event.digest):
        bad("digest is not a SHA-256 hex digest")
