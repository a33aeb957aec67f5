"""The installed package, not the checkout: a wheel in a fresh venv must work on its own.

The repository keeps connectors/ and templates/ at the top level; they must
install inside the dsr package (never as a generic top-level ``connectors``),
and both the wheel and the editable install must find them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

import dsr.connectors
from dsr.render.templates import packaged_templates

ROOT = Path(__file__).resolve().parent.parent


def _declared_packages() -> tuple[list[str], dict[str, str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = config["tool"]["setuptools"]
    return setuptools["packages"], setuptools["package-dir"]


def test_every_package_folder_is_declared() -> None:
    packages, package_dir = _declared_packages()
    expected = set()
    for name, folder in package_dir.items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            relative = init.parent.relative_to(base).parts
            expected.add(".".join((name, *relative)))
    expected = {
        p for p in expected if not any(part.startswith((".", "__")) for part in p.split("."))
    }
    assert expected <= set(packages), (
        f"add to [tool.setuptools] packages: {expected - set(packages)}"
    )


def test_checkout_install_finds_connectors_and_templates() -> None:
    assert Path(dsr.connectors.__file__).parent.name == "connectors"
    assert (packaged_templates() / "init" / "dsr.yaml.j2").is_file()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a clean copy, so no stale build/ folder can leak into it."""
    source = tmp_path_factory.mktemp("src") / "dsr"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache"
        ),
    )
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)],
        check=True,
    )
    (built,) = out.glob("dsr-*.whl")
    return built


def test_wheel_places_connectors_and_templates_inside_dsr(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "dsr/connectors/__init__.py" in names
    assert "dsr/templates/init/dsr.yaml.j2" in names
    assert "dsr/templates/demo/dsr.yaml.j2" in names
    # The documents' wording: read at run time, so a wheel without it writes no letter.
    for language in ("de", "en"):
        assert f"dsr/templates/locale/{language}/LC_MESSAGES/messages.po" in names
    assert "dsr/templates/layout.html.j2" in names
    assert not [n for n in names if n.startswith(("connectors/", "templates/", "tests/"))]


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_runs_help_and_demo(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    subprocess.run(
        [bin_dir / "python", "-m", "pip", "install", "--quiet", str(wheel)],
        check=True,
        cwd=tmp_path,
    )
    outside = tmp_path / "work"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DSR_CONFIG")}

    def dsr(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(bin_dir / "dsr"), *args], cwd=outside, env=env, capture_output=True, text=True
        )

    help_run = dsr("--help")
    assert help_run.returncode == 0, help_run.stderr
    assert "demo" in help_run.stdout and "config" in help_run.stdout

    demo_run = dsr("demo", "company", "--customers", "25")
    assert demo_run.returncode == 0, demo_run.stderr
    check = dsr("config", "check", "--config", "company/dsr.yaml", "--json")
    assert check.returncode == 0, check.stderr
    # A document rendered from the installed templates and catalogues (German wording).
    report = dsr("report", "--config", "company/dsr.yaml", "-o", "report.html")
    assert report.returncode == 0, report.stderr
    assert "Auf einen Blick" in (outside / "report.html").read_text(encoding="utf-8")

    where = subprocess.run(
        [
            str(bin_dir / "python"),
            "-c",
            "import dsr.connectors, sys; print(dsr.connectors.__file__)",
        ],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(env_dir) in where
    site = next((env_dir / "lib").glob("python3*/site-packages"))
    assert not (site / "connectors").exists() and not (site / "templates").exists()
