"""The ``sql`` connector against real SQLite files and real PostgreSQL and MariaDB servers.

These tests call the connector directly (no CLI, so no exit codes): the
conformance suite on a small ``people`` table on each engine, the Chinook
database in SQLite, PostgreSQL and MariaDB with exact row counts, keys and
lookups, Northwind's awkward names and broken view, index use for
case-insensitive e-mail lookups, batched finds, atomic erasure, and the bad
inputs (missing file, wrong password, unreachable server, unknown database).
"""

from __future__ import annotations

import re
import shutil
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from dsr.connectors.protocol import ErasureAction, ForeignKey, Lookup
from dsr.connectors.rows import matches, read_rows, row_id
from dsr.connectors.sql import SqlConnector, SqlOptions, engine_url
from dsr.connectors.testing import ID_FORMS, PHONE_FORMS, ConnectorContract, Subject
from dsr.errors import SourceError
from tests import mariadb, pg
from tests.shared_data import SHARED_DATA, load_chinook_into_postgres

SHARED = SHARED_DATA
BACKENDS = [
    pytest.param("sqlite"),
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("mariadb", marks=pytest.mark.mariadb),
]


def open_source(url: str, name: str = "db", **options: Any) -> SqlConnector:
    return SqlConnector(name, SqlOptions.model_validate({"url": url, **options}))


@pytest.fixture
def connectors() -> Iterator[Callable[..., SqlConnector]]:
    """Opens connectors and closes them all after the test (servers drop the databases)."""
    opened: list[SqlConnector] = []

    def make(url: str, name: str = "db", **options: Any) -> SqlConnector:
        connector = open_source(url, name, **options)
        opened.append(connector)
        return connector

    yield make
    for connector in opened:
        connector.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """``(engine, url)`` of a fresh, empty database on SQLite, PostgreSQL or MariaDB."""
    if request.param == "sqlite":
        return "sqlite", f"sqlite:///{tmp_path / 'people.db'}"
    fixture = "postgres_db" if request.param == "postgres" else "mariadb_db"
    return request.param, request.getfixturevalue(fixture)


@contextmanager
def statements(connector: SqlConnector) -> Iterator[list[tuple[str, Any]]]:
    """Every statement the connector sends while the block runs."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        seen.append((statement, params))

    sa.event.listen(connector.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(connector.engine, "before_cursor_execute", record)


def free_port() -> int:
    """A loopback port nobody listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- a small people database, built with SQLAlchemy ------------------------------------------

PEOPLE = [
    {
        "id": 1,
        "email": "Anna.Schmidt@Example.DE",
        "phone": "+49 (0)711 123-4567",
        "note": "Rückruf erbeten",
        "photo": None,
    },
    {
        "id": 2,
        "email": "ben.weber@example.de",
        "phone": "0711 / 98 76 54",
        "note": "Herr Kowalski rief an, 100% zufrieden",
        "photo": None,
    },
    {"id": 3, "email": "CARLA@EXAMPLE.DE", "phone": None, "note": None, "photo": b"\x89PNG"},
    {"id": 4, "email": "dora@example.de", "phone": "0711-555", "note": "", "photo": None},
]
ORDERS = [
    {"id": 10, "person_id": 2, "item": "Tee"},
    {"id": 11, "person_id": 2, "item": "Kaffee"},
    {"id": 12, "person_id": 4, "item": "Kakao"},
]


HARD_PHONES = {phone: 5 + i for i, phone in enumerate(PHONE_FORMS)}
"""The conformance suite's phone forms, by the id of the row holding each."""
HARD_IDS = {"int": ("num", 8), "text": ("code", 9), "float": ("amount", 10),
            "padded": ("code", 11), "longer": ("code", 12)}  # fmt: skip
"""The suite's id forms: column and row id (an integer, a text and a float column)."""


def hard_rows() -> list[dict[str, Any]]:
    """Rows for ``build_people(hard=True)``: the phone forms, then each id form."""
    rows = [{"id": i, "phone": phone} for phone, i in HARD_PHONES.items()]
    rows += [{"id": i, column: ID_FORMS[form]} for form, (column, i) in HARD_IDS.items()]
    return rows


def build_people(
    url: str, *, lower_index: bool = False, plain_index: bool = False, hard: bool = False
) -> None:
    """PEOPLE and ORDERS; with ``hard``, also the columns and rows of ``hard_rows``."""
    metadata = sa.MetaData()
    extra = (
        [sa.Column("code", sa.String(20)), sa.Column("num", sa.Integer),
         sa.Column("amount", sa.Float)]
        if hard
        else []
    )  # fmt: skip
    people = sa.Table(
        "people",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(200)),
        sa.Column("phone", sa.String(40)),
        sa.Column("note", sa.Text),
        sa.Column("photo", sa.LargeBinary),
        *extra,
    )
    sa.Table(
        "orders",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id"), nullable=False),
        sa.Column("item", sa.String(100)),
    )
    if lower_index:
        sa.Index("ix_people_email_lower", sa.func.lower(people.c.email))
    if plain_index:
        sa.Index("ix_people_email", people.c.email)
    engine = sa.create_engine(engine_url(url))
    try:
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(people.insert(), PEOPLE)
            conn.execute(metadata.tables["orders"].insert(), ORDERS)
            for row in hard_rows() if hard else []:
                conn.execute(people.insert(), [row])
    finally:
        engine.dispose()


def read(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(engine_url(url))
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


class TestSqlContract(ConnectorContract):
    """The conformance suite on SQLite, PostgreSQL and MariaDB."""

    @pytest.fixture
    def subject(self, backend: tuple[str, str], connectors: Callable[..., SqlConnector]) -> Subject:
        url = backend[1]
        build_people(url, hard=True)
        return Subject(
            connector=connectors(url),
            reopen=lambda: connectors(url),
            table="people",
            email_column="email",
            people={
                "anna.schmidt@example.de": {"id": 1},
                "ben.weber@example.de": {"id": 2},
                "carla@example.de": {"id": 3},
            },
            text_column="note",
            mention="Kowalski",
            mention_key={"id": 2},
            phone_column="phone",
            phones={phone: {"id": i} for phone, i in HARD_PHONES.items()},
            ids={form: (column, {"id": i}) for form, (column, i) in HARD_IDS.items()},
            empty_cells=[("phone", {"id": 3}), ("note", {"id": 4})],
        )


# -- every engine answers as the shared definition does ----------------------------------------

AGREE_TEXT = [
    "Anna@X.de", "anna@x.de", " anna@x.de", "anna@x.de ", "JÜRGEN@MÜLLER.DE", "jürgen@müller.de",
    "Jürgen@Müller.de", "0171_2345678", "0171 2345678 (mobil)", "+49 171 2345678",
    "0171 2345679", "Herr MÜLLER rief an", "100% zufrieden", "17", " 17 ", "170", "17.0",
    "WEIẞGERBER", "", None,
]  # fmt: skip
AGREE_LOOKUPS = [
    ("txt", "casefold", {"anna@x.de", "jürgen@müller.de", "weißgerber"}),
    ("txt", "exact", {"17", "Anna@X.de", "jürgen@müller.de"}),
    ("txt", "digits", {"1712345678", "2345679"}),
    ("txt", "contains", {"müller", "100%", "x.de"}),
    ("num", "exact", {"17", "017", "17.0"}),
    ("num", "casefold", {"170"}),
    ("flt", "exact", {"17", "17.5", "17.0"}),
    ("flt", "digits", {"1712345678"}),
    ("dec", "exact", {"17", "17.5", "17.50"}),
    ("fixed", "exact", {"K123"}),
    ("fixed", "casefold", {"k123"}),
]


def build_agreement(url: str) -> None:
    """A table holding the values the match modes disagree on when implemented twice."""
    metadata = sa.MetaData()
    table = sa.Table(
        "agree",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("txt", sa.String(100)),
        sa.Column("num", sa.Integer),
        sa.Column("flt", sa.Double),
        sa.Column("dec", sa.Numeric(10, 2)),
        sa.Column("fixed", sa.CHAR(10)),
    )
    numbers = [17, 170, None]
    floats = [17.0, 17.5, 1712345678.0, None]
    decimals = [Decimal("17.00"), Decimal("17.50"), None]
    fixed = ["K123", "k123", "K1234", None]
    rows = [
        {"id": i, "txt": text, "num": numbers[i % 3], "flt": floats[i % 4],
         "dec": decimals[i % 3], "fixed": fixed[i % 4]}
        for i, text in enumerate(AGREE_TEXT)
    ]  # fmt: skip
    engine = sa.create_engine(engine_url(url))
    try:
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(table.insert(), rows)
    finally:
        engine.dispose()


def test_every_engine_finds_exactly_what_the_shared_matcher_finds(
    backend: tuple[str, str], connectors: Any
) -> None:
    """Underscores in phone numbers, umlauts in upper case (SQLite's lower() folds only
    ASCII), padded ids, floats and decimals that read 17, CHAR(n) padding."""
    url = backend[1]
    build_agreement(url)
    source = connectors(url)
    stored = source.sample("agree", 1000)
    assert len(stored) == len(AGREE_TEXT)
    for column, mode, values in AGREE_LOOKUPS:
        lookup = Lookup("agree", column, frozenset(values), mode)  # type: ignore[arg-type]
        got = sorted((h.key["id"], h.value) for h in source.find([lookup]))
        expected = sorted(
            (row["id"], value)
            for row in stored
            for value in matches(
                mode,  # type: ignore[arg-type]
                row[column].rstrip(" ") if column == "fixed" and row[column] else row[column],
                frozenset(values),
            )
        )
        assert got == expected, (column, mode)
        assert expected or mode == "casefold", f"{column} {mode}: the case finds nothing"


def test_read_by_key_and_erase_by_key_in_any_spelling(
    backend: tuple[str, str], connectors: Any
) -> None:
    url = backend[1]
    build_people(url)
    source = connectors(url)
    found = read_rows(source, "people", [{"id": "2"}, {"id": 4.0}, {"id": "x"}, {"id": 99}])
    assert set(found) == {row_id("people", {"id": 2}), row_id("people", {"id": 4})}
    assert found[row_id("people", {"id": 2})]["email"] == "ben.weber@example.de"
    result = source.apply([ErasureAction("people", {"id": "1"}, "mask", ("email",), "***")])
    assert (result.applied, result.unchanged) == (1, 0)
    assert read(url, "SELECT email FROM people WHERE id = 1") == [("***",)]
    with pytest.raises(SourceError, match="must name its primary key"):
        read_rows(source, "people", [{"email": "ben.weber@example.de"}])


# -- lookups on the people database ----------------------------------------------------------


def test_digits_contains_and_exact_lookups(backend: tuple[str, str], connectors: Any) -> None:
    url = backend[1]
    build_people(url)
    source = connectors(url)
    hits = list(
        source.find(
            [
                Lookup("people", "phone", frozenset({"7111234567", "711987654"}), "digits"),
                Lookup(
                    "people",
                    "note",
                    frozenset({"100% zufrieden", "rief%zufrieden", "an_ 100"}),  # no wildcards
                    "contains",
                ),
                Lookup("people", "id", frozenset({"3", "03", "x"}), "exact"),
                Lookup("people", "photo", frozenset({"png"}), "contains"),  # bytes: never compared
                Lookup("orders", "person_id", frozenset({"2"}), "exact"),
            ]
        )
    )
    found = sorted((h.table, tuple(h.key.values()), h.column, h.value) for h in hits)
    assert found == [
        ("orders", (10,), "person_id", "2"),
        ("orders", (11,), "person_id", "2"),
        ("people", (1,), "phone", "7111234567"),
        ("people", (2,), "note", "100% zufrieden"),
        ("people", (2,), "phone", "711987654"),
        ("people", (3,), "id", "3"),
    ]
    carla = next(h for h in hits if h.key == {"id": 3})
    assert carla.row["photo"] == b"\x89PNG" and carla.row["email"] == "CARLA@EXAMPLE.DE"


def test_all_lookups_of_a_table_go_in_one_statement(
    backend: tuple[str, str], connectors: Any
) -> None:
    url = backend[1]
    build_people(url)
    source = connectors(url)
    source.sample("people", 1)  # reflection done before counting
    with statements(source) as sent:
        hits = list(
            source.find(
                [
                    Lookup("people", "email", frozenset({"dora@example.de"}), "casefold"),
                    Lookup("people", "phone", frozenset({"7111234567"}), "digits"),
                    Lookup("people", "note", frozenset({"kowalski"}), "contains"),
                ]
            )
        )
    assert len(sent) == 1
    assert sorted(h.key["id"] for h in hits) == [1, 2, 4]
    statement, params = sent[0]
    values = params.values() if isinstance(params, dict) else params
    assert "dora@example.de" in list(values)  # bound, never spliced into the SQL
    assert "dora@example.de" not in statement


def test_unknown_table_or_column_in_a_lookup_is_a_source_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    build_people(url)
    source = open_source(url, "crm")
    with pytest.raises(SourceError, match="source 'crm': no table 'nope'"):
        list(source.find([Lookup("nope", "email", frozenset({"a@b.de"}), "casefold")]))
    with pytest.raises(SourceError, match="has no column 'mail'"):
        list(source.find([Lookup("people", "mail", frozenset({"a@b.de"}), "casefold")]))
    with pytest.raises(SourceError, match="no table 'nope'"):
        source.sample("nope")


def test_include_and_exclude_take_globs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    build_people(url)
    assert [t.name for t in open_source(url, include=["peo*"]).tables()] == ["people"]
    assert [t.name for t in open_source(url, exclude=["p*"]).tables()] == ["orders"]


# -- Chinook in SQLite, PostgreSQL and MariaDB --------------------------------------------------

CHINOOK_ROWS = {
    "Album": 347,
    "Artist": 275,
    "Customer": 59,
    "Employee": 8,
    "Genre": 25,
    "Invoice": 412,
    "InvoiceLine": 2240,
    "MediaType": 5,
    "Playlist": 18,
    "PlaylistTrack": 8715,
    "Track": 3503,
}
LEONIE_EMAIL = "LeoneKohler@SurfEU.de"  # stored in mixed case to show case-insensitive lookup


def snake(name: str) -> str:
    """Chinook's PostgreSQL script names things in lower snake case: InvoiceLine -> invoice_line."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@dataclass
class Chinook:
    url: str
    engine: str
    n: Callable[[str], str]  # the SQLite name of a table or column -> this copy's name


def _mixed_case_email(url: str, n: Callable[[str], str]) -> None:
    engine = sa.create_engine(engine_url(url))
    try:
        with engine.begin() as conn:
            customer = sa.table(n("Customer"), sa.column(n("Email")), sa.column(n("CustomerId")))
            conn.execute(
                sa.update(customer)
                .where(customer.c[n("CustomerId")] == 2)
                .values({n("Email"): LEONIE_EMAIL})
            )
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def chinook_sqlite(tmp_path_factory: pytest.TempPathFactory, shared_data_folder: Path) -> str:
    path = tmp_path_factory.mktemp("chinook") / "chinook.sqlite"
    shutil.copyfile(SHARED / "chinook" / "chinook.sqlite", path)
    url = f"sqlite:///{path}"
    _mixed_case_email(url, str)
    return url


@pytest.fixture(scope="module")
def chinook_postgres(shared_data_folder: Path, postgres_url: str) -> Iterator[str]:
    url = pg.create_database(postgres_url)
    try:
        load_chinook_into_postgres(pg.libpq_url(url))
        _mixed_case_email(url, snake)
        yield url
    finally:
        pg.drop_database(postgres_url, url)


@pytest.fixture(scope="module")
def chinook_mariadb(mariadb_url: str, chinook_sqlite: str) -> Iterator[str]:
    """Chinook copied from the SQLite file: same tables, keys, indexes and rows."""
    url = mariadb.create_database(mariadb_url)
    source = sa.create_engine(chinook_sqlite)
    target = sa.create_engine(engine_url(url))
    try:
        metadata = sa.MetaData()
        metadata.reflect(source)
        metadata.create_all(target)
        with source.connect() as src, target.begin() as dst:
            dst.exec_driver_sql("SET FOREIGN_KEY_CHECKS=0")
            for table in metadata.sorted_tables:
                rows = [dict(r._mapping) for r in src.execute(sa.select(table))]
                dst.execute(table.insert(), rows)
            dst.exec_driver_sql("SET FOREIGN_KEY_CHECKS=1")
        yield url
    finally:
        source.dispose()
        target.dispose()
        mariadb.drop_database(mariadb_url, url)


@pytest.fixture(params=BACKENDS)
def chinook(request: pytest.FixtureRequest, shared_data_folder: Path) -> Chinook:
    url = request.getfixturevalue(f"chinook_{request.param}")
    return Chinook(url, request.param, snake if request.param == "postgres" else str)


def test_chinook_lists_every_table_with_exact_rows_and_keys(
    chinook: Chinook, connectors: Any
) -> None:
    n = chinook.n
    tables = {t.name: t for t in connectors(chinook.url, "chinook").tables()}
    assert {name: (t.rows, t.rows_exact, t.kind) for name, t in tables.items()} == {
        n(name): (rows, True, "table") for name, rows in CHINOOK_ROWS.items()
    }
    customer = tables[n("Customer")]
    assert customer.primary_key == (n("CustomerId"),)
    assert ForeignKey((n("SupportRepId"),), n("Employee"), (n("EmployeeId"),)) in (
        customer.foreign_keys
    )
    assert tables[n("PlaylistTrack")].primary_key == (n("PlaylistId"), n("TrackId"))
    assert ForeignKey((n("ReportsTo"),), n("Employee"), (n("EmployeeId"),)) in (
        tables[n("Employee")].foreign_keys
    )
    email = customer.column(n("Email"))
    assert email is not None and "VARCHAR" in email.type.upper() and not email.nullable
    assert (n("CustomerId"),) in tables[n("Invoice")].indexed  # the FK index


def test_chinook_finds_leonie_by_email_phone_and_her_invoices(
    chinook: Chinook, connectors: Any
) -> None:
    n = chinook.n
    source = connectors(chinook.url, "chinook")
    customer = list(
        source.find(
            [
                Lookup(n("Customer"), n("Email"), frozenset({LEONIE_EMAIL.lower()}), "casefold"),
                Lookup(n("Customer"), n("Phone"), frozenset({"7112842222"}), "digits"),
            ]
        )
    )
    assert sorted((h.key[n("CustomerId")], h.column, h.value) for h in customer) == [
        (2, n("Email"), "leonekohler@surfeu.de"),
        (2, n("Phone"), "7112842222"),
    ]
    assert customer[0].row[n("LastName")] == "Köhler"
    assert customer[0].row[n("Email")] == LEONIE_EMAIL

    invoices = list(source.find([Lookup(n("Invoice"), n("CustomerId"), frozenset({"2"}))]))
    assert sorted(h.key[n("InvoiceId")] for h in invoices) == [1, 12, 67, 196, 219, 241, 293]
    assert {h.row[n("BillingCity")] for h in invoices} == {"Stuttgart"}


def test_chinook_batch_of_5000_emails_in_few_statements(chinook: Chinook, connectors: Any) -> None:
    n = chinook.n
    source = connectors(chinook.url, "chinook")
    emails = {
        str(e).lower()
        for (e,) in read(
            chinook.url, f"SELECT {_q(chinook, n('Email'))} FROM {_q(chinook, n('Customer'))}"
        )
    }
    assert len(emails) == 59
    batch = emails | {f"person{i}@nowhere.example" for i in range(5000 - len(emails))}
    source.sample(n("Customer"), 1)
    began = time.perf_counter()
    with statements(source) as sent:
        hits = list(source.find([Lookup(n("Customer"), n("Email"), frozenset(batch), "casefold")]))
    elapsed = time.perf_counter() - began
    assert {h.value for h in hits} == emails and len(hits) == 59
    assert len(sent) <= 10  # one statement per 500 values
    assert elapsed < 10


def _q(chinook: Chinook, name: str) -> str:
    return f"`{name}`" if chinook.engine == "mariadb" else f'"{name}"'


@pytest.mark.shared_data
def test_erasing_a_chinook_customer_deletes_children_first(tmp_path: Path) -> None:
    path = tmp_path / "chinook.sqlite"
    shutil.copyfile(SHARED / "chinook" / "chinook.sqlite", path)
    source = open_source(f"sqlite:///{path}", "chinook")
    invoices = [h.key for h in source.find([Lookup("Invoice", "CustomerId", frozenset({"2"}))])]
    ids = frozenset(str(k["InvoiceId"]) for k in invoices)
    lines = [h.key for h in source.find([Lookup("InvoiceLine", "InvoiceId", ids)])]
    assert len(lines) == 38
    actions = [
        ErasureAction("Customer", {"CustomerId": 2}, "delete"),  # parent first on purpose
        *(ErasureAction("Invoice", k, "delete") for k in invoices),
        *(ErasureAction("InvoiceLine", k, "delete") for k in lines),
    ]
    result = source.apply(actions)
    assert (result.applied, result.unchanged) == (1 + 7 + 38, 0)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM Invoice WHERE CustomerId = 2").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM InvoiceLine").fetchone() == (2240 - 38,)
    again = open_source(f"sqlite:///{path}", "chinook").apply(actions)
    assert (again.applied, again.unchanged) == (0, 46)


# -- Northwind: spaces in names, text keys, a broken view ---------------------------------------

NORTHWIND_TABLES = {
    "Categories": 8,
    "CustomerCustomerDemo": 0,
    "CustomerDemographics": 0,
    "Customers": 93,
    "EmployeeTerritories": 49,
    "Employees": 9,
    "Order Details": 2155,
    "Orders": 830,
    "Products": 77,
    "Regions": 4,
    "Shippers": 3,
    "Suppliers": 29,
    "Territories": 53,
}


@pytest.mark.shared_data
def test_northwind_tables_views_and_the_broken_view(tmp_path: Path) -> None:
    path = tmp_path / "northwind.sqlite"
    shutil.copyfile(SHARED / "northwind" / "northwind.sqlite", path)
    source = open_source(f"sqlite:///{path}", "northwind")
    tables = {t.name: t for t in source.tables()}
    assert {n: t.rows for n, t in tables.items() if t.kind == "table"} == NORTHWIND_TABLES
    views = {n: t for n, t in tables.items() if t.kind == "view"}
    assert len(views) == 17
    assert views["Invoices"].rows == 2155 and views["Invoices"].rows_exact
    broken = views["ProductDetails_V"]
    assert broken.rows is None and not broken.rows_exact
    assert [str(p) for p in source.problems] == [
        "source 'northwind': view 'ProductDetails_V' cannot be read: no such column: c.id "
        "(fix it in the database or add it to exclude)"
    ]
    assert tables["Order Details"].primary_key == ("OrderID", "ProductID")
    assert len(source.sample("Order Details", 3)) == 3
    hits = list(source.find([Lookup("Customers", "CustomerID", frozenset({"ALFKI"}))]))
    assert [h.key for h in hits] == [{"CustomerID": "ALFKI"}]
    assert hits[0].row["ContactName"] == "Maria Anders"
    details = list(source.find([Lookup("Order Details", "OrderID", frozenset({"10248"}))]))
    assert sorted(h.key["ProductID"] for h in details) == [11, 42, 72]
    photo = tables["Employees"].column("Photo")
    assert photo is not None and photo.type == "BLOB"


# -- indexes: case-insensitive lookups must use one ----------------------------------------------


@pytest.mark.parametrize("engine", [BACKENDS[0], BACKENDS[1]])
def test_lower_email_index_is_reported_and_used(
    engine: str, request: pytest.FixtureRequest, tmp_path: Path, connectors: Any
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'p.db'}"
        if engine == "sqlite"
        else (request.getfixturevalue("postgres_db"))
    )
    build_people(url, lower_index=True)
    source = connectors(url)
    people = next(t for t in source.tables() if t.name == "people")
    assert ("email",) in people.indexed
    assert not any("phone" in cols for cols in people.indexed)
    assert source.index_serves("people", "email", "casefold")
    assert not source.index_serves("people", "phone", "exact")
    assert not source.index_serves("people", "phone", "digits")
    with statements(source) as sent:
        hits = list(
            source.find([Lookup("people", "email", frozenset({"carla@example.de"}), "casefold")])
        )
    assert [h.key for h in hits] == [{"id": 3}]
    statement, params = sent[-1]
    assert "lower(" in statement.lower()
    raw = source.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + statement, params)
        else:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("EXPLAIN " + statement, params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    finally:
        raw.close()
    assert "ix_people_email_lower" in plan


def test_plain_index_does_not_serve_lowercase_lookups_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    build_people(url, plain_index=True)
    source = open_source(url)
    assert ("email",) in next(t for t in source.tables() if t.name == "people").indexed
    assert source.index_serves("people", "email", "exact")
    assert not source.index_serves("people", "email", "casefold")


@pytest.mark.mariadb
def test_mariadb_plain_index_serves_casefold_lookups(mariadb_db: str, connectors: Any) -> None:
    build_people(mariadb_db, plain_index=True)
    engine = sa.create_engine(engine_url(mariadb_db))
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE codes (id INT PRIMARY KEY, code VARCHAR(40) COLLATE utf8mb4_bin, "
            "KEY ix_code (code))"
        )
        conn.exec_driver_sql("INSERT INTO codes VALUES (1, 'AbC-7'), (2, 'xyz')")
    engine.dispose()
    source = connectors(mariadb_db)
    tables = {t.name: t for t in source.tables()}
    assert ("email",) in tables["people"].indexed
    assert source.index_serves("people", "email", "casefold")
    assert not source.index_serves("people", "phone", "casefold")
    assert not source.index_serves("codes", "code", "casefold")  # binary collation: lower()

    with statements(source) as sent:
        hits = list(
            source.find([Lookup("people", "email", frozenset({"carla@example.de"}), "casefold")])
        )
    assert [h.key for h in hits] == [{"id": 3}]
    statement, params = sent[-1]
    assert "lower(" not in statement.lower()
    raw = source.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("EXPLAIN " + statement, params)
        names = [d[0] for d in cursor.description]
        plan = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        raw.close()
    assert "ix_people_email" in str(plan[0]["possible_keys"])

    coded = list(source.find([Lookup("codes", "code", frozenset({"abc-7"}), "casefold")]))
    assert [h.key for h in coded] == [{"id": 1}]


# -- erasure: one transaction, children first ------------------------------------------------------


def test_erasure_deletes_children_before_parents_and_reruns_unchanged(
    backend: tuple[str, str], connectors: Any
) -> None:
    url = backend[1]
    build_people(url)
    actions = [
        ErasureAction("people", {"id": 2}, "delete"),
        ErasureAction("orders", {"id": 10}, "delete"),
        ErasureAction("orders", {"id": 11}, "delete"),
        ErasureAction("orders", {"id": 11}, "null", ("item",)),
        ErasureAction("people", {"id": 4}, "redact", ("note", "phone"), "[entfernt]", ("555",)),
    ]
    result = connectors(url).apply(actions)
    assert (result.applied, result.unchanged) == (5, 0)
    assert read(url, "SELECT id FROM people ORDER BY id") == [(1,), (3,), (4,)]
    assert read(url, "SELECT id FROM orders") == [(12,)]
    assert read(url, "SELECT phone FROM people WHERE id = 4") == [("0711-[entfernt]",)]
    again = connectors(url).apply(actions)
    assert (again.applied, again.unchanged) == (0, 5)


def test_a_foreign_key_failure_rolls_everything_back(
    backend: tuple[str, str], connectors: Any
) -> None:
    url = backend[1]
    build_people(url)
    actions = [
        ErasureAction("people", {"id": 1}, "mask", ("email",), "***"),
        ErasureAction("orders", {"id": 10}, "delete"),
        ErasureAction("people", {"id": 2}, "delete"),  # order 11 still refers to it
    ]
    with pytest.raises(SourceError) as caught:
        connectors(url, "shop").apply(actions)
    message = str(caught.value)
    assert "\n" not in message and message.startswith("source 'shop': cannot delete in table")
    assert "foreign key" in message and "nothing was changed" in message
    assert read(url, "SELECT email FROM people WHERE id = 1") == [("Anna.Schmidt@Example.DE",)]
    assert read(url, "SELECT count(*) FROM orders") == [(3,)]
    assert read(url, "SELECT count(*) FROM people") == [(4,)]


def test_actions_that_cannot_apply_are_refused_before_writing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    build_people(url)
    with sqlite3.connect(tmp_path / "p.db") as conn:
        conn.execute("CREATE TABLE log (email TEXT, at TEXT)")
        conn.execute("INSERT INTO log VALUES ('ben.weber@example.de', '2024-01-01')")
        conn.execute("CREATE VIEW people_v AS SELECT id, email FROM people")
    source = open_source(url, "crm")
    first = ErasureAction("people", {"id": 1}, "delete")
    refused = {
        "has no primary key": ErasureAction("log", {"email": "x"}, "delete"),
        "is a view": ErasureAction("people_v", {"id": 1}, "delete"),
        "no column 'mail'": ErasureAction("people", {"id": 2}, "mask", ("mail",)),
        "may not be empty": ErasureAction("orders", {"id": 10}, "null", ("person_id",)),
        "not text": ErasureAction("people", {"id": 2}, "mask", ("photo",)),
        "must name its primary key": ErasureAction("people", {"email": "x"}, "delete"),
        "no table 'nope'": ErasureAction("nope", {"id": 1}, "delete"),
    }
    for expected, action in refused.items():
        with pytest.raises(SourceError, match=expected):
            source.apply([first, action])
    assert read(url, "SELECT count(*) FROM people") == [(4,)]
    # tables without a key can still be searched; the whole row is the hit's key
    hits = list(
        source.find([Lookup("log", "email", frozenset({"ben.weber@example.de"}), "casefold")])
    )
    assert [h.key for h in hits] == [{"email": "ben.weber@example.de", "at": "2024-01-01"}]
    # ... and a row named by all its values can be erased (key/value rows of applications)
    source.apply([ErasureAction("log", hits[0].key, "delete")])
    assert read(url, "SELECT count(*) FROM log") == [(0,)]


# -- bad inputs: one line, the source named, no password -------------------------------------------


def _one_line_error(url: str, name: str = "crm") -> str:
    with pytest.raises(SourceError) as caught:
        open_source(url, name).tables()
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    assert f"source '{name}': " in message  # a file comes first: "<path>: source 'crm': ..."
    assert "s3cret-Pw" not in message
    return message


def test_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "gone.db"
    message = _one_line_error(f"sqlite:///{missing}")
    assert message.startswith(f"{missing}: source 'crm': file not found")
    assert not missing.exists()
    folder = _one_line_error(f"sqlite:///{tmp_path}")
    assert "is a folder" in folder


def test_a_file_that_is_not_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("just some text, certainly no database\n" * 50)
    assert "not a SQLite database" in _one_line_error(f"sqlite:///{path}")


@pytest.mark.parametrize("scheme", ["postgresql", "mysql"])
def test_unreachable_server(scheme: str) -> None:
    began = time.monotonic()
    message = _one_line_error(f"{scheme}://dsr:s3cret-Pw@127.0.0.1:{free_port()}/shop")
    assert "server unreachable" in message and "dsr:***@127.0.0.1" in message
    assert time.monotonic() - began < 15


@pytest.mark.postgres
def test_postgres_wrong_password_and_unknown_database(postgres_db: str) -> None:
    wrong = make_url(postgres_db).set(username=pg.PASSWORD_ROLE, password="s3cret-Pw")
    message = _one_line_error(wrong.render_as_string(hide_password=False))
    assert "wrong user name or password" in message or "unknown user" in message
    unknown = make_url(postgres_db).set(database="dsr_no_such_db")
    assert "unknown database" in _one_line_error(unknown.render_as_string(hide_password=False))


@pytest.mark.mariadb
def test_mariadb_wrong_password_and_unknown_database(mariadb_db: str) -> None:
    build_people(mariadb_db)
    right = open_source(mariadb.password_url(mariadb_db), "crm")
    assert {t.name for t in right.tables()} == {"people", "orders"}
    right.close()
    message = _one_line_error(mariadb.password_url(mariadb_db, "s3cret-Pw"))
    assert "wrong user name or password" in message
    unknown = make_url(mariadb_db).set(database="dsr_no_such_db")
    assert "unknown database" in _one_line_error(unknown.render_as_string(hide_password=False))


def test_plain_urls_get_the_project_drivers() -> None:
    assert engine_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert engine_url("mysql://u@h/db").drivername == "mysql+pymysql"
    assert engine_url("mariadb://u@h/db").drivername == "mariadb+pymysql"
    assert engine_url("mysql://u@h/db").query["charset"] == "utf8mb4"
    assert engine_url("postgresql+psycopg2://u@h/db").drivername == "postgresql+psycopg2"


@pytest.mark.postgres
def test_postgres_estimate_above_a_million_rows_and_schema_option(
    postgres_db: str, connectors: Any
) -> None:
    build_people(postgres_db)
    engine = sa.create_engine(postgres_db)
    with engine.begin() as conn:
        conn.exec_driver_sql('CREATE SCHEMA "CRM"')
        conn.exec_driver_sql('CREATE TABLE "CRM"."Kontakte" (id int PRIMARY KEY, "E-Mail" text)')
        conn.exec_driver_sql("""INSERT INTO "CRM"."Kontakte" VALUES (7, 'Eva@Example.de')""")
        # what the planner believes after ANALYZE of a huge table (we are superuser here)
        conn.exec_driver_sql("UPDATE pg_class SET reltuples = 5e6 WHERE relname = 'orders'")
    engine.dispose()
    tables = {t.name: t for t in connectors(postgres_db).tables()}
    assert (tables["orders"].rows, tables["orders"].rows_exact) == (5_000_000, False)
    assert (tables["people"].rows, tables["people"].rows_exact) == (4, True)
    crm = connectors(postgres_db, schema="CRM")
    assert [(t.name, t.rows) for t in crm.tables()] == [("Kontakte", 1)]
    hits = list(crm.find([Lookup("Kontakte", "E-Mail", frozenset({"eva@example.de"}), "casefold")]))
    assert [h.key for h in hits] == [{"id": 7}]
    assert (
        crm.apply([ErasureAction("Kontakte", {"id": 7}, "mask", ("E-Mail",), "***")]).applied == 1
    )
    assert read(postgres_db, 'SELECT "E-Mail" FROM "CRM"."Kontakte"') == [("***",)]
