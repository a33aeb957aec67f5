"""Writing files that may hold personal data: owner-only and never half-written.

Every file dsr writes with personal data in it is created with mode 0600 and
written to a temporary file in the same folder, flushed to disk and renamed
over the target, so a crash leaves either the old file or the new one.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if needed; every folder made here is owner-only.

    ``answers/2026-0001/`` must not leave ``answers/`` readable by others either:
    its listing alone names who asked.
    """
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_DIR)
        folder.chmod(PRIVATE_DIR)
    return path


def write_documents(files: Sequence[tuple[str, Path, bytes]]) -> list[str]:
    """Write each (kind, path, bytes) owner-only; their SHA-256 digests, in order, for the
    ledger's Document rows and the JSON a script checks them against."""
    digests = []
    for _kind, path, payload in files:
        write_private(path, payload)
        digests.append(hashlib.sha256(payload).hexdigest())
    return digests


def write_private(path: Path, data: bytes | str, encoding: str = "utf-8") -> Path:
    """Atomically write ``data`` to ``path`` with owner-only permissions."""
    payload = data.encode(encoding) if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, PRIVATE_FILE)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def make_private(path: Path) -> Path:
    """Restrict a file another library wrote (a workbook, a database) to its owner."""
    path.chmod(PRIVATE_FILE)
    return path
