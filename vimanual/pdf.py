"""The only place that imports WeasyPrint: HTML to PDF with a fetcher that reads only allowed files.

WeasyPrint is imported inside functions: it takes about a second to import, and
commands such as ``status`` or ``--help`` must not pay for it.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from vimanual.errors import VimanualError
from vimanual.fsutil import is_within


@dataclass
class FetchLog:
    """URLs the renderer asked for and was refused, for the build report."""

    refused: list[str] = field(default_factory=list)
    pages: int = 0


def _make_fetcher(allowed_roots: list[Path], log: FetchLog) -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = [root.resolve() for root in allowed_roots]

    class WorkspaceFetcher(URLFetcher):  # type: ignore[misc]
        """Serves inline data and regular files under the allowed roots; refuses all else."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(url2pathname(urlsplit(url).path)).resolve()
                if any(is_within(path, root) for root in roots) and path.is_file():
                    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
            log.refused.append(url)
            raise ValueError(f"vimanual refuses to fetch {url[:120]}")

    return WorkspaceFetcher(allowed_protocols={"data", "file"}, allow_redirects=False, timeout=1)


def render_pdf(
    html: str,
    base_dir: Path,
    allowed_roots: list[Path],
    target: Path,
    on_stage: Callable[[str, int, int], None] | None = None,
    *,
    tagged: bool = True,
    identifier: str | None = None,
) -> FetchLog:
    """Lay out ``html`` and write the PDF to ``target`` (the caller makes that atomic).

    Relative URLs in the stylesheets resolve against ``base_dir``; only files under
    ``allowed_roots`` and inline ``data:`` URLs are ever read. ``tagged`` writes a
    PDF/UA-1 file: a structure tree (headings, lists, tables, figures with their alt
    text), the document language and title, so screen readers can read the manual.
    """
    try:
        import weasyprint
    except OSError as exc:  # missing system libraries (Pango) surface as OSError
        raise VimanualError(f"WeasyPrint cannot start: {exc}",
                            "install Pango (Debian: apt-get install libpango-1.0-0)") from None
    log = FetchLog()
    document = weasyprint.HTML(
        string=html,
        base_url=base_dir.resolve().as_uri() + "/",
        url_fetcher=_make_fetcher(allowed_roots, log),
    )
    if on_stage:
        on_stage("layout", 0, 1)
    rendered = document.render()
    log.pages = len(rendered.pages)
    if on_stage:
        on_stage("layout", 1, 1)
        on_stage("write", 0, log.pages)
    # pdf_tags is passed too: the variant only fills options left at None, and
    # WeasyPrint's default for pdf_tags is False, not None.
    options: dict[str, Any] = {"pdf_variant": "pdf/ua-1", "pdf_tags": True} if tagged else {}
    if identifier:
        # The file identifier (/ID); WeasyPrint otherwise writes none or a random one.
        options["pdf_identifier"] = identifier.encode("ascii")
    rendered.write_pdf(target, **options)
    if on_stage:
        on_stage("write", log.pages, log.pages)
    return log


def render_pdf_isolated(
    html: str,
    base_dir: Path,
    allowed_roots: list[Path],
    target: Path,
    timeout: float,
    memory_mb: int,
    on_stage: Callable[[str, int, int], None] | None = None,
    identifier: str | None = None,
) -> FetchLog:
    """``render_pdf`` in a child process with a wall-clock timeout and a memory cap.

    A hostile or pathological document then ends with a clear error instead of
    exhausting the machine; the caller's previous outputs are untouched either way.
    """
    import json
    import subprocess
    import sys
    import tempfile
    import threading

    from vimanual.errors import ToolError

    with tempfile.TemporaryDirectory(prefix=".vimanual-pdf-", dir=target.parent) as scratch:
        source = Path(scratch) / "document.html"
        source.write_text(html, encoding="utf-8")
        request = {
            "html": str(source), "base_dir": str(base_dir), "target": str(target),
            "allowed_roots": [str(root) for root in allowed_roots], "memory_mb": memory_mb,
            "parent": os.getpid(),
            "identifier": identifier,
        }
        command = [sys.executable, "-m", "vimanual.pdf"]
        proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        timed_out = threading.Event()

        def stop() -> None:
            timed_out.set()
            proc.kill()

        timer = threading.Timer(timeout, stop)
        timer.start()
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        try:
            proc.stdin.write(json.dumps(request))
            proc.stdin.close()
            result: dict[str, object] = {}
            for line in proc.stdout:
                message = json.loads(line)
                if "stage" in message and on_stage:
                    on_stage(message["stage"], message["done"], message["total"])
                elif "pages" in message:
                    result = message
            stderr = proc.stderr.read()
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = code = os.waitstatus_to_exitcode(status)
            # Running into RLIMIT_DATA shows as assorted failures (MemoryError, GLib aborts,
            # SystemError); the peak resident size near the cap is what tells them apart.
            near_cap = usage.ru_maxrss * 1024 >= 0.8 * memory_mb * 1024 * 1024
        finally:
            timer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if timed_out.is_set():
            raise ToolError(f"WeasyPrint (PDF layout) did not finish within {timeout:g} s",
                            command, None, stderr)
        if code != 0 or not result:
            if near_cap or "MemoryError" in stderr:
                raise ToolError(f"WeasyPrint (PDF layout) exceeded the {memory_mb} MB memory cap",
                                command, code, stderr)
            raise ToolError("WeasyPrint (PDF layout)", command, code, stderr)
    pages = result["pages"]
    refused = result["refused"]
    return FetchLog(refused=list(refused) if isinstance(refused, list) else [],
                    pages=int(pages) if isinstance(pages, int) else 0)


def _die_with_parent(parent: int) -> None:
    """If the build that started this layout is killed, stop too (Linux), instead of
    finishing a PDF nobody will collect and writing into a folder being cleaned up."""
    import ctypes
    import signal
    import sys

    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above took effect
        sys.exit(1)


def _worker() -> None:
    """Child side of ``render_pdf_isolated``: JSON request on stdin, JSON lines on stdout."""
    import json
    import resource
    import sys

    request = json.loads(sys.stdin.read())
    _die_with_parent(int(request["parent"]))
    cap = int(request["memory_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))

    def stage(name: str, done: int, total: int) -> None:
        print(json.dumps({"stage": name, "done": done, "total": total}), flush=True)

    log = render_pdf(
        Path(request["html"]).read_text(encoding="utf-8"),
        Path(request["base_dir"]),
        [Path(root) for root in request["allowed_roots"]],
        Path(request["target"]),
        stage,
        identifier=request.get("identifier"),
    )
    print(json.dumps({"pages": log.pages, "refused": log.refused}), flush=True)


if __name__ == "__main__":
    _worker()
