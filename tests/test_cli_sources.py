"""`dsr sources check` end to end: the demo company, real third-party databases, bad input."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from tests import pg
from tests.helpers import run
from tests.shared_data import SHARED_DATA, load_chinook_into_postgres


def sqlite_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        names = [
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {n: db.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}


def test_demo_company_lists_every_source_with_tables_and_rows(demo: Path) -> None:
    doc = run("sources", "check", "--json", exit=0, cwd=demo).json
    sources = {s["name"]: s for s in doc["sources"]}
    assert list(sources) == ["shop", "newsletter", "events", "zendesk", "hubspot", "mailchimp"]
    for source in sources.values():
        assert source["ok"] is True and source["error"] is None, source
        assert source["tables"], source["name"]
        for table in source["tables"]:
            assert set(table) >= {"name", "rows", "columns"}
            assert table["rows"] is not None and table["columns"]
            assert all(set(c) >= {"name", "type"} for c in table["columns"])

    shop = {t["name"]: t["rows"] for t in sources["shop"]["tables"]}
    assert shop == sqlite_counts(demo / "data" / "shop.db")
    assert {t["name"] for t in sources["newsletter"]["tables"]} == {"Abonnenten", "Abgemeldet"}
    assert {"users", "tickets", "comments"} <= {t["name"] for t in sources["zendesk"]["tables"]}


def test_human_output_and_choosing_sources(demo: Path) -> None:
    result = run("sources", "check", "shop", "events", exit=0, cwd=demo)
    assert "shop" in result.stdout and "customers" in result.stdout
    assert "events" in result.stdout and "newsletter" not in result.stdout
    unknown = run("sources", "check", "shpo", exit=2, cwd=demo)
    assert "no source named 'shpo'" in unknown.stderr and "did you mean 'shop'" in unknown.stderr


def config_for(folder: Path, sources: str) -> Path:
    path = folder / "dsr.yaml"
    path.write_text("controller: {name: Test GmbH}\nsources:\n" + sources, encoding="utf-8")
    return path


@pytest.mark.shared_data
@pytest.mark.parametrize(
    "database",
    [
        "chinook/chinook.sqlite",
        "northwind/northwind.sqlite",
        "sakila/sakila.sqlite",
        "sql-murder-mystery/sql-murder-mystery.sqlite",
    ],
)
def test_real_sqlite_databases_every_table_with_exact_rows(tmp_path: Path, database: str) -> None:
    copy = tmp_path / Path(database).name
    shutil.copy(SHARED_DATA / database, copy)
    config = config_for(tmp_path, f"  db: {{type: sql, url: 'sqlite:///{copy.name}'}}\n")
    doc = run("sources", "check", "--config", config, "--json", exit=0).json
    (source,) = doc["sources"]
    tables = {t["name"]: t for t in source["tables"] if t["kind"] == "table"}
    assert {n: t["rows"] for n, t in tables.items()} == sqlite_counts(copy)
    assert all(t["rows_exact"] for t in tables.values())


@pytest.mark.shared_data
def test_chinook_in_postgresql(tmp_path: Path, postgres_db: str) -> None:
    load_chinook_into_postgres(pg.libpq_url(postgres_db))
    config = config_for(tmp_path, f"  chinook: {{type: sql, url: '{postgres_db}'}}\n")
    doc = run("sources", "check", "--config", config, "--json", exit=0).json
    # The PostgreSQL script spells InvoiceLine as invoice_line.
    rows = {t["name"].replace("_", ""): t["rows"] for t in doc["sources"][0]["tables"]}
    chinook = sqlite_counts(SHARED_DATA / "chinook" / "chinook.sqlite")
    expected = {name.lower(): count for name, count in chinook.items()}
    assert rows == expected


def test_one_broken_source_does_not_stop_the_others(tmp_path: Path) -> None:
    good = tmp_path / "good.db"
    with sqlite3.connect(good) as db:
        db.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT)")
    config = config_for(
        tmp_path,
        "  good: {type: sql, url: 'sqlite:///good.db'}\n"
        "  list: {type: xlsx, path: missing.xlsx}\n"
        "  crm: {type: sql, url: 'postgresql://dsr:Geheim-123@127.0.0.1:9/crm'}\n"
        "  typo: {type: zendeks, path: x}\n"
        "  nopass: {type: sql, url: 'postgresql://dsr:${UNSET_PW_XYZ}@127.0.0.1:9/x'}\n",
    )
    result = run(
        "sources", "check", "--config", config, "--json", exit=1, env={"UNSET_PW_XYZ": None}
    )
    by_name = {s["name"]: s for s in result.json["sources"]}
    assert by_name["good"]["ok"] is True
    assert by_name["good"]["tables"][0]["unindexed_lookup_columns"] == ["email"]
    for name in ("list", "crm", "typo", "nopass"):
        assert by_name[name]["ok"] is False and by_name[name]["error"], name
    assert "missing.xlsx" in by_name["list"]["error"]
    assert "did you mean 'zendesk'" in by_name["typo"]["error"]
    assert "UNSET_PW_XYZ is not set" in by_name["nopass"]["error"]
    assert "Geheim-123" not in result.stdout + result.stderr
    assert "4 of 5 sources could not be read" in result.stderr

    human = run("sources", "check", "--config", config, exit=1, env={"UNSET_PW_XYZ": None})
    errors = [line for line in human.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 4 and all("source '" in line for line in errors)
    assert "Traceback" not in human.stderr and "Geheim-123" not in human.stderr
