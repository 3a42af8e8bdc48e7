"""The register of handouts printed from a released edition (``vimanual print --chapters``).

Each handout printed is recorded beside the edition, in
``editions/VERSION/register/handouts/SHA256.yaml``, with the chapters, paper and
jurisdiction it holds, so ``vimanual verify-edition VERSION handout.pdf`` can say which
handout of the edition a file is, byte for byte. A record beside the edition (like the
controlled copies' register) rather than a statement embedded in the PDF: anyone can
write such a statement into a file, while the register is the project's own record,
kept in git with the edition, and a file's checksum is checked against it without
rebuilding anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vimanual.base.errors import VimanualError
from vimanual.base.fsutil import atomic_write
from vimanual.base.identity import utc_now
from vimanual.base.journal import locked
from vimanual.base.yamlio import dump_yaml, load_yaml
from vimanual.editions.manifest import REGISTER_DIR, Edition

HANDOUTS_DIR = "handouts"
HANDOUT_FORMAT = 1


def handouts_dir(edition: Edition) -> Path:
    """Where the handouts of ``edition`` are recorded."""
    return edition.path / REGISTER_DIR / HANDOUTS_DIR


def record_handout(root: Path, edition: Edition, sha256: str, chapters: list[str], paper: str,
                   jurisdiction: str | None) -> str:
    """Record a handout just printed (once per distinct file); returns the record's path."""
    rel = f"{edition.rel}/{REGISTER_DIR}/{HANDOUTS_DIR}/{sha256}.yaml"
    path = handouts_dir(edition) / f"{sha256}.yaml"
    with locked(root):
        if path.is_file():
            return rel
        header = ("# vimanual handout of a released edition, written by 'vimanual print --chapters'.\n"
                  "# 'vimanual verify-edition' recognises the file by this checksum. Never edit it.\n")
        atomic_write(path, header + dump_yaml({
            "format": HANDOUT_FORMAT, "edition": edition.version, "sha256": sha256,
            "chapters": chapters, "paper": paper, "jurisdiction": jurisdiction or "",
            "printed": utc_now(),
        }))
    return rel


def handout_for_checksum(edition: Edition, sha256: str) -> dict[str, Any] | None:
    """The recorded handout of ``edition`` whose bytes have ``sha256``, if one was printed."""
    path = handouts_dir(edition) / f"{sha256}.yaml"
    if not path.is_file():
        return None
    where = f"{edition.rel}/{REGISTER_DIR}/{HANDOUTS_DIR}/{path.name}"
    data = load_yaml(path, where).data
    if data.get("edition") != edition.version or data.get("sha256") != sha256:
        raise VimanualError("not a handout record of this edition", "restore the file from git", file=where)
    return {k: data.get(k) for k in ("chapters", "paper", "jurisdiction", "printed")}
