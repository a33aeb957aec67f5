"""The lookup engine's links: across sources (``links:``), inferred where no foreign keys are
declared, references to other people's rows, IBANs, phones in free text, and the index the
batch lookup uses. Real SQLite files (and PostgreSQL where available), through the CLI."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dsr.connectors.protocol import Lookup
from tests.helpers import run
from tests.shared_data import CHINOOK_SQLITE
from tests.test_connector_sql import build_people, open_source, statements

MAIL = "jana.schulz@example.com"


def sqlite_db(path: Path, script: str) -> str:
    with sqlite3.connect(path) as conn:
        conn.executescript(script)
    conn.close()
    return f"sqlite:///{path}"


def write_config(folder: Path, sources: dict[str, str], links: str = "") -> None:
    lines = ["controller: {name: Test GmbH}", "sources:"]
    lines += [f"  {name}: {{type: sql, url: '{url}'}}" for name, url in sources.items()]
    (folder / "dsr.yaml").write_text("\n".join(lines) + "\n" + links, encoding="utf-8")


def find(folder: Path, *args: str, exit: int = 0) -> dict[str, Any]:
    return run("find", "--json", *args, exit=exit, cwd=folder).json


SHOP = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, customer_number TEXT, email TEXT,
    first_name TEXT, last_name TEXT, iban TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id),
    total REAL);
CREATE TABLE notes (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id),
    note TEXT);
INSERT INTO customers VALUES
    (1, 'K-1001', 'Jana.Schulz@Example.com', 'Jana', 'Schulz', 'DE89 3704 0044 0532 0130 00'),
    (2, 'K-1002', 'otto.brandt@example.org', 'Otto', 'Brandt', NULL),
    (3, 'K-1003', 'mia.wolf@example.net', 'Mia', 'Wolf', 'DE02120300000000202051');
INSERT INTO orders VALUES (10, 1, 19.9), (11, 1, 5.0), (12, 2, 7.5), (13, 3, 1.0);
INSERT INTO notes VALUES (20, 2, 'Bitte Rückruf an Jana unter 0171/2345678, Termin 2024'),
    (21, 3, 'Rückruf 0171 9999999'), (22, 2, 'keine Angabe');
"""

DESK = """
CREATE TABLE users (id INTEGER PRIMARY KEY, external_id TEXT, email TEXT, name TEXT);
CREATE TABLE tickets (id INTEGER PRIMARY KEY, requester_id INTEGER REFERENCES users(id),
    subject TEXT);
INSERT INTO users VALUES (100, 'K-1001', 'jana@private.example', 'Jana Schulz'),
    (101, 'K-1003', 'mia.wolf@example.net', 'Mia Wolf'), (102, NULL, 'x@example.com', 'X');
INSERT INTO tickets VALUES (200, 100, 'Lieferung'), (201, 100, 'Rechnung'), (202, 101, 'Frage');
"""

LINKS = "links:\n  - {from: desk.users.external_id, to: shop.customers.customer_number}\n"


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    write_config(
        tmp_path,
        {
            "shop": sqlite_db(tmp_path / "shop.db", SHOP),
            "desk": sqlite_db(tmp_path / "desk.db", DESK),
        },
        LINKS,
    )
    return tmp_path


def keys(doc: dict[str, Any], source: str, table: str, kind: str = "linked") -> set[int]:
    return {
        next(iter(m["key"].values()))
        for m in doc["matches"]
        if (m["source"], m["table"], m["match"]) == (source, table, kind)
    }


def test_configured_link_leads_into_the_other_source_and_its_foreign_keys(linked: Path) -> None:
    doc = find(linked, "--email", MAIL)
    assert keys(doc, "shop", "customers", "direct") == {1}
    assert keys(doc, "desk", "users") == {100}
    assert keys(doc, "desk", "tickets") == {200, 201}
    users = next(m for m in doc["matches"] if m["table"] == "users")
    assert users["via"] == "link shop.customers.customer_number → desk.users.external_id"
    assert "inferred" not in users


def test_configured_link_works_the_other_way_round(linked: Path) -> None:
    doc = find(linked, "--email", "jana@private.example")
    assert keys(doc, "desk", "users", "direct") == {100}
    assert keys(doc, "shop", "customers") == {1}
    assert keys(doc, "shop", "orders") == {10, 11}
    shop = next(m for m in doc["matches"] if m["table"] == "customers")
    assert shop["via"] == "link desk.users.external_id → shop.customers.customer_number"


def test_batch_follows_links_per_person(linked: Path) -> None:
    batch = linked / "people.csv"
    batch.write_text(f"email\n{MAIL}\nmia.wolf@example.net\n", encoding="utf-8")
    doc = find(linked, "--batch", str(batch))
    tickets = {(m["person"], m["key"]["id"]) for m in doc["matches"] if m["table"] == "tickets"}
    assert tickets == {(2, 200), (2, 201), (3, 202)}


def test_iban_in_any_spacing_finds_the_customer(linked: Path) -> None:
    doc = find(linked, "--iban", "de89370400440532013000", "shop")
    assert keys(doc, "shop", "customers", "direct") == {1}
    assert next(m["via"] for m in doc["matches"] if m["table"] == "customers") == "iban"
    compact = find(linked, "--iban", "DE02 1203 0000 0000 2020 51", "shop")
    assert keys(compact, "shop", "customers", "direct") == {3}
    bad = run("find", "--iban", "DE00 1234", exit=2, cwd=linked)
    assert "--iban" in bad.stderr and "1234" not in bad.stderr


def test_phone_in_someone_elses_note_is_a_mention(linked: Path) -> None:
    doc = find(linked, "--phone", "+49 171 2345678", "shop")
    assert keys(doc, "shop", "notes", "mention") == {20}  # not 21: other number, same tail
    assert (
        next(m["via"] for m in doc["matches"] if m["table"] == "notes") == "note mentions (phone)"
    )


LEGACY = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, kdnr TEXT, email TEXT, name TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, total REAL);
CREATE TABLE rechnungen (nr INTEGER PRIMARY KEY, kunden_nr TEXT, betrag REAL);
CREATE TABLE order_items (id INTEGER PRIMARY KEY, order_id INTEGER, sku TEXT);
CREATE TABLE imports (id INTEGER PRIMARY KEY, customer_id INTEGER, batch TEXT);
INSERT INTO customers VALUES (1, 'KD-501', 'jana.schulz@example.com', 'Jana Schulz'),
    (2, 'KD-502', 'otto@example.org', 'Otto Brandt'), (3, 'KD-503', 'mia@example.net', 'Mia');
INSERT INTO orders VALUES (10, 1, 9.5), (11, 2, 3.0), (12, 1, 4.0), (13, 3, 1.0);
INSERT INTO rechnungen VALUES (70, 'KD-501', 9.5), (71, 'KD-502', 3.0);
INSERT INTO order_items VALUES (80, 10, 'A'), (81, 11, 'B');
INSERT INTO imports VALUES (90, 1, 'x'), (91, 9001, 'y'), (92, 9002, 'z'), (93, 9003, 'w'),
    (94, 9004, 'v');
"""


def test_links_are_inferred_from_names_and_values_without_foreign_keys(tmp_path: Path) -> None:
    write_config(tmp_path, {"legacy": sqlite_db(tmp_path / "legacy.db", LEGACY)})
    doc = find(tmp_path, "--email", MAIL)
    assert keys(doc, "legacy", "customers", "direct") == {1}
    assert keys(doc, "legacy", "orders") == {10, 12}
    assert keys(doc, "legacy", "rechnungen") == {70}
    assert keys(doc, "legacy", "imports") == set()  # name fits, values do not: no link
    orders = [m for m in doc["matches"] if m["table"] == "orders"]
    assert {m["via"] for m in orders} == {
        "inferred: orders.customer_id → customers.id (confirm in links:)"
    }
    assert all(m["inferred"] is True for m in orders)
    rechnung = next(m for m in doc["matches"] if m["table"] == "rechnungen")
    assert rechnung["via"] == "inferred: rechnungen.kunden_nr → customers.kdnr (confirm in links:)"
    assert "inferred" not in next(m for m in doc["matches"] if m["table"] == "customers")


@pytest.mark.shared_data
def test_chinook_support_rep_is_a_reference_not_her_data(tmp_path: Path) -> None:
    database = tmp_path / "chinook.sqlite"
    shutil.copyfile(CHINOOK_SQLITE, database)
    write_config(tmp_path, {"chinook": f"sqlite:///{database}"})
    with sqlite3.connect(database) as conn:
        (rep,) = conn.execute("SELECT SupportRepId FROM Customer WHERE CustomerId = 2").fetchone()
    conn.close()
    doc = find(tmp_path, "--email", "leonekohler@surfeu.de")
    assert doc["references"] == [
        {
            "source": "chinook",
            "table": "Employee",
            "key": {"EmployeeId": rep},
            "via": "Customer.SupportRepId → Employee.EmployeeId",
        }
    ]
    assert not [m for m in doc["matches"] if m["table"] == "Employee"]
    tree = run("find", "--email", "leonekohler@surfeu.de", exit=0, cwd=tmp_path).stdout
    assert "refers to 1 Employee row (not this person's data)" in tree


# -- the batch of 1,000 e-mails uses the lower(email) index --------------------------------------


def _plan(url: str) -> list[str]:
    source = open_source(url)
    try:
        mails = frozenset(f"person{i}@example.org" for i in range(1000))
        with statements(source) as sent:
            list(source.find([Lookup("people", "email", mails | {"carla@example.de"}, "casefold")]))
        sent = [(s, p) for s, p in sent if "lower(" in s.lower() and "people" in s]
        # SQLite gets 1,000 values in chunks of 500 (its older variable limit); a server in
        # one IN list (one round trip). Either way every statement must use the index.
        assert len(sent) >= 2 if url.startswith("sqlite") else len(sent) == 1
        plans = []
        raw = source.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if url.startswith("sqlite"):
                prefix = "EXPLAIN QUERY PLAN "
            else:
                cursor.execute("SET enable_seqscan = off")
                prefix = "EXPLAIN "
            for statement, params in sent:
                cursor.execute(prefix + statement, params)
                plans.append(" ".join(str(row) for row in cursor.fetchall()))
        finally:
            raw.close()
        return plans
    finally:
        source.close()


def test_batch_of_1000_emails_uses_the_lower_index_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    build_people(url, lower_index=True)
    plans = _plan(url)
    assert all("ix_people_email_lower" in plan and "SCAN people" not in plan for plan in plans)


def test_batch_of_1000_emails_uses_the_lower_index_on_postgres(postgres_db: str) -> None:
    build_people(postgres_db, lower_index=True)
    engine = sa.create_engine(postgres_db)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE people")
    engine.dispose()
    assert all("ix_people_email_lower" in plan for plan in _plan(postgres_db))


# -- a person, not a string: identity expansion and shared identifiers ----------------------------

EXPANSION_SHOP = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT, email TEXT,
    phone TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, total REAL);
CREATE TABLE notes (id INTEGER PRIMARY KEY, customer_id INTEGER, note TEXT);
INSERT INTO customers VALUES
    (1, 'Jana', 'Schulz', 'jana.schulz@example.com', '0171 2345678'),
    (2, 'Klaus', 'Krause', 'familie.krause@example.org', '0160 1111111'),
    (3, 'Maria', 'Krause', 'familie.krause@example.org', '0160 2222222'),
    (4, 'Otto', 'Brandt', 'otto@example.org', NULL);
INSERT INTO orders VALUES (10, 1, 9.5), (11, 2, 3.0), (12, 3, 4.0), (13, 4, 1.0), (14, 1, 2.0);
INSERT INTO notes VALUES (20, 4, 'Rückfrage von Jana Schulz zur Lieferung'),
    (21, 2, 'Lieferung an Nachbarn'), (22, 4, 'keine Angabe');
"""

PAYMENTS = """
CREATE TABLE charges (id TEXT PRIMARY KEY, customer_email TEXT, amount REAL);
INSERT INTO charges VALUES ('ch_1', 'Jana.Schulz@example.com', 9.5),
    ('ch_2', 'otto@example.org', 1);
"""


def test_found_by_phone_the_persons_other_identifiers_are_searched_too(tmp_path: Path) -> None:
    """The request gives a phone number; the shop row it finds holds the e-mail, and the
    payment provider knows the person only by that e-mail: found, saying through what.
    Their name, from their own row, finds the note another customer's row holds."""
    write_config(
        tmp_path,
        {
            "shop": sqlite_db(tmp_path / "shop.db", EXPANSION_SHOP),
            "pay": sqlite_db(tmp_path / "pay.db", PAYMENTS),
        },
    )
    doc = find(tmp_path, "--phone", "+49 171 2345678")
    assert keys(doc, "shop", "customers", "direct") == {1}
    assert keys(doc, "shop", "orders") == {10, 14}
    charge = [m for m in doc["matches"] if m["source"] == "pay"]
    assert [(m["key"], m["match"]) for m in charge] == [({"id": "ch_1"}, "direct")]
    assert charge[0]["via"] == "email (an identifier of this person's own rows)"
    assert keys(doc, "shop", "notes", "mention") == {20}
    assert not [m for m in doc["matches"] if m["key"] in ({"id": 2}, {"id": 3}, {"id": 4})
                and m["table"] == "customers"]  # fmt: skip


def test_an_email_people_of_different_names_share_reaches_only_possible_matches(
    tmp_path: Path,
) -> None:
    """A family's e-mail: both accounts are possible matches to check, nothing is followed
    from them; with the name given, that person's account is theirs again."""
    write_config(tmp_path, {"shop": sqlite_db(tmp_path / "shop.db", EXPANSION_SHOP)})
    doc = find(tmp_path, "--email", "familie.krause@example.org")
    assert keys(doc, "shop", "customers", "possible") == {2, 3}
    assert {m["via"] for m in doc["matches"]} == {"email shared by people of different names"}
    assert not keys(doc, "shop", "orders")
    named = find(tmp_path, "--email", "familie.krause@example.org", "--name", "Maria Krause")
    assert keys(named, "shop", "customers", "direct") == {3}
    assert keys(named, "shop", "customers", "possible") == {2}
    assert keys(named, "shop", "orders") == {12}
