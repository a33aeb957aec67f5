"""The SQL connector's lookups that use their index, and the opt-in mention index (issue 17).

An identifier test an index answers runs apart from the mention search, so the index
is used whatever the mention search costs. ``dsr sources index SOURCE`` builds a
trigram index on the free-text columns (SQLite FTS5, PostgreSQL pg_trgm); the lookup
asks it and finds exactly what it finds without it; an erasure leaves no erased text
in it; ``--drop`` removes it.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dsr.connectors.protocol import ErasureAction, Lookup
from dsr.connectors.rows import matches
from dsr.connectors.sql import SqlConnector, SqlOptions, engine_url
from dsr.connectors.sql.mention_index import PREFIX
from tests.helpers import dsr

ADDRESSES = [f"kunde{i:02d}@example.org" for i in range(30)]
"""More addresses than ``query.MANY_ADDRESSES``: the batch path of a mention search."""

NOTES = [
    (1, "anna.schmidt@example.de", "Rückfrage von ANNA.SCHMIDT@EXAMPLE.DE wegen Lieferung"),
    (2, "ben@example.de", "jÜrgen.müller@example.de schrieb,\r\nRückruf erbeten"),
    (3, "carla@example.de", 'Er sagte "Kowalski" am Telefon; 100% zufrieden'),
    (4, "dora@example.de", "Tab gewechselt"),
    (5, "emil@example.de", None),
    (6, "fritz@example.de", "kein Hinweis hier; ΣΩΚΡΑΤΗΣ und STRAẞE"),
    (7, "gina@example.de", "Pfad C:\\Temp\\a_b.txt, nicht axb; Rabatt 5!%"),
    (8, "hans@example.de", "Link: https://crm.example/?u=Kunde.X%40Example.org (ohne At-Zeichen)"),
    *[(10 + i, f"x{i}@example.com", f"Kopie an {a.upper() if i % 3 else a}") for i, a in
      enumerate(ADDRESSES[::2])],
]  # fmt: skip

LOOKUPS = [
    Lookup("notes", "email", frozenset({"dora@example.de", "EMIL@example.de"}), "casefold"),
    Lookup(
        "notes",
        "note",
        frozenset(
            {"anna.schmidt@example.de", "jürgen.müller@example.de", '"kowalski"', "100%", "ab",
             "ta", "nirgends@example.de", "σωκρατης", "straße", "c:\\temp", "a_b", "5!%",
             "x_b", "c:\\\\", "kunde.x%40example.org", "von anna", "kein hinweis",
             "schrieb, rückruf"}
        ),
        "contains",
    ),
    Lookup("notes", "note", frozenset(ADDRESSES), "contains"),
]  # fmt: skip


def _table(url: str, name: str, identifier: str, rows: list[tuple[Any, ...]]) -> None:
    """A table ``name`` (id, an identifier column, note) holding ``rows``."""
    metadata = sa.MetaData()
    table = sa.Table(
        name,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column(identifier, sa.String(200)),
        sa.Column("note", sa.Text),
    )
    if identifier == "email":
        sa.Index(f"ix_{name}_email_lower", sa.func.lower(table.c.email))
    engine = sa.create_engine(engine_url(url))
    try:
        metadata.create_all(engine)
        with engine.begin() as conn:
            columns = ("id", identifier, "note")
            conn.execute(table.insert(), [dict(zip(columns, r, strict=True)) for r in rows])
    finally:
        engine.dispose()


def build(url: str) -> None:
    _table(url, "notes", "email", NOTES)


def hits(source: SqlConnector) -> list[tuple[Any, ...]]:
    return sorted((h.key["id"], h.column, h.value) for h in source.find(LOOKUPS))


ENGINES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _source(request: pytest.FixtureRequest, tmp_path: Path, fill: Any) -> Iterator[SqlConnector]:
    """A source on a SQLite file or a fresh PostgreSQL database, ``fill``ed."""
    url = (
        f"sqlite:///{tmp_path / 'crm.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_db")
    )
    fill(url)
    source = SqlConnector("crm", SqlOptions.model_validate({"url": url}))
    yield source
    source.close()


@pytest.fixture(params=ENGINES)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlConnector]:
    yield from _source(request, tmp_path, build)


def sent_during(source: SqlConnector, work: Any) -> tuple[Any, list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        seen.append((statement, params))

    sa.event.listen(source.engine, "before_cursor_execute", record)
    try:
        result = work()
    finally:
        sa.event.remove(source.engine, "before_cursor_execute", record)
    return result, seen


def test_identifier_test_runs_apart_from_the_mention_search(database: SqlConnector) -> None:
    database.tables()
    found, sent = sent_during(database, lambda: hits(database))
    selects = [s for s, _ in sent if s.lstrip().upper().startswith("SELECT")]
    by_index = [s for s in selects if "lower(notes.email) IN" in s]
    assert len(by_index) == 1 and "LIKE" not in by_index[0]  # nothing forces a scan on it
    assert all("notes.email" not in s.split("WHERE", 1)[1] for s in selects if s not in by_index)
    assert len(selects) == 2  # one scan of the notes for all mention searches
    assert (4, "email", "dora@example.de") in found and (5, "email", "EMIL@example.de") in found


def test_same_matches_with_the_index_and_it_is_used(database: SqlConnector) -> None:
    database.tables()
    without = hits(database)
    columns = ("id", "email", "note")
    assert without == sorted(  # the one definition, on every stored row
        (row[0], lookup.column, value)
        for row in NOTES
        for lookup in LOOKUPS
        for value in matches(lookup.match, row[columns.index(lookup.column)], lookup.values)
    )
    assert (7, "note", "c:\\temp") in without and (7, "note", "a_b") in without
    assert (7, "note", "5!%") in without and (7, "note", "x_b") not in without
    assert (8, "note", "kunde.x%40example.org") in without  # a link, no "@" in the text
    assert (1, "note", "anna.schmidt@example.de") in without
    assert (2, "note", "jürgen.müller@example.de") in without
    assert (3, "note", '"kowalski"') in without and (3, "note", "100%") in without
    assert (4, "note", "ab") in without and (4, "note", "ta") in without
    assert (6, "note", "σωκρατης") in without and (6, "note", "straße") in without
    assert (1, "note", "von anna") in without and (6, "note", "kein hinweis") in without
    assert not any(h[2] == "schrieb, rückruf" for h in without)  # a line break, no space
    assert {h for h in without if h[2] in ADDRESSES} == {
        (10 + i, "note", a) for i, a in enumerate(ADDRESSES[::2])
    }
    built = database.create_mention_index([("notes", "note"), ("notes", "id")])
    assert [(i.table, i.column, i.kind) for i in built] == [
        ("notes", "note", "text"), ("notes", "note", "digits")
    ]  # text columns only  # fmt: skip
    with_index, sent = sent_during(database, lambda: hits(database))
    assert with_index == without
    spaced = Lookup("notes", "note", frozenset({"kein hinweis", "von anna"}), "contains")
    found = sorted((h.key["id"], h.value) for h in database.find([spaced]))
    assert found == [(1, "von anna"), (6, "kein hinweis")]  # asked as the index spells them
    statements = [s for s, _ in sent if "notes.note" in s or PREFIX in s]
    if database.engine.dialect.name == "sqlite":
        assert any("MATCH" in s for s in statements)
        with database.engine.connect() as conn:
            plan = conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN SELECT rowid FROM {PREFIX}notes__note "
                f"WHERE {PREFIX}notes__note MATCH '\"example.org\"'"
            ).all()
        assert any("VIRTUAL TABLE INDEX" in str(row) for row in plan)
    else:
        _, few = sent_during(database, lambda: list(database.find([LOOKUPS[1]])))
        statement, params = next((s, p) for s, p in few if "LIKE" in s and "note" in s)
        with database.engine.connect() as conn:
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = conn.exec_driver_sql("EXPLAIN " + statement, params).scalars().all()
        assert any(f"{PREFIX}notes__note" in line for line in plan), plan
    # The index answers the mention search in a statement of its own: ORed with a scanning
    # test (a phone number inside the notes), it would be a scan too.
    words = Lookup("notes", "note", frozenset({"kowalski", "rückfrage", "straße"}), "contains")
    within = Lookup("notes", "note", frozenset({"17"}), "digits_within")  # too short for it
    _, sent = sent_during(database, lambda: list(database.find([words, within])))
    scans = [s for s, p in sent if "%1%7%" in str(p)]
    asked = [s for s, _ in sent if "MATCH" in s or ("lower(notes.note)" in s and "LIKE" in s)]
    assert len(scans) == 1 and asked and scans[0] not in asked
    dropped = database.drop_mention_indexes()
    assert dropped == built
    assert database.mention_indexes() == []
    assert hits(database) == without


def _trigrams(text: str) -> set[str]:
    low = text.lower()
    return {low[i : i + 3] for i in range(len(low) - 2)}


def test_erasure_leaves_no_erased_text_in_the_sqlite_index(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    build(f"sqlite:///{path}")
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO notes VALUES (90, 'q@example.de', 'Rückruf an Qxjvorname Zwlnach')")
        db.execute("INSERT INTO notes VALUES (91, 'r@example.de', 'Gespräch mit Frau Mbqkfrau')")
    source = SqlConnector("crm", SqlOptions.model_validate({"url": f"sqlite:///{path}"}))
    source.tables()
    source.create_mention_index([("notes", "note")])
    result = source.apply(
        [
            ErasureAction("notes", {"id": 90}, "delete"),
            ErasureAction("notes", {"id": 91}, "redact", ("note",), substrings=("Mbqkfrau",)),
        ]
    )
    assert result.applied == 2 and source.warnings == []  # our triggers are no audit trail
    found = hits(source)
    source.close()
    erased = _trigrams("Qxjvorname Zwlnach") | _trigrams("Mbqkfrau")
    with sqlite3.connect(path) as db:
        remaining = " ".join(n or "" for (n,) in db.execute("SELECT note FROM notes"))
        gone = erased - _trigrams(remaining)
        shadow = b"".join(
            bytes(block) for (block,) in db.execute(f"SELECT block FROM {PREFIX}notes__note_data")
        )
        phrase = db.execute(
            f"SELECT count(*) FROM {PREFIX}notes__note WHERE {PREFIX}notes__note MATCH "
            '\'"mbqkfrau" OR "qxjvorname"\''
        ).fetchone()[0]
    assert {"qxj", "bqk", "zwl"} <= gone
    assert [t for t in gone if t.encode() in shadow] == []  # no tombstoned entry either
    assert phrase == 0
    assert b"Qxjvorname" not in path.read_bytes() and b"Mbqkfrau" not in path.read_bytes()
    assert (1, "note", "anna.schmidt@example.de") in found  # the index still answers


def test_sources_index_through_the_cli(module_demo: Path) -> None:
    """Build, use, erase through, and drop the shop's mention index; a CSV source is refused."""
    folder = module_demo
    shop = folder / "data" / "shop.db"
    before = dsr(folder, "find", "--email", "petra.klein@example.org", "--json", "shop").json
    built = dsr(folder, "sources", "index", "shop")
    assert "support_notes.note (words, numbers in the text)" in built.stdout
    assert "customers.phone (phone numbers)" in built.stdout
    with sqlite3.connect(shop) as db:
        assert db.execute(f"SELECT count(*) FROM {PREFIX}support_notes__note").fetchone()[0] > 0
    after = dsr(folder, "find", "--email", "petra.klein@example.org", "--json", "shop").json
    assert json.dumps(after, sort_keys=True) == json.dumps(before, sort_keys=True)
    assert "support_notes" in json.dumps(after)  # the mention in another customer's note
    # Another program writes her phone number into a note: dsr has not indexed its digits
    # yet, and finds it all the same (the triggers noted the row as changed).
    with sqlite3.connect(shop) as db:
        db.execute(
            "INSERT INTO support_notes VALUES (9001, 801, 'Nina Brandt', '2026-11-02 09:00:00', "
            "'Rückruf an die Nachbarin unter 0711 / 654 32 10 erbeten')"
        )
    noted = dsr(folder, "find", "--email", "petra.klein@example.org", "--json", "shop").json
    assert {"source": "shop", "table": "support_notes", "key": {"id": 9001}, "match": "mention",
            "via": "note mentions (phone)"} in noted["matches"]  # fmt: skip
    dsr(folder, "sources", "index", "shop")  # again: the changed row is indexed now
    with sqlite3.connect(shop) as db:
        assert db.execute(
            f"SELECT count(*) FROM {PREFIX}support_notes__note__digits__changed"
        ).fetchone() == (0,)
        assert db.execute(
            f"SELECT count(*) FROM {PREFIX}support_notes__note__digits "
            f"WHERE digits LIKE '%7116543210%'"
        ).fetchone() == (1,)
    again = dsr(folder, "find", "--email", "petra.klein@example.org", "--json", "shop").json
    assert again["matches"] == noted["matches"]
    checked = dsr(folder, "sources", "check", "shop").stdout
    assert PREFIX not in checked  # dsr's own tables are no data tables

    request = ("request", "new", "--type", "erasure", "--email", "petra.klein@example.org")
    rid = dsr(folder, *request, "--received", "2026-11-10", "--json").json["id"]
    dsr(folder, "erase", rid, "--json")
    executed = dsr(folder, "erase", rid, "--execute", "--json").json
    assert not executed["failed_sources"]
    verified = dsr(folder, "erase", rid, "--verify", "--json").json
    assert verified["residue"] == [] and verified["verified"] is True
    with sqlite3.connect(shop) as db:
        remaining = " ".join(n or "" for (n,) in db.execute("SELECT note FROM support_notes"))
        gone = _trigrams("petra.klein@example.org") - _trigrams(remaining)
        shadow = b"".join(
            bytes(b) for (b,) in db.execute(f"SELECT block FROM {PREFIX}support_notes__note_data")
        )
        digits = b"".join(
            bytes(b)
            for (b,) in db.execute(f"SELECT block FROM {PREFIX}support_notes__note__digits_data")
        )
        kept = db.execute("SELECT note FROM support_notes WHERE id = 9001").fetchone()
    assert gone and [t for t in gone if t.encode() in shadow] == []
    assert kept is None or "654" not in kept[0]  # the mention was erased ...
    assert b"7116543210" not in digits and b"654" not in digits  # ... and left the index
    assert b"7116543210" not in shop.read_bytes()

    dropped = dsr(folder, "sources", "index", "shop", "--drop")
    assert "3 columns" in dropped.stdout
    with sqlite3.connect(shop) as db:
        left = db.execute(
            "SELECT name FROM sqlite_master WHERE name LIKE 'dsr!_mention%' ESCAPE '!'"
        ).fetchall()
    assert left == []
    # --json, as every reporting command: what was indexed, what was dropped
    again = dsr(folder, "sources", "index", "shop", "--json").json
    assert again == {
        "source": "shop",
        "indexed": [
            {"table": "support_notes", "column": "note", "kinds": ["text", "digits"]},
            {"table": "customer_history", "column": "phone", "kinds": ["ending"]},
            {"table": "customers", "column": "phone", "kinds": ["ending"]},
        ],
        "dropped": 0,
    }
    assert dsr(folder, "sources", "index", "shop", "--drop", "--json").json["dropped"] == 3
    refused = dsr(folder, "sources", "index", "events", exit=2)
    assert "source 'events'" in refused.stderr and "csv" in refused.stderr
    assert "Traceback" not in refused.stderr + refused.stdout


PHONES = [
    "+49 171 2345678", "0171_2345678", "0171 2345678 (mobil)", "(0171) 234-5678", "0171/2345678",
    "1712345678.0", "0049.171.2345679", "١٧١٢٣٤٥٦٧٨", "Tel. 0711 12 34 56", "", None, "keine",
    "+49 (0)711 123-4567", "0711-555", "2345678", "12345678901234567890",
]  # fmt: skip
"""Phone numbers as people store them: separators, extensions, text, other digits."""


def test_many_phone_numbers_find_what_the_matcher_finds(database: SqlConnector) -> None:
    """Past MANY_ADDRESSES numbers the engine compares digit suffixes instead of LIKEs:
    the same rows as matching every stored value in Python."""
    from dsr.connectors.rows import matches
    from dsr.connectors.sql.query import MANY_ADDRESSES

    with database.engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO notes (id, email) VALUES (:id, :phone)"),
            [{"id": 100 + i, "phone": p} for i, p in enumerate(PHONES)],
        )
    wanted = {"1712345678", "2345678", "7111234567", "5678", "711123456", "555", "45678901234"}
    wanted |= {f"9{n:08d}" for n in range(MANY_ADDRESSES)}  # more than MANY_ADDRESSES
    database.tables()
    lookup = Lookup("notes", "email", frozenset(wanted), "digits")
    (found, sent) = sent_during(database, lambda: list(database.find([lookup])))
    assert not any("LIKE" in s for s, _ in sent)  # the suffix comparison ran
    got = sorted((h.key["id"], h.value) for h in found)
    expected = sorted(
        (100 + i, v) for i, p in enumerate(PHONES) for v in matches("digits", p, frozenset(wanted))
    )
    assert got == expected and len({k for k, _ in got}) >= 8


CALLS = [
    (1, "+49 171 2345678", "Rückruf unter 0171 / 234 56 78 erbeten"),
    (2, "0171_2345678", "Auftrag 4711 vom 02.03.2024, Tel. +49 (0)30 98765432"),
    (3, "(0171) 234-5678 (mobil)", "Fax 030-98765431; Kd.-Nr. 17123"),
    (4, "030 98765432", "zwei Nummern: 0171-2345679 und 0151 1223344"),
    (5, "keine", "Telefon\r\n0711\t555 12 34"),
    (6, "", None),
    (7, None, "ohne Ziffern"),
    (8, "1712345678.0", "mehrfach 98765432 98765432"),
    *[(20 + i, f"0160 {i:07d}", f"Kopie an 0160-{i:07d}") for i in range(30)],
]  # fmt: skip
"""Phone numbers as people store and write them: separators, line breaks, extensions,
text, two numbers in one note, a number split across spaces, dates and order numbers."""

NUMBERS = {"1712345678", "3098765432", "1712345679", "1511223344", "7115551234", "98765432"}
"""The numbers sought: national numbers, one written only inside a note, a short one."""


def _calls(url: str) -> None:
    _table(url, "calls", "phone", CALLS)


def _phone_lookups(*, short: bool = True) -> list[Lookup]:
    """A few and many numbers, in phones and in notes; ``short``: with numbers too short
    for the indexes, which make their statement a scan."""
    many = NUMBERS | {f"160{i:07d}" for i in range(0, 60, 2)}
    return [
        Lookup("calls", "phone", frozenset(NUMBERS | ({"45"} if short else set())), "digits"),
        Lookup("calls", "note", frozenset(NUMBERS | ({"17"} if short else set())), "digits_within"),
        Lookup("calls", "phone", frozenset(many), "digits"),  # more than MANY_ADDRESSES
        Lookup("calls", "note", frozenset(many), "digits_within"),
    ]


def _expected(rows: list[tuple[Any, ...]], lookups: list[Lookup]) -> list[tuple[Any, ...]]:
    """What the one definition (``rows.matches``) finds in the stored rows."""
    columns = ("id", "phone", "note")
    return sorted(
        {
            (row[0], lookup.column, value)
            for row in rows
            for lookup in lookups
            for value in matches(lookup.match, row[columns.index(lookup.column)], lookup.values)
        }
    )


def _found(source: SqlConnector, lookups: list[Lookup]) -> list[tuple[Any, ...]]:
    return sorted({(h.key["id"], h.column, h.value) for h in source.find(lookups)})


@pytest.fixture(params=ENGINES)
def calls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlConnector]:
    yield from _source(request, tmp_path, _calls)


def test_phone_numbers_are_found_by_the_digit_indexes_as_by_a_scan(calls: SqlConnector) -> None:
    """A phone column's last digits and a note's digits, indexed: the same rows as the
    matcher on every row, no scan for the numbers the indexes answer, a scan for those
    too short for them."""
    lookups = _phone_lookups()
    calls.tables()
    without = _found(calls, lookups)
    assert without == _expected(CALLS, lookups)
    assert (1, "note", "1712345678") in without and (5, "note", "7115551234") in without
    assert (3, "phone", "1712345678") in without and (8, "phone", "1712345678") not in without
    assert (2, "note", "3098765432") in without and (4, "note", "1511223344") in without
    built = calls.create_mention_index([("calls", "note")], [("calls", "phone"), ("calls", "id")])
    assert [(i.column, i.kind) for i in built] == [
        ("note", "text"), ("note", "digits"), ("phone", "ending")
    ]  # fmt: skip
    assert calls.index_serves("calls", "phone", "digits")  # as dsr sources check says
    assert calls.index_serves("calls", "note", "digits_within")
    assert not calls.index_serves("calls", "phone", "digits_within")  # an ending is no digits
    with_index, sent = sent_during(calls, lambda: _found(calls, lookups))
    assert with_index == without
    selects = [(s, str(p)) for s, p in sent if "FROM calls" in s]
    scans = [(s, p) for s, p in selects if "%1%7%" in p]
    # One scan, for the numbers too short for an index: "45" in phones (< ENDING digits),
    # "17" in notes (< three); the rest asks the indexes, each lookup in a statement.
    assert len(scans) == 1 and "45" in scans[0][1] and len(selects) == 3  # two asked
    assert not any("%1%7%1%2%" in p for _, p in selects)  # no long number scanned for
    answered = [s for s, _ in sent if "__digits" in s or "__ending" in s or "regexp_replace" in s]
    assert len(answered) >= 2
    if calls.engine.dialect.name == "postgresql":
        with calls.engine.connect() as conn:
            conn.exec_driver_sql("SET enable_seqscan = off")
            scanning = {s for s, _ in scans}
            asked = [
                (s, p)
                for s, p in sent
                if ("regexp_replace" in s or f"{PREFIX}windows_" in s) and s not in scanning
            ]
            used = set()
            for statement, params in asked:
                plan = " ".join(conn.exec_driver_sql("EXPLAIN " + statement, params).scalars())
                used |= {
                    name
                    for name in (f"{PREFIX}calls__note__digits", f"{PREFIX}calls__phone__ending")
                    if name in plan
                }
                assert used, plan
            assert len(used) == 2  # the notes' digit windows and the phones' endings
    dropped = calls.drop_mention_indexes()
    assert len(dropped) == 3 and calls.mention_indexes() == []
    assert not calls.index_serves("calls", "phone", "digits")
    assert _found(calls, lookups) == without


def test_rows_other_programs_change_are_found_before_the_sqlite_index_knows_them(
    tmp_path: Path,
) -> None:
    """Another program's writes reach the digit indexes only through triggers, which note
    the changed rows: a lookup takes them as candidates, ``create_mention_index`` again
    (``dsr sources index``) indexes them, and an erasure leaves no erased number behind."""
    path = tmp_path / "calls.db"
    _calls(f"sqlite:///{path}")
    source = SqlConnector("crm", SqlOptions.model_validate({"url": f"sqlite:///{path}"}))
    source.tables()
    source.create_mention_index([("calls", "note")], [("calls", "phone")])
    with sqlite3.connect(path) as db:  # no dsr_digits here: plain SQL triggers only
        db.execute("INSERT INTO calls VALUES (90, '+49 171 2345 678', 'neu: 0151-122 33 44')")
        db.execute("UPDATE calls SET note = 'jetzt 0171 2345678' WHERE id = 7")
        db.execute("UPDATE calls SET phone = '0049 151 1223344' WHERE id = 4")
        db.execute("UPDATE calls SET note = 'keine Nummer mehr' WHERE id = 1")
        db.execute("DELETE FROM calls WHERE id = 2")
        db.execute("INSERT INTO calls VALUES (91, x'30313731', x'0171')")  # blobs
        # REPLACE deletes the row it conflicts with (40) without its delete trigger
        db.execute("CREATE UNIQUE INDEX ux_calls_phone ON calls (phone)")
        db.execute("INSERT OR REPLACE INTO calls VALUES (93, '0160 0000020', 'ersetzt')")
        rows = db.execute("SELECT id, phone, note FROM calls").fetchall()
        orphan = db.execute(
            f'SELECT count(*) FROM "{PREFIX}calls__note__digits" WHERE rowid = 40'
        ).fetchone()
        changed = {
            table: db.execute(f'SELECT count(*) FROM "{PREFIX}calls__{table}__changed"').fetchone()[
                0
            ]
            for table in ("note__digits", "phone__ending")
        }
    assert changed == {"note__digits": 5, "phone__ending": 4}  # 90, 7, 1, 91, 93 / 90, 4, 91, 93
    assert orphan == (1,)  # what the replaced row held is still in the index
    lookups = _phone_lookups(short=False)  # no scan finds them
    found = _found(source, lookups)
    assert found == _expected(rows, lookups)
    assert (90, "note", "1511223344") in found and (7, "note", "1712345678") in found
    assert (4, "phone", "1511223344") in found and (1, "note", "1712345678") not in found
    source.create_mention_index([("calls", "note")], [("calls", "phone")])  # indexes them
    with sqlite3.connect(path) as db:
        orphans = [
            db.execute(f'SELECT count(*) FROM "{PREFIX}calls__{t}" WHERE rowid = 40').fetchone()
            for t in ("note__digits", "phone__ending")
        ]
        left = [
            db.execute(f'SELECT id FROM "{PREFIX}calls__{t}__changed"').fetchall()
            for t in ("note__digits", "phone__ending")
        ]
    assert left == [[(91,)], [(91,)]]  # only the blobs stay candidates
    assert orphans == [(0,), (0,)]  # and the replaced row's entries are gone
    assert _found(source, lookups) == found

    result = source.apply(
        [
            ErasureAction("calls", {"id": 90}, "delete"),
            ErasureAction("calls", {"id": 4}, "redact", ("note",), substrings=("0151 1223344",)),
            ErasureAction("calls", {"id": 4}, "null", ("phone",)),
        ]
    )
    assert result.applied == 3 and source.warnings == []
    after = _found(source, lookups)
    source.close()
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT id, phone, note FROM calls").fetchall()
        shadow = b"".join(
            bytes(b) for (b,) in db.execute(f'SELECT block FROM "{PREFIX}calls__note__digits_data"')
        )
        endings = db.execute(f'SELECT ending FROM "{PREFIX}calls__phone__ending"').fetchall()
        left = [
            db.execute(f'SELECT id FROM "{PREFIX}calls__{t}__changed"').fetchall()
            for t in ("note__digits", "phone__ending")
        ]
    assert after == _expected(rows, lookups)
    assert (4, "note", "1511223344") not in after and (4, "phone", "1511223344") not in after
    assert ("1223344",) not in endings and left == [[(91,)], [(91,)]]
    assert b"1511223344" not in shadow and b"1511223344" not in path.read_bytes()
    assert not any(t.encode() in shadow for t in ("151", "511", "112"))  # erased trigrams


def test_an_ending_index_of_another_length_keeps_answering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An index built when dsr kept five last digits answers as such after an update
    that keeps seven: it records its length."""
    from dsr.connectors.sql import mention_index

    path = tmp_path / "calls.db"
    _calls(f"sqlite:///{path}")
    source = SqlConnector("crm", SqlOptions.model_validate({"url": f"sqlite:///{path}"}))
    source.tables()
    monkeypatch.setattr(mention_index, "LAST_DIGITS", 5)
    source.create_mention_index([], [("calls", "phone")])
    monkeypatch.undo()
    assert [(i.kind, i.ending) for i in source.mention_indexes()] == [("ending", 5)]
    lookups = [Lookup("calls", "phone", frozenset(NUMBERS | {"0002"}), "digits")]
    found, sent = sent_during(source, lambda: _found(source, lookups))
    assert found == _expected(CALLS, lookups) and len(found) >= 4
    assert any("5678" in str(p) and "45678" in str(p) for _, p in sent)  # five digits asked
    source.close()


@pytest.mark.postgres
def test_erasure_with_vacuum_full_leaves_no_erased_text_in_the_postgres_indexes(
    postgres_db: str,
) -> None:
    """PostgreSQL keeps its indexes in step by itself; what an erasure leaves in them is
    gone once VACUUM FULL has rebuilt them (``vacuum: full``): the index files, read from
    the server's data directory, hold no trigram of the erased text or digits."""
    _calls(postgres_db)
    with sa.create_engine(engine_url(postgres_db)).begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO calls VALUES (95, '0049 152 9876543', 'Rückruf an Qxjvorname "
            "Zwlnach unter 0152 98 76 54 3')"
        )
    options = SqlOptions.model_validate({"url": postgres_db, "vacuum": "full"})
    source = SqlConnector("crm", options)
    source.tables()
    source.create_mention_index([("calls", "note")], [("calls", "phone")])
    result = source.apply([ErasureAction("calls", {"id": 95}, "delete")])
    assert result.applied == 1 and source.warnings == []
    with source.engine.connect() as conn:
        conn.exec_driver_sql("CHECKPOINT")
        folder = Path(str(conn.exec_driver_sql("SHOW data_directory").scalar()))
        files = {
            str(name): folder / str(path)
            for name, path in conn.execute(
                sa.text(
                    "SELECT relname, pg_relation_filepath(oid) FROM pg_class "
                    "WHERE starts_with(relname, :prefix)"
                ),
                {"prefix": PREFIX},
            )
        }
    source.close()
    if not all(path.is_file() for path in files.values()):
        pytest.skip("the server's data directory is not on this machine")
    held = {name: path.read_bytes() for name, path in files.items()}
    assert len(held) == 3
    text, digits = held[f"{PREFIX}calls__note"], held[f"{PREFIX}calls__note__digits"]

    def key(trigram: str) -> bytes:
        """pg_trgm's GIN key: the three bytes as one int4, in the server's byte order."""
        a, b, c = trigram.encode()
        return ((a << 16) | (b << 8) | c).to_bytes(4, sys.byteorder)

    def window(digits: str) -> bytes:
        """A digit window's GIN key: the digits as one int4, in the server's byte order."""
        return int(digits).to_bytes(4, sys.byteorder)

    assert key("fax") in text and window("9876543") in digits  # the remaining rows are in them
    assert not any(key(t) in text for t in ("qxj", "xjv", "zwl", "wln"))
    assert not any(window(w) in digits for w in ("0152987", "1529876", "5298765"))  # only erased
    assert b"9876543" not in held[f"{PREFIX}calls__phone__ending"]


@pytest.mark.postgres
def test_postgres_lookup_sessions_have_memory_for_exact_bitmaps(postgres_db: str) -> None:
    """A lookup session may use 64 MB per bitmap (the default 4 MB turned the bitmap of
    1,000 names in 10M notes lossy: 32 s instead of 3 s), past the pool's rollbacks; a
    database that allows more keeps its value."""
    source = SqlConnector("crm", SqlOptions.model_validate({"url": postgres_db}))
    for _ in range(2):  # the pool hands the same session out again after a rollback
        with source.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW work_mem").scalar() == "64MB"
            conn.rollback()
    database = sa.engine.make_url(engine_url(postgres_db)).database
    with source.engine.connect() as conn:
        conn.exec_driver_sql(f"ALTER DATABASE \"{database}\" SET work_mem = '200MB'")
        conn.commit()
    source.close()
    again = SqlConnector("crm", SqlOptions.model_validate({"url": postgres_db}))
    with again.engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW work_mem").scalar() == "200MB"
    again.close()


def _earlier_index(source: SqlConnector, table: str, name: str, expression: str) -> None:
    """A trigram index of the notes as an earlier dsr built it (``name`` after PREFIX)."""
    with source.engine.begin() as conn:
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        conn.exec_driver_sql(
            f"CREATE INDEX {PREFIX}{name} ON {table} USING gin ({expression} gin_trgm_ops)"
        )
        conn.exec_driver_sql(f"COMMENT ON INDEX {PREFIX}{name} IS 'note'")


@pytest.mark.postgres
def test_a_postgres_text_index_of_an_earlier_dsr_keeps_answering(postgres_db: str) -> None:
    """An index on plain lower(note), as dsr built it before spaces became a letter in
    it, is found and asked as built: the same rows, from the index."""
    build(postgres_db)
    source = SqlConnector("crm", SqlOptions.model_validate({"url": postgres_db}))
    _earlier_index(source, "notes", "notes__note", "lower(note)")
    source.tables()
    assert [(i.kind, i.spaces) for i in source.mention_indexes()] == [("text", " ")]
    found, sent = sent_during(source, lambda: hits(source))
    columns = ("id", "email", "note")
    assert found == sorted(
        (row[0], lookup.column, value)
        for row in NOTES
        for lookup in LOOKUPS
        for value in matches(lookup.match, row[columns.index(lookup.column)], lookup.values)
    )
    statement, params = next((s, p) for s, p in sent if "lower(notes.note) LIKE" in s)
    with source.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        plan = conn.exec_driver_sql("EXPLAIN " + statement, params).scalars().all()
    assert any(f"{PREFIX}notes__note" in line for line in plan), plan
    source.close()


@pytest.mark.postgres
def test_a_postgres_digit_trigram_index_of_an_earlier_dsr_keeps_answering(postgres_db: str) -> None:
    """An index of the notes' digit trigrams, as dsr built it before the digit windows,
    is found and asked as built: the same rows as the matcher, from the index."""
    _calls(postgres_db)
    source = SqlConnector("crm", SqlOptions.model_validate({"url": postgres_db}))
    digits = "regexp_replace(note, '[^0-9]', '', 'g')"
    _earlier_index(source, "calls", "calls__note__digits", digits)
    source.tables()
    assert [(i.kind, i.windows) for i in source.mention_indexes()] == [("digits", 0)]
    lookups = [lookup for lookup in _phone_lookups(short=False) if lookup.column == "note"]
    found, sent = sent_during(source, lambda: _found(source, lookups))
    assert found == _expected(CALLS, lookups) and (5, "note", "7115551234") in found
    asked = [(s, p) for s, p in sent if "regexp_replace(calls.note" in s]
    assert asked and not any("windows" in s for s, _ in sent)
    with source.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        for statement, params in asked:
            plan = " ".join(conn.exec_driver_sql("EXPLAIN " + statement, params).scalars())
            assert f"{PREFIX}calls__note__digits" in plan, plan
    # Built again, the index is kept as it is, without the function it does not use;
    # dropped, nothing of dsr's is left.
    built = source.create_mention_index([("calls", "note")], [])
    assert [(i.kind, i.windows) for i in built] == [("text", 0), ("digits", 0)]

    def functions() -> int:
        with source.engine.connect() as conn:
            query = "SELECT count(*) FROM pg_proc WHERE starts_with(proname, :prefix)"
            return int(conn.execute(sa.text(query), {"prefix": PREFIX}).scalar() or 0)

    assert functions() == 0
    assert len(source.drop_mention_indexes()) == 2 and functions() == 0
    source.close()


@pytest.mark.postgres
def test_postgres_digit_windows_in_a_schema_whose_name_needs_quotes(postgres_db: str) -> None:
    """The digit windows of a table in schema "Crm": dsr creates the function beside the
    table, calls it as the index was built (quoted, or PostgreSQL would look in "crm"),
    finds what the matcher finds, and drops the function with its last index; one that
    another index still uses stays."""
    engine = sa.create_engine(engine_url(postgres_db))
    with engine.begin() as conn:
        conn.exec_driver_sql('CREATE SCHEMA "Crm"')
        for table in ("calls", "others"):
            conn.exec_driver_sql(
                f'CREATE TABLE "Crm".{table} (id integer PRIMARY KEY, phone text, note text)'
            )
            conn.execute(
                sa.text(f'INSERT INTO "Crm".{table} VALUES (:id, :phone, :note)'),
                [dict(zip(("id", "phone", "note"), row, strict=True)) for row in CALLS],
            )
    engine.dispose()
    source = SqlConnector("crm", SqlOptions.model_validate({"url": postgres_db, "schema": "Crm"}))
    source.tables()
    built = source.create_mention_index([("calls", "note")], [])
    assert [(i.kind, i.windows) for i in built] == [("text", 0), ("digits", 7)]
    function = f'"Crm".{PREFIX}windows_7(text)'
    lookups = [lookup for lookup in _phone_lookups(short=False) if lookup.column == "note"]
    found, sent = sent_during(source, lambda: _found(source, lookups))
    assert found == _expected(CALLS, lookups) and (1, "note", "1712345678") in found
    asked = [(s, p) for s, p in sent if f'"Crm"."{PREFIX}windows_7"(' in s]
    assert asked
    with source.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        for statement, params in asked:
            plan = " ".join(conn.exec_driver_sql("EXPLAIN " + statement, params).scalars())
            assert f"{PREFIX}calls__note__digits" in plan, plan

    def exists() -> bool:
        with source.engine.connect() as conn:
            query = sa.text("SELECT to_regprocedure(:f) IS NOT NULL")
            return bool(conn.execute(query, {"f": function}).scalar())

    assert exists()
    with source.engine.begin() as conn:  # someone else's index on dsr's function
        theirs = f'CREATE INDEX theirs ON "Crm".others USING gin ({function[:-6]}(note))'
        conn.exec_driver_sql(theirs)
    assert len(source.drop_mention_indexes()) == 2 and exists()
    with source.engine.begin() as conn:
        conn.exec_driver_sql('DROP INDEX "Crm".theirs')
    source.create_mention_index([("calls", "note")], [])
    assert len(source.drop_mention_indexes()) == 2 and not exists()
    source.close()


@pytest.mark.postgres
def test_sources_index_on_postgres_through_the_cli(tmp_path: Path, postgres_db: str) -> None:
    """A PostgreSQL source indexed, asked and dropped through the CLI: the same matches
    before and after (her address and her phone number typed into other customers'
    notes), the function of the digit windows beside the table, and nothing of dsr's
    left after --drop."""
    people = [
        (1, "petra.klein@example.org", "Petra", "Klein", "+49 711 6543210"),
        *[(i, f"kunde{i}@example.com", f"Vorname{i}", f"Nachname{i}", f"0171 {i:07d}")
          for i in range(2, 40)],
    ]  # fmt: skip
    notes = [
        (1, 2, "Rückruf von Frau Klein unter 0711 / 654 32 10 erbeten"),
        (2, 3, "Kopie der Rechnung an PETRA.KLEIN@example.org geschickt"),
        (3, 1, "Lieferung an Nachbarn, Auftrag 4711 vom 02.03.2024"),
        *[(i, i, f"Rückfrage wegen Lieferung {i}, Tel. 030 {i:06d}") for i in range(4, 40)],
    ]
    engine = sa.create_engine(engine_url(postgres_db))
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE customers (id integer PRIMARY KEY, email text, first_name text, "
            "last_name text, phone text)"
        )
        conn.exec_driver_sql(
            "CREATE TABLE support_notes (id integer PRIMARY KEY, "
            "customer_id integer REFERENCES customers, note text)"
        )
        conn.execute(
            sa.text("INSERT INTO customers VALUES (:i, :e, :f, :l, :p)"),
            [dict(zip("iefl" + "p", row, strict=True)) for row in people],
        )
        conn.execute(
            sa.text("INSERT INTO support_notes VALUES (:i, :c, :n)"),
            [dict(zip("icn", row, strict=True)) for row in notes],
        )
    engine.dispose()
    folder = tmp_path
    (folder / "dsr.yaml").write_text(
        f"controller: {{name: Test GmbH}}\nsources:\n  crm: {{type: sql, url: '{postgres_db}'}}\n",
        encoding="utf-8",
    )
    find = ("find", "--email", "petra.klein@example.org", "--json")
    before = dsr(folder, *find).json
    mentions = {(m["table"], m["key"]["id"]) for m in before["matches"] if m["match"] == "mention"}
    assert {("support_notes", 1), ("support_notes", 2)} <= mentions

    built = dsr(folder, "sources", "index", "crm", "--json").json
    assert built == {
        "source": "crm",
        "indexed": [
            {"table": "support_notes", "column": "note", "kinds": ["text", "digits"]},
            {"table": "customers", "column": "phone", "kinds": ["ending"]},
        ],
        "dropped": 0,
    }
    function = f"public.{PREFIX}windows_7(text)"
    engine = sa.create_engine(engine_url(postgres_db))
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT to_regprocedure(:f)"), {"f": function}).scalar()
    after = dsr(folder, *find).json
    assert json.dumps(after, sort_keys=True) == json.dumps(before, sort_keys=True)
    assert PREFIX not in dsr(folder, "sources", "check", "crm").stdout

    assert (
        dsr(folder, "sources", "index", "crm", "--drop", "--json").json["dropped"] == 2
    )  # columns
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT to_regprocedure(:f)"), {"f": function}).scalar() is None
        left = conn.execute(
            sa.text("SELECT count(*) FROM pg_class WHERE starts_with(relname, :p)"), {"p": PREFIX}
        ).scalar()
    engine.dispose()
    assert left == 0
    assert json.dumps(dsr(folder, *find).json, sort_keys=True) == json.dumps(before, sort_keys=True)
