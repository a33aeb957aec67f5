"""`dsr config ...`: check dsr.yaml and show what it describes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from dsr.cli.console import out
from dsr.cli.options import ConfigOption, JsonOption
from dsr.cli.output import print_json, warning
from dsr.config.load import load_config
from dsr.config.summary import summarise
from dsr.outcome import ExitCode

app = typer.Typer(
    help="Check dsr.yaml and show what it describes.\n\nExample: dsr config check",
    no_args_is_help=True,
)


@app.command("check")
def check_command(config: ConfigOption = None, json_output: JsonOption = False) -> None:
    """Validate dsr.yaml and say what it describes.

    Each mistake is reported on one line with the file, the line and the key
    (exit 2). A valid file is summarised: controller, language, holidays, ledger,
    sources by type, retention rules, and the gaps the Art. 30 record still
    needs filled. Exit 1 when the ledger cannot be reached or a source's
    connector cannot be loaded.

    Example: dsr config check --config /etc/dsr/dsr.yaml
    """
    summary = summarise(load_config(config))
    if json_output:
        print_json(summary)
    else:
        _show(summary)
    broken = [s for s in summary["sources"] if s["error"]]
    for source in broken:
        warning(f"source '{source['name']}' cannot be used: {source['error']}")
    if summary["ledger"]["state"] == "error" or broken:
        raise typer.Exit(ExitCode.ATTENTION)


def _relative(location: str, config: str) -> str:
    """Paths inside the config's folder are shown relative to it, as dsr.yaml writes them."""
    folder = str(Path(config).parent) + "/"
    if location.startswith(folder):
        return location[len(folder) :]
    if location.startswith("sqlite:///" + folder):
        return "sqlite:///" + location[len("sqlite:///" + folder) :]
    return location


def _show(summary: dict[str, Any]) -> None:
    console = out()
    console.print(f"[green]✓[/] {escape(summary['config'])} is valid.\n", soft_wrap=True)
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    facts.add_row("Controller", escape(summary["controller"]))
    facts.add_row("Language", summary["language"])
    facts.add_row(
        "Deadlines",
        f"holidays {summary['holidays']}, internal target {summary['target_days']} days, "
        f"warn {summary['warn_days']} days before",
    )
    ledger = summary["ledger"]
    colour = {"ok": "green", "new": "cyan", "error": "red"}.get(ledger["state"], "white")
    detail = f" [{colour}]({escape(ledger['detail'] or ledger['state'] or '')})[/]"
    facts.add_row("Ledger", escape(ledger["url"]) + detail)
    by_type = ", ".join(f"{n} {t}" for t, n in summary["sources_by_type"].items()) or "none"
    facts.add_row("Sources", f"{len(summary['sources'])} ({by_type})")
    console.print(facts)

    if summary["sources"]:
        table = Table(title="Sources", title_justify="left")
        for column in ("name", "type", "where", "processor"):
            table.add_column(column, overflow="fold")
        for source in summary["sources"]:
            processor = source["processor"]
            processor_text = f"{processor['name']} ({processor['country']})" if processor else ""
            table.add_row(
                escape(source["name"]),
                source["type"],
                escape(_relative(source["location"], summary["config"])),
                escape(processor_text),
            )
        console.print(table)

    if summary["retention"]:
        console.print("\n[bold]Retention rules[/]")
        for rule in summary["retention"]:
            date = f" from {rule['date_column']}" if rule["date_column"] else ""
            console.print(
                f"  {escape(rule['name'])}: {escape(', '.join(rule['tables']))}, "
                f"{rule['years']} years{escape(date)} ({escape(rule['basis'])})",
                soft_wrap=True,
            )

    gaps = summary["gaps"]
    if gaps:
        console.print(f"\n[bold yellow]Gaps to fill[/] ({len(gaps)}), not errors:")
        for gap in gaps:
            console.print(
                f"  [yellow]•[/] {escape(gap['key'])}: {escape(gap['message'])}", soft_wrap=True
            )
