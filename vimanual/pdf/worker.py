"""A layout worker: the child side of ``vimanual.pdf.weasy.LayoutPool``, run as
``python -m vimanual.pdf.worker PARENT_PID``, or forked from the fork server (``serve_forks``,
run with ``--fork-server FD``; pdf/workers.py is the parent's side of both). It reads a JSON
header line, then one job per line, and answers each with its pages, the URLs refused and its
resident memory (the pool replaces a worker that keeps growing: ``workers.Worker.grown``). Before
a build's first worker is forked, the server lays out a small document with the book's styles
(``warm_up``), so that every worker starts with them parsed."""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from pathlib import Path
from typing import NoReturn

from vimanual.pdf.libraries import libraries_found_once
from vimanual.pdf.markers import numbered_from_start, reuse_marker_layouts
from vimanual.pdf.weasy import FONT_SUBSETTER, render_pdf
from vimanual.pdf.workers import WARM_SECONDS


def die_with_parent(parent: int) -> None:
    """If the build that started this layout is killed, stop too (Linux), instead of
    finishing a PDF nobody will collect and writing into a folder being cleaned up."""
    from vimanual.tools.proc import bound_to

    if not bound_to(parent):  # the parent died before it took effect
        sys.exit(1)


def main() -> None:
    """``python -m vimanual.pdf.worker PARENT_PID``: a worker (``serve_jobs``); with
    ``--fork-server FD``, the process workers are forked from (pdf/workers.py)."""
    parent = int(sys.argv[1]) if len(sys.argv) > 1 else os.getppid()
    if len(sys.argv) > 3 and sys.argv[2] == "--fork-server":
        serve_forks(parent, int(sys.argv[3]))
        return
    die_with_parent(parent)
    serve_jobs()


def serve_jobs() -> None:
    """Child side of ``LayoutPool``: a JSON header line, then one job per line. WeasyPrint is
    imported first, while the parent is still preparing (a spare worker's header comes later)."""
    import json
    import resource

    with contextlib.suppress(Exception), libraries_found_once():  # a failure is reported by the first job
        import weasyprint  # noqa: F401 - imported now, while the parent prepares the jobs
    line = sys.stdin.readline()
    if not line:
        return  # a spare the build did not need
    header = json.loads(line)
    cap = int(header["memory_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))
    roots = [Path(root) for root in header["allowed_roots"]]
    markers = bool(header.get("markers_layout"))
    with contextlib.suppress(Exception):  # a failure is reported by the first job
        apply_header(header)
    settle_imports()

    def stage(name: str, done: int, total: int) -> None:
        print(json.dumps({"stage": name, "done": done, "total": total}), flush=True)

    libraries: dict[str, str] = {}
    for line in sys.stdin:
        request = json.loads(line)
        html = Path(request["html"]).read_text(encoding="utf-8")
        log = render_pdf(
            numbered_from_start(html) if markers else html,
            Path(header["base_dir"]),
            roots,
            Path(request["target"]),
            stage,
            tagged=bool(request["tagged"]),
            identifier=request.get("identifier"),
            font_subsetter=str(header.get("font_subsetter", FONT_SUBSETTER)),
        )
        trim()
        libraries = libraries or text_libraries()
        print(json.dumps({"pages": log.pages, "refused": log.refused, "resident": resident_mib(),
                          "libraries": libraries}), flush=True)


def apply_header(header: dict[str, object]) -> None:
    """Our changes to WeasyPrint, on or off as the pool's header says (``LayoutPool.header``); a
    page's empty margins are skipped, pages of one kind share their styles, lines of text drawn
    from their glyphs read at once and font files written once always (the same bytes:
    pdf/emptymargins.py, pdf/pagestyles.py, pdf/glyphruns.py, pdf/fontfiles.py, which keeps
    them in the pool's folder)."""
    from vimanual.pdf.emptymargins import skip_empty_margins
    from vimanual.pdf.fontfiles import fonts_written_once
    from vimanual.pdf.glyphruns import quick_glyph_runs
    from vimanual.pdf.leaders import one_run_leaders
    from vimanual.pdf.pagestyles import share_page_styles

    one_run_leaders(bool(header.get("one_run_leaders")))
    reuse_marker_layouts(bool(header.get("markers_layout")))
    skip_empty_margins(True)
    share_page_styles(True)
    quick_glyph_runs(True)
    folder = header.get("font_folder")
    fonts_written_once(Path(str(folder)) if folder else None)


#: The body of the fork server's warm-up document (``warm_up``): a little of each thing a
#: chapter holds, so that what WeasyPrint and its bindings set up on first use is set up once.
WARM_BODY = (
    '<body><main><section class="chapter"><header class="chapter-head"><h1>Warm up</h1></header>'
    '<h2>Section</h2><h3>Part</h3><p>Text <em>in</em> <strong>kinds</strong>, <code>code</code>, '
    '<a href="#w">a link</a><span class="footnote">A note.</span></p>'
    "<ul><li>One<ul><li>Nested</li></ul></li></ul><ol><li>First</li><li>Second</li></ol>"
    "<blockquote><p>Quoted.</p></blockquote><pre><code>line\n</code></pre>"
    "<table><caption>Table</caption><thead><tr><th>Head</th></tr></thead>"
    '<tbody><tr><td id="w">Cell</td></tr></tbody></table></section></main></body></html>'
)


def warm_up(fd: int) -> bool:
    """In the fork server: lay out a small document with the book's styles (read from ``fd``,
    JSON: the pool's header and the documents' head), so that each worker forked afterwards
    starts with them parsed (pdf/sheets.py) and WeasyPrint's first-use set-up done: a forked
    worker's first document took 50-80 ms more than its next ones, 20 ms after this. Bounded
    as a worker is (its memory cap, and ``WARM_SECONDS``); False if it did not finish."""
    import json
    import resource
    import signal

    def out_of_time(*_: object) -> None:
        raise TimeoutError("warm-up")

    limit = resource.getrlimit(resource.RLIMIT_DATA)
    previous = signal.signal(signal.SIGALRM, out_of_time)
    try:
        with os.fdopen(os.dup(fd), encoding="utf-8") as handle:
            request = json.load(handle)
        header = request["header"]
        cap = int(header["memory_mb"]) * 1024 * 1024
        unlimited = limit[1] == resource.RLIM_INFINITY  # (-1 on Linux: min() would keep it)
        resource.setrlimit(resource.RLIMIT_DATA, (cap if unlimited else min(cap, limit[1]), limit[1]))
        signal.setitimer(signal.ITIMER_REAL, WARM_SECONDS)
        apply_header(header)
        render_pdf(str(request["head"]) + WARM_BODY, Path(header["base_dir"]),
                   [Path(root) for root in header["allowed_roots"]], Path(os.devnull), tagged=False,
                   font_subsetter=str(header.get("font_subsetter", FONT_SUBSETTER)))
        return True
    except Exception:  # noqa: BLE001 - a warm-up only: the workers lay out (and report) as before
        return False
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_DATA, limit)
        settle_imports()


def settle_imports() -> None:
    """Leave what is loaded so far (WeasyPrint, its libraries' bindings, the stylesheets it
    parsed once) out of every later garbage collection (``gc.freeze``): those objects live
    as long as the worker. The collections during a layout, and ``trim``'s after it, then
    walk only the document's objects; and a forked worker's collections no longer write to
    the server's objects, which made the kernel copy their pages into every worker."""
    import gc

    gc.collect()
    gc.freeze()


def trim() -> None:
    """Give a laid-out document's memory back: WeasyPrint's boxes hold reference cycles, and
    glibc keeps freed memory in its heap. Without this a worker's resident size rose from one
    chapter's (76 MiB) to 95 MiB within four documents; with it, 80 MiB after thirty."""
    import gc

    from vimanual.tools.proc import give_back_memory

    gc.collect()
    give_back_memory()


def text_libraries() -> dict[str, str]:
    """Pango's version and the newest HarfBuzz release the loaded library is at least, as
    WeasyPrint loaded them (WeasyPrint declares no function that tells HarfBuzz's exactly).
    A worker reports them with each result (``workers.TEXT_LIBRARIES``): a release records
    them without importing WeasyPrint itself."""
    from weasyprint.text import ffi

    packed = int(ffi.pango.pango_version())
    found = {"pango": f"{packed // 10000}.{packed // 100 % 100}.{packed % 100}"}
    major = next((m for m in range(30, 0, -1) if ffi.harfbuzz.hb_version_atleast(m, 0, 0)), 0)
    minor = next((n for n in range(40, -1, -1) if ffi.harfbuzz.hb_version_atleast(major, n, 0)), 0)
    found["harfbuzz"] = f"{major}.{minor}"
    return found


def resident_mib() -> float | None:
    """This process's resident memory in MiB (Linux), else None."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return None


def serve_forks(parent: int, fd: int) -> None:
    """The server (socket ``fd``): fork a worker for each ``fork``, report each worker's end
    when asked. It ends when the parent closes its socket (or dies)."""
    die_with_parent(parent)
    server = socket.socket(fileno=fd)
    with contextlib.suppress(Exception):  # a failure is reported by the first job
        with libraries_found_once():
            import weasyprint  # noqa: F401 - the point of the server: imported once, for every worker

        from vimanual.pdf import leaders  # noqa: F401

        # A worker's first document paid about 50 ms more than its next ones (Pango,
        # fontconfig and the PDF writer starting up), and every fork is a first document:
        # one small document here, before any fork, and each fork starts warm. (Which
        # worker lays out a document, and after what, does not change its bytes: tested.)
        weasyprint.HTML(string="<p>vimanual</p>").write_pdf()
    settle_imports()
    quiet = os.open(os.devnull, os.O_WRONLY)  # nobody reads the server's own output
    for target in (1, 2):
        os.dup2(quiet, target)
    os.close(quiet)
    me = os.getpid()
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(server, 256, 3)
        except OSError:
            return
        if not data:
            return
        command, *args = data.decode("ascii", "replace").split() or [""]
        answer = "error"  # every request is answered: the parent waits for it
        try:
            if command == "fork" and len(fds) == 3:
                pid = os.fork()
                if pid == 0:
                    server.close()
                    _become_worker(fds, me)
                answer = f"pid {pid}"
            elif command == "warm" and len(fds) == 1:
                answer = "warm" if warm_up(fds[0]) else "cold"
            elif command in ("wait", "poll") and len(args) == 1 and args[0].isdigit():
                answer = _reap(int(args[0]), command == "wait")
        except OSError:  # the fork failed (no memory, too many processes): the parent spawns
            pass
        finally:
            for fd in fds:
                os.close(fd)
        server.send(answer.encode("ascii"))


def _reap(pid: int, block: bool) -> str:
    try:
        found, status, usage = os.wait4(pid, 0 if block else os.WNOHANG)
    except ChildProcessError:
        return "exit 9 0"  # reaped already (or never ours): as killed, its usage gone
    if found == 0:
        return "running"
    return f"exit {status} {usage.ru_maxrss}"


def _become_worker(fds: list[int], server: int) -> NoReturn:
    """In the forked child of ``server``: the worker, on the pipes it was given; never returns."""
    import traceback

    code = 1
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115 - the process's own
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        die_with_parent(server)
        serve_jobs()
        code = 0
    except BaseException:  # noqa: BLE001 - reported on stderr, as a spawned worker's would be
        with contextlib.suppress(Exception):
            traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


if __name__ == "__main__":
    main()
