"""Where a CSV file's records lie, kept between lookups of the unchanged file.

In a quoted export, counting records costs several times more than finding the
needles: every quote and newline is located to tell a record's end from a line
break inside a note (``csvscan``). A lookup reads the file twice (its second round
looks for what the first found), and a DPO runs many lookups over the same monthly
export. So the first scan's ``Layout`` (where pieces of about 64 KB end and how many
records each holds, every piece checked as well-formed CSV) is kept, in memory and in
the user's cache folder, keyed by the file's version; a later scan counts records
from it and parses only around a hit, in its piece. A layout holds offsets and
counts, nothing of the file's content; the key is a hash of the file's path and
version.

A file's version is its path, device, inode, size, modification and change times
(the change time moves on every write and every ``touch``). A file changed less
than ``SETTLED_SECONDS`` before the scan gets no layout: timestamps are coarse on
some file systems, and a file rewritten to the same size within one tick would
look unchanged (git's "racily clean" index entries).

The cache is an optimisation only: a folder that cannot be read or written costs
the time it would have saved, never a lookup.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from dsr.connectors import cache

Layout = tuple[tuple[int, int], ...]
"""A range's pieces as (end offset, records): each ends at a record's end, holds about
``csvscan.PIECE`` bytes, and was checked as well-formed CSV."""

Version = tuple[object, ...]
"""A file's version (``version``) and how it was cut into chunks."""

SETTLED_SECONDS = 2.0
"""A file changed more recently than this is not taken to be unchanged by its times."""

KEPT_FILES = 256
"""Layouts kept in the cache folder; the oldest go first."""

FORMAT = 1
FOLDER = "csv-layouts"

_IN_MEMORY: dict[tuple[Version, int, int], Layout] = {}
_IN_MEMORY_KEPT = 16
_LOADED: set[Version] = set()


def version(path: str, delimiter: int, chunk: int) -> Version | None:
    """The file's version, or None when it changed too recently to be told apart by it."""
    stat = os.stat(path)
    changed = max(stat.st_mtime_ns, stat.st_ctime_ns)
    if time.time_ns() - changed < SETTLED_SECONDS * 1e9:
        return None
    real = os.path.realpath(path)
    return (real, stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns,
            delimiter, chunk)  # fmt: skip


def known(file: Version | None, start: int, stop: int) -> Layout:
    """The layout an earlier scan of this version gave for ``[start, stop)``, or ()."""
    if file is None:
        return ()
    if file not in _LOADED:
        _LOADED.add(file)
        for (a, b), layout in _read(file).items():
            _IN_MEMORY.setdefault((file, a, b), layout)
    layout = _IN_MEMORY.get((file, start, stop), ())
    return layout if _fits(layout, start, stop) else ()


def _fits(layout: Layout, start: int, stop: int) -> bool:
    """Whether the layout covers ``[start, stop)`` in order (a damaged cache file does not)."""
    if not layout or layout[-1][0] != stop:
        return False
    position = start
    for end, records in layout:
        if end <= position or records < 0:
            return False
        position = end
    return True


def keep(file: Version | None, layouts: dict[tuple[int, int], Layout]) -> None:
    """Keep the layouts of a scan of ``file`` (when the file did not change meanwhile)."""
    if file is None or all(_IN_MEMORY.get((file, *r)) == lay for r, lay in layouts.items()):
        return
    for (a, b), layout in layouts.items():
        _IN_MEMORY[file, a, b] = layout
    while len(_IN_MEMORY) > _IN_MEMORY_KEPT:
        _IN_MEMORY.pop(next(iter(_IN_MEMORY)))
    _write(file, layouts)


def forget() -> None:
    """Drop what this process holds (the cache folder stays)."""
    _IN_MEMORY.clear()
    _LOADED.clear()


def _digest(file: Version) -> str:
    return hashlib.sha256(json.dumps(file).encode()).hexdigest()


def _name(file: Version) -> str:
    return _digest(file)[:40] + ".json"


def _read(file: Version) -> dict[tuple[int, int], Layout]:
    text = cache.read(FOLDER, _name(file))
    try:
        body = json.loads(text) if text else {}
        if body.get("format") != FORMAT or body.get("version") != _digest(file):
            return {}
        return {
            (int(a), int(b)): tuple((int(end), int(n)) for end, n in chunks)
            for a, b, chunks in body["ranges"]
        }
    except (ValueError, TypeError, KeyError, AttributeError):
        return {}


def _write(file: Version, layouts: dict[tuple[int, int], Layout]) -> None:
    body = {
        "format": FORMAT,
        "version": _digest(file),
        "ranges": [[a, b, [list(c) for c in layout]] for (a, b), layout in sorted(layouts.items())],
    }
    if cache.write(FOLDER, _name(file), json.dumps(body, separators=(",", ":"))):
        _prune(cache.folder(FOLDER))


def _prune(folder: Path | None) -> None:
    if folder is None:
        return
    try:
        kept = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[KEPT_FILES:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # another process pruned first
