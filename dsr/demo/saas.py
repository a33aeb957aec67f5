"""The demo's CRM and mailing exports: HubSpot contacts and a Mailchimp audience.

Both follow formats.md to the column: HubSpot's default "All contacts" view with
every field quoted, Mailchimp's ZIP with one CSV per status whose column sets
(21 / 25 / 23) are what real exports hold. Connectors match columns by header
name, so the demo must carry the real headers, not approximations.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dsr.demo.archive import zip_members
from dsr.demo.people import ANCHOR, EXPORT_DATE, STAFF, Person, Population, random_datetime

HUBSPOT_FILE = f"hubspot-crm-exports-all-contacts-{EXPORT_DATE.isoformat()}.csv"
HUBSPOT_HEADER = (
    "Record ID",
    "First Name",
    "Last Name",
    "Email",
    "Phone Number",
    "Contact owner",
    "Primary Associated Company ID",
    "Last Activity Date",
    "Lead Status",
    "Marketing contact status",
    "Create Date",
    "Associated Company",
)

MAILCHIMP_EXPORT_ID = "a3f9c2e7b1"
MAILCHIMP_ZIP = f"audience_export_{MAILCHIMP_EXPORT_ID}.zip"
_MERGE_FIELDS = ("Email Address", "First Name", "Last Name", "Address", "Phone Number", "Birthday")
_MEMBER_FIELDS = (
    "MEMBER_RATING",
    "OPTIN_TIME",
    "OPTIN_IP",
    "CONFIRM_TIME",
    "CONFIRM_IP",
    "GMTOFF",
    "DSTOFF",
    "TIMEZONE",
    "CC",
    "REGION",
)
_TRAILER = ("LEID", "EUID", "NOTES", "TAGS")
MAILCHIMP_HEADERS: dict[str, tuple[str, ...]] = {
    "subscribed": (*_MERGE_FIELDS, *_MEMBER_FIELDS, "LAST_CHANGED", *_TRAILER),
    "unsubscribed": (
        *_MERGE_FIELDS,
        *_MEMBER_FIELDS,
        "UNSUB_TIME",
        "UNSUB_CAMPAIGN_TITLE",
        "UNSUB_CAMPAIGN_ID",
        "UNSUB_REASON",
        "UNSUB_REASON_OTHER",
        *_TRAILER,
    ),
    "cleaned": (
        *_MERGE_FIELDS,
        *_MEMBER_FIELDS,
        "CLEAN_TIME",
        "CLEAN_CAMPAIGN_TITLE",
        "CLEAN_CAMPAIGN_ID",
        *_TRAILER,
    ),
}
_CAMPAIGNS = (
    "Frühlings-Newsletter 2025",
    "Sommerangebote 2025",
    "Herbst-Newsletter 2025",
    "Adventskalender 2025",
    "Neu im Sortiment März 2026",
    "Herbst-Newsletter 2026",
)
_UNSUB_REASONS = (
    "I no longer want to receive these emails",
    "The emails are inappropriate",
    "I never signed up for this mailing list",
    "N/A (Unsubscribed by an admin)",
    "Other",
)
_TAG_CHOICES = ("Kunde", "Stuttgart", "Kochkurs", "Weinfreund", "VIP", "Messe")


_LAST = datetime(ANCHOR.year, ANCHOR.month, ANCHOR.day, 23, 59, 59)


@dataclass
class ExportResult:
    files: dict[str, bytes]
    parts: dict[str, int]
    locations: dict[str, list[str]] = field(default_factory=dict)


def _hub_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def _hub_phone(rng: random.Random, person: Person) -> str:
    planted = person.spelled("hubspot", "phone", None)
    if planted is not None:
        return planted
    if person.phone is None or rng.random() < 0.3:
        return ""
    return rng.choice((person.phone.international(), person.phone.national(), person.phone.e164()))


def hubspot_export(population: Population, seed: int) -> ExportResult:
    """The default "All contacts" view: customers who met sales or marketing, plus B2B leads."""
    rng = random.Random(f"dsr-demo-hubspot-{seed}")
    start, end = datetime(2019, 3, 1), datetime(ANCHOR.year, ANCHOR.month, ANCHOR.day, 18)
    companies: dict[str, int] = {}
    drafts = []
    for person in population.crm:
        created = max(random_datetime(rng, max(person.created_at, start), end), person.created_at)
        if person.key == "juergen-mueller":
            created = datetime(2019, 6, 3, 14, 20)
        elif person.key == "sabine-hoffmann":
            created = datetime(2020, 2, 18, 9, 5)
        drafts.append((created, person.key, person))
    drafts.sort(key=lambda d: (d[0], d[1]))

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(HUBSPOT_HEADER)
    result = ExportResult(files={}, parts={})
    record_id = 100
    for created, key, person in drafts:
        record_id += rng.randint(1, 50)
        company = person.company or ""
        company_id = ""
        if company:
            company_id = str(companies.setdefault(company, 9_800_000_000 + 37 * len(companies)))
        activity = ""
        if rng.random() < 0.7:
            activity = _hub_time(random_datetime(rng, created, end))
        status = rng.choice(("", "New", "Open", "In progress", "Connected", "Unqualified"))
        marketing = "Marketing contact" if rng.random() < 0.6 else "Non-marketing contact"
        writer.writerow(
            (
                record_id,
                person.spelled("hubspot", "first_name", person.first_name),
                person.spelled("hubspot", "last_name", person.last_name),
                person.spelled("hubspot", "email", person.email),
                _hub_phone(rng, person),
                rng.choice(STAFF).name if rng.random() < 0.8 else "",
                company_id,
                activity,
                status,
                marketing,
                _hub_time(created),
                company,
            )
        )
        if key in population.planted:
            result.locations.setdefault(key, []).append(
                f"hubspot: {HUBSPOT_FILE}, Record ID {record_id} "
                f"({person.spelled('hubspot', 'email', person.email)})"
            )
    result.files[HUBSPOT_FILE] = buffer.getvalue().encode("utf-8")
    result.parts[HUBSPOT_FILE] = len(drafts)
    return result


def _mc_field(value: str) -> str:
    """Mailchimp's quoting: quote a field that holds a space, comma, quote or line break."""
    if any(c in value for c in ' ,"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _mc_line(values: tuple[str, ...] | list[str]) -> str:
    return ",".join(_mc_field(v) for v in values) + "\n"


def _mc_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _ip(rng: random.Random) -> str:
    return f"{rng.choice(('192.0.2', '198.51.100', '203.0.113'))}.{rng.randint(1, 254)}"


def _member(rng: random.Random, person: Person, optin: datetime, phone_share: float) -> list[str]:
    """Merge fields and the member columns every status file shares."""
    a = person.address
    address = ""
    if a.street and rng.random() < 0.5:
        address = "  ".join((a.street, a.city, a.state, a.postcode, a.country))
    phone = person.spelled("mailchimp", "phone", None)
    if phone is None:
        phone = person.phone.international() if person.phone and rng.random() < phone_share else ""
    birthday = f"{person.birthdate:%m/%d}" if person.birthdate and rng.random() < 0.4 else ""
    confirm = min(optin + timedelta(minutes=rng.randint(1, 600)), _LAST)
    uk = a.country == "GB" or person.language == "en"
    return [
        person.spelled("mailchimp", "email", person.email) or person.email,
        person.first_name,
        person.last_name,
        address,
        phone,
        birthday,
        str(rng.randint(1, 5)),
        _mc_time(optin),
        _ip(rng),
        _mc_time(confirm),
        _ip(rng),
        "0" if uk else "1",
        "1" if uk else "2",
        "europe/london" if uk else "europe/berlin",
        "gb" if uk else "de",
        "eng" if uk else "bw",
    ]


def _trailer(rng: random.Random, leid: int) -> list[str]:
    tags = sorted(rng.sample(_TAG_CHOICES, rng.choice((0, 0, 1, 2))))
    return [
        str(leid),
        f"{rng.getrandbits(40):010x}",
        "",
        ",".join(f'"{t}"' for t in tags),
    ]


def mailchimp_export(population: Population, seed: int) -> ExportResult:
    """One ZIP with the subscribed, unsubscribed and cleaned member files."""
    rng = random.Random(f"dsr-demo-mailchimp-{seed}")
    start, end = datetime(2020, 1, 1), datetime(ANCHOR.year, ANCHOR.month, ANCHOR.day, 18)
    result = ExportResult(files={}, parts={})
    leid = 200_000_000
    members: list[tuple[str, bytes]] = []
    groups = (
        ("subscribed", population.mailchimp_subscribed),
        ("unsubscribed", population.mailchimp_unsubscribed),
        ("cleaned", population.mailchimp_cleaned),
    )
    for status, people in groups:
        rows = []
        for person in people:
            optin = random_datetime(rng, max(person.created_at, start), end)
            if person.key == "juergen-mueller":
                optin = datetime(2020, 3, 2, 10, 0, 12)
            elif person.key == "bjoern-weissgerber":
                optin = datetime(2025, 4, 2, 20, 35, 40)
            values = _member(rng, person, optin, 0.3)
            later = min(random_datetime(rng, optin + timedelta(hours=1), end), end)
            if status == "subscribed":
                values.append(_mc_time(later))
            elif status == "unsubscribed":
                reason = rng.choice(_UNSUB_REASONS)
                values += [
                    _mc_time(later),
                    rng.choice(_CAMPAIGNS),
                    f"{rng.getrandbits(40):010x}",
                    reason,
                    "Zu viele Mails" if reason == "Other" else "",
                ]
            else:
                values += [_mc_time(later), rng.choice(_CAMPAIGNS), f"{rng.getrandbits(40):010x}"]
            leid += rng.randint(1, 9000)
            values += _trailer(rng, leid)
            rows.append((optin, person.key, values))
        rows.sort(key=lambda r: (r[0], r[1]))
        name = f"{status}_email_audience_export_{MAILCHIMP_EXPORT_ID}.csv"
        lines = [_mc_line(MAILCHIMP_HEADERS[status])]
        for number, (_, key, values) in enumerate(rows, start=1):
            lines.append(_mc_line(values))
            if key in population.planted:
                result.locations.setdefault(key, []).append(
                    f"mailchimp: {MAILCHIMP_ZIP} › {name}, record {number} ({status})"
                )
        members.append((name, "".join(lines).encode("utf-8")))
        result.parts[name] = len(rows)
    result.files[MAILCHIMP_ZIP] = zip_members(members)
    return result
