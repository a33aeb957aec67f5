"""The commented dsr.yaml that ``dsr init`` writes, so nobody starts from a blank page."""

from __future__ import annotations

from pathlib import Path

from dsr.errors import Problem, UsageError, Where
from dsr.render.templates import render
from dsr.render.writers import write_private


def starter_text(name: str, language: str = "de", holidays: str = "DE") -> str:
    """The starter file's text; its comments explain every key."""
    safe_name = name.replace("\\", "\\\\").replace('"', '\\"')
    return render(
        "init/dsr.yaml.j2", {"name": safe_name, "language": language, "holidays": holidays}
    )


def write_starter(
    path: Path, name: str, language: str = "de", holidays: str = "DE", *, force: bool = False
) -> Path:
    """Write the starter to ``path``; an existing file is kept unless ``force``.

    The file is owner-only: it is where database passwords end up when
    someone does not use ${ENV} variables.
    """
    if path.exists() and not force:
        raise UsageError(
            Problem(
                "already exists; nothing was changed", Where(file=path), "use --force to replace it"
            )
        )
    if path.exists() and path.is_dir():
        raise UsageError(Problem("is a folder", Where(file=path)))
    return write_private(path, starter_text(name, language, holidays))
