"""Layout workers that keep growing are replaced by fresh ones (pdf/workers.py, ``Worker.grown``):
WeasyPrint leaves about half a MiB a document in its process. A build whose workers are
replaced after every document makes the same book, the replacements lay out the rest (they
are started by the thread that outlives them: a worker dies with the thread that started
it), and none is left running after the build. Where workers are forked, the contents (a
piece of it takes 16 MiB more than a chapter) is laid out by a worker that has laid out
nothing else (``LayoutJob.fresh``). Before the first worker is forked, the fork server lays out a
small document with the book's styles (``worker.warm_up``): the book is the same bytes, and a
warm-up that fails leaves the server forking as before."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pypdf
import pytest

from tests.helpers import build_file_tree, chapter_md, manual_yaml, ok
from vimanual.pdf import weasy, workers

CHAPTERS = 6


def _workspace(root: Path) -> Path:
    slugs = [f"part-{n}" for n in range(1, CHAPTERS + 1)]
    return build_file_tree(root, {
        "manual.yaml": manual_yaml(chapters=slugs),
        "chapters": {f"{slug}.md": chapter_md(f"Chapter {slug} procedures",
                                              f"## Steps {{#{slug}-steps}}\n\nSample text of {slug}.\n\n")
                     for slug in slugs},
    })


def _workers_running() -> list[int]:
    """Layout workers (spawned, forked, or the fork server) this process started, still running."""
    from tests.test_security_processes import descendants, process_table

    found = []
    for child in descendants(os.getpid(), process_table()):
        try:
            command = Path(f"/proc/{child.pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "vimanual.pdf.worker" in command and child.state != "Z":
            found.append(child.pid)
    return found


def _build(ws: Path, recycle: float | None, out: str, refreshed: list[int] | None = None) -> tuple[Path, int]:
    """Build ``ws`` into ``out`` with one worker (``recycle``: RECYCLE_MIB for the build); the
    PDF and how many workers were replaced for growing (``refreshed``: gets how many were
    replaced for a job that asks for a fresh one)."""
    recycled: list[int] = []
    real_exit = weasy.LayoutPool.__exit__

    def noted(self: weasy.LayoutPool, *exc: Any) -> None:
        recycled.append(self.recycled)
        if refreshed is not None:
            refreshed.append(self.refreshed)
        real_exit(self, *exc)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(weasy.LayoutPool, "__exit__", noted)
        if recycle is not None:
            patch.setattr(workers, "RECYCLE_MIB", recycle)
            patch.setattr(workers, "RECYCLE_AFTER", 1)
        ok("-C", ws, "build", "--format", "pdf", "--jobs", "1", "--no-cache", "-o", ws / out)
    return ws / out / "manual.pdf", sum(recycled)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="resident memory is read from /proc")
def test_workers_replaced_after_every_document_make_the_same_book(tmp_path: Path) -> None:
    ws = _workspace(tmp_path / "ws")
    usual, kept = _build(ws, None, "usual")
    fresh, replaced = _build(ws, -1.0, "fresh")  # every worker counts as grown after its second job
    assert kept == 0  # a worker that laid out as few documents as a small book's is kept
    assert replaced >= 3
    before, after = pypdf.PdfReader(usual), pypdf.PdfReader(fresh)
    assert len(after.pages) == len(before.pages)
    assert [page.extract_text() for page in after.pages] == [page.extract_text() for page in before.pages]
    text = " ".join(page.extract_text() for page in after.pages)
    assert all(f"Sample text of part-{n}" in text for n in range(1, CHAPTERS + 1))
    assert _workers_running() == []


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="resident memory is read from /proc")
def test_the_contents_is_laid_out_by_a_fresh_worker(tmp_path: Path) -> None:
    ws = _workspace(tmp_path / "ws")
    refreshed: list[int] = []
    pdf, recycled = _build(ws, None, "out", refreshed)
    assert recycled == 0
    # forked workers (Linux): the one worker is replaced for the contents
    assert sum(refreshed) >= 1, refreshed
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    assert "Contents" in text and "Chapter part-6 procedures" in text
    assert _workers_running() == []


def test_the_fork_server_warms_up_once_with_the_books_styles_and_the_book_is_the_same(tmp_path: Path) -> None:
    """Before it forks a build's first worker, the fork server lays out a small document with
    the book's styles (``worker.warm_up``), which its workers then start with; the book they
    make is the same bytes as without."""
    ws = _workspace(tmp_path / "ws")
    answers: list[bool] = []
    real_warm = workers.ForkServer.warm

    def noted(self: workers.ForkServer, request: Path) -> bool:
        answers.append(real_warm(self, request))
        return answers[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(workers.ForkServer, "warm", noted)
        warmed, _ = _build(ws, None, "warmed")
    if not answers:
        pytest.skip("workers are spawned here, not forked")
    assert answers == [True]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(weasy.LayoutPool, "_warm", lambda self, html: None)
        cold, _ = _build(ws, None, "cold")
    assert warmed.read_bytes() == cold.read_bytes()
    assert _workers_running() == []


def test_a_warm_up_the_server_cannot_read_is_answered_and_it_forks_as_before(tmp_path: Path) -> None:
    server = workers.start_server()
    if server is None:
        pytest.skip("workers are spawned here, not forked")
    request = tmp_path / "warm-up.json"
    request.write_text('{"header": {"memory_mb": "many"}', encoding="utf-8")
    assert server.warm(request) is False
    assert workers.running_server() is server
    ws = _workspace(tmp_path / "ws")
    pdf, _ = _build(ws, None, "out")  # its pool forks from the same server, which it ends
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    assert "Sample text of part-6" in text
    assert _workers_running() == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the fork server's warm-up runs in a forked process")
def test_the_warm_up_is_held_to_the_pools_memory_cap(tmp_path: Path) -> None:
    """``worker.warm_up`` lays out the workspace's styles (untrusted): within the pool's memory
    cap, as a worker would, and the server's own limit is given back after."""
    import json
    import resource

    from vimanual.pdf import worker

    def warm(memory_mb: int) -> int:
        request = tmp_path / f"warm-{memory_mb}.json"
        request.write_text(json.dumps({"header": {
            "memory_mb": memory_mb, "base_dir": str(tmp_path), "allowed_roots": [str(tmp_path)]},
            "head": "<html><head><style>p { color: #333 }</style></head>"}), encoding="utf-8")
        pid = os.fork()
        if pid == 0:  # the child stands for the fork server
            code = 3
            try:
                before = resource.getrlimit(resource.RLIMIT_DATA)
                fd = os.open(request, os.O_RDONLY)
                warmed = worker.warm_up(fd)
                code = (0 if warmed else 1) if resource.getrlimit(resource.RLIMIT_DATA) == before else 2
            finally:
                os._exit(code)
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])

    assert warm(2048) == 0  # laid out, the limit as it was
    assert warm(1) == 1  # a cap of 1 MB: it could not lay out, and says so; the limit as it was


def _pool_jobs(tmp_path: Path, count: int) -> list[weasy.LayoutJob]:
    from tests.pdfhtml import bundled_styles_document

    return [weasy.LayoutJob(bundled_styles_document(f"<h1>Part {n}</h1><p>Sample text of part {n}.</p>"),
                            tmp_path / f"part-{n}.pdf", tagged=False) for n in range(count)]


def test_the_next_document_is_laid_out_while_the_pool_handles_the_last(tmp_path: Path) -> None:
    """A worker is sent its next document as soon as it has laid one out: what the pool does with
    that one (``finished``: the build keeps it in its cache) no longer keeps the worker waiting."""
    import time

    from vimanual.book.plan import DEFAULT_STYLES

    jobs = _pool_jobs(tmp_path, 3)
    seen_while_handling: list[bool] = []

    def finished(number: int, log: Any) -> None:
        if number == 0:  # with one worker: the second document is laid out meanwhile
            until = time.monotonic() + 60
            while not jobs[1].target.exists() and time.monotonic() < until:
                time.sleep(0.02)
            seen_while_handling.append(jobs[1].target.exists())

    try:
        with weasy.LayoutPool(DEFAULT_STYLES, [DEFAULT_STYLES], 1, 300, 1024, tmp_path) as pool:
            logs = pool.run(jobs, finished=finished)
    finally:
        workers.end_spare_workers()  # the fork server, as a build ends it
    assert seen_while_handling == [True]
    assert [log.pages for log in logs] == [1, 1, 1]
    for n, job in enumerate(jobs):
        assert f"Sample text of part {n}." in pypdf.PdfReader(job.target).pages[0].extract_text()
    assert _workers_running() == []


@pytest.mark.parametrize("hook", ["more", "opening"])
def test_an_error_of_the_pool_s_own_stops_the_layout_and_is_raised(tmp_path: Path, hook: str) -> None:
    """An error in what the pool calls as documents finish, or once the workers have their first
    (a bug of ours), is raised by ``run`` once every driving thread has ended; it used to end its
    thread silently, the documents that thread would have laid out missing from what ``run``
    returned."""
    from vimanual.book.plan import DEFAULT_STYLES

    def failing(*_: Any) -> list[weasy.LayoutJob]:
        raise RuntimeError("a bug in the caller")

    try:
        with weasy.LayoutPool(DEFAULT_STYLES, [DEFAULT_STYLES], 2, 300, 1024, tmp_path) as pool, \
                pytest.raises(RuntimeError, match="a bug in the caller"):
            pool.run(_pool_jobs(tmp_path, 4), **{hook: failing})
    finally:
        workers.end_spare_workers()
    assert _workers_running() == []


def test_the_fork_server_warms_up_while_the_chapters_are_prepared(tmp_path: Path) -> None:
    """A build with many chapters to lay out has the fork server warm up with the book's styles
    as soon as its plan is made (``LayoutPool.warm_soon``), not when the first document is ready:
    the chapters' HTML is prepared meanwhile. Asked once; the book is as before."""
    import threading

    from vimanual.book import chapters

    ws = _workspace(tmp_path / "ws")
    asked = threading.Event()
    heads: list[str] = []
    seen: dict[str, bool] = {}
    real_warm, real_render = workers.ForkServer.warm, chapters.render_chapters

    def warm(self: workers.ForkServer, request: Path) -> bool:
        import json

        heads.append(json.loads(request.read_text(encoding="utf-8"))["head"])
        asked.set()
        return real_warm(self, request)

    def render(*args: Any, **kwargs: Any) -> Any:
        seen["asked"] = asked.wait(timeout=30)  # asked before the chapters are even sanitized
        return real_render(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(workers.ForkServer, "warm", warm)
        patch.setattr(chapters, "render_chapters", render)
        pdf, _ = _build(ws, None, "out")
    if not heads:
        pytest.skip("workers are spawned here, not forked")
    assert seen == {"asked": True}
    assert len(heads) == 1
    assert "Manual Serif" in heads[0] and "@page" in heads[0] and "<body" not in heads[0]  # the styles
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    assert "Sample text of part-6" in text
    assert _workers_running() == []


def test_what_opening_adds_is_asked_while_the_workers_lay_out_and_an_idle_one_takes_it(
        tmp_path: Path) -> None:
    """``opening`` (what can be prepared beside the layouts: after a one-chapter edit, the
    contents taken from the cache) is called once the workers have their first documents, not
    before; the documents it adds are laid out, and a worker that had nothing to do when the
    layout began takes its share of them (its driving thread had ended: it is started again)."""
    import time

    from vimanual.book.plan import DEFAULT_STYLES

    jobs = _pool_jobs(tmp_path, 5)
    sent: list[tuple[int, str]] = []  # (worker, document) as each is sent
    real_send = workers.Worker.send

    def send(self: workers.Worker, request: dict[str, object]) -> None:
        sent.append((id(self), Path(str(request["target"])).name))
        real_send(self, request)

    seen: dict[str, object] = {}

    def opening() -> list[weasy.LayoutJob]:
        until = time.monotonic() + 60
        while not jobs[0].target.exists() and time.monotonic() < until:
            time.sleep(0.02)
        seen["laid out meanwhile"] = jobs[0].target.exists()
        return jobs[1:]

    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(workers.Worker, "send", send)
            with weasy.LayoutPool(DEFAULT_STYLES, [DEFAULT_STYLES], 2, 300, 1024, tmp_path) as pool:
                logs = pool.run(jobs[:1], opening=opening)
    finally:
        workers.end_spare_workers()
    assert seen == {"laid out meanwhile": True}
    assert [log.pages for log in logs] == [1] * 5
    for n, job in enumerate(jobs):
        assert f"Sample text of part {n}." in pypdf.PdfReader(job.target).pages[0].extract_text()
    assert sorted(name for _, name in sent) == sorted(job.target.name for job in jobs)
    assert len({worker for worker, _ in sent}) == 2  # both workers laid out what opening added
    assert _workers_running() == []


def test_a_worker_whose_thread_ended_takes_what_opening_adds(tmp_path: Path) -> None:
    """Both workers have laid out their document, and found nothing more to do, before
    ``opening`` returns: each is driven again for what it adds (else nothing would lay it out)."""
    import threading
    import time

    from vimanual.book.plan import DEFAULT_STYLES

    jobs = _pool_jobs(tmp_path, 6)

    def driving() -> list[str]:
        return [thread.name for thread in threading.enumerate() if thread.name.startswith("vimanual-layout-")]

    seen: dict[str, object] = {}

    def opening() -> list[weasy.LayoutJob]:
        until = time.monotonic() + 60
        while (driving() or not all(job.target.exists() for job in jobs[:2])) and time.monotonic() < until:
            time.sleep(0.02)
        seen["threads left"] = driving()
        return jobs[2:]

    try:
        with weasy.LayoutPool(DEFAULT_STYLES, [DEFAULT_STYLES], 2, 300, 1024, tmp_path) as pool:
            logs = pool.run(jobs[:2], opening=opening)
    finally:
        workers.end_spare_workers()
    assert seen == {"threads left": []}
    assert [log.pages for log in logs] == [1] * 6
    for n, job in enumerate(jobs):
        assert f"Sample text of part {n}." in pypdf.PdfReader(job.target).pages[0].extract_text()
    assert _workers_running() == []

