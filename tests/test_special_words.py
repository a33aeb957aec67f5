"""Special-category terms count as words of running text, not inside names (issue 16).

"Krebs" is cancer and a surname, "Wilfried-Krebs-Allee" a street, "Dr. Sick" a
doctor: an Art. 9 finding from a street name puts a harmless table under Art. 9.
The sentences below are what staff write into notes and tickets; the CLI test
runs `dsr inventory` on a small shop whose delivery notes name such streets and
people, and whose tickets hold one real mention.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dsr.classify.text import special_kinds
from tests.helpers import run

MENTIONS: list[tuple[str, set[str]]] = [
    ("Kundin hat Krebs", {"health"}),
    ("nach ihrer Krebsdiagnose ruft sie später an", {"health"}),
    ("Krebs-Diagnose im März, Lieferung bitte verschieben", {"health"}),
    ("Krebs. Bitte keine Werbung mehr", {"health"}),
    ("Ihr Mann hat Darmkrebs", {"health"}),
    ("wegen Zöliakie nur glutenfrei", {"health"}),
    ("Wegen meiner Zöliakie kann ich das nicht essen", {"health"}),
    ("Diabetikerin, bitte zuckerfrei", {"health"}),
    ("customer is diabetic", {"health"}),
    ("She was sick last week", {"health"}),
    ("Kunde ist krank, Rückruf nächste Woche", {"health"}),
    ("Die Kranke kann nicht zur Tür kommen", {"health"}),
    ("sucht einen Therapieplatz in der Nähe", {"health"}),
    ("war im Krankenhaus, Paket beim Nachbarn", {"health"}),
    ("Er ist Jude und bestellt nur koscher", {"religion"}),
    ("He mentioned he is gay", {"sexual_orientation"}),
    ("Mitglied der AfD, will keine Post", {"political_opinion"}),
    ("Mitglied im DGB", {"union_membership"}),
    ("Er ist vorbestraft", {"criminal"}),
    ("Anna hat Diabetes", {"health"}),
    ("Herr Meier ist krank", {"health"}),
    ("Frau Schulz, schwanger, bittet um Lieferung ins Erdgeschoss", {"health"}),
]

NAMES: list[str] = [
    "Krebs-Allee",
    "Wilfried-Krebs-Allee 5",
    "Lieferung in die Wilfried-Krebs-Allee 5, 70563 Stuttgart",
    "Krebsstraße 12",
    "Am Krebsbach 3",
    "Krebsgasse 8/9",
    "Herzogstraße 4",
    "Herzog",
    "Glaubitz",
    "Gerd Glaubitz",
    "Glaubensgemeinschaftsweg 7",
    "Lieferung an Frau Herzog",
    "Hallo Herr Krebs, das tut uns leid.",
    "Mit freundlichen Grüßen\nAndree Krebs",
    "Rückruf Krebs, Andree",
    "Frau Dr. Krebs bestellt erneut",
    "Frau Müller-Krebs ruft zurück",
    "Familie Kranke ist umgezogen",
    "Termin bei Dr. Sick",
    "Mr Sick called about his order",
    "Sickingenstraße 3",
    "Herr Sickinger ruft zurück",
    "Hr. Krebs meldet sich morgen",
    "Judenstraße 2",
    "Gaylord Smith ordered twice",
    "Hospitalstraße 3",
    "Synagogen-Platz 1",
    "An der Kirche 5",
    "Diabetes-Str. 4",
    "Kirchengemeindeweg 12",
]


@pytest.mark.parametrize(("text", "kinds"), MENTIONS, ids=[t for t, _ in MENTIONS])
def test_a_mention_in_running_text_counts(text: str, kinds: set[str]) -> None:
    assert special_kinds(text) == kinds


@pytest.mark.parametrize("text", NAMES)
def test_a_street_or_a_persons_name_is_no_mention(text: str) -> None:
    assert special_kinds(text) == set()


def test_a_name_beside_a_mention_does_not_hide_the_mention() -> None:
    assert special_kinds("Frau Krebs hat Krebs") == {"health"}
    assert special_kinds("Wilfried-Krebs-Allee 5: Kundin ist Diabetikerin") == {"health"}


# --- end to end through the CLI --------------------------------------------------------------

_STREETS = ["Wilfried-Krebs-Allee 5", "Krebsgasse 8", "Herzogstraße 4", "Am Krebsbach 3"]
_NOTES = [
    "Lieferung an Frau Herzog, bitte klingeln",
    "Paket für Herrn Krebs in die Wilfried-Krebs-Allee 5",
    "Familie Kranke ist umgezogen, neue Anschrift folgt",
    "Dr. Sick bestellt erneut, bitte Rechnung per Post",
    "Gerd Glaubitz holt die Ware selbst ab",
    "Lieferung an die Krebs-Allee 12 ab Montag",
]
_TICKETS = [
    "Die Kundin hat Krebs und bittet um Verschiebung der Lieferung",
    "Bitte die Rechnung noch einmal per E-Mail schicken",
    "Die Lieferung kam beschädigt an, bitte Ersatz schicken",
    "Ich möchte meine Bestellung stornieren, danke",
    "Wann kommt meine Bestellung? Ich warte seit einer Woche",
]


def test_inventory_reports_only_the_real_mention(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "shop.db") as con:
        con.execute(
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,"
            " email TEXT, street TEXT, delivery_note TEXT)"
        )
        con.executemany(
            "INSERT INTO customers (first_name, last_name, email, street, delivery_note)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                ("Anna", f"Muster{i}", f"person{i}@example.org", _STREETS[i % len(_STREETS)],
                 _NOTES[i % len(_NOTES)])
                for i in range(30)
            ],
        )  # fmt: skip
        con.execute(
            "CREATE TABLE tickets (id INTEGER PRIMARY KEY,"
            " customer_id INTEGER REFERENCES customers (id), message TEXT)"
        )
        con.executemany(
            "INSERT INTO tickets (customer_id, message) VALUES (?, ?)",
            [(i + 1, _TICKETS[i % len(_TICKETS)]) for i in range(20)],
        )
    (tmp_path / "dsr.yaml").write_text(
        "controller: {name: Test GmbH}\nsources:\n  shop: {type: sql, url: 'sqlite:///shop.db'}\n",
        encoding="utf-8",
    )
    doc = run("inventory", "--json", "--format", "json", exit=0, cwd=tmp_path).json
    columns = {(c["table"], c["column"]): c for c in doc["columns"]}
    assert "free_text" in columns["customers", "delivery_note"]["categories"]  # it was scanned
    special = [
        (f["source"], f["table"], f["column"], f["special"])
        for f in doc["findings"]
        if f["kind"] == "special_category"
    ]
    assert special == [("shop", "tickets", "message", ["health"])]
    assert "special" not in columns["customers", "delivery_note"]["categories"]
    assert "special" not in columns["customers", "street"]["categories"]
