"""The one way vimanual starts a child process: bounded in time and memory, and never
outliving the tool that started it.

Every child (pandoc, git, the PDF layout workers) is started here, so that:

- it runs in its own process group (its own session), which is killed as a whole when
  its time is up, when the tool is interrupted, or when the interpreter exits;
- it receives SIGKILL from the kernel the moment the thread that started it dies
  (Linux ``PR_SET_PDEATHSIG``), even when the tool itself is killed with SIGKILL and no
  Python code runs any more; a child whose parent died before that took effect exits;
- its data segment is capped (``RLIMIT_DATA``) when a memory bound is given, so a child
  that runs away fails with an error instead of swapping the machine.

``PR_SET_PDEATHSIG`` fires when the *thread* that forked the child exits: ``run`` waits
for its child in the calling thread, so this holds; long-lived children from ``spawn``
must be started by a thread that outlives them (the main thread, or a pool's owner).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import resource
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vimanual.base.errors import LimitExceeded

PR_SET_PDEATHSIG = 1
MB = 1024 * 1024

# Loaded once, before any fork: the child must not load libraries between fork and exec.
_PRCTL: Callable[..., int] | None = None
_MALLOC_TRIM: Callable[..., int] | None = None
if sys.platform.startswith("linux"):
    with contextlib.suppress(OSError):
        _LIBC = ctypes.CDLL(None, use_errno=True)
        _PRCTL = getattr(_LIBC, "prctl", None)
        _MALLOC_TRIM = getattr(_LIBC, "malloc_trim", None)  # glibc only


def give_back_memory() -> None:
    """Return the C heap's free pages to the system (glibc ``malloc_trim``, every arena): glibc
    keeps what a thread freed in that thread's own arena, so memory a finished thread used
    (pikepdf writing the contents, pandoc's output read in) stays resident otherwise, and
    adds to the process's peak later."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


_LIVE: set[subprocess.Popen[Any]] = set()
_LIVE_LOCK = threading.Lock()


@dataclass(frozen=True)
class Finished:
    """A child that ran to its end within its bounds (whatever its exit code)."""

    command: list[str]
    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def out(self) -> str:
        """stdout as text (UTF-8, undecodable bytes replaced)."""
        return self.stdout.decode("utf-8", "replace")

    @property
    def err(self) -> str:
        """stderr as text (UTF-8, undecodable bytes replaced)."""
        return self.stderr.decode("utf-8", "replace")


def bound_to(parent: int) -> bool:
    """Have this process killed when the thread of ``parent`` that started it ends (Linux
    ``PR_SET_PDEATHSIG``); False if ``parent`` died before that took effect (system calls
    only: a child runs it between fork and exec)."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, int(signal.SIGKILL))
    return os.getppid() == parent


def _child_setup(parent: int, memory_bytes: int | None) -> Callable[[], None]:
    """What the child runs between fork and exec (kept to system calls only)."""

    def setup() -> None:
        if not bound_to(parent):  # the tool died before it took effect
            os._exit(1)
        if memory_bytes is not None:
            resource.setrlimit(resource.RLIMIT_DATA, (memory_bytes, memory_bytes))

    return setup


def spawn(
    command: Sequence[str],
    *,
    memory_mb: int | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    text: bool = False,
    pass_fds: Sequence[int] = (),
) -> subprocess.Popen[Any]:
    """Start a long-lived child with pipes on stdin, stdout and stderr, bound to this process
    (``pass_fds``: other file descriptors it keeps, as ``subprocess.Popen``'s).

    The caller owns it and must end it with ``kill`` (or by closing its stdin and waiting);
    it is killed anyway when the tool exits or dies.
    """
    memory = memory_mb * MB if memory_mb else None
    proc: subprocess.Popen[Any] = subprocess.Popen(  # noqa: S603 - argument list, never a shell
        list(command),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=None if env is None else dict(env),
        text=text,
        start_new_session=True,
        pass_fds=tuple(pass_fds),
        preexec_fn=_child_setup(os.getpid(), memory),  # noqa: PLW1509 - system calls only
    )
    with _LIVE_LOCK:
        _LIVE.add(proc)
    return proc


def kill(proc: subprocess.Popen[Any], reap: bool = True) -> None:
    """Kill ``proc`` and everything in its process group, and (unless ``reap`` is false,
    for a caller that reaps it itself to read its resource usage) wait for it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    if reap:
        with contextlib.suppress(subprocess.TimeoutExpired, OSError, ValueError):
            proc.wait(timeout=5)
        forget(proc)


def forget(proc: subprocess.Popen[Any]) -> None:
    """Stop tracking ``proc`` (it has ended); its process group is still killed, in case a
    grandchild stayed behind."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with _LIVE_LOCK:
        _LIVE.discard(proc)


def run(
    command: Sequence[str],
    *,
    what: str,
    timeout: float,
    memory_mb: int | None = None,
    stdin: bytes = b"",
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Finished:
    """Run ``command`` to its end within ``timeout`` seconds and ``memory_mb`` of data.

    Raises LimitExceeded when the time is up; the child and its process
    group are killed then, and also when the caller is interrupted. A non-zero exit is
    returned, not raised: the caller knows what it means.
    """
    proc = spawn(command, memory_mb=memory_mb, cwd=cwd, env=env)
    try:
        try:
            stdout, stderr = proc.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            kill(proc)
            raise LimitExceeded(f"{what} did not finish within {timeout:g} s", command) from None
    finally:
        if proc.returncode is None:
            kill(proc)  # interrupted (KeyboardInterrupt, a signal): nothing may stay behind
        forget(proc)
    return Finished(list(command), proc.returncode, stdout, stderr)


def live_children() -> list[int]:
    """Pids of the children started here that have not been reaped yet (for diagnostics)."""
    with _LIVE_LOCK:
        return [proc.pid for proc in _LIVE if proc.poll() is None]


@atexit.register
def _kill_all() -> None:
    """At interpreter exit, no child may stay behind (a daemon thread may still wait on one)."""
    with _LIVE_LOCK:
        procs = list(_LIVE)
    for proc in procs:
        kill(proc)
