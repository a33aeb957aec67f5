"""`dsr connectors list`: which source types this installation can read, and what each can do."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from dsr.cli.console import out
from dsr.cli.options import JsonOption
from dsr.cli.output import print_json, warning
from dsr.connectors import list_connectors
from dsr.outcome import ExitCode

app = typer.Typer(
    help="Show the connectors (source types) dsr can use.\n\nExample: dsr connectors list",
    no_args_is_help=True,
)

ERASE = ("delete", "null", "mask", "redact")


@app.command("list")
def list_command(json_output: JsonOption = False) -> None:
    """List built-in and installed connectors with what each can do.

    Third-party connectors are Python packages registered under the entry-point
    group dsr.connectors; one that fails to load is listed with the reason
    (exit 1), the others still work.

    Example: dsr connectors list --json
    """
    infos = list_connectors()
    if json_output:
        print_json(
            {
                "connectors": [
                    {
                        "name": i.name,
                        "origin": i.origin,
                        "target": i.target,
                        "summary": i.summary,
                        "capabilities": i.capabilities,
                        "error": i.error,
                    }
                    for i in infos
                ]
            }
        )
    else:
        table = Table()
        table.add_column("type")
        table.add_column("origin")
        table.add_column("reads", overflow="fold")
        table.add_column("erases", overflow="fold")
        for info in infos:
            if info.error:
                table.add_row(escape(info.name), escape(info.origin), "[red]failed to load[/]", "")
                continue
            caps = info.capabilities or {}
            erases = [a for a in ERASE if caps.get(a) == "supported"]
            later = [a for a in ERASE if caps.get(a) == "not yet"]
            text = ", ".join(erases) if erases else "no (read-only: a task for the processor)"
            if later:
                text += f"; not yet: {', '.join(later)}"
            table.add_row(escape(info.name), escape(info.origin), escape(info.summary), text)
        out().print(table)
    broken = [i for i in infos if i.error]
    for info in broken:
        warning(info.error or "")
    if broken:
        raise typer.Exit(ExitCode.ATTENTION)
