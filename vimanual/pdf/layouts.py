"""Documents laid out by the layout workers, each once: a document laid out before with the
same styles and the same WeasyPrint comes from build/cache/layout/KEY.pdf."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from vimanual.base.clonekey import cache_secret
from vimanual.base.fsutil import atomic_write, fsync_dir, sha256_hex
from vimanual.pdf.weasy import FetchLog, LayoutJob, LayoutPool

Progress = Callable[[str, int, int], None]
#: Told the layouts so far (by document index), gives documents to lay out too (``Layouts.get``).
More = Callable[[dict[int, "Laid"]], list[tuple[str, bool]]]
#: Layouts in the cache that no build used for this many days are deleted.
CACHE_DAYS = 14


@dataclass(frozen=True)
class Laid:
    """A document laid out: its PDF (in the cache) and what the layout reported."""

    path: Path
    pages: int
    refused: tuple[str, ...]


@dataclass(frozen=True)
class Places:
    """Where things are in a laid-out document: its named destinations (name → (page, left,
    top)), and which of the pages just before a page with a destination paint nothing (a blank
    verso the layout inserted before a chapter of a group)."""

    dests: dict[str, tuple[int, float, float]]
    blank_before: frozenset[int]


def places(laid: Laid) -> Places:
    """``laid``'s places, kept beside it in the cache (KEY.json): the page plan and the early
    contents read them on every build, and a one-chapter edit would open every part for them."""
    record_path = laid.path.with_suffix(".json")
    record: dict[str, object] = {}
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        record = json.loads(record_path.read_text(encoding="utf-8"))
        kept = Places({str(name): (int(page), float(left), float(top))
                       for name, (page, left, top) in record["dests"].items()},  # type: ignore[attr-defined]
                      frozenset(int(page) for page in record["blank_before"]))  # type: ignore[attr-defined]
        return kept
    found = _read_places(laid.path)
    if isinstance(record, dict) and "pages" in record:  # a cached layout's, from before places
        with contextlib.suppress(OSError):
            atomic_write(record_path, json.dumps({**record, **_places_record(found)}))
    return found


def _read_places(path: Path) -> Places:
    import pikepdf

    from vimanual.pdf.stitch import is_blank, page_dests

    with pikepdf.open(path) as pdf:
        dests = page_dests(pdf)
        before = {page - 1 for page, _, _ in dests.values() if page > 0}
        return Places(dests, frozenset(page for page in before if is_blank(pdf.pages[page])))


def _places_record(found: Places) -> dict[str, object]:
    return {"dests": found.dests, "blank_before": sorted(found.blank_before)}


class Layouts:
    """Lay out documents, each once: a document already laid out with the same styles
    and the same WeasyPrint is taken from build/cache/layout/KEY.pdf."""

    def __init__(self, cache: Path, salt: str, pool: LayoutPool, use_cache: bool) -> None:
        self.cache = cache
        self.salt = salt
        self.private = cache_secret()  # in the cache's file names, not the keys: see _file
        self.pool = pool
        self.use_cache = use_cache
        self.laid_out = 0
        self.reused = 0  # taken from the cache, laid out by an earlier build
        self.made: set[str] = set()  # the keys this build laid out or took from the cache already

    def get(self, documents: list[tuple[str, bool]], progress: Progress | None = None,
            first: Callable[[], Sequence[int]] | None = None, more: More | None = None) -> list[Laid]:
        """Each (html, tagged) laid out; untagged is for margin pages. The largest go first,
        but those ``first()`` gives (indexes; asked only if there are several to lay out) before
        them. ``more`` is told what is laid out so far (by index: what the cache holds, then each
        layout as it ends) and may add documents, whose layouts are returned after those of
        ``documents``."""
        documents = list(documents)
        keys: list[str] = []
        found: dict[str, Laid] = {}
        wanted: dict[str, tuple[str, bool]] = {}
        known: dict[int, Laid] = {}

        def add(added: list[tuple[str, bool]]) -> list[str]:
            """Note the keys of ``added`` (documents after those before); the keys of those to lay out."""
            new = []
            for html, tagged in added:
                key = sha256_hex(json.dumps([html, tagged, self.salt]))
                keys.append(key)
                laid = self._cached(key) if self.use_cache else None
                if laid is not None:
                    found[key] = known[len(keys) - 1] = laid
                elif key not in wanted:
                    wanted[key] = (html, tagged)
                    new.append(key)
            return new

        def ask() -> list[str]:
            """What ``more`` adds, asked again while the cache holds all it gave: the keys to lay out."""
            assert more is not None
            while True:
                extra = more(dict(known))
                documents.extend(extra)
                new = add(extra)
                if new or not extra:
                    return new

        new = add(documents)
        order = list(dict.fromkeys([keys[i] for i in (first() if first and len(new) > 1 else ())
                                    if keys[i] in wanted]
                                   + sorted(new, key=lambda k: -len(wanted[k][0]))))  # largest first
        added_later: set[str] = set()  # what ``more`` adds (the contents): each by a fresh worker
        if more is not None and not new:
            extra = ask()  # what the cache holds may be enough
            added_later.update(extra)
            order += extra
        self.cache.mkdir(parents=True, exist_ok=True)
        # Unique temporary names: two builds of one workspace may lay out the same part at once.
        tag = f"{os.getpid()}-{secrets.token_hex(4)}"

        def job(key: str) -> LayoutJob:
            return LayoutJob(wanted[key][0], self.cache / f".{key}.{tag}.pdf.tmp", wanted[key][1], key[:32],
                             fresh=key in added_later)

        jobs = [job(k) for k in order]

        settled: dict[int, Laid] = {}
        unsettled: list[BaseException] = []

        def settle(number: int, log: FetchLog) -> None:
            """A layout into the cache with its record, as it ends, while the others are laid out
            (after the last one, this took 0.5 s of one core for the generated book's 75 parts).
            An error is raised once every layout has ended."""
            key = order[number]
            try:
                with open(jobs[number].target, "rb+") as handle:
                    os.fsync(handle.fileno())
                os.replace(jobs[number].target, self._file(key, "pdf"))
                atomic_write(self._file(key, "json"), json.dumps({
                    "pages": log.pages, "refused": log.refused,
                    **_places_record(_read_places(self._file(key, "pdf")))}))
            except BaseException as exc:  # noqa: BLE001 - raised by ``get`` (this is a pool's thread)
                unsettled.append(exc)
                return
            settled[number] = Laid(self._file(key, "pdf"), log.pages, tuple(log.refused))

        def asked() -> list[LayoutJob]:
            """What ``more`` adds now, as jobs."""
            new = ask()
            added_later.update(new)
            order.extend(new)
            added = [job(k) for k in new]
            jobs.extend(added)
            return added

        def after(number: int, log: FetchLog) -> list[LayoutJob]:
            laid = settled.get(number, Laid(jobs[number].target, log.pages, tuple(log.refused)))
            known.update((index, laid) for index, key in enumerate(keys) if key == order[number])
            return asked()

        try:
            # With documents to lay out, ``more`` is first asked once the workers have them (the
            # contents from the cache, after a one-chapter edit: 0.08 s the worker waited for).
            self.pool.run(jobs, progress, None if more is None else after, settle,
                          asked if more is not None and new else None)
            if unsettled:
                raise unsettled[0]
            found.update((key, settled[number]) for number, key in enumerate(order))
        finally:
            for job_ in jobs:
                with contextlib.suppress(FileNotFoundError):
                    job_.target.unlink()
        fsync_dir(self.cache)
        self.laid_out += len(jobs)
        again = sum(key in self.made and key not in wanted for key in keys)  # counted earlier in this build
        self.reused += len(documents) - len(jobs) - again
        self.made.update(keys)
        return [found[key] for key in keys]

    def _file(self, key: str, kind: str) -> Path:
        """Where the layout of ``key`` is kept: a name with this user's secret in it, so that a
        layout a collaborator committed under build/cache/ is never taken (see cache_secret).
        The key itself (which the PDF's identifier is made from) stays the content's."""
        return self.cache / f"{sha256_hex(key + self.private)}.{kind}"

    def _cached(self, key: str) -> Laid | None:
        with contextlib.suppress(FileNotFoundError, ValueError, KeyError, TypeError):
            record = json.loads(self._file(key, "json").read_text(encoding="utf-8"))
            pdf = self._file(key, "pdf")
            if pdf.is_file():
                os.utime(pdf)  # recently used: kept by prune()
                return Laid(pdf, int(record["pages"]), tuple(str(u) for u in record["refused"]))
        return None

    def prune(self, days: float = CACHE_DAYS) -> None:
        """Forget layouts no build has used for ``days`` (other papers, old versions of a
        chapter), so the cache does not grow without end."""
        import time

        cutoff = time.time() - days * 86400
        with contextlib.suppress(FileNotFoundError):
            for path in [*self.cache.glob("*.pdf"), *self.cache.glob("font-*.ttf")]:
                with contextlib.suppress(FileNotFoundError):
                    if path.stat().st_mtime < cutoff:
                        path.with_suffix(".json").unlink(missing_ok=True)
                        path.unlink()
