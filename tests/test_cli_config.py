"""`dsr config check` and `dsr init` end to end: valid files, every kind of mistake."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from tests.helpers import run

MINIMAL = """\
controller: {name: Beispiel GmbH}
deadline: {holidays: DE-BW}
sources:
  shop: {type: sql, url: "sqlite:///shop.db"}
"""


def write(folder: Path, text: str, name: str = "dsr.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_minimal_file_from_design_md_is_valid(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    result = run("config", "check", "--config", path, "--json", exit=0)
    doc = result.json
    assert doc["controller"] == "Beispiel GmbH"
    assert doc["language"] == "de"
    assert doc["languages"] == ["de"]  # the languages letters are written in: just `language`
    assert doc["holidays"] == "DE-BW"
    assert doc["sources"] == [
        {
            "name": "shop",
            "type": "sql",
            "location": f"sqlite:///{tmp_path / 'shop.db'}",
            "processor": None,
            "error": None,
        }
    ]
    assert doc["sources_by_type"] == {"sql": 1}
    # The ledger defaults to SQLite beside dsr.yaml; checking creates nothing.
    assert doc["ledger"]["url"] == f"sqlite:///{tmp_path / 'dsr.db'}"
    assert doc["ledger"]["state"] == "new"
    assert not (tmp_path / "dsr.db").exists()
    gap_keys = {gap["key"] for gap in doc["gaps"]}
    assert {"controller.address", "controller.dpo", "sources.shop.purpose"} <= gap_keys


def test_human_summary_lists_sources_and_gaps(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    result = run("config", "check", "--config", path, exit=0)
    assert "is valid" in result.stdout
    assert "Beispiel GmbH" in result.stdout
    assert "DE-BW" in result.stdout
    assert "shop" in result.stdout and "sql" in result.stdout
    assert "Gaps to fill" in result.stdout
    assert result.stderr == ""


def test_config_found_through_environment_and_current_folder(tmp_path: Path) -> None:
    write(tmp_path, MINIMAL)
    run("config", "check", exit=0, cwd=tmp_path)
    other = tmp_path / "elsewhere"
    other.mkdir()
    result = run(
        "config",
        "check",
        "--json",
        exit=0,
        cwd=other,
        env={"DSR_CONFIG": str(tmp_path / "dsr.yaml")},
    )
    assert result.json["config"] == str(tmp_path / "dsr.yaml")


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "controller: {name: X}\n"
        "sources:\n"
        "  news: {type: xlsx, path: data/newsletter.xlsx}\n"
        "  helpdesk: {type: zendesk, path: exports/zendesk/}\n",
    )
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    doc = run("config", "check", "--config", path, "--json", exit=0, cwd=elsewhere).json
    locations = {s["name"]: s["location"] for s in doc["sources"]}
    assert locations == {
        "news": str(tmp_path / "data" / "newsletter.xlsx"),
        "helpdesk": str(tmp_path / "exports" / "zendesk"),
    }


def test_environment_variables_fill_secrets_and_never_show_them(tmp_path: Path) -> None:
    (tmp_path / "ledger").mkdir()
    path = write(
        tmp_path,
        "controller: {name: X}\n"
        "ledger: sqlite:///ledger/${LEDGER_NAME}.db\n"
        "sources:\n"
        '  crm: {type: sql, url: "postgresql://dsr:${CRM_PASSWORD}@127.0.0.1:1/crm"}\n',
    )
    result = run(
        "config",
        "check",
        "--config",
        path,
        "--json",
        exit=0,
        env={"CRM_PASSWORD": "s3cr3t-Pw", "LEDGER_NAME": "team"},
    )
    assert "s3cr3t-Pw" not in result.stdout + result.stderr
    assert result.json["sources"][0]["location"] == "postgresql://dsr:***@127.0.0.1:1/crm"
    assert result.json["ledger"]["url"] == f"sqlite:///{tmp_path / 'ledger' / 'team.db'}"


def test_unreachable_ledger_needs_a_person(tmp_path: Path) -> None:
    path = write(tmp_path, "controller: {name: X}\nledger: sqlite:///missing-folder/dsr.db\n")
    result = run("config", "check", "--config", path, "--json", exit=1)
    assert result.json["ledger"]["state"] == "error"


# Each mistake: (file text, environment, expected line, expected key, words in the message)
MISTAKES = {
    "bad yaml": (
        "controller: {name: X}\nsources:\n  shop: {type: sql, url: [unclosed\n",
        {},
        None,
        None,
        "invalid YAML",
    ),
    "unknown key": (
        'controller: {name: X}\nsources:\n  shop:\n    type: sql\n    urll: "sqlite:///a.db"\n',
        {},
        5,
        "sources.shop.urll",
        "did you mean 'url'",
    ),
    "unknown top-level key": (
        "controller: {name: X}\nlanguge: en\n",
        {},
        2,
        "languge",
        "did you mean 'language'",
    ),
    "unknown nested key": (
        "controller:\n  name: X\n  dpo: {name: A, emial: a@example.com}\n",
        {},
        3,
        "controller.dpo.emial",
        "did you mean 'email'",
    ),
    "missing variable": (
        'controller: {name: X}\nsources:\n  crm:\n    type: sql\n    url: "postgresql://u:${NOPE_PW}@h/db"\n',
        {"NOPE_PW": None},
        5,
        "sources.crm.url",
        "NOPE_PW is not set",
    ),
    "wrong type": (
        "controller: {name: X}\ndeadline:\n  holidays: DE-BW\n  target_days: soon\n",
        {},
        4,
        "deadline.target_days",
        "integer",
    ),
    "missing required key": (
        "controller:\n  address: Musterstraße 1\nlanguage: de\n",
        {},
        1,
        "controller.name",
        "required key is missing",
    ),
    "missing source option": (
        "controller: {name: X}\nsources:\n  news: {type: xlsx}\n",
        {},
        3,
        "sources.news.path",
        "required key is missing",
    ),
    "unknown source type": (
        "controller: {name: X}\nsources:\n  helpdesk: {type: zendeks, path: x}\n",
        {},
        3,
        "sources.helpdesk.type",
        "did you mean 'zendesk'",
    ),
    "wrong language": (
        "controller: {name: X}\nlanguage: fr\n",
        {},
        2,
        "language",
        "'de' or 'en'",
    ),
    "wrong language among languages": (
        "controller: {name: X}\nlanguages: [de, fr]\n",
        {},
        2,
        "languages[1]",
        "'de' or 'en'",
    ),
    "text in an unknown language": (
        "controller: {name: X}\nsecurity_measures:\n  - {de: TLS, fr: TLS}\n",
        {},
        3,
        "security_measures[0]",
        "unknown language 'fr'",
    ),
    "unknown federal state": (
        "controller: {name: X}\ndeadline: {holidays: DE-XX}\n",
        {},
        2,
        "deadline.holidays",
        "unknown subdivision",
    ),
    "duplicate key": (
        "controller: {name: X}\nsources:\n  shop: {type: sql, url: 'sqlite:///a.db'}\n"
        "  shop: {type: sql, url: 'sqlite:///b.db'}\n",
        {},
        4,
        "sources.shop",
        "twice",
    ),
    "retention on unknown source": (
        "controller: {name: X}\nsources:\n  shop: {type: sql, url: 'sqlite:///a.db'}\n"
        "retention:\n  - name: Rechnungen\n    tables: [shopp.invoices]\n    years: 8\n"
        "    basis: AO\n",
        {},
        6,
        "retention[0].tables[0]",
        "did you mean 'shop'",
    ),
    "bad database url": (
        "controller: {name: X}\nsources:\n  shop: {type: sql, url: 'not a url'}\n",
        {},
        3,
        "sources.shop.url",
        "not a database URL",
    ),
    "unknown category in a column override": (
        "controller: {name: X}\nsources:\n  shop:\n    type: sql\n    url: 'sqlite:///a.db'\n"
        "    columns:\n      customers.email: [contcat]\n",
        {},
        7,
        "sources.shop.columns.customers.email[0]",
        "'contact'",
    ),
    "link to an unknown source": (
        "controller: {name: X}\nsources:\n  shop: {type: sql, url: 'sqlite:///a.db'}\n"
        "links:\n  - {from: zendesk.users.external_id, to: shop.customers.customer_number}\n",
        {},
        5,
        "links[0].from",
        "no source named 'zendesk'",
    ),
    "link that is not SOURCE.TABLE.COLUMN": (
        "controller: {name: X}\nsources:\n  shop: {type: sql, url: 'sqlite:///a.db'}\n"
        "links:\n  - from: shop.customers\n    to: shop.customers.id\n",
        {},
        5,
        "links[0].from",
        "SOURCE.TABLE.COLUMN",
    ),
    "empty file": ("", {}, 1, None, "empty"),
    "top level is a list": ("- a\n- b\n", {}, 1, None, "mapping"),
}


@pytest.mark.parametrize("case", list(MISTAKES))
def test_each_mistake_is_one_line_with_file_line_and_key(tmp_path: Path, case: str) -> None:
    text, env, line, key, words = MISTAKES[case]
    path = write(tmp_path, text)
    result = run("config", "check", "--config", path, exit=2, env=env)
    assert result.stdout == ""
    message = one_error_line(result.stderr)
    assert str(path) in message
    if line is not None:
        assert f"{path}:{line}:" in message
    else:
        assert re.search(rf"{re.escape(str(path))}:\d+:", message), message
    if key is not None:
        assert f": {key}:" in message
    assert words in message


def test_several_mistakes_each_get_their_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "controller: {name: X}\nsources:\n  a: {type: sql, urll: x}\n  b: {type: csv}\n",
    )
    result = run("config", "check", "--config", path, exit=2)
    lines = result.stderr.strip().splitlines()
    assert any(":3: sources.a.urll: unknown key" in line for line in lines)
    assert any(":4: sources.b.path: required key is missing" in line for line in lines)


def test_missing_file_names_the_file_and_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    result = run("config", "check", "--config", path, exit=2)
    message = one_error_line(result.stderr)
    assert str(path) in message and "file not found" in message and "dsr init" in message


def test_json_mode_keeps_stdout_empty_on_error(tmp_path: Path) -> None:
    path = write(tmp_path, "controller: {}\n")
    result = run("config", "check", "--config", path, "--json", exit=2)
    assert result.stdout == ""
    assert "controller.name" in result.stderr


def test_not_utf8_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "dsr.yaml"
    path.write_bytes("controller:\n  name: Müller GmbH\n".encode("cp1252"))
    message = one_error_line(run("config", "check", "--config", path, exit=2).stderr)
    assert f"{path}:2:" in message and "UTF-8" in message


def test_init_writes_a_commented_starter_that_validates(tmp_path: Path) -> None:
    result = run(
        "init", "--name", 'Beispiel "Nord" GmbH', "--holidays", "de-by", exit=0, cwd=tmp_path
    )
    path = tmp_path / "dsr.yaml"
    assert "Wrote" in result.stdout
    text = path.read_text(encoding="utf-8")
    assert text.count("#") > 40, "every key is explained"
    assert "§ 147 Abs. 1 Nr. 4 AO" in text and "years: 8" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = run("config", "check", "--json", exit=0, cwd=tmp_path).json
    assert doc["controller"] == 'Beispiel "Nord" GmbH'
    assert doc["holidays"] == "DE-BY"
    assert doc["sources"] == [] and doc["retention"] == []


def test_init_retention_defaults_validate_once_enabled(tmp_path: Path) -> None:
    run("init", "--language", "en", exit=0, cwd=tmp_path)
    path = tmp_path / "dsr.yaml"
    text = path.read_text(encoding="utf-8")
    # Enable the commented sources and retention rules the way a user would.
    enabled = re.sub(r"^  # (  |- |[a-z_]+:)", r"  \1", text, flags=re.MULTILINE)
    path.write_text(enabled, encoding="utf-8")
    doc = run("config", "check", "--json", exit=0, cwd=tmp_path).json
    assert doc["language"] == "en"
    assert {s["name"] for s in doc["sources"]} == {"shop", "newsletter", "helpdesk"}
    assert [r["years"] for r in doc["retention"]] == [8, 6, 10]


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "dsr.yaml").write_text("controller: {name: Keep me}\n", encoding="utf-8")
    message = one_error_line(run("init", exit=2, cwd=tmp_path).stderr)
    assert "already exists" in message and "--force" in message
    assert "Keep me" in (tmp_path / "dsr.yaml").read_text(encoding="utf-8")
    run("init", "--force", exit=0, cwd=tmp_path)
    assert "Keep me" not in (tmp_path / "dsr.yaml").read_text(encoding="utf-8")


def test_init_rejects_unknown_language(tmp_path: Path) -> None:
    run("init", "--language", "fr", exit=2, cwd=tmp_path)
    assert not (tmp_path / "dsr.yaml").exists()


def test_holiday_regions_keep_the_spelling_of_the_holidays_package(tmp_path: Path) -> None:
    """States are capitals (DE-BW), Augsburg is a name: both are matched without case."""
    for written, kept in (("de-bw", "DE-BW"), ("DE-AUGSBURG", "DE-Augsburg")):
        path = write(tmp_path, f"controller: {{name: X}}\ndeadline: {{holidays: {written}}}\n")
        assert run("config", "check", "--config", path, "--json", exit=0).json["holidays"] == kept


def test_links_accept_text_and_mapping_forms(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "controller: {name: X}\nsources:\n  shop: {type: sql, url: 'sqlite:///a.db'}\n"
        "  zendesk: {type: zendesk, path: z/}\nlinks:\n"
        "  - {from: zendesk.users.external_id, to: shop.customers.customer_number}\n"
        "  - from: {source: zendesk, table: comments, column: via.source.from.address}\n"
        "    to: shop.customers.email\n",
    )
    from dsr.config.load import load_config

    links = load_config(path).links
    assert str(links[0].from_) == "zendesk.users.external_id"
    assert links[1].from_.column == "via.source.from.address"
    assert links[1].to.table == "customers"


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///dsr.db", "sqlite:///data/ledger.sqlite", "sqlite:////var/lib/dsr/dsr.db",
        "sqlite:///a b/c+d-e.db", "sqlite://", "sqlite:///", "sqlite:///:memory:",
        "sqlite:///~/dsr.db", "sqlite:///x%20y.db", "sqlite:///file:x.db?mode=ro&uri=true",
        "sqlite:///ü.db",
    ],
)  # fmt: skip
@pytest.mark.parametrize("folder", ["plain", "with space", "per%cent", "at@sign", "ümlaut"])
def test_plain_sqlite_urls_resolve_as_sqlalchemy_resolves_them(
    tmp_path: Path, url: str, folder: str
) -> None:
    """The ledger's SQLite URL is resolved without SQLAlchemy when its path is plain (a CSV
    configuration then never imports it): the same text as through ``make_url``."""
    from sqlalchemy.engine import make_url

    from dsr.config import fields

    base = tmp_path / folder
    parsed = make_url(url)
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database).expanduser()
        parsed = parsed.set(database=str(path if path.is_absolute() else (base / path).resolve()))
    assert fields.resolve_database_url(url, base) == parsed.render_as_string(hide_password=False)
