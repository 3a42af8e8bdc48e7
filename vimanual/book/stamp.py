"""A build's stamp: a digest of everything a draft's outputs are made from, recorded after a
successful build beside the outputs' SHA-256, so that a build with nothing changed keeps the
outputs and stops before converting, sanitizing, numbering or laying out anything.

What the stamp covers: the options (banners, paper, date, language …), manual.yaml, every
chapter as loaded (its text, front matter and content hash, which covers the files it shows),
the broken chapters' problems, the glossary, the bibliography and CSL style, the workspace's
styles/ folder (fonts included), the images each chapter's HTML embedded (read again, and
the paths that were missing, checked still missing), vimanual's own files (code, filters,
default styles: size and modification time), the pandoc binary and the names of the
installed distributions (WeasyPrint's, fonttools' … version, from their ``.dist-info``
folder names, without importing them). A build is kept only when the stamp is the one
recorded and every output still has the bytes written then: an output edited or deleted by
hand is rebuilt. Released editions never take this path (they are built in a scratch folder).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from vimanual.base.clonekey import cache_secret
from vimanual.base.errors import Problem
from vimanual.base.fsutil import atomic_write, file_sha256, sha256_hex
from vimanual.base.sanitize import image_state
from vimanual.book.plan import BuildOptions, BuildResult
from vimanual.workspace.glossary import GLOSSARY_FILE
from vimanual.workspace.load import Workspace

PACKAGE = Path(__file__).resolve().parent.parent
VERSION = 1  # of the record's shape: a new one makes every stamp new


@dataclass(frozen=True)
class Stamp:
    """One build's stamp: its digest, and the record that remembers the build made under it."""

    key: str
    record: Path
    use_cache: bool
    root: Path


def stamp_for(workspace: Workspace, options: BuildOptions) -> Stamp | None:
    """The stamp of building ``options`` from ``workspace``; None for a released edition."""
    if options.release is not None:
        return None
    out_dir = (options.output or workspace.build_dir).resolve()
    date = options.date or dt.datetime.now(dt.UTC).date().isoformat()
    manual = workspace.manual
    digest = hashlib.sha256()
    for part in (
        f"v{VERSION}", str(out_dir), date,
        repr(replace(options, jobs=None, use_cache=True)),  # neither changes the outputs' bytes
        repr(manual), repr(workspace.broken),
        *(repr(chapter) for chapter in workspace.chapters.values()),
        _file(workspace.root / "manual.yaml"), _file(workspace.root / GLOSSARY_FILE),
        _file(workspace.file(manual.bibliography)), _file(workspace.file(manual.csl)),
        _folder(workspace.root / "styles"), _installed(), cache_secret(),
    ):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    # one record per output set: `build` and `build --format pdf` each keep their own
    which = sha256_hex(json.dumps([str(out_dir), options.language, sorted(options.formats)]))[:16]
    return Stamp(digest.hexdigest(), workspace.build_dir / "cache" / "build" / f"{which}.json",
                 options.use_cache, workspace.root)


def kept(stamp: Stamp | None) -> BuildResult | None:
    """The last build's result, if it was made under ``stamp`` and its outputs are untouched."""
    if stamp is None or not stamp.use_cache:
        return None
    try:
        record = json.loads(stamp.record.read_text(encoding="utf-8"))
        if record["key"] != stamp.key:
            return None
        for joined, state in record["images"].items():
            if image_state(stamp.root, Path(joined))[0] != state:
                return None
        for path, sha in record["outputs"].values():
            if file_sha256(Path(path)) != sha:
                return None
        result = record["result"]
        return BuildResult(
            outputs={name: Path(path) for name, (path, _) in record["outputs"].items()},
            chapters=result["chapters"], converted=0, cached=result["chapters"], pages=result["pages"],
            pdf_reused="pdf" in record["outputs"],
            problems=[Problem(*p) for p in result["problems"]],
            laid_out=0, layout_cached=result["parts"],
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember(stamp: Stamp | None, result: BuildResult, images: dict[str, str]) -> None:
    """Record ``result`` as the build made under ``stamp``; ``images``: each image path the
    chapters' HTML named, with what was found there (``sanitize.image_state``)."""
    if stamp is None:
        return
    problems = [[p.file, p.line, p.message, p.hint, p.rule, p.severity] for p in result.problems]
    record: dict[str, Any] = {
        "key": stamp.key,
        "images": images,
        "outputs": {name: [str(path), file_sha256(path)] for name, path in result.outputs.items()},
        "result": {"chapters": result.chapters, "pages": result.pages, "problems": problems,
                   "parts": result.laid_out + result.layout_cached},
    }
    atomic_write(stamp.record, json.dumps(record))


def _file(path: Path | None) -> str:
    if path is None:
        return "-"
    try:
        return f"{path}:{file_sha256(path)}"
    except OSError:
        return f"{path}:missing"


def _folder(folder: Path) -> str:
    """Every file under ``folder`` (a workspace's styles/) by content; links by where they point
    and, when they point at a file inside the workspace, by its content too (a link to a device
    or outside must not be read; the build refuses links that leave the workspace)."""
    if not folder.is_dir():
        return "-"
    entries = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            # where it points, and (a file inside the workspace: one the build reads) its bytes
            target = path.resolve()
            inside = target.is_relative_to(folder.resolve().parent) and target.is_file()
            entries.append(f"{rel}->{os.readlink(path)}:{file_sha256(target) if inside else '-'}")
        elif path.is_file():
            entries.append(f"{rel}:{file_sha256(path)}")
    return "\n".join(entries)


def _installed() -> str:
    """vimanual's own files (size and time of each), the pandoc binary's, and the installed
    distributions' names and versions (WeasyPrint's, fonttools', pikepdf's …)."""
    entries = []
    for folder, dirs, files in os.walk(PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            stat = os.stat(os.path.join(folder, name))
            entries.append(f"{folder}/{name}:{stat.st_size}:{stat.st_mtime_ns}")
    from vimanual.tools.pandoc import pandoc_path

    binary = pandoc_path()
    stat = os.stat(binary)
    entries.append(f"{binary}:{stat.st_size}:{stat.st_mtime_ns}")
    spec = importlib.util.find_spec("weasyprint")
    if spec is not None and spec.origin:
        site = Path(spec.origin).parent.parent
        entries.extend(sorted(name for name in os.listdir(site) if name.endswith(".dist-info")))
    return "\n".join(entries)
