"""Make a chapter's HTML fragment safe and self-contained.

pandoc already escapes raw HTML (its raw extensions are off); this is the belt to
those braces: an allow-list sanitizer (nh3) that also rewrites links between
chapters to in-document anchors, drops URLs with schemes other than http(s) and
mailto, and inlines workspace images as data URIs. Every removal is reported. The
HTML manual also carries a Content-Security-Policy (``CONTENT_POLICY``): the browser's
own guard, a third layer.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import struct
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import nh3

from vimanual.base.errors import Problem
from vimanual.base.fsutil import is_within

# What the HTML manual may load and run: nothing but its own inline styles and the pictures
# and fonts embedded in it (data: URLs), no script at all. The build already keeps raw HTML
# and script out of it; this is the browser's own guard should anything ever slip through,
# and it stops a picture or style from a web address being fetched when a trainer opens it.
CONTENT_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
                  "base-uri 'none'; form-action 'none'")
_LEAD = r"\A\ufeff?(?:\s|<!--(?:(?!-->).)*-->)*<!DOCTYPE[^>]*>"  # closed comments hide nothing
_DOCTYPE_RE = re.compile(_LEAD, re.I | re.S)
_HEAD_START_RE = re.compile(_LEAD + r"\s*<html\b[^>]*>\s*<head\b[^>]*>", re.I | re.S)


def with_content_policy(html: str) -> str:
    """``html`` with CONTENT_POLICY in a meta element before anything but the doctype (and the
    html and head start tags when they come straight after it, as a template writes them): the
    template is committed by whoever can commit, and nothing it holds (a script, a comment
    around the head, a base element) may come before the policy that governs it. A policy of
    the template's own can only narrow it further (browsers apply every policy they are given)."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_POLICY}">'
    found = _HEAD_START_RE.match(html) or _DOCTYPE_RE.match(html)
    if found is None:
        return meta + "\n" + html
    return html[:found.end()] + "\n" + meta + html[found.end():]


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
    folder: str = "chapters"  # what relative image paths start from (chapters/<lang>/ for a translation)
    # Each image file looked for (as joined, before links are followed) and what was found
    # there (``image_state``): what the build's stamp (book/stamp.py) checks again.
    images: dict[str, str] = field(default_factory=dict)

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


_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# CSS functions that fetch a resource; url(#id) (a gradient, a clip path) stays inside the file.
_CSS_FETCHING = {"url", "src", "image", "image-set", "-webkit-image-set", "cross-fade", "element"}
# SMIL elements that can set an attribute, e.g. <set attributeName="href" to="http://…">.
_SMIL = {"set", "animate", "animatemotion", "animatetransform", "animatecolor"}


def css_problem(css: str, declarations: bool = False) -> str | None:
    """Why a piece of CSS loads something from outside the file (or None), by a real tokenizer.

    tinycss2 (WeasyPrint's own CSS parser) undoes escapes, so ``u\\72l(`` is the ``url``
    token it is to a browser, and ``@\\69mport`` an ``@import`` rule.
    """
    import tinycss2

    nodes = tinycss2.parse_blocks_contents(css) if declarations else tinycss2.parse_stylesheet(css)
    stack: list[object] = list(nodes)
    while stack:
        node = stack.pop()
        kind = getattr(node, "type", "")
        if kind == "at-rule" and getattr(node, "lower_at_keyword", "") == "import":
            return "has a stylesheet that imports another ('@import')"
        if kind == "url" and not str(getattr(node, "value", "")).strip().startswith("#"):
            return "has a stylesheet that loads an external resource"
        if kind == "function":
            name = getattr(node, "lower_name", "")
            arguments = [a for a in getattr(node, "arguments", []) if getattr(a, "type", "") != "whitespace"]
            if name in _CSS_FETCHING and not (
                    name == "url" and arguments and str(getattr(arguments[0], "value", "")).startswith("#")):
                return f"has a stylesheet that loads an external resource ('{name}(')"
        for attribute in ("prelude", "content", "arguments", "value"):
            child = getattr(node, attribute, None)
            if isinstance(child, list):
                stack.extend(child)
    return None


def svg_problem(data: bytes) -> str | None:
    """Why an SVG picture is unsafe to embed ("contains '<script'", "refers to ..."), or None.

    The one verdict for both the build (which removes the image) and ``vimanual check``
    (rule unsafe-svg): a scan of the raw bytes, then a walk of the parsed elements whose
    stylesheets and style attributes are read by a real CSS tokenizer.
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
        if name in _SMIL and element.get("attributeName", "").rsplit(":", 1)[-1].lower() in ("href", "src"):
            return f"animates a link (<{name} attributeName=\"{element.get('attributeName')}\">)"
        if name == "style":
            problem = css_problem("".join(element.itertext()))
            if problem:
                return problem
        for attribute, value in element.attrib.items():
            local = attribute.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                return f"has an event handler ('{local}' on <{name}>)"
            if (attribute == _XLINK_HREF or local == "href") and not value.strip().startswith("#"):
                return f"references an external resource ('{value[:60]}')"
            if local == "style" or "(" in value or "\\" in value:
                problem = css_problem(value, declarations=True)
                if problem:
                    return f"{problem} in '{local}'"
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
    joined = ctx.root / ctx.folder / unquote(value)
    state, data = image_state(ctx.root, joined)
    ctx.images[str(joined)] = state
    if state == "outside":
        ctx.report(f"image '{value[:80]}' removed: it is outside the workspace",
                   "put the image under chapters/media/", "unsafe-image")
        return None
    if state == "missing":
        ctx.report(f"image '{value[:80]}' not found", "check the path (relative to chapters/)",
                   "missing-image")
        return None
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


def image_state(root: Path, joined: Path) -> tuple[str, bytes]:
    """What an image path inside a chapter finds: ("outside", b"") when it leads out of the
    workspace, ("missing", b"") when no file is there, else (the SHA-256 of what is read, the
    bytes read: at most one more than an image may have)."""
    path = joined.resolve()
    if not is_within(path, root.resolve()):
        return "outside", b""
    if not path.is_file():
        return "missing", b""
    with open(path, "rb") as handle:
        data = handle.read(MAX_IMAGE_BYTES + 1)
    return hashlib.sha256(data).hexdigest(), data


def clean_fragment(html: str, ctx: FragmentContext) -> str:
    """Sanitize one chapter's pandoc output; removals are added to ``ctx.problems``."""

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        if attribute not in URL_ATTRIBUTES:
            return value
        if tag == "img" and attribute == "src":
            return _image(ctx, value)
        return _link(ctx, value)

    # nh3 reports an exception raised in the filter as "ignored" (sys.unraisablehook) and drops
    # the attribute: a Ctrl-C arriving then left an element without its id and the build going
    # on, and caching, as if whole. Such an exception is raised again once nh3 has returned.
    raised = _catch_unraisable()
    try:
        cleaned = nh3.clean(
            html,
            tags=TAGS,
            clean_content_tags={"script", "style", "iframe", "object", "embed", "form", "template"},
            attributes=ATTRIBUTES,
            attribute_filter=attribute_filter,
            url_schemes=SAFE_SCHEMES | REPORTED_SCHEMES,
            link_rel=None,
            strip_comments=True,
        )
    finally:
        _unraisable.found = None
    if raised:
        raise raised[0]
    return cleaned


_unraisable = threading.local()  # .found: this thread's list while it cleans, else None


def _catch_unraisable() -> list[BaseException]:
    """A list that collects the exceptions this thread reports as unraisable until
    ``_unraisable.found`` is reset; the hook that fills it is put in place once."""
    global _hook_before
    if _hook_before is None:
        _hook_before = sys.unraisablehook
        sys.unraisablehook = _collect
    found: list[BaseException] = []
    _unraisable.found = found
    return found


_hook_before: Callable[[Any], object] | None = None


def _collect(unraisable: Any) -> None:
    found = getattr(_unraisable, "found", None)
    if found is not None and unraisable.exc_value is not None:
        found.append(unraisable.exc_value)
    elif _hook_before is not None:
        _hook_before(unraisable)


# EXIF tags that can identify a real person or case: where a photo was taken, which camera.
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
SERIAL_TAGS = {0xA431: "camera serial number", 0xA435: "lens serial number", 0xC62F: "camera serial number"}


def exif_findings(data: bytes) -> list[str]:
    """'GPS coordinates' and/or serial numbers found in a raster image's EXIF metadata.

    Pillow (already installed as WeasyPrint's dependency) reads EXIF from JPEG, WebP
    and GIF headers without decoding pixels; a PNG's eXIf chunk is found by walking
    the chunks, since Pillow only reads it after decoding the image.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        png_exif = _png_exif(data)
        if png_exif is not None:
            exif = Image.Exif()
            exif.load(png_exif)
        else:
            with Image.open(io.BytesIO(data)) as image:
                exif = image.getexif()
        gps = exif.get_ifd(GPS_IFD)
        details = {**dict(exif), **exif.get_ifd(EXIF_IFD)}
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error):
        return []
    found = ["GPS coordinates"] if any(tag in gps for tag in (1, 2, 3, 4)) else []
    for tag, what in SERIAL_TAGS.items():
        value = details.get(tag)
        if value and str(value).strip("\x00 ") and what not in found:
            found.append(what)
    return found


def _png_exif(data: bytes) -> bytes | None:
    """The payload of a PNG's eXIf chunk (b'' when a PNG has none), or None if not a PNG."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    offset = 8
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if kind == b"eXIf":
            return data[offset + 8:offset + 8 + length]
        if kind == b"IEND":
            break
        offset += 12 + length
    return b""
