"""Stripe: the customers export, ``unified_customers.csv`` (formats.md, section 5).

The column order changed between 2023 and 2024 exports and presets drop
columns, so everything is by name. Metadata keys come as ``<key> (metadata)``
columns. Guest customers have an empty ``id``: their rows are keyed by place.
"""

from __future__ import annotations

from typing import ClassVar

from dsr.connectors.saas.export import ExportConnector, TableSpec

CUSTOMERS = TableSpec(
    "customers",
    what="customers",
    files=r"customers",
    requires=(("id",), ("Email",), ("Created (UTC)",)),
    key=("id",),
    identifies={
        "id": "id",
        "email": "email",
        "name": "name",
        "card name": "name",
        "phone": "phone",
        "description": "text",
        "business vat id": "id",
        "*email* (metadata)": "email",
        "*phone* (metadata)": "phone",
        "*name* (metadata)": "name",
        "*id (metadata)": "id",
    },
)


class StripeConnector(ExportConnector):
    """Stripe customers export (CSV): unified_customers.csv."""

    type_name: ClassVar[str] = "stripe"
    summary: ClassVar[str] = "Stripe customers export (CSV)"
    vendor: ClassVar[str] = "Stripe"
    expected: ClassVar[str] = "unified_customers.csv with 'id', 'Email' and 'Created (UTC)'"
    specs: ClassVar[tuple[TableSpec, ...]] = (CUSTOMERS,)
    deletion_procedure: ClassVar[dict[str, str]] = {
        "de": (
            "Stripe: Kunden im Dashboard öffnen › Menü › Kunden löschen, oder per API "
            "DELETE /v1/customers/{id}. Das löscht endgültig, kündigt laufende Abonnements "
            "und entfernt gespeicherte Kartendaten. Zahlungen und Rechnungen bleiben als "
            "Buchungsbelege bei Stripe."
        ),
        "en": (
            "Stripe: open the customer in the Dashboard › overflow menu › Delete customer, "
            "or through the API DELETE /v1/customers/{id}. This is permanent, cancels active "
            "subscriptions and removes stored card details. Payments and invoices stay at "
            "Stripe as accounting records."
        ),
    }
