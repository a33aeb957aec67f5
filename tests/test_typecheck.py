"""scripts/typecheck: mypy must see connectors/ as ``dsr.connectors``, as it installs.

Checked as plain folders, ``connectors/protocol.py`` would be the module
``connectors.protocol`` and every ``from dsr.connectors ...`` import in dsr/ would
stay unresolved (Any), hiding the errors behind it. These run the script on a copy
of the checkout with one planted error on each side of that boundary.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(sys.prefix)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The parts of the checkout the script reads, with this environment's mypy."""
    if not (VENV / "bin" / "mypy").is_file():
        pytest.fail("mypy is missing: install dsr with its test extra (scripts/test does)")
    copy = tmp_path_factory.mktemp("checkout")
    ignore = shutil.ignore_patterns("__pycache__")
    for folder in ("dsr", "connectors", "templates", "scripts"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=ignore, symlinks=True)
    shutil.copy2(ROOT / "pyproject.toml", copy / "pyproject.toml")
    (copy / ".venv").symlink_to(VENV)
    return copy


def _typecheck(
    checkout: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    # The real checkout's cache keeps a run to seconds: unchanged modules are not rechecked.
    return subprocess.run(
        ["bash", str(checkout / "scripts" / "typecheck"), "--cache-dir", str(ROOT / ".mypy_cache")],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


def test_errors_across_the_package_boundary_are_found_at_their_real_paths(
    checkout: Path,
) -> None:
    # dsr/ uses a connector type wrongly: only found when dsr.connectors resolves.
    (checkout / "dsr" / "typecheck_probe.py").write_text(
        "from dsr.connectors.protocol import Lookup\n\n"
        "def column(lookup: Lookup) -> int:\n"
        "    return lookup.column\n",
        encoding="utf-8",
    )
    # connectors/ imports through its installed name, as connectors must.
    (checkout / "connectors" / "typecheck_probe.py").write_text(
        "from dsr.connectors.protocol import Lookup\n\n"
        "def table(lookup: Lookup) -> bytes:\n"
        "    return lookup.table\n",
        encoding="utf-8",
    )
    result = _typecheck(checkout)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert 'dsr/typecheck_probe.py:4: error: Incompatible return value type (got "str", ' in output
    assert 'connectors/typecheck_probe.py:4: error: Incompatible return value type (got "str"' in (
        output
    )
    assert "dsr/connectors/" not in output  # paths a reader can open in the checkout
    assert "import-not-found" not in output


def test_the_temporary_tree_is_removed_and_the_checkout_untouched(checkout: Path) -> None:
    before = sorted(p.name for p in (checkout / "dsr").iterdir())
    tmp = checkout / "tmp"
    tmp.mkdir()
    result = _typecheck(checkout, env={"PATH": "/usr/bin:/bin", "TMPDIR": str(tmp)})
    assert "Found" in result.stdout or "Success" in result.stdout, result.stderr
    assert list(tmp.iterdir()) == []
    assert sorted(p.name for p in (checkout / "dsr").iterdir()) == before
    assert not (checkout / "dsr" / "connectors").exists()
