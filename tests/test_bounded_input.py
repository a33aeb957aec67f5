"""Hostile or broken input ends quickly with one clear line, never a crash or a hang.

Part of issue 15's corpus of bad inputs: dsr.yaml files that YAML allows but that
expand without bound, nest without end, build Python objects or refer to themselves;
vendor ZIP exports that unpack to gigabytes or hold one endless line; names that a
spreadsheet would run as formulas; an ``--output`` that is a file. Each case runs
through the CLI and checks the exit code, the one line naming the file (and line) or
the source, that no traceback is shown, and how long it took.
"""

from __future__ import annotations

import base64
import os
import sqlite3
import stat
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook

from dsr.connectors.files.atomic import replacing
from dsr.connectors.saas import export
from tests.helpers import Result, dsr

CONTROLLER = "controller:\n  name: Beispiel GmbH\n"
SECRET_PERSON = "anna.schmidt@example.de"


def one_error_line(result: Result) -> str:
    """The command's only line on stderr, which must be an error and no traceback."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    return lines[0]


# -- dsr.yaml --------------------------------------------------------------------------------


def _alias_bomb() -> str:
    """Nine levels of nine aliases: 400 bytes that expand to 9**9 (387 million) values."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 9):
        refs = ",".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return CONTROLLER + "\n".join(lines) + "\n"


YAML_CASES: dict[str, tuple[str, str, int | None]] = {
    # name: (dsr.yaml, words the line must hold, the line it must name)
    "alias bomb": (_alias_bomb(), "aliases (*name) expand to more than", 8),
    "alias bomb of mappings": (
        CONTROLLER
        + "x0: &x0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8}\n"
        + "".join(
            f"x{n}: &x{n} {{{', '.join(f'k{i}: *x{n - 1}' for i in range(8))}}}\n"
            for n in range(1, 9)
        ),
        "expand to more than",
        None,
    ),
    "alias inside the mapping it names": (
        "controller: &c\n  name: x\n  dpo: *c\n",
        "alias *c refers to the value it stands in",
        3,
    ),
    "alias inside the list it names": (
        "a: &a [1, *a]\n" + CONTROLLER,
        "alias *a refers to the value it stands in",
        1,
    ),
    "python object tag": (
        CONTROLLER + "x: !!python/object/apply:os.system ['echo hi']\n",
        "the YAML tag '!!python/object/apply:os.system' is not allowed",
        3,
    ),
    "python name tag": (
        CONTROLLER + "x: !!python/name:os.system\n",
        "'!!python/name:os.system' is not allowed",
        3,
    ),
    "python new-object tag on a mapping": (
        CONTROLLER + "x: !!python/object/new:subprocess.Popen {args: [ls]}\n",
        "!!python/object/new:subprocess.Popen' is not allowed",
        3,
    ),
    "local tag": (CONTROLLER + "sources: !include other.yaml\n", "tag '!include'", 3),
    "binary tag": (CONTROLLER + "x: !!binary aGVsbG8=\n", "tag '!!binary' is not allowed", 3),
    "deep flow nesting": (
        CONTROLLER + "x: " + "[" * 5000 + "]" * 5000 + "\n",
        "nested deeper than 32 levels",
        3,
    ),
    "deep block nesting": (
        CONTROLLER + "".join(f"{'  ' * i}k{i}:\n" for i in range(40)) + "  " * 40 + "v: 1\n",
        "nested deeper than 32 levels",
        35,
    ),
    "file too large": (
        CONTROLLER + ("# " + "x" * 98 + "\n") * 11_000,
        "is larger than 1024 KB",
        None,
    ),
    "undefined alias": (CONTROLLER + "x: *nowhere\n", "invalid YAML", 3),
}


@pytest.mark.parametrize("case", list(YAML_CASES))
def test_hostile_dsr_yaml_is_one_clear_error(case: str, tmp_path: Path) -> None:
    text, words, line = YAML_CASES[case]
    (tmp_path / "dsr.yaml").write_text(text)
    began = time.monotonic()
    for command in (("config", "check"), ("sources", "check"), ("request", "list")):
        message = one_error_line(dsr(tmp_path, *command, exit=2))
        assert words in message, message
        place = f"dsr.yaml:{line}:" if line is not None else "dsr.yaml"
        assert place in message, message
    assert time.monotonic() - began < 10
    assert not (tmp_path / "dsr.db").exists()  # nothing was done


def test_anchors_and_merge_keys_within_bounds_still_work(tmp_path: Path) -> None:
    (tmp_path / "dsr.yaml").write_text(
        CONTROLLER
        + "x-common: &common\n  purpose: Kundenservice\n  legal_basis: Art. 6(1)(b) DSGVO\n"
        + "sources:\n"
        + "  shop:\n    <<: *common\n    type: sql\n    url: sqlite:///shop.db\n"
        + "  crm:\n    <<: *common\n    type: sql\n    url: sqlite:///crm.db\n"
    )
    result = dsr(tmp_path, "config", "check", exit=2)  # only the unknown top-level key
    message = one_error_line(result)
    assert "x-common" in message and "unknown key" in message


# -- vendor ZIP exports ------------------------------------------------------------------------

MEMBERS = "subscribed_members_export.csv"
HEADER = b"Email Address,First Name,Last Name\n"


def _mailchimp(tmp_path: Path, archive: Path) -> Path:
    (tmp_path / "dsr.yaml").write_text(
        CONTROLLER + f"sources:\n  newsletter:\n    type: mailchimp\n    path: {archive}\n"
    )
    return tmp_path


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 5 MB of ZIP that unpacks to 2 GB: one member of a header and newlines."""
    path = tmp_path_factory.mktemp("bomb") / "mailchimp.zip"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open(MEMBERS, "w", force_zip64=True) as member,
    ):
        member.write(HEADER + f"{SECRET_PERSON},Anna,Schmidt\n".encode())
        chunk = b"\n" * (8 << 20)
        for _ in range((2 << 30) // len(chunk)):
            member.write(chunk)
    assert path.stat().st_size < 20 << 20
    return path


def _stored(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _noise(size: int) -> bytes:
    """Letters that do not compress, so no ratio bound applies."""
    return base64.b64encode(os.urandom(size))[:size]


ZIP_CASES: dict[str, tuple[Callable[[Path], Path], dict[str, int], str]] = {
    "too many members": (
        lambda folder: _stored(
            folder / "many.zip",
            {f"part-{i:03}/{MEMBERS}": HEADER + b"a@example.org,A,B\n" for i in range(60)},
        ),
        {"MAX_MEMBERS": 50},
        "holds more than 50 files; dsr did not unpack it",
    ),
    "too large unpacked": (
        lambda folder: _stored(folder / "large.zip", {MEMBERS: HEADER + _noise(3 << 20)}),
        {"MAX_UNPACKED_BYTES": 2 << 20},
        "unpacks to more than",
    ),
    "one endless line": (
        lambda folder: _stored(
            folder / "line.zip",
            {MEMBERS: HEADER + f"{SECRET_PERSON},Anna,Schmidt\n".encode() + _noise(3 << 20)},
        ),
        {"MAX_LINE_BYTES": 1 << 20},
        "has a line longer than 1 MB; dsr stopped reading it",
    ),
}


@pytest.mark.parametrize("case", list(ZIP_CASES))
@pytest.mark.parametrize("command", [("sources", "check"), ("find", "--email", SECRET_PERSON)])
def test_archive_beyond_a_bound_is_a_source_failure(
    case: str, command: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real bounds are a gigabyte and more; each case lowers one to build a small file."""
    build, bounds, words = ZIP_CASES[case]
    for name, value in bounds.items():
        monkeypatch.setattr(export, name, value)
    archive = build(tmp_path)
    folder = _mailchimp(tmp_path, archive)
    result = dsr(folder, *command, exit=1)
    failures = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(failures) == 1, result.stderr
    assert "source 'newsletter' failed" in failures[0] and archive.name in failures[0]
    assert words in failures[0], failures[0]
    assert "Traceback" not in result.stderr and SECRET_PERSON not in result.stderr


def test_a_zip_bomb_of_2_gb_stops_at_once(zip_bomb: Path, tmp_path: Path) -> None:
    folder = _mailchimp(tmp_path, zip_bomb)
    for command in (("sources", "check"), ("find", "--email", SECRET_PERSON), ("inventory",)):
        began = time.monotonic()
        result = dsr(folder, *command, exit=1)
        assert time.monotonic() - began < 5
        message = next(line for line in result.stderr.splitlines() if "failed" in line)
        assert "source 'newsletter' failed" in message and "mailchimp.zip" in message
        assert "unpacks to more than 100 times its packed size" in message
        assert "Traceback" not in result.stderr


def test_an_ordinary_export_zip_is_still_read(tmp_path: Path) -> None:
    rows = b"".join(f"person{i}@example.org,P{i},Q{i}\n".encode() for i in range(2000))
    archive = tmp_path / "mailchimp.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr(MEMBERS, HEADER + f"{SECRET_PERSON},Anna,Schmidt\n".encode() + rows)
    folder = _mailchimp(tmp_path, archive)
    found = dsr(folder, "find", "--email", SECRET_PERSON, "--json")
    assert found.json["complete"]
    assert [(m["source"], m["key"]["row"]) for m in found.json["matches"]] == [("newsletter", 2)]


# -- what dsr writes: formulas stay text -------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)"]


def test_inventory_workbook_writes_formula_like_names_as_text(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "shop.db") as db:
        db.execute(
            'CREATE TABLE "=HYPERLINK(""http://evil.example"",""click"")" '
            '(id INTEGER PRIMARY KEY, "+cmd|\' /C calc\'!A0" TEXT, "-2+3" TEXT, "@SUM(1)" TEXT, '
            "email TEXT)"
        )
    table = FORMULAS[0].replace('"', '\\"')
    columns = "".join(
        f'      "{table}.{c.replace(chr(34), chr(92) + chr(34))}": [contact]\n'
        for c in FORMULAS[1:]
    )
    (tmp_path / "dsr.yaml").write_text(
        CONTROLLER
        + "sources:\n  shop:\n    type: sql\n    url: sqlite:///shop.db\n"
        + "    columns:\n"
        + columns
    )
    dsr(tmp_path, "inventory", exit=0)
    workbook = next((tmp_path / "inventory").glob("*.xlsx"))
    with zipfile.ZipFile(workbook) as archive:
        sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any(b"<f>" in sheet or b"<f " in sheet for sheet in sheets)
    seen = set()
    for sheet in load_workbook(workbook).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value in FORMULAS:
                    assert cell.data_type == "s" and cell.quotePrefix, (sheet.title, cell.value)
                    seen.add(cell.value)
    assert seen == set(FORMULAS)


# -- access --output ---------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["a file", "inside a file"])
def test_access_output_at_a_file_is_a_usage_error(where: str, tmp_path: Path) -> None:
    (tmp_path / "dsr.yaml").write_text(CONTROLLER + "sources: {}\n")
    rid = dsr(
        tmp_path, "request", "new", "--type", "access", "--email", SECRET_PERSON, "--json"
    ).json["id"]
    existing = tmp_path / "answer.pdf"
    existing.write_text("keep me")
    output = existing if where == "a file" else existing / "sub"
    message = one_error_line(dsr(tmp_path, "access", rid, "--output", str(output), exit=2))
    assert "--output" in message and "answer.pdf" in message
    assert existing.read_text() == "keep me"
    listed = dsr(tmp_path, "request", "list", "--json").json
    assert [r["status"] for r in listed["requests"]] == ["open"]


# -- temporary copies ------------------------------------------------------------------------


def test_temporary_copies_are_owner_only_while_written(tmp_path: Path) -> None:
    target = tmp_path / "customers.csv"
    target.write_text("email\nanna@example.de\n")
    os.chmod(target, 0o644)
    with replacing([target]) as temps:
        assert stat.S_IMODE(temps[0].stat().st_mode) == 0o600
        with open(temps[0], "w") as rewritten:
            rewritten.write("email\n")
        assert stat.S_IMODE(temps[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # the original's mode, once done
    assert target.read_text() == "email\n"
