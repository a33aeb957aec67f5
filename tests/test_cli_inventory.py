"""`dsr inventory` end to end: the demo company through the CLI, every format in both
languages, the planted cases as findings, gaps, the workbook, the templates, and the
HTML rendered in a real headless Chromium.

The record, findings and renderings are also tested on hand-labelled classifications
of the demo (DEMO below), so those tests do not depend on how well the classifier
does; the CLI tests run the real classifier.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from dsr.classify.result import ColumnClassification, TableClassification
from dsr.config.load import load_config
from dsr.connectors import open_connector
from dsr.inventory.document import build_document
from dsr.inventory.people import person_tables, read_people
from dsr.inventory.render import render_text, write_inventory
from dsr.inventory.scan import SourceScan
from dsr.render.templates import packaged_templates
from tests.helpers import run

# --- the demo's columns, labelled by hand ----------------------------------------------------
# (source, table) -> table kind and its personal columns as column -> (categories, lookup,
# special kinds). Columns not listed are not personal.

Labels = dict[str, tuple[tuple[str, ...], str | None, tuple[str, ...]]]

_PERSON: Labels = {
    "salutation": (("identity",), None, ()),
    "first_name": (("identity",), "name", ()),
    "last_name": (("identity",), "name", ()),
    "email": (("contact",), "email", ()),
    "phone": (("contact",), "phone", ()),
    "birthdate": (("birthdate",), None, ()),
    "customer_number": (("customer_id",), "id", ()),
}
_MAILCHIMP: Labels = {
    "Email Address": (("contact",), "email", ()),
    "First Name": (("identity",), "name", ()),
    "Last Name": (("identity",), "name", ()),
    "Phone Number": (("contact",), "phone", ()),
    "Address": (("address",), None, ()),
    "OPTIN_IP": (("online_id",), None, ()),
    "CONFIRM_IP": (("online_id",), None, ()),
}

DEMO: dict[tuple[str, str], tuple[str, Labels]] = {
    ("shop", "customers"): ("person", _PERSON),
    ("shop", "customer_history"): ("link", _PERSON),
    ("shop", "addresses"): ("address", {
        "street": (("address",), None, ()),
        "postcode": (("address",), None, ()),
        "city": (("address",), None, ()),
    }),
    ("shop", "invoices"): ("document", {
        "billing_name": (("identity",), "name", ()),
        "billing_street": (("address",), None, ()),
        "billing_postcode": (("address",), None, ()),
        "billing_city": (("address",), None, ()),
    }),
    ("shop", "support_notes"): ("link", {
        "author": (("identity", "employment"), None, ()),
        "note": (("free_text", "special", "contact"), "text", ("health",)),
    }),
    ("shop", "web_sessions"): ("link", {
        "session_id": (("online_id",), None, ()),
        "ip_address": (("online_id",), None, ()),
        "user_agent": (("online_id",), None, ()),
    }),
    ("newsletter", "Abonnenten"): ("person", {
        "E-Mail": (("contact",), "email", ()),
        "Anrede": (("identity",), None, ()),
        "Vorname": (("identity",), "name", ()),
        "Nachname": (("identity",), "name", ()),
    }),
    ("newsletter", "Abgemeldet"): ("person", {
        "E-Mail": (("contact",), "email", ()),
        "Vorname": (("identity",), "name", ()),
        "Nachname": (("identity",), "name", ()),
    }),
    ("events", "event-signups"): ("person", {
        "Anrede": (("identity",), None, ()),
        "Vorname": (("identity",), "name", ()),
        "Nachname": (("identity",), "name", ()),
        "E-Mail": (("contact",), "email", ()),
        "Telefon": (("contact",), "phone", ()),
        "Bemerkung": (("free_text",), "text", ()),
    }),
    ("zendesk", "users"): ("person", {
        "id": (("customer_id",), "id", ()),
        "name": (("identity",), "name", ()),
        "email": (("contact",), "email", ()),
        "phone": (("contact",), "phone", ()),
        "notes": (("free_text",), "text", ()),
    }),
    ("zendesk", "tickets"): ("link", {
        "via.source.from.address": (("contact",), "email", ()),
        "via.source.from.name": (("identity",), "name", ()),
        "description": (("free_text", "contact"), "text", ()),
    }),
    ("zendesk", "comments"): ("link", {
        "body": (("free_text", "special"), "text", ("health",)),
        "html_body": (("free_text", "special"), "text", ("health",)),
    }),
    ("hubspot", "contacts"): ("person", {
        "Record ID": (("customer_id",), "id", ()),
        "First Name": (("identity",), "name", ()),
        "Last Name": (("identity",), "name", ()),
        "Email": (("contact",), "email", ()),
        "Phone Number": (("contact",), "phone", ()),
        "Contact owner": (("identity", "employment"), None, ()),
    }),
    ("mailchimp", "subscribed"): ("person", _MAILCHIMP),
    ("mailchimp", "unsubscribed"): ("person", _MAILCHIMP),
    ("mailchimp", "cleaned"): ("person", _MAILCHIMP),
}


def classify_by_hand(source: Any, connector: Any) -> list[TableClassification]:
    """The demo's tables as DEMO labels them (every column listed, unlisted ones not personal)."""
    tables = []
    for table in connector.tables():
        kind, labels = DEMO.get((source.name, table.name), ("other", {}))
        columns = []
        for column in table.columns:
            categories, lookup, special = labels.get(column.name, ((), None, ()))
            columns.append(
                ColumnClassification(
                    source=source.name,
                    table=table.name,
                    column=column.name,
                    personal=bool(categories),
                    categories=categories,
                    confidence=1.0,
                    evidence=("labelled by hand for the test",),
                    lookup=lookup,  # type: ignore[arg-type]
                    special=special,
                )
            )
        tables.append(
            TableClassification(source.name, table.name, kind, table.rows, tuple(columns))  # type: ignore[arg-type]
        )
    return tables


def scan_by_hand(config: Any) -> list[SourceScan]:
    """SourceScans of every configured source, classified by DEMO instead of the classifier."""
    scans = []
    for source in config.sources.values():
        connector = open_connector(source)
        try:
            scan = SourceScan(source, tables=classify_by_hand(source, connector))
            for table in person_tables(scan.tables):
                records, truncated = read_people(connector, table)
                scan.people.extend(records)
                scan.people_truncated |= truncated
        finally:
            connector.close()
        scans.append(scan)
    return scans


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hand_scans(module_demo: Path) -> list[SourceScan]:
    return scan_by_hand(load_config(module_demo / "dsr.yaml", strict=False))


@pytest.fixture(scope="module")
def cli_run(module_demo: Path) -> dict[str, Any]:
    """`dsr inventory` on the demo, once per language, into one folder; the JSON documents."""
    out = module_demo / "inventory"
    documents = {}
    for language in ("de", "en"):
        result = run("inventory", "--language", language, "--json", exit=0, cwd=module_demo)
        documents[language] = result.json
        assert result.stderr.count("wrote ") == 4, result.stderr
    documents["folder"] = out
    return documents


def by_kind(document: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [f for f in document["findings"] if f["kind"] == kind]


def minimised(document: dict[str, Any]) -> set[tuple[str, str]]:
    """(table, column) of every background identifier; one finding per table names them."""
    return {(f["table"], c) for f in by_kind(document, "minimisation") for c in f["columns"]}


def one_divergence(document: dict[str, Any]) -> dict[str, Any]:
    """The demo's one person whose values differ between systems (planted case 1)."""
    [divergence] = by_kind(document, "divergence")
    return divergence


# --- record and findings on the hand-labelled demo -----------------------------------------


def test_planted_cases_become_findings(demo: Path, hand_scans: list[SourceScan]) -> None:
    config = load_config(demo / "dsr.yaml", strict=False)
    doc = build_document(config, hand_scans, language="en")
    special = {(f["source"], f["table"], f["column"]) for f in by_kind(doc, "special_category")}
    assert ("shop", "support_notes", "note") in special
    assert ("zendesk", "comments", "body") in special
    assert all("health" in f["special"] for f in by_kind(doc, "special_category"))

    minimisation = minimised(doc)
    assert {("web_sessions", "ip_address"), ("web_sessions", "user_agent")} <= minimisation
    assert not {c for _, c in minimisation} & {"OPTIN_IP", "CONFIRM_IP"}

    # The support note is free text holding health data: one finding says both.
    [note] = [f for f in by_kind(doc, "special_category") if f["table"] == "support_notes"]
    assert note["free_text"] is True
    assert "support_notes" not in {f["table"] for f in by_kind(doc, "free_text")}

    # Jürgen Müller: "Müller" in the shop, "Mueller" in Zendesk; his four phone formats are
    # one number, so the one finding on him reports the spelling and no phone divergence.
    divergence = one_divergence(doc)
    assert {"shop", "zendesk", "hubspot"} <= set(divergence["sources"])
    assert divergence["fields"] == ["name_spelling"]

    duplicates = by_kind(doc, "duplicates")
    assert [(f["source"], f["table"]) for f in duplicates] == [("shop", "customers")]
    assert duplicates[0]["by"] == ["email"] and len(duplicates[0]["rows"]) == 2

    # The demo names SCC for every US processor: no third-country finding, no gap there.
    assert not by_kind(doc, "third_country")
    assert not by_kind(doc, "no_purpose") and not by_kind(doc, "no_legal_basis")
    # Details carry counts and field names, never a personal value.
    text = json.dumps(doc["findings"], ensure_ascii=False).lower()
    for value in ("mueller", "müller", "schmidt", "2345678", "@example", "diabet", "zöliakie"):
        assert value not in text, value


def test_record_follows_article_30(demo: Path, hand_scans: list[SourceScan]) -> None:
    config = load_config(demo / "dsr.yaml", strict=False)
    doc = build_document(config, hand_scans, language="de")
    assert set(doc) >= {"columns", "activities", "findings", "failed_sources", "generated",
                        "language"}
    assert [a["id"] for a in doc["activities"]] == list(config.sources)
    shop = doc["activities"][0]
    assert shop["created"] == shop["changed"] == doc["generated"]
    assert {c["category"] for c in shop["data_categories"]} >= {
        "identity", "contact", "address", "birthdate", "online_id", "special", "free_text"}
    assert shop["special_categories"][0]["kind"] == "health"
    periods = {e["table"]: e for e in shop["erasure"]}
    assert periods["invoices"]["rule"] == "Rechnungen" and periods["invoices"]["years"] == 8
    assert periods["invoices"]["origin"] == "rule"
    assert periods["customers"]["origin"] == "configured"
    assert periods["web_sessions"]["period"] == "90 Tage nach dem Besuch"
    assert {g["field"] for g in shop["gaps"]} == set()
    zendesk = next(a for a in doc["activities"] if a["id"] == "zendesk")
    assert zendesk["transfers"] == [{"recipient": "Zendesk, Inc.", "country": "US",
                                     "safeguards": "Standardvertragsklauseln (SCC)",
                                     "source": "zendesk", "processor": True,
                                     "key": "sources.zendesk.processor.safeguards"}]
    # every Zendesk table has the source's storage period: no gap
    assert {e["origin"] for e in zendesk["erasure"]} == {"configured"}
    assert not [g for g in zendesk["gaps"] if g["field"] == "erasure"]
    md = render_text(doc, "md")
    assert "shop.invoices (" in md and "8 Jahre ab Ende des Kalenderjahres" in md


def test_grouped_activity_and_third_country_without_safeguards(
    demo: Path, tmp_path: Path, hand_scans: list[SourceScan]
) -> None:
    text = (demo / "dsr.yaml").read_text(encoding="utf-8")
    line = (
        '      safeguards: {de: "Standardvertragsklauseln (SCC)", '
        'en: "Standard contractual clauses (SCC)"}\n'
    )
    assert line in text
    text = text.replace(line, "", 1)
    text = text.replace("  newsletter:\n    type: xlsx\n",
                        "  newsletter:\n    type: xlsx\n    activity: Newsletter\n")
    text = text.replace("  mailchimp:\n    type: mailchimp\n",
                        "  mailchimp:\n    type: mailchimp\n    activity: Newsletter\n")
    path = demo / "dsr-variant.yaml"
    path.write_text(text, encoding="utf-8")
    config = load_config(path, strict=False)
    scans = [SourceScan(config.sources[s.source.name], s.tables, s.people) for s in hand_scans]
    doc = build_document(config, scans, language="en")
    third = by_kind(doc, "third_country")
    assert [(f["source"], f["country"]) for f in third] == [("zendesk", "US")]
    zendesk = next(a for a in doc["activities"] if a["id"] == "zendesk")
    assert {"field": "transfers", "key": "sources.zendesk.processor.safeguards",
            "reason": "config", "empty_means_none": False} in zendesk["gaps"]
    newsletter = next(a for a in doc["activities"] if a["id"] == "Newsletter")
    assert [s["name"] for s in newsletter["sources"]] == ["newsletter", "mailchimp"]
    assert newsletter["name"] == "Newsletter"
    assert "Gap: add in dsr.yaml: <code>sources.zendesk.processor.safeguards</code>" in (
        render_text(doc, "html")
    )


# --- templates -------------------------------------------------------------------------------


def test_templates_exist_once_for_both_languages() -> None:
    """One template per format; the languages differ only in the message catalogues."""
    root = packaged_templates()
    assert {p.name for p in root.glob("inventory.*")} == {
        "inventory.md.j2", "inventory.html.j2", "inventory.labels.j2"
    }
    assert not list(root.glob("*/inventory.*"))


@pytest.mark.parametrize("language", ["de", "en"])
def test_templates_render_strictly_with_empty_and_full_documents(
    demo: Path, hand_scans: list[SourceScan], language: str, tmp_path: Path
) -> None:
    """StrictUndefined: a variable the caller does not pass fails here, not in a user's run."""
    config = load_config(demo / "dsr.yaml", strict=False)
    full = build_document(config, hand_scans, language=language)
    failed = SourceScan(config.sources["shop"], error="cannot open the database")
    empty = build_document(config, [failed], language=language)
    for doc in (full, empty):
        written = write_inventory(doc, tmp_path / language)
        assert [p.suffix for p in written] == [".md", ".html", ".xlsx", ".json"]
    assert "<script" not in render_text(full, "html")
    gap = "Lücke" if language == "de" else "Gap"
    assert gap in render_text(empty, "md")


# --- end to end through the CLI --------------------------------------------------------------


def test_cli_writes_every_format_in_both_languages_owner_only(cli_run: dict[str, Any]) -> None:
    folder: Path = cli_run["folder"]
    names = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    assert names == sorted(
        f"inventory-{lang}.{fmt}" for lang in ("de", "en") for fmt in ("md", "html", "xlsx", "json")
    )
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    de = (folder / "inventory-de.md").read_text(encoding="utf-8")
    en = (folder / "inventory-en.md").read_text(encoding="utf-8")
    assert "Verzeichnis von Verarbeitungstätigkeiten – Verantwortlicher gem. Art. 30 Abs. 1" in de
    for heading in ("Zwecke der Verarbeitung", "Kategorien betroffener Personen",
                    "Kategorien personenbezogener Daten", "Kategorien von Empfängern",
                    "Übermittlungen in Drittländer", "Fristen für die Löschung",
                    "Technische und organisatorische Maßnahmen", "Feststellungen"):
        assert heading in de, heading
    assert "Record of processing activities" in en and "Time limits for erasure" in en
    assert json.loads((folder / "inventory-en.json").read_text(encoding="utf-8")) == cli_run["en"]


def test_cli_json_document_and_planted_findings(cli_run: dict[str, Any]) -> None:
    doc = cli_run["en"]
    assert set(doc) >= {"columns", "activities", "findings", "failed_sources", "generated",
                        "language"}
    assert doc["failed_sources"] == [] and doc["language"] == "en"
    for column in doc["columns"]:
        assert set(column) >= {"source", "table", "column", "personal", "categories",
                               "confidence", "evidence"}
    for finding in doc["findings"]:
        assert set(finding) >= {"kind", "source", "table", "column", "detail"}
    special = {(f["source"], f["table"]) for f in by_kind(doc, "special_category")}
    assert {("shop", "support_notes"), ("zendesk", "comments")} <= special
    assert {("web_sessions", "ip_address"), ("web_sessions", "user_agent")} <= minimised(doc)
    assert ("shop", "support_notes", "note") in {
        (f["source"], f["table"], f["column"]) for f in by_kind(doc, "special_category")}
    assert one_divergence(doc)["fields"] == ["name_spelling"]
    assert ("shop", "customers") in {(f["source"], f["table"]) for f in by_kind(doc, "duplicates")}
    assert not by_kind(doc, "third_country")
    assert [a["id"] for a in doc["activities"]] == [
        "shop", "newsletter", "events", "zendesk", "hubspot", "mailchimp"]


def test_cli_xlsx_has_a_sheet_per_activity_and_findings(cli_run: dict[str, Any]) -> None:
    for language, findings_sheet in (("de", "Feststellungen"), ("en", "Findings")):
        book = load_workbook(cli_run["folder"] / f"inventory-{language}.xlsx")
        activities = cli_run[language]["activities"]
        columns_sheet = "Spalten" if language == "de" else "Columns"
        assert book.sheetnames[1 + len(activities):][:2] == [findings_sheet, columns_sheet]
        first = book[book.sheetnames[1]]
        fields = [row[0] for row in first.iter_rows(values_only=True) if row and row[0]]
        expected = "Zwecke der Verarbeitung" if language == "de" else "Purposes of the processing"
        assert expected in fields
        findings = book[findings_sheet]
        assert findings.max_row == 1 + len(cli_run[language]["findings"])


def test_minimal_config_shows_gaps(tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE kunden (id INTEGER PRIMARY KEY, vorname TEXT, nachname TEXT,"
                    " email TEXT)")
        con.executemany("INSERT INTO kunden (vorname, nachname, email) VALUES (?, ?, ?)",
                        [(f"Vor{i}", f"Nach{i}", f"person{i}@example.org") for i in range(30)])
    (tmp_path / "dsr.yaml").write_text(
        "controller: {name: Test GmbH}\nsources:\n  crm: {type: sql, url: 'sqlite:///crm.db'}\n",
        encoding="utf-8",
    )
    doc = run("inventory", "--json", "--format", "md,json", exit=0, cwd=tmp_path).json
    activity = doc["activities"][0]
    keys = {g["key"] for g in activity["gaps"]}
    assert keys == {"sources.crm.purpose", "sources.crm.legal_basis", "sources.crm.data_subjects",
                    "sources.crm.recipients", "sources.crm.storage_period", "security_measures",
                    "sources.crm.department", "sources.crm.contact",
                    "sources.crm.joint_controllers", "sources.crm.internal_recipients",
                    "sources.crm.transfers"}
    assert {g["key"] for g in doc["controller"]["gaps"]} == {
        "controller.address", "controller.email", "controller.dpo"}
    assert {"no_purpose", "no_legal_basis"} <= {f["kind"] for f in doc["findings"]}
    md = (tmp_path / "inventory" / "inventory-de.md").read_text(encoding="utf-8")
    assert "Lücke: in dsr.yaml ergänzen: `sources.crm.purpose`" in md
    assert not (tmp_path / "inventory" / "inventory-de.html").exists()


def test_a_failed_source_is_named_and_the_others_are_recorded(tmp_path: Path) -> None:
    (tmp_path / "dsr.yaml").write_text(
        "controller: {name: Test GmbH}\nlanguage: en\nsources:\n"
        "  gone: {type: sql, url: 'sqlite:///missing/nothing.db'}\n"
        "  list: {type: csv, path: list.csv}\n",
        encoding="utf-8",
    )
    (tmp_path / "list.csv").write_text("email,name\na@example.org,A B\n", encoding="utf-8")
    result = run("inventory", "--output", tmp_path / "out", exit=1, cwd=tmp_path)
    assert "source 'gone'" in result.stderr
    doc = json.loads((tmp_path / "out" / "inventory-en.json").read_text(encoding="utf-8"))
    assert doc["failed_sources"] == ["gone"]
    assert [a["id"] for a in doc["activities"]] == ["gone", "list"]
    assert "wrote" in result.stdout and "findings" in result.stdout


def test_usage_errors_exit_2(demo: Path) -> None:
    assert "unknown format" in run("inventory", "--format", "pdf", exit=2, cwd=demo).stderr
    assert "unknown language" in run("inventory", "--language", "fr", exit=2, cwd=demo).stderr
    assert "no source named" in run("inventory", "shpo", exit=2, cwd=demo).stderr


# --- the HTML in a real browser --------------------------------------------------------------


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    reason = "no chromium for the HTML test (Debian: apt-get install chromium)"
    if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def _headless(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )


@pytest.mark.parametrize("language", ["de", "en"])
def test_html_renders_in_headless_chromium(
    cli_run: dict[str, Any], tmp_path: Path, language: str
) -> None:
    browser = _chromium()
    page = cli_run["folder"] / f"inventory-{language}.html"
    html = page.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html.replace("https://www.example.com", "")
    assert "<script" not in html and "@media print" in html
    result = _headless(browser, tmp_path / "profile", "--dump-dom", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    for activity in cli_run[language]["activities"]:
        assert activity["name"].replace("&", "&amp;") in dom, activity["name"]
    assert ("Feststellungen" if language == "de" else "Findings") in dom
    shot = tmp_path / "page.png"
    result = _headless(browser, tmp_path / "profile", f"--screenshot={shot}",
                       "--window-size=1200,1600", page.as_uri())
    assert result.returncode == 0 and shot.stat().st_size > 10_000
