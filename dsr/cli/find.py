"""`dsr find`: where a person (or a file of people) appears, without a logged request.

The output names sources, tables, keys and counts, never row contents: a
terminal is often shared or recorded, and a lookup is not yet an access answer.
"""

from __future__ import annotations

import sys
import traceback
from collections import Counter, defaultdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.tree import Tree

from dsr.cli.console import ProgressBars, debug_enabled, out
from dsr.cli.options import ConfigOption, JsonOption
from dsr.cli.output import error, print_json, warning
from dsr.config.load import load_config
from dsr.connectors.files.csvread import detect_format, read_records
from dsr.errors import Problem, UsageError, Where
from dsr.lookup.engine import LookupResult, Match, Reference, find_people, phone_region
from dsr.lookup.person import Person
from dsr.outcome import ExitCode

_BATCH_COLUMNS = ("email", "phone", "name", "birthdate", "postcode", "id", "iban")
_KINDS = ("direct", "linked", "mention", "possible")
_SHOWN_KEYS = 5

Many = list[str] | None


def _option(name: str, help_text: str, metavar: str) -> Any:
    return typer.Option(name, help=help_text, show_default=False, metavar=metavar)


def find_command(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            help="Only these sources (default: all).", show_default=False, metavar="SOURCE"
        ),
    ] = None,
    email: Annotated[Many, _option("--email", "E-mail address (repeatable).", "ADDRESS")] = None,
    phone: Annotated[Many, _option("--phone", "Phone number in any format.", "NUMBER")] = None,
    name: Annotated[Many, _option("--name", "Full name (weak: only together).", "NAME")] = None,
    birthdate: Annotated[Many, _option("--birthdate", "Birth date (weak).", "YYYY-MM-DD")] = None,
    postcode: Annotated[Many, _option("--postcode", "Postcode (weak).", "CODE")] = None,
    id_: Annotated[
        Many, _option("--id", "A source's own id, e.g. shop:10042.", "SOURCE:VALUE")
    ] = None,
    iban: Annotated[Many, _option("--iban", "Bank account (IBAN), any spacing.", "IBAN")] = None,
    batch: Annotated[
        Path | None,
        _option(
            "--batch",
            "CSV of people, one a row: email, phone, name, birthdate, postcode, id.",
            "FILE",
        ),
    ] = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Find where a person appears in every source: direct matches, linked records
    (orders, invoices, comments), mentions in other people's notes, and possible
    matches (name with birth date or postcode) for a person to check.

    Each source is read once for all people given. Exit code 0 when every source
    was searched (also when nothing was found), 1 when a source could not be read,
    2 when the command could not run.

    Rows another person owns that the person's rows point to (their support agent)
    are listed as references, not as the person's data. Links inferred where a
    schema declares no foreign keys are marked, to be confirmed in `links:`.

    Example: dsr find --email juergen.mueller@example.com --phone "0171 2345678"
    """
    loaded = load_config(config, strict=False)
    region = phone_region(loaded)
    single = [email, phone, name, birthdate, postcode, id_, iban]
    if batch is not None:
        if any(single):
            raise UsageError(Problem("--batch cannot be combined with single identifiers"))
        rows, people = _read_batch(batch, region)
    else:
        person = Person.parse(
            emails=email or (),
            phones=phone or (),
            names=name or (),
            birthdates=birthdate or (),
            postcodes=postcode or (),
            ids=id_ or (),
            ibans=iban or (),
            region=region,
            label="--",
        )
        if person.empty:
            raise UsageError(
                Problem(
                    "no identifier given",
                    hint="use --email, --phone, --id, --iban, --name with --birthdate or "
                    "--postcode, "
                    "or --batch",
                )
            )
        rows, people = [], [person]
    with ProgressBars() as progress:
        result = find_people(loaded, people, sources=names or [], progress=progress)
    if json_output:
        print_json(_document(result, rows))
    else:
        _show(result, rows, len(people))
    for source, reason in result.failed_sources.items():
        error(f"source '{source}': {reason}")
        if debug_enabled() and source in result.exceptions:
            traceback.print_exception(result.exceptions[source], file=sys.stderr)
    if not result.complete:
        warning(
            f"{len(result.failed_sources)} source(s) could not be read; the result is not complete"
        )
        raise typer.Exit(ExitCode.ATTENTION)


def _read_batch(path: Path, region: str) -> tuple[list[int], list[Person]]:
    """The people in a CSV file and their row numbers (header = 1)."""
    if not path.is_file():
        raise UsageError(Problem("no such file", Where(file=path)))
    header, records = read_records(path, detect_format(path))
    columns = {h.strip().lower(): h for h in header}
    if not any(c in columns for c in _BATCH_COLUMNS):
        raise UsageError(
            Problem(
                "has none of the columns " + ", ".join(_BATCH_COLUMNS), Where(file=path, line=1)
            )
        )
    rows, people = [], []
    try:
        for record in records:
            values = {c: record.values.get(columns[c], "") for c in _BATCH_COLUMNS if c in columns}
            person = Person.parse(
                emails=[values.get("email", "")],
                phones=[values.get("phone", "")],
                names=[values.get("name", "")],
                birthdates=[values.get("birthdate", "")],
                postcodes=[values.get("postcode", "")],
                ids=[values.get("id", "")],
                ibans=[values.get("iban", "")],
                region=region,
                label=f"{path}:{record.row}: column ",
            )
            if person.empty:
                continue
            rows.append(record.row)
            people.append(person)
    finally:
        records.close()
    if not people:
        raise UsageError(Problem("holds no person to look up", Where(file=path)))
    return rows, people


def _document(result: LookupResult, rows: list[int]) -> dict[str, Any]:
    matches = []
    for match in result.matches:
        item: dict[str, Any] = {
            "source": match.source,
            "table": match.table,
            "key": match.key,
            "match": match.match,
            "via": match.via,
        }
        if match.inferred:
            item["inferred"] = True
        if rows:
            item["person"] = rows[match.person]
        matches.append(item)
    references = []
    for ref in result.references:
        entry: dict[str, Any] = {
            "source": ref.source,
            "table": ref.table,
            "key": ref.key,
            "via": ref.via,
        }
        if rows:
            entry["person"] = rows[ref.person]
        references.append(entry)
    return {
        "complete": result.complete,
        "failed_sources": sorted(result.failed_sources),
        "matches": matches,
        "references": references,
    }


def _show(result: LookupResult, rows: list[int], count: int) -> None:
    console = out()
    by_person: dict[int, list[Match]] = defaultdict(list)
    for match in result.matches:
        by_person[match.person].append(match)
    refs: dict[int, list[Reference]] = defaultdict(list)
    for ref in result.references:
        refs[ref.person].append(ref)
    for index in range(count):
        label = f"person in row {rows[index]}" if rows else "the person"
        matches = by_person.get(index, [])
        if not matches:
            searched = ", ".join(result.searched) or "no source"
            console.print(f"Nothing found for {label} in {escape(searched)}.", soft_wrap=True)
            continue
        sources = list(dict.fromkeys(m.source for m in matches))
        tree = Tree(f"[bold]{label}[/]: found in {len(sources)} source(s)")
        for source in sources:
            branch = tree.add(f"[bold]{escape(source)}[/]")
            in_source = [m for m in matches if m.source == source]
            for table in dict.fromkeys(m.table for m in in_source):
                here = [m for m in in_source if m.table == table]
                counts = Counter(m.match for m in here)
                text = ", ".join(f"{counts[k]} {k}" for k in _KINDS if counts[k])
                keys = [_key(m.key) for m in here if m.match != "linked"][:_SHOWN_KEYS]
                more = f" ({escape('; '.join(keys))})" if keys else ""
                branch.add(f"{escape(table)}: {text}{more}")
            pointed = Counter(r.table for r in refs.get(index, []) if r.source == source)
            for table, number in pointed.items():
                branch.add(
                    f"refers to {number} {escape(table)} row{'s' if number > 1 else ''} "
                    "(not this person's data)"
                )
        console.print(tree)
        if any(m.match == "possible" for m in matches):
            console.print("[yellow]possible[/] matches share only weak identifiers: check them.")


def _key(key: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in key.items())
