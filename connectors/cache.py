"""dsr's cache folder: what is costly to work out again and safe to lose.

Part of the connector package so that connectors (and plugins) may keep what they
derive from a source; the core uses it too. Only derived facts that hold no personal
data go here (where a CSV file's records
lie, the first names of Faker's person lists), each keyed so that a change of what
it was derived from makes it unused. A folder that cannot be read or written costs
the time the cache would have saved, never a result.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def folder(name: str) -> Path:
    """The cache's sub-folder ``name``: under ``$DSR_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/dsr``, else ``~/.cache/dsr``."""
    chosen = os.environ.get("DSR_CACHE_DIR")
    if chosen:
        return Path(chosen) / name
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dsr" / name


def read(path: Path) -> str | None:
    """The text of a cache file, or None when there is none (or it cannot be read)."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def write(path: Path, text: str) -> bool:
    """Replace a cache file at once (a reader sees the old text or the new), owner-only;
    False when it could not be written."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
        return False
    return True
