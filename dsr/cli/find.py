"""`dsr find`: where a person (or a file of people) appears, without a logged request.

The output names sources, tables, keys and counts, never row contents: a
terminal is often shared or recorded, and a lookup is not yet an access answer.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.tree import Tree

from dsr.cli.console import ProgressBars, out
from dsr.cli.options import (
    BirthdateOption,
    ConfigOption,
    EmailOption,
    IbanOption,
    IdOption,
    JsonOption,
    NameOption,
    PhoneOption,
    PostcodeOption,
    SourcesArgument,
    given_identifiers,
)
from dsr.cli.output import print_json, source_failed, warning
from dsr.config.load import load_config
from dsr.errors import Problem, UsageError
from dsr.lookup.engine import (
    LookupResult,
    Match,
    MatchKind,
    Reference,
    find_people,
    phone_region,
)
from dsr.lookup.person import Person, id_sources, parse_identifiers, read_batch
from dsr.outcome import ExitCode

_KINDS: tuple[MatchKind, ...] = ("direct", "linked", "mention", "possible")
_SHOWN_KEYS = 5


def _option(name: str, help_text: str, metavar: str) -> Any:
    return typer.Option(name, help=help_text, show_default=False, metavar=metavar)


def find_command(
    names: SourcesArgument = None,
    email: EmailOption = None,
    phone: PhoneOption = None,
    name: NameOption = None,
    birthdate: BirthdateOption = None,
    postcode: PostcodeOption = None,
    id_: IdOption = None,
    iban: IbanOption = None,
    batch: Annotated[
        Path | None,
        _option(
            "--batch",
            "CSV of people, one a row: email, phone, name, birthdate, postcode, id, iban.",
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
    given = given_identifiers(
        email=email, phone=phone, name=name, birthdate=birthdate, postcode=postcode, id_=id_,
        iban=iban,
    )  # fmt: skip
    if batch is not None:
        if given:
            raise UsageError(Problem("--batch cannot be combined with single identifiers"))
        rows, people = read_batch(batch, loaded)
    else:
        person = Person.of(
            parse_identifiers(given, region=region, sources=id_sources(loaded))
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
        print_json(result.to_json(rows))
    else:
        _show(result, rows, people)
    for failure in result.failures:
        source_failed(failure)
    if not result.complete:
        warning(
            f"{len(result.failed_sources)} source(s) could not be read; the result is not complete"
        )
        raise typer.Exit(ExitCode.ATTENTION)


def _show(result: LookupResult, rows: list[int], people: list[Person]) -> None:
    count = len(people)
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
            if not people[index].strong:
                # Not "we hold nothing": weak identifiers find only possible matches.
                console.print(
                    "A name, birth date or postcode finds possible matches only (a name "
                    "together with --birthdate or --postcode); to be sure, look up an "
                    "e-mail, phone or customer number (--email, --phone, --id).",
                    soft_wrap=True,
                )
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
