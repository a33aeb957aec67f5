"""Categories that fit a business, and staff as data subjects (issue 16).

A shop's record must name its order, contract and payment data, its messages and
the usage data its website collects, and list its employees where their data is
found. ``table_categories`` reads them from table and column names in German,
English and the real applications' schemas; ``staff_columns`` finds staff tables
and the columns naming who worked on a row. Pure tests on classifications built
by hand, then the demo through `dsr inventory` and PrestaShop's real schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dsr.classify.business import staff_columns, table_categories
from dsr.classify.classifier import classify_source
from dsr.classify.result import ColumnClassification, TableClassification
from dsr.classify.taxonomy import CATEGORIES
from dsr.config.load import load_config
from dsr.connectors import open_connector
from tests.apps.world import build_sqlite, write_config
from tests.helpers import run

BUSINESS = ("order", "payment", "communication", "usage")


def col(name: str, *categories: str, personal: bool = True) -> ColumnClassification:
    default = ("identity",) if personal else ()
    return ColumnClassification("src", "t", name, personal, categories or default)


def key() -> ColumnClassification:
    return col("customer_id", "customer_id")


def table(
    name: str,
    *columns: ColumnClassification,
    kind: str = "link",
    person_table: str | None = "customers",
) -> TableClassification:
    return TableClassification(
        "src",
        name,
        kind,  # type: ignore[arg-type]
        10,
        columns=columns or (key(),),
        person_table=person_table,
    )


def test_the_new_categories_have_labels_in_both_languages() -> None:
    for category in BUSINESS:
        label = CATEGORIES[category]
        assert label.de and label.en and label.de != label.en
    assert list(CATEGORIES).index("customer_id") < list(CATEGORIES).index("order")
    assert all("DS-GVO" not in label.de for label in CATEGORIES.values())


TABLE_NAMES: list[tuple[str, tuple[str, ...]]] = [
    ("orders", ("order",)),
    ("Bestellungen", ("order",)),
    ("Verträge", ("order",)),
    ("subscriptions", ("order",)),
    ("invoices", ("order", "payment")),
    ("invoice_lines", ("order", "payment")),
    ("payments", ("payment",)),
    ("Zahlungen", ("payment",)),
    ("transactions", ("payment",)),
    ("oc_order", ("order",)),
    ("oc_order_product", ("order",)),
    ("ps_orders", ("order",)),
    ("ps_order_detail", ("order",)),
    ("ps_cart", ("order",)),
    ("ps_order_payment", ("order", "payment")),
    ("llx_commande", ("order",)),
    ("llx_facture", ("order", "payment")),
    ("llx_propal", ("order",)),
    ("llx_contrat", ("order",)),
    ("llx_paiement", ("payment",)),
    ("tickets", ("communication",)),
    ("ticket_events", ("communication",)),
    ("comments", ("communication",)),
    ("support_notes", ("communication",)),
    ("messages", ("communication",)),
    ("jos_messages", ("communication",)),
    ("web_sessions", ("usage",)),
    ("matomo_log_visit", ("usage",)),
    ("matomo_log_link_visit_action", ("usage",)),
    ("jos_session", ("usage",)),
    ("oc_customer_ip", ("usage",)),
    # names that only look like it
    ("oc_order_status", ()),
    ("jos_messages_cfg", ()),
    ("matomo_report_subscriptions", ()),
    ("Rechnungsadressen", ()),
    ("addresses", ()),
    ("Abonnenten", ()),
    ("event-signups", ()),
    ("ps_log", ()),
]


@pytest.mark.parametrize(("name", "expected"), TABLE_NAMES, ids=[n for n, _ in TABLE_NAMES])
def test_a_table_name_says_what_the_business_keeps(name: str, expected: tuple[str, ...]) -> None:
    assert table_categories(table(name)) == expected


def test_only_tables_about_persons_add_categories() -> None:
    nobody = table("orders", col("total", "financial", personal=False), person_table=None)
    assert table_categories(nobody) == ()
    lines = table("invoice_lines", col("price", personal=False), person_table="customers")
    assert table_categories(lines) == ("order", "payment")
    own = table("orders", col("email", "contact"), kind="person", person_table=None)
    assert table_categories(own) == ("order",)


def test_columns_add_what_the_table_name_does_not_say() -> None:
    vorgaenge = table(
        "vorgaenge",
        key(),
        col("zahlungsart", personal=False),
        col("order_id", personal=False),
        col("kommentar", "free_text"),
        col("ip_address", "online_id"),
    )
    assert table_categories(vorgaenge) == BUSINESS


def test_columns_that_only_look_like_it_add_nothing() -> None:
    things = table(
        "vorgaenge",
        key(),
        col("sort_order", personal=False),
        col("ordering", personal=False),
        col("payment_firstname", "identity"),  # who paid: identity, not payment data
        col("subject_id", personal=False),  # not text anyone wrote
        col("OPTIN_IP", "online_id"),  # proof of consent, not usage
        col("visitor_seconds_since_order", personal=False),
    )
    assert table_categories(things) == ()
    # A person's own row holds settings (payment terms, the last order's id), not events.
    customer = table(
        "ps_customer",
        col("id_customer", "customer_id"),
        col("max_payment_days", personal=False),
        col("id_last_order", personal=False),
        col("ip_registration_newsletter", "online_id"),
        kind="person",
        person_table=None,
    )
    assert table_categories(customer) == ("usage",)


# --- staff -----------------------------------------------------------------------------------


def test_staff_tables_and_the_columns_naming_who_worked_on_a_row() -> None:
    tables = [
        table("employees", col("first_name"), col("salary", "employment"), kind="person"),
        table("Personal", col("Nachname"), kind="person"),
        table("llx_user", col("lastname"), kind="person"),
        table("ps_employee", col("email", "contact"), kind="person"),
        table("oc_user", col("username", "online_id"), kind="person"),
        table("support_notes", key(), col("author"), col("note", "free_text")),
        table("tickets", col("requester_id", "customer_id"), col("assignee_id", "customer_id")),
        table("contacts", col("Contact owner"), col("Job Title", "employment"), kind="person"),
        table("llx_commande", col("fk_user_author", "customer_id")),
        table("jos_content", col("created_by", "customer_id")),
        table("mitarbeiter", col("abteilung", "employment"), kind="person"),
        table("projects", col("department", "employment")),
    ]
    assert staff_columns(tables) == [
        "src.employees.first_name",
        "src.employees.salary",
        "src.Personal.Nachname",
        "src.llx_user.lastname",
        "src.ps_employee.email",
        "src.oc_user.username",
        "src.support_notes.author",
        "src.tickets.assignee_id",
        "src.contacts.Contact owner",
        "src.llx_commande.fk_user_author",
        "src.jos_content.created_by",
        "src.mitarbeiter.abteilung",
        "src.projects.department",
    ]


def test_customers_and_their_devices_are_no_staff() -> None:
    tables = [
        table("customers", col("first_name"), col("Job Title", "employment"), kind="person"),
        table("web_sessions", key(), col("user_agent", "online_id")),
        table("oc_review", key(), col("author")),  # reviews are written by customers
        table("accounts", col("account_owner")),  # a bank account's holder
        table("notes", col("author", personal=False)),  # nobody behind it
        table("Staffelpreise", col("kunde", "customer_id")),
        table("event-signups", col("Vorname"), kind="person"),
    ]
    assert staff_columns(tables) == []


# --- the demo through the CLI, and PrestaShop's real schema ----------------------------------


@pytest.fixture(scope="module")
def demo_tables(module_demo: Path) -> list[TableClassification]:
    """`dsr inventory` on the demo; its JSON tables and columns as classifications again."""
    doc = run("inventory", "--json", "--format", "json", exit=0, cwd=module_demo).json
    columns: dict[tuple[str, str], list[ColumnClassification]] = {}
    for c in doc["columns"]:
        columns.setdefault((c["source"], c["table"]), []).append(_column(c))
    return [
        TableClassification(
            t["source"],
            t["table"],
            t["kind"],
            t["rows"],
            columns=tuple(columns.get((t["source"], t["table"]), ())),
            person_table=t["person_table"],
        )
        for t in doc["tables"]
    ]


def _column(c: dict[str, Any]) -> ColumnClassification:
    return ColumnClassification(
        c["source"],
        c["table"],
        c["column"],
        c["personal"],
        tuple(c["categories"]),
        evidence=tuple(c["evidence"]),
    )


def test_the_demo_shop_keeps_orders_payments_messages_and_usage(
    demo_tables: list[TableClassification],
) -> None:
    found = {(t.source, t.table): table_categories(t) for t in demo_tables}
    assert "order" in found["shop", "orders"]
    assert {"order", "payment"} <= set(found["shop", "invoices"])
    assert "communication" in found["zendesk", "tickets"]
    assert "communication" in found["zendesk", "comments"]
    assert "communication" in found["shop", "support_notes"]
    assert found["shop", "web_sessions"] == ("usage",)
    assert found["shop", "customers"] == () and found["mailchimp", "subscribed"] == ()


def test_the_demo_names_its_staff(demo_tables: list[TableClassification]) -> None:
    staff = staff_columns(demo_tables)
    assert "shop.support_notes.author" in staff
    assert "zendesk.tickets.assignee_id" in staff
    assert not [s for s in staff if s.startswith(("shop.customers.", "newsletter.", "events."))]


def test_prestashop_keeps_orders_payments_messages_usage_and_staff(
    shared_data_folder: Path, tmp_path: Path
) -> None:
    url, planted = build_sqlite("prestashop", tmp_path)
    source = load_config(write_config(tmp_path, "prestashop", url, planted)).sources["prestashop"]
    connector = open_connector(source)
    try:
        tables = classify_source(source, connector)
    finally:
        connector.close()
    found = {t.table: table_categories(t) for t in tables}
    assert {"order", "payment"} <= set(found["ps_orders"])
    assert "payment" in found["ps_order_payment"]
    assert "order" in found["ps_order_detail"] and "order" in found["ps_cart"]
    assert "communication" in found["ps_customer_thread"]
    assert "communication" in found["ps_message"]
    assert found["ps_connections"] == ("usage",)
    assert found["ps_country"] == ()
    staff = staff_columns(tables)
    assert "prestashop.ps_employee.email" in staff
    assert "prestashop.ps_message.id_employee" in staff
    assert not [
        s for s in staff if s.startswith(("prestashop.ps_customer.", "prestashop.ps_address."))
    ]
