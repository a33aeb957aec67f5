"""A person's identifiers read one way: `dsr find` options, `--batch` rows, `dsr request new`
and the request as the ledger keeps it (read again by `dsr erase`).

On a small real SQLite shop, through the CLI. The same birth date written
``1980-02-01``, ``01.02.1980`` or ``1.2.1980``, the same IBAN in any spacing, the
same postcode, phone and e-mail in any form must give the same normalised
identifiers and so the same rows, wherever they come in; a bad value is named by
its option or column, never quoted.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import dsr

SHOP = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, phone TEXT, first_name TEXT,
    last_name TEXT, birthdate TEXT, postcode TEXT, iban TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id),
    total REAL);
INSERT INTO customers VALUES
    (1, 'Jana.Schulz@Example.com', '0171 2345678', 'Jana', 'Schulz', '1980-02-01', '70173',
        'DE89 3704 0044 0532 0130 00'),
    (2, 'otto.brandt@example.org', '+49 30 1234567', 'Otto', 'Brandt', '1980-02-01', '10115',
        NULL),
    (3, 'mia.wolf@example.net', '0049 89 7654321', 'Mia', 'Wolf', '1985-07-14', '80331',
        'DE02120300000000202051'),
    (4, 'jana.schulz@example.de', NULL, 'Jana', 'Schulz', '1991-11-30', '70173', NULL);
INSERT INTO orders VALUES (10, 1, 9.5), (11, 2, 3.0), (12, 3, 1.0);
"""

BIRTHDATES = ("1980-02-01", "01.02.1980", "1.2.1980", " 01.2.1980 ")


@pytest.fixture
def company(tmp_path: Path) -> Path:
    with sqlite3.connect(tmp_path / "shop.db") as conn:
        conn.executescript(SHOP)
    conn.close()
    (tmp_path / "dsr.yaml").write_text(
        "controller: {name: Test GmbH}\ndeadline: {holidays: DE-BW}\n"
        "sources:\n  shop: {type: sql, url: 'sqlite:///shop.db'}\n",
        encoding="utf-8",
    )
    return tmp_path


def find(folder: Path, *args: str, exit: int = 0) -> dict[str, Any]:
    return dsr(folder, "find", "--json", *args, exit=exit).json


def rows(doc: dict[str, Any], person: int | None = None) -> list[tuple[str, str, Any, str, str]]:
    """The matches as comparable tuples, of one ``--batch`` row when ``person`` is given."""
    return sorted(
        (m["source"], m["table"], m["key"]["id"], m["match"], m["via"])
        for m in doc["matches"]
        if person is None or m["person"] == person
    )


def stored(folder: Path, request_id: str) -> list[tuple[str, str, str]]:
    """(kind, value, normalised) as the ledger holds the request's identifiers."""
    with sqlite3.connect(folder / "dsr.db") as conn:
        found = conn.execute(
            "SELECT kind, value, normalised FROM request_identifiers WHERE request_id = ? "
            "ORDER BY id",
            (request_id,),
        ).fetchall()
    conn.close()
    return [tuple(row) for row in found]


def write_batch(folder: Path, header: list[str], lines: list[list[str]]) -> Path:
    path = folder / "people.csv"
    text = "\n".join(",".join(f'"{v}"' for v in line) for line in [header, *lines])
    path.write_text(text + "\n", encoding="utf-8")
    return path


# --- the same person, however it comes in --------------------------------------------------------


def test_a_birth_date_in_each_form_finds_the_same_rows_as_option_and_batch_row(
    company: Path,
) -> None:
    expected = rows(find(company, "--name", "Jana Schulz", "--birthdate", "1980-02-01"))
    # Jana, not Otto (same birth day, other name), nor the other Jana (other birth day).
    assert expected == [("shop", "customers", 1, "possible", "name + birthdate")]
    for form in BIRTHDATES:
        assert rows(find(company, "--name", "Jana Schulz", "--birthdate", form)) == expected
    batch = write_batch(company, ["name", "birthdate"], [["Jana Schulz", f] for f in BIRTHDATES])
    doc = find(company, "--batch", str(batch))
    for row in range(2, 2 + len(BIRTHDATES)):
        assert rows(doc, row) == expected


def test_every_identifier_reads_the_same_as_option_and_as_batch_row(company: Path) -> None:
    options = {
        "email": " Jana.Schulz@EXAMPLE.com ",
        "phone": "+49 (171) 234-5678",
        "iban": "de89 3704 0044 0532 0130 00",
        "id": " shop : 1 ",
        "name": "Jana  Schulz",
        "postcode": " 70 173 ",
        "birthdate": "1.2.1980",
    }
    single = rows(find(company, *[a for k, v in options.items() for a in (f"--{k}", v)]))
    assert any(r[:4] == ("shop", "customers", 1, "direct") for r in single)
    assert ("shop", "orders", 10, "linked", "customers.id → orders.customer_id") in single
    batch = write_batch(company, list(options), [list(options.values())])
    assert rows(find(company, "--batch", str(batch)), 2) == single
    for kind in ("email", "phone", "iban", "id"):  # each strong identifier alone, both ways
        alone = rows(find(company, f"--{kind}", options[kind]))
        assert ("shop", "customers", 1, "direct", kind) in alone
        batch = write_batch(company, [kind], [[options[kind]]])
        assert rows(find(company, "--batch", str(batch)), 2) == alone


def test_a_request_stores_the_identifiers_find_reads_and_erase_reads_them_back(
    company: Path,
) -> None:
    given = ["--name", "Jana Schulz", "--birthdate", "01.02.1980", "--postcode", " 70 173 "]
    new = dsr(company, "request", "new", "--type", "erasure", *given,
              "--email", " Jana.Schulz@EXAMPLE.com ", "--phone", "+49 (171) 234-5678",
              "--id", " shop : 1 ", "--received", "2026-03-05", "--json").json  # fmt: skip
    assert stored(company, new["id"]) == [
        ("email", "Jana.Schulz@EXAMPLE.com", "jana.schulz@example.com"),
        ("phone", "+49 (171) 234-5678", "+491712345678"),
        ("name", "Jana Schulz", "jana schulz"),
        ("birthdate", "01.02.1980", "1980-02-01"),
        ("postcode", "70 173", "70173"),
        ("id", "shop : 1", "shop:1"),
    ]
    shown = dsr(company, "request", "show", new["id"], "--json").json
    assert {"kind": "birthdate", "value": "01.02.1980"} in shown["identifiers"]

    # Name and birth date alone: the stored request finds exactly what `find` finds.
    weak = dsr(company, "request", "new", "--type", "erasure", *given[:4],
               "--received", "2026-03-05", "--json").json  # fmt: skip
    plan = dsr(company, "erase", weak["id"], "--json", exit=1).json  # possible matches: look
    left_out = sorted(
        (m["source"], m["table"], m["key"]["id"], "possible", m["via"]) for m in plan["left_out"]
    )
    assert left_out == rows(find(company, *given[:4]))
    assert plan["possible"] == 1

    # All of them: Jana's rows are erased; the other Jana (same name and postcode) is left out.
    plan = dsr(company, "erase", new["id"], "--json", exit=1).json
    assert {(a["table"], a["key"]["id"]) for a in plan["actions"]} == {
        ("customers", 1),
        ("orders", 10),
    }
    assert [m["key"]["id"] for m in plan["left_out"]] == [4]


# --- bad values: named by field, never quoted ----------------------------------------------------

BAD = [
    ("email", "jana.schulz(at)example.com"),
    ("phone", "12-ab"),
    ("birthdate", "31.02.1980"),
    ("birthdate", "01/02/1980"),  # 1 February in Germany, 2 January in the US: refused
    ("birthdate", "2999-01-01"),  # not born yet
    ("id", "K-77777"),  # no source
    ("postcode", "   "),
]


@pytest.mark.parametrize(("kind", "value"), [*BAD, ("iban", "DE00 1234 5678 9012")])
def test_find_names_the_bad_option_not_the_value(company: Path, kind: str, value: str) -> None:
    result = dsr(company, "find", f"--{kind}", value, "--email", "mia.wolf@example.net", exit=2)
    assert f"--{kind} " in result.stderr and result.stdout == ""
    assert not value.strip() or value.strip() not in result.stderr


@pytest.mark.parametrize(("kind", "value"), BAD)
def test_request_new_names_the_bad_option_not_the_value(
    company: Path, kind: str, value: str
) -> None:
    result = dsr(company, "request", "new", "--type", "access", "--email", "mia.wolf@example.net",
                 f"--{kind}", value, exit=2)  # fmt: skip
    assert f"--{kind} " in result.stderr
    assert not value.strip() or value.strip() not in result.stderr
    assert not (company / "dsr.db").exists() or stored(company, "2026-0001") == []


@pytest.mark.parametrize(("kind", "value"), [*BAD[:-1], ("iban", "DE00 1234 5678 9012")])
def test_batch_names_row_and_column_not_the_value(company: Path, kind: str, value: str) -> None:
    batch = write_batch(company, ["name", kind], [["Mia Wolf", ""], ["", value]])
    result = dsr(company, "find", "--batch", str(batch), exit=2)
    assert f"{batch}:3: column {kind} " in result.stderr
    assert not value.strip() or value.strip() not in result.stderr


def test_every_bad_value_is_reported_at_once_and_repeats_are_numbered(company: Path) -> None:
    result = dsr(company, "request", "new", "--type", "access", "--email", "mia.wolf@example.net",
                 "--email", "nope", "--birthdate", "1.13.1980", exit=2)  # fmt: skip
    lines = result.stderr.splitlines()
    assert any("--email (number 2) is not an e-mail address" in line for line in lines)
    assert any("--birthdate is not a date of birth" in line for line in lines)


def test_an_id_must_name_a_described_source_in_find_as_in_request_new(company: Path) -> None:
    for command in (["find"], ["request", "new", "--type", "access"]):
        result = dsr(company, *command, "--id", "shpo:1", exit=2)
        assert "names source 'shpo'" in result.stderr and "did you mean 'shop'" in result.stderr
