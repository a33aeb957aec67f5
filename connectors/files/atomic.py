"""Replacing files so that a crash leaves the old file or the new one, never half of each.

Erasure rewrites a person's data out of CSV files, workbooks and Parquet files.
If dsr died halfway through writing in place, the file would be cut off and the
other people in it lost. So every file connector writes the new version to a
temporary file in the same folder (same file system, so the rename is atomic),
flushes it to disk, gives it the original's permission bits and only then
renames it over the original, and flushes the folder so the rename itself
survives a power cut. Until the rename the original is untouched; on any error
the temporary files are removed. A temporary file left by a run that was killed
before its rename is a copy of the data (the very rows an erasure was removing),
so the next rewrite of the same file deletes it first.

A source of several files is rewritten in two steps: every new file is written
and synced first, then all are renamed. A failure while writing changes no file.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path

from dsr.errors import Problem, SourceError, Where

TEMP_MARK = ".dsr-"
"""Part of every temporary file's name; folder listings skip names starting with a dot."""


def temporary_path(target: Path) -> Path:
    """A fresh hidden name beside ``target`` that keeps its suffix (some writers check it)."""
    return target.with_name(f".{target.stem}{TEMP_MARK}{secrets.token_hex(4)}{target.suffix}")


def stale_temporaries(target: Path) -> list[Path]:
    """Temporary files of ``target`` that an earlier, interrupted rewrite left behind."""
    pattern = re.compile(
        re.escape(f".{target.stem}{TEMP_MARK}") + "[0-9a-f]{8}" + re.escape(target.suffix)
    )
    try:
        return [p for p in target.parent.iterdir() if pattern.fullmatch(p.name)]
    except OSError:
        return []


@contextlib.contextmanager
def replacing(targets: Sequence[Path], *, source: str | None = None) -> Iterator[list[Path]]:
    """Temporary paths for ``targets`` (same order); on a clean exit each replaces its target.

    The caller writes the new content of each target to its temporary path
    (as a file name, for libraries that save by name). Raises SourceError when
    a file cannot be written or replaced; the originals are then unchanged.
    """
    for target in targets:
        _discard(stale_temporaries(target))
    temps = [temporary_path(target) for target in targets]
    try:
        for temp in temps:
            # Owner-only from the first byte: the copy holds everyone's rows, and the
            # original's mode is given only once it is complete (writers keep the mode).
            os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        yield temps
        for target, temp in zip(targets, temps, strict=True):
            _sync_file(temp)
            os.chmod(temp, stat.S_IMODE(os.stat(target).st_mode))
    except BaseException as exc:
        _discard(temps)
        if isinstance(exc, OSError):
            raise _write_error(exc, targets[0], source) from exc
        raise
    done = 0
    try:
        for target, temp in zip(targets, temps, strict=True):
            os.replace(temp, target)
            done += 1
    except OSError as exc:
        _discard(temps)
        error = _write_error(exc, targets[done], source)
        if done:
            error = SourceError(
                Problem(
                    f"only {done} of {len(targets)} files were rewritten "
                    f"({exc.strerror or type(exc).__name__})",
                    Where(file=targets[done], source=source),
                    "run the erasure again: rows already changed count as unchanged",
                )
            )
        raise error from exc
    for folder in {target.parent for target in targets}:
        _sync_folder(folder)


def _sync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    """Make the rename durable; not every platform lets a folder be opened (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _discard(temps: list[Path]) -> None:
    for temp in temps:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)


def _write_error(exc: OSError, target: Path, source: str | None) -> SourceError:
    where = Where(file=target, source=source)
    if isinstance(exc, PermissionError):
        return SourceError(
            Problem(
                "cannot be rewritten: permission denied",
                where,
                "dsr needs write access to the file and its folder",
            )
        )
    return SourceError(
        Problem(
            f"cannot be rewritten ({exc.strerror or type(exc).__name__}); the file is unchanged",
            where,
            "check free disk space and write access to the folder",
        )
    )
