"""The only place that imports WeasyPrint: HTML to PDF with a fetcher that reads only allowed files.

WeasyPrint is imported inside functions: it takes about a second to import, and
commands such as ``status`` or ``--help`` must not pay for it. (pdf/leaders.py changes one
step of its line layout in the layout workers; it imports WeasyPrint's modules too.)
"""

from __future__ import annotations

import contextlib
import json
import logging
import mimetypes
import os
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from vimanual.base.errors import ToolError, VimanualError
from vimanual.base.fsutil import is_within
from vimanual.pdf.sheets import reuse_stylesheets
from vimanual.pdf.workers import FetchLog, Worker, new_worker, running_server


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

    fetcher = WorkspaceFetcher(allowed_protocols={"data", "file"}, allow_redirects=False, timeout=1)
    fetcher.vimanual_log = log  # a stylesheet parsed once (pdf/sheets.py) logs its refusals again
    return fetcher


#: How embedded fonts are subset. WeasyPrint uses HarfBuzz's subsetter where the system has
#: libharfbuzz-subset (it comes with Chromium, for one) and fontTools otherwise, and the two
#: give different bytes: a released edition would then rebuild byte for byte only on
#: machines that happen to have the same libraries. fontTools is a pinned Python
#: dependency, so every build uses it; "harfbuzz" remains only to rebuild editions made
#: with it (their manifests predate the record of the subsetter). Drafts, and editions
#: released since it was added, are subset by the HarfBuzz of the uharfbuzz wheel, a Python
#: dependency too and some 50 times faster (pdf/hbsubset.py); the manifest says which, and
#: records both packages' versions.
FONT_SUBSETTER = "fonttools"
FAST_FONT_SUBSETTER = "uharfbuzz"
FONT_SUBSETTERS = ("fonttools", "harfbuzz", "uharfbuzz")
FONT_TIMESTAMP = "0"  # the 'modified' time in subset fonts: 1970-01-01, for every build


class _QuietSubsetterNotice(logging.Filter):
    """Drop WeasyPrint's notice that it subsets with fontTools: that is our choice."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "instead of HarfBuzz-Subset" not in record.getMessage()


def harfbuzz_subset_available() -> bool:
    """Whether WeasyPrint found HarfBuzz's subsetting library on this machine."""
    from weasyprint.text import ffi

    return ffi.harfbuzz_subset is not None


def use_font_subsetter(name: str) -> None:
    """Make WeasyPrint subset fonts with ``name`` (one of FONT_SUBSETTERS) in this process.

    WeasyPrint has no option for it: it picks HarfBuzz when its library loaded, so the
    module's handle on that library is set (or cleared) here.
    """
    from weasyprint.pdf import fonts
    from weasyprint.text import ffi

    if name not in FONT_SUBSETTERS:
        raise VimanualError(f"unknown font subsetter '{name}'", f"known: {', '.join(FONT_SUBSETTERS)}")
    if name == "harfbuzz" and ffi.harfbuzz_subset is None:
        raise VimanualError(HARFBUZZ_MISSING, HARFBUZZ_HINT)
    fonts.harfbuzz_subset = ffi.harfbuzz_subset if name == "harfbuzz" else None  # type: ignore[attr-defined]
    if name != "harfbuzz":  # fontTools, or (uharfbuzz) for a face HarfBuzz cannot subset
        lean_font_subsetting()
    from vimanual.pdf.hbsubset import uharfbuzz_subsetting

    uharfbuzz_subsetting(name == "uharfbuzz")
    logging.getLogger("weasyprint").addFilter(_QUIET)
    # fontTools stamps each subset's 'head' table with the time it was saved, unless
    # SOURCE_DATE_EPOCH says otherwise: one fixed time, so the bytes do not depend on
    # when (or in which time zone) the edition is rebuilt. (This runs in the layout
    # worker, a process of its own.)
    os.environ["SOURCE_DATE_EPOCH"] = FONT_TIMESTAMP


def lean_font_subsetting() -> None:
    """Make fontTools skip reading the layout tables it is told to drop (in this process).

    WeasyPrint subsets every embedded face of every document with fontTools and tells it
    to drop GSUB and GPOS (a PDF draws glyphs already shaped). fontTools (4.68) reads and
    converts both tables before it drops them: 0.1-0.3 s a face, most of the cost of laying
    out a short chapter. They are deleted first here, with what dropping GPOS decides (the
    legacy 'kern' table goes when GPOS is there): the subset is the same bytes
    (tests/test_font_subsetting.py compares them for every bundled face).
    """
    from fontTools import subset

    if hasattr(subset.Subsetter.subset, "unpatched"):
        return
    real = subset.Subsetter.subset

    def lean(self: Any, font: Any) -> Any:
        dropped = {tag.strip() for tag in self.options.drop_tables}
        if "GPOS" in dropped and "GPOS" in font and "kern" in font and not self.options.legacy_kern:
            del font["kern"]
        for tag in ("GSUB", "GPOS"):
            if tag in dropped and tag in font:
                del font[tag]
        return real(self, font)

    lean.unpatched = real  # type: ignore[attr-defined]
    subset.Subsetter.subset = lean


_QUIET = _QuietSubsetterNotice()
HARFBUZZ_MISSING = ("this edition's fonts were subset with HarfBuzz, whose subsetting library "
                    "(libharfbuzz-subset) is not installed here")
HARFBUZZ_HINT = ("install it (Debian: apt-get install libharfbuzz-subset0) to rebuild this edition; "
                 "editions released from now on need no system library for their fonts")


def render_pdf(
    html: str,
    base_dir: Path,
    allowed_roots: list[Path],
    target: Path,
    on_stage: Callable[[str, int, int], None] | None = None,
    *,
    tagged: bool = True,
    identifier: str | None = None,
    font_subsetter: str = FONT_SUBSETTER,
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
    use_font_subsetter(font_subsetter)
    log = FetchLog()
    document = weasyprint.HTML(
        string=html,
        base_url=base_dir.resolve().as_uri() + "/",
        url_fetcher=_make_fetcher(allowed_roots, log),
    )
    if on_stage:
        on_stage("layout", 0, 1)
    reuse_stylesheets()
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


@dataclass(frozen=True)
class LayoutJob:
    """One document for a layout worker: its HTML, where its PDF goes, and how to write it."""

    html: str
    target: Path
    tagged: bool = True
    identifier: str | None = None
    # Laid out by a worker that has laid out nothing before, where workers are forked (a few
    # milliseconds): a piece of the contents takes about 16 MiB more than a chapter's peak, on
    # top of what earlier documents left in the worker.
    fresh: bool = False


def render_pdf_isolated(
    html: str,
    base_dir: Path,
    allowed_roots: list[Path],
    target: Path,
    timeout: float,
    memory_mb: int,
    on_stage: Callable[[str, int, int], None] | None = None,
    identifier: str | None = None,
    font_subsetter: str = FONT_SUBSETTER,
    tagged: bool = True,
) -> FetchLog:
    """``render_pdf`` in a child process with a wall-clock timeout and a memory cap.

    A hostile or pathological document then ends with a clear error instead of
    exhausting the machine; the caller's previous outputs are untouched either way.
    """
    job = LayoutJob(html, target, tagged, identifier)
    with LayoutPool(base_dir, allowed_roots, 1, timeout, memory_mb, target.parent,
                    font_subsetter=font_subsetter) as pool:
        return pool.run([job], on_stage)[0]


class LayoutPool:
    """Up to ``workers`` layout child processes, each under the memory cap, started when
    first needed and kept for later rounds (WeasyPrint takes a second to import); all
    rounds together must finish within ``timeout`` seconds of the pool's start.

    A hostile or pathological document then ends with a clear error instead of
    exhausting the machine; the caller's previous outputs are untouched either way.
    """

    def __init__(self, base_dir: Path, allowed_roots: list[Path], workers: int, timeout: float,
                 memory_mb: int, scratch_in: Path | None = None, *,
                 font_subsetter: str = FONT_SUBSETTER, one_run_leaders: bool = False,
                 markers_layout: bool = False) -> None:
        import tempfile

        # The documents are the manual's text: keep them beside the outputs, not in a shared /tmp.
        self.scratch = tempfile.TemporaryDirectory(prefix=".vimanual-pdf-", dir=scratch_in)
        self.header = {"base_dir": str(base_dir), "allowed_roots": [str(r) for r in allowed_roots],
                       "memory_mb": memory_mb, "font_subsetter": font_subsetter,
                       "one_run_leaders": one_run_leaders, "markers_layout": markers_layout,
                       "font_folder": str(Path(self.scratch.name) / "fonts")}  # pdf/fontfiles.py
        self.size = max(1, workers)
        self.timeout = timeout
        self.workers: list[Worker] = []
        self.retiring: list[Worker] = []  # released: told to end, reaped at the pool's end
        self.timed_out = threading.Event()
        self.timer = threading.Timer(timeout, self._stop)
        self.count = 0
        self.recycled = 0  # workers replaced by fresh ones (``Worker.grown``)
        self.refreshed = 0  # workers replaced by fresh ones for a job that asks for one (``LayoutJob.fresh``)
        self.warmed = False  # the fork server has been asked to warm up (``_warm``)
        self.warming: threading.Thread | None = None  # ``warm_soon``'s

    def __enter__(self) -> LayoutPool:
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.cancel()
        if self.warming is not None:
            # It writes its request into the scratch folder, then waits for the server, at most
            # WARM_SECONDS (the workspace's styles are laid out): a build stopped early does not.
            self.warming.join(timeout=2)
        for worker in self.workers + self.retiring:
            worker.close()
        self.scratch.cleanup()

    def prestart(self, count: int) -> None:
        """Start up to ``count`` workers now: they import WeasyPrint while the caller is
        still busy (converting chapters), instead of when the first job comes. Not when they
        are forked (pdf/workers.py): a fork takes milliseconds when the first job comes, and
        asking for one now would wait until the fork server has imported WeasyPrint."""
        if running_server() is not None:
            return
        while len(self.workers) < min(self.size, count) and not self.timed_out.is_set():
            self.workers.append(new_worker(self.header))

    def release(self) -> None:
        """End the workers now (their memory is free for what follows); a later ``run``
        starts new ones. They exit on their own once told to; the pool's end reaps them, so
        the caller does not wait for them here."""
        for worker in self.workers:
            self._retire(worker)
        self.workers = []

    def warm_soon(self, document: Callable[[], str]) -> None:
        """Have the fork server warm up (``_warm``) now, in a thread of its own, with the styles
        of ``document()`` (one like the documents to come): a build that will lay out many
        documents calls this while it still prepares them, so that its first worker is forked
        from a warm server without waiting for the warm-up (``run`` does not warm it again)."""
        if self.warmed or running_server() is None:
            return
        self.warmed = True

        def body() -> None:
            with contextlib.suppress(Exception):  # a warm-up only: the first job pays it instead
                self._warm(document())

        warming = threading.Thread(target=body, name="vimanual-warm-up", daemon=True)
        warming.start()
        self.warming = warming  # once started: a Ctrl-C between the two, __exit__ would join it unstarted

    def _warm(self, html: str) -> None:
        """Before the first worker is forked: have the fork server lay out a small document
        with ``html``'s styles, which every worker then starts with (worker.warm_up)."""
        self.warmed = True
        server = running_server()
        if server is None or self.timed_out.is_set():
            return
        request = Path(self.scratch.name) / "warm-up.json"
        request.write_text(json.dumps({"header": self.header, "head": html.partition("<body")[0]}),
                           encoding="utf-8")
        server.warm(request)

    def _retire(self, worker: Worker) -> None:
        """Tell ``worker`` to end once it is done; the pool's end reaps it."""
        worker.end_input()
        self.retiring.append(worker)

    def _stop(self) -> None:
        self.timed_out.set()
        for worker in self.workers:
            worker.kill()

    def run(self, jobs: list[LayoutJob], on_stage: Callable[[str, int, int], None] | None = None,
            more: Callable[[int, FetchLog], list[LayoutJob]] | None = None,
            finished: Callable[[int, FetchLog], None] | None = None,
            opening: Callable[[], list[LayoutJob]] | None = None) -> list[FetchLog]:
        """Lay out ``jobs``; a free worker takes the next one (give the largest first).

        ``finished``: called as each job finishes, with its index and log, by the thread that
        waited for it (so at the same time as others), before ``more``. ``more``: called (one
        call at a time) as each job finishes, with its index and log; the jobs it returns are
        laid out too, next (before those waiting; after those already sent to a worker, one a
        worker at most: a worker is sent its next job as soon as it answers). Returns one log
        per job, in the order of ``jobs`` and then of those added. Any failure stops every worker
        and raises; the PDFs of jobs that finished may then exist, others not. ``opening``: called
        once, by this thread, as soon as the workers have their first jobs (before any call of
        ``more``); the jobs it returns are laid out after those waiting, by every worker (one
        idle by then is started again; more are started up to ``size``): the workers need not
        wait for work that can be done beside them.
        """
        if not jobs:
            return []
        jobs = list(jobs)
        if not self.warmed and not self.workers and len(jobs) > self.size:  # (a worker's first
            self._warm(jobs[0].html)  # document pays what the warm-up would: not worth it for one)
        while len(self.workers) < min(self.size, len(jobs)) and not self.timed_out.is_set():
            self.workers.append(new_worker(self.header))
        logs: list[FetchLog | None] = []
        sources: list[Path] = []
        queue: list[int] = []
        lock, more_lock = threading.Lock(), threading.Lock()

        def enqueue(job: LayoutJob, at: int) -> None:  # under ``lock`` once the workers run
            self.count += 1
            source = Path(self.scratch.name) / f"document-{self.count}.html"
            source.write_text(job.html, encoding="utf-8")
            sources.append(source)
            logs.append(None)
            queue.insert(at, len(sources) - 1)

        for job in jobs:
            enqueue(job, len(queue))
        done = [0]
        failures: list[ToolError] = []
        single = len(jobs) == 1 and more is None and opening is None

        def stage(name: str, step: int, total: int) -> None:
            if on_stage and single:
                on_stage(name, step, total)

        def take(worker: Worker) -> int | None:
            """Under ``lock``: the next job for ``worker`` (sent to it), None if there is none, a
            job failed or time ran out; RETIRED if the worker is replaced first: it grew (what
            WeasyPrint keeps from document to document), or the job asks for a fresh one (it goes
            back)."""
            if not queue or failures or self.timed_out.is_set():
                return None
            fresh = min((w.resident[0] for w in self.workers if w.resident), default=None)
            if fresh is not None and worker.resident and worker.grown(fresh) and not self.timed_out.is_set():
                self._retire(worker)
                self.recycled += 1
                return RETIRED
            number = queue.pop(0)
            job = jobs[number]
            if job.fresh and worker.forked and worker.resident and not self.timed_out.is_set():
                queue.insert(0, number)
                self._retire(worker)
                self.refreshed += 1
                return RETIRED
            worker.send({"html": str(sources[number]), "target": str(job.target),
                         "tagged": job.tagged, "identifier": job.identifier})
            return number

        def drive(slot: int, number: int | None) -> bool:
            """Lay out jobs on worker ``slot`` (sent job ``number`` already) while there are any;
            True if it is retired (it grew, or the next job asks for a fresh worker). The next job
            is sent as soon as one is laid out, so the worker goes on while this thread handles
            what it laid out."""
            worker = self.workers[slot]
            while number is not None and number != RETIRED:
                try:
                    log = logs[number] = worker.receive(stage)
                except ToolError as exc:
                    failures.append(_naming(exc, [jobs[number]]))
                    for other in self.workers:
                        other.kill()
                    return False
                with lock:
                    following = take(worker)
                if finished is not None:
                    finished(number, log)
                if more is not None:
                    with more_lock:  # one call at a time, its jobs added before the next call's
                        added = more(number, log)
                        with lock:  # the other workers wait only for the adding
                            for at, job in enumerate(added):
                                jobs.append(job)
                                enqueue(job, at)
                with lock:
                    done[0] += 1
                    if on_stage and not single:
                        on_stage("layout", done[0], len(jobs))
                    if following is None:  # ``more`` may have added some
                        following = take(worker)
                number = following
            return number == RETIRED

        import queue as queues

        ended: queues.Queue[tuple[int, bool]] = queues.Queue()

        crashed: list[BaseException] = []  # an error of ours (a driving thread's, ``opening``'s), raised here

        def stopped(exc: BaseException) -> None:
            crashed.append(exc)
            failures.append(ToolError("the PDF layout stopped", [sys.executable, "-m",
                                                                  "vimanual.pdf.worker"], None, ""))
            for other in self.workers:
                other.kill()

        def start(slot: int) -> None:
            """Drive worker ``slot`` in a thread of its own, its first job sent by this thread (so
            that the workers have their first jobs when ``opening`` is called)."""
            try:
                with lock:
                    number = take(self.workers[slot])
            except BaseException as exc:  # noqa: BLE001 - raised by ``run`` once all threads end
                stopped(exc)
                ended.put((slot, False))
                return

            def body() -> None:
                fresh = False
                try:
                    fresh = drive(slot, number)
                except BaseException as exc:  # noqa: BLE001 - raised by ``run`` once all threads end
                    stopped(exc)
                finally:
                    ended.put((slot, fresh))

            threading.Thread(target=body, name=f"vimanual-layout-{slot}", daemon=True).start()

        if on_stage and not single:
            on_stage("layout", 0, len(jobs))
        with more_lock:  # (a worker that is quick with its first job calls ``more`` after ``opening``)
            for slot in range(len(self.workers)):
                start(slot)
            running = len(self.workers)
            if opening is not None:
                try:
                    added = opening()
                    with lock:
                        for job in added:
                            jobs.append(job)
                            enqueue(job, len(queue))
                    while (len(self.workers) < min(self.size, len(jobs)) and not failures
                           and not self.timed_out.is_set()):
                        self.workers.append(new_worker(self.header))
                        start(len(self.workers) - 1)
                        running += 1
                except BaseException as exc:  # noqa: BLE001 - raised once all threads end
                    stopped(exc)
        while running:
            slot, fresh = ended.get()
            running -= 1
            if failures or self.timed_out.is_set():
                continue
            with lock:
                waiting = bool(queue)
            if fresh:
                # Started here, by the thread that lives on: a worker dies with the thread that
                # started it (``worker.die_with_parent``), and a driving thread ends.
                self.workers[slot] = Worker(self.header)
            if fresh or waiting:  # (a worker that found nothing to do before jobs were added)
                start(slot)
                running += 1
        for source in sources:
            source.unlink()
        if self.timed_out.is_set():
            late = [job for job, log in zip(jobs, logs, strict=True) if log is None]
            raise _naming(ToolError(f"WeasyPrint (PDF layout) did not finish within {self.timeout:g} s",
                                    [sys.executable, "-m", "vimanual.pdf.worker"], None, ""), late)
        if crashed:
            raise crashed[0]
        if failures:
            raise failures[0]
        return [log for log in logs if log is not None]


#: ``LayoutPool.run``: the worker is replaced before its next job.
RETIRED = -1

_CHAPTER_RE = re.compile(r'<article class="chapter" id="([a-z0-9][a-z0-9-]{0,63})"')


def _naming(error: ToolError, jobs: list[LayoutJob]) -> ToolError:
    """``error`` with the chapters of the documents it happened in named in front of it, so
    that a chapter the renderer cannot lay out (e.g. nested too deep) can be found."""
    slugs = sorted({slug for job in jobs for slug in _CHAPTER_RE.findall(job.html)})
    if slugs and len(slugs) <= 10:
        shown = ", ".join(f"chapters/{slug}.md" for slug in slugs)
        error.hint = f"it happened laying out {shown}; {error.hint}"
    return error
