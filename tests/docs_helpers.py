"""Real documents for contribution tests: PNGs, and .docx/.odt/.html written by the real pandoc."""

from __future__ import annotations

import struct
import subprocess
import textwrap
import zipfile
import zlib
from pathlib import Path

from vimanual.tools.pandoc import pandoc_path

PERSON = "Sam Contributor (UK)"

RICH_MARKDOWN = """\
---
title: Triage of Seized Media
---

# Triage of Seized Media

## First pass

Sample text — the analyst records “each” device.[^1]

- Record the exhibit number.
- Record the hash value.

| Step | Owner |
|------|-------|
| Hash | Analyst |
| Log  | Supervisor |

![A flow diagram](figure.png)

[^1]: Sample footnote about the record.
"""


def make_png(width: int = 3, height: int = 2, colour: bytes = b"\x00\x80\xff") -> bytes:
    """A small valid PNG (RGB), built with zlib and struct."""
    raw = b"".join(b"\x00" + colour * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + \
        chunk(b"IEND", b"")


def make_document(folder: Path, name: str, markdown: str = RICH_MARKDOWN, png: bytes | None = None) -> Path:
    """Write ``markdown`` (with figure.png next to it) as ``name`` (.docx/.odt/.html) using pandoc.

    pandoc runs without --sandbox here only because the writer must read figure.png to embed it;
    vimanual itself always converts with --sandbox.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "figure.png").write_bytes(png or make_png())
    (folder / "source.md").write_text(textwrap.dedent(markdown), encoding="utf-8")
    fmt = Path(name).suffix.lstrip(".")
    extra = ["--standalone"] if fmt == "html" else []
    subprocess.run(
        [pandoc_path(), "--from", "markdown", "--to", fmt, *extra, "-o", name, "source.md"],
        cwd=folder, check=True, capture_output=True, timeout=60,
    )
    return folder / name


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path
