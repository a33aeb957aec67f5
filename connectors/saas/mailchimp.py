"""Mailchimp: the audience export, a ZIP with one CSV per contact status (formats.md, 3).

The status lives only in the file name (``subscribed_email_audience_export_<id>.csv``,
older ``cleaned_members_export_<id>.csv``), so each status is its own table and the
column sets differ per status. The export holds no member id: rows are keyed by
their place. Folders inside the ZIP are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from dsr.connectors.protocol import IdentifierKind
from dsr.connectors.saas.export import ExportConnector, TableSpec

STATUSES = ("subscribed", "unsubscribed", "cleaned", "nonsubscribed")
MEMBER_IDENTIFIERS: dict[str, IdentifierKind] = {
    "email address": "email",
    "first name": "name",
    "last name": "name",
    "phone number": "phone",
    "phone": "phone",
    "euid": "id",
    "leid": "id",
    "notes": "text",
}
COLUMN_LABELS: dict[str, tuple[str, str] | None] = {
    "email address": ("E-Mail-Adresse", "E-mail address"),
    "first name": ("Vorname", "First name"),
    "last name": ("Nachname", "Last name"),
    "address": ("Anschrift", "Address"),
    "phone number": ("Telefonnummer", "Phone number"),
    "phone": ("Telefonnummer", "Phone number"),
    "birthday": ("Geburtstag (Monat/Tag)", "Birthday (month/day)"),
    "member_rating": (
        "Bewertung durch Mailchimp, wie oft Sie Newsletter öffnen (1 bis 5 Sterne)",
        "Mailchimp's rating of how often you open newsletters (1 to 5 stars)",
    ),
    "optin_time": ("Angemeldet am", "Signed up on"),
    "optin_ip": ("IP-Adresse bei der Anmeldung", "IP address at sign-up"),
    "confirm_time": ("Anmeldung bestätigt am", "Sign-up confirmed on"),
    "confirm_ip": ("IP-Adresse bei der Bestätigung", "IP address at confirmation"),
    "latitude": ("Ungefährer Standort (Breite)", "Approximate location (latitude)"),
    "longitude": ("Ungefährer Standort (Länge)", "Approximate location (longitude)"),
    "timezone": ("Zeitzone", "Time zone"),
    "cc": ("Land", "Country"),
    "region": ("Region", "Region"),
    "last_changed": ("Zuletzt geändert am", "Last changed on"),
    "notes": ("Notizen", "Notes"),
    "tags": ("Schlagwörter", "Tags"),
    "unsub_time": ("Abgemeldet am", "Unsubscribed on"),
    "unsub_campaign_title": ("Abgemeldet über den Newsletter", "Unsubscribed from the newsletter"),
    "unsub_reason": ("Grund der Abmeldung", "Reason for unsubscribing"),
    "unsub_reason_other": ("Grund der Abmeldung (Ihre Worte)", "Reason (your words)"),
    "clean_time": ("Aus der Liste genommen am", "Removed from the list on"),
    "clean_campaign_title": ("Nicht zustellbar beim Newsletter", "Bounced newsletter"),
    **dict.fromkeys(
        ("gmtoff", "dstoff", "leid", "euid", "unsub_campaign_id", "clean_campaign_id")
    ),
}
"""Mailchimp's audience columns for an access letter: ``MEMBER_RATING`` is shown (it is
what Mailchimp concludes about the person), time offsets and Mailchimp's ids are not."""

_FILES = r"_(?:email_audience_export|email_segment_export|members_export)_?.*\.csv$"

SPECS = tuple(
    TableSpec(
        status,
        what=f"audience ({status})",
        files=rf"^{status}{_FILES}",
        hints=None,  # only the file name tells the status
        requires=(("Email Address",),),
        identifies=MEMBER_IDENTIFIERS,
    )
    for status in STATUSES
)


class MailchimpConnector(ExportConnector):
    """Mailchimp audience export (the ZIP of subscribed/unsubscribed/cleaned CSVs)."""

    type_name: ClassVar[str] = "mailchimp"
    summary: ClassVar[str] = "Mailchimp audience export (ZIP of CSVs)"
    vendor: ClassVar[str] = "Mailchimp"
    expected: ClassVar[str] = (
        "subscribed_/unsubscribed_/cleaned_/nonsubscribed_email_audience_export_<id>.csv "
        "or ..._members_export_<id>.csv"
    )
    specs: ClassVar[tuple[TableSpec, ...]] = SPECS
    column_labels: ClassVar[Mapping[str, tuple[str, str] | None]] = COLUMN_LABELS
    deletion_procedure: ClassVar[dict[str, str]] = {
        "de": (
            "Mailchimp: in jeder Zielgruppe, in der die Adresse steht: Alle Kontakte › "
            "Kontakt auswählen › Aktionen › Löschen › „Endgültig löschen“ (API: POST "
            "/3.0/lists/{list_id}/members/{subscriber_hash}/actions/delete-permanent). "
            "Archivieren (auch DELETE /3.0/lists/{list_id}/members/{subscriber_hash}) ist "
            "keine Löschung. Eine endgültig gelöschte Adresse lässt sich nicht wieder "
            "importieren; die Person kann sich nur selbst neu anmelden."
        ),
        "en": (
            "Mailchimp: in every audience that holds the address: All contacts › select the "
            'contact › Actions › Delete › "Permanently delete" (API: POST '
            "/3.0/lists/{list_id}/members/{subscriber_hash}/actions/delete-permanent). "
            "Archiving (also DELETE /3.0/lists/{list_id}/members/{subscriber_hash}) is not "
            "erasure. A permanently deleted address cannot be imported again; the person can "
            "only sign up again themselves."
        ),
    }
