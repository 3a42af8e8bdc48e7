"""Shared tools of the security tests: a canary outside the workspace, a loopback server that
counts requests and a strict reading of the built HTML."""

from __future__ import annotations

import base64
import html
import http.server
import re
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pikepdf

from tests.pdfhtml import pdf_pages_text

CANARY = "CANARY-7f3a9c-outside-the-workspace"
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)

DANGEROUS_TAGS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input", "button",
    "textarea", "select", "style", "link", "meta", "base", "svg", "math", "template", "noscript",
    "portal", "audio", "video", "source", "track", "param",
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
                  "srcset", "cite", "longdesc", "lowsrc", "dynsrc", "ping"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text", "data:application", "file:", "livescript:")


def plant_canary(folder: Path) -> Path:
    """A text file outside the workspace whose content must never reach an output."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "canary.txt"
    path.write_text(CANARY + "\n", encoding="utf-8")
    return path


def canary_png(folder: Path) -> Path:
    """A real PNG outside the workspace that carries the canary in a text chunk."""
    chunk = b"tEXt" + b"Comment\0" + CANARY.encode()
    text = len(chunk[4:]).to_bytes(4, "big") + chunk + zlib.crc32(chunk).to_bytes(4, "big")
    data = PNG_1PX[:-12] + text + PNG_1PX[-12:]
    path = folder / "outside.png"
    path.write_bytes(data)
    return path


@dataclass
class Loopback:
    port: int
    requests: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def loopback_server() -> Iterator[Loopback]:
    """An HTTP server on 127.0.0.1 that records every request it receives (it must get none)."""
    record = Loopback(0)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            record.requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(PNG_1PX)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    record.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield record
    finally:
        server.shutdown()
        server.server_close()


def data_uri_payloads(text: str) -> list[bytes]:
    """The decoded bytes of every base64 data: URI in ``text``."""
    found = []
    for match in re.finditer(r"data:[a-z0-9.+/-]+;base64,([A-Za-z0-9+/=]+)", text):
        found.append(base64.b64decode(match.group(1) + "=" * (-len(match.group(1)) % 4)))
    return found


def assert_no_canary_in_html(text: str) -> None:
    assert CANARY not in text
    for payload in data_uri_payloads(text):
        assert CANARY.encode() not in payload


def assert_no_canary_in_pdf(path: Path) -> None:
    """Neither the raw nor any decompressed stream of the PDF holds the canary; nothing is attached."""
    assert CANARY.encode() not in path.read_bytes()
    text = " ".join(pdf_pages_text(path))  # glyph ids in the streams: read the text as a user would
    assert CANARY not in text and CANARY.replace("-", "") not in text.replace("-", "").replace(" ", "")
    with pikepdf.open(path) as pdf:
        assert len(pdf.attachments) == 0
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary):
                assert obj.get("/Type") != "/EmbeddedFile"
                assert "/EmbeddedFiles" not in obj
            if isinstance(obj, pikepdf.Stream):
                try:
                    data = obj.read_bytes()
                except pikepdf.PdfError:
                    data = obj.read_raw_bytes()
                assert CANARY.encode() not in data


class MainChecker(HTMLParser):
    """Collects every dangerous element, attribute or URL inside <main>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.found: list[str] = []
        self.seen_main = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self.depth += 1
            self.seen_main = True
            return
        if not self.depth:
            return
        if tag in DANGEROUS_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "srcdoc", "formaction", "action"}:
                self.found.append(f"<{tag} {name}=...>")
            if name in URL_ATTRIBUTES and value is not None:
                normalised = re.sub(r"[\x00-\x20\x7f]", "", html.unescape(value)).lower()
                if normalised.startswith(BAD_SCHEMES) or (
                    normalised.startswith("data:") and not (tag == "img" and name == "src")
                ):
                    self.found.append(f"<{tag} {name}={value[:60]!r}>")
                if tag == "img" and name == "src" and not normalised.startswith(
                    ("data:image/png", "data:image/jpeg", "data:image/gif", "data:image/webp",
                     "data:image/svg+xml")
                ):
                    self.found.append(f"<img src={value[:60]!r}> (not an inlined image)")

    def handle_endtag(self, tag: str) -> None:
        if tag == "main" and self.depth:
            self.depth -= 1


def dangerous_in_main(text: str) -> list[str]:
    checker = MainChecker()
    checker.feed(text)
    checker.close()
    assert checker.seen_main, "the page has no <main>"
    return checker.found
