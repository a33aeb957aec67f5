"""The access answer as a customer reads it, through the CLI on the demo company: other
people recognised by the sources and blacked out (Art. 15(4)), the data section with
human labels, dates and order, and the ZIP's CSV files as German Excel opens them."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import zipfile
from decimal import Decimal
from pathlib import Path

from dsr.access.columns import display, html_text
from dsr.classify.values import first_names
from tests.helpers import dsr


def _answer(demo: Path, email: str, language: str = "de", *extra: str) -> tuple[str, Path]:
    rid = dsr(
        demo, "request", "new", "--type", "access", "--email", email,
        "--received", "2026-11-10", "--language", language, "--json",
    ).json["id"]  # fmt: skip
    folder = Path(dsr(demo, "access", rid, *extra, "--json").json["folder"])
    return rid, folder


def _everything(folder: Path) -> str:
    """Every letter and every file of the ZIP as one text."""
    text = "".join(
        p.read_text(encoding="utf-8") for p in folder.iterdir() if p.suffix in (".md", ".html")
    )
    [data] = [p for p in folder.iterdir() if p.suffix == ".zip"]
    with zipfile.ZipFile(data) as archive:
        text += "".join(archive.read(n).decode("utf-8-sig") for n in archive.namelist())
    return text


def _letter(folder: Path) -> str:
    [letter] = [
        p
        for p in folder.iterdir()
        if p.suffix == ".md" and p.name.startswith(("auskunft", "access"))
    ]
    return letter.read_text(encoding="utf-8")


def test_a_customer_the_shop_knows_is_blacked_out_in_a_note(demo: Path) -> None:
    """Thomas Becker's own note names another customer whose first name is on no list
    (Quirina Zwetschke) and her street, which no street pattern knows (Im Winkel 7): the
    shop's customer table knows her, so she is blacked out in his letter and ZIP, in both
    languages, and the letter says that and why. His own words and products stay."""
    assert "quirina" not in first_names() and "zwetschke" not in first_names()
    with sqlite3.connect(demo / "data" / "shop.db") as db:
        [thomas] = db.execute(
            "SELECT id FROM customers WHERE email = 'thomas.becker@example.com'"
        ).fetchone()
        [other] = db.execute(
            "SELECT max(id) FROM customers WHERE id <> ? AND email NOT LIKE 'petra%'", (thomas,)
        ).fetchone()
        db.execute(
            "UPDATE customers SET first_name = 'Quirina', last_name = 'Zwetschke' WHERE id = ?",
            (other,),
        )
        db.execute("UPDATE addresses SET street = 'Im Winkel 7' WHERE customer_id = ?", (other,))
        db.execute(
            "INSERT INTO support_notes (customer_id, author, created_at, note) VALUES "
            "(?, 'Nina Brandt', '2025-12-01 09:00:00', ?)",
            (
                thomas,
                "Rückruf: Quirina Zwetschke (Im Winkel 7) hat den Geschenkkorb „Schwäbische "
                "Alb“ angenommen; Frau Zwetschke bringt ihn vorbei.",
            ),
        )
    for language, mark, reason in (
        ("de", "[geschwärzt]", "Art. 15 Abs. 4 DSGVO"),
        ("en", "[redacted]", "Art. 15(4) GDPR"),
    ):
        _, folder = _answer(demo, "thomas.becker@example.com", language)
        everything = _everything(folder)
        for secret in ("Quirina", "Zwetschke", "Im Winkel 7", "Petra", "petra.klein"):
            assert secret.casefold() not in everything.casefold(), (language, secret)
        assert f"Rückruf: {mark} ({mark}) hat den Geschenkkorb" in everything
        assert "Schwäbische Alb" in everything and "thomas.becker@example.com" in everything
        assert reason in _letter(folder)


def test_thomas_gets_nothing_of_the_people_his_rows_point_to(demo: Path) -> None:
    """His ticket points to the agent who answered (a Zendesk user): the link is his, the
    agent's row is not copied."""
    _, folder = _answer(demo, "thomas.becker@example.com")
    with zipfile.ZipFile(next(folder.glob("*.zip"))) as archive:
        users = json.loads(archive.read("zendesk/users.json"))
    assert [u["email"].casefold() for u in users] == ["thomas.becker@example.com"]
    assert "nina.brandt@example.com" not in _everything(folder)


def test_the_data_section_reads_as_a_letter(demo: Path) -> None:
    """Jürgen's data: tables in the order his data hang together, human labels, dates,
    yes/no, text instead of HTML, no vendor internals; in German and in English."""
    _, folder = _answer(demo, "juergen.mueller@example.com")
    letter = _letter(folder)
    data = letter.split("## Ihre Daten", 1)[1]
    places = [data.index(f"({t})") for t in ("customers", "orders", "invoices", "invoice_lines")]
    assert places == sorted(places)
    assert (
        data.index("Kundenservice (Zendesk-Export)")
        < data.index("(users)")
        < data.index("(tickets)")
        < data.index("(comments)")
    )
    invoices = re.findall(r"RE-\d{4}-\d{5}", data.split("(invoices)")[1].split("####")[0])
    assert len(invoices) >= 2 and invoices == sorted(invoices)  # by key: oldest first
    for label in ("E-Mail-Adresse", "Geburtsdatum", "Rechnungsnummer", "Bewertung durch Mailchimp"):
        assert label in data, label
    assert "23.05.1978" in data and "| Ja |" in data
    assert "in der Datei `daten-" in data  # the technical fields are named as left out
    for raw in (
        "GMTOFF", "via.source.rel", "customer_id", "MEMBER_RATING", "<div", "zd-comment",
        "| True |", "| [] |", "1978-05-23", "T08:47", "Kundennummern und interne Kennungen",
        "generated_timestamp", "html_body",
    ):  # fmt: skip
        assert raw not in data, raw

    _, folder = _answer(demo, "juergen.mueller@example.com", "en")
    data = _letter(folder).split("## Your data", 1)[1]
    for text in ("E-mail address", "Date of birth", "23 May 1978", "| Yes |", "Invoice number"):
        assert text in data, text
    assert "Geburtsdatum" not in data and "Rechnungsnummer" not in data


def test_labels_from_dsr_yaml_win(demo: Path) -> None:
    """``sources.shop.labels`` names a column in each language; the letter uses it."""
    config = demo / "dsr.yaml"
    text = config.read_text(encoding="utf-8")
    head = "  shop:\n    type: sql\n"
    assert head in text
    config.write_text(
        text.replace(
            head,
            head + "    labels:\n"
            "      customer_number: {de: Ihre Kundennummer, en: Your customer number}\n"
            "      orders.payment_method: So bezahlt\n",
        ),
        encoding="utf-8",
    )
    _, folder = _answer(demo, "juergen.mueller@example.com")
    data = _letter(folder).split("## Ihre Daten", 1)[1]
    assert "| Ihre Kundennummer |" in data and "So bezahlt" in data
    _, folder = _answer(demo, "juergen.mueller@example.com", "en")
    assert "| Your customer number |" in _letter(folder)


def test_csv_files_open_in_german_excel_with_the_json_values(demo: Path) -> None:
    """Every table's CSV: UTF-8 with BOM, semicolons, and the same values as its JSON (text
    as it is, anything else as JSON writes it; formulas defused with a quote). The data
    dictionary gives label, category, purpose and storage period per column."""
    _, folder = _answer(demo, "juergen.mueller@example.com")
    with zipfile.ZipFile(next(folder.glob("*.zip"))) as archive:
        names = archive.namelist()
        tables = [n for n in names if n.endswith(".json") and n != "manifest.json"]
        assert len(tables) >= 10
        for name in tables:
            records = json.loads(archive.read(name))
            raw = archive.read(name.removesuffix(".json") + ".csv")
            assert raw.startswith("\ufeff".encode())
            rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
            assert rows[0] == list(records[0])
            assert len(rows) == len(records) + 1
            for record, row in zip(records, rows[1:], strict=True):
                expected = [
                    ""
                    if v is None
                    else v
                    if isinstance(v, str)
                    else json.dumps(v, ensure_ascii=False)
                    for v in record.values()
                ]
                assert [_defused(c) for c in row] == expected, name
        dictionary = list(
            csv.reader(
                io.StringIO(archive.read("dictionary.csv").decode("utf-8-sig")), delimiter=";"
            )
        )
    assert dictionary[0] == [
        "Datei",
        "Spalte",
        "Bezeichnung",
        "Kategorie",
        "Zweck",
        "Speicherdauer",
    ]
    entries = {(r[0], r[1]): r for r in dictionary[1:]}
    email = entries["shop/customers.csv", "email"]
    assert email[2] == "E-Mail-Adresse" and email[3].startswith("Kontaktdaten")
    assert "Vertragsabwicklung" in email[4] and email[5]
    assert "8 Jahre" in entries["shop/invoices.csv", "invoice_number"][5]
    # The period the letter, the record and the plan give (dsr.erasure.periods): an
    # invoice's lines are kept with it, the web sessions have their own period.
    assert entries["shop/invoice_lines.csv", "sku"][5].startswith("so lange wie Rechnungen: 8")
    assert entries["shop/web_sessions.csv", "ip_address"][5] == "90 Tage nach dem Besuch"
    assert entries["mailchimp/subscribed.csv", "GMTOFF"][2] == "Interne Angabe des Anbieters"
    labels = [r[2] for r in dictionary[1:]]
    assert (
        sum(
            label == column
            for label, column in zip(labels, (r[1] for r in dictionary[1:]), strict=True)
        )
        <= len(labels) // 4
    )


def _defused(cell: str) -> str:
    """The value behind a cell whose leading quote keeps Excel from running a formula."""
    return cell[1:] if cell.startswith("'") and cell[1:2] in ("=", "+", "-", "@") else cell


def test_values_as_people_write_them() -> None:
    zendesk = '<div class="zd-comment" dir="auto"><p>Hallo,</p><p>Korb &amp; Karte</p></div>'
    assert display(zendesk, "de") == "Hallo,\nKorb & Karte"
    assert html_text("3 < 4 and 5 > 2") == ""  # not HTML
    assert display("3 < 4 and 5 > 2", "de") == "3 < 4 and 5 > 2"
    assert display("2024-12-02T08:47:10Z", "de") == "02.12.2024, 09:47 Uhr"  # Berlin time
    assert display("2024-12-02T08:47:10Z", "en") == "2 December 2024, 09:47"
    assert display("2026-12-07", "de") == "07.12.2026"
    assert display("2019-04-01T00:00:00", "en") == "1 April 2019"
    assert display(True, "de") == "Ja" and display(False, "en") == "No"
    assert display([], "de") == "" and display("[]", "de") == ""
    assert display(["versand", "nachforschung"], "de") == "versand, nachforschung"
    # Amounts as the reader writes them; a stored Decimal keeps its places; numbers that
    # are names (order 1002374) get no thousands separator.
    assert display(70.12, "de") == "70,12" and display(70.12, "en") == "70.12"
    assert display(Decimal("5.50"), "de") == "5,50" and display(19.0, "de") == "19"
    assert display(1002374, "de") == "1002374" and display(1234567.5, "de") == "1234567,5"
    assert display(float("nan"), "de") == "NaN"
