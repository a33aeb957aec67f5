"""`dsr inventory`: classify every source and write the Art. 30 record with its findings."""

from __future__ import annotations

import contextlib
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from dsr.cli.console import ProgressBars, out
from dsr.cli.options import ConfigOption, JsonOption, SourcesArgument
from dsr.cli.output import hint, print_json, source_failed, warning
from dsr.clock import today_berlin
from dsr.config.load import load_config
from dsr.errors import LedgerError, Problem, UsageError
from dsr.inventory.document import build_document
from dsr.inventory.history import History, compare, describe, load_snapshot, save_snapshot
from dsr.inventory.render import FORMATS, write_inventory
from dsr.inventory.scan import SourceScan, scan_sources
from dsr.ledger.store import open_ledger
from dsr.outcome import ExitCode


def inventory_command(
    names: SourcesArgument = None,
    formats: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="Comma-separated formats to write: md, html, xlsx, json.",
            metavar="LIST",
        ),
    ] = ",".join(FORMATS),
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Folder for the files. Default: inventory/ beside dsr.yaml.",
            show_default=False,
            metavar="DIR",
        ),
    ] = None,
    language: Annotated[
        str | None,
        typer.Option(
            "--language",
            "-l",
            help="de or en. Default: language in dsr.yaml.",
            show_default=False,
            metavar="de|en",
        ),
    ] = None,
    changes: Annotated[
        bool,
        typer.Option(
            "--changes",
            help="Only compare with the previous run and print what changed (for cron): "
            "silent with exit 0 when nothing did, exit 1 when something needs the DPO. "
            "Writes no files.",
        ),
    ] = False,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Scan the sources, classify their columns and write the record of processing
    activities (Art. 30 GDPR) with the findings that need action.

    Writes inventory-LANG.md, .html (one printable file), .xlsx (one sheet per
    activity, like the supervisory authorities' template) and .json. Fields that
    dsr.yaml leaves empty are shown as gaps to fill.

    Each run is compared with the previous one (kept in the ledger database): the
    record keeps the date each activity first appeared and last changed, counts its
    versions, and lists new sources, new tables and columns with personal data,
    changed categories and activities without a purpose. --changes prints only that.

    Exit code 0 when every source was read, whatever the findings: they are the
    report's content. Exit code 1 when a source could not be read (the others
    are still in the record), or with --changes when something changed; 2 when
    the command could not run.

    Example: dsr inventory --format md,html --language en shop zendesk

    From cron, silent unless something changed: dsr inventory --changes
    """
    wanted = _formats(formats)
    loaded = load_config(config, strict=False)
    lang = language or loaded.language
    if lang not in ("de", "en"):
        raise UsageError(Problem(f"unknown language '{lang}'", hint="use de or en"))
    folder = output if output is not None else loaded.base_dir / "inventory"
    # The ledger first: --changes cannot run without it, and should say so before a long scan.
    try:
        ledger = open_ledger(loaded.ledger)
    except LedgerError as exc:
        if changes:
            raise  # nothing to compare with: the command cannot do its job (exit 2)
        # The record is still worth writing; only its memory across runs is missing.
        ledger, unkept = None, str(exc).splitlines()[0]
    with contextlib.ExitStack() as stack:
        if ledger is not None:
            stack.enter_context(ledger)
        with ProgressBars() as progress:
            scans = scan_sources(loaded, names or [], progress=progress)
        failed = [s for s in scans if not s.ok]
        today = today_berlin()
        history = None
        if ledger is not None:
            with ledger.session(write=False) as session:
                previous = load_snapshot(session)
            history = compare(loaded, scans, previous, today, complete=not names)
        if changes:
            assert ledger is not None and history is not None  # opened above, or exit 2
            with ledger.session() as session:
                save_snapshot(session, history.snapshot)
            _print_changes(history, failed, json_output)
            if history.needs_attention or failed:
                raise typer.Exit(ExitCode.ATTENTION)
            return
        document = build_document(loaded, scans, language=lang, today=today, history=history)
        written = write_inventory(document, folder, wanted, user_dir=loaded.templates)
        if ledger is not None and history is not None:
            with ledger.session() as session:
                save_snapshot(session, history.snapshot)

    for scan in failed:
        if scan.failure is not None:
            source_failed(scan.failure)
    if json_output:
        print_json(document)
        for path in written:
            hint(f"wrote {path}")
    else:
        console = out()
        for path in written:
            console.print(f"wrote {escape(str(path))}", soft_wrap=True)
        console.print(_summary(document), soft_wrap=True)
    if ledger is None:
        warning(
            f"the record's dates and version could not be kept ({unkept}); "
            "it shows today's date for every activity"
        )
    if failed:
        warning(
            f"{len(failed)} of {len(scans)} sources could not be read; "
            "the record lists the others and names the failed ones"
        )
    if failed or ledger is None:
        raise typer.Exit(ExitCode.ATTENTION)


def _print_changes(history: History, failed: list[SourceScan], json_output: bool) -> None:
    """What changed since the previous run, or nothing at all when nothing did (cron)."""
    for scan in failed:
        if scan.failure is not None:
            source_failed(scan.failure)
    if json_output:
        print_json(
            {
                "version": history.version,
                "previous_run": history.previous_run,
                "changes": [
                    {**c.as_dict(), "text": describe(c.as_dict(), "en")} for c in history.changes
                ],
            }
        )
        return
    console = out()
    if history.first_run:
        console.print(
            f"No earlier run to compare with: recorded version {history.version} of the "
            "record as the baseline. Run `dsr inventory` to write it.",
            soft_wrap=True,
        )
        return
    if not history.changes:
        return
    n = len(history.changes)
    console.print(
        f"{n} change{'s' if n != 1 else ''} since the run of {history.previous_run} "
        f"(record version {history.version}):",
        soft_wrap=True,
    )
    for change in history.changes:
        console.print(f"  {escape(describe(change.as_dict(), 'en'))}", soft_wrap=True)
    console.print("Run `dsr inventory` to write the updated record.", soft_wrap=True)


def _formats(value: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise UsageError(
            Problem(
                f"unknown format '{', '.join(unknown) or value}'",
                hint=f"use a comma-separated list of {', '.join(FORMATS)}",
            )
        )
    return chosen


def _summary(document: dict) -> str:
    activities = len(document["activities"])
    personal = sum(1 for c in document["columns"] if c["personal"])
    counts = Counter(f["kind"] for f in document["findings"])
    found = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in document["summary"].items())
    gaps = sum(len(a["gaps"]) for a in document["activities"]) + len(
        document["controller"]["gaps"]
    )
    text = (
        f"{activities} activit{'y' if activities == 1 else 'ies'}, "
        f"{personal} columns with personal data, "
        f"{sum(counts.values())} findings" + (f" ({found})" if found else "")
        + f", {gaps} gap{'' if gaps == 1 else 's'} in dsr.yaml"
        + (f", {len(document['decided'])} decided" if document.get("decided") else "")
        + (f", record version {document['version']}" if document.get("version") else "")
    )
    return escape(text)
