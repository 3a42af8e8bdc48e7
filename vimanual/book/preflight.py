"""A build's preflight: the workspace loaded once, and check's errors-only subset over the
chapters to build, run beside the build's conversion of its chapters (``Preflight``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from vimanual.base.errors import GateFailed, InvalidWorkspace, Problem

if TYPE_CHECKING:
    from vimanual.workspace.load import Workspace


class BuildRefused(GateFailed):
    """'vimanual check' found errors, so the build stopped before laying out or writing anything
    (exit 1)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"'vimanual check' found {len(problems)} error(s); not building",
                         "fix them, or pass --force to build a draft anyway")
        self.problems = problems


def loaded(root: Path, slugs: list[str], isolate: bool) -> tuple[Workspace, list[Problem], bool]:
    """The workspace, loaded once, the problems its loading found, and whether check should run
    over ``slugs`` (not when the build itself will say something better: an unknown chapter).
    With ``isolate`` a broken chapter file is set aside (workspace.broken) instead of refused."""
    from vimanual.base.names import is_slug
    from vimanual.workspace.load import inspect_workspace, isolate_broken, refuse_broken

    workspace, problems = inspect_workspace(root)
    if isolate and workspace is not None:
        problems = isolate_broken(workspace, problems)
        refuse_broken(workspace, slugs)
    structural = [p for p in problems if p.severity == "error"]
    if structural or workspace is None:
        raise InvalidWorkspace(structural)
    return workspace, problems, all(is_slug(s) and s in workspace.manual.chapters for s in slugs)


class Preflight:
    """check's errors-only subset over the chapters to build, in a thread of its own beside the
    build's conversion of its chapters: it needs only the loaded workspace, and one after the
    other they took 1.7 s and 2.9 s of a cold build of the real corpus (bench/realcorpus.py).
    The build calls ``settle`` before it lays out or writes anything (book/pipeline.py): the
    errors then refuse it (``BuildRefused``) unless ``force``, when ``on_forced`` hears of them."""

    def __init__(self, workspace: Workspace, problems: list[Problem], slugs: list[str] | None, force: bool,
                 on_forced: Callable[[list[Problem]], None] | None) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from vimanual.check.run import check_loaded

        self.force, self.on_forced = force, on_forced
        self.errors: list[Problem] = []
        self.settled = slugs is None
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vimanual-check")
        self.future = None if slugs is None else self.pool.submit(
            lambda: check_loaded(workspace, problems, slugs, errors_only=True).errors)

    def settle(self) -> None:
        """Wait for the check; refuse the build if it found errors (unless forced). Once."""
        from vimanual.tools.proc import give_back_memory

        if self.settled:
            return
        self.settled = True
        assert self.future is not None
        self.errors = self.future.result()
        give_back_memory()  # what the check's thread freed (tools/proc.py)
        if self.errors and not self.force:
            raise BuildRefused(self.errors)
        if self.errors and self.on_forced is not None:
            self.on_forced(self.errors)

    def close(self) -> None:
        """Wait for the check's thread (a build that failed before ``settle`` leaves it running)."""
        self.pool.shutdown(wait=True)
