"""Connectors for the exports SaaS vendors hand out: Zendesk, HubSpot, Mailchimp, Shopify,
Stripe, Salesforce, Intercom, and generic JSON.

An export is a copy of data that lives at the vendor, so these connectors only
read: they find a person and show how records link, and erasure becomes a task
for the processor. The mechanics (finding the vendor's files in a folder or
ZIP, reading CSV and JSON, flattening, matching) live in ``export``; each vendor
module holds only what is true of that vendor: file names, columns, identifier
kinds and links, as data.
"""

from __future__ import annotations

from dsr.connectors.saas.export import ExportConnector, ExportOptions
from dsr.connectors.saas.hubspot import HubSpotConnector
from dsr.connectors.saas.intercom import IntercomConnector
from dsr.connectors.saas.jsonexport import JsonConnector
from dsr.connectors.saas.mailchimp import MailchimpConnector
from dsr.connectors.saas.salesforce import SalesforceConnector
from dsr.connectors.saas.shopify import ShopifyConnector
from dsr.connectors.saas.stripe import StripeConnector
from dsr.connectors.saas.zendesk import ZendeskConnector

CONNECTORS: tuple[type[ExportConnector], ...] = (
    ZendeskConnector,
    HubSpotConnector,
    MailchimpConnector,
    ShopifyConnector,
    StripeConnector,
    SalesforceConnector,
    IntercomConnector,
    JsonConnector,
)
"""Every SaaS export type, for the registry (``type_name`` is the ``type:`` in dsr.yaml)."""

__all__ = [
    "CONNECTORS",
    "ExportConnector",
    "ExportOptions",
    "HubSpotConnector",
    "IntercomConnector",
    "JsonConnector",
    "MailchimpConnector",
    "SalesforceConnector",
    "ShopifyConnector",
    "StripeConnector",
    "ZendeskConnector",
]
