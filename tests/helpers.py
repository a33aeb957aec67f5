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
import re
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


def visible_pdf_text(path: Path) -> str:
    """The PDF's text that lies on the page (pypdf keeps text laid out beyond the right
    edge, which paper cuts off), without white space."""
    import pypdf

    found: list[str] = []
    for page in pypdf.PdfReader(path).pages:
        placed = _placed_text(page)
        width = float(page.mediabox.width)
        found += [text for x, text in placed if text.strip() and 0 <= x < width]
    return re.sub(r"\s+", "", "".join(found))


def _placed_text(page: Any) -> list[tuple[float, str]]:
    """Each piece of a page's text with the x position it starts at."""
    placed: list[tuple[float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        placed.append((cm[0] * tm[4] + cm[2] * tm[5] + cm[4], text))

    page.extract_text(visitor_text=visit)
    return placed
