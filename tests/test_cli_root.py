"""The CLI boundary: version, help, exit codes, errors without tracebacks, layering."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import dsr
from dsr.cli.root import loaded_root
from tests.helpers import run

ROOT = Path(__file__).resolve().parent.parent


def all_commands() -> list[list[str]]:
    """Every command path of the app, e.g. ['config', 'check']."""
    paths: list[list[str]] = []

    def walk(command: object, prefix: list[str]) -> None:
        children = getattr(command, "commands", None)
        if children:
            for name, child in children.items():
                walk(child, [*prefix, name])
        else:
            paths.append(prefix)

    walk(loaded_root(), [])
    return paths


def test_version() -> None:
    assert run("--version", exit=0).stdout.strip() == f"dsr {dsr.__version__}"


@pytest.mark.parametrize("path", all_commands(), ids=" ".join)
def test_every_command_has_help_with_an_example(path: list[str]) -> None:
    result = run(*path, "--help", exit=0)
    assert "Example:" in result.stdout, f"dsr {' '.join(path)} --help shows no example"


def test_commands_that_exist_today() -> None:
    assert sorted(" ".join(p) for p in all_commands()) == [
        "access",
        "audit verify",
        "config check",
        "connectors list",
        "demo",
        "erase",
        "find",
        "init",
        "inventory",
        "links",
        "overdue",
        "report",
        "request await-identity",
        "request close",
        "request evidence",
        "request extend",
        "request list",
        "request new",
        "request notified",
        "request reject",
        "request show",
        "request verify",
        "sources check",
        "sources index",
    ]


def test_a_command_loads_only_its_own_modules() -> None:
    """`dsr find` starts without the erasure engine, WeasyPrint or Faker: on a large file
    every second of start-up is part of what the user waits for."""
    code = (
        "import sys; from dsr.cli.app import main; main(['find', '--help']); "
        "print(sorted(m for m in ('dsr.erasure.plan', 'dsr.access.answer', 'weasyprint', 'faker',"
        " 'dsr.demo') if m in sys.modules))"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout
    assert shown.strip().splitlines()[-1] == "[]"


def test_unknown_command_and_option_exit_2() -> None:
    assert "No such command" in run("frobnicate", exit=2).stderr
    assert "No such option" in run("config", "check", "--nope", exit=2).stderr


def test_internal_error_is_one_line_without_personal_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "dsr.yaml").write_text("controller: {name: X}\n", encoding="utf-8")

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("juergen.mueller@example.com")

    monkeypatch.setattr("dsr.cli.config.summarise", explode)
    result = run("config", "check", exit=2, cwd=tmp_path)
    assert "internal error (RuntimeError)" in result.stderr
    assert "juergen.mueller" not in result.stderr
    assert "Traceback" not in result.stderr
    assert "--debug" in result.stderr

    debug = run("--debug", "config", "check", exit=2, cwd=tmp_path)
    assert "Traceback" in debug.stderr


def test_real_process_exit_codes_and_plain_output(tmp_path: Path) -> None:
    """Through a real process: no colour codes when not a terminal, codes 0 and 2."""
    (tmp_path / "dsr.yaml").write_text("controller: {name: X}\n", encoding="utf-8")
    env = {**os.environ, "NO_COLOR": "1", "TERM": "xterm-256color"}
    ok = subprocess.run(
        [sys.executable, "-m", "dsr", "config", "check"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert "\x1b[" not in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "dsr", "config", "check", "--config", "missing.yaml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert "missing.yaml: file not found" in bad.stderr


def test_ruff_keeps_rich_typer_and_print_inside_the_cli_layer(tmp_path: Path) -> None:
    """The layering rule must really fire, not just be configured."""
    offender = ROOT / "dsr" / "_layering_probe.py"
    offender.write_text(
        '"""Probe."""\n\nimport rich\nimport typer\n\nfrom dsr.cli import app\n\n'
        "print(rich, typer, app)\n",
        encoding="utf-8",
    )
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "ruff",
                "check",
                "--no-cache",
                "--output-format",
                "concise",
                str(offender),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    finally:
        offender.unlink()
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.count("TID251") == 3, result.stdout
    assert "T201" in result.stdout
