"""One way to run the CLI in tests: the exit code is always stated and checked.

``run`` calls ``dsr.cli.app.main`` in-process, exactly as the console script
does, with stdout and stderr captured apart. When ``--json`` is among the
arguments, stdout must be one JSON document and is parsed. On an unexpected
exit code the assertion shows both streams. ``dsr`` is ``run`` against the
company in a folder (its ``dsr.yaml``), expecting success unless told.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dsr.cli.app import main


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str
    json: Any = None


@contextlib.contextmanager
def _environment(env: Mapping[str, str | None] | None, cwd: Path | None) -> Iterator[None]:
    saved_env = dict(os.environ)
    saved_cwd = Path.cwd()
    try:
        os.environ.pop("DSR_CONFIG", None)
        for key, value in (env or {}).items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if cwd is not None:
            os.chdir(cwd)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        os.chdir(saved_cwd)


def run(
    *args: str | Path,
    exit: int | None,
    env: Mapping[str, str | None] | None = None,
    cwd: Path | None = None,
) -> Result:
    """Run ``dsr ARGS`` and assert that it exits with ``exit`` (None: any code, for the
    measuring scripts, which report the code instead)."""
    argv = [str(a) for a in args]
    out, err = io.StringIO(), io.StringIO()
    with _environment(env, cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    result = Result(int(code), out.getvalue(), err.getvalue())
    assert exit is None or result.code == exit, (
        f"dsr {' '.join(argv)} exited {result.code}, expected {exit}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )
    if "--json" in argv and result.stdout.strip():
        result.json = json.loads(result.stdout)
    return result


def dsr(folder: Path, *args: str | Path, exit: int = 0) -> Result:
    """Run ``dsr ARGS --config FOLDER/dsr.yaml`` and assert that it exits with ``exit``."""
    return run(*args, "--config", folder / "dsr.yaml", exit=exit)
