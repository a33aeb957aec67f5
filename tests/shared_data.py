"""The real third-party databases in ../shared/data, and how tests load them into servers.

CI clones the repository with shared/ beside it; DSR_SHARED_DATA points
elsewhere when needed. Tests copy a file before changing it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_BESIDE_REPOSITORY = Path(__file__).resolve().parents[2] / "shared" / "data"
SHARED_DATA = Path(os.environ.get("DSR_SHARED_DATA", _BESIDE_REPOSITORY))
CHINOOK_SQLITE = SHARED_DATA / "chinook" / "chinook.sqlite"


def load_chinook_into_postgres(libpq_url: str) -> None:
    """Run Chinook's PostgreSQL script in an existing, empty database.

    The script drops and creates its own database and switches to it with
    ``\\c``; those lines are left out so it fills the database it is given.
    """
    import psycopg

    script = (SHARED_DATA / "chinook" / "chinook_postgresql.sql").read_text(encoding="utf-8")
    script = "\n".join(
        line
        for line in script.splitlines()
        if not re.match(r"\s*(DROP DATABASE|CREATE DATABASE|\\c)\b", line, re.IGNORECASE)
    )
    with psycopg.connect(libpq_url, autocommit=True) as conn:
        conn.execute(script.encode())  # no parameters: psycopg sends the whole script
        conn.execute("ANALYZE")
