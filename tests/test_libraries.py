"""WeasyPrint's libraries found with one look at the loader's cache (vimanual/pdf/libraries.py):
the same answers as ``ctypes.util.find_library``, one run of ``ldconfig -p`` for all of them,
and a process that imports WeasyPrint so loads the same libraries as one that does not."""

from __future__ import annotations

import ctypes.util
import subprocess
import sys
from pathlib import Path

import pytest

from vimanual.pdf import libraries
from vimanual.pdf.libraries import libraries_found_once

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or not Path(libraries.LDCONFIG).exists(),
                                reason="the loader's cache is read on Linux, with ldconfig")

#: What WeasyPrint 70 tries for Pango (weasyprint/text/ffi.py), and libraries every system has.
PANGO_NAMES = ["libpango-1.0-0", "pango-1.0-0", "pango-1.0", "libpango-1.0.so.0", "libpango-1.0.dylib",
               "libpango-1.0-0.dll"]
FOUND = ["pango-1.0", "harfbuzz", "fontconfig", "gobject-2.0", "pangoft2-1.0", "c", "m"]


def test_the_libraries_are_found_as_find_library_finds_them_with_one_run_of_ldconfig(
        monkeypatch: pytest.MonkeyPatch) -> None:
    outside = {name: ctypes.util.find_library(name) for name in FOUND + PANGO_NAMES}
    assert all(outside[name] for name in FOUND)
    runs: list[list[str]] = []
    real_run = libraries.proc.run

    def counted(command: list[str], **kwargs: object) -> object:
        runs.append(list(command))
        return real_run(command, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(libraries.proc, "run", counted)
    original = ctypes.util.find_library
    with libraries_found_once():
        inside = {name: ctypes.util.find_library(name) for name in FOUND + PANGO_NAMES}
    assert ctypes.util.find_library is original
    assert runs == [[libraries.LDCONFIG, "-p"]]
    assert {name: inside[name] for name in FOUND} == {name: outside[name] for name in FOUND}
    assert inside["pango-1.0"] == "libpango-1.0.so.0"
    # the names of other systems: none at once (the loader takes the last, the file's own name)
    assert [inside[name] for name in PANGO_NAMES] == [None, None, "libpango-1.0.so.0", None, None, None]


def test_without_the_listing_find_library_is_asked_as_before(monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    monkeypatch.setattr(libraries, "LDCONFIG", str(tmp_path / "no-ldconfig"))
    asked: list[str] = []
    real = ctypes.util.find_library

    def spied(name: str) -> str | None:
        asked.append(name)
        return real(name)

    monkeypatch.setattr(ctypes.util, "find_library", spied)
    with libraries_found_once():
        assert ctypes.util.find_library("pango-1.0") == real("pango-1.0")
    assert asked == ["pango-1.0"]
    assert ctypes.util.find_library is spied


def test_find_library_is_put_back_when_the_import_fails() -> None:
    original = ctypes.util.find_library
    with pytest.raises(ImportError), libraries_found_once():
        import vimanual.no_such_module  # type: ignore[import-not-found]  # noqa: F401
    assert ctypes.util.find_library is original


def _loaded_by_importing_weasyprint(quick: bool) -> set[str]:
    """The shared libraries a fresh Python process has loaded once it imported WeasyPrint."""
    code = ("import contextlib\n"
            "from vimanual.pdf.libraries import libraries_found_once\n"
            f"with (libraries_found_once() if {quick} else contextlib.nullcontext()):\n"
            "    import weasyprint\n"
            "weasyprint.HTML(string='<p>x</p>').write_pdf()\n"
            "print('\\n'.join(line.split()[-1] for line in open('/proc/self/maps') if '.so' in line))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          check=True)
    return set(done.stdout.split())


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="loaded libraries are read from /proc")
def test_weasyprint_loads_the_same_libraries_either_way() -> None:
    quick, usual = _loaded_by_importing_weasyprint(True), _loaded_by_importing_weasyprint(False)
    assert any("libpango-1.0.so" in path for path in quick)
    assert quick == usual
