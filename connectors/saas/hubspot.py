"""HubSpot: the contacts export as CSV (formats.md, section 2).

``Record ID`` always leads; the other columns depend on the view or on "all
properties", custom properties come under their labels, and association
columns (``Associated Company IDs``) hold several ids separated by ``;``.
Exports of companies, deals or tickets lying beside the contacts are read too,
so a contact's associations resolve to their records.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from dsr.connectors.protocol import IdentifierKind
from dsr.connectors.saas.export import ExportConnector, TableSpec

CONTACT_IDENTIFIERS: dict[str, IdentifierKind] = {
    "record id": "id",
    "email": "email",
    "work email": "email",
    "additional email addresses": "email",
    "phone number": "phone",
    "mobile phone number": "phone",
    "whatsapp phone number": "phone",
    "fax number": "phone",
    "first name": "name",
    "last name": "name",
}
ASSOCIATIONS = {
    "primary associated company id": "companies",
    "associated company ids": "companies",
    "associated deal ids": "deals",
    "associated ticket ids": "tickets",
    "associated contact ids": "contacts",
}
_RECORD = (("Record ID",),)

CONTACTS = TableSpec(
    "contacts",
    what="contacts",
    files=r"contact",
    requires=_RECORD,
    key=("record id",),
    identifies=CONTACT_IDENTIFIERS,
    links=ASSOCIATIONS,
    multi=("associated * ids", "additional email addresses"),
)
COMPANIES = TableSpec(
    "companies",
    what="companies",
    files=r"compan",
    hints=None,
    requires=_RECORD,
    key=("record id",),
    identifies={"phone number": "phone"},
    links=ASSOCIATIONS,
    multi=("associated * ids",),
)
DEALS = TableSpec(
    "deals",
    what="deals",
    files=r"deal",
    hints=None,
    requires=_RECORD,
    key=("record id",),
    links=ASSOCIATIONS,
    multi=("associated * ids",),
)
TICKETS = TableSpec(
    "tickets",
    what="tickets",
    files=r"ticket",
    hints=None,
    requires=_RECORD,
    key=("record id",),
    identifies={"ticket description": "text"},
    links=ASSOCIATIONS,
    multi=("associated * ids",),
)


COLUMN_LABELS: dict[str, tuple[str, str] | None] = {
    "contacts:record id": None,
    "first name": ("Vorname", "First name"),
    "last name": ("Nachname", "Last name"),
    "email": ("E-Mail-Adresse", "E-mail address"),
    "phone number": ("Telefonnummer", "Phone number"),
    "mobile phone number": ("Mobilnummer", "Mobile number"),
    "contact owner": ("Ihr Ansprechpartner bei uns", "Your contact at our company"),
    "primary associated company id": None,
    "associated company": ("Firma", "Company"),
    "company name": ("Firma", "Company"),
    "job title": ("Position", "Job title"),
    "last activity date": ("Letzter Kontakt am", "Last contact on"),
    "lead status": ("Stand als Interessent", "Lead status"),
    "lifecycle stage": ("Phase der Kundenbeziehung", "Lifecycle stage"),
    "marketing contact status": ("Erhält Werbung", "Receives marketing"),
    "create date": ("Angelegt am", "Created on"),
    "street address": ("Straße und Hausnummer", "Street and number"),
    "city": ("Ort", "City"),
    "postal code": ("Postleitzahl", "Postcode"),
    "country/region": ("Land", "Country"),
}
"""HubSpot's contact columns for an access letter (``ExportConnector.column_labels``)."""


class HubSpotConnector(ExportConnector):
    """HubSpot contacts export (CSV), with companies, deals and tickets exports beside it."""

    type_name: ClassVar[str] = "hubspot"
    summary: ClassVar[str] = "HubSpot contacts export (CSV)"
    vendor: ClassVar[str] = "HubSpot"
    expected: ClassVar[str] = "a contacts export CSV whose first column is 'Record ID'"
    specs: ClassVar[tuple[TableSpec, ...]] = (CONTACTS, COMPANIES, DEALS, TICKETS)
    column_labels: ClassVar[Mapping[str, tuple[str, str] | None]] = COLUMN_LABELS
    deletion_procedure: ClassVar[dict[str, str]] = {
        "de": (
            "HubSpot: Kontakt öffnen › Aktionen › Löschen › „Diesen Kontakt und alle "
            "zugehörigen Inhalte dauerhaft löschen“ (DSGVO-Löschung; API: POST "
            "/crm/v3/objects/contacts/gdpr-delete). Ein wiederherstellbares Löschen legt den "
            "Kontakt nur 90 Tage in den Papierkorb und ist keine Löschung."
        ),
        "en": (
            'HubSpot: open the contact › Actions › Delete › "Permanently delete this contact '
            'and all associated content" (GDPR delete; API: POST '
            "/crm/v3/objects/contacts/gdpr-delete). A restorable delete only moves the contact "
            "to the recycle bin for 90 days and is not erasure."
        ),
    }
