"""`vimanual doctor`: what killed commands left behind, and clearing what is safe
(rendering only; the work is in vimanual.workspace.doctor, through vimanual.api)."""

# Annotations stay objects here (no `from __future__ import annotations`): typer reads every
# parameter's annotation when the CLI starts, and each string annotation costs it a compile.

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.markup import escape

from vimanual import api
from vimanual.cli import ui

_ACTIONS = {"removed": "[green]removed[/]", "completed": "[green]completed[/]", "kept": "[yellow]kept[/]"}


def doctor(
    ctx: typer.Context,
    fix: Annotated[bool, typer.Option("--fix", help="Remove what is safe to remove; complete an "
                                      "interrupted change that can be completed.")] = False,
    clear_cache: Annotated[bool, typer.Option("--clear-cache", help="Empty build/cache/ (rebuilt on "
                                              "the next build).")] = False,
    discard_intent: Annotated[bool, typer.Option("--discard-intent", help="Drop an interrupted change "
                                                 "that can no longer be completed.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """List what killed commands left behind (temp files, staging folders, interrupted
    changes) and the locks running commands hold, say what each is, and with --fix remove
    what is safe.

    Leftovers younger than a minute are kept: a running command may still be writing them.
    An interrupted change made in this clone is completed, never dropped, unless
    --discard-intent is given; one made elsewhere is never applied and is removed.

    Example: vimanual doctor --fix
    """
    report = api.doctor(ui.workspace(ctx), fix=fix, clear_cache=clear_cache, discard_intent=discard_intent)
    if as_json:
        typer.echo(json.dumps({"leftovers": [asdict(item) for item in report.leftovers],
                               "cache_bytes": report.cache_bytes, "cache_cleared": report.cache_cleared},
                              indent=2, ensure_ascii=False))
        return
    out = ui.out()
    if not report.leftovers and not ui.state(ctx).quiet:
        out.print("No leftovers.")
    for item in report.leftovers:
        action = f" · {_ACTIONS[item.action]}" if item.action else ""
        safe = "" if item.action else (" · [dim]safe to remove (--fix)[/]" if item.safe else "")
        out.print(f"{escape(item.path)}  [bold]{item.kind}[/]{action}{safe}")
        out.print(f"  {escape(item.explanation)}")
    if ui.state(ctx).quiet:
        return
    if report.cache_cleared:
        out.print(f"Emptied build/cache/ ({report.cache_bytes / 1024:.0f} KiB).")
    elif report.cache_bytes:
        out.print(f"build/cache/ holds {report.cache_bytes / 1024:.0f} KiB (--clear-cache empties it).")
