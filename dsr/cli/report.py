"""`dsr report`: requests per month and type, days to answer, share answered in time.

Prints a table for the terminal and writes one printable HTML page with a chart
(``reports/requests-<today>-<lang>.html`` beside dsr.yaml by default). The page
holds only request numbers and dates, and is written owner-only all the same.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from dsr.cli.console import out
from dsr.cli.options import ConfigOption, JsonOption
from dsr.cli.output import hint, print_json
from dsr.config.load import load_config
from dsr.errors import Problem, UsageError
from dsr.ledger import ledger_status, open_ledger
from dsr.render.writers import private_dir, write_private

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def report_command(
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="First month of receipt to count, YYYY-MM. Default: the first request.",
            show_default=False,
            metavar="YYYY-MM",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            help="Last month of receipt to count, YYYY-MM. Default: this month.",
            show_default=False,
            metavar="YYYY-MM",
        ),
    ] = None,
    language: Annotated[
        str | None,
        typer.Option(
            "--language",
            "-l",
            help="Language of the HTML page: de or en. Default: language in dsr.yaml.",
            show_default=False,
            metavar="de|en",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="The HTML file to write. Default: reports/requests-DATE-LANG.html "
            "beside dsr.yaml.",
            show_default=False,
            metavar="FILE.html",
        ),
    ] = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Count the requests per month and type: how many came in, the median days to
    answer, and the share answered within the internal target and within the legal
    deadline (Art. 12(3) GDPR).

    A request counts in the month it was received; closed and refused requests are
    answered. Requests still open count as late in the shares once their deadline
    has passed. Also writes one printable HTML page with a chart.

    Exit code 0 when the report was written, also for an empty ledger; 2 when it
    could not run. Overdue requests are listed but do not change the exit code:
    `dsr overdue` is the command that alerts.

    Example: dsr report --since 2026-01 --until 2026-06 --language en
    """
    first = _month(since, "--since")
    last = _month(until, "--until", last_day=True)
    if first is not None and last is not None and first > last:
        raise UsageError(
            Problem("--since is after --until", hint="give the earlier month to --since")
        )
    loaded = load_config(config, strict=False)
    lang = language or loaded.language
    if lang not in ("de", "en"):
        raise UsageError(Problem(f"unknown language '{lang}'", hint="use de or en"))
    from dsr.clock import today_berlin
    from dsr.requests.report import build_report, render_report_html, report_from_requests

    today = today_berlin()

    state, _ = ledger_status(loaded.ledger)
    if state == "new":  # no ledger yet: nothing received, and nothing to create for a report
        report = report_from_requests([], since=first, until=last, today=today)
    else:
        with open_ledger(loaded.ledger, create=False) as ledger:
            report = build_report(ledger, since=first, until=last, today=today)

    html = render_report_html(
        report, language=lang, controller=loaded.controller.name, user_dir=loaded.templates
    )
    if output is None:
        folder = private_dir(loaded.base_dir / "reports")
        output = folder / f"requests-{today.isoformat()}-{lang}.html"
    if output.suffix.lower() not in (".html", ".htm"):
        raise UsageError(
            Problem(f"--output {output.name} is not an .html file", hint="name it FILE.html")
        )
    written = write_private(output, html)

    if json_output:
        print_json(report)
        hint(f"wrote {written}")
        return
    console = out()
    if report["total"]["received"]:
        console.print(_table(report))
        console.print(_summary(report), soft_wrap=True)
    else:
        console.print(_empty(report), soft_wrap=True)
    console.print(f"wrote {escape(str(written))}", soft_wrap=True)


def _month(value: str | None, option: str, *, last_day: bool = False) -> date | None:
    """YYYY-MM as the first day of that month (or its last day, for --until)."""
    if value is None:
        return None
    match = _MONTH.match(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise UsageError(Problem(f"{option} '{value}' is not a month", hint="use YYYY-MM"))
    year, month = int(match.group(1)), int(match.group(2))
    if not last_day:
        return date(year, month, 1)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def _percent(share: dict[str, Any]) -> str:
    """The share alone, so the table fits 80 columns; the HTML page adds "4 of 5"."""
    return "–" if share["share"] is None else f"{share['share'] * 100:.0f}%"


def _median(value: float | None) -> str:
    return "–" if value is None else str(value)


def _cells(cell: dict[str, Any]) -> list[str]:
    overdue = str(cell["overdue"])
    return [
        str(cell["received"]),
        str(cell["answered"]),
        str(cell["open"]),
        f"[bold red]{overdue}[/]" if cell["overdue"] else overdue,
        _median(cell["median_days"]),
        _percent(cell["within_target"]),
        _percent(cell["within_deadline"]),
    ]


def _table(report: dict[str, Any]) -> Table:
    """Month × type rows (months without requests are left out), then per-type totals."""
    table = Table(
        title="Requests by month and type",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
    )
    table.add_column("Month", no_wrap=True)
    table.add_column("Type", no_wrap=True)
    for name in ("Received", "Answered", "Open", "Overdue", "Median\ndays", "Within\ntarget"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("On\ntime", justify="right", no_wrap=True)
    for month in report["months"]:
        shown = [t for t in report["types"] if month["types"][t]["received"]]
        for index, kind in enumerate(shown):
            table.add_row(month["month"] if index == 0 else "", kind, *_cells(month["types"][kind]))
        if len(shown) > 1:
            table.add_row("", "[i]all[/]", *_cells(month["total"]))
    table.add_section()
    for kind in report["types"]:
        table.add_row("[b]total[/]", kind, *_cells(report["by_type"][kind]))
    table.add_row("[b]total[/]", "[b]all[/]", *_cells(report["total"]), style="bold")
    return table


def _summary(report: dict[str, Any]) -> str:
    total = report["total"]
    period = report["period"]
    text = (
        f"{period['since']} to {period['until']}: {total['received']} received, "
        f"{total['answered']} answered, {total['open']} open, {total['overdue']} overdue. "
        "Requests still open count as late once their deadline has passed."
    )
    return escape(text)


def _empty(report: dict[str, Any]) -> str:
    period = report["period"]
    if period["since"] is None:
        return "No requests in the ledger yet: nothing to count."
    return escape(f"No requests received from {period['since']} to {period['until']}.")
