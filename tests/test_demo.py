"""`dsr demo`: the demo company is complete, private, valid, deterministic and holds its cases.

The planted cases are what later features (lookup, access, erasure, inventory)
are tested against, so each one is checked here in the files themselves, not
through dsr's own readers.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import stat
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from dsr.config import load_config
from dsr.demo.build import DEMO_FILES, EVENTS, HUBSPOT, MAILCHIMP, NEWSLETTER, SHOP_DB, ZENDESK
from tests.helpers import run


def _db(demo: Path) -> sqlite3.Connection:
    return sqlite3.connect(demo / SHOP_DB)


def _ndjson(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def _events(demo: Path) -> list[list[str]]:
    text = (demo / EVENTS).read_bytes().decode("cp1252")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def _hubspot(demo: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((demo / HUBSPOT).read_text("utf-8"), newline="")))


def _mailchimp(demo: Path) -> dict[str, str]:
    with zipfile.ZipFile(demo / MAILCHIMP) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def _comments(demo: Path) -> list[dict]:
    stream = json.loads((demo / ZENDESK / "ticket_events.json").read_text("utf-8"))
    return [
        {**child, "ticket_id": event["ticket_id"]}
        for event in stream["ticket_events"]
        for child in event["child_events"]
        if child["type"] == "Comment"
    ]


# -- files, permissions, configuration -------------------------------------------------


def test_every_file_exists_owner_only(demo: Path) -> None:
    for relative in DEMO_FILES:
        path = demo / relative
        assert path.is_file(), relative
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, relative
    for folder in [demo, *(p for p in demo.rglob("*") if p.is_dir())]:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    leftovers = [p.name for p in demo.rglob("*") if p.name.startswith(".")]
    assert leftovers == []


def test_config_is_valid(demo: Path) -> None:
    config = load_config(demo / "dsr.yaml")
    assert config.controller.name == "Beispiel GmbH"
    assert "Baden-Württemberg" in (config.controller.supervisory_authority or "")
    assert config.language == "de"
    assert config.deadline.holidays == "DE-BW"
    assert set(config.sources) == {
        "shop",
        "newsletter",
        "events",
        "zendesk",
        "hubspot",
        "mailchimp",
    }
    assert {s.type for s in config.sources.values()} == {
        "sql",
        "xlsx",
        "csv",
        "zendesk",
        "hubspot",
        "mailchimp",
    }
    zendesk = config.sources["zendesk"].processor
    assert zendesk is not None and zendesk.country == "US"
    assert zendesk.safeguards == "Standardvertragsklauseln (SCC)"
    (rule,) = config.retention
    assert (rule.tables, rule.date_column, rule.years) == (["shop.invoices"], "invoice_date", 8)
    for source in config.sources.values():
        path = getattr(source.options, "path", None)
        assert path is None or path.exists(), source.name
    run("config", "check", "--config", demo / "dsr.yaml", exit=0)


def test_readme_lists_every_planted_case(demo: Path) -> None:
    readme = (demo / "README.md").read_text("utf-8")
    assert "## Planted cases" in readme
    for number in range(1, 10):
        assert f"### Case {number}:" in readme
    for name in (
        "Jürgen Müller",
        "Anna Schmitt",
        "Petra Klein",
        "Sabine Hoffmann",
        "Katharina Weiß",
        "Lena Vogel",
        "Oliver Bennett",
        "Björn Weißgerber",
    ):
        assert name in readme
    with _db(demo) as db:
        (customers,) = db.execute("SELECT count(*) FROM customers").fetchone()
    assert f"| `customers` | {customers} |" in readme


# -- the shop database ------------------------------------------------------------------


def test_shop_schema_has_keys_indexes_and_trigger(demo: Path) -> None:
    with _db(demo) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert tables >= {
            "customers",
            "addresses",
            "orders",
            "invoices",
            "invoice_lines",
            "support_notes",
            "customer_history",
            "web_sessions",
        }
        references = {
            (table, row[3], row[2])
            for table in tables
            for row in db.execute(f"PRAGMA foreign_key_list({table})")
        }
        assert references >= {
            ("addresses", "customer_id", "customers"),
            ("orders", "customer_id", "customers"),
            ("invoices", "customer_id", "customers"),
            ("invoices", "order_id", "orders"),
            ("invoice_lines", "invoice_id", "invoices"),
            ("support_notes", "customer_id", "customers"),
            ("customer_history", "customer_id", "customers"),
            ("web_sessions", "customer_id", "customers"),
        }
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        indexes = " ".join(
            r[0].lower()
            for r in db.execute("SELECT sql FROM sqlite_master WHERE type='index'")
            if r[0]
        )
        assert "customers (email)" in indexes
        assert "customers (lower(email))" in indexes
        assert "customers (phone)" in indexes
        assert db.execute("SELECT count(*) FROM sqlite_master WHERE type='trigger'").fetchone()[0]
        plan = " ".join(
            str(r)
            for r in db.execute(
                "EXPLAIN QUERY PLAN SELECT id FROM customers WHERE lower(email) = ?", ("x",)
            )
        )
        assert "ix_customers_email_lower" in plan
        years = {
            r[0] for r in db.execute("SELECT DISTINCT substr(invoice_date, 1, 4) FROM invoices")
        }
        assert "2016" in years and "2026" in years
        ips = [r[0] for r in db.execute("SELECT ip_address FROM web_sessions")]
        assert any(":" in ip for ip in ips) and any("." in ip for ip in ips)


def test_customer_history_is_written_by_the_trigger(demo: Path) -> None:
    with _db(demo) as db:
        rows = db.execute(
            "SELECT h.email, c.email, h.changed_at, c.updated_at FROM customer_history h "
            "JOIN customers c ON c.id = h.customer_id"
        ).fetchall()
        assert rows
        assert ("k.weiss@example.net", "katharina.weiss@example.com") in {
            (r[0], r[1]) for r in rows
        }
        # The trigger stamps the change with the new updated_at, never the clock.
        assert all(r[2] <= "2026-10-31 23:59:59" for r in rows)
        db.execute("UPDATE customers SET phone = '+49 711 1' WHERE id = 1")
        (count,) = db.execute(
            "SELECT count(*) FROM customer_history WHERE customer_id = 1"
        ).fetchone()
        assert count >= 1
        db.rollback()


# -- the planted cases ----------------------------------------------------------------


def test_case1_one_person_several_spellings(demo: Path) -> None:
    with _db(demo) as db:
        (phone,) = db.execute(
            "SELECT phone FROM customers WHERE email = 'juergen.mueller@example.com'"
        ).fetchone()
    assert phone == "+49 171 2345678"
    users = {u["email"]: u for u in _ndjson(demo / ZENDESK / "users.json")}
    zendesk = users["juergen.mueller@example.com"]
    assert (zendesk["name"], zendesk["phone"]) == ("Juergen Mueller", "0171 2345678")
    (hubspot,) = [c for c in _hubspot(demo) if c["Email"] == "juergen.mueller@example.com"]
    assert (hubspot["First Name"], hubspot["Last Name"]) == ("Jürgen", "Mueller")
    assert hubspot["Phone Number"] == "0049171 2345678"
    sheet = load_workbook(demo / NEWSLETTER, read_only=True)["Abonnenten"]
    assert "Juergen.Mueller@Example.com" in [r[0] for r in sheet.iter_rows(values_only=True)]
    subscribed = next(t for n, t in _mailchimp(demo).items() if n.startswith("subscribed_"))
    assert "juergen.mueller@example.com,Jürgen,Müller" in subscribed


def test_case2_mixed_case_emails_across_sources(demo: Path) -> None:
    found = set()
    with _db(demo) as db:
        found |= {r[0] for r in db.execute("SELECT email FROM customers") if r[0] != r[0].lower()}
    found |= {
        u["email"]
        for u in _ndjson(demo / ZENDESK / "users.json")
        if u["email"] != u["email"].lower()
    }
    found |= {c["Email"] for c in _hubspot(demo) if c["Email"] != c["Email"].lower()}
    sheet = load_workbook(demo / NEWSLETTER, read_only=True)["Abonnenten"]
    found |= {r[0] for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] != r[0].lower()}
    assert found >= {
        "Juergen.Mueller@Example.com",
        "Thomas.Becker@Example.com",
        "Sabine.Hoffmann@Example.com",
        "Anna.Schmidt@Example.net",
    }


def test_case3_duplicate_customer(demo: Path) -> None:
    with _db(demo) as db:
        rows = db.execute(
            "SELECT c.id, c.last_name, c.email, c.birthdate, a.street, a.postcode FROM customers c "
            "JOIN addresses a ON a.customer_id = c.id AND a.kind = 'billing' "
            "WHERE lower(c.email) = 'anna.schmidt@example.net' ORDER BY c.id"
        ).fetchall()
    assert len(rows) == 2
    (_, name1, email1, born1, street1, _), (_, name2, email2, born2, street2, _) = rows
    assert (name1, name2) == ("Schmidt", "Schmitt")
    assert email1 != email2
    assert born1 == born2 == "1985-04-12" and street1 == street2


def test_case4_email_of_one_customer_in_anothers_ticket_and_note(demo: Path) -> None:
    users = {u["id"]: u for u in _ndjson(demo / ZENDESK / "users.json")}
    tickets = {t["id"]: t for t in _ndjson(demo / ZENDESK / "tickets.json")}
    mentions = [c for c in _comments(demo) if "petra.klein@example.org" in c["body"]]
    assert mentions
    for comment in mentions:
        requester = users[tickets[comment["ticket_id"]]["requester_id"]]
        assert requester["email"].lower() == "thomas.becker@example.com"
        assert "Petra Klein" in comment["body"]
    assert all(u["email"] != "petra.klein@example.org" for u in users.values())
    with _db(demo) as db:
        notes = db.execute(
            "SELECT c.email FROM support_notes n JOIN customers c ON c.id = n.customer_id "
            "WHERE n.note LIKE '%petra.klein@example.org%'"
        ).fetchall()
        (petra,) = db.execute(
            "SELECT count(*) FROM customers WHERE email = 'petra.klein@example.org'"
        ).fetchone()
    assert notes == [("thomas.becker@example.com",)]
    assert petra == 1


def test_case5_health_remarks(demo: Path) -> None:
    with _db(demo) as db:
        notes = db.execute(
            "SELECT c.email FROM support_notes n JOIN customers c ON c.id = n.customer_id "
            "WHERE n.note LIKE '%Diabetikerin%'"
        ).fetchall()
    assert notes == [("sabine.hoffmann@example.com",)]
    assert any("Zöliakie" in c["body"] for c in _comments(demo))


def test_case6_invoices_across_the_retention_line(demo: Path) -> None:
    with _db(demo) as db:
        rows = db.execute(
            "SELECT i.invoice_date, i.billing_name, count(l.id) FROM invoices i "
            "JOIN customers c ON c.id = i.customer_id "
            "JOIN invoice_lines l ON l.invoice_id = i.id "
            "WHERE c.email = 'katharina.weiss@example.com' GROUP BY i.id ORDER BY i.invoice_date"
        ).fetchall()
    assert [r[0][:4] for r in rows] == ["2016", "2019", "2023", "2025"]
    assert all(r[1] == "Katharina Weiß" and r[2] >= 1 for r in rows)


def test_case7_newsletter_only_person(demo: Path) -> None:
    sheet = load_workbook(demo / NEWSLETTER, read_only=True)["Abonnenten"]
    assert "lena.vogel@example.net" in [r[0] for r in sheet.iter_rows(values_only=True)]
    with _db(demo) as db:
        dump = "\n".join(db.iterdump()).lower()
    assert "lena.vogel" not in dump and "vogel', 'lena" not in dump
    for path in (
        ZENDESK / "users.json",
        ZENDESK / "tickets.json",
        ZENDESK / "ticket_events.json",
        HUBSPOT,
    ):
        text = (demo / path).read_text("utf-8").lower()
        assert "lena.vogel" not in text and "lena vogel" not in text, path
    assert all("lena.vogel" not in t for t in _mailchimp(demo).values())
    assert all("lena.vogel" not in ";".join(r) for r in _events(demo))


def test_case8_english_speaking_customer(demo: Path) -> None:
    with _db(demo) as db:
        (language, country) = db.execute(
            "SELECT c.language, a.country FROM customers c JOIN addresses a "
            "ON a.customer_id = c.id WHERE c.email = 'oliver.bennett@example.org'"
        ).fetchone()
    assert (language, country) == ("en", "GB")
    (user,) = [
        u
        for u in _ndjson(demo / ZENDESK / "users.json")
        if u["email"] == "oliver.bennett@example.org"
    ]
    assert user["locale"] == "en-gb"
    tickets = [
        t for t in _ndjson(demo / ZENDESK / "tickets.json") if t["requester_id"] == user["id"]
    ]
    assert tickets and tickets[0]["subject"] == "Kettle arrived damaged"


def test_case9_event_and_mailchimp_only_with_umlauts(demo: Path) -> None:
    rows = _events(demo)
    (row,) = [r for r in rows if r[6] == "bjoern.weissgerber@example.org"]
    assert (row[4], row[5]) == ("Björn", "Weißgerber")
    assert "\n" in row[10]
    unsubscribed = next(t for n, t in _mailchimp(demo).items() if n.startswith("unsubscribed_"))
    assert "bjoern.weissgerber@example.org,Björn,Weißgerber" in unsubscribed
    with _db(demo) as db:
        assert not db.execute(
            "SELECT 1 FROM customers WHERE email LIKE 'bjoern%' OR last_name = 'Weißgerber'"
        ).fetchall()


def test_no_date_after_the_anchor(demo: Path) -> None:
    latest = "2026-10-31 23:59:59"
    with _db(demo) as db:
        for table, column in (
            ("customers", "created_at"),
            ("customers", "updated_at"),
            ("orders", "ordered_at"),
            ("invoices", "invoice_date"),
            ("support_notes", "created_at"),
            ("web_sessions", "started_at"),
            ("customer_history", "changed_at"),
        ):
            (value,) = db.execute(f"SELECT max({column}) FROM {table}").fetchone()
            assert value is None or value <= latest, (table, column)
    stamps = [u["created_at"] for u in _ndjson(demo / ZENDESK / "users.json")]
    stamps += [t["updated_at"] for t in _ndjson(demo / ZENDESK / "tickets.json")]
    stamps += [c["created_at"] for c in _comments(demo)]
    assert max(stamps) <= "2026-10-31T23:59:59Z"
    for text in _mailchimp(demo).values():
        for row in csv.DictReader(io.StringIO(text)):
            for key in ("OPTIN_TIME", "CONFIRM_TIME", "LAST_CHANGED", "UNSUB_TIME", "CLEAN_TIME"):
                assert row.get(key, "") <= latest, key


# -- file formats -------------------------------------------------------------------------


def test_event_csv_is_german_excel(demo: Path) -> None:
    raw = (demo / EVENTS).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = _events(demo)
    assert rows[0][:3] == ["Anmeldung-Nr", "Veranstaltung", "Datum"]
    assert len({len(r) for r in rows}) == 1
    assert any("\n" in field for r in rows for field in r)
    assert all(len(r[2]) == 10 and r[2][2] == "." and r[2][5] == "." for r in rows[1:])
    assert b"\r\n" in raw


def test_newsletter_second_sheet_header_below_title(demo: Path) -> None:
    book = load_workbook(demo / NEWSLETTER)
    assert book.sheetnames == ["Abonnenten", "Abgemeldet"]
    first = [c.value for c in book["Abonnenten"][1]]
    assert first == [
        "E-Mail",
        "Anrede",
        "Vorname",
        "Nachname",
        "Angemeldet am",
        "Quelle",
        "Double-Opt-In",
    ]
    second = book["Abgemeldet"]
    assert second["A1"].value and "E-Mail" not in [c.value for c in second[1]]
    assert second["A3"].value == "E-Mail"


def test_mailchimp_zip_has_three_status_files_with_real_headers(demo: Path) -> None:
    files = _mailchimp(demo)
    export_id = MAILCHIMP.name.removeprefix("audience_export_").removesuffix(".zip")
    assert sorted(files) == sorted(
        f"{status}_email_audience_export_{export_id}.csv"
        for status in ("subscribed", "unsubscribed", "cleaned")
    )
    widths = {}
    for name, text in files.items():
        header = next(csv.reader(io.StringIO(text)))
        widths[name.split("_")[0]] = len(header)
        assert header[:6] == [
            "Email Address",
            "First Name",
            "Last Name",
            "Address",
            "Phone Number",
            "Birthday",
        ]
        assert header[-4:] == ["LEID", "EUID", "NOTES", "TAGS"]
        assert text.startswith('"Email Address","First Name"')
    assert widths == {"subscribed": 21, "unsubscribed": 25, "cleaned": 23}
    assert '""' in "".join(files.values())  # TAGS as a doubled-quote list
    assert any("  " in r["Address"] for t in files.values() for r in csv.DictReader(io.StringIO(t)))


def test_hubspot_header_and_quoting(demo: Path) -> None:
    lines = (demo / HUBSPOT).read_text("utf-8").splitlines()
    assert lines[0] == (
        '"Record ID","First Name","Last Name","Email","Phone Number","Contact owner",'
        '"Primary Associated Company ID","Last Activity Date","Lead Status",'
        '"Marketing contact status","Create Date","Associated Company"'
    )
    assert all(line.startswith('"') and line.endswith('"') for line in lines)


def test_zendesk_files_are_ndjson_in_the_api_shape(demo: Path) -> None:
    users = _ndjson(demo / ZENDESK / "users.json")
    tickets = _ndjson(demo / ZENDESK / "tickets.json")
    assert {"agent", "end-user"} <= {u["role"] for u in users}
    for user in users:
        assert user["url"].endswith(f"/api/v2/users/{user['id']}.json")
        assert user["created_at"].endswith("Z")
    ids = {u["id"] for u in users}
    for ticket in tickets:
        assert {ticket["requester_id"], ticket["submitter_id"], ticket["assignee_id"]} <= ids
        assert {"subject", "description", "via", "collaborator_ids"} <= set(ticket)
    stream = json.loads((demo / ZENDESK / "ticket_events.json").read_text("utf-8"))
    assert stream["end_of_stream"] is True and stream["next_page"] is None
    assert stream["count"] == len(stream["ticket_events"])
    ticket_ids = {t["id"] for t in tickets}
    for comment in _comments(demo):
        assert comment["ticket_id"] in ticket_ids and comment["author_id"] in ids
        assert {"body", "html_body", "public", "created_at"} <= set(comment)


# -- determinism, refusal, JSON, size ----------------------------------------------------


def _fingerprint(folder: Path) -> dict[str, object]:
    with _db(folder) as db:
        dump = list(db.iterdump())
    files = {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix != ".db"
    }
    return {"dump": dump, **files}


def test_same_seed_same_bytes_other_seed_other_data_same_cases(tmp_path: Path) -> None:
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        run("demo", tmp_path / name, "--customers", "25", "--seed", seed, exit=0)
    a, b, c = (_fingerprint(tmp_path / n) for n in "abc")
    assert a == b
    assert a["dump"] != c["dump"]
    for folder in (tmp_path / "a", tmp_path / "c"):
        with _db(folder) as db:
            emails = {r[0] for r in db.execute("SELECT email FROM customers")}
        assert {"juergen.mueller@example.com", "Anna.Schmidt@Example.net"} <= emails


def test_refuses_a_non_empty_folder_unless_forced(tmp_path: Path) -> None:
    folder = tmp_path / "busy"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    result = run("demo", folder, "--customers", "20", exit=2)
    assert "not empty" in result.stderr and "--force" in result.stderr
    assert list(folder.iterdir()) == [folder / "notes.txt"]
    run("demo", folder, "--customers", "20", "--force", exit=0)
    run("demo", folder, "--customers", "20", "--force", exit=0)
    assert (folder / "notes.txt").read_text() == "mine"
    assert (folder / "dsr.yaml").is_file()


def test_too_few_customers_is_a_usage_error(tmp_path: Path) -> None:
    result = run("demo", tmp_path / "x", "--customers", "5", exit=2)
    assert "--customers" in result.stderr


def test_json_document(tmp_path: Path) -> None:
    result = run("demo", tmp_path / "j", "--customers", "20", "--json", exit=0)
    doc = result.json
    assert {"folder", "config", "sources", "customers", "planted"} <= set(doc)
    assert doc["customers"] == 20
    assert Path(doc["config"]) == (tmp_path / "j" / "dsr.yaml").resolve()
    assert [s["name"] for s in doc["sources"]] == [
        "shop",
        "newsletter",
        "events",
        "zendesk",
        "hubspot",
        "mailchimp",
    ]
    for source in doc["sources"]:
        assert {"name", "type", "path", "records"} <= set(source) and source["records"] > 0
    assert {p["case"] for p in doc["planted"]} == set(range(1, 10))
    for planted in doc["planted"]:
        assert {"case", "name", "identifiers"} <= set(planted) and planted["identifiers"]["email"]
    assert result.stderr == ""


def test_table_output_and_help(tmp_path: Path) -> None:
    result = run("demo", tmp_path / "t", "--customers", "20", exit=0)
    assert "shop" in result.stdout and "dsr inventory" in result.stdout
    assert "juergen.mueller@example.com" in result.stdout
    help_text = run("demo", "--help", exit=0).stdout
    assert "Example:" in help_text


def test_default_size_builds(tmp_path: Path) -> None:
    result = run("demo", tmp_path / "big", "--json", exit=0)
    assert result.json["customers"] == 2000
    with _db(tmp_path / "big") as db:
        (count,) = db.execute("SELECT count(*) FROM customers").fetchone()
    assert count == 2000
