"""Make a chapter's HTML fragment safe and self-contained.

pandoc already escapes raw HTML (its raw extensions are off); this is the belt to
those braces: an allow-list sanitizer (nh3) that also rewrites links between
chapters to in-document anchors, drops URLs with schemes other than http(s) and
mailto, and inlines workspace images as data URIs. Every removal is reported.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import nh3

from vimanual.base.errors import Problem
from vimanual.base.fsutil import is_within

TAGS = {
    "section", "div", "span", "p", "h1", "h2", "h3", "h4", "h5", "h6", "a", "em", "strong",
    "code", "pre", "ul", "ol", "li", "dl", "dt", "dd", "blockquote", "table", "thead", "tbody",
    "tfoot", "tr", "th", "td", "caption", "colgroup", "col", "figure", "figcaption", "img",
    "sup", "sub", "hr", "br", "del", "ins", "small", "abbr", "cite", "q", "mark", "s", "u",
    "aside", "nav", "header", "footer", "kbd", "samp", "var",
}
ATTRIBUTES = {
    "*": {"id", "class", "role", "lang", "dir", "title", "aria-hidden", "aria-label"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start", "type"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "col": {"span"},
}
URL_ATTRIBUTES = {"href", "src"}
SAFE_SCHEMES = {"http", "https", "mailto"}
# Schemes let through nh3's own scheme check only so that attribute_filter sees and reports
# them; the filter decides. Any scheme not named here is dropped by nh3 silently.
REPORTED_SCHEMES = {
    "javascript", "vbscript", "data", "file", "ftp", "blob", "filesystem", "about", "jar",
    "view-source", "ws", "wss", "smb", "tel", "sms", "ms-its", "mhtml", "res", "chrome",
}
CHAPTER_LINK_RE = re.compile(r"(?:\./)?([a-z0-9][a-z0-9-]{0,63})\.md(?:#(.*))?")
SCHEME_RE = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
# Strip what browsers ignore inside a URL before looking at its scheme ("java\tscript:").
IGNORED_IN_URL_RE = re.compile(r"[\x00-\x20\x7f]")
MAX_IMAGE_BYTES = 10_000_000

IMAGE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


@dataclass
class FragmentContext:
    """What the sanitizer needs to know about the chapter it cleans."""

    root: Path
    chapter_rel: str
    slug: str
    slugs: frozenset[str]
    problems: list[Problem] = field(default_factory=list)

    def report(self, message: str, hint: str, rule: str) -> None:
        self.problems.append(Problem(self.chapter_rel, None, message, hint, rule, "warning"))


def sniff_image(data: bytes) -> str | None:
    """The image's MIME type from its first bytes, or None when it is not an allowed image."""
    for signature, mime in IMAGE_SIGNATURES:
        if data.startswith(signature):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    head = data[:512].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in data[:4096].lower()):
        return "image/svg+xml"
    return None


# What an SVG used as a picture may not hold: anything that runs, or reaches outside the
# file (external images, fonts, stylesheets, entities). The PDF renderer's fetcher refuses
# such reads anyway; this refuses the file at build time, with a message, before any
# renderer sees it. `vimanual check` reports the same verdict (rule unsafe-svg).
_SVG_FORBIDDEN_RE = re.compile(
    rb"<!DOCTYPE|<!ENTITY|<\?xml-stylesheet|<script|<foreignObject|<iframe|<object|<embed"
    rb"|@import|<[^>]*\son[a-z]+\s*=",
    re.IGNORECASE,
)
_SVG_REFERENCE_RE = re.compile(
    rb"""(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')|url\(\s*["']?([^"')\s]*)""", re.IGNORECASE
)


_CSS_URL_RE = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.I)
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def svg_problem(data: bytes) -> str | None:
    """Why an SVG picture is unsafe to embed ("contains '<script'", "refers to ..."), or None.

    The one verdict for both the build (which removes the image) and ``vimanual check``
    (rule unsafe-svg): a scan of the raw bytes, then a walk of the parsed elements.
    """
    forbidden = _SVG_FORBIDDEN_RE.search(data)
    if forbidden:
        found = forbidden.group(0).decode("ascii", "replace").rstrip("= \t\r\n").split()[-1]
        return f"contains '{found}'"
    for match in _SVG_REFERENCE_RE.finditer(data):
        target = next(g for g in match.groups() if g is not None).decode("utf-8", "replace")
        target = IGNORED_IN_URL_RE.sub("", target)
        if target and not target.startswith("#") and not target.lower().startswith("data:image/"):
            return f"refers to an external resource '{target[:60]}'"
    return _svg_element_problem(data)


def _svg_element_problem(data: bytes) -> str | None:
    import xml.etree.ElementTree as ET

    try:
        tree = ET.fromstring(data)
    except ET.ParseError as exc:
        return f"is not well-formed XML ({exc})"
    for element in tree.iter():
        name = element.tag.rsplit("}", 1)[-1].lower() if isinstance(element.tag, str) else ""
        if name in ("script", "foreignobject", "iframe", "embed", "object"):
            return f"contains a <{name}> element"
        if name == "style" and _CSS_URL_RE.search(element.text or "") or "@import" in (element.text or ""):
            return "has a stylesheet that loads an external resource"
        for attribute, value in element.attrib.items():
            local = attribute.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                return f"has an event handler ('{local}' on <{name}>)"
            if (attribute == _XLINK_HREF or local == "href") and not value.strip().startswith("#"):
                return f"references an external resource ('{value[:60]}')"
            if _CSS_URL_RE.search(value):
                return f"references an external resource in '{local}'"
    return None


def _scheme(url: str) -> str | None:
    match = SCHEME_RE.match(IGNORED_IN_URL_RE.sub("", url))
    return match.group(1).lower() if match else None


def _link(ctx: FragmentContext, value: str) -> str | None:
    if value.startswith("#"):
        return value
    chapter = CHAPTER_LINK_RE.fullmatch(value)
    if chapter:
        target, anchor = chapter.group(1), chapter.group(2)
        if target not in ctx.slugs:
            ctx.report(f"link to unknown chapter '{value}' removed", "link to a chapter slug "
                       "listed in manual.yaml", "broken-link")
            return None
        return f"#{target}--{anchor}" if anchor else f"#{target}"
    scheme = _scheme(value)
    if scheme in SAFE_SCHEMES:
        return value
    ctx.report(f"unsafe or unsupported link '{value[:80]}' removed",
               "links may use http, https or mailto, or name another chapter as 'slug.md#section'",
               "unsafe-url")
    return None


def _image(ctx: FragmentContext, value: str) -> str | None:
    if _scheme(value) is not None or value.startswith(("/", "\\")):
        ctx.report(f"image '{value[:80]}' removed: only images inside the workspace are allowed",
                   "put the image under chapters/media/ and link it by relative path",
                   "unsafe-image")
        return None
    path = (ctx.root / "chapters" / unquote(value)).resolve()
    if not is_within(path, ctx.root.resolve()):
        ctx.report(f"image '{value[:80]}' removed: it is outside the workspace",
                   "put the image under chapters/media/", "unsafe-image")
        return None
    if not path.is_file():
        ctx.report(f"image '{value[:80]}' not found", "check the path (relative to chapters/)",
                   "missing-image")
        return None
    with open(path, "rb") as handle:
        data = handle.read(MAX_IMAGE_BYTES + 1)
    mime = sniff_image(data)
    if len(data) > MAX_IMAGE_BYTES or mime is None:
        ctx.report(f"image '{value[:80]}' removed: not a PNG, JPEG, GIF, WebP or SVG file "
                   f"under {MAX_IMAGE_BYTES:,} bytes", "convert or shrink the image",
                   "bad-image")
        return None
    if mime == "image/svg+xml":
        unsafe = svg_problem(data)
        if unsafe:
            ctx.report(f"image '{value[:80]}' removed: the SVG {unsafe}",
                       "export the drawing again as a plain SVG (or PNG) without scripts, "
                       "links or external images", "unsafe-image")
            return None
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def clean_fragment(html: str, ctx: FragmentContext) -> str:
    """Sanitize one chapter's pandoc output; removals are added to ``ctx.problems``."""

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        if attribute not in URL_ATTRIBUTES:
            return value
        if tag == "img" and attribute == "src":
            return _image(ctx, value)
        return _link(ctx, value)

    return nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "form", "template"},
        attributes=ATTRIBUTES,
        attribute_filter=attribute_filter,
        url_schemes=SAFE_SCHEMES | REPORTED_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
