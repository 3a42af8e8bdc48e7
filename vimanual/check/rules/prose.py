"""Prose rules over a chapter's text with code blanked out: terminology, sensitive data,
leftover TODOs. Text in quotation marks (titles, quoted wording) is exempt from terminology."""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

from vimanual.check.rules import ERROR, WARNING, Hit
from vimanual.check.rules.markdown import AUTOLINK_RE, INLINE_LINK_RE, MARKER_RE, REF_DEF_RE, ParsedBody
from vimanual.workspace.schema import CheckSettings

QUOTED_RE = re.compile(r"\"(?:[^\"\n]|\n(?![ \t]*\n))*\"|“(?:[^”\n]|\n(?![ \t]*\n))*”")
TODO_RE = re.compile(r"(?<![\w-])(TODO|FIXME|XXX)(?![\w-])")
EMAIL_RE = re.compile(
    r"(?<![\w.+%-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"
)
IPV4_RE = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
IPV6_RE = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_BEFORE, _AFTER = r"(?<![\w+.\-/])", r"(?![\w\-/]|\.\d)"
PHONE_RES = (
    re.compile(_BEFORE + r"\+\d{1,3}(?:[ .-]?\(\d{1,5}\))?(?:[ .-]?\d{1,5}){2,6}" + _AFTER),
    re.compile(_BEFORE + r"\(?0\d{1,4}\)?[ .-]?\d{3,4}[ .-]?\d{3,4}" + _AFTER),
    re.compile(_BEFORE + r"\(?\d{3}\)?[ .-]\d{3}[.-]\d{4}" + _AFTER),
)
STREET_WORDS = (
    "Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Place|Pl|Way|Close|"
    "Crescent|Terrace|Highway|Hwy|Parade|Square|Sq|Strasse|Straße|Rue|Via|Calle"
)
ADDRESS_RE = re.compile(
    r"(?<![\w.,])\d{1,5}[A-Za-z]?,?[ \t\n]+(?:[A-Z][\w'’.-]*[ \t\n]+){1,4}(?:" + STREET_WORDS + r")(?![\w])"
)
DOC_WORDS = ("example", "sample")


@dataclass(frozen=True)
class TermRule:
    """A terminology rule: wording to avoid, what to write instead, and why."""

    id: str
    terms: tuple[str, ...]
    preferred: str
    why: str
    severity: str
    pattern: re.Pattern[str]


def term_pattern(terms: Iterable[str]) -> re.Pattern[str]:
    """Case-insensitive, across line breaks, whole words, plurals included."""
    alternatives = []
    for term in terms:
        words = [re.escape(w) for w in term.split()]
        alternatives.append(r"[\s]+".join(words) + r"(?:s|es)?")
    alternatives.sort(key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])", re.I)


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for index in range(start, end):
            if chars[index] != "\n":
                chars[index] = " "
    return "".join(chars)


def prose(parsed: ParsedBody) -> str:
    """The code-masked body with the silencing markers blanked too."""
    return _blank(parsed.masked, ((m.start, m.end) for m in parsed.markers))


def wording(parsed: ParsedBody, text: str) -> str:
    """``prose`` without quoted text and link destinations, for the terminology rules."""
    spans = [(m.start(), m.end()) for m in QUOTED_RE.finditer(text)]
    spans += [(m.start(3), m.end(3)) for m in INLINE_LINK_RE.finditer(text)]
    spans += [(m.start(2), m.end(2)) for m in REF_DEF_RE.finditer(text)]
    spans += [(m.start(), m.end()) for m in AUTOLINK_RE.finditer(text)]
    spans += [(m.start(), m.end()) for m in MARKER_RE.finditer(text)]
    return _blank(text, spans)


def check_terminology(text: str, rules: list[TermRule]) -> list[Hit]:
    """Hits for each rule's terms in ``text`` (from ``wording``); overlaps keep the longest."""
    found: list[Hit] = []
    lowered = text.lower()
    for rule in rules:
        # A rule's regex is costly to run over a whole chapter; most chapters do not contain
        # even the first word of its terms, and then it cannot match.
        if not any(term.split()[0].lower() in lowered for term in rule.terms if term.split()):
            continue
        for match in rule.pattern.finditer(text):
            phrase = " ".join(match.group(0).split())
            found.append(Hit(match.start(), match.end(), f"terminology/{rule.id}", rule.severity,
                             f"'{phrase}': write '{rule.preferred}' instead",
                             f"{rule.why} (silence once with []{{.vimanual-allow rule=\"{rule.id}\"}})"))
    found.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[Hit] = []
    for hit in found:
        if not kept or hit.start >= kept[-1].end:
            kept.append(hit)
    return kept


def check_todos(text: str) -> list[Hit]:
    return [Hit(m.start(), m.end(), "todo", WARNING, f"leftover '{m.group(1)}'",
                "finish the text or move the note to the issue tracker") for m in TODO_RE.finditer(text)]


def check_sensitive(text: str, settings: CheckSettings) -> list[Hit]:
    """E-mail addresses, phone numbers, street addresses and IP addresses not on the allow-lists."""
    hits: list[Hit] = []
    hint = "the manual must not identify a real person or case: use invented, documentation-only " \
           "values (example.org, 192.0.2.x) or add the value to 'allow' in manual.yaml"
    for match in EMAIL_RE.finditer(text):
        if not _globbed(match.group(0).lower(), settings.emails):
            hits.append(Hit(match.start(), match.end(), "sensitive-email", WARNING,
                            f"e-mail address '{match.group(0)}'", hint))
    networks = _networks(settings.ip_ranges)
    for regex in (IPV4_RE, IPV6_RE):
        for match in regex.finditer(text):
            try:
                address = ipaddress.ip_address(match.group(0))
            except ValueError:
                continue
            if address.is_loopback or address.is_unspecified:
                continue
            if not any(address.version == net.version and address in net for net in networks):
                hits.append(Hit(match.start(), match.end(), "sensitive-ip", WARNING,
                                f"IP address '{match.group(0)}'", hint))
    # characters already reported: a phone number may not overlap another finding (a
    # bytearray, not a list of spans, so that many findings stay linear)
    taken = bytearray(len(text) + 1)
    for hit in hits:
        taken[hit.start:hit.end] = b"\1" * (hit.end - hit.start)
    for regex in PHONE_RES:
        for match in regex.finditer(text):
            if any(taken[match.start():match.end()]):
                continue
            digits = re.sub(r"[^\d+]", "", match.group(0))
            if not 8 <= len(digits.lstrip("+")) <= 15 or _globbed(digits, settings.phones):
                continue
            taken[match.start():match.end()] = b"\1" * (match.end() - match.start())
            hits.append(Hit(match.start(), match.end(), "sensitive-phone", WARNING,
                            f"phone number '{match.group(0)}'", hint))
    for match in ADDRESS_RE.finditer(text):
        found = " ".join(match.group(0).split())
        lowered = found.lower()
        if any(w in lowered for w in DOC_WORDS) or any(a.lower() in lowered for a in settings.addresses):
            continue
        hits.append(Hit(match.start(), match.end(), "sensitive-address", WARNING,
                        f"street address '{found}'", hint))
    return hits


def _globbed(value: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(value, p.lower()) for p in patterns)


def _networks(ranges: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for value in ranges:
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            continue  # reported by the manual.yaml validation
    return networks


__all__ = ["ERROR", "TermRule", "check_sensitive", "check_terminology", "check_todos", "prose", "wording"]
