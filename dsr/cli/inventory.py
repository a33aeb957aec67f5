"""`dsr inventory`: classify every source and write the Art. 30 record with its findings."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from dsr.cli.console import ProgressBars, out
from dsr.cli.options import ConfigOption, JsonOption, SourcesArgument
from dsr.cli.output import hint, print_json, source_failed, warning
from dsr.config.load import load_config
from dsr.errors import Problem, UsageError
from dsr.inventory.document import build_document
from dsr.inventory.render import FORMATS, write_inventory
from dsr.inventory.scan import scan_sources
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
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Scan the sources, classify their columns and write the record of processing
    activities (Art. 30 GDPR) with the findings that need action.

    Writes inventory-LANG.md, .html (one printable file), .xlsx (one sheet per
    activity, like the supervisory authorities' template) and .json. Fields that
    dsr.yaml leaves empty are shown as gaps to fill.

    Exit code 0 when every source was read, whatever the findings: they are the
    report's content. Exit code 1 when a source could not be read (the others
    are still in the record), 2 when the command could not run.

    Example: dsr inventory --format md,html --language en shop zendesk
    """
    wanted = _formats(formats)
    loaded = load_config(config, strict=False)
    lang = language or loaded.language
    if lang not in ("de", "en"):
        raise UsageError(Problem(f"unknown language '{lang}'", hint="use de or en"))
    folder = output if output is not None else loaded.base_dir / "inventory"
    with ProgressBars() as progress:
        scans = scan_sources(loaded, names or [], progress=progress)
    document = build_document(loaded, scans, language=lang)
    written = write_inventory(document, folder, wanted, user_dir=loaded.templates)

    failed = [s for s in scans if not s.ok]
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
    if failed:
        warning(
            f"{len(failed)} of {len(scans)} sources could not be read; "
            "the record lists the others and names the failed ones"
        )
        raise typer.Exit(ExitCode.ATTENTION)


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
        + f", {gaps} gaps in dsr.yaml"
    )
    return escape(text)
