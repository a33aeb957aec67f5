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
