"""The classifier, rule by rule, through real SQLite databases and CSV files in tmp_path.

Each test builds a small source the way a small company would have it (German
column names and abbreviations, a supplier table with a contact person, notes
typed by staff), classifies it with ``classify_source`` and checks what the
inventory will say. The checks of single values run on the validators
directly. The ground-truth measurement lives in tests/test_classifier_truth.py.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from dsr.classify.classifier import classify_source
from dsr.classify.names import identifier_kind, name_hint
from dsr.classify.result import ColumnClassification, TableClassification
from dsr.classify.text import embedded_identifiers, special_kinds
from dsr.classify.values import (
    has_first_name,
    is_card,
    is_email,
    is_iban,
    is_ip,
    is_phone,
    is_tax_id,
    is_user_agent,
    is_vat_id,
    plausible_birthdate,
)
from dsr.config.load import load_config
from dsr.connectors import open_connector
from tests.shared_data import CHINOOK_SQLITE

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
VALID_IBANS = ["DE89370400440532013000", "DE02120300000000202051", "DE02500105170137075030",
               "DE88100900001234567892", "DE12500105170648489890"]  # fmt: skip
BROKEN_IBANS = ["DE89370400440532013001", "DE02120300000000202052", "DE02500105170137075031",
                "DE88100900001234567893", "DE12500105170648489891"]  # fmt: skip
PEOPLE = [
    ("Jürgen", "Müller", "juergen.mueller@example.com", "0171 2345678", "1978-05-23"),
    ("Sabine", "Hoffmann", "sabine.hoffmann@example.com", "+49 176 1122334", "1962-07-19"),
    ("Lena", "Vogel", "lena.vogel@example.net", "030 1234567", "1991-01-06"),
    ("Oliver", "Bennett", "oliver.bennett@example.org", "+44 7700 900123", "1988-12-01"),
    ("Katharina", "Weiß", "katharina.weiss@example.com", "0711 5566778", "1981-09-03"),
    ("Mehmet", "Yılmaz", "mehmet.yilmaz@example.com", "0176 99887766", "1983-06-15"),
]  # fmt: skip


# -- helpers --------------------------------------------------------------------------------


def write_config(folder: Path, sources: str) -> Path:
    path = folder / "dsr.yaml"
    path.write_text("controller: {name: Beispiel GmbH}\nsources:\n" + sources, encoding="utf-8")
    return path


def classify(config_path: Path) -> dict[str, TableClassification]:
    """Every table of every source of the config, by ``source.table``."""
    config = load_config(config_path)
    found = {}
    for source in config.sources.values():
        connector = open_connector(source)
        try:
            for table in classify_source(source, connector):
                found[f"{source.name}.{table.table}"] = table
        finally:
            connector.close()
    return found


def column(tables: dict[str, TableClassification], where: str) -> ColumnClassification:
    table, _, name = where.rpartition(".")
    return next(c for c in tables[table].columns if c.column == name)


def sqlite_db(path: Path, script: str, rows: dict[str, list[tuple[Any, ...]]]) -> Path:
    with sqlite3.connect(path) as conn:
        conn.executescript(script)
        for table, values in rows.items():
            if values:
                marks = ",".join("?" * len(values[0]))
                conn.executemany(f'INSERT INTO "{table}" VALUES ({marks})', values)
    return path


# -- a small German shop database -------------------------------------------------------------

SHOP_SCHEMA = """
CREATE TABLE kunden (
    kdnr TEXT PRIMARY KEY, anrede TEXT, vorname TEXT, nachname TEXT, geb_datum TEXT,
    strasse TEXT, hausnr TEXT, plz TEXT, ort TEXT, telefon TEXT, handy TEXT, mail TEXT,
    iban TEXT, kto_alt TEXT, ust_id TEXT, steuer_id TEXT, bemerkung TEXT, foto BLOB,
    erstellt_am TEXT, newsletter INTEGER
);
CREATE TABLE artikel (artnr TEXT PRIMARY KEY, bezeichnung TEXT, beschreibung TEXT, bild BLOB,
                      preis REAL);
CREATE TABLE bestellungen (
    bestellnr TEXT PRIMARY KEY, kdnr TEXT REFERENCES kunden(kdnr), datum TEXT,
    lief_name TEXT, lief_strasse TEXT, lief_plz TEXT, lief_ort TEXT, summe REAL
);
CREATE TABLE lieferanten (
    id INTEGER PRIMARY KEY, firma TEXT, ansprechpartner TEXT, strasse TEXT, plz TEXT, ort TEXT,
    telefon TEXT, homepage TEXT
);
CREATE TABLE besuche (
    id INTEGER PRIMARY KEY, kdnr TEXT REFERENCES kunden(kdnr), ip TEXT, user_agent TEXT,
    cookie_id TEXT
);
"""

NOTES = [
    "Kundin ist Diabetikerin, bitte nur zuckerfreie Produkte anbieten.",
    "Möchte Rückruf unter 0171 2345678, am besten vormittags nach zehn Uhr.",
    "Lieferung an die Nachbarin im Erdgeschoss ist ausdrücklich erlaubt.",
    "Hat sich über die lange Lieferzeit der letzten Bestellung beschwert.",
    "Bitte keine Werbung per Post mehr schicken, nur noch per E-Mail.",
    "Fragt regelmäßig nach koscheren Weinen für die Feiertage im Herbst.",
]
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "curl/8.5.0",
]


@pytest.fixture
def shop(tmp_path: Path) -> dict[str, TableClassification]:
    kunden = []
    for i, (first, last, mail, phone, born) in enumerate(PEOPLE):
        kunden.append((
            f"K-{1000 + i}", ("Herr", "Frau")[i % 2], first, last, born, "Königstraße",
            f"{i + 1}a", f"7017{i}", "Stuttgart", phone, phone, mail, VALID_IBANS[i % 5],
            "1234567", "DE136695976", "36574261809", NOTES[i], PNG,
            f"2024-01-0{i + 1}", i % 2,
        ))  # fmt: skip
    artikel = [
        (f"A-{i}", f"Wasserkocher {i}", "Edelstahl, 1,7 Liter, mit Kalkfilter",
         PNG, 39.9) for i in range(6)
    ]  # fmt: skip
    bestellungen = [
        (f"B-{i}", f"K-{1000 + i}", "2025-03-01", f"{p[0]} {p[1]}", "Königstraße 1",
         f"7017{i}", "Stuttgart", 12.5)
        for i, p in enumerate(PEOPLE)
    ]  # fmt: skip
    lieferanten = [
        (i, f"Weingut Nummer {i} GmbH", f"{p[0]} {p[1]}", "Weinsteige 4", f"7118{i}",
         "Esslingen", p[3], "https://www.example.com")
        for i, p in enumerate(PEOPLE)
    ]  # fmt: skip
    besuche = [
        (i, f"K-{1000 + i}", f"192.0.2.{i + 10}", AGENTS[i % 3], f"{i:02d}" + "ab12cd34" * 4)
        for i in range(6)
    ]  # fmt: skip
    sqlite_db(tmp_path / "shop.db", SHOP_SCHEMA, {
        "kunden": kunden, "artikel": artikel, "bestellungen": bestellungen,
        "lieferanten": lieferanten, "besuche": besuche,
    })  # fmt: skip
    return classify(write_config(tmp_path, "  shop: {type: sql, url: 'sqlite:///shop.db'}\n"))


def test_german_abbreviations_are_read_as_what_they_hold(
    shop: dict[str, TableClassification],
) -> None:
    assert shop["shop.kunden"].kind == "person"
    expected = {
        "kdnr": ("customer_id",), "anrede": ("identity",), "vorname": ("identity",),
        "nachname": ("identity",), "geb_datum": ("birthdate",), "strasse": ("address",),
        "hausnr": ("address",), "plz": ("address",), "ort": ("address",),
        "telefon": ("contact",), "handy": ("contact",), "mail": ("contact",),
        "iban": ("financial",), "kto_alt": ("financial",), "ust_id": ("government_id",),
        "steuer_id": ("government_id",), "foto": ("photo",),
    }  # fmt: skip
    for name, categories in expected.items():
        found = column(shop, f"shop.kunden.{name}")
        assert found.personal, name
        assert found.categories[: len(categories)] == categories, (name, found.categories)
    assert column(shop, "shop.kunden.mail").lookup == "email"
    assert column(shop, "shop.kunden.telefon").lookup == "phone"
    assert column(shop, "shop.kunden.vorname").lookup == "name"
    assert column(shop, "shop.kunden.kdnr").lookup == "id"
    for name in ("erstellt_am", "newsletter"):
        assert not column(shop, f"shop.kunden.{name}").personal, name


def test_value_checks_back_the_names_with_shares(shop: dict[str, TableClassification]) -> None:
    evidence = column(shop, "shop.kunden.iban").evidence
    assert "values: 6 of 6 sampled pass the IBAN check digits" in evidence
    assert (
        "values: 6 of 6 sampled pass the e-mail check" in column(shop, "shop.kunden.mail").evidence
    )
    assert any("birth-date check" in e for e in column(shop, "shop.kunden.geb_datum").evidence)
    assert column(shop, "shop.kunden.mail").confidence >= 0.9


def test_free_text_reports_special_categories_and_identifiers_but_no_words(
    shop: dict[str, TableClassification],
) -> None:
    notes = column(shop, "shop.kunden.bemerkung")
    assert notes.personal and notes.categories[0] == "free_text"
    assert "special" in notes.categories
    assert set(notes.special) == {"health", "religion"}
    assert notes.lookup == "text"
    joined = " ".join(notes.evidence)
    assert "phone numbers" in joined
    assert "Diabetikerin" not in joined and "koscher" not in joined


def test_catalogue_tables_are_not_personal(shop: dict[str, TableClassification]) -> None:
    artikel = shop["shop.artikel"]
    assert artikel.kind == "other"
    assert not artikel.personal, [c.column for c in artikel.columns if c.personal]


def test_orders_point_to_persons_and_copy_their_address(
    shop: dict[str, TableClassification],
) -> None:
    orders = shop["shop.bestellungen"]
    assert orders.kind == "document" and orders.person_table == "kunden"
    assert column(shop, "shop.bestellungen.kdnr").categories == ("customer_id",)
    for name in ("lief_name", "lief_strasse", "lief_plz", "lief_ort"):
        assert column(shop, f"shop.bestellungen.{name}").personal, name
    for name in ("bestellnr", "datum", "summe"):
        assert not column(shop, f"shop.bestellungen.{name}").personal, name


def test_a_supplier_is_a_company_but_its_contact_person_is_personal(
    shop: dict[str, TableClassification],
) -> None:
    suppliers = shop["shop.lieferanten"]
    assert suppliers.kind == "company"
    assert column(shop, "shop.lieferanten.ansprechpartner").categories == ("identity",)
    assert column(shop, "shop.lieferanten.telefon").categories == ("contact",)
    for name in ("firma", "strasse", "plz", "ort", "homepage"):
        assert not column(shop, f"shop.lieferanten.{name}").personal, name


def test_online_identifiers_in_a_visit_log(shop: dict[str, TableClassification]) -> None:
    for name in ("ip", "user_agent", "cookie_id"):
        found = column(shop, f"shop.besuche.{name}")
        assert found.categories == ("online_id",), name


# -- checksums settle it --------------------------------------------------------------------


def test_an_iban_column_needs_passing_check_digits(tmp_path: Path) -> None:
    sqlite_db(
        tmp_path / "bank.db",
        "CREATE TABLE konten (id INTEGER PRIMARY KEY, iban TEXT, referenz TEXT);",
        {"konten": [(i, iban, iban) for i, iban in enumerate(BROKEN_IBANS)]},
    )
    tables = classify(write_config(tmp_path, "  bank: {type: sql, url: 'sqlite:///bank.db'}\n"))
    named = column(tables, "bank.konten.iban")
    assert named.review and named.confidence < 0.7
    assert any("0 of 5 sampled pass the IBAN check digits" in e for e in named.evidence)
    assert not column(tables, "bank.konten.referenz").personal  # no name, no checksum: nothing


def test_valid_ibans_and_card_numbers_are_found_by_their_values_alone(tmp_path: Path) -> None:
    cards = ["4111111111111111", "5500005555555559", "4012888888881881", "378282246310005",
             "6011111111111117"]  # fmt: skip
    sqlite_db(
        tmp_path / "pay.db",
        "CREATE TABLE zahlungen (id INTEGER PRIMARY KEY, feld1 TEXT, feld2 TEXT, feld3 TEXT);",
        {"zahlungen": [(i, VALID_IBANS[i], cards[i], str(4111111111111112 + i))
                       for i in range(5)]},
    )  # fmt: skip
    tables = classify(write_config(tmp_path, "  pay: {type: sql, url: 'sqlite:///pay.db'}\n"))
    assert column(tables, "pay.zahlungen.feld1").categories == ("financial",)
    assert column(tables, "pay.zahlungen.feld2").categories == ("financial",)
    assert not column(tables, "pay.zahlungen.feld3").personal  # Luhn fails for most


def test_validators_on_single_values() -> None:
    assert is_iban("DE89 3704 0044 0532 0130 00") and not is_iban("DE89 3704 0044 0532 0130 01")
    assert is_card("4111 1111 1111 1111") and not is_card("4111 1111 1111 1112")
    assert is_email("a.b@example.com") and not is_email("a.b at example.com")
    assert is_phone("0171 2345678") and is_phone("+44 7700 900123") and is_phone("(0711) 12345-6")
    assert not is_phone(20240115) and not is_phone("2024-01-15") and not is_phone("12345678")
    assert is_tax_id("36574261809") and not is_tax_id("36574261808")
    assert is_vat_id("DE136695976") and not is_vat_id("DE136695977")
    assert is_ip("192.0.2.7") and is_ip("2001:db8::1") and not is_ip("1.2.3")
    assert is_user_agent(AGENTS[0]) and is_user_agent("Googlebot/2.1") and not is_user_agent("Hi")
    today = dt.date(2026, 10, 31)
    assert plausible_birthdate("1980-02-29", today) and plausible_birthdate("23.05.1978", today)
    assert not plausible_birthdate("2020-01-01", today) and not plausible_birthdate("1890-01-01")
    assert has_first_name("Jürgen Müller") and not has_first_name("Balls to the Wall")


# -- free text, German and English ------------------------------------------------------------


def test_special_terms_in_german_and_english() -> None:
    assert special_kinds("Kunde hat Zöliakie und eine Allergie") == {"health"}
    assert special_kinds("She is pregnant and uses a wheelchair") == {"health"}
    assert special_kinds("Mitglied bei ver.di, katholisch") == {"union_membership", "religion"}
    assert special_kinds("He mentioned he is gay") == {"sexual_orientation"}
    assert special_kinds("Er ist vorbestraft") == {"criminal"}
    assert special_kinds("Er hat uns gestern besucht und Krankenhausbetten bestellt") <= {"health"}
    assert special_kinds("Lieferung beschädigt, Ersatz verschickt") == set()
    assert embedded_identifiers("Bitte an a@example.com, IBAN DE89 3704 0044 0532 0130 00") == {
        "email",
        "iban",
    }


def test_a_csv_comment_column_with_health_terms(tmp_path: Path) -> None:
    rows = ["Name;E-Mail;Kommentar"]
    texts = [
        "Bitte glutenfrei, ich habe Zöliakie und vertrage nichts anderes.",
        "I am diabetic, please send the sugar-free version of the box.",
        "Komme mit dem Rollstuhl, bitte einen Platz ohne Stufen reservieren.",
        "Wir kommen zu zweit und bringen gute Laune und Hunger mit.",
        "Can I bring my own apron to the cooking class next Saturday?",
    ]
    for i, text in enumerate(texts):
        rows.append(f"{PEOPLE[i][0]} {PEOPLE[i][1]};{PEOPLE[i][2]};{text}")
    (tmp_path / "anmeldungen.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    tables = classify(write_config(tmp_path, "  events: {type: csv, path: anmeldungen.csv}\n"))
    table = next(iter(tables.values()))
    assert table.kind == "person"
    comment = next(c for c in table.columns if c.column == "Kommentar")
    assert comment.categories == ("free_text", "special") and comment.special == ("health",)
    assert any("3 of 5 sampled texts mention health terms" in e for e in comment.evidence)
    name = next(c for c in table.columns if c.column == "Name")
    assert name.categories == ("identity",) and name.lookup == "name"


# -- photos, overrides, context -----------------------------------------------------------------


def test_pictures_of_people_and_of_things(shop: dict[str, TableClassification]) -> None:
    assert column(shop, "shop.kunden.foto").categories == ("photo",)
    assert not column(shop, "shop.artikel.bild").personal


def test_dsr_yaml_overrides_win_and_say_so(tmp_path: Path) -> None:
    sqlite_db(
        tmp_path / "crm.db",
        "CREATE TABLE kunden (id INTEGER PRIMARY KEY, name TEXT, mail TEXT, kennung TEXT);",
        {"kunden": [(i, f"{p[0]} {p[1]}", p[2], f"X{i}") for i, p in enumerate(PEOPLE)]},
    )
    config = write_config(
        tmp_path,
        "  crm:\n    type: sql\n    url: 'sqlite:///crm.db'\n    columns:\n"
        "      kunden.mail: []\n      kunden.kennung: [customer_id]\n",
    )
    tables = classify(config)
    mail = column(tables, "crm.kunden.mail")
    assert (mail.personal, mail.confirmed, mail.review, mail.confidence) == (
        False,
        True,
        False,
        1.0,
    )
    assert mail.evidence == ("confirmed in dsr.yaml",)
    kennung = column(tables, "crm.kunden.kennung")
    assert kennung.personal and kennung.categories == ("customer_id",) and kennung.confirmed
    assert not column(tables, "crm.kunden.name").confirmed


def test_a_sampling_failure_leaves_names_to_decide(tmp_path: Path) -> None:
    sqlite_db(
        tmp_path / "broken.db",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);"
        "CREATE VIEW kaputt AS SELECT id, email, nichtda FROM users;",
        {},
    )
    tables = classify(write_config(tmp_path, "  b: {type: sql, url: 'sqlite:///broken.db'}\n"))
    assert column(tables, "b.users.email").categories == ("contact",)


# -- Chinook, with no configuration at all ----------------------------------------------------


@pytest.mark.shared_data
def test_chinook_classifies_without_any_configuration(tmp_path: Path) -> None:
    url = f"sqlite:///{CHINOOK_SQLITE}"
    tables = classify(write_config(tmp_path, f"  chinook: {{type: sql, url: '{url}'}}\n"))
    want = {
        "Customer": {"FirstName": "identity", "LastName": "identity", "Email": "contact",
                     "Phone": "contact", "Fax": "contact", "Address": "address",
                     "City": "address", "PostalCode": "address", "SupportRepId": "customer_id",
                     "CustomerId": "customer_id"},
        "Employee": {"FirstName": "identity", "BirthDate": "birthdate", "HireDate": "employment",
                     "Title": "employment", "ReportsTo": "customer_id", "Email": "contact"},
        "Invoice": {"CustomerId": "customer_id", "BillingAddress": "address",
                    "BillingCity": "address", "BillingPostalCode": "address"},
    }  # fmt: skip
    for table, columns in want.items():
        for name, category in columns.items():
            found = column(tables, f"chinook.{table}.{name}")
            assert found.personal and category in found.categories, (table, name, found)
    assert "employment" in column(tables, "chinook.Employee.ReportsTo").categories
    assert not column(tables, "chinook.Customer.Company").personal
    for table in (
        "Track",
        "Album",
        "Artist",
        "Genre",
        "MediaType",
        "Playlist",
        "PlaylistTrack",
        "InvoiceLine",
    ):
        assert not tables[f"chinook.{table}"].personal, table
    assert tables["chinook.Invoice"].kind == "document"


# -- evidence never quotes a value ----------------------------------------------------------------


def test_evidence_never_contains_a_sampled_value(tmp_path: Path) -> None:
    from dsr.demo import build_demo

    config_path = build_demo(tmp_path / "demo", customers=20, seed=7).config
    config = load_config(config_path)
    sampled: set[str] = set()
    evidence: list[str] = []
    for source in config.sources.values():
        connector = open_connector(source)
        try:
            for table in connector.tables():
                for row in connector.sample(table.name, 200):
                    sampled |= {
                        v.strip() for v in row.values()
                        if isinstance(v, str) and len(v.strip()) >= 4 and not v.strip().isdigit()
                    }  # fmt: skip
            for table in classify_source(source, connector):
                evidence += table.evidence
                for col in table.columns:
                    evidence += col.evidence
        finally:
            connector.close()
    assert any("@" in v for v in sampled)
    names = {c for c in sampled if "@" in c or " " in c or c[:1].isupper()}
    leaked = {v for v in names for line in evidence if v in line}
    # Table and column names legitimately appear in evidence; values do not.
    column_names = set()
    for source in config.sources.values():
        connector = open_connector(source)
        try:
            for table in connector.tables():
                column_names |= {table.name, *(c.name for c in table.columns)}
        finally:
            connector.close()
    leaked = {v for v in leaked if not any(v in name for name in column_names)}
    assert leaked == set()


# -- the name helper that `dsr sources check` uses ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("email", "email"), ("E-Mail-Adresse", "email"), ("customerEmail", "email"),
        ("Telefonnummer", "phone"), ("handy", "phone"), ("msisdn", "phone"),
        ("SupportRepId", "id"), ("customer_id", "id"), ("kdnr", "id"), ("Kundennummer", "id"),
        ("TrackId", None), ("InvoiceId", None), ("ProductName", None), ("UnitPrice", None),
        ("email_verified", None), ("created_at", None),
    ],
)  # fmt: skip
def test_identifier_kind_by_name(name: str, kind: str | None) -> None:
    assert identifier_kind(name) == kind


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("geb_datum", "birthdate"), ("GebDat", "birthdate"), ("Geburtsdatum", "birthdate"),
        ("plz", "postcode"), ("PostalCode", "postcode"), ("zip", "postcode"),
        ("Straße", "street"), ("Lieferstrasse", "street"), ("hausnr", "street"),
        ("ust_id", "tax_id"), ("svnr", "tax_id"), ("steuer_id", "tax_id"),
        ("FirstName", "person_name"), ("Nachname", "person_name"), ("ip_address", "ip"),
        ("useragent", "useragent"), ("device_id", "useragent"), ("pwd", "password"),
        ("Anrede", "salutation"), ("Geschlecht", "salutation"), ("gehalt", "salary"),
        ("eintritt", "hiring"), ("ReportsTo", "hiring"), ("avatar", "photo"),
        ("Bemerkung", "free_text"), ("kommentar", "free_text"), ("blz", "iban"),
        ("Default Address City", "place"), ("Card Last4", "card"),
    ],
)  # fmt: skip
def test_name_rules(name: str, rule: str) -> None:
    hint = name_hint(name)
    assert hint is not None and hint.rule.key == rule, (name, hint)


def test_an_unseen_club_schema_with_terse_german_names(tmp_path: Path) -> None:
    """A sports club's own database: `geb` for the birth date, a repetitive `bemerkung`
    column where one note in three speaks of back problems."""
    with sqlite3.connect(tmp_path / "verein.db") as db:
        db.execute(
            "CREATE TABLE mitglieder (mitgl_nr INTEGER PRIMARY KEY, vorname TEXT, name TEXT,"
            " e_mail TEXT, geb TEXT, bemerkung TEXT, gebuehr REAL)"
        )
        db.executemany(
            "INSERT INTO mitglieder VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    i + 1,
                    PEOPLE[i % 6][0],
                    PEOPLE[i % 6][1],
                    f"mitglied{i}@example.org",
                    f"{1950 + i}-0{1 + i % 9}-1{i % 9}",
                    "Rückenprobleme, kein Laufkurs" if i % 3 == 0 else "zahlt bar",
                    12.5,
                )
                for i in range(40)
            ],
        )
    tables = classify(write_config(tmp_path, "  verein: {type: sql, url: 'sqlite:///verein.db'}\n"))
    assert column(tables, "verein.mitglieder.geb").categories == ("birthdate",)
    notes = column(tables, "verein.mitglieder.bemerkung")
    assert notes.personal and "special" in notes.categories and notes.special == ("health",)
    assert not column(tables, "verein.mitglieder.gebuehr").personal


def test_first_names_are_kept_in_the_cache_folder_as_faker_has_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Faker's lists take 0.1 s to import in every classifying process: the first run keeps
    them in the cache folder (per Faker version), later runs read the same names there,
    and a damaged file is read afresh from Faker."""
    from dsr.classify import values

    monkeypatch.setenv("DSR_CACHE_DIR", str(tmp_path))
    values.first_names.cache_clear()
    expected = values._faker_first_names()
    assert "jürgen" in expected and "anna" in expected
    assert values.first_names() == expected
    (kept,) = (tmp_path / "first-names").glob("faker-*.txt")
    assert kept.stat().st_mode & 0o777 == 0o600
    values.first_names.cache_clear()

    def faker_again() -> frozenset[str]:
        raise AssertionError("read from Faker, not from the cache file")

    with monkeypatch.context() as patched:
        patched.setattr(values, "_faker_first_names", faker_again)
        assert values.first_names() == expected
    kept.write_text("anna\n", encoding="utf-8")  # no header: not dsr's file
    values.first_names.cache_clear()
    assert values.first_names() == expected
    values.first_names.cache_clear()
