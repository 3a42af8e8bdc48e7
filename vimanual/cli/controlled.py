"""Controlled copies: issuing them (print --copies/--recipients), the register (copies) and
finding whose copy a file is (trace). Rendering only; the work is in vimanual.api."""

# Annotations stay objects here (no `from __future__ import annotations`): typer reads every
# parameter's annotation when the CLI starts, and each string annotation costs it a compile.

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from vimanual import api
from vimanual.cli import ui


def describe(copy: dict[str, Any], version: str) -> str:
    """'copy 7 of edition 1.1, issued to NAME on DATE'."""
    recipient = copy["recipient"]
    to = ", ".join(part for part in (recipient["name"], recipient["agency"]) if part) or "nobody yet"
    revoked = f" (revoked: {copy['revoked']})" if copy.get("revoked") else ""
    return f"copy {copy['number']} of edition {version}, issued to {to} on {copy['date']}{revoked}"


def issue(ctx: typer.Context, version: str, **options: Any) -> None:
    """print --copies / --recipients: issue the copies and say where they are."""
    as_json = options.pop("as_json")
    result = api.issue_copies(ui.workspace(ctx), version, **options)
    if as_json:
        typer.echo(json.dumps({"version": result.version, "batch": result.batch, "folder": str(result.folder),
                               "register": result.register,
                               "copies": [c.to_dict() for c in result.copies]}, indent=2, ensure_ascii=False))
        return
    if ui.state(ctx).quiet:
        return
    out = ui.out()
    out.print(f"Issued {len(result.copies)} controlled cop{'y' if len(result.copies) == 1 else 'ies'} of "
              f"edition {escape(version)} → {escape(ui.display_path(result.folder))}/")
    for copy in result.copies:
        out.print(f"  {copy.file}  {escape(copy.mark)}")
    out.print(f"Recorded in {escape(result.register)} (it names people: keep it with the edition's "
              "distribution records).")


def copies(
    ctx: typer.Context,
    version: Annotated[str, typer.Argument(help="A released edition, e.g. 1.0.")],
    revoke: Annotated[int | None, typer.Option("--revoke", min=1, help="Revoke this copy number.")] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why the copy is revoked (with --revoke).")] = "",
    person: Annotated[
        str | None, typer.Option("--as", help="Your name, as an editor in manual.yaml.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the register as JSON.")] = False,
) -> None:
    """List the controlled copies issued of an edition, or revoke one.

    The register (editions/VERSION/register/) holds, per copy, its number, recipient (name,
    agency, course, e-mail as entered), date, who issued it and its SHA-256.

    Example: vimanual copies 1.0 --revoke 7 --reason "reported lost"
    """
    root = ui.workspace(ctx)
    if revoke is not None:
        copy = api.revoke_copy(root, version, revoke, reason=reason, person=person)
        if as_json:
            typer.echo(json.dumps(copy.to_dict(), indent=2, ensure_ascii=False))
        elif not ui.state(ctx).quiet:
            ui.out().print(f"Revoked copy {copy.number} of edition {escape(version)}: {escape(copy.revoked)}")
        return
    found = api.copies(root, version)
    if as_json:
        typer.echo(json.dumps({"version": version, "copies": [c.to_dict() for c in found]}, indent=2,
                              ensure_ascii=False))
        return
    out = ui.out()
    if not found:
        out.print(f"No controlled copies of edition {escape(version)} yet; issue them with "
                  f"'vimanual print {escape(version)} --recipients FILE'.")
        return
    for copy in found:
        recipient = copy.recipient
        who = ", ".join(part for part in (recipient.name, recipient.agency) if part) or "not assigned"
        state = f"[red]revoked[/]: {escape(copy.revoked)}" if copy.revoked else "[green]issued[/]"
        out.print(f"[bold]Copy {copy.number}[/] of {copy.of} · {escape(who)} · {state}")
        details = [d for d in (recipient.course, copy.date, f"by {copy.issued_by}" if copy.issued_by else "",
                               "handout: " + ", ".join(copy.chapters) if copy.chapters else "") if d]
        out.print(f"  {escape(' · '.join(details))}")
        out.print(f"  sha256 {copy.sha256}")
    revoked = sum(1 for c in found if c.revoked)
    out.print(f"{len(found)} cop{'y' if len(found) == 1 else 'ies'} issued, {revoked} revoked")


def trace(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A PDF found somewhere (or text taken from one).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Say which controlled copy a file was made from, even re-saved, cut or with its visible
    mark removed; exit code 1 when it cannot be identified.

    Example: vimanual trace ~/Downloads/found.pdf
    """
    result = api.trace(ui.workspace(ctx), file)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    elif result.found and result.copy is not None:
        how = "byte for byte" if result.exact else "from " + ", ".join(result.evidence)
        ui.out().print(f"{escape(str(file))} is {escape(describe(result.copy.to_dict(), result.version))} "
                       f"({escape(how)})")
    else:
        ui.err().print(f"[bold red]Not identified:[/] {escape(str(file))} carries no identifier of a "
                       f"registered copy ({escape('; '.join(result.evidence))})")
    if not result.found:
        raise typer.Exit(1)
