"""The rules behind ``vimanual check``: each module looks at one concern of a chapter.

Rules see a chapter scanned once (``markdown.ParsedBody``) and return ``Hit``s with
body offsets; ``vimanual.check.run`` turns them into Problems with exact file lines and
applies the silencing markers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hit:
    """One finding in a chapter body, before it becomes a Problem with a file line."""

    start: int
    end: int
    rule: str
    severity: str
    message: str
    hint: str = ""


ERROR = "error"
WARNING = "warning"
