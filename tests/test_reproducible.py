"""Promise: a released edition rebuilds byte for byte on any machine.

An edition is released here (this machine has HarfBuzz's subsetting library, which
WeasyPrint prefers), then rebuilt by real ``python -m vimanual`` processes on "other
machines": one where that library is hidden from WeasyPrint (a sitecustomize module on
PYTHONPATH makes its loader fail, in the command and in its layout workers), one in
another time zone and locale. Every rebuild must give the manifest's bytes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers import REPO, copy_sample, run, run_subprocess, small_workspace

pytestmark = pytest.mark.slow  # whole PDFs, each rebuilt in a process of its own

REVIEWERS = {"UK": "Ruth Reviewer", "AU": "Alan Reviewer"}
HIDE_HARFBUZZ_SUBSET = '''\
"""Test only: make WeasyPrint's loader fail for HarfBuzz's subsetting library."""
import cffi

_dlopen = cffi.FFI.dlopen


def dlopen(self, name, *args, **kwargs):
    if "harfbuzz-subset" in str(name):
        raise OSError(f"{name}: hidden by the test")
    return _dlopen(self, name, *args, **kwargs)


cffi.FFI.dlopen = dlopen
'''
OTHER_PLACE = {"TZ": "Pacific/Kiritimati", "LC_ALL": "C", "LANG": "C", "LANGUAGE": "C"}


@pytest.fixture(scope="module")
def hidden(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment of a machine without libharfbuzz-subset (checked, not assumed)."""
    folder = tmp_path_factory.mktemp("hide-harfbuzz")
    (folder / "sitecustomize.py").write_text(HIDE_HARFBUZZ_SUBSET, encoding="utf-8")
    env = {"PYTHONPATH": os.pathsep.join((str(folder), str(REPO)))}
    probe = "import weasyprint.text.ffi as f; print(f.harfbuzz_subset is None)"
    found = subprocess.run([sys.executable, "-c", probe], env={**os.environ, **env}, capture_output=True,
                           text=True, check=False, timeout=120)
    assert found.stdout.strip() == "True", found.stderr
    return env


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-chapter workspace with edition 1.0 released here (HarfBuzz's subsetter present)."""
    from weasyprint.text import ffi

    assert ffi.harfbuzz_subset is not None, "this machine should have libharfbuzz-subset"
    root = small_workspace(tmp_path_factory.mktemp("reproducible") / "ws")
    for slug in ("alpha", "beta"):
        for code, person in REVIEWERS.items():
            assert run("-C", root, "review", slug, "-j", code, "--approve", "--as", person).exit_code == 0
    result = run("-C", root, "release", "1.0", "--date", "2026-11-28")
    assert result.exit_code == 0, result.output
    return root


def vimanual(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_subprocess("-C", root, *args, env=env, timeout=600)


def manifest(root: Path, version: str = "1.0") -> dict[str, object]:
    data = yaml.safe_load((root / "editions" / version / "manifest.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_the_manifest_records_what_the_bytes_depend_on(released: Path) -> None:
    build = manifest(released)["build"]
    assert isinstance(build, dict)
    assert build["font_subsetter"] == "uharfbuzz"
    assert build["pdf_layout"] == "grouped-early-contents-font-files-markers-cover-label"
    versions = build["versions"]
    for name in ("vimanual", "pandoc", "weasyprint", "pydyf", "fonttools", "uharfbuzz", "pikepdf", "qpdf",
                 "zlib", "pango", "harfbuzz"):
        assert versions[name], name
    fonts = build["pdf_fonts"]
    assert isinstance(fonts, dict)
    assert {"Manual-Serif", "Manual-Sans-Bold"} <= set(fonts) and all(len(d) == 64 for d in fonts.values())
    # fonts Pango took from the machine for characters styles/fonts/ lacks are named
    assert build["system_fonts"] == [name for name in fonts if not name.startswith("Manual-")]


@pytest.mark.parametrize("place", ["here", "without libharfbuzz-subset", "another time zone and locale",
                                   "both"])
def test_a_rebuild_elsewhere_gives_the_manifest_s_bytes(
    released: Path, hidden: dict[str, str], place: str
) -> None:
    env = {"here": {}, "without libharfbuzz-subset": hidden, "another time zone and locale": OTHER_PLACE,
           "both": {**hidden, **OTHER_PLACE}}[place]
    assert_rebuilt_byte_for_byte(released, "uharfbuzz", env)


def assert_rebuilt_byte_for_byte(root: Path, subsetter: str, env: dict[str, str] | None = None) -> None:
    """``verify-edition 1.0 --rebuild`` gives the manifest's bytes, subset by ``subsetter``."""
    done = vimanual(root, "verify-edition", "1.0", "--rebuild", "--json", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    outputs = manifest(root)["outputs"]
    assert isinstance(outputs, dict)
    assert result["pdf_sha256"] == outputs["pdf"]["sha256"]
    assert result["html_sha256"] == outputs["html"]["sha256"]
    assert result["differences"] == [] and result["font_subsetter"] == subsetter


def test_print_rebuilds_the_released_pdf_without_libharfbuzz_subset(
    released: Path, hidden: dict[str, str], tmp_path: Path
) -> None:
    import shutil

    root = shutil.copytree(released, tmp_path / "ws", ignore=shutil.ignore_patterns("build"))
    stored = root / "editions" / "1.0" / "manual.pdf"
    expected = stored.read_bytes()
    stored.unlink()
    done = vimanual(root, "print", "1.0", "-o", str(tmp_path / "print.pdf"), env=hidden)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "print.pdf").read_bytes() == expected


def test_a_mismatch_names_the_font_and_the_version_that_differ(released: Path, tmp_path: Path) -> None:
    import shutil

    root = shutil.copytree(released, tmp_path / "ws", ignore=shutil.ignore_patterns("build"))
    path = root / "editions" / "1.0" / "manifest.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # As if the edition had been made with HarfBuzz's subsetter, its faces merged from the parts'
    # subsets (the layout before font files), and an older WeasyPrint.
    data["build"]["font_subsetter"] = "harfbuzz"
    data["build"]["pdf_layout"] = "grouped-early-contents"
    data["build"]["versions"]["weasyprint"] = "0.0-test"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    done = vimanual(root, "verify-edition", "1.0", "--rebuild")
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert any(line.startswith("differs: manual.pdf: font Manual-Serif: embedded program differs")
               for line in lines), done.stderr
    # the text is laid out the same, but for the cover's footer: "label · " before the cover-label
    # layout (book/plan.COVER_LABEL_LAYOUT), the label alone since
    assert [line for line in lines if "page " in line] == [
        "differs: manual.pdf: page 1: XObject /VmMargins differ(s)"], done.stderr
    import weasyprint

    assert (f"version: weasyprint: the edition was built with 0.0-test, {weasyprint.__version__} is "
            "installed") in done.stderr
    assert "Error: edition 1.0: the rebuild does not match the manifest" in done.stderr


def test_the_sample_edition_made_with_harfbuzz_rebuilds_with_it_and_says_why_not_without(
    tmp_path: Path, hidden: dict[str, str]
) -> None:
    root = copy_sample(tmp_path / "sample")
    assert "build" not in manifest(root)  # released before the subsetter was recorded
    done = vimanual(root, "verify-edition", "1.0", "--rebuild")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rebuilt byte for byte" in done.stdout and "subset with harfbuzz" in done.stdout
    without = vimanual(root, "verify-edition", "1.0", "--rebuild", env=hidden)
    assert without.returncode == 2, without.stdout + without.stderr
    assert ("Error: cannot rebuild edition 1.0: this edition's fonts were subset with HarfBuzz, whose "
            "subsetting library (libharfbuzz-subset) is not installed here") in without.stderr
    assert "apt-get install libharfbuzz-subset0" in without.stderr


#: An edition released by vimanual before the grouped layout (commit 82039c2: fonts subset by
#: fontTools, one document a chapter, margins and leader dots laid out one by one); its
#: manifest records the subsetter and no layout.
EDITION_BEFORE_GROUPED = REPO / "tests" / "corpus" / "editions" / "fonttools-part-a-chapter"


def test_an_edition_released_before_the_grouped_layout_rebuilds_as_it_was(tmp_path: Path) -> None:
    import shutil

    root = shutil.copytree(EDITION_BEFORE_GROUPED, tmp_path / "ws")
    build = manifest(root)["build"]
    assert isinstance(build, dict)
    assert build["font_subsetter"] == "fonttools" and "pdf_layout" not in build
    assert_rebuilt_byte_for_byte(root, "fonttools")


#: An edition released by vimanual with the grouped layout before a release's contents was laid
#: out beside the chapters (commit 6472344): its contents was laid out once the pages were known.
#: Eleven chapters, so that its contents laid out beside them would be written in, and differ
#: (a contents of a few entries lacks digits to write with, and is laid out once the pages are).
EDITION_GROUPED = REPO / "tests" / "corpus" / "editions" / "grouped-contents-after"


def test_an_edition_released_with_the_grouped_layout_rebuilds_as_it_was(tmp_path: Path) -> None:
    import shutil

    root = shutil.copytree(EDITION_GROUPED, tmp_path / "ws")
    build = manifest(root)["build"]
    assert isinstance(build, dict)
    assert build["font_subsetter"] == "uharfbuzz" and build["pdf_layout"] == "grouped"
    assert_rebuilt_byte_for_byte(root, "uharfbuzz")


def test_a_manifest_naming_an_unknown_layout_is_refused(tmp_path: Path) -> None:
    """A manifest is untrusted input (a collaborator's commit): a layout this vimanual does
    not know is refused with the reason, not rebuilt some other way."""
    import shutil

    root = shutil.copytree(EDITION_BEFORE_GROUPED, tmp_path / "ws")
    path = root / "editions" / "1.0" / "manifest.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["build"]["pdf_layout"] = "../../etc"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    done = vimanual(root, "verify-edition", "1.0", "--rebuild")
    assert done.returncode == 2, done.stdout + done.stderr
    assert ("unknown 'build.pdf_layout' '../../etc' (known: grouped-early-contents-font-files-markers-cover-"
            "label, grouped-early-contents-font-files-markers, grouped-early-contents-font-files, "
            "grouped-early-contents, grouped, "
            "part-a-chapter)") in done.stderr
    assert "hint: restore the manifest from git" in done.stderr


def test_a_release_records_the_text_libraries_its_layout_workers_loaded(tmp_path: Path) -> None:
    """Pango's and HarfBuzz's versions come from the layout workers, which have WeasyPrint
    loaded: the release's own process does not import it (about 0.8 s) to ask."""
    import shutil

    from vimanual.pdf.worker import text_libraries

    root = shutil.copytree(EDITION_GROUPED, tmp_path / "ws", ignore=shutil.ignore_patterns("editions"))
    script = ("import json, sys\nfrom pathlib import Path\nfrom vimanual import api\n"
              f"edition = api.release(Path({str(root)!r}), '1.0', date='2026-12-03', person='Seed')\n"
              "print(json.dumps([edition.build['versions'], 'weasyprint' in sys.modules]))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    versions, imported = json.loads(done.stdout)
    assert not imported
    assert {name: versions[name] for name in ("pango", "harfbuzz")} == text_libraries()
