"""Who is acting and when: ``--as NAME``, else VIMANUAL_USER, else git's user.name; UTC times."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess

from vimanual.base.errors import VimanualError
from vimanual.base.names import check_plain


def resolve_person(explicit: str | None = None) -> str:
    """The acting person's name, or a usage error saying how to give one."""
    for candidate in (explicit, os.environ.get("VIMANUAL_USER"), _git_user_name()):
        if candidate and candidate.strip():
            name = " ".join(candidate.split())
            if len(name) > 100:
                raise VimanualError(f"person name {name[:40]!r}… is not valid", "use a plain name")
            check_plain(name, "the person name")
            return name
    raise VimanualError(
        "who are you? no --as NAME, VIMANUAL_USER or git user.name is set",
        "pass --as 'Your Name' or set VIMANUAL_USER",
    )


def _git_user_name() -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        proc = subprocess.run(
            [git, "config", "user.name"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() or None


FUTURE_TOLERANCE = dt.timedelta(minutes=10)  # clocks of two machines may differ a little


def future_limit() -> str:
    """The latest time a recorded fact may carry (now + a small clock tolerance), formatted
    as ``utc_now`` so that times compare as text."""
    return (dt.datetime.now(dt.UTC) + FUTURE_TOLERANCE).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def utc_now() -> str:
    """The current UTC time as an ISO 8601 string with microseconds ('...Z')."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_AFFILIATION_RE = re.compile(r"\s*\([^()]*\)\s*$")


def merge_authors(*sources: object) -> list[str]:
    """Authors from each source in order, each person once: "Chris Contributor" and
    "Chris Contributor (UK)" are one person (case, spacing and a trailing "(…)" aside), shown
    in the fuller form."""
    authors: dict[str, str] = {}
    for source in sources:
        for name in [source] if isinstance(source, str) else source if isinstance(source, list) else []:
            if not isinstance(name, str) or not name.strip():
                continue
            key = " ".join(_AFFILIATION_RE.sub("", name).split()).casefold()
            if key not in authors or len(name.strip()) > len(authors[key]):
                authors[key] = " ".join(name.split())
    return list(authors.values())
