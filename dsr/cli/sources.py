"""`dsr sources check`: connect to each source and report tables, rows and problems;
`dsr sources index`: build (or drop) a SQL source's mention index."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from dsr.cli.console import ProgressBars, debug_enabled, out
from dsr.cli.options import ConfigOption, JsonOption, SourcesArgument
from dsr.cli.output import print_json, print_traceback, source_failed, warning
from dsr.config.load import load_config
from dsr.errors import Problem, SourceError, Where
from dsr.lookup.graph import check_links
from dsr.outcome import ExitCode
from dsr.sources import SourceReport, check_document, check_sources, select_sources

app = typer.Typer(
    help="Check the sources described in dsr.yaml.\n\nExample: dsr sources check",
    no_args_is_help=True,
)


@app.command("check")
def check_command(
    names: SourcesArgument = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Connect to each source and list its tables, row counts and problems.

    A source that fails is reported with its reason and the others are still
    checked; then the exit code is 1. So is a link in dsr.yaml (links:) whose
    values the data contradicts. Lookup columns (e-mail, phone, customer
    ids) without an index are named: every request would scan them.

    Example: dsr sources check shop newsletter --json
    """
    loaded = load_config(config, strict=False)
    with ProgressBars() as progress:
        reports = check_sources(loaded, names or [], progress)
    contradicted = [check for check in check_links(loaded, names or []) if check.problem]
    by_name = {report.name: report for report in reports}
    for check in contradicted:
        report = by_name.get(check.link.from_.source) or by_name.get(check.link.to.source)
        if report is not None:
            report.problems.append(f"link {check.link.from_} → {check.link.to}: {check.problem}")
    if json_output:
        print_json(check_document(reports))
    else:
        for report in reports:
            _show(report)
    failed = [r for r in reports if not r.ok]
    for report in failed:
        if not json_output and report.failure is not None:
            source_failed(report.failure)
        elif report.exception is not None and debug_enabled():
            print_traceback(report.exception)
    if failed:
        warning(
            f"{len(failed)} of {len(reports)} sources could not be read; the others were checked"
        )
    if contradicted:
        warning(
            f"{len(contradicted)} link(s) in dsr.yaml contradicted by the data: check them "
            "with dsr links"
        )
    if failed or contradicted:
        raise typer.Exit(ExitCode.ATTENTION)


@app.command("index")
def index_command(
    name: Annotated[str, typer.Argument(help="The SQL source to index.", metavar="SOURCE")],
    drop: Annotated[
        bool, typer.Option("--drop", help="Remove the source's mention index instead.")
    ] = False,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Index the free-text and phone columns of a SQL source (SQLite, PostgreSQL).

    Finding an e-mail address or a phone number inside notes, or a phone number
    stored in any format, then asks the index instead of reading every row.
    Free-text columns get a trigram index of their text and one of their digits,
    phone columns one of their last digits; the columns are those the classifier
    finds (as dsr inventory shows them). PostgreSQL needs the extension pg_trgm;
    the digits are indexed through a function dsr creates beside the table
    (dsr_mention_windows_7, removed with the last index by --drop), and writes
    to the table wait while an index is built (minutes for millions of rows):
    run it when the shop is quiet. The index stays in step with the table
    (on SQLite, rows other programs change are searched as they are until the next
    run of this command); an erasure leaves no erased text in it (on PostgreSQL
    with the source's vacuum: full). Exit code 2 when the source is no SQL source
    or the engine cannot.

    Example: dsr sources index shop        (and: dsr sources index shop --drop)
    """
    from dsr.classify.classifier import classify_source
    from dsr.connectors import open_connector
    from dsr.connectors.sql import SqlConnector

    loaded = load_config(config, strict=True)
    source = select_sources(loaded, [name])[0]
    connector = open_connector(source)
    try:
        if not isinstance(connector, SqlConnector):
            raise SourceError(
                Problem(
                    f"a mention index is for SQL sources; this one is of type '{source.type}'",
                    Where(source=source.name),
                    "its mentions are searched as it is read",
                )
            )
        if drop:
            dropped = connector.drop_mention_indexes()
            count = len({(i.table, i.column) for i in dropped})  # columns, of any kinds
            if json_output:
                print_json({"source": source.name, "indexed": [], "dropped": count})
            else:
                out().print(f"removed the mention index of {_plural(count, 'column')}")
            return
        with ProgressBars() as progress:
            classes = classify_source(source, connector, progress=progress)
            columns = [
                (c.table, c.column)
                for table in classes
                for c in table.columns
                if c.lookup in ("text", "setting") or "free_text" in c.categories
            ]
            phones = [
                (c.table, c.column)
                for table in classes
                for c in table.columns
                if c.lookup == "phone"
            ]

            def step(done: int, total: int) -> None:
                if done == 0:
                    progress.begin(f"Indexing {source.name}", total=total)
                else:
                    progress.advance()
                if done == total:
                    progress.end()

            built = connector.create_mention_index(columns, phones, step=step)
    finally:
        connector.close()
    kinds: dict[tuple[str, str], list[str]] = {}
    for index in built:
        kinds.setdefault((index.table, index.column), []).append(index.kind)
    if json_output:
        indexed = [{"table": t, "column": c, "kinds": k} for (t, c), k in kinds.items()]
        print_json({"source": source.name, "indexed": indexed, "dropped": 0})
    if not built:
        warning(f"source '{source.name}': no free-text or phone columns found; nothing was indexed")
        return
    if json_output:
        return
    held = {"text": "words", "digits": "numbers in the text", "ending": "phone numbers"}
    for (table, column), made in kinds.items():
        what = ", ".join(held[k] for k in made)
        out().print(f"[green]✓[/] {escape(table)}.{escape(column)} ({what})", soft_wrap=True)


def _show(report: SourceReport) -> None:
    console = out()
    if not report.ok:
        console.print(f"[red]✗[/] [bold]{escape(report.name)}[/] ({report.type}): not readable")
        return
    rows = sum(t.rows or 0 for t in report.tables)
    console.print(
        f"[green]✓[/] [bold]{escape(report.name)}[/] ({report.type}): "
        f"{_plural(len(report.tables), 'table')}, {_plural(rows, 'row')}",
        soft_wrap=True,
    )
    table = Table(show_edge=False, pad_edge=False, box=None, padding=(0, 2))
    table.add_column("table", overflow="fold")
    table.add_column("rows", justify="right")
    table.add_column("columns", justify="right")
    scanned = any(item.unindexed_lookup_columns for item in report.tables)
    if scanned:
        table.add_column("lookup columns without index", overflow="fold")
    for item in report.tables:
        count = "?" if item.rows is None else f"{item.rows:,}" + ("" if item.rows_exact else " ≈")
        name = escape(item.name) + (" (view)" if item.kind == "view" else "")
        cells = [name, count, str(len(item.columns))]
        if scanned:
            cells.append(f"[yellow]{escape(', '.join(item.unindexed_lookup_columns))}[/]")
        table.add_row(*cells)
    console.print(table)
    for problem in report.problems:
        warning(f"source '{report.name}': {problem}")
    console.print()


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")
