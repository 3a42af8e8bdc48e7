"""Preview while editing: serve the HTML manual on the loopback interface, rebuild it
when a source file changes, and make the open browser page reload itself.

Only the served copy carries the small reload script; ``build/manual.html`` stays the
self-contained, script-free file that ``vimanual build`` makes.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from vimanual.base.errors import VimanualError
from vimanual.base.sanitize import CONTENT_POLICY

HOST = "127.0.0.1"
VERSION_PATH = "/__vimanual/version"
WATCHED = ("chapters", "styles", "reviews")  # reviews/: the banners show review state
POLL_MS = 500
FINGERPRINT_MAX_BYTES = 1_000_000  # fonts and large images: size and mtime are enough

# Polls the version endpoint; reloads when a rebuild finished, shows a failed rebuild's
# error without dropping the last good page. textContent, never innerHTML.
RELOAD_SCRIPT = """<script id="vimanual-reload">(function () {
  var seen = %d, box = null;
  function show(error) {
    if (!error) { if (box) { box.remove(); box = null; } return; }
    if (!box) {
      box = document.createElement("div");
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;left:0;right:0;top:0;z-index:9;padding:.6em 1em;" +
        "background:#7a1712;color:#fff;font:14px/1.4 sans-serif;white-space:pre-wrap";
      document.body.appendChild(box);
    }
    box.textContent = "Rebuild failed: " + error;
  }
  function poll() {
    fetch("%s", {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (s) {
      if (s.version !== seen) { location.reload(); return; }
      show(s.error);
      setTimeout(poll, %d);
    }, function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, %d);
})();</script>
"""


# Served until a first build succeeds: the reload script shows the build's error over it.
WAITING_PAGE = ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>vimanual: waiting for a "
                "build</title></head>\n<body><p style=\"margin-top:4em\">The manual is shown here once "
                "a build succeeds.</p></body></html>\n")


@dataclass(frozen=True)
class Rebuild:
    """One rebuild after a change: what changed, what it cost, or why it failed."""

    changed: tuple[str, ...]
    seconds: float
    converted: int = 0
    cached: int = 0
    error: str = ""
    hint: str = ""


@dataclass
class _Page:
    version: int = 0
    html: bytes = b""
    error: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)


def check_port(port: int) -> None:
    """Refuse a port number that TCP does not have (0 would pick a random port)."""
    if not 1 <= port <= 65535:
        raise VimanualError(f"port {port} is not a TCP port number",
                            "choose a port from 1 to 65535, e.g. 'vimanual serve --port 8000'")


def inject_reload(html: str, version: int) -> bytes:
    """The page as served: ``html`` with the reload script just before ``</body>``, and its
    Content-Security-Policy letting that one script (by its hash) ask this server for news."""
    script = RELOAD_SCRIPT % (version, VERSION_PATH, POLL_MS, POLL_MS)
    body = script[script.index(">") + 1:script.rindex("</script>")]
    digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
    html = html.replace(f'content="{CONTENT_POLICY}"',
                        f"content=\"{CONTENT_POLICY}; script-src 'sha256-{digest}'; connect-src 'self'\"", 1)
    at = html.rfind("</body>")
    if at < 0:
        return (html + script).encode("utf-8")
    return (html[:at] + script + html[at:]).encode("utf-8")


class PreviewServer:
    """The HTTP server (in a thread) plus the rebuild step; ``watch`` drives the rebuilds."""

    def __init__(self, root: Path, port: int, build: Callable[[Path], Any]) -> None:
        """``build(root)`` builds the HTML draft and returns the build's result."""
        check_port(port)
        self.root = root
        self._build = build
        self.port = port
        self._page = _Page()
        self._httpd = self._bind(port)
        self._thread: threading.Thread | None = None
        self._baseline: dict[str, tuple[int, str]] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def _bind(self, port: int) -> ThreadingHTTPServer:
        handler = _make_handler(self._page, port)
        try:
            httpd = ThreadingHTTPServer((HOST, port), handler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise VimanualError(f"port {port} on {HOST} is already in use",
                                    f"stop the program using it or choose another port, "
                                    f"e.g. 'vimanual serve --port {port + 1 if port < 65535 else 8000}'"
                                    ) from None
            if exc.errno == errno.EACCES:
                raise VimanualError(f"no permission to listen on port {port}",
                                    "ports below 1024 need privileges; choose e.g. --port 8000") from None
            raise VimanualError(f"cannot listen on {HOST}:{port}: {exc.strerror}",
                                "choose another port with --port") from None
        httpd.daemon_threads = True
        return httpd

    def start(self) -> Rebuild | None:
        """Build the manual once, then serve. A first build that fails (one chapter's broken
        file, a check error) is returned: the page then shows its error, as after a failed
        rebuild, and the manual once a build succeeds; the others' work is not held up.

        The sources are fingerprinted before that first build: ``watch`` compares them again
        once its watcher is armed, so an edit saved while the first page was being built, or
        in the moment after it was served, is never missed."""
        self._baseline = self.fingerprint()
        failed = self.rebuild(["(first build)"])
        if failed.error:
            with self._page.lock:  # no good page yet: one that shows the error and reloads
                self._page.version += 1
                self._page.html = inject_reload(WAITING_PAGE, self._page.version)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="vimanual-serve", daemon=True)
        self._thread.start()
        return failed if failed.error else None

    def close(self) -> None:
        """Stop serving and free the port."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()

    def _build_html(self) -> tuple[int, int]:
        result = self._build(self.root)  # loads the workspace again: manual.yaml may have changed
        html = result.outputs["html"].read_text(encoding="utf-8")
        with self._page.lock:
            self._page.version += 1
            self._page.html = inject_reload(html, self._page.version)
            self._page.error = ""
        return result.converted, result.cached

    def rebuild(self, changed: Iterable[str]) -> Rebuild:
        """Rebuild the HTML after ``changed`` files changed; a failure keeps the last good page."""
        names = tuple(sorted(set(changed)))
        started = time.monotonic()
        try:
            converted, cached = self._build_html()
        except VimanualError as exc:
            with self._page.lock:
                self._page.error = exc.message
            return Rebuild(names, time.monotonic() - started, error=exc.message, hint=exc.hint)
        return Rebuild(names, time.monotonic() - started, converted, cached)

    def watched_paths(self) -> list[Path]:
        """Folders whose changes trigger a rebuild (manual.yaml is checked separately)."""
        return [(self.root / name).resolve() for name in WATCHED if (self.root / name).is_dir()]

    def watch(self, on_rebuild: Callable[[Rebuild], None], stop: threading.Event | None = None) -> None:
        """Rebuild on every change under chapters/, styles/, reviews/ or to manual.yaml, until
        ``stop`` is set (or Ctrl-C, which propagates as KeyboardInterrupt).

        Each wake-up of the watcher also compares the sources' fingerprint with the one the
        last build started from, and a build is repeated while the sources changed during it:
        the page served is always built from the files as they are now."""
        from watchfiles import watch

        known = self._baseline if self._baseline is not None else self.fingerprint()
        paths = self.watched_paths() or [self.root]  # a workspace without chapters/ yet
        # manual.yaml is a single file that editors often replace (write-then-rename), which
        # a file watch does not survive: the fingerprint covers it on each wake-up.
        for changes in watch(*paths, stop_event=stop, rust_timeout=POLL_MS, yield_on_timeout=True,
                             debounce=400, step=50, raise_interrupt=True):
            # the events only wake the loop: what changed is what the fingerprint says, so a
            # save of identical bytes rebuilds nothing and no save is ever lost between events
            del changes
            now = self.fingerprint()
            names = sorted(_differ(known, now))
            while names:
                on_rebuild(self.rebuild(names))
                known, now = now, self.fingerprint()
                names = sorted(_differ(known, now))  # changed while building: build again

    def fingerprint(self) -> dict[str, tuple[int, str]]:
        """Each watched file (and manual.yaml) → its size and content digest (large files:
        their mtime), so that a save that keeps size and mtime is still seen."""
        found: dict[str, tuple[int, str]] = {}
        for path in [self.root / "manual.yaml", *self._watched_files()]:
            try:
                stat = path.stat()
                if stat.st_size > FINGERPRINT_MAX_BYTES:
                    found[self._relative(path)] = (stat.st_size, str(stat.st_mtime_ns))
                else:
                    digest = hashlib.sha256(path.read_bytes()).hexdigest()
                    found[self._relative(path)] = (stat.st_size, digest)
            except OSError:
                continue  # removed meanwhile: absent from the fingerprint, which is a change
        return found

    def _watched_files(self) -> Iterable[Path]:
        for folder in self.watched_paths():
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    yield path

    def _relative(self, path: Path) -> str:
        for name in WATCHED:
            base = (self.root / name).resolve()
            try:
                return f"{name}/{path.relative_to(base).as_posix()}"
            except ValueError:
                continue
        return path.name


def _differ(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> set[str]:
    """Names added, removed or changed between two fingerprints."""
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


def _make_handler(page: _Page, port: int) -> type[BaseHTTPRequestHandler]:
    # Only these Host headers are answered: a web page elsewhere cannot read the manual
    # through a DNS name that it points at 127.0.0.1 (DNS rebinding).
    hosts = {f"{HOST}:{port}", f"localhost:{port}"}

    class Handler(BaseHTTPRequestHandler):
        server_version = "vimanual"
        sys_version = ""

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self._answer(send_body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._answer(send_body=False)

        def _answer(self, send_body: bool) -> None:
            if self.headers.get("Host", "") not in hosts:
                self._send(HTTPStatus.FORBIDDEN, b"forbidden host\n", "text/plain", send_body)
                return
            path = self.path.split("?", 1)[0]
            with page.lock:
                body, version, error = page.html, page.version, page.error
            if path in ("/", "/manual.html"):
                self._send(HTTPStatus.OK, body, "text/html; charset=utf-8", send_body)
            elif path == VERSION_PATH:
                state = json.dumps({"version": version, "error": error}).encode("utf-8")
                self._send(HTTPStatus.OK, state, "application/json", send_body)
            elif path == "/favicon.ico":  # browsers ask; a 404 would log a console error
                self._send(HTTPStatus.NO_CONTENT, b"", "image/x-icon", False)
            else:
                self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain", send_body)

        def _send(self, status: HTTPStatus, body: bytes, kind: str, send_body: bool) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Quiet: the terminal shows rebuilds, not every poll."""

    return Handler
