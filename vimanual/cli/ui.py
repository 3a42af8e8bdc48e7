"""What every command shares: the consoles, the options given before the command name,
turning errors into 'Error:' lines and exit codes, symbols for review states, and
shell completion."""

# Annotations stay objects here (no `from __future__ import annotations`): typer reads every
# parameter's annotation when the CLI starts, and each string annotation costs it a compile.

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from vimanual import api

F = TypeVar("F", bound=Callable[..., Any])

# One symbol per state, each a different shape so that the matrix reads without colour.
SYMBOLS = {
    "approved": ("✓", "green"),
    "stale": ("~", "yellow"),
    "changes-requested": ("✗", "red"),
    "pending": ("○", "cyan"),
    "n/a": ("-", "dim"),
    # a translation's states (stale, approved and changes-requested are shared with review)
    "current": ("●", "blue"),
    "in-progress": ("…", "cyan"),
    "missing": ("·", "dim"),
}
STATE_COLOURS = {"submitted": "cyan", "accepted": "green", "declined": "red", "withdrawn": "yellow"}
LEGEND = ("✓ approved  ~ stale  ✗ changes requested  ○ pending  - n/a\n"
          "(stale: approved, but the text changed since)")
LANGUAGE_LEGEND = ("✓ approved  ● current  ✗ changes requested  ~ stale  … in progress  · missing\n"
                   "(current: translates today's source text; stale: the source changed since)")


class SafeConsole(Console):
    """A Rich console that shows control characters from files as ``\\xNN``, never raw.

    Text from the workspace (titles, names, comments) reaches the terminal through Rich;
    markup escaping does not touch ESC or C1 characters, which a terminal would act on.
    Every string printed (messages, table cells) passes through ``render_str``.
    """

    def render_str(self, text: str, *args: Any, **kwargs: Any) -> Any:
        return super().render_str(api.terminal_safe(text), *args, **kwargs)


def out() -> Console:
    """Standard output, for results."""
    return SafeConsole(highlight=False, soft_wrap=True)


def err() -> Console:
    """Standard error, for errors, warnings and progress."""
    return SafeConsole(stderr=True, highlight=False, soft_wrap=True)


def print_problems(problems: list[api.Problem], console: Console) -> None:
    """One 'severity: file:line: message' line per problem, with its hint."""
    for problem in problems:
        colour = "red" if problem.severity == "error" else "yellow"
        console.print(f"[{colour}]{problem.severity}:[/] {escape(str(problem))}")
        if problem.hint:
            console.print(f"  hint: {escape(problem.hint)}")


def warn_broken(broken: dict[str, list[api.Problem]], console: Console) -> None:
    """One warning per broken chapter or translation file (file, line, what is wrong, hint), by
    what is left out (Workspace.set_aside): the command carries on."""
    for what, problems in broken.items():
        for problem in problems:
            console.print(f"[yellow]warning:[/] {escape(str(problem))} ({escape(what)} is left out "
                          "until this is fixed)")
            if problem.hint:
                console.print(f"  hint: {escape(problem.hint)}")


def handle_errors(func: F) -> F:
    """Turn VimanualError into 'Error: …' plus a hint on stderr and its exit code; the
    problems an error carries (a refused build, an invalid workspace) are listed first."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except api.InvalidWorkspace as exc:
            console = err()
            for problem in exc.problems:
                console.print(f"[bold red]Error:[/] {escape(str(problem))}")
                if problem.hint:
                    console.print(f"  hint: {escape(problem.hint)}")
            raise typer.Exit(exc.exit_code) from None
        except api.VimanualError as exc:
            console = err()
            if isinstance(exc, api.BuildRefused):
                print_problems(exc.problems, console)
            console.print(f"[bold red]Error:[/] {escape(exc.message)}")
            if exc.hint:
                console.print(f"  hint: {escape(exc.hint)}")
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


@dataclass
class State:
    """Options given before the command name."""

    workspace: Path | None = None
    quiet: bool = False
    verbose: bool = False


def state(ctx: typer.Context) -> State:
    """The options given before the command name."""
    obj = ctx.find_root().obj
    return obj if isinstance(obj, State) else State()


def workspace(ctx: typer.Context) -> Path:
    """The workspace folder the command works on (-C, or found upwards)."""
    return api.find_workspace(state(ctx).workspace)


def language(ctx: typer.Context, tag: str | None) -> str | None:
    """A language tag as manual.yaml lists it ('FR' is 'fr': tags are not case-sensitive), or
    as given when none matches (the command then says so)."""
    if tag is None:
        return None
    try:
        listed = api.languages(workspace(ctx))
    except api.VimanualError:
        return tag.strip()
    # as workspace.schema.matching_language (the CLI calls only the api, which is at its size limit)
    return next((known for known in listed if known.lower() == tag.strip().lower()), tag.strip())


def symbol(name: str, with_name: bool = False, width: int = 0) -> str:
    """A review state's symbol in its colour, optionally followed by its name."""
    mark, colour = SYMBOLS[name]
    text = (f"{mark} {name}" if with_name else mark).ljust(width)
    return f"[{colour}]{escape(text)}[/]"


def when(time: str) -> str:
    """'2025-01-31T12:00:00.000000Z' → '2025-01-31 12:00 UTC'."""
    return f"{time[:10]} {time[11:16]} UTC"


def count(number: int, noun: str) -> str:
    """'1 chapter', '2 chapters': a count a reader does not have to decode."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def short_list(items: list[str], limit: int = 6) -> str:
    """'a, b, c … (+4 more)'."""
    shown = ", ".join(items[:limit])
    return shown + (f" … (+{len(items) - limit} more)" if len(items) > limit else "")


def display_path(path: Path) -> str:
    """A path relative to the current folder when it is below it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def slug_list(text: str) -> list[str]:
    """'a, b,,c' → ['a', 'b', 'c']."""
    return [s.strip() for s in text.split(",") if s.strip()]


def code(value: str | None) -> str | None:
    """A jurisdiction code as given, normalised to upper case."""
    return value.strip().upper() if value is not None else None


# --- shell completion -------------------------------------------------------------------------

def _names(ctx: typer.Context) -> tuple[list[str], list[str]]:
    return api.manual_names(ctx.find_root().params.get("workspace"))


def complete_slugs(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion for one chapter slug: the workspace's chapters starting with ``incomplete``.

    Attach to any argument or option taking a slug: ``autocompletion=complete_slugs``.
    """
    return [s for s in _names(ctx)[0] if s.startswith(incomplete)]


def complete_codes(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion for one jurisdiction code (case-insensitive prefix, e.g. 'in' → INTERPOL)."""
    wanted = incomplete.upper()
    return [c for c in _names(ctx)[1] if c.startswith(wanted)]


def complete_slug_list(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion for a comma-separated slug list such as ``--chapters a,b``: completes
    the last item and leaves out the slugs already given."""
    done, _, last = incomplete.rpartition(",")
    given = set(done.split(",")) if done else set()
    prefix = f"{done}," if done else ""
    return [prefix + s for s in complete_slugs(ctx, last) if s not in given]
