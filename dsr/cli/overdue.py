"""`dsr overdue`: for cron, silent unless a request needs a person."""

from __future__ import annotations

import typer

from dsr.cli.console import out
from dsr.cli.options import ActorOption, ConfigOption, JsonOption
from dsr.cli.output import print_json
from dsr.config.load import load_config
from dsr.ledger import open_ledger
from dsr.outcome import ExitCode
from dsr.requests.lifecycle import current_actor
from dsr.requests.overdue import Attention, housekeeping, needing_attention, overdue_document


def overdue_command(
    actor: ActorOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """List requests that are overdue or due within deadline.warn_days, erasure
    processor tasks due or late, and kept data whose retention period has ended.

    Made for cron, which mails only what a job prints: prints nothing and exits
    0 when nothing needs attention; otherwise one line per request (id, type,
    due date, days left, what is missing) and exit 1. With --json the document
    is printed always, and the exit code is the same.

    For erasures it also lists processor tasks of executed plans that are still
    open and due within deadline.warn_days or late, recipients not yet told of the
    erasure (Art. 19; record it with dsr request notified), and requests whose kept rows
    (invoices under § 147 AO ...) have reached the end of their retention period:
    confirm that no tax audit is open, then run dsr erase ID --retention-ended.

    Also pseudonymises the identifiers of requests finished longer than
    requests.pseudonymise_after_days ago (recorded in the audit trail).

    Example: 0 8 * * 1-5  cd /srv/dsr && dsr overdue
    """
    loaded = load_config(config, strict=False)
    with open_ledger(loaded.ledger) as ledger:
        housekeeping(ledger, loaded, actor=current_actor(actor))
        found = needing_attention(ledger, loaded)
    if json_output:
        print_json(overdue_document(found))
    elif found:
        count = len(found)
        lines = [f"{count} request{'s need' if count != 1 else ' needs'} attention:"]
        for item in found:
            left = _left(item)
            lines.append(
                f"{item.id}  {item.type:<13}  due {item.due}  {left:<13}  "
                + "; ".join(item.missing)
            )
        console = out()
        for line in lines:
            console.print(line, markup=False, highlight=False, soft_wrap=True)
    if found:
        raise typer.Exit(ExitCode.ATTENTION)


def _left(item: Attention) -> str:
    """The state column: the request's own deadline first, then what erasure still needs."""
    days = f"{item.days_left} day{'' if item.days_left == 1 else 's'} left"
    if "deadline" in item.reasons:
        return "OVERDUE" if item.days_left < 0 else days
    if "retention_ended" in item.reasons:
        return "RETENTION ENDED"
    if any(t["status"] == "late" for t in item.processor_tasks + item.recipient_tasks):
        return "TASK LATE"
    return days
