"""``vimanual init``: lay out a new workspace from the tool's defaults, never overwriting."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vimanual.base.errors import VimanualError
from vimanual.base.fsutil import atomic_write
from vimanual.workspace.load import MANUAL_FILE

DEFAULTS = Path(__file__).parent.parent / "defaults"
FOLDERS = ("chapters", "chapters/media", "contributions", "reviews")


@dataclass
class InitResult:
    root: Path
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def _plan() -> dict[str, Path]:
    """Workspace-relative file name → default file it is copied from; manual.yaml comes last
    so that an interrupted init never leaves something that looks like a workspace."""
    plan = {".gitignore": DEFAULTS / "gitignore"}
    styles = DEFAULTS / "styles"
    for source in sorted(styles.rglob("*")):
        if source.is_file():
            plan[f"styles/{source.relative_to(styles).as_posix()}"] = source
    for folder in FOLDERS:
        plan[f"{folder}/.gitkeep"] = Path()
    plan[MANUAL_FILE] = DEFAULTS / MANUAL_FILE
    return plan


def init_workspace(target: Path) -> InitResult:
    """Create a workspace in ``target``; existing files are kept, never overwritten."""
    root = target.expanduser().resolve()
    if (root / MANUAL_FILE).exists():
        raise VimanualError(
            f"{root} is already a workspace ({MANUAL_FILE} exists)",
            "init never overwrites; edit the existing manual.yaml or choose another folder",
        )
    if root.exists() and not root.is_dir():
        raise VimanualError(f"{root} exists and is not a folder", "choose another path")
    result = InitResult(root)
    for rel, source in _plan().items():
        path = root / rel
        if path.exists() or path.is_symlink():
            result.kept.append(rel)
            continue
        atomic_write(path, source.read_bytes() if source.is_file() else b"")
        result.created.append(rel)
    return result
