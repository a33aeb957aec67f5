"""The real third-party databases in ../shared/data, and how tests load them into servers.

They are not in this repository (their licences and size), so a test that needs
them is marked ``shared_data`` or requests the ``shared_data`` fixture
(tests/conftest.py). The data is looked for in ``$DSR_SHARED_DATA`` if set,
else in ``../shared/data`` beside the repository. When it is not there such
tests skip, saying where it was looked for; under ``CI=true`` they fail, so CI
never passes by skipping them. Tests copy a file before changing it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_BESIDE_REPOSITORY = Path(__file__).resolve().parents[2] / "shared" / "data"
SHARED_DATA = Path(os.environ.get("DSR_SHARED_DATA") or _BESIDE_REPOSITORY)
CHINOOK_SQLITE = SHARED_DATA / "chinook" / "chinook.sqlite"

# Every file of the folder some test reads: a folder with one of them missing is
# reported as such up front, not as a FileNotFoundError in the middle of a test.
FILES = (
    "chinook/chinook.sqlite",
    "chinook/chinook_postgresql.sql",
    "northwind/northwind.sqlite",
    "sakila/sakila.sqlite",
    "sql-murder-mystery/sql-murder-mystery.sqlite",
    *(
        f"apps/{app}/{name}"
        for app in ("opencart", "dolibarr", "matomo", "joomla", "prestashop")
        for name in ("schema.sql", "schema.mysql.sql", "NOTES.md")
    ),
)


def missing() -> str | None:
    """Why the tests cannot use the data (one line naming where it was looked for), or None."""
    where = f"$DSR_SHARED_DATA={SHARED_DATA}" if os.environ.get("DSR_SHARED_DATA") else SHARED_DATA
    if not SHARED_DATA.is_dir():
        return (
            f"real sample databases not found at {where}; "
            "set DSR_SHARED_DATA to the folder holding chinook/, northwind/, ..."
        )
    absent = [name for name in FILES if not (SHARED_DATA / name).is_file()]
    if absent:
        return (
            f"real sample databases incomplete at {where}: missing {', '.join(absent)}; "
            "set DSR_SHARED_DATA to a complete copy"
        )
    return None


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
