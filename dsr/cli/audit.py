"""`dsr audit verify`: check that nobody changed the ledger's history behind dsr's back."""

from __future__ import annotations

import json

import typer

from dsr.cli.console import out
from dsr.cli.options import ConfigOption, JsonOption
from dsr.cli.output import error, hint, print_json
from dsr.config.load import load_config
from dsr.ledger import check_chain, open_ledger
from dsr.ledger.head import check_head_file
from dsr.ledger.schema import LedgerMeta
from dsr.ledger.state import BASELINE_KEY, check_state
from dsr.outcome import ExitCode

app = typer.Typer(
    help="Check the ledger's audit trail.\n\nExample: dsr audit verify",
    no_args_is_help=True,
)


@app.command("verify")
def verify_command(config: ConfigOption = None, json_output: JsonOption = False) -> None:
    """Walk the audit chain and report any event changed, deleted or inserted afterwards,
    any request, plan or document row that differs from its last event, and a chain
    whose end does not match the head file kept beside the ledger.

    Prints the chain's head (last event and hash): note it somewhere else too, and a
    later check shows whether events were cut off.

    Exit code 0 when all is intact, 1 when something was changed (a person must look).

    Example: dsr audit verify --json
    """
    loaded = load_config(config, strict=False)
    with open_ledger(loaded.ledger) as ledger, ledger.session(write=False) as session:
        report = check_chain(session)
        rows = check_state(session)
        head = check_head_file(ledger.head_file, session)
        baseline_row = session.get(LedgerMeta, BASELINE_KEY)
        baseline = json.loads(baseline_row.value) if baseline_row is not None else None
        upgraded = ledger.baseline
    problems = [str(p) for p in rows] + ([head.problem] if head.problem else [])
    intact = report.intact and not problems
    if json_output:
        print_json(
            {
                **report.as_dict(),
                "intact": intact,
                "chain_intact": report.intact,
                "rows": [p.as_dict() for p in rows],
                "head": head.as_dict(),
                "baseline": baseline,
            }
        )
    else:
        if report.intact:
            out().print(f"chain intact ({report.events} events)")
        else:
            error(f"chain broken at event {report.broken_id}: {report.reason}")
        for problem in problems:
            error(problem)
        if upgraded:
            hint(
                f"this ledger was written by an older dsr: its {upgraded} requests were "
                "recorded now; changes made before today cannot be detected"
            )
        elif baseline:
            hint(f"rows are checked since {baseline['at']} (an older ledger's baseline)")
        if head.head is not None and head.head.event_id is not None:
            hint(
                f"head: event {head.head.event_id}, {head.head.hash} "
                "(note it elsewhere: a later check shows whether events were cut off)"
            )
    if not intact:
        raise typer.Exit(ExitCode.ATTENTION)
