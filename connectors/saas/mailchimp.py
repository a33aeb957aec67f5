"""Mailchimp: the audience export, a ZIP with one CSV per contact status (formats.md, 3).

The status lives only in the file name (``subscribed_email_audience_export_<id>.csv``,
older ``cleaned_members_export_<id>.csv``), so each status is its own table and the
column sets differ per status. The export holds no member id: rows are keyed by
their place. Folders inside the ZIP are ignored.
"""

from __future__ import annotations

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
