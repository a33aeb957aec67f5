"""`dsr audit verify`: check that nobody changed the ledger's history behind dsr's back."""

from __future__ import annotations

import typer

from dsr.cli.console import out
from dsr.cli.options import ConfigOption, JsonOption
from dsr.cli.output import error, print_json
from dsr.config.load import load_config
from dsr.ledger import check_chain, open_ledger
from dsr.outcome import ExitCode

app = typer.Typer(
    help="Check the ledger's audit trail.\n\nExample: dsr audit verify",
    no_args_is_help=True,
)


@app.command("verify")
def verify_command(config: ConfigOption = None, json_output: JsonOption = False) -> None:
    """Walk the audit chain and report the first event that was changed, deleted or
    inserted afterwards.

    Exit code 0 when the chain is intact, 1 when it is broken (a person must look).

    Example: dsr audit verify --json
    """
    loaded = load_config(config, strict=False)
    with open_ledger(loaded.ledger) as ledger, ledger.session(write=False) as session:
        report = check_chain(session)
    if json_output:
        print_json(report.as_dict())
    elif report.intact:
        out().print(f"chain intact ({report.events} events)")
    else:
        error(f"chain broken at event {report.broken_id}: {report.reason}")
    if not report.intact:
        raise typer.Exit(ExitCode.ATTENTION)
