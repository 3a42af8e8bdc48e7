"""The console script's entry point: `vimanual --help` and `vimanual COMMAND --help` answered
from the text Typer rendered the last time they were asked, when nothing that text depends on
has changed; every other command line goes to the Typer app (vimanual/cli/app.py).

Typer's help is Rich panels: importing Rich's console and laying the panels out cost more
than the rest of `--help` together (issue 17, bench/help.py). What the text depends on is
known: the arguments, vimanual's modules, the versions of Python, Typer, Click and Rich, the
terminal (whether it is one, its size) and the environment variables that decide colour,
width and encoding. Together they are the cache key; a change to any of them renders the
help again. The cache is one small file a key under the user's cache folder
($XDG_CACHE_HOME/vimanual/help, else ~/.cache/vimanual/help), used only when the folder and
the file are the user's own and no one else may write them (a shared cache folder must not
let another user put words, or terminal escapes, into this user's help); when it cannot be
read or written, help is rendered as before. This module imports nothing it does not need, so that a
cached answer costs little more than starting Python.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from pathlib import Path
from typing import Any

HELP_FLAGS = ("--help", "-h")
MAX_HELP_BYTES = 200_000
# Environment variables that change what Rich or Typer print (colour, width, terminal).
_ENV_WORDS = ("COLOR", "COLUMNS", "LINES", "TERM", "TTY", "WIDTH", "TYPER", "RICH", "JUPYTER", "LANG", "LC_",
              "PYTHON")


def main() -> None:
    """Console-script entry point."""
    key = help_key(sys.argv[1:])
    if key is not None:
        cached = _read(key)
        if cached is not None:
            sys.stdout.write(cached)
            sys.stdout.flush()
            raise SystemExit(0)
    from vimanual.cli.app import app

    if key is None:
        app(prog_name="vimanual")
        return
    recorder = _Recorder(sys.stdout)
    sys.stdout = recorder  # type: ignore[assignment]
    try:
        app(prog_name="vimanual")
    except SystemExit as done:
        sys.stdout = recorder.stream
        if done.code in (0, None) and recorder.parts:
            _write(key, "".join(recorder.parts))
        raise
    finally:
        sys.stdout = recorder.stream


def help_key(args: list[str]) -> str | None:
    """The cache key of a help request (``args``: the arguments after 'vimanual'), or None when
    ``args`` is not one: only '--help' (or '-h') alone or after one command name qualify."""
    if not args or args[-1] not in HELP_FLAGS or len(args) > 2:
        return None
    if len(args) == 2 and not args[0].replace("-", "").isalpha():
        return None
    parts = [repr(args), sys.version, sys.executable, *_source_stamps(Path(__file__).resolve().parent.parent)]
    for package in ("typer", "click", "rich"):
        parts.append(_package_stamp(package))
    parts += sorted(f"{name}={value}" for name, value in os.environ.items()
                    if any(word in name for word in _ENV_WORDS))
    for number, stream in enumerate((sys.stdin, sys.stdout, sys.stderr)):
        parts.append(str(_isatty(stream)))
        try:
            parts.append(str(os.get_terminal_size(number)))
        except (OSError, ValueError):
            parts.append("no terminal size")
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:32]


def _source_stamps(package: Path) -> list[str]:
    """Each of vimanual's modules by size and time of change (help text may quote any of them)."""
    stamps, folders = [], [package]
    while folders:
        for entry in sorted(os.scandir(folders.pop()), key=lambda e: e.name):
            if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                folders.append(Path(entry.path))
            elif entry.name.endswith(".py"):
                info = entry.stat()
                stamps.append(f"{entry.path}:{info.st_size}:{info.st_mtime_ns}")
    return stamps


def cache_folder() -> Path:
    """Where rendered help is kept: $XDG_CACHE_HOME/vimanual/help, else ~/.cache/vimanual/help."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "vimanual" / "help"


def _package_stamp(name: str) -> str:
    """A package's version, as its installed files say it cheaply (no importlib.metadata)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return f"{name}: none"
    if spec is None or spec.origin is None:
        return f"{name}: none"
    try:
        info = os.stat(spec.origin)
    except OSError:
        return f"{name}: {spec.origin}"
    return f"{name}:{spec.origin}:{info.st_size}:{info.st_mtime_ns}"


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _read(key: str) -> str | None:
    folder = cache_folder()
    path = folder / f"{key}.txt"
    try:
        if path.is_symlink() or not _private(folder) or not _private(path) \
                or path.stat().st_size > MAX_HELP_BYTES:
            return None
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _private(path: Path) -> bool:
    """Whether ``path`` is this user's and no one else may write it."""
    info = path.stat()
    own = info.st_uid == os.getuid() if hasattr(os, "getuid") else True
    return own and not info.st_mode & 0o022


def _write(key: str, text: str) -> None:
    """Keep the help text, atomically (a temp file renamed); a failure only costs the next run."""
    folder = cache_folder()
    if len(text.encode("utf-8", "surrogateescape")) > MAX_HELP_BYTES:
        return
    temp = folder / f".{key}.{os.getpid()}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # this user's alone
        with open(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, folder / f"{key}.txt")
    except (OSError, UnicodeEncodeError):
        with contextlib.suppress(OSError):
            temp.unlink()


class _Recorder:
    """sys.stdout while help is rendered: everything is written through, and kept."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        written = int(self.stream.write(text))  # first: click probes with bytes, which must raise
        self.parts.append(text)
        return written

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)
