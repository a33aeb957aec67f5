"""`dsr demo`: build the demo company so every other command can be tried at once."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from dsr.cli.console import ProgressBars, out
from dsr.cli.options import JsonOption
from dsr.cli.output import print_json

if TYPE_CHECKING:  # imported when the command runs: `dsr --help` stays quick
    from dsr.demo import DemoResult


def demo_command(
    directory: Annotated[
        Path,
        typer.Argument(
            help="Folder to build the demo in; created if missing.",
            show_default=True,
            metavar="DIR",
        ),
    ] = Path("beispiel-gmbh"),
    customers: Annotated[
        int,
        typer.Option(
            "--customers", help="Number of shop customers.", min=20, max=1_000_000, metavar="N"
        ),
    ] = 2000,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed; same seed, same data.", metavar="N")
    ] = 42,
    force: Annotated[
        bool,
        typer.Option("--force", help="Build into a non-empty folder, replacing the demo's files."),
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Build the demo company "Beispiel GmbH" (Stuttgart) with realistic, invented data.

    Writes a shop database (SQLite), a newsletter workbook, an Excel CSV, Zendesk,
    HubSpot and Mailchimp exports, a dsr.yaml that describes them all, and a
    README.md listing the planted hard cases (duplicates, mixed-case e-mails,
    health remarks, invoices under retention, ...). Same seed, same data.

    Example: dsr demo beispiel-gmbh && cd beispiel-gmbh && dsr config check
    """
    from dsr.demo import build_demo
    from dsr.demo.build import check_target

    check_target(directory, force)
    with ProgressBars() as bars:
        result = build_demo(directory, customers=customers, seed=seed, progress=bars)
    if json_output:
        print_json(_document(result))
        return
    _show(result, directory)


def _document(result: DemoResult) -> dict[str, object]:
    return {
        "folder": str(result.folder),
        "config": str(result.config),
        "sources": [
            {"name": s.name, "type": s.type, "path": s.path, "records": s.records, "parts": s.parts}
            for s in result.sources
        ],
        "customers": result.customers,
        "seed": result.seed,
        "planted": [
            {
                "case": p.case,
                "label": p.label,
                "name": p.name,
                "identifiers": p.identifiers,
                "where": p.where,
            }
            for p in result.planted
        ],
    }


def _show(result: DemoResult, directory: Path) -> None:
    console = out()
    table = Table(title=f"Beispiel GmbH: {result.customers:,} customers, seed {result.seed}")
    table.add_column("source")
    table.add_column("type")
    table.add_column("path", overflow="fold")
    table.add_column("records", justify="right")
    for source in result.sources:
        table.add_row(source.name, source.type, escape(source.path), f"{source.records:,}")
    console.print(table)
    cases = sorted({p.case for p in result.planted})
    console.print(
        f"Built in {escape(str(result.folder))}: dsr.yaml, README.md "
        f"({len(cases)} planted cases, {len(result.planted)} entries).",
        soft_wrap=True,
    )
    console.print()
    console.print("What to try next:")
    for line in (
        f"  cd {escape(str(directory))} && dsr sources check && dsr inventory",
        '  read README.md there, section "Planted cases"',
        "  dsr find --email juergen.mueller@example.com",
        "  (Jürgen Müller: in five sources, spelled four ways)",
        "  dsr request new --type access --email juergen.mueller@example.com",
        "  dsr access --all-open",
    ):
        console.print(line, soft_wrap=True)
