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
