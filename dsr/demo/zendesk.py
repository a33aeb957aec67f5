"""The demo's Zendesk account export, in the shape the vendor really delivers.

users.json and tickets.json are newline-delimited JSON (one API-shaped object
per line, as Zendesk's account data export writes them); comments come in the
incremental ticket-events form, because the ticket stream does not carry them.
The Zendesk connector and the mention search are tested against these files.
"""

from __future__ import annotations

import html
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from dsr.demo.people import ANCHOR, STAFF, Person, Population, random_datetime

SUBDOMAIN = "https://beispiel-gmbh.zendesk.com"
AGENT_ID_BASE = 360_000_000_000
USER_ID_BASE = 381_200_000_000
TICKET_ID_BASE = 1000
GROUP_ID = 360_001_234_567
BRAND_ID = 360_000_765_432
SUPPORT_ADDRESS = "support@example.com"

_TEMPLATES_DE = (
    (
        "Wo bleibt meine Bestellung?",
        "Hallo,\nich habe vor einer Woche bestellt und noch keine Versandbestätigung bekommen. "
        "Können Sie bitte nachsehen?\nViele Grüße\n{name}",
        "Hallo {addressed},\nvielen Dank für Ihre Geduld. Ihre Bestellung ist heute an DHL "
        "übergeben worden.\nFreundliche Grüße\n{agent}",
    ),
    (
        "Rechnung als PDF",
        "Guten Tag,\nkönnen Sie mir die letzte Rechnung bitte noch einmal als PDF schicken?\n"
        "Danke, {name}",
        "Hallo {addressed},\nim Anhang finden Sie die Rechnung.\nViele Grüße\n{agent}",
    ),
    (
        "Artikel beschädigt angekommen",
        "Hallo,\nder Artikel kam leider beschädigt an, die Verpackung war eingedrückt. "
        "Was kann ich tun?\n{name}",
        "Hallo {addressed},\ndas tut uns leid. Wir schicken Ihnen kostenlos Ersatz.\n"
        "Freundliche Grüße\n{agent}",
    ),
    (
        "Lieferadresse ändern",
        "Bitte ändern Sie meine Lieferadresse auf {street}, {postcode} {city}.\n"
        "Mit freundlichen Grüßen\n{name}",
        "Hallo {addressed},\nwir haben die Adresse geändert.\nViele Grüße\n{agent}",
    ),
    (
        "Rücksendung",
        "Hallo,\nich möchte einen Artikel zurückschicken. Bekomme ich ein Rücksendeetikett?\n"
        "{name}",
        "Hallo {addressed},\ndas Etikett ist unterwegs an Ihre E-Mail-Adresse.\nGruß\n{agent}",
    ),
)
_TEMPLATES_EN = (
    (
        "Where is my order?",
        "Hello,\nI ordered last week and have not had a shipping confirmation yet. "
        "Could you have a look?\nThanks,\n{name}",
        "Dear {addressed},\nthank you for your patience. Your order left our warehouse today.\n"
        "Kind regards\n{agent}",
    ),
    (
        "Invoice needed",
        "Hi,\ncould you send me the invoice for my last order as a PDF, please?\n{name}",
        "Dear {addressed},\nplease find the invoice attached.\nKind regards\n{agent}",
    ),
)
_FOLLOW_UPS_DE = ("Danke, hat geklappt!", "Vielen Dank für die schnelle Antwort.")
_FOLLOW_UPS_EN = ("Thanks, that worked!", "Many thanks for the quick reply.")

# Fixed tickets of the planted people: key -> (created, subject, [(who, text)], status, tags).
# "who" is "requester" or an agent's index in STAFF.
_PLANTED_TICKETS: dict[str, tuple[datetime, str, tuple[tuple[str | int, str], ...], str, list[str]]]
_PLANTED_TICKETS = {
    "juergen-mueller": (
        datetime(2024, 12, 2, 8, 47, 10),
        "Rückruf erbeten",
        (
            (
                "requester",
                "Guten Morgen,\nbitte rufen Sie mich zurück unter 0171 2345678, es "
                "geht um den Geschenkkorb aus meiner Bestellung.\nJuergen Mueller",
            ),
            (
                1,
                "Hallo Herr Mueller,\nich habe Sie eben erreicht; wie besprochen schicken wir "
                "den Korb noch einmal.\nViele Grüße\nTobias Keller",
            ),
        ),
        "solved",
        ["rueckruf"],
    ),
    "thomas-becker": (
        datetime(2025, 11, 26, 19, 2, 44),
        "Paket nicht angekommen",
        (
            (
                "requester",
                "Hallo,\nmeine Bestellung vom 20.11.2025 ist laut Sendungsverfolgung "
                "zugestellt, aber ich habe nichts bekommen.\nThomas Becker",
            ),
            (
                2,
                "Hallo Herr Becker,\nlaut DHL wurde das Paket bei einem Nachbarn abgegeben. "
                "Können Sie dort bitte nachfragen?\nViele Grüße\nNina Brandt",
            ),
            (
                "requester",
                "Laut DHL wurde das Paket bei meiner Nachbarin abgegeben: Petra "
                "Klein, petra.klein@example.org. Sie sagt aber, sie hat es nicht. "
                "Können Sie bitte einen Nachforschungsauftrag stellen?",
            ),
        ),
        "open",
        ["versand", "nachforschung"],
    ),
    "sabine-hoffmann": (
        datetime(2022, 11, 28, 10, 15, 3),
        "Frage zu glutenfreien Produkten",
        (
            (
                "requester",
                "Guten Tag,\nwegen meiner Zöliakie darf ich kein Gluten essen. Ist "
                "das Bio-Müsli Schwarzwald wirklich glutenfrei?\nSabine Hoffmann",
            ),
            (
                0,
                "Hallo Frau Hoffmann,\ndas Müsli enthält Hafer und ist nicht als glutenfrei "
                "zertifiziert. Wir empfehlen es Ihnen daher nicht.\nViele Grüße\n"
                "Miriam Albrecht",
            ),
        ),
        "closed",
        ["produktfrage"],
    ),
    "oliver-bennett": (
        datetime(2025, 8, 25, 16, 40, 0),
        "Kettle arrived damaged",
        (
            (
                "requester",
                "Hello,\nthe kettle I ordered arrived with a dent in the side. Could "
                "you send a replacement to my address in Brighton?\nBest regards,\n"
                "Oliver Bennett",
            ),
            (
                3,
                "Dear Mr Bennett,\nwe are sorry about that. A replacement is on its way to "
                "14 Harbour Street, Brighton.\nKind regards\nFelix Hartmann",
            ),
        ),
        "solved",
        ["beschaedigt", "english"],
    ),
}


@dataclass
class ZendeskResult:
    files: dict[str, bytes]
    parts: dict[str, int]
    locations: dict[str, list[str]] = field(default_factory=dict)


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _unix(value: datetime) -> int:
    return int(value.replace(tzinfo=UTC).timestamp())


def _ndjson(objects: list[dict[str, object]]) -> bytes:
    lines = [json.dumps(o, ensure_ascii=False, separators=(",", ":")) for o in objects]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _user(
    uid: int,
    name: str,
    email: str,
    phone: str | None,
    role: str,
    created: datetime,
    locale: str,
    external_id: str | None,
) -> dict[str, object]:
    english = locale.startswith("en")
    return {
        "id": uid,
        "url": f"{SUBDOMAIN}/api/v2/users/{uid}.json",
        "name": name,
        "email": email,
        "created_at": _iso(created),
        "updated_at": _iso(created),
        "time_zone": "London" if english else "Berlin",
        "iana_time_zone": "Europe/London" if english else "Europe/Berlin",
        "phone": phone,
        "shared_phone_number": None if phone is None else False,
        "photo": None,
        "locale_id": 1176 if english else 8,
        "locale": locale,
        "organization_id": None,
        "role": role,
        "verified": True,
        "external_id": external_id,
        "tags": [],
        "alias": "",
        "active": True,
        "shared": False,
        "shared_agent": False,
        "last_login_at": _iso(created) if role != "end-user" else None,
        "two_factor_auth_enabled": None,
        "signature": "" if role == "end-user" else f"Ihr Team der Beispiel GmbH\n{name}",
        "details": "",
        "notes": "",
        "role_type": 0 if role == "agent" else None,
        "custom_role_id": None,
        "moderator": role != "end-user",
        "ticket_restriction": "requested" if role == "end-user" else None,
        "only_private_comments": False,
        "restricted_agent": role == "end-user",
        "suspended": False,
        "default_group_id": GROUP_ID if role != "end-user" else None,
        "report_csv": role != "end-user",
        "user_fields": {},
    }


def zendesk_export(
    population: Population, customer_numbers: dict[str, str], seed: int
) -> ZendeskResult:
    """users.json, tickets.json and ticket_events.json for the helpdesk population."""
    rng = random.Random(f"dsr-demo-zendesk-{seed}")
    users: list[dict[str, object]] = []
    agent_ids = []
    for i, staff in enumerate(STAFF):
        uid = AGENT_ID_BASE + 1001 + i
        agent_ids.append(uid)
        users.append(
            _user(
                uid,
                staff.name,
                staff.email,
                None,
                "agent",
                datetime(2019, 1, 14, 9, 0, i),
                "de",
                None,
            )
        )

    start = datetime(2019, 1, 15)
    end = datetime(ANCHOR.year, ANCHOR.month, ANCHOR.day, 17)
    joined = []
    for person in population.helpdesk:
        if person.key in _PLANTED_TICKETS:
            created = _PLANTED_TICKETS[person.key][0] - timedelta(minutes=3)
        else:
            created = random_datetime(rng, max(person.created_at, start), end)
        joined.append((created, person.key, person))
    joined.sort(key=lambda j: (j[0], j[1]))

    result = ZendeskResult(files={}, parts={})
    ticket_drafts = []
    ids: dict[str, int] = {}
    for n, (created, key, person) in enumerate(joined, start=1):
        uid = USER_ID_BASE + n * 7
        ids[key] = uid
        planted = key in population.planted
        phone = person.spelled("zendesk", "phone", None)
        if not planted and person.phone is not None and rng.random() < 0.5:
            phone = person.phone.national()
        external = None
        if not planted and key in customer_numbers and rng.random() < 0.6:
            external = customer_numbers[key]
        locale = "en-gb" if person.language == "en" else "de"
        users.append(
            _user(
                uid,
                person.spelled("zendesk", "name", person.name) or person.name,
                person.spelled("zendesk", "email", person.email) or person.email,
                phone,
                "end-user",
                created,
                locale,
                external,
            )
        )
        if planted:
            shown = person.spelled("zendesk", "email", person.email)
            result.locations.setdefault(key, []).append(f"zendesk: users.json id={uid} ({shown})")
            at, subject, comments, status, tags = _PLANTED_TICKETS[key]
            ticket_drafts.append((at, key, person, uid, subject, comments, status, tags))
            continue
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            at = random_datetime(rng, created, end)
            ticket_drafts.append((at, key, person, uid, *_random_ticket(rng, person, at, end)))

    ticket_drafts.sort(key=lambda t: (t[0], t[1]))
    last = datetime(ANCHOR.year, ANCHOR.month, ANCHOR.day, 23, 59, 59)
    tickets: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    event_id = 7_000_000_000
    for n, (at, key, person, uid, subject, comments, status, tags) in enumerate(ticket_drafts):
        tid = TICKET_ID_BASE + n + 1
        agent_index = next((w for w, _ in comments if isinstance(w, int)), 0)
        assignee = agent_ids[int(agent_index)]
        email = person.spelled("zendesk", "email", person.email)
        name = person.spelled("zendesk", "name", person.name)
        moment = at
        for who, body in comments:
            event_id += rng.randint(3, 40)
            author = uid if who == "requester" else agent_ids[int(who)]
            events.append(_comment_event(event_id, tid, author, body, moment, who == "requester"))
            moment = min(moment + timedelta(minutes=rng.randint(20, 2000)), last)
        updated = moment
        tickets.append(
            {
                "url": f"{SUBDOMAIN}/api/v2/tickets/{tid}.json",
                "id": tid,
                "external_id": None,
                "via": {
                    "channel": "email",
                    "source": {
                        "from": {"address": email, "name": name},
                        "to": {"name": "Beispiel GmbH Kundenservice", "address": SUPPORT_ADDRESS},
                        "rel": None,
                    },
                },
                "created_at": _iso(at),
                "updated_at": _iso(updated),
                "generated_timestamp": _unix(updated),
                "type": "question",
                "subject": subject,
                "raw_subject": subject,
                "description": comments[0][1],
                "priority": "normal",
                "status": status,
                "recipient": SUPPORT_ADDRESS,
                "requester_id": uid,
                "submitter_id": uid,
                "assignee_id": assignee,
                "organization_id": None,
                "group_id": GROUP_ID,
                "collaborator_ids": [],
                "follower_ids": [],
                "email_cc_ids": [],
                "forum_topic_id": None,
                "problem_id": None,
                "has_incidents": False,
                "is_public": True,
                "due_at": None,
                "tags": tags,
                "custom_fields": [],
                "satisfaction_rating": None,
                "sharing_agreement_ids": [],
                "fields": [],
                "followup_ids": [],
                "brand_id": BRAND_ID,
                "allow_channelback": False,
                "allow_attachments": True,
            }
        )
        if key in population.planted:
            result.locations.setdefault(key, []).append(
                f"zendesk: tickets.json id={tid} ('{subject}'), "
                f"{len(comments)} comments in ticket_events.json"
            )
            if key == "thomas-becker":
                result.locations.setdefault("petra-klein", []).append(
                    f"zendesk: ticket_events.json, ticket_id={tid}, comment by Thomas Becker "
                    f"(mention in another customer's ticket)"
                )

    events.sort(key=lambda e: (e["timestamp"], e["id"]))
    stream = {
        "ticket_events": events,
        "next_page": None,
        "count": len(events),
        "end_of_stream": True,
        "end_time": events[-1]["timestamp"] if events else _unix(end),
    }
    result.files["users.json"] = _ndjson(users)
    result.files["tickets.json"] = _ndjson(tickets)
    result.files["ticket_events.json"] = (
        json.dumps(stream, ensure_ascii=False, separators=(",", ":")) + "\n"
    ).encode("utf-8")
    result.parts = {
        "users.json": len(users),
        "tickets.json": len(tickets),
        "ticket_events.json": len(events),
    }
    return result


def _random_ticket(
    rng: random.Random, person: Person, at: datetime, end: datetime
) -> tuple[str, tuple[tuple[str | int, str], ...], str, list[str]]:
    english = person.language == "en"
    subject, opening, reply = rng.choice(_TEMPLATES_EN if english else _TEMPLATES_DE)
    agent = rng.randrange(len(STAFF))
    values = {
        "name": person.name,
        "addressed": f"{person.salutation} {person.last_name}",
        "agent": STAFF[agent].name,
        "street": person.address.street,
        "postcode": person.address.postcode,
        "city": person.address.city,
    }
    comments: list[tuple[str | int, str]] = [
        ("requester", opening.format(**values)),
        (agent, reply.format(**values)),
    ]
    if rng.random() < 0.4:
        comments.append(("requester", rng.choice(_FOLLOW_UPS_EN if english else _FOLLOW_UPS_DE)))
    recent = (end - at).days < 10
    status = "open" if recent else rng.choice(("solved", "closed", "closed"))
    return subject, tuple(comments), status, []


def _comment_event(
    event_id: int, ticket_id: int, author: int, body: str, at: datetime, public_by_requester: bool
) -> dict[str, object]:
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in body.split("\n") if line)
    via = "Mail" if public_by_requester else "Web form"
    return {
        "id": event_id,
        "ticket_id": ticket_id,
        "timestamp": _unix(at),
        "created_at": _iso(at),
        "updater_id": author,
        "via": via,
        "system": {},
        "event_type": "Audit",
        "child_events": [
            {
                "id": event_id + 1,
                "via": via,
                "via_reference_id": None,
                "type": "Comment",
                "author_id": author,
                "body": body,
                "html_body": f'<div class="zd-comment" dir="auto">{paragraphs}</div>',
                "public": True,
                "attachments": [],
                "audit_id": event_id,
                "created_at": _iso(at),
                "event_type": "Comment",
            }
        ],
    }
