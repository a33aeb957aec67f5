"""What `dsr --help` and every command's help show, and what showing them costs.

Help is read by people deciding how to call a command: a metavariable must name
the value (``--email ADDRESS``), not the Python type behind it (``<str>``,
``<list[str]>``, ``<int range>``); a paragraph must not break where the source
file happened to wrap it; a usage mistake is one line on stderr, like every
other error. And `dsr --help` / `dsr --version` must start without importing
what no command there uses: the list of commands comes from a table, not from
importing SQLAlchemy, the configuration loader and every command module.
"""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.text import Text

from dsr.cli.app import COMMANDS
from dsr.cli.root import loaded_root
from tests.helpers import run

WIDE = {"COLUMNS": "2000"}
"""Wide enough that Rich wraps nothing: every line break left is one dsr put there."""

PYTHON_TYPE = re.compile(
    r"<\s*(bool|str|int|float|path|text|list|tuple|dict|datetime|uuid|choice|file)\b[^>]*>"
    r"|\b(list|tuple|dict|set)\[\w+|\b(int|float) range\b|\bNoneType\b",
    re.IGNORECASE,
)
"""How Typer shows a value's Python type when a parameter has no metavariable."""


def _tree() -> dict[str, object]:
    """Every command and group by its path ('' for dsr itself), imported eagerly."""
    found: dict[str, object] = {}

    def walk(command: object, path: str) -> None:
        found[path] = command
        for name, child in (getattr(command, "commands", None) or {}).items():
            walk(child, f"{path} {name}".strip())

    walk(loaded_root(), "")
    return found


TREE = _tree()


@pytest.mark.parametrize("path", list(TREE), ids=lambda p: p or "dsr")
def test_no_metavariable_is_a_python_type(path: str) -> None:
    shown = run(*path.split(), "--help", exit=0, env=WIDE).stdout
    assert "Usage: dsr" in shown
    found = PYTHON_TYPE.findall(shown)
    assert not found, f"dsr {path} --help shows Python types {found}:\n{shown}"


@pytest.mark.parametrize("path", list(TREE), ids=lambda p: p or "dsr")
def test_help_paragraphs_are_not_broken_mid_sentence(path: str) -> None:
    """Each paragraph of the help is one line when the terminal is wide enough.

    The docstrings are wrapped at 80 columns in the source; shown as written, they
    broke lines mid-sentence at every width (a short line, then a wrapped one)."""
    shown = run(*path.split(), "--help", exit=0, env=WIDE).stdout
    lines = {" ".join(line.strip(" │").split()) for line in shown.splitlines()}
    help_text = inspect.cleandoc(getattr(TREE[path], "help", None) or "")
    for paragraph in help_text.split("\n\n"):
        plain = " ".join(Text.from_markup(paragraph).plain.split())
        assert plain in lines, f"not on one line in dsr {path} --help: {plain!r}\n{shown}"


def test_the_command_list_needs_no_command_module() -> None:
    """`dsr --help` lists every command with its line from COMMANDS, in that order."""
    shown = run("--help", exit=0, env=WIDE).stdout
    rows = [line.strip(" │").split(None, 1) for line in shown.splitlines()]
    listed = [row[0] for row in rows if row and row[0] in COMMANDS]
    assert listed == list(COMMANDS)
    for name, entry in COMMANDS.items():
        assert [name, entry.summary] in rows


@pytest.mark.parametrize(
    "args, says",
    [
        (["frobnicate"], "No such command 'frobnicate'"),
        (["fnd", "--email", "x@example.com"], "Did you mean 'find'?"),
        (["config", "check", "--nope"], "No such option: --nope"),
        (["request", "new", "--email", "x@example.com"], "Missing option '--type'"),
        (["demo", "--customers", "3"], "Invalid value for '--customers'"),
        (["request", "show"], "Missing argument 'ID'"),
    ],
    ids=["unknown command", "typo", "unknown option", "missing option", "bad value", "no id"],
)
def test_a_usage_error_is_one_line_on_stderr(args: list[str], says: str, tmp_path: Path) -> None:
    result = run(*args, exit=2, cwd=tmp_path)
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: ") and says in result.stderr, result.stderr
    assert "--help" in result.stderr  # where to look next


def _imported(tmp_path: Path, *args: str, cwd: Path | None = None) -> set[str]:
    """The modules a fresh ``dsr ARGS`` has imported when it ends (exit 0 expected).

    Read from ``sys.modules`` in the process itself: ``-X importtime`` does not see
    modules imported through importlib, which is how commands are loaded."""
    code = (
        "import json, sys\n"
        "from dsr.cli.app import main\n"
        "code = main(sys.argv[2:])\n"
        "with open(sys.argv[1], 'w') as f:\n"
        "    json.dump(sorted(sys.modules), f)\n"
        "sys.exit(code)\n"
    )
    listing = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", code, str(listing), *args], capture_output=True, text=True, cwd=cwd
    )
    assert done.returncode == 0, done.stderr[-2000:]
    names = set(json.loads(listing.read_text(encoding="utf-8")))
    assert "dsr.cli.app" in names
    return names


HEAVY = ("sqlalchemy", "pandas", "weasyprint", "numpy", "faker", "jinja2", "yaml", "holidays")


def test_help_imports_no_command_and_no_core(tmp_path: Path) -> None:
    names = _imported(tmp_path, "--help")
    assert "typer" in names  # the help is Typer's; the commands behind it are not loaded
    heavy = sorted(n for n in names if n.split(".")[0] in HEAVY)
    assert not heavy, heavy
    commands = sorted(n for n in names if n.removeprefix("dsr.cli.") in COMMANDS)
    assert not commands, commands
    core = sorted(n for n in names if n.startswith("dsr.") and not n.startswith("dsr.cli"))
    assert core == ["dsr.errors", "dsr.outcome"], core  # no dsr.config.load, no ledger


def test_version_imports_neither_typer_nor_rich(tmp_path: Path) -> None:
    names = _imported(tmp_path, "--version")
    assert not sorted(n for n in names if n.split(".")[0] in ("typer", "rich", *HEAVY))
    assert not sorted(n for n in names if n.startswith("dsr.") and n != "dsr.cli.app"
                      and n not in ("dsr.cli", "dsr.cli.console", "dsr.outcome"))  # fmt: skip


def test_a_command_help_imports_only_that_command(tmp_path: Path) -> None:
    names = _imported(tmp_path, "request", "--help")
    assert "dsr.cli.request" in names
    others = sorted(n for n in names if n.removeprefix("dsr.cli.") in set(COMMANDS) - {"request"})
    assert not others, others


def test_overdue_imports_what_it_uses_only(demo: Path, tmp_path: Path) -> None:
    """`dsr overdue` (cron) reads dsr.yaml and the ledger: it needs no CSV scanner (NumPy,
    multiprocessing), no letter templates (Jinja), no phone or tax-id parsers, no PDF
    writer, no demo generator, and none of the other commands."""
    run("request", "new", "--type", "access", "--email", "a@example.com", exit=0, cwd=demo)
    names = _imported(tmp_path, "overdue", cwd=demo)
    assert "sqlalchemy" in names and "dsr.requests.overdue" in names
    unused = ("numpy", "multiprocessing", "jinja2", "phonenumbers", "stdnum", "weasyprint",
              "faker", "duckdb", "openpyxl", "dsr.lookup.engine", "dsr.erasure.plan")  # fmt: skip
    assert not sorted(n for n in unused if n in names)
    others = set(COMMANDS) - {"overdue", "request"}  # overdue shares request's --actor option
    assert not sorted(n for n in names if n.removeprefix("dsr.cli.") in others)


def test_a_lookup_in_csv_files_does_not_import_sqlalchemy(tmp_path: Path) -> None:
    """SQLAlchemy takes 0.2 s to import, a sixth of a lookup in a 1 GB export: a
    configuration of files (with its default SQLite ledger) never needs it."""
    (tmp_path / "people.csv").write_text(
        "id,email,name\n1,anna@example.de,Anna Weber\n", encoding="utf-8"
    )
    (tmp_path / "dsr.yaml").write_text(
        "controller: {name: X}\nsources:\n  crm: {type: csv, path: people.csv}\n",
        encoding="utf-8",
    )
    names = _imported(tmp_path, "find", "--json", "--email", "anna@example.de", cwd=tmp_path)
    assert "dsr.lookup.engine" in names
    assert not sorted(n for n in names if n.split(".")[0] == "sqlalchemy")
