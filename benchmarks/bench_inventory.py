"""How long `dsr inventory` takes on big databases, and where the time goes.

The issue asks for 100 tables of 1,000,000 rows in SQLite and in PostgreSQL. The
script generates them fast inside each engine (SQLite: one table from a recursive
CTE, the others copied from it with INSERT ... SELECT in one transaction;
PostgreSQL: CREATE TABLE ... AS SELECT over generate_series, then ANALYZE), writes
a dsr.yaml with one source per engine, and times the inventory (scan, classify,
record, findings, JSON file), the work `dsr inventory --format json` does.

Half the tables are customer-like (e-mail, names, phone, birthdate, a note), half
order-like (customer id, amount, date, status). The share of time per source comes
from the document's ``sources[].seconds``. The baseline, measured in the same run
on the same data, is sampling alone: 200 rows of every table through the same
connectors, with no classification. The ratio says what classifying and the
findings cost on top of reading the samples.

    .venv/bin/python benchmarks/bench_inventory.py                      # 100 x 1,000,000
    .venv/bin/python benchmarks/bench_inventory.py --tables 100 --rows 100000
    .venv/bin/python benchmarks/bench_inventory.py --postgres-url postgresql://u:p@host/db
    .venv/bin/python benchmarks/bench_inventory.py --postgres-url throwaway   # tests/pg.py

PostgreSQL comes from ``--postgres-url`` or ``$DSR_BENCH_POSTGRES_URL``; ``throwaway``
starts a private server with the test suite's helper; without either, only
SQLite is measured. The database given is filled with tables ``bench_*``
(dropped first, and again at the end unless ``--keep``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from machine import machine  # benchmarks/machine.py: the script's folder is on sys.path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIRST = "ARRAY['Anna','Jürgen','Petra','Thomas','Sabine','Lena','Björn','Oliver']"
LAST = "ARRAY['Schmidt','Müller','Klein','Becker','Hoffmann','Vogel','Weiß','Bennett']"
FIRST_LIST = FIRST[6:-1].split(",")
LAST_LIST = LAST[6:-1].split(",")


def _sqlite_case(values: list[str], index: str) -> str:
    whens = " ".join(f"WHEN {i} THEN {v}" for i, v in enumerate(values))
    return f"CASE {index} {whens} END"


def fill_sqlite(path: Path, tables: int, rows: int) -> None:
    """Two template tables from a recursive CTE, then copies: all in one transaction."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    first = _sqlite_case(FIRST_LIST, "n % 8")
    last = _sqlite_case(LAST_LIST, "(n / 8) % 8")
    with db:
        db.execute(
            "CREATE TABLE bench_customers_000 (id INTEGER PRIMARY KEY, email TEXT, vorname TEXT,"
            " nachname TEXT, telefon TEXT, geburtsdatum TEXT, notiz TEXT)"
        )
        db.execute(
            f"""WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?)
            INSERT INTO bench_customers_000
            SELECT n, 'person' || n || '@example.org', {first}, {last},
                   '+49 171 ' || printf('%07d', n % 10000000),
                   date('1950-01-01', '+' || (n % 20000) || ' days'),
                   CASE WHEN n % 50 = 0 THEN 'Rückruf erbeten' ELSE NULL END
            FROM seq""",
            (rows,),
        )
        db.execute(
            "CREATE TABLE bench_orders_001 (id INTEGER PRIMARY KEY, kunde_id INTEGER,"
            " betrag REAL, erstellt_am TEXT, status TEXT)"
        )
        db.execute(
            """WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?)
            INSERT INTO bench_orders_001
            SELECT n, 1 + n % 50000, (n % 10000) / 100.0,
                   datetime('2020-01-01', '+' || (n % 2000) || ' days'),
                   CASE n % 3 WHEN 0 THEN 'offen' WHEN 1 THEN 'bezahlt' ELSE 'versandt' END
            FROM seq""",
            (rows,),
        )
        for i in range(2, tables):
            kind = "customers" if i % 2 == 0 else "orders"
            source = "bench_customers_000" if kind == "customers" else "bench_orders_001"
            db.execute(f"CREATE TABLE bench_{kind}_{i:03d} AS SELECT * FROM {source} WHERE 0")
            db.execute(f"INSERT INTO bench_{kind}_{i:03d} SELECT * FROM {source}")
    db.execute("ANALYZE")
    db.close()


def fill_postgres(url: str, tables: int, rows: int) -> None:
    import psycopg

    from tests.pg import libpq_url

    with psycopg.connect(libpq_url(url), autocommit=True) as db:
        drop_postgres_tables(db)
        for i in range(tables):
            if i % 2 == 0:
                db.execute(
                    f"""CREATE TABLE bench_customers_{i:03d} AS
                    SELECT n AS id, 'person' || n || '@example.org' AS email,
                           ({FIRST})[1 + n % 8] AS vorname, ({LAST})[1 + (n / 8) % 8] AS nachname,
                           '+49 171 ' || lpad((n % 10000000)::text, 7, '0') AS telefon,
                           DATE '1950-01-01' + (n % 20000) AS geburtsdatum,
                           CASE WHEN n % 50 = 0 THEN 'Rückruf erbeten' END AS notiz
                    FROM generate_series(1, {int(rows)}) AS n"""
                )
                db.execute(f"ALTER TABLE bench_customers_{i:03d} ADD PRIMARY KEY (id)")
            else:
                db.execute(
                    f"""CREATE TABLE bench_orders_{i:03d} AS
                    SELECT n AS id, 1 + n % 50000 AS kunde_id, (n % 10000) / 100.0 AS betrag,
                           TIMESTAMP '2020-01-01' + (n % 2000) * INTERVAL '1 day' AS erstellt_am,
                           (ARRAY['offen','bezahlt','versandt'])[1 + n % 3] AS status
                    FROM generate_series(1, {int(rows)}) AS n"""
                )
                db.execute(f"ALTER TABLE bench_orders_{i:03d} ADD PRIMARY KEY (id)")
        db.execute("ANALYZE")


def drop_postgres_tables(db: object) -> None:
    names = [
        r[0]
        for r in db.execute(  # type: ignore[attr-defined]
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            " AND tablename LIKE 'bench\\_%'"
        )
    ]
    for name in names:
        db.execute(f'DROP TABLE "{name}"')  # type: ignore[attr-defined]


@contextlib.contextmanager
def postgres(url: str | None) -> Iterator[str | None]:
    """The PostgreSQL URL to use: given, or a throwaway server from tests/pg.py, or None."""
    if url != "throwaway":
        yield url
        return
    from tests import pg

    with pg.find_postgres() as server:
        database = pg.create_database(server.url)
        try:
            yield database
        finally:
            pg.drop_database(server.url, database)


# --- measuring ----------------------------------------------------------------------------


def sample_everything(config: object) -> float:
    """The baseline: 200 rows of every table through the same connectors, nothing else."""
    from dsr.connectors import open_connector

    started = time.perf_counter()
    for source in config.sources.values():  # type: ignore[attr-defined]
        connector = open_connector(source)
        try:
            for table in connector.tables():
                connector.sample(table.name, 200)
        finally:
            connector.close()
    return time.perf_counter() - started


def inventory(config: object, folder: Path) -> tuple[float, dict]:
    """What `dsr inventory --format json` does, timed: scan, document, JSON file."""
    from dsr.inventory.document import build_document
    from dsr.inventory.render import write_inventory
    from dsr.inventory.scan import scan_sources

    started = time.perf_counter()
    scans = scan_sources(config)  # type: ignore[arg-type]
    document = build_document(config, scans, language="en")  # type: ignore[arg-type]
    write_inventory(document, folder, ("json",))
    return time.perf_counter() - started, document


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", type=int, default=100)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--postgres-url", default=os.environ.get("DSR_BENCH_POSTGRES_URL"),
        help="a PostgreSQL database to fill, or 'throwaway' (default: $DSR_BENCH_POSTGRES_URL)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated data")
    args = parser.parse_args()

    print(f"machine: {machine()}")
    print(f"data: {args.tables} tables x {args.rows:,} rows per engine")
    with tempfile.TemporaryDirectory(prefix="dsr-bench-inventory-") as tmp, postgres(
        args.postgres_url
    ) as pg_url:
        folder = Path((args.keep and tempfile.mkdtemp(prefix="dsr-bench-inventory-")) or tmp)
        started = time.perf_counter()
        fill_sqlite(folder / "bench.db", args.tables, args.rows)
        print(f"generated SQLite in {time.perf_counter() - started:.1f} s "
              f"({(folder / 'bench.db').stat().st_size / 2**20:,.0f} MiB)")
        sources = "  lite: {type: sql, url: 'sqlite:///bench.db', purpose: Bench}\n"
        if pg_url:
            started = time.perf_counter()
            fill_postgres(pg_url, args.tables, args.rows)
            print(f"generated PostgreSQL in {time.perf_counter() - started:.1f} s")
            sources += f"  pg: {{type: sql, url: '{pg_url}', purpose: Bench}}\n"
        else:
            print("PostgreSQL: skipped (give --postgres-url or DSR_BENCH_POSTGRES_URL)")
        (folder / "dsr.yaml").write_text(
            "controller: {name: Bench GmbH}\nsources:\n" + sources, encoding="utf-8"
        )

        from dsr.config.load import load_config

        config = load_config(folder / "dsr.yaml", strict=False)
        baseline = sample_everything(config)
        total, document = inventory(config, folder / "inventory")
        failed = document["failed_sources"]
        print()
        print(f"baseline (sampling 200 rows of every table): {baseline:8.2f} s")
        print(f"dsr inventory --format json:                 {total:8.2f} s  "
              f"({total / baseline:.1f} x baseline)")
        for source in document["sources"]:
            share = source["seconds"] / total if total else 0
            print(f"  {source['name']:>5}: {source['seconds']:8.2f} s  {share:6.1%} of the total, "
                  f"{source['tables']} tables, {source['personal_tables']} with personal data"
                  + (f"  FAILED: {source['error']}" if not source["ok"] else ""))
        print(f"  columns classified: {len(document['columns'])}, "
              f"findings: {len(document['findings'])}")
        if pg_url and not args.keep:
            import psycopg

            from tests.pg import libpq_url

            with psycopg.connect(libpq_url(pg_url), autocommit=True) as db:
                drop_postgres_tables(db)
        if args.keep:
            print(f"data kept in {folder}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
