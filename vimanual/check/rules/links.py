"""Links and anchors: chapter links and cross-references resolve, external URLs are well-formed.

URLs are only parsed, never fetched: check makes no network access.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

from vimanual.base.sanitize import CHAPTER_LINK_RE, SAFE_SCHEMES, SCHEME_RE
from vimanual.check.rules import ERROR, WARNING, Hit
from vimanual.check.rules.markdown import Link, ParsedBody

HOST_LABEL_RE = re.compile(r"(?!-)[\w-]{1,63}(?<!-)", re.UNICODE)
MAILBOX_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
EXPLICIT_ID_RE = re.compile(r"\{[^{}\n]*?(?<![\w-])#([\w:.-]+)[^{}\n]*\}")


def explicit_ids(text: str) -> set[str]:
    """Ids written as ``{#id}`` in a chapter (pandoc's JSON drops some, e.g. on figures)."""
    return set(EXPLICIT_ID_RE.findall(text))


def anchor_targets(parsed: ParsedBody, slug: str) -> set[str]:
    """Slugs of chapters whose ids this chapter needs: itself for '#x', others for 'other.md#x'."""
    needed: set[str] = set()
    for link in parsed.links:
        if link.image:
            continue
        if link.target.startswith("#"):
            needed.add(slug)
        chapter = CHAPTER_LINK_RE.fullmatch(link.target)
        if chapter and chapter.group(2):
            needed.add(chapter.group(1))
    return needed


def linked_chapters(parsed: ParsedBody) -> tuple[str, ...]:
    """Slugs of the chapters this chapter's links name as 'slug.md…' (whether they exist or not)."""
    found = {match.group(1) for link in parsed.links
             if not link.image and (match := CHAPTER_LINK_RE.fullmatch(link.target))}
    return tuple(sorted(found))


def check_links(
    parsed: ParsedBody, slug: str, slugs: frozenset[str], ids: Mapping[str, frozenset[str]],
    broken: frozenset[str] = frozenset(),
) -> list[Hit]:
    """Problems with every link (not image) of one chapter (``broken``: the listed chapters
    that cannot be read now, which a link to is not a link to an unknown chapter)."""
    hits: list[Hit] = []
    for link in parsed.links:
        if link.image:
            continue
        hit = _check_link(link, slug, slugs, ids, broken)
        if hit:
            hits.append(hit)
    return hits


def _check_link(
    link: Link, slug: str, slugs: frozenset[str], ids: Mapping[str, frozenset[str]], broken: frozenset[str]
) -> Hit | None:
    def hit(rule: str, message: str, hint: str, severity: str = ERROR) -> Hit:
        return Hit(link.start, link.end, rule, severity, message, hint)

    target = link.target
    if link.reference is not None and not target:
        return hit("broken-link", f"reference '[{link.reference}]' is not defined",
                   f"add a line '[{link.reference}]: https://...' or write the link inline", WARNING)
    if not target:
        return hit("broken-link", "link has no target", "write [text](https://...) or [text](slug.md#id)")
    if target.startswith("#"):
        anchor = unquote(target[1:])
        # The build resolves a pandoc-style '#id' to the one other chapter defining it
        # (book.resolve_links), so only an id defined nowhere, or ambiguously, is broken.
        elsewhere = [other for other, found in ids.items() if other != slug and anchor in found]
        if anchor not in ids.get(slug, frozenset()) and len(elsewhere) != 1:
            return hit("broken-anchor", f"link to '#{anchor}': no such section in this chapter",
                       _known_ids(ids.get(slug, frozenset())))
        return None
    chapter = CHAPTER_LINK_RE.fullmatch(target)
    if chapter:
        other, anchor = chapter.group(1), chapter.group(2)
        if other in broken:
            return hit("broken-link", f"link to '{target}': chapter '{other}' cannot be read now, so "
                       "the link has no target", f"fix chapters/{other}.md (its own error says what is "
                       "wrong), and this link works again")
        if other not in slugs:
            return hit("broken-link", f"link to unknown chapter '{target}'",
                       "link to a chapter listed in manual.yaml as 'slug.md#section'")
        if anchor is not None and unquote(anchor) not in ids.get(other, frozenset()):
            return hit("broken-anchor", f"link to '{target}': chapter '{other}' has no section "
                       f"'{unquote(anchor)}'", _known_ids(ids.get(other, frozenset())))
        return None
    problem = url_problem(target)
    if problem:
        rule, message, hint = problem
        return hit(rule, message, hint)
    return None


def _known_ids(found: frozenset[str]) -> str:
    if not found:
        return "that chapter has no section ids; add one as '## Heading {#id}'"
    shown = sorted(found)
    more = f" (and {len(shown) - 12} more)" if len(shown) > 12 else ""
    return "known ids: " + ", ".join(shown[:12]) + more


def url_problem(url: str) -> tuple[str, str, str] | None:
    """(rule, message, hint) when ``url`` is not a well-formed http(s) or mailto URL."""
    shown = url[:80]
    scheme_match = SCHEME_RE.match(url)
    scheme = scheme_match.group(1).lower() if scheme_match else None
    if scheme is None:
        if url.startswith("www."):
            return ("bad-url", f"link '{shown}' has no scheme", f"write 'https://{shown}'")
        return ("broken-link", f"link to '{shown}' is neither a URL nor a chapter",
                "links may use http, https or mailto, or name another chapter as 'slug.md#section'")
    if scheme not in SAFE_SCHEMES:
        return ("unsafe-url", f"link '{shown}' uses the '{scheme}' scheme, which the build removes",
                "use http, https or mailto links only")
    if scheme == "mailto":
        address = unquote(url[len("mailto:"):]).split("?", 1)[0]
        if not MAILBOX_RE.fullmatch(address):
            return ("bad-url", f"mailto link '{shown}' has no valid address", "write mailto:name@domain")
        return None
    if any(char.isspace() for char in url):
        return ("bad-url", f"URL '{shown}' contains spaces", "encode spaces as %20")
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return ("bad-url", f"URL '{shown}' has an invalid port", "remove or fix the ':port' part")
    host = parts.hostname or ""
    if not url[len(scheme) + 1:].startswith("//") or not host:
        return ("bad-url", f"URL '{shown}' has no host", f"write '{scheme}://host/path'")
    if not _valid_host(host):
        return ("bad-url", f"URL '{shown}' has an invalid host name '{host}'",
                "check the address for typos")
    return None


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    if len(labels) < 2 and host != "localhost":
        return False
    if not all(HOST_LABEL_RE.fullmatch(label) and "_" not in label for label in labels):
        return False
    return not labels[-1].isdigit()
