"""WeasyPrint's libraries (Pango, HarfBuzz, Fontconfig, GObject) found with one look at the
dynamic loader's cache, not fifteen.

WeasyPrint loads each library by trying the names it has on Windows, macOS and Linux in turn
(``weasyprint/text/ffi.py``). The loader refuses the first ones, and cffi then asks
``ctypes.util.find_library`` about each, which runs ``/sbin/ldconfig -p`` anew (and gcc and ld,
where installed, when that finds nothing): fifteen runs, 0.14 s of the 0.35 s that importing
WeasyPrint takes, in every process that does, and the fork server's time to its first worker
(a one-chapter edit of a small book waited for it).
"""

from __future__ import annotations

import contextlib
import os
import re
import struct
import sys
from collections.abc import Iterator

from vimanual.base.errors import LimitExceeded
from vimanual.tools import proc

LDCONFIG = "/sbin/ldconfig"  # where CPython's find_library runs it
#: CPython's names for the ABI ``ldconfig -p`` lists a library under, by machine and word size.
_ABI = {"x86_64-64": "libc6,x86-64", "ppc64-64": "libc6,64bit", "sparc64-64": "libc6,64bit",
        "s390x-64": "libc6,64bit", "ia64-64": "libc6,IA-64"}


def loader_listing() -> bytes | None:
    """What ``ldconfig -p`` lists (the libraries the loader knows), None if it cannot be read."""
    with contextlib.suppress(OSError, LimitExceeded):
        done = proc.run([LDCONFIG, "-p"], what="ldconfig", timeout=10, env={"LC_ALL": "C", "LANG": "C"})
        if done.returncode == 0 and done.stdout:
            return done.stdout
    return None


def soname(listing: bytes, name: str) -> str | None:
    """The file ``listing`` has for library ``name`` (``pango-1.0`` → ``libpango-1.0.so.0``), read
    as CPython's ``find_library`` reads ``ldconfig -p`` on Linux; None if it has none."""
    machine = os.uname().machine + ("-32" if struct.calcsize("l") == 4 else "-64")
    pattern = rb"\s+(lib%s\.[^\s]+)\s+\(%s" % (re.escape(name).encode(), _ABI.get(machine, "libc6").encode())
    found = re.search(pattern, listing)
    return os.fsdecode(found.group(1)) if found else None


@contextlib.contextmanager
def libraries_found_once() -> Iterator[None]:
    """While WeasyPrint is imported: ``ctypes.util.find_library`` answers from one listing of the
    loader's cache, as it would from its own. A name the listing lacks gets None at once, not
    gcc's or ld's answer: WeasyPrint then tries its next name, the last on Linux being the
    library's own file name, which the loader finds itself (also outside its cache, through
    LD_LIBRARY_PATH). Anywhere but Linux, or if ``ldconfig -p`` cannot be read, nothing changes."""
    import ctypes.util

    if not sys.platform.startswith("linux"):
        yield
        return
    original = ctypes.util.find_library
    listing: list[bytes | None] = []

    def find_library(name: str) -> str | None:
        if not listing:
            listing.append(loader_listing())
        if listing[0] is None:
            return original(name)
        return soname(listing[0], name)

    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = original
