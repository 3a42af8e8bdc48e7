"""The command line: the Typer app, the options given before the command name, and the
registration of every command, in the order --help lists them.

Each command lives in the module of its job (build, contributions, review, editions); it
parses its options, calls one function of ``vimanual.api`` and renders the result.
"""

# Annotations stay objects here (no `from __future__ import annotations`): typer reads every
# parameter's annotation when the CLI starts, and each string annotation costs it a compile.

import inspect
from collections.abc import Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption
from typer.main import get_command_from_info
from typer.models import CommandInfo

from vimanual import __version__
from vimanual.cli import build, contributions, controlled, doctor, editions, review, ui


class _TidyHelp(TyperGroup):
    """The group of commands, each made from its function only when it is asked for: by name
    to run it or show its help, never to list it in ``vimanual --help`` (typer would otherwise
    read every command's parameters for any help); and help that reads as prose: each
    docstring paragraph flows as one (re-wrapped) paragraph, and flags and named arguments
    show no '<bool>' or '<list[str]>' type label."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands()
        self._listing = False
        _tidy(self)

    def get_params(self, ctx: Any) -> list[Any]:
        """The group's own options, completion ones included (Typer adds those late)."""
        return [_untype(param) for param in super().get_params(ctx)]

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if self._listing and isinstance(self.commands, _Commands):
            return self.commands.summary(cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """The group's help lists each command by its name and help (not its parameters)."""
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


class _Commands(MutableMapping[str, Any]):
    """The commands by name in ``COMMANDS`` order, each made (by typer, then tidied) on first use."""

    def __init__(self) -> None:
        self._functions = {name or typer.main.get_command_name(func.__name__): func
                           for func, name in COMMANDS}
        self._made: dict[str, Any] = {}

    def summary(self, name: str) -> Any:
        """What ``vimanual --help`` lists of a command: its name and help, no parameters."""
        if name in self._made or name not in self._functions:
            return self._made.get(name)
        return _tidy(TyperCommand(name=name, help=inspect.getdoc(self._functions[name])))

    def __getitem__(self, name: str) -> Any:
        if name not in self._made:
            info = CommandInfo(name=name, callback=ui.handle_errors(self._functions[name]))
            self._made[name] = _tidy(get_command_from_info(
                info, pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode))
        return self._made[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._functions.setdefault(name, command.callback)
        self._made[name] = command

    def __delitem__(self, name: str) -> None:
        del self._functions[name]
        self._made.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._functions)

    def __len__(self) -> int:
        return len(self._functions)


def _tidy(command: Any) -> Any:
    if command.help:
        command.help = "\n\n".join(" ".join(paragraph.split())
                                    for paragraph in command.help.split("\n\n"))
    for param in command.params:
        _untype(param)
    setattr(command, "get_help_option", _tidy_help_option(command.get_help_option))  # noqa: B010
    return command


def _untype(param: Any) -> Any:
    if (isinstance(param, TyperOption) and param.is_flag) or (
            isinstance(param, TyperArgument) and param.metavar):
        setattr(param, "display_type_rich", _no_type)  # noqa: B010 (an instance's own help label)
    return param


def _tidy_help_option(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda ctx: _untype(original(ctx))


def _no_type(ctx: Any) -> None:
    return None


app = typer.Typer(
    cls=_TidyHelp,
    name="vimanual",
    help="Assemble an international good-practice manual on victim identification "
    "from agencies' Markdown contributions.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"vimanual {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", "-C", help="Workspace folder (default: found upwards from here)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Say more: chapters, files written, timings.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Assemble an international good-practice manual on victim identification.

    Example: vimanual -C path/to/manual build
    """
    if quiet and verbose:
        raise typer.BadParameter("use --quiet or --verbose, not both", param_hint="'--verbose'")
    ctx.obj = ui.State(workspace=workspace, quiet=quiet, verbose=verbose)


# (command, name): the order of --help. A name of None is the function's name.
COMMANDS = (
    (build.init, None),
    (build.check, None),
    (build.build, None),
    (build.serve, None),
    (build.export, None),
    (contributions.submit, None),
    (contributions.accept, None),
    (contributions.decline, None),
    (contributions.withdraw, None),
    (contributions.contributions_command, "contributions"),
    (review.review, None),
    (review.status, None),
    (review.verify, None),
    (editions.release, None),
    (editions.editions, None),
    (editions.print_command, "print"),
    (editions.verify_edition_command, "verify-edition"),
    (editions.diff_command, "diff"),
    (controlled.copies, None),
    (controlled.trace, None),
    (doctor.doctor, None),
)
# Registered with the group (``_Commands``), not with typer's ``app.command``: typer would make
# every command's parameters whenever the app starts.
