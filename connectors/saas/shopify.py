"""Shopify: the customers export as CSV (formats.md, section 4).

Three header generations are in use (current with ``Customer ID`` and
``Default Address ...``, the 2022-23 one, the legacy one with ``Accepts
Marketing``); columns are taken by name, metafield columns are kept. Current
exports prefix ``Customer ID`` and phones with ``'``, which is stripped.
"""

from __future__ import annotations

from typing import ClassVar

from dsr.connectors.saas.export import ExportConnector, TableSpec

CUSTOMERS = TableSpec(
    "customers",
    what="customers",
    files=r"customers?_export",
    requires=(("Email",), ("Total Orders", "Total Spent")),
    key=("customer id",),
    identifies={
        "customer id": "id",
        "email": "email",
        "phone": "phone",
        "default address phone": "phone",
        "first name": "name",
        "last name": "name",
        "note": "text",
    },
)


class ShopifyConnector(ExportConnector):
    """Shopify customers export (CSV): customers_export.csv, customers_export_1.csv, ..."""

    type_name: ClassVar[str] = "shopify"
    summary: ClassVar[str] = "Shopify customers export (CSV)"
    vendor: ClassVar[str] = "Shopify"
    expected: ClassVar[str] = "customers_export.csv with 'Email' and 'Total Orders' columns"
    specs: ClassVar[tuple[TableSpec, ...]] = (CUSTOMERS,)
    deletion_procedure: ClassVar[dict[str, str]] = {
        "de": (
            "Shopify: Kunden öffnen › „Personenbezogene Daten löschen“ (API: GraphQL "
            "customerRequestDataErasure). Shopify führt die Löschung zeitversetzt aus und "
            "meldet sie installierten Apps mit dem Webhook customers/redact. „Kunden löschen“ "
            "(GraphQL customerDelete, REST DELETE /admin/api/<version>/customers/{id}.json) "
            "geht nur bei Kunden ohne Bestellungen."
        ),
        "en": (
            'Shopify: open the customer › "Erase personal data" (API: GraphQL '
            "customerRequestDataErasure). Shopify erases later and tells installed apps with "
            'the customers/redact webhook. "Delete customer" (GraphQL customerDelete, REST '
            "DELETE /admin/api/<version>/customers/{id}.json) works only for customers "
            "without orders."
        ),
    }
