"""The one error hierarchy: every user-facing failure is a VimanualError.

The CLI catches these once, prints ``Error: <message>`` and the hint, and exits
with ``exit_code`` (2 for bad input or usage, 1 for a failed check or gate).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class VimanualError(Exception):
    """A failure the user can act on: what is wrong, where (``file`` and ``line`` when it is
    about a file) and a hint. ``message`` is the one line shown: 'file:line: reason'."""

    exit_code = 2

    def __init__(self, reason: str, hint: str = "", exit_code: int | None = None, *,
                 file: str | None = None, line: int | None = None) -> None:
        self.reason = reason
        self.hint = hint
        self.file = file
        self.line = line
        if exit_code is not None:
            self.exit_code = exit_code
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """'file:line: reason', 'file: reason' or the reason alone."""
        if self.file is None:
            return self.reason
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.reason}"

    def problem(self, file: str, rule: str = "structure") -> Problem:
        """This error as a finding about ``file`` (its own file and line when it names one)."""
        if self.file == file:
            return Problem(file, self.line, self.reason, self.hint, rule)
        return Problem(file, None, self.message, self.hint, rule)


def close_names(value: str, known: Iterable[str], n: int = 1, cutoff: float = 0.6) -> list[str]:
    """The known names closest to ``value`` (case-insensitive), best first."""
    choices = {name.casefold(): name for name in known}
    close = difflib.get_close_matches(value.strip().casefold(), list(choices), n=n, cutoff=cutoff)
    return [choices[c] for c in close]


def suggest(names: Sequence[str]) -> str:
    """"did you mean 'x'? " (or 'x', 'y'), else "": the one place vimanual suggests names."""
    return f"did you mean {', '.join(repr(str(n)) for n in names)}? " if names else ""


def did_you_mean(value: str, known: Iterable[str]) -> str:
    """A suggestion of the closest known name (case-insensitive), else ""."""
    return suggest(close_names(value, known))


class UnknownName(VimanualError):
    """A chapter, jurisdiction, edition or contribution that is not known: the hint suggests
    the closest known name and lists them."""

    def __init__(self, kind: str, value: str, known: Iterable[str], *, fix: str = "",
                 listed: str = "known") -> None:
        choices = list(known)
        names = ", ".join(choices[:20]) + (" …" if len(choices) > 20 else "")
        self.kind = kind
        self.value = value
        self.suggestions = close_names(value, choices)
        super().__init__(f"unknown {kind} '{value[:120]}'{fix}",
                         did_you_mean(value, choices) + f"{listed}: {names or 'none'}")


class WorkspaceNotFound(VimanualError):
    """No manual.yaml above the current folder (or at --workspace)."""


class WorkspaceBusy(VimanualError):
    """Another vimanual command holds the workspace lock for too long."""


class GateFailed(VimanualError):
    """A check or a release gate failed: exit 1."""

    exit_code = 1


def shown_name(name: str) -> str:
    """A file's name as text says it: every control character, newline and tab included, as
    ``\\xNN`` (a committed name with newlines could otherwise print lines of its own)."""
    return _NAME_CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", name)


_NAME_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Problem:
    """One finding about the workspace, pointing at a file and (where known) a line."""

    file: str
    line: int | None
    message: str
    hint: str = ""
    rule: str = "structure"
    severity: str = "error"

    def location(self) -> str:
        file = shown_name(self.file)
        return f"{file}:{self.line}" if self.line else file

    def __str__(self) -> str:
        return f"{self.location()}: {self.message}"


class InvalidWorkspace(VimanualError):
    """The workspace failed validation; carries every problem found, not just the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        super().__init__(str(first) + more, first.hint or "run 'vimanual check' to list them all")
        self.problems = list(problems)


class ToolError(VimanualError):
    """An external tool (pandoc, WeasyPrint) failed; carries the command and its stderr tail."""

    def __init__(self, what: str, command: Sequence[str], returncode: int | None, stderr: str) -> None:
        tail = "\n".join(stderr.strip().splitlines()[-5:])
        code = "timed out" if returncode is None else f"exit code {returncode}"
        super().__init__(
            f"{what} failed ({code}): {tail or 'no output'}",
            f"command: {' '.join(command)}",
        )
        self.command = list(command)
        self.returncode = returncode
        self.stderr = stderr


class LimitExceeded(ToolError):
    """An external tool ran past its time or memory bound and was stopped.

    ``message`` says which bound (e.g. "pandoc did not finish within 5 s"); the hint says
    which limit in manual.yaml raises it, with the command for the curious.
    """

    def __init__(self, message: str, command: Sequence[str], stderr: str = "", hint: str = "") -> None:
        super().__init__(message, command, None, stderr)
        self.reason = message
        self.args = (message,)
        if hint:
            self.hint = hint
