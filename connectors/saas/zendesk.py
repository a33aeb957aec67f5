"""Zendesk: users, tickets, organizations and ticket comments, as JSON (formats.md, section 1).

The account data export writes one API-shaped object per line (NDJSON); the
incremental API gives pages (``{"users": [...], "next_page": ...}``). Comments
are not in the ticket stream: they come from ``ticket_events`` (child events of
``type: "Comment"``, the ticket id on the parent event) or from per-ticket
comment pages, whose comments carry no ticket id, so it is taken from the page
(``ticket_id``, ``next_page`` URL) or the file name (``ticket_1002_comments.json``).
A file is recognised by what it holds: the page key, the record's ``url``, then
its name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import closing
from typing import Any, ClassVar

from dsr.connectors.saas.export import Entry, ExportConnector, Part, TableSpec
from dsr.errors import Problem, SourceError, Where

_PERSON_IDS = ("requester_id", "submitter_id", "assignee_id")
_PERSON_LISTS = ("collaborator_ids", "follower_ids", "email_cc_ids")

USERS = TableSpec(
    "users",
    key=("id",),
    identifies={
        "id": "id",
        "external_id": "id",
        "email": "email",
        "phone": "phone",
        "name": "name",
        "alias": "name",
        "notes": "text",
        "details": "text",
        "signature": "text",
    },
    links={"organization_id": "organizations"},
)
TICKETS = TableSpec(
    "tickets",
    key=("id",),
    identifies={
        "subject": "text",
        "raw_subject": "text",
        "description": "text",
        "via.source.from.address": "email",
        "via.source.from.name": "name",
        "via.source.from.phone": "phone",
        "satisfaction_rating.comment": "text",
    },
    links={
        **dict.fromkeys(_PERSON_IDS + _PERSON_LISTS, "users"),
        "organization_id": "organizations",
    },
)
COMMENTS = TableSpec(
    "comments",
    key=("id",),
    identifies={
        "body": "text",
        "html_body": "text",
        "plain_body": "text",
        "via.source.from.address": "email",
        "via.source.from.name": "name",
    },
    links={"author_id": "users", "ticket_id": "tickets"},
)
ORGANIZATIONS = TableSpec(
    "organizations", key=("id",), identifies={"notes": "text", "details": "text"}
)

PAGE_KEYS = {
    "users": "users",
    "tickets": "tickets",
    "organizations": "organizations",
    "comments": "comments",
    "ticket_events": "comments",
}
"""A page's list key → the table its records feed (ticket events give comments)."""

NAME_FRAGMENTS = (
    ("ticket_events", "comments"),
    ("comments", "comments"),
    ("organizations", "organizations"),
    ("users", "users"),
    ("tickets", "tickets"),
)
"""Fragments of a file name → table, checked in this order, when the content does not tell."""

COMMENT_TYPES = ("Comment", "VoiceComment")
_URL_TABLE = re.compile(r"/api/v2/(users|tickets|organizations)/")
_URL_TICKET = re.compile(r"/tickets/(\d+)/comments")
_NAME_TICKET = (
    re.compile(r"tickets?[/_-]?(\d+)"),
    re.compile(r"(\d+)[/_-]?comments"),
    re.compile(r"comments[/_-](\d+)"),
)


_INTERNAL = (
    "url", "external_id", "iana_time_zone", "shared_phone_number", "locale_id",
    "organization_id", "shared", "shared_agent", "role_type", "custom_role_id", "moderator",
    "ticket_restriction", "only_private_comments", "restricted_agent", "default_group_id",
    "report_csv", "user_fields", "via.source.rel", "via.source.to.name",
    "via.source.to.address", "generated_timestamp", "raw_subject", "recipient",
    "requester_id", "submitter_id", "assignee_id", "group_id", "collaborator_ids",
    "follower_ids", "email_cc_ids", "forum_topic_id", "problem_id", "has_incidents",
    "is_public", "custom_fields", "fields", "sharing_agreement_ids", "followup_ids",
    "brand_id", "allow_channelback", "allow_attachments", "from_messaging_channel",
    "ticket_form_id", "custom_status_id", "via_reference_id", "type", "author_id",
    "html_body", "plain_body", "audit_id", "event_type", "users:id", "comments:id",
    "organizations:id",
)  # fmt: skip
COLUMN_LABELS: dict[str, tuple[str, str] | None] = {
    **dict.fromkeys(_INTERNAL),
    "tickets:id": ("Anfragenummer", "Request number"),
    "ticket_id": ("Anfragenummer", "Request number"),
    "tickets:type": ("Art der Anfrage", "Kind of request"),
    "name": ("Name", "Name"),
    "email": ("E-Mail-Adresse", "E-mail address"),
    "phone": ("Telefonnummer", "Phone number"),
    "alias": ("Anzeigename", "Display name"),
    "photo": ("Foto", "Photo"),
    "created_at": ("Angelegt am", "Created on"),
    "updated_at": ("Zuletzt geändert am", "Last changed on"),
    "time_zone": ("Zeitzone", "Time zone"),
    "locale": ("Sprache", "Language"),
    "role": ("Rolle", "Role"),
    "verified": ("E-Mail-Adresse bestätigt", "E-mail address confirmed"),
    "active": ("Konto aktiv", "Account active"),
    "suspended": ("Konto gesperrt", "Account suspended"),
    "last_login_at": ("Letzte Anmeldung", "Last sign-in"),
    "two_factor_auth_enabled": ("Zwei-Faktor-Anmeldung", "Two-factor sign-in"),
    "signature": ("Signatur", "Signature"),
    "details": ("Angaben", "Details"),
    "notes": ("Notizen", "Notes"),
    "tags": ("Schlagwörter", "Tags"),
    "via": ("Eingegangen über", "Received via"),
    "via.channel": ("Eingegangen über", "Received via"),
    "via.source.from.address": ("Absender (E-Mail)", "Sender (e-mail)"),
    "via.source.from.name": ("Absender (Name)", "Sender (name)"),
    "via.source.from.phone": ("Absender (Telefon)", "Sender (phone)"),
    "subject": ("Betreff", "Subject"),
    "description": ("Ihre Nachricht", "Your message"),
    "priority": ("Priorität", "Priority"),
    "status": ("Bearbeitungsstand", "Status"),
    "due_at": ("Fällig am", "Due on"),
    "satisfaction_rating": ("Zufriedenheitsbewertung", "Satisfaction rating"),
    "satisfaction_rating.score": ("Zufriedenheitsbewertung", "Satisfaction rating"),
    "satisfaction_rating.comment": ("Kommentar zur Bewertung", "Comment on the rating"),
    "body": ("Nachricht", "Message"),
    "public": ("Für Sie sichtbar", "Visible to you"),
    "attachments": ("Anhänge", "Attachments"),
}
"""Zendesk's columns for an access letter (see ``ExportConnector.column_labels``)."""


class ZendeskConnector(ExportConnector):
    """Zendesk export: users, tickets, comments (JSON / NDJSON, also zipped)."""

    type_name: ClassVar[str] = "zendesk"
    summary: ClassVar[str] = "Zendesk export: users, tickets, comments (JSON)"
    vendor: ClassVar[str] = "Zendesk"
    expected: ClassVar[str] = "users, tickets, ticket_events or comments as .json/.ndjson"
    specs: ClassVar[tuple[TableSpec, ...]] = (USERS, TICKETS, COMMENTS, ORGANIZATIONS)
    suffixes: ClassVar[tuple[str, ...]] = (".json", ".ndjson", ".jsonl")
    column_labels: ClassVar[Mapping[str, tuple[str, str] | None]] = COLUMN_LABELS
    deletion_procedure: ClassVar[dict[str, str]] = {
        "de": (
            "Zendesk: zuerst die Tickets der Person löschen (DELETE /api/v2/tickets/{id}, "
            "dann endgültig DELETE /api/v2/deleted_tickets/{id}) oder ihre Daten in den "
            "Kommentaren schwärzen (PUT /api/v2/tickets/{ticket_id}/comments/{id}/redact); "
            "geschlossene Tickets bleiben sonst erhalten. Dann den Benutzer löschen "
            "(DELETE /api/v2/users/{id}) und endgültig löschen (DELETE "
            "/api/v2/deleted_users/{id}; in der Oberfläche: Admin Center › Gelöschte "
            "Benutzer › Endgültig löschen). Ohne diesen Schritt löscht Zendesk erst nach 30 "
            "Tagen endgültig."
        ),
        "en": (
            "Zendesk: first delete the person's tickets (DELETE /api/v2/tickets/{id}, then "
            "permanently DELETE /api/v2/deleted_tickets/{id}) or redact their data in the "
            "comments (PUT /api/v2/tickets/{ticket_id}/comments/{id}/redact); closed tickets "
            "stay otherwise. Then delete the user (DELETE /api/v2/users/{id}) and permanently "
            "delete it (DELETE /api/v2/deleted_users/{id}; in the interface: Admin Center › "
            "Deleted users › Permanently delete). Without that step Zendesk erases for good "
            "only after 30 days."
        ),
    }

    def assign(self, entries: list[Entry]) -> list[Part]:
        parts = []
        others = []
        for entry in entries:
            if entry.suffix not in self.suffixes:
                others.append(entry.suffix)
                continue
            with closing(self._json_values(entry)) as values:
                first = next(values, None)
            table = _table_of(first, entry.name)
            if table is None:
                if self._direct():
                    raise self._mismatch(entry, None, None)
                continue
            extra = {}
            if table == "comments":
                ticket = _ticket_from_name(entry.label)
                if ticket is not None:
                    extra["ticket_id"] = ticket
            parts.append(Part(table, entry, "json", extra))
        if not parts:
            hint = "check `path:` and `type:` in dsr.yaml"
            if {".csv", ".xml"} & set(others):
                hint = "dsr reads Zendesk's JSON export; export users and tickets as JSON"
            raise SourceError(
                Problem(
                    f"holds no Zendesk export ({self.expected})",
                    Where(file=self.path, source=self.name),
                    hint,
                )
            )
        return parts

    def records_in(self, part: Part, value: Any) -> Iterator[dict[str, Any]]:
        page: dict[str, Any] = {}
        if isinstance(value, dict):
            key = next((k for k in PAGE_KEYS if isinstance(value.get(k), list)), None)
            if key is not None:
                page, items = value, value[key]
            else:
                items = [value]
        else:
            items = value if isinstance(value, list) else []
        page_ticket = _ticket_from_page(page)
        for item in items:
            if not isinstance(item, dict):
                continue
            if "child_events" in item:  # a ticket event: its comments, with the event's ticket
                for child in item.get("child_events") or []:
                    if isinstance(child, dict) and child.get("type") in COMMENT_TYPES:
                        comment = dict(child)
                        comment.setdefault("ticket_id", item.get("ticket_id"))
                        comment.setdefault("created_at", item.get("created_at"))
                        yield comment
                continue
            if part.table == "comments" and item.get("ticket_id") is None:
                ticket = page_ticket if page_ticket is not None else part.extra.get("ticket_id")
                if ticket is None:
                    self.note(
                        part.entry,
                        0,
                        "ticket_id",
                        f"{part.entry.label}: comments without a ticket id; keep it in the "
                        f'file name (ticket_<id>_comments.json) or as "ticket_id" in the page',
                    )
                item = {**item, "ticket_id": ticket}
            yield item


def _table_of(value: Any, name: str) -> str | None:
    """Which table a file feeds, from its first JSON value, else from its name."""
    if isinstance(value, dict):
        for key, table in PAGE_KEYS.items():
            if isinstance(value.get(key), list):
                return table
    record = value[0] if isinstance(value, list) and value else value
    if isinstance(record, dict):
        if "child_events" in record:
            return "comments"
        found = _URL_TABLE.search(str(record.get("url") or ""))
        if found:
            return found.group(1)
    for fragment, table in NAME_FRAGMENTS:
        if fragment in name:
            return table
    if isinstance(record, dict):
        if "requester_id" in record:
            return "tickets"
        if "author_id" in record and "body" in record:
            return "comments"
        if "role" in record or "email" in record:
            return "users"
    return None


def _ticket_from_page(page: dict[str, Any]) -> int | None:
    if isinstance(page.get("ticket_id"), int):
        return int(page["ticket_id"])
    for key in ("next_page", "previous_page", "url"):
        found = _URL_TICKET.search(str(page.get(key) or ""))
        if found:
            return int(found.group(1))
    return None


def _ticket_from_name(label: str) -> int | None:
    lowered = label.lower()
    for pattern in _NAME_TICKET:
        found = pattern.search(lowered)
        if found:
            return int(found.group(1))
    return None
