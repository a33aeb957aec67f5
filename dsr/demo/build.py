"""Build the whole demo company into a folder and say what was built.

This is the one entry point the CLI calls. It draws one population, hands it to
each system's writer, writes every file owner-only (the data look personal, and
a demo should show the habit), and renders dsr.yaml and README.md from the
numbers and planted-case locations the writers report, so the README can never
disagree with the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dsr.demo.people import (
    EXPORT_DATE,
    MAX_CUSTOMERS,
    MIN_CUSTOMERS,
    PLANTED_CASES,
    Person,
    PlantedCase,
    Population,
    build_population,
)
from dsr.demo.saas import HUBSPOT_FILE, MAILCHIMP_ZIP, hubspot_export, mailchimp_export
from dsr.demo.shop import build_shop
from dsr.demo.spreadsheets import event_signups_csv, newsletter_workbook
from dsr.demo.zendesk import zendesk_export
from dsr.errors import Problem, UsageError, Where
from dsr.progress import NullProgress, Progress
from dsr.render.templates import render
from dsr.render.writers import private_dir, write_private

CONFIG_FILE = "dsr.yaml"
README_FILE = "README.md"
SHOP_DB = Path("data/shop.db")
NEWSLETTER = Path("data/newsletter.xlsx")
EVENTS = Path("data/event-signups.csv")
ZENDESK = Path("exports/zendesk")
HUBSPOT = Path("exports/hubspot") / HUBSPOT_FILE
MAILCHIMP = Path("exports/mailchimp") / MAILCHIMP_ZIP

DEMO_FILES: tuple[Path, ...] = (
    SHOP_DB,
    NEWSLETTER,
    EVENTS,
    ZENDESK / "users.json",
    ZENDESK / "tickets.json",
    ZENDESK / "ticket_events.json",
    HUBSPOT,
    MAILCHIMP,
    Path(CONFIG_FILE),
    Path(README_FILE),
)
"""Every file the demo writes, relative to its folder; --force replaces exactly these."""


@dataclass(frozen=True)
class SourceSummary:
    """One source of the demo as dsr.yaml names it, with its row or record counts."""

    name: str
    type: str
    path: str
    records: int
    parts: dict[str, int]


@dataclass(frozen=True)
class PlantedPerson:
    """A planted hard case: who, how to find them, where they are, what a tool must do."""

    case: int
    label: str
    name: str
    identifiers: dict[str, list[str]]
    where: list[str]
    expect: str


@dataclass(frozen=True)
class DemoResult:
    folder: Path
    config: Path
    customers: int
    seed: int
    sources: list[SourceSummary]
    planted: list[PlantedPerson] = field(default_factory=list)


def check_target(target: Path, force: bool) -> None:
    """Refuse a folder that holds anything, unless the user said --force."""
    if target.exists() and not target.is_dir():
        raise UsageError(Problem("exists and is not a folder", Where(file=target)))
    if force or not target.exists():
        return
    if any(target.iterdir()):
        raise UsageError(
            Problem(
                "folder is not empty",
                Where(file=target),
                "choose a new folder, or pass --force to replace the demo's files in it",
            )
        )


def build_demo(
    target: Path,
    customers: int = 2000,
    seed: int = 42,
    progress: Progress | None = None,
) -> DemoResult:
    """Write the demo company into ``target`` and return what was built.

    Existing files the demo writes are replaced; other files are left alone.
    """
    progress = progress if progress is not None else NullProgress()
    if not MIN_CUSTOMERS <= customers <= MAX_CUSTOMERS:
        raise UsageError(
            Problem(
                f"--customers must be between {MIN_CUSTOMERS} and {MAX_CUSTOMERS:,}",
                hint=f"the planted cases alone need {MIN_CUSTOMERS}",
            )
        )
    target = target.resolve()
    for folder in (
        target,
        target / "data",
        target / "exports",
        target / ZENDESK,
        target / HUBSPOT.parent,
        target / MAILCHIMP.parent,
    ):
        private_dir(folder)

    progress.begin("People", total=customers)
    population = build_population(customers, seed, tick=progress.advance)
    progress.end()

    shop = build_shop(target / SHOP_DB, population, seed, progress)
    numbers = {key: f"K-{100000 + cid}" for key, cid in shop.customer_ids.items()}

    progress.begin("Spreadsheets and SaaS exports", total=5)
    newsletter_bytes, newsletter = newsletter_workbook(population, seed)
    write_private(target / NEWSLETTER, newsletter_bytes)
    progress.advance()
    events_bytes, events = event_signups_csv(population, seed)
    write_private(target / EVENTS, events_bytes)
    progress.advance()
    zendesk = zendesk_export(population, numbers, seed)
    for name, content in zendesk.files.items():
        write_private(target / ZENDESK / name, content)
    progress.advance()
    hubspot = hubspot_export(population, seed)
    write_private(target / HUBSPOT, hubspot.files[HUBSPOT_FILE])
    progress.advance()
    mailchimp = mailchimp_export(population, seed)
    write_private(target / MAILCHIMP, mailchimp.files[MAILCHIMP_ZIP])
    progress.advance()
    progress.end()

    sources = [
        SourceSummary("shop", "sql", SHOP_DB.as_posix(), sum(shop.tables.values()), shop.tables),
        _summary("newsletter", "xlsx", NEWSLETTER, newsletter.parts),
        _summary("events", "csv", EVENTS, events.parts),
        _summary("zendesk", "zendesk", ZENDESK, zendesk.parts),
        _summary("hubspot", "hubspot", HUBSPOT, hubspot.parts),
        _summary("mailchimp", "mailchimp", MAILCHIMP, mailchimp.parts),
    ]
    locations: dict[str, list[str]] = {}
    for part in (
        shop.locations,
        newsletter.locations,
        events.locations,
        zendesk.locations,
        hubspot.locations,
        mailchimp.locations,
    ):
        for key, places in part.items():
            locations.setdefault(key, []).extend(places)
    planted = [_planted(population, case, locations, numbers) for case in PLANTED_CASES]

    result = DemoResult(
        folder=target,
        config=target / CONFIG_FILE,
        customers=len(population.customers),
        seed=seed,
        sources=sources,
        planted=planted,
    )
    context = {
        "customers": result.customers,
        "seed": seed,
        "export_date": EXPORT_DATE.isoformat(),
        "sources": {s.name: s for s in sources},
        "planted": planted,
        "shop_db": SHOP_DB.as_posix(),
        "newsletter": NEWSLETTER.as_posix(),
        "events": EVENTS.as_posix(),
        "zendesk": ZENDESK.as_posix(),
        "hubspot": HUBSPOT.as_posix(),
        "mailchimp": MAILCHIMP.as_posix(),
    }
    write_private(result.config, render("demo/dsr.yaml.j2", context))
    write_private(target / README_FILE, render("demo/README.md.j2", context))
    return result


def _summary(name: str, type_: str, path: Path, parts: dict[str, int]) -> SourceSummary:
    return SourceSummary(name, type_, path.as_posix(), sum(parts.values()), parts)


def _identifiers(person: Person, number: str | None) -> dict[str, list[str]]:
    emails = [person.email]
    phones = [person.phone.international()] if person.phone else []
    for spelling in person.spellings.values():
        if "email" in spelling and spelling["email"] not in emails:
            emails.append(spelling["email"])
        if "phone" in spelling and spelling["phone"] not in phones:
            phones.append(spelling["phone"])
    found: dict[str, list[str]] = {"email": emails}
    if phones:
        found["phone"] = phones
    if person.birthdate is not None:
        found["birthdate"] = [person.birthdate.isoformat()]
    if number is not None:
        found["customer_number"] = [number]
    return found


def _planted(
    population: Population,
    case: PlantedCase,
    locations: dict[str, list[str]],
    numbers: dict[str, str],
) -> PlantedPerson:
    person = population.planted[case.person_key]
    identifiers = _identifiers(person, numbers.get(person.key))
    where = list(locations.get(person.key, []))
    if case.case == 2:  # only the places that hold the address in mixed case
        mixed = [e for e in identifiers["email"] if e != e.lower()]
        where = [w for w in where if any(e in w for e in mixed)]
    if case.case == 3:  # the duplicate: both rows belong to the case
        twin = population.planted["anna-schmidt"]
        where = list(locations.get(twin.key, [])) + where
        identifiers["email"] = [twin.email, *identifiers["email"]]
        identifiers["customer_number"] = [numbers[twin.key], *identifiers["customer_number"]]
        if twin.phone is not None:
            identifiers["phone"] = [twin.phone.international()]
    return PlantedPerson(
        case=case.case,
        label=case.label,
        name=person.name if case.case != 3 else "Anna Schmidt / Anna Schmitt",
        identifiers=identifiers,
        where=where,
        expect=case.expect,
    )
