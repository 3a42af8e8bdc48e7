"""Promise 2: a build never writes outside build/, an import never outside its contribution.

Path-traversal media names for pandoc's --extract-media (the CVE-2023-35936 / -38745 family),
zip-slip member names, zip bombs by size and by member count, and an old pandoc: each goes
through the real CLI, and the file tree outside the allowed folder must not change.
"""

from __future__ import annotations

import io
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from tests.helpers import build_file_tree, chapter_md, manual_yaml, run, run_subprocess, snapshot
from tests.security_helpers import PNG_1PX
from vimanual.tools import pandoc

LIMITS = {"max_archive_bytes": 2_000_000, "max_archive_members": 60}


def _workspace(tmp_path: Path) -> Path:
    """A workspace with small archive limits; its lock file exists (commands may create it)."""
    return build_file_tree(tmp_path / "ws", {
        ".vimanual.lock": "",
        "manual.yaml": manual_yaml(limits=LIMITS),
        "chapters": {"alpha.md": chapter_md("Alpha", "## A\n\nText.\n", lead="UK"),
                     "beta.md": chapter_md("Beta", "## B\n\nSee [A](alpha.md#a).\n", lead="AU")},
    })


def _real_docx(tmp_path: Path) -> bytes:
    """A genuine .docx with one embedded picture, made by pandoc."""
    (tmp_path / "pic.png").write_bytes(PNG_1PX)
    (tmp_path / "src.md").write_text("# Title\n\nSome text.\n\n![pic](pic.png)\n", encoding="utf-8")
    out = tmp_path / "src.docx"
    subprocess.run([pandoc.pandoc_path(), "src.md", "-o", str(out)], cwd=tmp_path, check=True, timeout=60)
    return out.read_bytes()


def _rewrite_docx(original: bytes, rename: dict[str, str], extra: dict[str, bytes] | None = None,
                  deflate: bool = True) -> bytes:
    """The same document with members renamed (and every reference to them) and members added."""
    source = zipfile.ZipFile(io.BytesIO(original))
    buffer = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(buffer, "w", method) as target:
        for info in source.infolist():
            data = source.read(info)
            for old, new in rename.items():
                data = data.replace(old.encode(), new.encode())
                data = data.replace(old.removeprefix("word/").encode(), new.removeprefix("word/").encode())
            target.writestr(rename.get(info.filename, info.filename), data)
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return buffer.getvalue()


def _media_name(original: bytes) -> str:
    return next(n for n in zipfile.ZipFile(io.BytesIO(original)).namelist() if n.startswith("word/media/"))


TRAVERSAL = ["..%2f..%2f..%2f..%2fpwned.png", "%2e%2e%2f%2e%2e%2fpwned.png", "..%5c..%5cpwned.png",
             "%2fabs%2fpwned.png", "..%2F..%2F..%2Fpwned.png"]


@pytest.mark.slow
@pytest.mark.parametrize("payload", TRAVERSAL)
def test_extract_media_traversal_writes_nothing_outside_the_contribution(
    tmp_path: Path, payload: str
) -> None:
    ws = _workspace(tmp_path)
    original = _real_docx(tmp_path)
    hostile = _rewrite_docx(original, {_media_name(original): f"word/media/{payload}"})
    (tmp_path / "evil.docx").write_bytes(hostile)
    html = tmp_path / "evil.html"
    html.write_text(f'<p>Text</p><img src="{payload}"><img src="data:image/png;base64,AAAA">',
                    encoding="utf-8")
    before = snapshot(tmp_path, skip=(ws / "contributions",))
    for source in (tmp_path / "evil.docx", html):
        result = run("-C", ws, "submit", source, "--chapter", "alpha", "--jurisdiction", "UK", "--as", "U")
        assert result.exit_code in (0, 2), result.output
    after = snapshot(tmp_path, skip=(ws / "contributions",))
    assert after == before
    assert not list(tmp_path.rglob("pwned*"))
    for path in (ws / "contributions").rglob("*"):  # only the generated names ever appear
        assert "%" not in path.name and ".." not in path.name


@pytest.mark.slow
@pytest.mark.parametrize("member", ["../../x", "/abs/x", "word/../../x", "..\\..\\x", "C:/x"])
def test_zip_slip_members_are_refused_before_pandoc(tmp_path: Path, member: str) -> None:
    ws = _workspace(tmp_path)
    hostile = _rewrite_docx(_real_docx(tmp_path), {}, {member: b"owned"})
    (tmp_path / "slip.docx").write_bytes(hostile)
    before = snapshot(tmp_path)
    result = run("-C", ws, "submit", tmp_path / "slip.docx", "--chapter", "alpha", "--jurisdiction", "UK",
                 "--as", "U")
    assert result.exit_code == 2
    assert "has an unsafe path" in result.output
    assert snapshot(tmp_path) == before


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["ratio", "members"])
def test_zip_bombs_are_refused_by_their_declared_sizes(tmp_path: Path, kind: str) -> None:
    ws = _workspace(tmp_path)
    if kind == "ratio":
        extra = {"word/media/bomb.bin": b"\0" * 20_000_000}  # ~20 KB compressed, 20 MB declared
    else:
        extra = {f"word/x{i}.xml": b"" for i in range(500)}
    (tmp_path / "bomb.docx").write_bytes(_rewrite_docx(_real_docx(tmp_path), {}, extra))
    assert (tmp_path / "bomb.docx").stat().st_size < 200_000
    before = snapshot(tmp_path)
    started = time.monotonic()
    result = run("-C", ws, "submit", tmp_path / "bomb.docx", "--chapter", "alpha", "--jurisdiction", "UK",
                 "--as", "U")
    assert time.monotonic() - started < 5
    assert result.exit_code == 2
    expected = "archive would expand to" if kind == "ratio" else "archive has 5"
    assert expected in result.output
    assert snapshot(tmp_path) == before


@pytest.mark.slow
def test_a_build_writes_only_under_build(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    (ws / "chapters" / "alpha.md").write_text(
        chapter_md("Alpha", "![x](media/..%2f..%2f..%2fpwned.png)\n\n![y](../../pwned.png)\n", lead="UK"),
        encoding="utf-8")
    before = snapshot(tmp_path, skip=(ws / "build",))
    assert run("-C", ws, "build", "--force").exit_code == 0
    assert snapshot(tmp_path, skip=(ws / "build",)) == before
    assert sorted(p.name for p in (ws / "build").iterdir()) == ["cache", "manual.html", "manual.pdf"]


@pytest.mark.slow
def test_pandoc_older_than_3_1_6_is_refused_on_every_path(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    fake = tmp_path / "fake-pandoc"
    marker = tmp_path / "converted"
    fake.write_text(f'#!/bin/sh\ncase "$*" in *--version*) echo "pandoc 3.1.5"; exit 0;; esac\n'
                    f'touch {marker}\necho "<p>converted</p>"\n', encoding="utf-8")
    fake.chmod(0o755)
    (tmp_path / "doc.html").write_text("<p>Text</p>", encoding="utf-8")
    (tmp_path / "doc.docx").write_bytes(_real_docx(tmp_path))
    env = {"VIMANUAL_PANDOC": str(fake)}
    commands = [
        ["build", "--format", "html", "--force"],
        ["check"],
        ["submit", str(tmp_path / "doc.html"), "--chapter", "alpha", "--jurisdiction", "UK", "--as", "U"],
        ["submit", str(tmp_path / "doc.docx"), "--chapter", "alpha", "--jurisdiction", "UK", "--as", "U"],
    ]
    for command in commands:
        proc = run_subprocess("-C", ws, *command, env=env, timeout=60)
        assert proc.returncode == 2, (command, proc.stdout, proc.stderr)
        assert "pandoc 3.1.5 is too old" in proc.stderr, command
    assert not marker.exists()
    assert not (ws / "contributions").exists()
