"""The layout workers' processes, the parent's side: forked from a fork server, or spawned.

A layout worker (``Worker``; its own side is pdf/worker.py) used to be a new Python process
that imported WeasyPrint, about a second of CPU, so replacing a worker whose memory had grown
(``Worker.grown``) was dear, and every build paid the import once a worker. The fork server
imports WeasyPrint once, while the build checks and converts the chapters; each worker is
then a fork of it, ready in a few milliseconds, speaking the worker protocol on its own three
pipes. So the pool can replace its workers often and keep each one's memory near one
chapter's.

Linux only (``os.fork``, file descriptors passed over a Unix socket): elsewhere, or if the
server cannot start, each worker is spawned as before.

The protocol, one datagram a message on a SOCK_SEQPACKET socket pair (the server's end is
passed to it, its number on its command line): ``fork`` with three file descriptors (the
worker's stdin, stdout, stderr), answered ``pid N``; ``wait N`` (block) or ``poll N`` (do
not), answered ``exit STATUS MAXRSS`` (as ``os.wait4`` gives them) or ``running``.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from vimanual.base.errors import ToolError


@dataclass
class FetchLog:
    """URLs the renderer asked for and was refused, for the build report; and the pages."""

    refused: list[str] = field(default_factory=list)
    pages: int = 0


class ForkServer:
    """The parent's side: the server process and its socket (one request at a time)."""

    def __init__(self) -> None:
        from vimanual.tools import proc

        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.socket = ours
        self.lock = threading.Lock()
        try:
            self.proc = proc.spawn([sys.executable, "-m", "vimanual.pdf.worker", str(os.getpid()),
                                    "--fork-server", str(theirs.fileno())], pass_fds=(theirs.fileno(),))
        finally:
            theirs.close()

    def _ask(self, message: str, fds: list[int] | None = None, timeout: float | None = None) -> str:
        with self.lock:
            if fds:
                socket.send_fds(self.socket, [message.encode("ascii")], fds)
            else:
                self.socket.send(message.encode("ascii"))
            self.socket.settimeout(timeout)
            try:
                answer = self.socket.recv(256).decode("ascii")
            finally:
                self.socket.settimeout(None)
        if not answer:
            raise OSError("the layout fork server has ended")
        return answer

    def warm(self, request: Path) -> bool:
        """Have the server lay out the warm-up document that ``request`` describes before it forks
        more workers (worker.warm_up); True if it did. A server that does not answer in time
        is ended (the next worker starts a new one)."""
        fd = os.open(request, os.O_RDONLY)
        try:
            return self._ask("warm", [fd], WARM_SECONDS + 5) == "warm"
        except OSError:  # (socket.timeout is one)
            end_server()
            return False
        finally:
            os.close(fd)

    def fork(self) -> Forked:
        """A new worker, forked from the server, with pipes to this process."""
        pipes = [os.pipe() for _ in range(3)]  # (read, write): stdin, stdout, stderr
        theirs = [pipes[0][0], pipes[1][1], pipes[2][1]]
        try:
            answer = self._ask("fork", theirs)
        except BaseException:
            for fd in (pipes[0][1], pipes[1][0], pipes[2][0]):
                os.close(fd)
            raise
        finally:
            for fd in theirs:  # the worker has its own copies now
                os.close(fd)
        if not answer.startswith("pid "):  # the server could not fork: the caller spawns a worker
            for fd in (pipes[0][1], pipes[1][0], pipes[2][0]):
                os.close(fd)
            raise OSError(f"the layout fork server answered {answer[:40]!r}")
        return Forked(self, int(answer.split()[1]), os.fdopen(pipes[0][1], "w", encoding="utf-8"),
                      os.fdopen(pipes[1][0], encoding="utf-8"), os.fdopen(pipes[2][0], encoding="utf-8"))

    def status(self, pid: int, block: bool) -> tuple[int, int] | None:
        """(exit code, peak resident bytes) of worker ``pid`` once it has ended, else None."""
        answer = self._ask(f"{'wait' if block else 'poll'} {pid}").split()
        if answer[0] == "error":
            raise OSError(f"the layout fork server cannot tell how worker {pid} ended")
        if answer[0] != "exit":
            return None
        return os.waitstatus_to_exitcode(int(answer[1])), int(answer[2]) * 1024

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        """End the server (and with it any worker still running: they die with it)."""
        from vimanual.tools import proc

        with contextlib.suppress(OSError):
            self.socket.close()
        proc.kill(self.proc)


class Forked:
    """A forked worker, as much of ``subprocess.Popen`` as a layout worker's owner uses."""

    def __init__(self, server: ForkServer, pid: int, stdin: IO[str], stdout: IO[str], stderr: IO[str]):
        self.server, self.pid = server, pid
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self.returncode: int | None = None
        self.peak = 0  # its peak resident bytes, once it has ended

    def _ended(self, block: bool) -> bool:
        if self.returncode is None:
            try:
                found = self.server.status(self.pid, block)
            except OSError:  # the server ended: so did the worker (it dies with it)
                found = (-9, 0)
            if found is not None:
                self.returncode, self.peak = found
        return self.returncode is not None

    def poll(self) -> int | None:
        self._ended(False)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        import subprocess

        if timeout is None:
            self._ended(True)
        else:
            deadline = time.monotonic() + timeout
            while not self._ended(False):
                if time.monotonic() > deadline:
                    raise subprocess.TimeoutExpired(["layout worker", str(self.pid)], timeout)
                time.sleep(0.01)
        assert self.returncode is not None
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)


_SERVER: list[ForkServer] = []


def start_server() -> ForkServer | None:
    """The fork server, started now if it is not running; None where workers cannot be forked.
    Start it from a thread that lives as long as the workers (see ``worker.die_with_parent``)."""
    if not hasattr(os, "fork") or not hasattr(socket, "send_fds") or not sys.platform.startswith("linux"):
        return None
    if _SERVER and _SERVER[0].alive():
        return _SERVER[0]
    end_server()
    try:
        _SERVER.append(ForkServer())
    except OSError:
        return None
    return _SERVER[0]


def running_server() -> ForkServer | None:
    return _SERVER[0] if _SERVER and _SERVER[0].alive() else None


def end_server() -> None:
    while _SERVER:
        _SERVER.pop().close()


#: A layout worker that keeps this many MiB more than the pool's freshest one did after its
#: first document is replaced by a fresh one (``Worker.grown``): at once if it is forked
#: (a few milliseconds; with 3, bench/memory.py's largest worker was 73 MiB at 500, 1,000
#: and 2,000 pages, against 73, 76 and 73 with 6) ...
RECYCLE_MIB = 3
#: ... else once it has laid out more than this many documents: a spawned worker takes about
#: a second to import WeasyPrint, and replacing after 8 cost the generated 629-page draft 3.6 s
#: of a 21-27 s cold build for 5 MiB less at its peak; after 40, only a long book's workers are.
RECYCLE_AFTER = 40

#: At most this long for the fork server's warm-up (worker.warm_up), whatever the workspace's
#: styles ask of it; the parent waits a little longer for its answer (``ForkServer.warm``).
WARM_SECONDS = 10

#: How WeasyPrint (70) fails on an outside list marker given its own content by the styles.
MARKER_CONTENT_FAILURE = "min-content width for TextBox not handled yet"

#: Pango's and HarfBuzz's versions as the layout workers loaded them (``worker.text_libraries``).
TEXT_LIBRARIES: dict[str, str] = {}


class Worker:
    """One layout child process: a JSON header, then one JSON job per line on stdin;
    progress and one result line per job on stdout."""

    def __init__(self, header: dict[str, object] | None) -> None:
        from vimanual.tools import proc

        self.command = [sys.executable, "-m", "vimanual.pdf.worker", str(os.getpid())]
        self.memory_mb = 0
        self.resident: list[float] = []  # its resident MiB after each job (Linux)
        self.unsent = 0  # jobs it could not be sent (it had ended)
        # Forked from the fork server if it runs, else spawned: bound to this process (a forked
        # one through the server) by the one runner (its own process group, killed with the
        # tool). The worker caps its own memory once it has read the header (a spare worker is
        # started before the header is known: ``adopt``).
        server = running_server()
        self.proc: Any = None  # a subprocess.Popen, or a Forked
        with contextlib.suppress(OSError):
            self.proc = server.fork() if server is not None else None
        self.forked = isinstance(self.proc, Forked)
        self.proc = self.proc or proc.spawn(self.command, text=True)
        if header is not None:
            self.adopt(header)
        # stderr is read all along, keeping its tail: a worker whose stderr fills the pipe (a
        # RecursionError's thousand-frame traceback, WeasyPrint's warnings) would otherwise
        # block writing it while this side waits for its stdout, until the pool's time limit.
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=200)
        self.reader = threading.Thread(target=self._read_stderr, daemon=True)
        self.reader.start()

    def adopt(self, header: dict[str, object]) -> None:
        """Send the worker its header: the folders it may read, its memory cap, how to subset."""
        import json

        assert self.proc.stdin is not None
        self.memory_mb = int(str(header["memory_mb"]))
        with contextlib.suppress(OSError, ValueError):  # a worker that died says so at its first job
            self.proc.stdin.write(json.dumps(header) + "\n")
            self.proc.stdin.flush()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        with contextlib.suppress(OSError, ValueError):
            for line in self.proc.stderr:
                self.stderr_tail.append(line)

    def run(self, request: dict[str, object], stage: Callable[[str, int, int], None]) -> FetchLog:
        self.send(request)
        return self.receive(stage)

    def send(self, request: dict[str, object]) -> None:
        """Give the worker its next job; it starts on it once it has answered the one before
        (``receive``), so the pool can send the next job before it has handled this one's answer."""
        import json

        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):  # it has ended: ``receive`` says how
            self.unsent += 1

    def receive(self, stage: Callable[[str, int, int], None]) -> FetchLog:
        """The answer to the oldest job sent and not yet answered (its progress to ``stage``)."""
        import json

        assert self.proc.stdout is not None
        try:
            if self.unsent:
                raise BrokenPipeError
            for line in self.proc.stdout:
                message = json.loads(line)
                if "stage" in message:
                    stage(message["stage"], message["done"], message["total"])
                elif "pages" in message:
                    refused = message["refused"]
                    TEXT_LIBRARIES.update(message.get("libraries") or {})
                    if message.get("resident"):
                        self.resident.append(float(message["resident"]))
                    return FetchLog(refused=list(refused), pages=int(message["pages"]))
        except (BrokenPipeError, ValueError):
            pass
        raise self._failure()

    def grown(self, fresh: float) -> bool:
        """Whether the worker keeps RECYCLE_MIB more than ``fresh`` (a fresh worker after its
        first job), once forked, else after more than RECYCLE_AFTER jobs: WeasyPrint leaves
        about half a MiB a document in the process, and a long document (the contents) can
        leave 16 MiB, so a worker would end at half as much again as one chapter needs."""
        return ((self.forked or len(self.resident) > RECYCLE_AFTER)
                and self.resident[-1] - fresh > RECYCLE_MIB)

    def _failure(self) -> Exception:

        assert self.proc.stderr is not None
        with contextlib.suppress(OSError, ValueError):
            self.proc.stdin.close()  # type: ignore[union-attr]
        if self.forked:  # its parent is the fork server, which reaps it
            code, peak = self.proc.wait(), self.proc.peak  # type: ignore[union-attr]
        else:
            try:
                _, status, usage = os.wait4(self.proc.pid, 0)
                self.proc.returncode = code = os.waitstatus_to_exitcode(status)
                peak = usage.ru_maxrss * 1024
            except ChildProcessError:
                # Reaped already: the pool's time limit killed it, and Popen.kill() polls (and
                # so reaps) a child that died of the SIGKILL to its group first. Usage gone.
                code, peak = (self.proc.returncode if self.proc.returncode is not None else -9), 0
        self.reader.join(timeout=10)
        stderr = "".join(self.stderr_tail)
        # Running into RLIMIT_DATA shows as assorted failures (MemoryError, GLib aborts,
        # SystemError); the peak resident size near the cap is what tells them apart.
        near_cap = peak >= 0.8 * self.memory_mb * 1024 * 1024
        if near_cap or "MemoryError" in stderr:
            return ToolError(f"WeasyPrint (PDF layout) exceeded the {self.memory_mb} MB memory cap",
                             self.command, code, stderr)
        if "RecursionError" in stderr:
            error = ToolError("WeasyPrint (PDF layout) of text nested too deeply", self.command, code,
                              stderr.strip().splitlines()[-1])
            error.hint = ("something in the chapter is nested too deeply (lists, quotes, or emphasis "
                          "and links inside one another): flatten it; " + error.hint)
            return error
        if MARKER_CONTENT_FAILURE in stderr:
            error = ToolError("WeasyPrint (PDF layout) of a list marker given its own content", self.command,
                              code, stderr.strip().splitlines()[-1])
            error.hint = ("the styles give list markers content ('::marker { content: … }' in styles/), "
                          "which WeasyPrint cannot lay out outside the item: remove that 'content' "
                          "(the marker's text comes from 'list-style-type'); " + error.hint)
            return error
        return ToolError("WeasyPrint (PDF layout)", self.command, code, stderr)

    def kill(self) -> None:
        from vimanual.tools import proc

        proc.kill(self.proc, reap=False)  # reaped by _failure or close

    def end_input(self) -> None:
        """Tell the worker there are no more jobs: it exits (``close`` reaps it)."""
        with contextlib.suppress(OSError, ValueError):
            self.proc.stdin.close()  # type: ignore[union-attr]

    def close(self) -> None:
        self.end_input()
        try:
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001 - a worker that will not end is killed
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.close()  # type: ignore[union-attr]
        from vimanual.tools import proc

        proc.forget(self.proc)


#: Workers started before a build knows it needs them (``start_spare_worker``).
_SPARES: list[Worker] = []


def start_spare_worker(wanted: bool = True) -> None:
    """Start the fork server now, before the build is planned: it imports
    WeasyPrint (about a second) while the build checks and converts the chapters, and the
    build's pool forks its workers from it. Where workers cannot be forked, start a layout
    worker instead, which the build's pool takes up (``new_worker``). ``end_spare_workers``
    ends both. (Like every worker, they are bound to this process and end with it.)"""
    if wanted and start_server() is None and not _SPARES:
        _SPARES.append(Worker(None))


def end_spare_workers() -> None:
    """End the spare workers no pool took up (a build with nothing to lay out, or refused),
    and the fork server, once the build's pools have ended."""
    while _SPARES:
        spare = _SPARES.pop()
        spare.kill()  # it has no job, and may still be importing WeasyPrint: no need to wait
        spare.close()
    end_server()


def new_worker(header: dict[str, object]) -> Worker:
    """A worker for a pool: a spare one if there is one still running, else a new one (forked
    from the fork server, started now if it is not running: the pool starts its workers from
    the thread that waits for them)."""
    if not _SPARES:
        start_server()
    while _SPARES:
        spare = _SPARES.pop()
        if spare.proc.poll() is None:
            spare.adopt(header)
            return spare
        spare.close()
    return Worker(header)
