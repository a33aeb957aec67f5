"""dsr's cache folder: what is costly to work out again and safe to lose.

Part of the connector package so that connectors (and plugins) may keep what they
derive from a source; the core uses it too. Only derived facts that hold no personal
data go here (where a CSV file's records lie, the first names of Faker's person
lists), each keyed so that a change of what it was derived from makes it unused. A
folder that cannot be read or written costs the time the cache would have saved, never
a result.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def folder(name: str) -> Path | None:
    """The cache's sub-folder ``name``: under ``$DSR_CACHE_DIR``, else ``$XDG_CACHE_HOME/dsr``
    (when absolute, as the XDG specification asks), else ``~/.cache/dsr``; None when there
    is no home to put it in (then nothing is cached)."""
    chosen = os.environ.get("DSR_CACHE_DIR")
    if chosen:
        return Path(chosen).absolute() / name
    base = os.environ.get("XDG_CACHE_HOME", "")
    try:
        root = Path(base) / "dsr" if Path(base).is_absolute() else Path.home() / ".cache" / "dsr"
    except RuntimeError:  # no HOME and no entry in the password database
        return None
    return root / name if root.is_absolute() else None


def read(name: str, file: str) -> str | None:
    """The text of the cache file ``file`` in sub-folder ``name``, or None when there is none
    (or it cannot be read)."""
    place = folder(name)
    if place is None:
        return None
    try:
        return (place / file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def write(name: str, file: str, text: str) -> bool:
    """Replace the cache file ``file`` in sub-folder ``name`` at once (a reader sees the old
    text or the new), owner-only; False when it could not be written."""
    place = folder(name)
    if place is None:
        return False
    path = place / file
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    try:
        place.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
        return False
    return True
