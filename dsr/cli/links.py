"""`dsr links`: the links between tables dsr follows, with their kind and evidence."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from dsr.cli.console import ProgressBars, debug_enabled, out
from dsr.cli.options import ConfigOption, JsonOption, SourcesArgument
from dsr.cli.output import print_json, print_traceback, source_failed, warning
from dsr.config.load import load_config
from dsr.lookup.graph import (
    SourceLinks,
    check_links,
    links_document,
    links_yaml,
    source_links,
)
from dsr.outcome import ExitCode

_KIND_STYLE = {
    "declared": "green",
    "configured": "green",
    "inferred": "yellow",
    "name-only": "red",
}


def links_command(
    names: SourcesArgument = None,
    write: Annotated[
        bool,
        typer.Option(
            "--write",
            help="Print the inferred links as a links: block to check and paste into dsr.yaml.",
        ),
    ] = False,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Show the links dsr follows from a person's rows to their other rows.

    Each link has a kind: declared (a foreign key of the database), configured
    (links: in dsr.yaml), inferred (a column whose name suggests a key of another
    table and whose sampled values really are such keys; the share is shown) or
    name-only (the name suggests it, the data cannot confirm it: rows reached
    over it are possible matches, never erased). A link whose column does not
    name the row's owner (affiliate_id, modified_by, a ticket's followers) is not
    followed from the person to that row: it leads to a reference at most.
    Configured links are checked against the data: exit 1 when the data
    contradicts one, or a source cannot be read.

    Example: dsr links shop --write >> dsr.yaml   (then check every line)
    """
    loaded = load_config(config, strict=False)
    with ProgressBars() as progress:
        reports = source_links(loaded, names or [], progress)
    checks = check_links(loaded, names or [])
    if json_output:
        print_json(links_document(reports, checks))
    elif write:
        sys.stdout.write(links_yaml(reports))
    else:
        _show(reports)
    failed = [r for r in reports if r.failure is not None]
    for report in failed:
        assert report.failure is not None
        if not json_output:
            source_failed(report.failure)
        elif report.failure.exception is not None and debug_enabled():
            print_traceback(report.failure.exception)
    contradicted = [c for c in checks if c.problem]
    for check in contradicted:
        warning(f"link {check.link.from_} → {check.link.to}: {check.problem}")
    if failed or contradicted:
        raise typer.Exit(ExitCode.ATTENTION)


def _show(reports: list[SourceLinks]) -> None:
    console = out()
    for report in reports:
        if report.failure is not None:
            continue
        edges = report.edges
        console.print(f"[bold]{escape(report.source)}[/]: {len(edges)} link(s)")
        if not edges:
            console.print("  no links between its tables were declared or found\n")
            continue
        table = Table(show_edge=False, pad_edge=False, box=None, padding=(0, 2))
        table.add_column("kind")
        table.add_column("from", overflow="fold")
        table.add_column("to", overflow="fold")
        table.add_column("evidence", overflow="fold")
        for edge in sorted(edges, key=lambda e: (e.kind, e.child, e.column)):
            source = f"{edge.child}.{edge.column}"
            if edge.when is not None:
                source += f" ({edge.when[0]} = {'/'.join(edge.when[1])})"
            evidence = edge.evidence + ("" if edge.owning else "; not the row's owner")
            style = _KIND_STYLE[edge.kind]
            table.add_row(
                f"[{style}]{edge.kind}[/]",
                escape(source),
                escape(f"{edge.parent}.{edge.referred}"),
                escape(evidence),
            )
        console.print(table)
        console.print()
