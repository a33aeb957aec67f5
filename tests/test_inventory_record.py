"""The Art. 30 record as the DSK template asks for it, kept over time (issue 16).

- Every field of the DSK template "Verzeichnis von Verarbeitungstätigkeiten –
  Verantwortlicher" has its place in the record in German and English: filled from
  dsr.yaml when given, shown as a gap naming the key when not.
- The dates an activity was created and last changed survive runs (kept in the
  ledger database); ``dsr inventory --changes`` reports drift for cron: silent with
  exit 0 when nothing changed, exit 1 naming a new column with personal data.
- Every table holding personal data has an erasure period, from the same function
  the access letter uses.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import dsr, run

# The DSK template's fields (law.md § 6), with the heading the record gives each field in
# German and English. A field that is a section of its own is a heading ("### ...").
DSK_FIELDS: dict[str, tuple[str, str]] = {
    "controller": ("Name des Verantwortlichen", "Name of the controller"),
    "controller_address": ("Anschrift", "Address"),
    "controller_phone": ("Telefon", "Phone"),
    "controller_email": ("E-Mail", "E-mail"),
    "controller_website": ("Internetadresse", "Website"),
    "representative": ("Vertreter des Verantwortlichen", "Controller's representative"),
    "dpo": ("Datenschutzbeauftragter", "Data-protection officer"),
    "activity": ("Bezeichnung der Verarbeitungstätigkeit", "Name of the processing activity"),
    "created": ("Datum der Anlegung", "Date created"),
    "changed": ("Datum der letzten Änderung", "Date last changed"),
    "department": ("Verantwortliche Fachabteilung", "Responsible department"),
    "contact": ("Ansprechpartner", "Contact person"),
    "joint_controllers": ("Gemeinsam Verantwortliche", "Joint controllers"),
    "purposes": ("### Zwecke der Verarbeitung", "### Purposes of the processing"),
    "data_subjects": ("### Kategorien betroffener Personen", "### Categories of data subjects"),
    "data_categories": (
        "### Kategorien personenbezogener Daten", "### Categories of personal data"
    ),
    "recipients": ("### Kategorien von Empfängern", "### Categories of recipients"),
    "internal": ("Interne Empfänger", "Internal recipients"),
    "external": ("Externe Empfänger", "External recipients"),
    "transfers": ("### Übermittlungen in Drittländer", "### Transfers to third countries"),
    "erasure": ("### Fristen für die Löschung", "### Time limits for erasure"),
    "security": (
        "### Technische und organisatorische Maßnahmen",
        "### Technical and organisational measures",
    ),
    "security_reference": (
        "Verweis auf das Sicherheitskonzept", "Reference to the security concept"
    ),
}

FULL = """\
controller:
  name: Muster AG
  address: "Hauptstraße 5, 10115 Berlin"
  phone: "+49 30 1234567"
  email: info@example.com
  website: https://example.com
  representative: {name: Rep SARL, address: "1 rue X, Paris", email: rep@example.com}
  dpo: {salutation: Herr, title: Dr., name: Max Muster, address: "Hauptstraße 5, Berlin",
        email: dsb@example.com, phone: "+49 30 1234568"}
languages: [de, en]
security_measures: [{de: Verschlüsselung, en: Encryption}]
security_reference: {de: Sicherheitskonzept 3.0, en: Security concept 3.0}
sources:
  crm:
    type: sql
    url: "sqlite:///crm.db"
    description: {de: Kundenverwaltung, en: Customer management}
    department: {de: Vertriebsinnendienst, en: Inside sales}
    contact: {name: Erika Beispiel, email: vertrieb@example.com, phone: "+49 30 1234569"}
    joint_controllers: [{name: Partner GmbH, address: "Weg 1, Köln"}]
    purpose: {de: Kundenbetreuung, en: Customer care}
    legal_basis: {de: "Art. 6 Abs. 1 lit. b DSGVO", en: "Art. 6(1)(b) GDPR"}
    data_subjects: [{de: Kunden, en: Customers}]
    internal_recipients: [{de: Buchhaltung, en: Accounting}]
    recipients: [{de: Steuerberater, en: Tax adviser}]
    transfers:
      - {recipient: {de: Konzernmutter, en: Parent company}, country: CH,
         safeguards: {de: Angemessenheitsbeschluss, en: Adequacy decision}}
    storage_period: {de: drei Jahre nach Vertragsende, en: three years after the contract}
    storage_periods:
      visits: {de: 30 Tage, en: 30 days}
"""

EMPTY = """\
controller: {name: Muster AG}
sources:
  crm: {type: sql, url: "sqlite:///crm.db"}
"""


def _database(folder: Path) -> None:
    with sqlite3.connect(folder / "crm.db") as db:
        db.executescript(
            """
            CREATE TABLE customers (id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
                                    email TEXT, phone TEXT);
            CREATE TABLE visits (id INTEGER PRIMARY KEY, customer_id INTEGER,
                                 ip_address TEXT, user_agent TEXT);
            """
        )
        names = [("Anna", "Schulz"), ("Bernd", "Meier"), ("Carla", "Wolf"), ("Dieter", "Krug")]
        for i in range(40):
            first, last = names[i % 4]
            db.execute(
                "INSERT INTO customers VALUES (?, ?, ?, ?, ?)",
                (i + 1, first, last, f"{first.lower()}.{last.lower()}{i}@example.com",
                 f"+49 171 55{i:05d}"),
            )
            db.execute(
                "INSERT INTO visits VALUES (?, ?, ?, ?)",
                (i + 1, i + 1, f"192.0.2.{i + 1}",
                 "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36"),
            )


def _record(folder: Path, config: str, language: str) -> tuple[str, dict[str, Any]]:
    folder.mkdir(exist_ok=True)
    (folder / "dsr.yaml").write_text(config, encoding="utf-8")
    if not (folder / "crm.db").exists():
        _database(folder)
    out = folder / "out"
    dsr(folder, "inventory", "--format", "md,json", "--language", language, "--output", out)
    md = (out / f"inventory-{language}.md").read_text(encoding="utf-8")
    document = json.loads((out / f"inventory-{language}.json").read_text(encoding="utf-8"))
    return md, document


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_dsk_field_has_its_place_and_value(tmp_path: Path, language: str) -> None:
    md, document = _record(tmp_path, FULL, language)
    index = 0 if language == "de" else 1
    for field, labels in DSK_FIELDS.items():
        assert labels[index] in md, f"{field}: {labels[index]!r} missing from the record"
    activity = document["activities"][0]
    values = {
        "de": ["Hauptstraße 5, 10115 Berlin", "Herr Dr. Max Muster", "Rep SARL",
               "Vertriebsinnendienst", "Erika Beispiel", "Partner GmbH", "Kundenbetreuung",
               "Kunden", "Buchhaltung", "Steuerberater", "Konzernmutter, CH",
               "Angemessenheitsbeschluss", "drei Jahre nach Vertragsende", "30 Tage",
               "Verschlüsselung", "Sicherheitskonzept 3.0"],
        "en": ["Hauptstraße 5, 10115 Berlin", "Herr Dr. Max Muster", "Rep SARL",
               "Inside sales", "Erika Beispiel", "Partner GmbH", "Customer care",
               "Customers", "Accounting", "Tax adviser", "Parent company, CH",
               "Adequacy decision", "three years after the contract", "30 days",
               "Encryption", "Security concept 3.0"],
    }[language]
    for value in values:
        assert value in md, f"{value!r} missing from the {language} record"
    assert activity["gaps"] == [], activity["gaps"]
    kinds = {r["name"]: (r["kind"], r["third_country"]) for r in activity["recipients"]}
    assert kinds[values[8]] == ("internal", False)
    assert kinds[values[9]] == ("external", False)
    assert kinds[values[10].split(",")[0]] == ("external", True)
    periods = {(e["table"], e["origin"]) for e in activity["erasure"]}
    assert periods == {("customers", "configured"), ("visits", "configured")}
    assert document["version"] == 1


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_missing_dsk_field_is_a_gap_naming_its_key(tmp_path: Path, language: str) -> None:
    md, document = _record(tmp_path, EMPTY, language)
    gap = "Lücke: in dsr.yaml ergänzen:" if language == "de" else "Gap: add in dsr.yaml:"
    keys = [
        "controller.address", "controller.email", "controller.dpo",
        "sources.crm.department", "sources.crm.contact", "sources.crm.joint_controllers",
        "sources.crm.purpose", "sources.crm.data_subjects", "sources.crm.internal_recipients",
        "sources.crm.recipients", "sources.crm.transfers", "sources.crm.storage_period",
        "security_measures",
    ]
    for key in keys:
        assert f"{gap} `{key}`" in md, f"no gap for {key} in the {language} record"
    # every table with personal data has its period or the gap: both tables here
    activity = document["activities"][0]
    assert {(e["table"], e["origin"]) for e in activity["erasure"]} == {
        ("customers", "gap"), ("visits", "gap")
    }


# --- kept over time --------------------------------------------------------------------------


def _snapshot(folder: Path) -> dict[str, Any]:
    with sqlite3.connect(folder / "dsr.db") as db:
        (value,) = db.execute(
            "SELECT value FROM ledger_meta WHERE key = 'inventory_history'"
        ).fetchone()
    return dict(json.loads(value))


def _set_snapshot(folder: Path, snapshot: dict[str, Any]) -> None:
    with sqlite3.connect(folder / "dsr.db") as db:
        db.execute(
            "UPDATE ledger_meta SET value = ? WHERE key = 'inventory_history'",
            (json.dumps(snapshot),),
        )


def test_dates_survive_runs_and_changes_speak_only_when_something_changed(demo: Path) -> None:
    out = demo / "record"
    first = dsr(demo, "inventory", "--format", "json", "--output", out, "--json").json
    assert first["version"] == 1 and first["previous_run"] is None
    # Pretend the first run was in January: the second run keeps that day as "created".
    snapshot = _snapshot(demo)
    for activity in snapshot["activities"].values():
        activity["created"] = activity["changed"] = "2026-01-15"
    snapshot["last_run"] = "2026-01-15"
    _set_snapshot(demo, snapshot)

    second = dsr(demo, "inventory", "--format", "json", "--output", out, "--json").json
    assert {a["created"] for a in second["activities"]} == {"2026-01-15"}
    assert {a["changed"] for a in second["activities"]} == {"2026-01-15"}
    assert second["version"] == 1 and second["changes"] == []
    assert second["previous_run"] == "2026-01-15"

    quiet = dsr(demo, "inventory", "--changes")
    assert quiet.stdout == "" and quiet.stderr == ""

    with sqlite3.connect(demo / "data" / "shop.db") as db:
        db.execute("ALTER TABLE customers ADD COLUMN backup_email TEXT")
        db.execute("UPDATE customers SET backup_email = 'zweit' || id || '@example.org'")
    loud = dsr(demo, "inventory", "--changes", exit=1)
    assert "New column with personal data: shop.customers.backup_email" in loud.stdout
    assert "Contact details" in loud.stdout
    assert "@example.org" not in loud.stdout + loud.stderr

    third = dsr(demo, "inventory", "--changes")
    assert third.stdout == ""

    record = dsr(demo, "inventory", "--format", "md,json", "--output", out, "--json").json
    shop = next(a for a in record["activities"] if a["id"] == "shop")
    others = [a for a in record["activities"] if a["id"] != "shop"]
    assert shop["created"] == "2026-01-15" and shop["changed"] != "2026-01-15"
    assert shop["last_change"] == [
        "Neue Spalte mit personenbezogenen Daten: shop.customers.backup_email "
        "(Kontaktdaten (E-Mail, Telefon, Fax))"
    ]
    assert {a["changed"] for a in others} == {"2026-01-15"}
    assert record["version"] == 2
    md = (out / "inventory-de.md").read_text(encoding="utf-8")
    assert "Version 2" in md and "shop.customers.backup_email" in md


def test_changes_name_new_sources_and_activities_without_purpose(tmp_path: Path) -> None:
    tmp_path.joinpath("dsr.yaml").write_text(EMPTY, encoding="utf-8")
    _database(tmp_path)
    baseline = dsr(tmp_path, "inventory", "--changes", exit=1)
    assert "No earlier run" in baseline.stdout
    report = dsr(tmp_path, "inventory", "--changes", "--json", exit=1).json
    assert [c["kind"] for c in report["changes"]] == ["no_purpose"]
    assert "sources.crm.purpose" in report["changes"][0]["text"]

    with sqlite3.connect(tmp_path / "crm2.db") as db:
        db.execute("CREATE TABLE leads (id INTEGER PRIMARY KEY, email TEXT)")
        db.executemany("INSERT INTO leads (email) VALUES (?)",
                       [(f"lead{i}@example.com",) for i in range(30)])
    config = FULL.replace("crm.db", "crm.db").rstrip() + (
        '\n  leads:\n    type: sql\n    url: "sqlite:///crm2.db"\n'
        "    purpose: {de: Vertrieb, en: Sales}\n"
    )
    tmp_path.joinpath("dsr.yaml").write_text(config, encoding="utf-8")
    report = dsr(tmp_path, "inventory", "--changes", "--json", exit=1).json
    kinds = {(c["kind"], c["source"], c["table"]) for c in report["changes"]}
    assert ("source_new", "leads", None) in kinds
    assert ("table_new", "leads", "leads") in kinds
    assert not any(k == "no_purpose" for k, _, _ in kinds)
    assert dsr(tmp_path, "inventory", "--changes").stdout == ""


def test_a_source_that_fails_is_not_reported_as_removed(demo: Path) -> None:
    dsr(demo, "inventory", "--changes", exit=1)  # the baseline
    events = demo / "data" / "event-signups.csv"
    events.rename(demo / "data" / "elsewhere.csv")
    result = dsr(demo, "inventory", "--changes", exit=1)
    assert "events" in result.stderr
    assert "removed" not in result.stdout and "gone" not in result.stdout
    (demo / "data" / "elsewhere.csv").rename(events)
    assert dsr(demo, "inventory", "--changes").stdout == ""


def test_the_record_and_the_access_letter_give_the_same_period(module_demo: Path) -> None:
    """shop.web_sessions has its own period in the demo's dsr.yaml, shop.orders is kept with
    the invoices: the record says so, and so does the period function the letter uses."""
    from dsr.config.load import load_config
    from dsr.erasure.periods import table_period

    out = module_demo / "periods"
    document = dsr(
        module_demo, "inventory", "shop", "--format", "json", "--output", out, "--json"
    ).json
    shop = document["activities"][0]
    erasure = {e["table"]: e for e in shop["erasure"]}
    assert erasure["invoices"]["origin"] == "rule"
    assert erasure["orders"]["origin"] == "kept_with"
    assert erasure["orders"]["with_table"] == "invoices"
    assert erasure["web_sessions"]["period"] == "90 Tage nach dem Besuch"
    assert erasure["customers"]["origin"] == "configured"
    config = load_config(module_demo / "dsr.yaml").in_language("de")
    assert table_period(config, "shop", "web_sessions").text == "90 Tage nach dem Besuch"
    assert all(e["origin"] != "gap" for e in shop["erasure"])
    run("inventory", "--help", exit=0)


def test_without_a_ledger_the_record_is_written_and_the_dpo_told(tmp_path: Path) -> None:
    """A ledger that cannot be opened costs the record its memory, not the record itself;
    --changes has nothing to compare with and cannot run."""
    config = EMPTY + 'ledger: "sqlite:///no-such-folder/dsr.db"\n'
    tmp_path.joinpath("dsr.yaml").write_text(config, encoding="utf-8")
    _database(tmp_path)
    result = dsr(tmp_path, "inventory", "--format", "json", "--output", tmp_path / "o", exit=1)
    assert "dates and version could not be kept" in result.stderr
    assert (tmp_path / "o" / "inventory-de.json").exists()
    failed = dsr(tmp_path, "inventory", "--changes", exit=2)
    assert "no-such-folder" in failed.stderr and "Traceback" not in failed.stderr
