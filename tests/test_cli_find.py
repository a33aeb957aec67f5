"""`dsr find` on the demo's planted cases and on Chinook, through the CLI."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from tests.helpers import run
from tests.shared_data import CHINOOK_SQLITE

JUERGEN = "juergen.mueller@example.com"
PETRA = "petra.klein@example.org"
LENA = "lena.vogel@example.net"


def find(demo: Path, *args: str, exit: int = 0) -> dict[str, Any]:
    return run("find", "--json", *args, exit=exit, cwd=demo).json


def where(doc: dict[str, Any], kind: str) -> set[tuple[str, str]]:
    return {(m["source"], m["table"]) for m in doc["matches"] if m["match"] == kind}


def test_juergen_by_email_in_every_system(demo: Path) -> None:
    doc = find(demo, "--email", JUERGEN)
    assert doc["complete"] is True and doc["failed_sources"] == []
    direct = where(doc, "direct")
    assert {s for s, _ in direct} == {"shop", "newsletter", "zendesk", "hubspot", "mailchimp"}
    assert ("shop", "customers") in direct
    newsletter = [m for m in doc["matches"] if m["source"] == "newsletter"]
    assert [m["key"]["row"] for m in newsletter] == [2]  # stored in mixed case
    assert all("person" not in m for m in doc["matches"])
    linked = {(m["table"], m["key"]["id"]) for m in doc["matches"] if m["match"] == "linked"}
    assert {("invoices", 43), ("invoices", 69), ("orders", 46), ("orders", 72)} <= linked
    lines = [m for m in doc["matches"] if m["table"] == "invoice_lines"]
    assert len(lines) == 3 and {m["match"] for m in lines} == {"linked"}
    assert any(m["via"] == "customers.id → orders.customer_id" for m in doc["matches"])


def test_juergen_by_phone_in_any_format(demo: Path) -> None:
    doc = find(demo, "--phone", "0171 2345678")
    direct = {(m["source"], m["table"]) for m in doc["matches"] if m["via"] == "phone"}
    assert {("shop", "customers"), ("zendesk", "users"), ("hubspot", "contacts")} <= direct
    assert ("mailchimp", "subscribed") in direct
    assert ("shop", "invoices") in where(doc, "linked")


def test_petra_mentioned_in_thomas_beckers_texts(demo: Path) -> None:
    doc = find(demo, "--email", PETRA)
    mentions = {
        (m["source"], m["table"], tuple(m["key"].values()))
        for m in doc["matches"]
        if m["match"] == "mention"
    }
    assert ("shop", "support_notes", (10,)) in mentions
    assert any(s == "zendesk" and t == "comments" for s, t, _ in mentions)
    assert ("shop", "customers") in where(doc, "direct")


def test_lena_only_in_the_newsletter(demo: Path) -> None:
    doc = find(demo, "--email", LENA)
    assert {(m["source"], m["table"], m["match"]) for m in doc["matches"]} == {
        ("newsletter", "Abonnenten", "direct")
    }


def test_weak_identifiers_give_only_possible_matches(demo: Path) -> None:
    alone = find(demo, "--name", "Jürgen Müller")
    assert alone["matches"] == []
    doc = find(demo, "--name", "Juergen Mueller", "--birthdate", "1978-05-23")
    assert {m["match"] for m in doc["matches"]} == {"possible"}
    assert {
        "source": "shop",
        "table": "customers",
        "key": {"id": 12},
        "match": "possible",
        "via": "name + birthdate",
    } in doc["matches"]


def test_human_output_counts_without_row_contents(demo: Path) -> None:
    result = run("find", "--email", JUERGEN, exit=0, cwd=demo)
    assert "customers: 1 direct" in result.stdout
    assert "invoice_lines: 3 linked" in result.stdout
    assert JUERGEN not in result.stdout.lower() and "Müller" not in result.stdout
    nothing = run("find", "--email", "nobody@example.org", exit=0, cwd=demo)
    assert "Nothing found" in nothing.stdout


@pytest.fixture
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "sqlite_master" not in statement:
            seen.append(statement)

    event.listen(sa.engine.Engine, "before_cursor_execute", count)
    yield seen
    event.remove(sa.engine.Engine, "before_cursor_execute", count)


def test_batch_is_one_pass_and_equals_single_runs(
    demo: Path, tmp_path: Path, statements: list[str]
) -> None:
    batch = tmp_path / "people.csv"
    batch.write_text(f"email,name\n{JUERGEN},\n{PETRA},\n{LENA},Lena Vogel\n", encoding="utf-8")
    doc = find(demo, "--batch", str(batch), "shop")
    batch_statements = len(statements)
    statements.clear()
    single = find(demo, "--email", JUERGEN, "shop")
    # The cost does not grow with the people: the same statements, and one more that
    # checks the rows Lena's name is mentioned in for a namesake (all people at once).
    assert batch_statements in (len(statements), len(statements) + 1)
    assert {m["person"] for m in doc["matches"]} == {2, 3}
    for row, mail in ((2, JUERGEN), (3, PETRA), (4, LENA)):
        alone = single if mail == JUERGEN else find(demo, "--email", mail, "shop")
        mine = [
            {k: v for k, v in m.items() if k != "person"}
            for m in doc["matches"]
            if m["person"] == row
        ]
        assert mine == alone["matches"]


def test_a_broken_source_is_named_and_the_others_are_searched(demo: Path, tmp_path: Path) -> None:
    copy = tmp_path / "demo"
    shutil.copytree(demo, copy)
    for csv in (copy / "exports").rglob("hubspot*.csv"):
        csv.unlink()
    doc = find(copy, "--email", JUERGEN, exit=1)
    assert doc["complete"] is False and doc["failed_sources"] == ["hubspot"]
    assert ("shop", "customers") in where(doc, "direct")


def test_usage_errors_name_the_option_not_the_value(demo: Path) -> None:
    result = run("find", exit=2, cwd=demo)
    assert "no identifier" in result.stderr
    result = run("find", "--email", "not-an-address", exit=2, cwd=demo)
    assert "--email" in result.stderr and "not-an-address" not in result.stderr
    run("find", "--id", "shop", exit=2, cwd=demo)
    # DD.MM.YYYY is a birth date (as in `request new`); 23/05/1978 is ambiguous and refused.
    result = run("find", "--birthdate", "23/05/1978", "--name", "X Y", exit=2, cwd=demo)
    assert "--birthdate" in result.stderr and "23/05/1978" not in result.stderr


def test_help_has_an_example() -> None:
    assert "Example: dsr find" in run("find", "--help", exit=0).stdout


@pytest.mark.shared_data
def test_chinook_customer_2_without_her_support_rep(tmp_path: Path) -> None:
    database = tmp_path / "chinook.sqlite"
    shutil.copyfile(CHINOOK_SQLITE, database)
    (tmp_path / "dsr.yaml").write_text(
        "controller: {name: Chinook Corp}\nsources:\n"
        f"  chinook: {{type: sql, url: 'sqlite:///{database}'}}\n",
        encoding="utf-8",
    )
    doc = find(tmp_path, "--email", "leonekohler@surfeu.de")
    assert {
        "source": "chinook",
        "table": "Customer",
        "key": {"CustomerId": 2},
        "match": "direct",
        "via": "email",
    } in doc["matches"]
    with sqlite3.connect(database) as conn:
        invoices = {r[0] for r in conn.execute("SELECT InvoiceId FROM Invoice WHERE CustomerId=2")}
        lines = {
            r[0]
            for r in conn.execute(
                "SELECT InvoiceLineId FROM InvoiceLine JOIN Invoice USING (InvoiceId) "
                "WHERE CustomerId = 2"
            )
        }
    found = {
        t: {m["key"][next(iter(m["key"]))] for m in doc["matches"] if m["table"] == t}
        for t in ("Invoice", "InvoiceLine")
    }
    assert len(invoices) == 7 and found["Invoice"] == invoices
    assert found["InvoiceLine"] == lines
    assert {m["match"] for m in doc["matches"] if m["table"] != "Customer"} == {"linked"}
    assert not [m for m in doc["matches"] if m["table"] == "Employee"]


def test_batch_human_output_and_bad_rows(demo: Path, tmp_path: Path) -> None:
    batch = tmp_path / "people.csv"
    batch.write_text(f"email\n{LENA}\nnobody@example.org\n", encoding="utf-8")
    result = run("find", "--batch", batch, "newsletter", exit=0, cwd=demo)
    assert "person in row 2" in result.stdout and "Abonnenten: 1 direct" in result.stdout
    assert "Nothing found for person in row 3" in result.stdout
    batch.write_text("email\nnot-an-address\n", encoding="utf-8")
    result = run("find", "--batch", batch, exit=2, cwd=demo)
    assert "people.csv:2" in result.stderr and "not-an-address" not in result.stderr
    run("find", "--batch", batch, "--email", LENA, exit=2, cwd=demo)


def test_spaces_around_a_value_do_not_hide_a_person(tmp_path: Path) -> None:
    """A hand-typed list and a database column scanned without an index: " anna@x.de "
    is Anna's address (dsr.connectors.rows, "Surrounding spaces"); a tab is not padding."""
    (tmp_path / "people.csv").write_text(
        "name,email\nAnna Alt, anna@x.de \nBob Bau,bob@x.de\nTab,\tanna@x.de\n", encoding="utf-8"
    )
    db = sqlite3.connect(tmp_path / "crm.db")
    db.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT)")
    db.executemany("INSERT INTO contacts VALUES (?, ?)", [(1, "  Anna@X.de"), (2, "bob@x.de")])
    db.commit()
    db.close()
    (tmp_path / "dsr.yaml").write_text(
        "controller: {name: T}\nsources:\n"
        "  list: {type: csv, path: people.csv}\n"
        "  crm: {type: sql, url: 'sqlite:///crm.db'}\n",
        encoding="utf-8",
    )
    result = run("find", "--email", "anna@x.de", "--json", exit=0, cwd=tmp_path)
    found = {
        (m["source"], str(m["key"].get("row", m["key"].get("id"))))
        for m in result.json["matches"]
    }
    assert found == {("list", "2"), ("crm", "1")}


def test_a_login_inside_another_login_is_not_a_mention(tmp_path: Path) -> None:
    """Anna's login, learned from her account, found in a log line is a mention of her;
    inside another account's longer login (``aweber2``) it is not (Joomla's action log
    had the erasure "redact" another user's lines)."""
    with sqlite3.connect(tmp_path / "site.db") as db:
        db.executescript(
            """
            CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, username TEXT, email TEXT);
            INSERT INTO users VALUES (1, 'Anna Weber', 'aweber', 'anna@example.de'),
                                     (2, 'Alex Weber', 'aweber2', 'alex@example.de');
            CREATE TABLE action_logs (id INTEGER PRIMARY KEY, message TEXT);
            INSERT INTO action_logs VALUES
              (1, '{"action":"login","username":"aweber"}'),
              (2, '{"action":"login","username":"aweber2"}'),
              (3, 'Passwort von aweber2 zurückgesetzt');
            """
        )
    (tmp_path / "dsr.yaml").write_text(
        "controller: {name: X}\nsources:\n  site: {type: sql, url: 'sqlite:///site.db'}\n",
        encoding="utf-8",
    )
    found = run("find", "--json", "--email", "anna@example.de", exit=0, cwd=tmp_path).json
    rows = {(m["table"], m["key"]["id"]) for m in found["matches"]}
    assert ("users", 1) in rows and ("action_logs", 1) in rows
    assert not rows & {("users", 2), ("action_logs", 2), ("action_logs", 3)}


def test_a_sort_name_beside_the_name_does_not_double_it(tmp_path: Path) -> None:
    """Joomla's contacts keep the name and its sort forms (``sortname1`` "Weber",
    ``sortname2`` "Anna Maria"): the name learned from the row (beside the phone number
    there) is "Anna Maria Weber", and a note that names her is a mention (joined, six
    words, it was found nowhere)."""
    with sqlite3.connect(tmp_path / "site.db") as db:
        db.executescript(
            """
            CREATE TABLE contact_details (id INTEGER PRIMARY KEY, name TEXT, sortname1 TEXT,
                                          sortname2 TEXT, email_to TEXT, telephone TEXT);
            INSERT INTO contact_details VALUES
              (1, 'Anna Maria Weber', 'Weber', 'Anna Maria', 'anna@example.de', '0171 2345678'),
              (2, 'Bernd Kurz', 'Kurz', 'Bernd', 'bernd@example.de', '030 9876543');
            CREATE TABLE support_notes (id INTEGER PRIMARY KEY, body TEXT);
            INSERT INTO support_notes VALUES
              (1, 'Rückruf bei Anna Maria Weber wegen der Rechnung'),
              (2, 'Bernd Kurz hat angerufen');
            """
        )
    (tmp_path / "dsr.yaml").write_text(
        "controller: {name: X}\nsources:\n  site: {type: sql, url: 'sqlite:///site.db',\n"
        "    columns: {support_notes.body: [free_text]}}\n",
        encoding="utf-8",
    )
    found = run("find", "--json", "--email", "anna@example.de", exit=0, cwd=tmp_path).json
    rows = {(m["table"], m["key"]["id"], m["match"]) for m in found["matches"]}
    assert ("contact_details", 1, "direct") in rows
    assert ("support_notes", 1, "mention") in rows
    assert not any(table == "support_notes" and key == 2 for table, key, _ in rows)
