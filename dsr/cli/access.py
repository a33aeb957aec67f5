"""`dsr access ID`: write the Art. 15 answer (letter and data copy) for a logged request.

The CLI only parses, calls ``dsr.access.answer`` and prints where the files are; it
never prints row contents, because a terminal is often shared or recorded.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from dsr.cli.console import ProgressBars, out
from dsr.cli.options import ConfigOption, JsonOption
from dsr.cli.output import print_json, source_failed, warning
from dsr.config.load import load_config
from dsr.errors import Problem, UsageError
from dsr.ledger import open_ledger
from dsr.outcome import ExitCode

if TYPE_CHECKING:  # imported when a command runs: `dsr --help` stays quick
    from dsr.access.answer import AccessResult


def access_command(
    request_id: Annotated[
        str | None,
        typer.Argument(help="The request id, e.g. 2026-0001.", metavar="ID", show_default=False),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Folder for the answer (default: answers/ID beside dsr.yaml). "
            "With --all-open, one sub-folder per request.",
            show_default=False,
            metavar="DIR",
        ),
    ] = None,
    formats: Annotated[
        str,
        typer.Option("--format", help="Letter formats, comma-separated.", metavar="LIST"),
    ] = "html,pdf,md",
    all_open: Annotated[
        bool,
        typer.Option(
            "--all-open",
            help="Answer every open access or portability request that is ready, in one run.",
        ),
    ] = False,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Answer an access request (Art. 15): find the person in every source and write,
    into a folder only you can read, the letter (HTML, PDF, Markdown) in the request's
    language and the copy of the data as a ZIP (JSON and CSV per table, manifest with
    checksums, data dictionary). The request is then closed in the ledger with the
    documents' checksums.

    Where dsr.yaml lacks a fact the letter states (purposes, legal bases,
    recipients, storage periods, third-country transfers, automated decisions, the
    supervisory authority), the letter is written as a draft (entwurf-/draft- in
    its name, marked on the page) and the staff note lists the keys to fill.

    Exit code 0 when answered, 1 when a source could not be read or the letter is a
    draft (the files are written for checking, the request stays open), 2 when the
    command could not run.

    Example: dsr access 2026-0001 --format pdf,md
    """
    if all_open == (request_id is not None):
        raise UsageError(Problem("give one request ID or --all-open", hint="dsr access 2026-0001"))
    if output is not None:
        _check_output(output)
    loaded = load_config(config, strict=False)
    from dsr.access.answer import (
        access_document,
        answer_requests,
        answerable,
        open_access_requests,
    )

    refused: list[tuple[str, Problem]] = []
    with open_ledger(loaded.ledger) as ledger:
        ids = [str(request_id)]
        if all_open:
            ids, refused = answerable(ledger, loaded, open_access_requests(ledger))
        for _, problem in refused:
            warning(f"not answered: {problem}")
        if not ids:
            if json_output:
                print_json(access_document([], all_open=True))
            else:
                out().print("No open access request is ready to answer.")
            if refused:
                raise typer.Exit(ExitCode.ATTENTION)
            return
        with ProgressBars() as progress:
            answers = answer_requests(
                ledger, loaded, ids, output=output, formats=formats.split(","), progress=progress
            )
    if json_output:
        print_json(access_document(answers, all_open=all_open))
    else:
        for answer in answers:
            _show(answer)
    incomplete = [a for a in answers if not a.complete]
    for answer in incomplete:
        for failure in answer.failures:
            source_failed(failure, prefix=f"request {answer.request}: ")
    if incomplete:
        warning(
            f"{len(incomplete)} answer(s) not complete: the request stays open; "
            "fix the source and run dsr access again"
        )
    drafts = [a for a in answers if a.missing]
    for answer in drafts:
        warning(
            f"request {answer.request}: the letter is a DRAFT, dsr.yaml lacks "
            + ", ".join(m.key for m in answer.missing)
            + "; the request stays open: add them and run dsr access again"
        )
    if incomplete or drafts or refused:
        raise typer.Exit(ExitCode.ATTENTION)


def _check_output(folder: Path) -> None:
    """--output must be a folder or a place for one; a file there is a usage error,
    found before any source is read or the ledger is touched."""
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        what = "is a file, not a folder" if probe == folder else f"lies inside a file ({probe})"
        raise UsageError(
            Problem(f"--output {folder} {what}", hint="give a folder; dsr creates it if needed")
        )


def _show(answer: AccessResult) -> None:
    console = out()
    state = "answered and closed" if answer.closed else "written, NOT closed"
    found = "data found" if answer.found else "nothing found"
    console.print(
        f"[bold]{escape(answer.request)}[/]: {state} ({found}) in {escape(str(answer.folder))}",
        soft_wrap=True,
    )
    for path, _ in answer.documents:
        console.print(f"  {escape(path.name)}", soft_wrap=True)
    if answer.possible:
        console.print(
            f"  [yellow]{answer.possible} possible match(es)[/]: confirm them (see the staff note)"
        )
