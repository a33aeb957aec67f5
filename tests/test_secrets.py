"""A database password is never shown, in part or whole, whatever characters it holds.

The password comes in through ``${DB_PASSWORD}`` as documented. It holds every character
that has a meaning in a URL (``@ : / ? # %``), so a URL built by pasting it in would move
the URL's borders and print pieces of it as host or database. Every command that shows a
URL or a source's failure is run, and every output and every file written (the inventory
in all its formats, the ledger, ZIP members unpacked) is searched for each piece.
"""

from __future__ import annotations

import re
import socket
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from dsr.config.load import load_config
from tests import pg
from tests.helpers import Result, run

PASSWORD = "Qz7w@Kx4v:Mj8p/Rt2y?Hn6c#Wb3d%41Lf5g"
WRONG = "Zu5e@Pl2k:Vo9r/Gi4s?Dt7m#Ce6h%2FNa8b"
_URL_CHARS = re.compile(r"[@:/?#%]")


def pieces(password: str) -> list[str]:
    """The password and every run of it between URL characters: none may be shown."""
    return [password, *(p for p in _URL_CHARS.split(password) if len(p) >= 4)]


SECRETS = pieces(PASSWORD) + pieces(WRONG)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_no_secret(text: str, where: str) -> None:
    for piece in SECRETS:
        assert piece not in text, f"{piece!r} shown in {where}"


def file_texts(folder: Path) -> Iterator[tuple[str, str]]:
    """Every file dsr wrote under ``folder`` as text; ZIP files (XLSX, data copies) member
    by member."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "dsr.yaml"):
        raw = path.read_bytes()
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    yield f"{path}!{name}", archive.read(name).decode("utf-8", "replace")
        else:
            yield str(path), raw.decode("utf-8", "replace")


def dsr_env(folder: Path, *args: str, exit: int) -> Result:
    result = run(
        *args,
        "--config",
        folder / "dsr.yaml",
        exit=exit,
        env={"DB_PASSWORD": PASSWORD, "WRONG_PASSWORD": WRONG},
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "internal error" not in output, output
    assert_no_secret(output, f"dsr {' '.join(args)}")
    return result


CONTROLLER = """\
controller:
  name: Beispiel GmbH
  address: Hauptstr. 1, 10115 Berlin
  email: datenschutz@beispiel.de
"""


# -- no server needed: the URLs of unreachable servers -----------------------------------


def test_unreachable_servers_never_show_the_password(tmp_path: Path) -> None:
    (tmp_path / "dsr.yaml").write_text(
        CONTROLLER
        + "sources:\n"
        + "  shop:\n    type: sql\n"
        + f"    url: postgresql+psycopg://app:${{DB_PASSWORD}}@127.0.0.1:{free_port()}/shop\n"
        + "  crm:\n    type: sql\n"
        + f"    url: mysql+pymysql://app:${{DB_PASSWORD}}@127.0.0.1:{free_port()}/crm\n"
        # written into the file, not through a variable: the last @ still ends it
        + "  literal:\n    type: sql\n"
        + f"    url: postgresql://app:Qz7w@Kx4v@127.0.0.1:{free_port()}/shop\n"
    )
    checked = dsr_env(tmp_path, "config", "check", exit=0)
    assert "postgresql+psycopg://app:***@127.0.0.1" in checked.stdout
    assert "mysql+pymysql://app:***@127.0.0.1" in checked.stdout
    dsr_env(tmp_path, "config", "check", "--json", exit=0)
    failed = dsr_env(tmp_path, "sources", "check", exit=1)
    assert failed.stderr.count("server unreachable") == 3
    dsr_env(tmp_path, "sources", "check", "--json", exit=1)
    dsr_env(tmp_path, "find", "--email", "anna@example.de", exit=1)
    dsr_env(tmp_path, "inventory", exit=1)
    dsr_env(tmp_path, "request", "new", "--type", "access", "--email", "anna@example.de", exit=0)
    dsr_env(tmp_path, "request", "list", exit=0)
    dsr_env(tmp_path, "request", "list", "--json", exit=0)
    dsr_env(tmp_path, "--debug", "sources", "check", exit=1)
    written = list(file_texts(tmp_path))
    kinds = {Path(name.split("!")[0]).suffix for name, _ in written if "inventory" in name}
    assert {".md", ".html", ".json", ".xlsx"} <= kinds
    for name, text in written:
        assert_no_secret(text, name)


def test_the_password_lands_in_the_url_field_whole(tmp_path: Path) -> None:
    """The parsed URL holds exactly the password, and host, port and database as written,
    also with variables elsewhere in the URL and in its query."""
    (tmp_path / "dsr.yaml").write_text(
        CONTROLLER
        + "ledger: postgresql://${DB_USER}:${DB_PASSWORD}@${DB_HOST}:5433/ledger\n"
        + "sources:\n"
        + "  shop:\n    type: sql\n"
        + "    url: postgresql://shop:${DB_PASSWORD}@db.example:${DB_PORT}/shop"
        + "?sslmode=${SSL}\n"
    )
    env = {
        "DB_PASSWORD": PASSWORD,
        "DB_USER": "a@b",
        "DB_HOST": "db.example",
        "DB_PORT": "6543",
        "SSL": "require",
    }
    result = run("config", "check", "--config", tmp_path / "dsr.yaml", exit=1, env=env)  # no ledger
    assert_no_secret(result.stdout + result.stderr, "config check")
    import os

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        config = load_config(tmp_path / "dsr.yaml")
    finally:
        os.environ.clear()
        os.environ.update(saved)
    ledger = make_url(config.ledger)
    assert (ledger.username, ledger.password, ledger.host, ledger.port, ledger.database) == (
        "a@b",
        PASSWORD,
        "db.example",
        5433,
        "ledger",
    )
    shop = make_url(config.sources["shop"].options.url)
    assert (shop.password, shop.host, shop.port, shop.database) == (
        PASSWORD,
        "db.example",
        6543,
        "shop",
    )
    assert shop.query == {"sslmode": "require"}


# -- a real PostgreSQL whose role has the password -----------------------------------------


@pytest.fixture
def password_db(postgres_url: str, postgres_db: str) -> Iterator[str]:
    """``postgres_db`` owned by the password role, holding one customer; its URL with the
    password as the role logs in (the throwaway cluster checks it even on loopback)."""
    role = pg.PASSWORD_ROLE
    with psycopg.connect(pg.libpq_url(postgres_url), autocommit=True) as admin:
        admin.execute(f"DROP ROLE IF EXISTS {role}")
        admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'")
        admin.execute(f'ALTER DATABASE "{make_url(postgres_db).database}" OWNER TO {role}')
    with psycopg.connect(pg.libpq_url(postgres_db), autocommit=True) as db_admin:
        db_admin.execute(f"ALTER SCHEMA public OWNER TO {role}")
    url = make_url(postgres_db).set(username=role, password=PASSWORD)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("CREATE TABLE customers (id integer PRIMARY KEY, email text, name text)")
        )
        conn.execute(sa.text("INSERT INTO customers VALUES (1, 'anna@example.de', 'Anna Schmidt')"))
    engine.dispose()
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        pg.drop_database(postgres_url, postgres_db)  # the role owns it: it goes first
        with psycopg.connect(pg.libpq_url(postgres_url), autocommit=True) as admin:
            admin.execute(f"DROP ROLE IF EXISTS {role}")


@pytest.mark.postgres
def test_postgres_password_with_url_characters_is_never_shown(
    tmp_path: Path, postgres_url: str, password_db: str
) -> None:
    url = make_url(password_db)
    checks_passwords = (
        pg.connect_error(url.set(password=WRONG).render_as_string(hide_password=False)) is not None
    )
    at = f"{url.username}:${{DB_PASSWORD}}@{url.host}:{url.port}/{url.database}"
    wrong = f"{url.username}:${{WRONG_PASSWORD}}@{url.host}:{url.port}/{url.database}"
    (tmp_path / "dsr.yaml").write_text(
        CONTROLLER
        + f"ledger: postgresql+psycopg://{at}\n"
        + "sources:\n"
        + f"  shop:\n    type: sql\n    url: postgresql+psycopg://{at}\n"
        + "    columns:\n      customers.email: [contact]\n      customers.name: [identity]\n"
        + f"  wrongpw:\n    type: sql\n    url: postgresql+psycopg://{wrong}\n"
        + "  gone:\n    type: sql\n"
        + f"    url: postgresql+psycopg://{url.username}:${{DB_PASSWORD}}@127.0.0.1:"
        + f"{free_port()}/shop\n"
    )
    dsr_env(tmp_path, "config", "check", exit=0)
    checked = dsr_env(tmp_path, "sources", "check", "--json", exit=1)
    states = {s["name"]: s for s in checked.json["sources"]}
    assert states["shop"]["ok"], "the password did not reach the server whole"
    assert [t["name"] for t in states["shop"]["tables"]] == ["customers"]
    assert not states["gone"]["ok"]
    if checks_passwords:
        assert not states["wrongpw"]["ok"]
        assert "password" in states["wrongpw"]["error"]
    dsr_env(tmp_path, "sources", "check", exit=1)
    found = dsr_env(tmp_path, "find", "--email", "anna@example.de", "--json", exit=1)
    assert "customers" in found.stdout
    dsr_env(tmp_path, "inventory", exit=1)
    dsr_env(tmp_path, "inventory", "--json", exit=1)
    dsr_env(tmp_path, "request", "new", "--type", "access", "--email", "anna@example.de", exit=0)
    dsr_env(tmp_path, "request", "list", exit=0)
    dsr_env(tmp_path, "request", "list", "--json", exit=0)
    dsr_env(tmp_path, "--debug", "find", "--email", "anna@example.de", exit=1)
    for name, text in file_texts(tmp_path):
        assert_no_secret(text, name)
    # The ledger lives in the database: nothing in it may hold the password either.
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')):
                assert_no_secret(repr(tuple(row)), f"ledger table {table}")
    engine.dispose()


# -- --debug tracebacks --------------------------------------------------------------------


def test_debug_traceback_carries_no_sql_parameters(tmp_path: Path) -> None:
    """A database error's text quotes the statement's parameters (here the e-mail address
    being logged); the --debug traceback leaves them out."""
    (tmp_path / "dsr.yaml").write_text(CONTROLLER + "sources: {}\n")
    run("request", "list", "--config", tmp_path / "dsr.yaml", exit=0)
    ledger = tmp_path / "dsr.db"
    with sqlite3.connect(ledger) as db:
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON request_identifiers "
            "BEGIN SELECT RAISE(ABORT, 'refused by a test'); END"
        )
    email = "geheim.person@example.de"
    result = run(
        "--debug",
        "request",
        "new",
        "--type",
        "access",
        "--email",
        email,
        "--config",
        tmp_path / "dsr.yaml",
        exit=2,
    )
    assert "Traceback" in result.stderr  # --debug did show one
    assert "SQL parameters hidden" in result.stderr  # the statement failed with them
    assert email not in result.stdout + result.stderr
    assert "geheim" not in result.stdout + result.stderr


def test_debug_traceback_leaves_out_what_database_servers_quote(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """PostgreSQL's DETAIL line and MySQL's duplicate-entry message quote the row's values
    (the e-mail address that collided); a --debug traceback goes into bug reports, so the
    values are left out there, whichever command printed it."""
    from dsr.cli.output import print_traceback

    email = "geheim.person@example.de"
    for message in (
        "duplicate key value violates unique constraint \"customers_email_key\"\n"
        f"DETAIL:  Key (email)=({email}) already exists.",
        f"(1062, \"Duplicate entry '{email}' for key 'customers.email'\")",
    ):
        try:
            raise RuntimeError(message)
        except RuntimeError as exc:
            print_traceback(exc)
        shown = capsys.readouterr().err
        assert "Traceback" in shown and "RuntimeError" in shown
        assert email not in shown and "geheim" not in shown, shown
    assert "customers_email_key" in shown or "Duplicate entry" in shown
