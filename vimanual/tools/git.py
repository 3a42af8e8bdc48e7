"""Ask git whether append-only files were ever changed: the only place that runs git for checks.

Review events are facts: once committed, a file under reviews/ is never modified, renamed
or deleted. Where the workspace is in a git repository, its history can prove that.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from vimanual.base.errors import Problem, ToolError
from vimanual.tools import proc

GIT_TIMEOUT = 60.0
GIT_MEMORY_MB = 2_048  # git maps packs from files (not counted); this bounds what it allocates
_KINDS = {"M": "modified", "D": "deleted", "T": "changed into another file type"}
_HINT = ("review events are never edited or removed: restore the original "
         "(git checkout {commit} -- {path}) and record a new review instead")


def _git(root: Path, *args: str) -> proc.Finished | None:
    """Run git in ``root`` through the bounded runner; None when git is missing."""
    git = shutil.which("git")
    if git is None:
        return None
    command = [git, "-c", "core.quotepath=off", "-C", str(root), *args]
    return proc.run(command, what="git", timeout=GIT_TIMEOUT, memory_mb=GIT_MEMORY_MB)


def _has_history(root: Path) -> bool:
    inside = _git(root, "rev-parse", "--is-inside-work-tree")
    if inside is None or inside.returncode != 0 or inside.out.strip() != "true":
        return False
    head = _git(root, "rev-parse", "--verify", "--quiet", "HEAD")
    return head is not None and head.returncode == 0


def committed_event_changes(root: Path, folder: str, spec: str | None = None,
                            noun: str = "review event") -> list[Problem]:
    """Every committed file under ``folder`` (or matching the pathspec ``spec``) that a later
    commit or the working tree modified or deleted, or that a rewritten history lost. Empty
    when ``root`` is not in a git repository (nothing to ask)."""
    if not _has_history(root):
        return []
    problems: list[Problem] = []
    spec = spec or f"{folder}/"
    log_args = ("log", "--no-renames", "--relative", "--diff-filter=MDT", "--name-status",
                "--format=commit %h", "--", spec)
    log = _checked(root, *log_args)
    commit = ""
    for line in log.splitlines():
        if line.startswith("commit "):
            commit = line.removeprefix("commit ")
        elif "\t" in line:
            status, path = line.split("\t", 1)
            kind = _KINDS.get(status[:1], status)
            problems.append(Problem(path, None, f"committed {noun} was {kind} in commit {commit}",
                                    _HINT.format(commit=f"{commit}^", path=path), rule="history"))
    diff_args = ("diff", "--no-renames", "--relative", "--diff-filter=MDT", "--name-status", "HEAD",
                 "--", spec)
    for line in _checked(root, *diff_args).splitlines():
        if "\t" in line:
            status, path = line.split("\t", 1)
            kind = _KINDS.get(status[:1], status)
            problems.append(Problem(path, None, f"committed {noun} is {kind} in the working tree",
                                    _HINT.format(commit="HEAD", path=path), rule="history"))
    reported = {p.file for p in problems}
    problems.extend(p for p in _rewritten_events(root, spec, noun, f"{folder}/") if p.file not in reported)
    return problems


def _rewritten_events(root: Path, spec: str, noun: str = "review event", tree: str = "") -> list[Problem]:
    """Events git has seen in any commit it still knows (the reflog included) that the current
    history lacks or holds with other bytes: the trace of a rewritten history (amend, rebase,
    reset) that removed or changed a review event."""
    seen: dict[str, tuple[str, str]] = {}  # path -> (blob as first recorded, commit)
    log_args = ("log", "--reflog", "--all", "--reverse", "--no-renames", "--relative", "--raw",
                "--no-abbrev", "--diff-filter=AM", "--format=commit %h", "--", spec)
    commit = ""
    for line in _checked(root, *log_args).splitlines():
        if line.startswith("commit "):
            commit = line.removeprefix("commit ")
        elif line.startswith(":") and "\t" in line:
            fields, path = line.split("\t", 1)
            blob = fields.split()[3]
            seen.setdefault(path, (blob, commit))
    current: dict[str, str] = {}
    # ls-tree takes no pathspec magic: list the folder (extra paths are never looked up)
    for line in _checked(root, "ls-tree", "-r", "HEAD", "--", tree or spec).splitlines():
        fields, path = line.split("\t", 1)
        current[path] = fields.split()[2]
    problems = []
    for path, (blob, commit) in sorted(seen.items()):
        in_head = current.get(path)
        if in_head == blob:
            continue
        what = "is missing from" if in_head is None else "differs in"
        problems.append(Problem(path, None, f"{noun} recorded in commit {commit} {what} the current "
                                "history (was the history rewritten?)",
                                _HINT.format(commit=commit, path=path), rule="history"))
    return problems


def _checked(root: Path, *args: str) -> str:
    done = _git(root, *args)
    if done is None:
        return ""
    if done.returncode != 0:
        raise ToolError("git", ["git", *args], done.returncode, done.err)
    return done.out


def committed_texts(root: Path, rel: str, limit: int = 200) -> list[str]:
    """The committed versions of the workspace file ``rel``, newest first (at most ``limit``),
    to recover an earlier text; [] where the workspace has no git history."""
    if not _has_history(root):
        return []
    log = _git(root, "log", f"--max-count={limit}", "--format=%H", "--", rel)
    if log is None or log.returncode != 0:
        return []
    texts = []
    for commit in log.out.split():
        shown = _git(root, "show", f"{commit}:./{rel}")
        if shown is not None and shown.returncode == 0:
            texts.append(shown.out)
    return texts
