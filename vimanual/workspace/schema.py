"""Validation of manual.yaml and chapter front matter: every problem at once, each with its line."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from vimanual.base.errors import Problem, did_you_mean
from vimanual.base.names import TRANSLATION_CODE, is_code, is_slug
from vimanual.base.yamlio import Document

PAPERS = ("A4", "Letter")
LANGUAGE_RE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
MANUAL_KEYS = (
    "title", "subtitle", "edition", "language", "marking", "paper",
    "jurisdictions", "reviewers", "editors", "chapters", "bibliography", "csl", "limits", "check", "allow",
    "languages",
)
LANGUAGE_KEYS = ("tag", "name", "translators", "reviewers", "marking")
BIBLIOGRAPHY_SUFFIXES = (".bib", ".json", ".yaml", ".yml")
LIMIT_DEFAULTS = {
    # A Word file with a few screenshots is a few MB; 20 MB leaves room without inviting abuse.
    "max_submission_bytes": 20_000_000,
    # What a .docx/.odt may expand to, by the sizes its archive declares, and how many members.
    "max_archive_bytes": 100_000_000,
    "max_archive_members": 2_000,
    # The XML inside a .docx/.odt: pandoc needs ~100x a document's XML in memory (10 MB of
    # XML took 1.6 GB), and 8 MB of WordprocessingML is a few hundred pages of text.
    "max_document_xml_bytes": 8_000_000,
    # Bounds on each conversion, so that a pathological chapter ends with an error, not a
    # hung or swapping machine. The 300-page benchmark needs ~30 s and ~450 MB for its PDF.
    "pandoc_timeout_seconds": 120,
    "pandoc_memory_mb": 1_024,
    "pdf_timeout_seconds": 900,
    "pdf_memory_mb": 3_072,
}
FRONT_MATTER_KEYS = ("title", "lead", "authors", "summary", "reviewed_by", "appendix")
CHECK_KEYS = ("max_paragraph_words", "max_image_kb")
ALLOW_KEYS = ("emails", "phones", "addresses", "ip_ranges")
# Documentation-only addresses and numbers, allowed everywhere without configuration:
# RFC 2606 domains, RFC 5737 / RFC 3849 address ranges, Ofcom's and NANPA's fictional numbers.
DEFAULT_ALLOWED_EMAILS = (
    "*@example.org", "*@example.com", "*@example.net", "*@*.example.org", "*@*.example.com",
    "*@*.example.net", "*@*.example", "*@*.invalid", "*@*.test",
)
DEFAULT_ALLOWED_IP_RANGES = (
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32",
)
DEFAULT_ALLOWED_PHONES = ("*55501??", "+442079460???", "02079460???")
MAX_IMAGE_KB_LIMIT = 10_000  # the build refuses anything larger (sanitize.MAX_IMAGE_BYTES)
SLUG_HINT = "a slug is 1-64 characters of a-z, 0-9 and '-', starting with a letter or digit"


def matching_language(tag: str, tags: Iterable[str]) -> str | None:
    """The one of ``tags`` that ``tag`` names, as it is spelt there: language tags are matched
    without regard to case (BCP 47), so 'FR' is 'fr'; None when none is."""
    return next((known for known in tags if known.lower() == tag.strip().lower()), None)


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    name: str
    required: bool = True


@dataclass(frozen=True)
class Limits:
    """Caps on what contributors may submit (manual.yaml's optional ``limits:`` mapping)."""

    max_submission_bytes: int = LIMIT_DEFAULTS["max_submission_bytes"]
    max_archive_bytes: int = LIMIT_DEFAULTS["max_archive_bytes"]
    max_archive_members: int = LIMIT_DEFAULTS["max_archive_members"]
    max_document_xml_bytes: int = LIMIT_DEFAULTS["max_document_xml_bytes"]
    pandoc_timeout_seconds: int = LIMIT_DEFAULTS["pandoc_timeout_seconds"]
    pandoc_memory_mb: int = LIMIT_DEFAULTS["pandoc_memory_mb"]
    pdf_timeout_seconds: int = LIMIT_DEFAULTS["pdf_timeout_seconds"]
    pdf_memory_mb: int = LIMIT_DEFAULTS["pdf_memory_mb"]


@dataclass(frozen=True)
class CheckSettings:
    """Limits and allow-lists of ``vimanual check`` (manual.yaml 'check' and 'allow')."""

    max_paragraph_words: int = 250
    max_image_kb: int = 5000
    emails: tuple[str, ...] = DEFAULT_ALLOWED_EMAILS
    phones: tuple[str, ...] = DEFAULT_ALLOWED_PHONES
    addresses: tuple[str, ...] = ()
    ip_ranges: tuple[str, ...] = DEFAULT_ALLOWED_IP_RANGES


@dataclass(frozen=True)
class Language:
    """A language the manual is translated into: its tag, and who translates and reviews."""

    tag: str
    name: str
    translators: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    marking: str = ""


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
    bibliography: str = ""
    csl: str = ""
    limits: Limits = Limits()
    check: CheckSettings = field(default_factory=CheckSettings)
    editors: tuple[str, ...] = ()
    languages: tuple[Language, ...] = ()

    @property
    def language_tags(self) -> tuple[str, ...]:
        """The tags of the languages the manual is translated into (not the source language)."""
        return tuple(lang.tag for lang in self.languages)

    def listed_language(self, tag: str) -> str:
        """The listed language ``tag`` names, as manual.yaml spells it: tags are matched without
        regard to case, as language tags are (BCP 47), so 'FR' is 'fr' as '-j uk' is 'UK'."""
        from vimanual.base.errors import UnknownName

        found = matching_language(tag, self.language_tags)
        if found is None:
            raise UnknownName("language", tag, self.language_tags,
                              fix=" (languages are listed under 'languages' in manual.yaml)")
        return found

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
    appendix: bool = False


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

    def names(self, path: tuple[Any, ...], value: Any, label: str) -> tuple[str, ...]:
        """The people holding a role (editors, a jurisdiction's reviewers, a language's
        translators or reviewers): a name or a list of names, spaces collapsed, none empty."""
        example = f"write '{label.rsplit('.', 1)[-1]}: [Name One, Name Two]'"
        if value is None:
            return ()
        listed = [value] if isinstance(value, str) else value
        if not isinstance(listed, list) or not all(isinstance(v, str) for v in listed):
            self.add(path, f"'{label}' must be a list of names", example)
            return ()
        if any(not name.strip() for name in listed):
            self.add(path, f"'{label}' holds an empty name", example)
        return tuple(" ".join(name.split()) for name in listed if name.strip())

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
        bibliography=c.text("bibliography"),
        csl=c.text("csl"),
        limits=_limits(c),
        check=_check_settings(c),
        editors=_editors(c),
        languages=_languages(c, language),
    )
    if manual.bibliography and not manual.bibliography.lower().endswith(BIBLIOGRAPHY_SUFFIXES):
        c.add(("bibliography",), f"bibliography '{manual.bibliography}' is not BibTeX or CSL JSON/YAML",
              f"name a file ending in {', '.join(BIBLIOGRAPHY_SUFFIXES)}")
    if manual.csl and not manual.csl.lower().endswith(".csl"):
        c.add(("csl",), f"csl '{manual.csl}' is not a .csl style file", "name a .csl file")
    return manual, c.problems


def _languages(c: _Collector, source: str) -> tuple[Language, ...]:
    """manual.yaml's ``languages``: each a mapping with a tag other than the source language."""
    raw = c.doc.data.get("languages")
    if raw is None:
        return ()
    example = "write '- {tag: fr, name: Français, translators: [A], reviewers: [B]}'"
    if not isinstance(raw, list):
        c.add(("languages",), "'languages' must be a list", example)
        return ()
    found: list[Language] = []
    for index, item in enumerate(raw):
        path = ("languages", index)
        if not isinstance(item, dict):
            c.add(path, "a language must be a mapping with tag, name, translators and reviewers", example)
            continue
        tag = item.get("tag")
        if not isinstance(tag, str) or not LANGUAGE_RE.fullmatch(tag):
            c.add((*path, "tag") if "tag" in item else path, f"language tag {tag!r} is not valid",
                  "use a tag such as 'fr', 'ar' or 'es'")
            continue
        if tag == source:
            c.add((*path, "tag"), f"language '{tag}' is the source language",
                  "'languages' lists the translations; the source is 'language'")
            continue
        if any(lang.tag == tag for lang in found):
            c.add((*path, "tag"), f"language '{tag}' is listed twice", "remove one of them")
            continue
        for key in item:
            if key not in LANGUAGE_KEYS:
                c.add((*path, key), f"unknown key '{key}' in language '{tag}'",
                      f"known keys: {', '.join(LANGUAGE_KEYS)}")
        name = item.get("name", tag)
        marking = item.get("marking", "")
        found.append(Language(
            tag=tag, name=str(name),
            translators=c.names((*path, "translators"), item.get("translators"), "translators"),
            reviewers=c.names((*path, "reviewers"), item.get("reviewers"), "reviewers"),
            marking=str(marking) if marking is not None else "",
        ))
    return tuple(found)


def _limits(c: _Collector) -> Limits:
    raw = c.doc.data.get("limits")
    if raw is None:
        return Limits()
    if not isinstance(raw, dict):
        c.add(("limits",), "'limits' must be a mapping of limit names to numbers",
              "write 'limits: {max_submission_bytes: 20000000}'")
        return Limits()
    values: dict[str, int] = {}
    for key, value in raw.items():
        if key not in LIMIT_DEFAULTS:
            c.add(("limits", key), f"unknown limit '{key}'", f"known limits: {', '.join(LIMIT_DEFAULTS)}")
        elif not isinstance(value, int) or isinstance(value, bool) or value < 1:
            c.add(("limits", key), f"limit '{key}' must be a positive whole number, found {value!r}",
                  f"write '{key}: {LIMIT_DEFAULTS[key]}'")
        else:
            values[key] = value
    return Limits(**values)
def _mapping(c: _Collector, key: str, known: tuple[str, ...]) -> dict[str, Any]:
    raw = c.doc.data.get(key)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        c.add((key,), f"'{key}' must be a mapping", f"known keys: {', '.join(known)}")
        return {}
    for name in raw:
        if name not in known:
            c.add((key, name), f"unknown key '{name}' in '{key}'", f"known keys: {', '.join(known)}")
    return raw


def _check_settings(c: _Collector) -> CheckSettings:
    """The optional 'check' limits and 'allow' lists; user allow-lists add to the defaults."""
    limits = _mapping(c, "check", CHECK_KEYS)
    allow = _mapping(c, "allow", ALLOW_KEYS)
    values: dict[str, Any] = {}
    for name, top in (("max_paragraph_words", 100_000), ("max_image_kb", MAX_IMAGE_KB_LIMIT)):
        if name in limits:
            value = limits[name]
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
                c.add(("check", name), f"'check.{name}' must be a whole number from 1 to {top}",
                      f"write '{name}: {getattr(CheckSettings, name)}'")
            else:
                values[name] = value
    for name in ALLOW_KEYS:
        listed = c.list_of_text(f"allow.{name}", allow.get(name))
        if name == "ip_ranges":
            for index, network in enumerate(listed):
                try:
                    ipaddress.ip_network(network, strict=False)
                except ValueError:
                    c.add(("allow", name, index), f"'{network}' is not an IP address or range",
                          "write a range such as '192.0.2.0/24' or '2001:db8::/32'")
        values[name] = tuple(getattr(CheckSettings, name, ())) + listed
    return CheckSettings(**values)


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
        if code == TRANSLATION_CODE:
            c.add((*path, "code"), f"jurisdiction code '{code}' is reserved: translation reviews record it",
                  "choose another code; translations are listed under 'languages'")
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
        result[str(code)] = c.names(("reviewers", code), names, f"reviewers.{code}")
    return result


def _editors(c: _Collector) -> tuple[str, ...]:
    return c.names(("editors",), c.doc.data.get("editors"), "editors")


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
    appendix = c.doc.data.get("appendix", False)
    if not isinstance(appendix, bool):
        c.add(("appendix",), "'appendix' must be true or false", "write 'appendix: true'")
        appendix = False
    front = FrontMatter(
        title=c.text("title", required=True),
        lead=str(lead) if lead is not None else None,
        authors=c.list_of_text("authors", c.doc.data.get("authors")),
        summary=c.text("summary"),
        reviewed_by=tuple(code for code in reviewed if code in codes),
        appendix=appendix,
    )
    return front, c.problems
