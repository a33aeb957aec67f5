"""Intercom: the users/contacts export as CSV (formats.md, section 7).

The header is not confirmed: the export uses attribute display names (Name,
Email, Phone, User ID, ...) while the API spells them ``name``, ``email``,
``external_id``. Both spellings are mapped; everything else is kept as read.
"""

from __future__ import annotations

from typing import ClassVar

from dsr.connectors.saas.export import ExportConnector, TableSpec

CONTACTS = TableSpec(
    "contacts",
    what="contacts",
    requires=(("Email",),),  # compared ignoring case: "email" too
    key=("id", "intercom id"),
    identifies={
        "id": "id",
        "intercom id": "id",
        "user id": "id",
        "external_id": "id",
        "name": "name",
        "email": "email",
        "phone": "phone",
    },
)


class IntercomConnector(ExportConnector):
    """Intercom users/contacts export (CSV), display-name or API column spelling."""

    type_name: ClassVar[str] = "intercom"
    summary: ClassVar[str] = "Intercom users/contacts export (CSV)"
    vendor: ClassVar[str] = "Intercom"
    expected: ClassVar[str] = "a people/contacts CSV with an 'Email' column"
    specs: ClassVar[tuple[TableSpec, ...]] = (CONTACTS,)
    deletion_procedure: ClassVar[dict[str, str]] = {
        "de": (
            "Intercom: Personen-Liste › Person auswählen › Löschen (API: DELETE "
            "/contacts/{id}; Intercom kann 7 Tage lang wiederherstellen, danach sind die Daten "
            "gelöscht). Sofort und unwiderruflich: POST /user_delete_requests mit "
            '{"intercom_user_id": …}. Die Konversationen der Person gesondert prüfen und '
            "löschen."
        ),
        "en": (
            "Intercom: People list › select the person › Delete (API: DELETE /contacts/{id}; "
            "Intercom can restore for 7 days, then the data is destroyed). At once and for "
            'good: POST /user_delete_requests with {"intercom_user_id": …}. Review and '
            "delete the person's conversations separately."
        ),
    }
