"""`dsr erase ID`: plan an erasure (the default), then `--execute` it, then `--verify` it.

Planning changes no data: it prints the plan as a tree by source with counts,
writes the review file for the DPO's sign-off and stores the plan with its hash.
The output names sources, tables, keys and counts, never row contents.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from dsr.cli.console import ProgressBars, out
from dsr.cli.options import ActorOption, ConfigOption, JsonOption
from dsr.cli.output import hint, print_json, source_failed, warning
from dsr.config.load import load_config
from dsr.config.models import Config
from dsr.erasure.plan import PlanOutcome, plan_request
from dsr.erasure.plan_render import KINDS, key_text, review_document, write_review
from dsr.errors import Problem, UsageError
from dsr.ledger import Ledger, open_ledger
from dsr.outcome import ExitCode
from dsr.requests.lifecycle import current_actor

_SHOWN_KEYS = 3
PENDING = ("open", "late")


def erase_command(
    request_id: Annotated[
        str,
        typer.Argument(help="The request id, e.g. 2026-0001.", metavar="ID", show_default=False),
    ],
    execute: Annotated[
        bool,
        typer.Option(
            "--execute",
            help="Carry out the request's reviewed plan: delete, anonymise and redact in "
            "every source that dsr can change (one transaction per source).",
        ),
    ] = False,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="After --execute: look the person up again everywhere, report residue and "
            "open processor tasks, and write the confirmation letter.",
        ),
    ] = False,
    retention_ended: Annotated[
        bool,
        typer.Option(
            "--retention-ended",
            help="Plan only the rows the last executed plan kept whose retention period "
            "has ended (the rest stays kept).",
        ),
    ] = False,
    replan: Annotated[
        bool,
        typer.Option(
            "--replan",
            help="When a plan cannot go on because the person's rows changed under it "
            "(even halfway through --execute): say what changed and plan what is left. "
            "The old plan and its history stay in the ledger.",
        ),
    ] = False,
    confirm: Annotated[
        list[str] | None,
        typer.Option(
            "--confirm",
            help="A possible match (weak identifiers only) a person has checked and found to "
            "be the requester's: SOURCE.TABLE:KEY, the key as JSON or, for a one-column key, "
            "its value. Repeatable. Unconfirmed possible matches are never erased.",
            show_default=False,
            metavar="SOURCE.TABLE:KEY",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Folder for the review file (plan; default erasure/ID beside dsr.yaml) or "
            "the confirmation letter (--verify; default answers/ID, like dsr access).",
            show_default=False,
            metavar="DIR",
        ),
    ] = None,
    formats: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="With --verify: formats of the confirmation letter, comma-separated "
            "(e.g. html,pdf,md).",
            show_default=False,
            metavar="LIST",
        ),
    ] = None,
    actor: ActorOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Erase a person (Art. 17): plan first, then execute, then verify.

    [bold]dsr erase ID[/] changes nothing. It finds the person in every
    source and decides per row: delete (children before parents);
    anonymise where the row must stay because kept rows refer to it;
    keep where a retention rule applies (rule, legal basis, end date);
    redact mentions in other people's text; and, for SaaS exports dsr
    cannot change, a task for the processor with a due date. Every
    recipient dsr.yaml names for those systems gets a task too (Art. 19):
    record it with dsr request notified. The plan is stored in the ledger
    with its hash and written as a review file (Markdown with a sign-off
    line, and JSON) only you can read.

    Possible matches (name with birth date or postcode) are never in a
    plan until confirmed with --confirm.

    --verify writes the confirmation: what was erased, what is kept until
    when, and which recipients were told, as the ledger records it. Where
    dsr.yaml lacks a fact it states (recipients, system names), it is a
    draft (entwurf-/draft- in its name) and the request stays open.

    Exit code 0 when done; 1 when a person must look (a source could not
    be read, possible matches left out, rows to handle by hand, residue
    or a draft confirmation after --verify, a task past its due date);
    2 when the command could not run.

    Example: dsr erase 2026-0007, after sign-off --execute, then --verify

    Example: dsr erase 2026-0007 --confirm 'shop.customers:{"id": 17}'

    Example, years later: dsr erase 2026-0007 --retention-ended

    Example, when --execute says the data changed: dsr erase 2026-0007 --replan
    """
    if execute and verify:
        raise UsageError(
            Problem(
                "--execute and --verify cannot be combined",
                hint=f"run dsr erase {request_id} --execute, then dsr erase {request_id} --verify",
            )
        )
    if (execute or verify) and (confirm or retention_ended or replan):
        raise UsageError(
            Problem(
                "--confirm, --retention-ended and --replan belong to planning",
                hint=f"plan first: dsr erase {request_id} [--confirm ... | --retention-ended"
                " | --replan]",
            )
        )
    if formats is not None and not verify:
        raise UsageError(Problem("--format applies to the confirmation letter of --verify"))
    loaded = load_config(config, strict=False)
    who = current_actor(actor)
    with open_ledger(loaded.ledger) as ledger:
        if execute or verify:
            result = _execute_or_verify(loaded, ledger, request_id, who, verify, output, formats)
            document = result.as_dict()
            if json_output:
                print_json(document)
            else:
                _show_result("verified" if verify else "executed", document)
                for failure in [] if verify else result.failures:
                    source_failed(failure)
            code = ExitCode(int(result.exit_code))
            if code != ExitCode.OK:
                raise typer.Exit(code)
            return
        with ProgressBars() as progress:
            outcome = plan_request(
                loaded,
                ledger,
                request_id,
                confirm=confirm or (),
                retention_ended=retention_ended,
                progress=progress,
                actor=who,
                replan=replan,
            )
        outcome = write_review(loaded, ledger, outcome, output=output, actor=who)
    if json_output:
        document = review_document(outcome)
        if outcome.replaced is not None:
            document["replaced"] = outcome.replaced.as_dict()
        print_json(document)
    else:
        _show_replaced(outcome)
        _show_plan(outcome)
    _warn(outcome)
    if outcome.attention:
        raise typer.Exit(ExitCode.ATTENTION)


def _execute_or_verify(
    config: Config,
    ledger: Ledger,
    request_id: str,
    actor: str,
    verify: bool,
    output: Path | None,
    formats: str | None,
) -> Any:
    """Call the executor or the verifier (imported here: each is its own, larger module)."""
    with ProgressBars() as progress:
        if not verify:
            from dsr.erasure.execute import execute_plan

            return execute_plan(config, ledger, request_id, actor=actor, progress=progress)
        from dsr.erasure.verify import verify_erasure

        options: dict[str, Any] = {"actor": actor, "output": output, "progress": progress}
        if formats is not None:
            options["formats"] = [f.strip() for f in formats.split(",") if f.strip()]
        return verify_erasure(config, ledger, request_id, **options)


def _show_plan(outcome: PlanOutcome) -> None:
    """The plan as a tree: per source, per action, the tables with counts and a few keys."""
    stored = outcome.stored
    plan = stored.plan
    console = out()
    changing = sum(1 for a in plan.actions if a.action != "keep")
    title = "rows whose retention ended" if plan.retention_ended else "erasure plan"
    tree = Tree(
        f"[bold]{escape(plan.request)}[/]: {title}, {len(plan.actions)} row(s) "
        f"({changing} to change), plan {stored.plan_hash[:12]}"
    )
    tasks = {t.source: t for t in plan.processor_tasks}
    for source, actions in plan.by_source().items():
        counts = Counter(a.action for a in actions)
        summary = ", ".join(f"{counts[k]} {k}" for k in KINDS if counts[k])
        branch = tree.add(f"[bold]{escape(source)}[/]: {summary}")
        if source in tasks:
            task = tasks[source]
            branch.add(
                f"[yellow]processor task[/] for {escape(task.vendor)}, due {task.due.isoformat()}"
            )
        for kind in KINDS:
            here = [a for a in actions if a.action == kind]
            if not here:
                continue
            node = branch.add(f"{kind} ({len(here)})")
            for table in dict.fromkeys(a.table for a in here):
                rows = [a for a in here if a.table == table]
                keys = "; ".join(key_text(a.key) for a in rows[:_SHOWN_KEYS])
                more = " …" if len(rows) > _SHOWN_KEYS else ""
                detail = ""
                if kind == "keep":
                    ends = sorted({a.until.isoformat() for a in rows if a.until})
                    rules = sorted({a.rule for a in rows if a.rule})
                    if rules:
                        detail += f" [{escape(', '.join(rules))}]"
                    if ends:
                        detail += f" until {ends[0]}" + (f"–{ends[-1]}" if len(ends) > 1 else "")
                node.add(f"{escape(table)}: {len(rows)} ({escape(keys)}{more}){detail}")
    if not plan.actions:
        tree.add("nothing found to erase")
    console.print(tree)
    for path, _ in outcome.documents:
        console.print(f"review file: {escape(str(path))}", soft_wrap=True)
    if plan.actions and not plan.failed_sources:
        console.print(
            f"Nothing has changed yet. After sign-off: dsr erase {escape(plan.request)} --execute",
            soft_wrap=True,
        )


def _show_replaced(outcome: PlanOutcome) -> None:
    """What --replan closed and why: the old plan, the sources it finished, the changes."""
    old = outcome.replaced
    if old is None:
        return
    console = out()
    done = f", {', '.join(old.done)} done" if old.done else ""
    console.print(
        f"plan {old.plan_hash[:12]} ({escape(old.status)}{escape(done)}) is replaced; "
        "its history stays in the ledger",
        soft_wrap=True,
    )
    for change in old.changes or ("nothing changed in the rows it covers",):
        console.print(f"  changed: {escape(change)}", soft_wrap=True)


def _warn(outcome: PlanOutcome) -> None:
    plan = outcome.stored.plan
    for failure in outcome.failures:
        source_failed(failure)
    if plan.failed_sources:
        warning("the plan is not complete: fix the sources and plan again before --execute")
    if outcome.left_out:
        warning(
            f"{len(outcome.left_out)} possible match(es) left out (weak identifiers only); "
            "they are listed in the review file"
        )
        first = outcome.left_out[0]
        hint(
            f"if one is the person's: dsr erase {plan.request} --confirm "
            f"'{first.source}.{first.table}:{_json(first.key)}'"
        )
    for note in outcome.notes:
        warning(note)


def _show_result(done: str, document: dict[str, Any]) -> None:
    """What --execute or --verify did, per source, and what to do next: places and counts,
    never row contents."""
    if done == "verified":
        _show_verified(document)
    else:
        _show_executed(document)


def _show_executed(document: dict[str, Any]) -> None:
    console = out()
    request = escape(str(document.get("request", "")))
    if document.get("already_done"):
        console.print(f"[bold]{request}[/]: the plan was already carried out; nothing to do.")
    else:
        resumed = " (finishing an interrupted run)" if document.get("resumed") else ""
        console.print(f"[bold]{request}[/]: plan {str(document.get('plan_hash', ''))[:12]} "
                      f"carried out{resumed}")
    table = Table(box=None, pad_edge=False)
    for column in ("source", "status", "changed", "unchanged", "rows in plan"):
        table.add_column(column, justify="right" if column != "source" else "left")
    for source in document.get("sources", []):
        table.add_row(
            escape(str(source.get("source"))),
            escape(str(source.get("status"))),
            str(source.get("applied", 0)),
            str(source.get("unchanged", 0)),
            str(source.get("actions", 0)),
        )
    console.print(table)
    for source in document.get("sources", []):
        for text in source.get("warnings") or ():
            hint(f"{source['source']}: {text}")
    for task in document.get("processor_tasks", []):
        console.print(
            f"  processor task: {escape(str(task.get('vendor')))} "
            f"({escape(str(task.get('source')))}) must delete the person by {task.get('due')}"
        )
    if document.get("failed_sources"):
        hint(f"run again to finish: dsr erase {document.get('request')} --execute")
    else:
        hint(f"next: dsr erase {document.get('request')} --verify")


def _show_verified(document: dict[str, Any]) -> None:
    console = out()
    request = escape(str(document.get("request", "")))
    residue = document.get("residue") or []
    if residue:
        console.print(f"[bold red]{request}: {len(residue)} thing(s) left behind[/]")
        for item in residue:
            console.print(f"  - {escape(str(item.get('text') or item.get('kind')))}",
                          soft_wrap=True)
    else:
        console.print(f"[bold green]{request}: no residue[/] "
                      f"(searched {len(document.get('searched') or [])} source(s))")
    for task in document.get("processor_tasks", []):
        console.print(
            f"  processor task {escape(str(task.get('vendor') or task.get('source')))}: "
            f"{escape(str(task.get('status')))} (due {task.get('due')})"
        )
    for task in document.get("recipient_tasks", []):
        state = str(task.get("status")).replace("_", " ")
        when = f"on {task.get('on')}" if task.get("on") else f"due {task.get('due')}"
        console.print(
            f"  recipient {escape(str(task.get('recipient')))}: {escape(state)} ({when})",
            soft_wrap=True,
        )
    confirmation = document.get("confirmation")
    if confirmation:
        console.print(f"  confirmation ({confirmation.get('outcome')}) written to "
                      f"{escape(str(confirmation.get('folder')))}")
        for item in confirmation.get("documents", []):
            console.print(f"    {escape(str(item.get('path')))}")
    for text in document.get("warnings") or ():
        hint(str(text))
    missing = [str(m.get("key")) for m in document.get("missing") or ()]
    if missing and confirmation:
        warning(
            f"request {request}: the confirmation is a DRAFT, dsr.yaml lacks "
            + ", ".join(missing)
            + "; the request stays open: add them and run --verify again"
        )
    pending = [t for t in document.get("recipient_tasks") or () if t.get("status") in PENDING]
    if pending and not residue:
        first = pending[0]
        hint(
            f"when a recipient has been told: dsr request notified {request} "
            f"--recipient '{first.get('recipient')}' --at DATE"
        )
    kinds = {r.get("kind") for r in residue}
    if kinds & {"engine"}:
        hint("run VACUUM on the tables named (or set vacuum: true on the source), "
             f"then dsr erase {document.get('request')} --verify again")
    if kinds & {"index"}:
        hint("rebuild the full-text index named (INSERT INTO idx(idx) VALUES('rebuild')), "
             f"then dsr erase {document.get('request')} --verify again")
    if kinds - {"engine", "index"}:
        hint(f"make a new plan for what is left: dsr erase {document.get('request')}, "
             "then --execute and --verify again")


def _json(key: dict[str, Any]) -> str:
    return json.dumps(key, ensure_ascii=False)
