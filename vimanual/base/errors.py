"""The one error hierarchy: every user-facing failure is a VimanualError.

The CLI catches these once, prints ``Error: <message>`` and the hint, and exits
with ``exit_code`` (2 for bad input or usage, 1 for a failed check or gate).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class VimanualError(Exception):
    """A failure the user can act on: a one-line message and a hint."""

    exit_code = 2

    def __init__(self, message: str, hint: str = "", exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code


class WorkspaceNotFound(VimanualError):
    """No manual.yaml above the current folder (or at --workspace)."""


class WorkspaceBusy(VimanualError):
    """Another vimanual command holds the workspace lock for too long."""


class GateFailed(VimanualError):
    """A check or a release gate failed: exit 1."""

    exit_code = 1


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
        return f"{self.file}:{self.line}" if self.line else self.file

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
        self.message = message
        self.args = (message,)
        if hint:
            self.hint = hint
