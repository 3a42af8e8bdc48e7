"""Validation of manual.yaml and chapter front matter: every problem at once, each with its line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from vimanual.errors import Problem
from vimanual.names import did_you_mean, is_code, is_slug
from vimanual.yamlio import Document

PAPERS = ("A4", "Letter")
LANGUAGE_RE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
MANUAL_KEYS = (
    "title", "subtitle", "edition", "language", "marking", "paper",
    "jurisdictions", "reviewers", "chapters",
)
FRONT_MATTER_KEYS = ("title", "lead", "authors", "summary", "reviewed_by")
SLUG_HINT = "a slug is 1-64 characters of a-z, 0-9 and '-', starting with a letter or digit"


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    name: str
    required: bool = True


@dataclass(frozen=True)
class Manual:
    """The validated content of manual.yaml."""

    title: str
    subtitle: str
    edition: str
    language: str
    marking: str
    paper: str
    jurisdictions: tuple[Jurisdiction, ...]
    reviewers: dict[str, tuple[str, ...]]
    chapters: tuple[str, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(j.code for j in self.jurisdictions)

    @property
    def required_codes(self) -> tuple[str, ...]:
        return tuple(j.code for j in self.jurisdictions if j.required)


@dataclass(frozen=True)
class FrontMatter:
    title: str
    lead: str | None
    authors: tuple[str, ...]
    summary: str
    reviewed_by: tuple[str, ...]


class _Collector:
    """Accumulates problems for one document, pointing each at the line of its key."""

    def __init__(self, doc: Document, where: str) -> None:
        self.doc = doc
        self.where = where
        self.problems: list[Problem] = []

    def add(self, path: tuple[Any, ...], message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.where, self.doc.line(*path), message, hint))

    def text(self, key: str, *, required: bool = False, default: str = "") -> str:
        value = self.doc.data.get(key)
        if value is None:
            if required:
                self.add((), f"missing required key '{key}'", f"add a line '{key}: ...'")
            return default
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.add((key,), f"'{key}' must be text, found {type(value).__name__}",
                     f"write '{key}: some text'")
            return default
        text = str(value).strip()
        if required and not text:
            self.add((key,), f"'{key}' is empty", f"give '{key}' a value")
        return text

    def list_of_text(self, key: str, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.add((key,), f"'{key}' must be a list of text", f"write '{key}: [A, B]'")
            return ()
        return tuple(value)

    def unknown_keys(self, known: tuple[str, ...]) -> None:
        for key in self.doc.data:
            if key not in known:
                self.add((key,), f"unknown key '{key}'", f"known keys: {', '.join(known)}")


def _known(codes: tuple[str, ...] | list[str]) -> str:
    return f"known: {', '.join(codes)}" if codes else "no jurisdictions are defined"


def validate_manual(doc: Document, where: str = "manual.yaml") -> tuple[Manual, list[Problem]]:
    """Validate manual.yaml; returns a best-effort Manual and every problem found."""
    c = _Collector(doc, where)
    c.unknown_keys(MANUAL_KEYS)
    title = c.text("title", required=True)
    paper_raw = c.text("paper", default="A4")
    paper = next((p for p in PAPERS if p.lower() == paper_raw.lower()), "A4")
    if paper_raw.lower() not in (p.lower() for p in PAPERS):
        c.add(("paper",), f"paper '{paper_raw}' is not supported (allowed: {', '.join(PAPERS)})",
              "write 'paper: A4' or 'paper: Letter'")
    language = c.text("language", default="en")
    if not LANGUAGE_RE.fullmatch(language):
        c.add(("language",), f"language '{language}' is not a language tag",
              "use a tag such as 'en' or 'en-GB'")
    jurisdictions = _jurisdictions(c)
    codes = tuple(j.code for j in jurisdictions)
    manual = Manual(
        title=title,
        subtitle=c.text("subtitle"),
        edition=c.text("edition", default="draft"),
        language=language,
        marking=c.text("marking"),
        paper=paper,
        jurisdictions=jurisdictions,
        reviewers=_reviewers(c, codes),
        chapters=_chapter_order(c),
    )
    return manual, c.problems


def _jurisdictions(c: _Collector) -> tuple[Jurisdiction, ...]:
    raw = c.doc.data.get("jurisdictions")
    if raw is None:
        c.add((), "missing required key 'jurisdictions'",
              "list them: 'jurisdictions: [{code: UK, name: United Kingdom, required: true}]'")
        return ()
    if not isinstance(raw, list):
        c.add(("jurisdictions",), "'jurisdictions' must be a list", "write one '- code: ...' item each")
        return ()
    found: list[Jurisdiction] = []
    for index, item in enumerate(raw):
        path = ("jurisdictions", index)
        if not isinstance(item, dict):
            c.add(path, "a jurisdiction must be a mapping with code, name and required",
                  "write '- {code: UK, name: United Kingdom, required: true}'")
            continue
        code = item.get("code")
        if not is_code(code):
            c.add((*path, "code"), f"jurisdiction code {code!r} is not valid",
                  "use 2-16 upper-case letters or digits, e.g. UK or INTERPOL")
            continue
        if any(j.code == code for j in found):
            c.add((*path, "code"), f"jurisdiction '{code}' is defined twice", "remove one of them")
            continue
        for key in item:
            if key not in ("code", "name", "required"):
                c.add((*path, key), f"unknown key '{key}' in jurisdiction '{code}'",
                      "known keys: code, name, required")
        required = item.get("required", True)
        if not isinstance(required, bool):
            c.add((*path, "required"), f"'required' of '{code}' must be true or false",
                  "write 'required: true'")
            required = True
        name = item.get("name", code)
        found.append(Jurisdiction(str(code), str(name), required))
    if not found and not c.problems:
        c.add(("jurisdictions",), "no jurisdictions are defined", "add at least one jurisdiction")
    return tuple(found)


def _reviewers(c: _Collector, codes: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    raw = c.doc.data.get("reviewers")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        c.add(("reviewers",), "'reviewers' must map jurisdiction codes to lists of names",
              "write 'reviewers: {UK: [Alex Smith]}'")
        return {}
    result: dict[str, tuple[str, ...]] = {}
    for code, names in raw.items():
        if code not in codes:
            c.add(("reviewers", code), f"jurisdiction {code!r} is not defined ({_known(codes)})",
                  did_you_mean(str(code), codes) + "add it under 'jurisdictions' or fix the code")
            continue
        listed = c.list_of_text(f"reviewers.{code}", names)
        result[str(code)] = listed
    return result


def _chapter_order(c: _Collector) -> tuple[str, ...]:
    raw = c.doc.data.get("chapters")
    if raw is None:
        c.add((), "missing required key 'chapters'", "list the chapter slugs in manual order")
        return ()
    if not isinstance(raw, list):
        c.add(("chapters",), "'chapters' must be a list of slugs", "write '- chapter-slug' lines")
        return ()
    order: list[str] = []
    for index, slug in enumerate(raw):
        if not is_slug(slug):
            c.add(("chapters", index), f"invalid chapter slug {slug!r}", SLUG_HINT)
        elif slug in order:
            c.add(("chapters", index), f"chapter '{slug}' is listed twice", "remove one of them")
        else:
            order.append(slug)
    return tuple(order)


def validate_front_matter(
    doc: Document, manual: Manual, where: str
) -> tuple[FrontMatter, list[Problem]]:
    """Validate one chapter's front matter against the manual's jurisdictions."""
    c = _Collector(doc, where)
    c.unknown_keys(FRONT_MATTER_KEYS)
    codes = manual.codes
    lead = c.doc.data.get("lead")
    if lead is not None and lead not in codes:
        c.add(("lead",), f"jurisdiction {lead!r} is not defined ({_known(codes)})",
              did_you_mean(str(lead), codes) + "use one of the codes in manual.yaml")
        lead = None
    reviewed_raw = c.doc.data.get("reviewed_by")
    reviewed = c.list_of_text("reviewed_by", reviewed_raw)
    for index, code in enumerate(reviewed):
        if code not in codes:
            c.add(("reviewed_by", index), f"jurisdiction {code!r} is not defined ({_known(codes)})",
                  did_you_mean(code, codes) + "use codes from manual.yaml")
    if reviewed_raw is None:
        reviewed = manual.required_codes
    front = FrontMatter(
        title=c.text("title", required=True),
        lead=str(lead) if lead is not None else None,
        authors=c.list_of_text("authors", c.doc.data.get("authors")),
        summary=c.text("summary"),
        reviewed_by=tuple(code for code in reviewed if code in codes),
    )
    return front, c.problems
