"""A build's preflight: the workspace loaded once, and check's errors-only subset over the
chapters to build, run beside the build's conversion of its chapters (``Preflight``)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from vimanual.base.errors import GateFailed, InvalidWorkspace, Problem, VimanualError

if TYPE_CHECKING:
    from vimanual.workspace.load import Workspace
    from vimanual.workspace.media import Found
    from vimanual.workspace.schema import Manual


class BuildRefused(GateFailed):
    """'vimanual check' found errors, so the build stopped before laying out or writing anything
    (exit 1)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"'vimanual check' found {len(problems)} error(s); not building",
                         "fix them, or pass --force to build a draft anyway")
        self.problems = problems


def loaded(root: Path, slugs: list[str], isolate: bool, early: EarlyHTML | None = None,
           start_layout: Callable[[], None] | None = None,
           language: str | None = None) -> tuple[Workspace, list[Problem], bool]:
    """The workspace, loaded once, the problems its loading found, and whether check should run
    over ``slugs`` (not when the build itself will say something better: an unknown chapter).
    With ``isolate`` a broken chapter file is set aside (workspace.broken) instead of refused;
    a broken translation file is, unless it is in the ``language`` built (workspace.broken_translations);
    with ``early``, the chapters it parses are converted to HTML by the same read.

    ``start_layout`` starts the layout's fork server, whose import of WeasyPrint (0.4 CPU s)
    then runs beside the check: before the workspace is read; or, on a first build (``early``,
    and no chapter parsed before), once pandoc has read every chapter on both cores (beside
    that, the import only slowed it down: 0.3 s of the generated book's 11.7)."""
    from vimanual.base.names import is_slug
    from vimanual.workspace.load import (
        inspect_workspace,
        isolate_broken,
        refuse_broken,
        set_aside_translations,
    )
    from vimanual.workspace.media import parsed_before, reading_with

    first_read = early is not None and not parsed_before(root)
    if start_layout is not None and not first_read:
        start_layout()
    with reading_with(early) if early else contextlib.nullcontext():
        workspace, problems = inspect_workspace(root)
    if start_layout is not None and first_read:
        start_layout()
    if isolate and workspace is not None:
        problems = isolate_broken(workspace, problems)
        refuse_broken(workspace, slugs)
    elif workspace is not None:
        problems = set_aside_translations(workspace, problems, keep=language)
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


class EarlyHTML:
    """A full build's chapters converted to HTML by the pandoc read that also gives the load
    their media sets (``media.reading_with``): a cold build read each chapter twice, for its
    media set as the workspace loaded, then for its HTML (3.5 and 3.3 CPU s of pandoc for the
    real corpus's 177 chapters, most of each reading). ``html`` is kept by chapter cache file
    name (which covers the text, pandoc's arguments and the files' contents) for the build's
    ``ChapterCache``; a chapter the build converts otherwise (another text, other arguments)
    finds nothing there. Each text read is remembered with its media set: a release loads the
    working chapters, then their frozen copy (a workspace of its own), which reads none again."""

    def __init__(self, jurisdiction: str | None, jobs: int | None) -> None:
        self.jurisdiction, self.jobs = jurisdiction, jobs
        self.html: dict[str, str] = {}
        self.media: dict[str, Found] = {}  # text's SHA-256 → its media set, of the texts read here

    def __call__(self, root: Path, manual: Manual, bodies: dict[str, str]) -> Mapping[str, Found]:
        from vimanual.base.fsutil import sha256_hex
        from vimanual.base.names import normalise_code
        from vimanual.book.chapters import ChapterCache
        from vimanual.book.plan import default_jobs
        from vimanual.workspace.load import Workspace

        jurisdiction = self.jurisdiction
        if jurisdiction is not None and jurisdiction not in manual.codes:
            try:  # as the build will name it (book/plan.py)
                jurisdiction = normalise_code(jurisdiction, manual.codes)
            except VimanualError:
                return {}  # the build refuses it
        digests = {slug: sha256_hex(body.encode("utf-8", "surrogatepass")) for slug, body in bodies.items()}
        found = {slug: self.media[digest] for slug, digest in digests.items() if digest in self.media}
        unread = {slug: body for slug, body in bodies.items() if slug not in found}
        cache = ChapterCache(Workspace(root=root, manual=manual), jurisdiction, self.html)
        for slug, media in cache.read_with_media(unread, self.jobs or default_jobs()).items():
            self.media[digests[slug]] = found[slug] = media
        return found
