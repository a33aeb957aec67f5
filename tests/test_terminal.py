"""dsr as people run it: in a real terminal, with colours and progress bars.

The other CLI tests capture stdout and stderr through pipes, as cron and scripts
do, and there Rich draws no progress bars at all. A person at a terminal gets the
other code path: live bars on stderr, colours, a width to wrap to. A bug there
(progress bars that crashed every source of `dsr inventory`) passed every pipe
test, so these tests run the installed ``dsr`` script inside a pseudo-terminal of
120 x 40 with TERM=xterm-256color and nothing that would switch Rich's terminal
detection off, on a demo built once for the module, and go through every command
line README.md shows: each must end with the exit code the README promises and
print no ``internal error``, ``unexpected error`` or ``Traceback``.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pexpect
import pytest

DSR = Path(sys.executable).parent / "dsr"
"""The console script pip installed beside this interpreter: what a user types."""

COLUMNS, LINES = 120, 40
TIMEOUT = 120
"""Seconds one command may take before the test gives up on it (a hang is a failure)."""

BAD = ("internal error", "unexpected error", "Traceback")
"""What a finished command must never print: each of these means a bug in dsr."""

_NOT_A_TERMINAL = (
    "NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES",
    "JUPYTER_COLUMNS", "JUPYTER_LINES", "PY_COLORS", "GITHUB_ACTIONS", "CI",
    "DSR_DEBUG", "DSR_CONFIG",
)  # fmt: skip
"""Variables that make Rich (or Typer) decide for itself instead of asking the terminal,
or that change what dsr prints: a test run from CI must still see a person's terminal."""

_CACHES_OFF = "PYTHONDONTWRITEBYTECODE"
"""A person's Python keeps bytecode caches; without them each of the commands here would
compile dsr from source again, and the file would take twice as long."""

_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[=>78]")


def terminal_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (*_NOT_A_TERMINAL, _CACHES_OFF)}
    env["TERM"] = "xterm-256color"
    return env


@dataclass(repr=False)
class Run:
    """One command as the person at the terminal saw it (stdout and stderr together)."""

    argv: list[str]
    code: int
    screen: str
    seconds: float

    @property
    def text(self) -> str:
        """The output without colour codes and cursor movement."""
        return _ESCAPES.sub("", self.screen).replace("\r", "")

    def __repr__(self) -> str:
        return f"<dsr {' '.join(self.argv)}: exit {self.code}>"

    def describe(self) -> str:
        return (
            f"dsr {' '.join(self.argv)} exited {self.code} after {self.seconds:.1f} s\n"
            f"--- terminal ---\n{self.text}"
        )


def in_terminal(*args: str | Path, cwd: Path, columns: int = COLUMNS) -> Run:
    """Run the installed ``dsr ARGS`` in a fresh pseudo-terminal and wait for it to end."""
    argv = [str(a) for a in args]
    started = time.monotonic()
    child = pexpect.spawn(
        str(DSR),
        argv,
        cwd=str(cwd),
        env=terminal_environment(),
        dimensions=(LINES, columns),
        encoding="utf-8",
        codec_errors="replace",
        timeout=TIMEOUT,
    )
    child.expect(pexpect.EOF)
    child.close()
    code = child.exitstatus if child.exitstatus is not None else -(child.signalstatus or 0)
    return Run(argv, code, child.before or "", time.monotonic() - started)


def dsr(*args: str | Path, cwd: Path, exit: int, columns: int = COLUMNS) -> Run:
    """Run ``dsr ARGS`` in a terminal; it must exit with ``exit`` and show no sign of a bug."""
    run = in_terminal(*args, cwd=cwd, columns=columns)
    assert run.code == exit, f"expected exit {exit}: {run.describe()}"
    for bad in BAD:
        assert bad not in run.text, f"{bad!r} in the output: {run.describe()}"
    return run


def request_id(run: Run) -> str:
    """The id `dsr request new` printed first, e.g. 2026-0003."""
    found = re.search(r"^(\d{4}-\d{4}) ", run.text, re.MULTILINE)
    assert found, f"no request id: {run.describe()}"
    return found.group(1)


@dataclass
class Demo:
    parent: Path
    folder: Path
    built: Run
    pristine: Path
    """A copy of the demo as built, for tests that need it untouched by the others."""

    def fresh_copy(self, where: Path) -> Path:
        """A copy of the freshly built demo in ``where``/beispiel-gmbh (with its own ledger)."""
        copy = where / "beispiel-gmbh"
        shutil.copytree(self.pristine, copy)
        return copy


@pytest.fixture(scope="module")
def terminal_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The README's first command, `dsr demo beispiel-gmbh`, run once in a terminal."""
    parent = tmp_path_factory.mktemp("terminal")
    built = in_terminal("demo", "beispiel-gmbh", cwd=parent)
    pristine = tmp_path_factory.mktemp("pristine") / "beispiel-gmbh"
    if built.code == 0:
        shutil.copytree(parent / "beispiel-gmbh", pristine)
    yield Demo(parent, parent / "beispiel-gmbh", built, pristine)


def built(demo: Demo) -> Path:
    """The demo folder; fails (rather than errors) the test when the demo was not built."""
    assert demo.built.code == 0, demo.built.describe()
    return demo.folder


def test_rich_sees_a_terminal(tmp_path: Path) -> None:
    """Without this, every other test here would only repeat the pipe tests."""
    child = pexpect.spawn(
        sys.executable,
        ["-c", "from dsr.cli.console import err; c = err(); "
               "print(c.is_terminal, c.color_system, c.width, c.is_dumb_terminal)"],
        cwd=str(tmp_path),
        env=terminal_environment(),
        dimensions=(LINES, COLUMNS),
        encoding="utf-8",
        timeout=TIMEOUT,
    )  # fmt: skip
    child.expect(pexpect.EOF)
    assert child.before.split() == ["True", "256", str(COLUMNS), "False"]


def test_demo_then_the_first_command_line(terminal_demo: Demo) -> None:
    """README's first line: demo, inventory, an access request, its answer."""
    folder = built(terminal_demo)
    demo = terminal_demo.built
    for bad in BAD:
        assert bad not in demo.text, demo.describe()
    assert "━" in demo.text, "no progress bar was drawn: " + demo.describe()
    assert "\x1b[" in demo.screen, "no colours: " + demo.describe()
    inventory = dsr("inventory", cwd=folder, exit=0)
    assert "━" in inventory.text, "no progress bar was drawn: " + inventory.describe()
    assert (folder / "inventory" / "inventory-de.html").is_file()
    new = dsr(
        "request", "new", "--type", "access", "--email", "juergen.mueller@example.com",
        cwd=folder, exit=0,
    )  # fmt: skip
    answered = request_id(new)
    dsr("access", "--all-open", cwd=folder, exit=0)
    written = sorted(p.name for p in (folder / "answers" / answered).iterdir())
    assert sorted(n.rsplit(".", 1)[1] for n in written if not n.startswith("interne-notiz")) == [
        "html", "md", "pdf", "zip",
    ]  # fmt: skip (and the staff note where an agent's name was blacked out)


def test_configuration_sources_and_connectors(terminal_demo: Demo) -> None:
    folder = built(terminal_demo)
    assert "Beispiel GmbH" in dsr("config", "check", cwd=folder, exit=0).text
    assert "shop" in dsr("sources", "check", cwd=folder, exit=0).text
    dsr("sources", "check", "shop", "events", cwd=folder, exit=0)
    indexed = dsr("sources", "index", "shop", cwd=folder, exit=0).text
    assert "support_notes.note (words, numbers in the text)" in indexed
    dropped = dsr("sources", "index", "shop", "--drop", cwd=folder, exit=0).text
    assert "removed the mention index of 3 columns" in dropped
    assert "zendesk" in dsr("connectors", "list", cwd=folder, exit=0).text
    links = dsr("links", "shop", cwd=folder, exit=0).text
    assert "declared" in links and "orders.customer_id" in links
    assert "links:" in dsr("links", "--write", cwd=folder, exit=0).text
    dsr("inventory", "newsletter", "events", "--language", "en", cwd=folder, exit=0)


def test_find_every_way_the_readme_shows(terminal_demo: Demo) -> None:
    folder = built(terminal_demo)
    found = dsr("find", "--email", "juergen.mueller@example.com", cwd=folder, exit=0)
    assert "shop" in found.text and "mailchimp" in found.text
    dsr("find", "--phone", "0171 2345678", "--name", "Jürgen Müller", "--birthdate", "1978-05-23",
        "--id", "shop:K-100498", cwd=folder, exit=0)  # fmt: skip
    batch = folder / "people.csv"
    batch.write_text(
        "email,name,birthdate\njuergen.mueller@example.com,,\n,Anna Schmidt,1985-04-12\n",
        encoding="utf-8",
    )
    dsr("find", "--batch", batch, "--json", cwd=folder, exit=0)


def test_an_erasure_start_to_end(terminal_demo: Demo) -> None:
    """README's erasure block, then the evidence bundle and the retention follow-up."""
    folder = built(terminal_demo)
    new = dsr(
        "request", "new", "--type", "erasure", "--email", "katharina.weiss@example.com",
        "--name", "Katharina Weiß", cwd=folder, exit=0,
    )  # fmt: skip
    rid = request_id(new)
    dsr("erase", rid, cwd=folder, exit=0)
    assert list((folder / "erasure" / rid).glob("loeschplan-*.md"))
    dsr("erase", rid, "--execute", cwd=folder, exit=0)
    dsr("erase", rid, "--verify", cwd=folder, exit=0)
    assert list((folder / "answers" / rid).glob("loeschbestaetigung-*.pdf"))
    dsr("request", "evidence", rid, cwd=folder, exit=0)
    assert (folder / "evidence" / rid / "evidence.json").is_file()
    dsr("erase", rid, "--retention-ended", cwd=folder, exit=0)


def test_possible_match_left_out_then_confirmed(terminal_demo: Demo) -> None:
    folder = built(terminal_demo)
    new = dsr(
        "request", "new", "--type", "erasure", "--name", "Anna Schmidt",
        "--birthdate", "1985-04-12", cwd=folder, exit=0,
    )  # fmt: skip
    rid = request_id(new)
    left_out = dsr("erase", rid, cwd=folder, exit=1)
    assert "--confirm" in left_out.text
    # Her row, as the demo's README lists it under the planted cases.
    case = (folder / "README.md").read_text(encoding="utf-8").split("(Anna Schmidt")[1]
    anna = re.search(r"shop: customers id=(\d+)", case)
    assert anna, case[:500]
    dsr("erase", rid, "--confirm", f"shop.customers:{anna.group(1)}", cwd=folder, exit=0)


def test_the_request_ledger(terminal_demo: Demo) -> None:
    """`request new/list/show/verify/await-identity/extend/reject/close`, with --at and --actor."""
    folder = built(terminal_demo)
    received = (date.today() - timedelta(days=2)).isoformat()
    new = dsr(
        "request", "new", "--type", "access", "--email", "lena.vogel@example.com",
        "--received", received, "--channel", "letter", cwd=folder, exit=0,
    )  # fmt: skip
    rid = request_id(new)
    dsr("request", "await-identity", rid, "--asked", "customer number",
        "--at", received, "--actor", "erika", cwd=folder, exit=0)  # fmt: skip
    dsr("request", "verify", rid, "--method", "customer number matches", cwd=folder, exit=0)
    dsr("request", "extend", rid, "--reason", "Ihre Daten liegen in zwölf Systemen",
        cwd=folder, exit=0)  # fmt: skip
    dsr("request", "show", rid, cwd=folder, exit=0)
    dsr("request", "close", rid, "--outcome", "answered", cwd=folder, exit=0)
    refused = request_id(dsr(
        "request", "new", "--type", "objection", "--email", "oliver.bennett@example.com",
        cwd=folder, exit=0,
    ))  # fmt: skip
    dsr("request", "reject", refused, "--reason", "Wir konnten Ihre Identität nicht bestätigen.",
        cwd=folder, exit=0)  # fmt: skip
    assert rid in dsr("request", "list", "--all", cwd=folder, exit=0).text


def test_report_and_audit(terminal_demo: Demo) -> None:
    folder = built(terminal_demo)
    dsr("report", cwd=folder, exit=0)
    assert "intact" in dsr("audit", "verify", cwd=folder, exit=0).text


def test_overdue_is_silent_for_cron_until_a_request_is_late(
    terminal_demo: Demo, tmp_path: Path
) -> None:
    """The cron line: nothing printed and exit 0, until a request needs a person (exit 1)."""
    built(terminal_demo)
    folder = terminal_demo.fresh_copy(tmp_path)
    dsr("request", "new", "--type", "access", "--email", "juergen.mueller@example.com",
        cwd=folder, exit=0)  # fmt: skip
    assert dsr("overdue", cwd=folder, exit=0).text.strip() == ""
    cron = dsr("overdue", "--config", folder / "dsr.yaml", cwd=tmp_path, exit=0)
    assert cron.text.strip() == ""
    late = (date.today() - timedelta(days=45)).isoformat()
    rid = request_id(dsr("request", "new", "--type", "erasure", "--email", "lena.vogel@example.com",
                         "--received", late, cwd=folder, exit=0))  # fmt: skip
    attention = dsr("overdue", "--config", folder / "dsr.yaml", cwd=tmp_path, exit=1)
    assert rid in attention.text and "OVERDUE" in attention.text


def test_init_in_an_empty_folder(tmp_path: Path) -> None:
    dsr("init", "--name", "Beispiel GmbH", "--holidays", "DE-BW", cwd=tmp_path, exit=0)
    dsr("config", "check", cwd=tmp_path, exit=0)
    again = dsr("init", cwd=tmp_path, exit=2)
    assert again.text.strip().count("\n") == 0, again.describe()


def test_demo_again_with_force(terminal_demo: Demo, tmp_path: Path) -> None:
    built(terminal_demo)
    terminal_demo.fresh_copy(tmp_path)
    dsr("demo", cwd=tmp_path, exit=2)  # the folder is not empty: refused, nothing replaced
    dsr("demo", "--force", cwd=tmp_path, exit=0)
    assert (tmp_path / "beispiel-gmbh" / "dsr.yaml").is_file()


def test_help_version_and_usage_errors(tmp_path: Path) -> None:
    assert dsr("--version", cwd=tmp_path, exit=0).text.strip().startswith("dsr ")
    listing = dsr("--help", cwd=tmp_path, exit=0).text
    assert "inventory" in listing and "request" in listing
    dsr("request", "--help", cwd=tmp_path, exit=0)
    dsr("erase", "--help", cwd=tmp_path, exit=0)
    unknown = dsr("frobnicate", cwd=tmp_path, exit=2)
    assert len(unknown.text.strip().splitlines()) == 1, unknown.describe()
    missing = dsr("config", "check", "--config", "missing.yaml", cwd=tmp_path, exit=2)
    assert len(missing.text.strip().splitlines()) == 1, missing.describe()


@pytest.mark.parametrize("columns", [80, 120])
def test_help_fits_the_terminal_and_flows_in_whole_sentences(tmp_path: Path, columns: int) -> None:
    """Rich wraps the help to the terminal; dsr must add no line breaks of its own.

    The description of `dsr erase --help` (the longest) is read back paragraph by
    paragraph: rejoined, each wrapped paragraph must be the docstring's paragraph."""
    shown = dsr("erase", "--help", cwd=tmp_path, exit=0, columns=columns).text
    lines = shown.splitlines()
    assert max(len(line) for line in lines) <= columns
    description = shown.split("╭")[0].split("Usage: dsr erase [OPTIONS] ID", 1)[1]
    blocks = [block for block in re.split(r"\n[ \t]*\n", description) if block.strip()]
    paragraphs = [" ".join(block.split()) for block in blocks]
    assert paragraphs[0] == "Erase a person (Art. 17): plan first, then execute, then verify."
    assert paragraphs[1].startswith("dsr erase ID changes nothing. It finds the person in every")
    assert paragraphs[1].endswith("(Markdown with a sign-off line, and JSON) only you can read.")
    for block in blocks:
        rows = [row.strip() for row in block.strip().splitlines()]
        # a wrapped line ends where the next word would not fit: never half-empty
        for row, following in itertools.pairwise(rows):  # the help has a margin of 1 a side
            assert len(row) + 1 + len(following.split()[0]) > columns - 2, (row, following)
