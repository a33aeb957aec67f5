"""The layering rule is enforced by ruff, and the rule itself cannot quietly go stale.

connectors/ruff.toml bans every part of dsr a connector must not use; the root
pyproject.toml bans ``dsr.cli``, Typer and Rich in the core. These tests show
that ruff really reports a violation (a rule that never fires protects nothing)
and that every module of dsr is either allowed to connectors or banned there, so
a new core module cannot slip past the rule unnoticed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUFF = Path(sys.executable).with_name("ruff")

# What a connector may import from dsr (design: the protocol, errors, config field types).
ALLOWED_TO_CONNECTORS = {"dsr.connectors", "dsr.errors", "dsr.config.fields"}


def _banned_in_connectors() -> set[str]:
    config = tomllib.loads((ROOT / "connectors" / "ruff.toml").read_text(encoding="utf-8"))
    return set(config["lint"]["flake8-tidy-imports"]["banned-api"])


def _dsr_modules() -> set[str]:
    """Top-level modules and packages of dsr, and the modules of dsr.config (split by the rule)."""
    names: set[str] = set()
    for path in (ROOT / "dsr").iterdir():
        if path.name.startswith(("_", ".")):
            continue
        if path.suffix == ".py" or (path.is_dir() and (path / "__init__.py").exists()):
            names.add(f"dsr.{path.stem}")
    names.discard("dsr.config")
    for path in (ROOT / "dsr" / "config").glob("*.py"):
        if not path.name.startswith("_"):
            names.add(f"dsr.config.{path.stem}")
    return names | {"dsr.connectors"}


def test_every_dsr_module_is_allowed_or_banned_for_connectors() -> None:
    banned = _banned_in_connectors()
    unlisted = sorted(_dsr_modules() - ALLOWED_TO_CONNECTORS - banned)
    assert not unlisted, f"add these to connectors/ruff.toml's banned-api: {unlisted}"
    assert not (banned & ALLOWED_TO_CONNECTORS)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the ruff configuration with one clean and two offending modules."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "connectors").mkdir()
    shutil.copy(ROOT / "connectors" / "ruff.toml", tmp_path / "connectors" / "ruff.toml")
    (tmp_path / "dsr" / "lookup").mkdir(parents=True)
    (tmp_path / "dsr" / "cli").mkdir()
    (tmp_path / "connectors" / "good.py").write_text(
        '"""A connector using only what it may."""\n\n'
        "from dsr.config.fields import ConfigPath\n"
        "from dsr.connectors.protocol import Table\n"
        "from dsr.errors import SourceError\n\n"
        "__all__ = ['ConfigPath', 'SourceError', 'Table']\n"
    )
    (tmp_path / "connectors" / "bad.py").write_text(
        '"""A connector reaching into the lookup engine."""\n\n'
        "from dsr.lookup.engine import find_people\n\n"
        "__all__ = ['find_people']\n"
    )
    (tmp_path / "dsr" / "lookup" / "bad.py").write_text(
        '"""Core code printing through the CLI."""\n\n'
        "from dsr.cli.output import error\n\n"
        "__all__ = ['error']\n"
    )
    (tmp_path / "dsr" / "cli" / "fine.py").write_text(
        '"""The CLI may use the CLI."""\n\n'
        "from dsr.cli.output import error\n\n__all__ = ['error']\n"
    )
    return tmp_path


def test_ruff_reports_layering_violations(tree: Path) -> None:
    result = subprocess.run(
        [str(RUFF), "check", "--no-cache", "--output-format", "concise", "."],
        cwd=tree,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    flagged = {line.split(":")[0] for line in result.stdout.splitlines() if "TID251" in line}
    assert flagged == {"connectors/bad.py", "dsr/lookup/bad.py"}, result.stdout
