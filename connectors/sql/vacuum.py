"""What PostgreSQL keeps of erased rows, and VACUUM to let it go.

A DELETE or UPDATE in PostgreSQL does not remove the old row version: it stays
in the table's heap as a *dead tuple*, readable with tools like pageinspect and
in the file, until VACUUM (or autovacuum) removes it. ``dsr erase --verify``
therefore asks the server's statistics (``pg_stat_user_tables``) when each
changed table was last vacuumed and how many dead rows it counts, and runs
VACUUM itself where the source says ``vacuum``.

Measured on PostgreSQL 15: after a plain VACUUM the dead row is gone for the
database, but its bytes may stay in the page's free space until a new row
overwrites them; VACUUM FULL writes the table into a new file. VACUUM FULL does
not show in the statistics (neither ``last_vacuum`` nor ``vacuum_count``
change), so a ``full`` source is vacuumed again by ``--verify`` instead of trusting them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine


@dataclass(frozen=True)
class TableVacuum:
    """One table as the server's statistics see it: when it was last vacuumed by hand
    (or by dsr) and by autovacuum, and how many dead row versions it counts. ``found``
    is False when the schema has no such table (any more: DROP took its file with it)."""

    table: str
    last_vacuum: datetime | None
    last_autovacuum: datetime | None
    dead_rows: int | None
    found: bool = True

    @property
    def vacuumed_at(self) -> datetime | None:
        """The latest vacuum of either kind."""
        times = [t for t in (self.last_vacuum, self.last_autovacuum) if t is not None]
        return max(times) if times else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "last_vacuum": _iso(self.last_vacuum),
            "last_autovacuum": _iso(self.last_autovacuum),
            "dead_rows": self.dead_rows,
        }


@dataclass(frozen=True)
class VacuumState:
    """The tables' statistics and the server's clock when they were read: the server's
    vacuum times compare with the server's own clock, not with this machine's."""

    server_now: datetime
    tables: dict[str, TableVacuum]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None


def vacuum_option(value: object) -> object:
    """``vacuum:`` as dsr.yaml may write it: true, false or full (any case); anything else
    is one clear error instead of one per alternative of the type."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, str) else None
    if text in ("true", "yes", "on"):
        return True
    if text in ("false", "no", "off"):
        return False
    if text == "full":
        return "full"
    raise ValueError("use true, false or full")


def qualified(conn: Connection, table: str, schema: str | None) -> str:
    """The table's name quoted for a statement that takes no parameters (VACUUM)."""
    preparer = conn.dialect.identifier_preparer
    name = preparer.quote(table)
    return f"{preparer.quote_schema(schema)}.{name}" if schema else name


def read_state(engine: Engine, tables: Sequence[str], schema: str | None) -> VacuumState:
    """The vacuum statistics of ``tables`` (PostgreSQL). The statistics snapshot is
    cleared first, so a VACUUM that just ended in this process is seen."""
    query = sa.text(
        "SELECT relname, last_vacuum, last_autovacuum, n_dead_tup FROM pg_stat_user_tables "
        "WHERE relname IN :tables AND schemaname = coalesce(:schema, current_schema())"
    ).bindparams(sa.bindparam("tables", expanding=True), sa.bindparam("schema", None))
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
        now = conn.exec_driver_sql("SELECT now()").scalar_one()
        rows = conn.execute(query, {"tables": list(tables), "schema": schema}).all()
    found = {
        str(name): TableVacuum(str(name), last, auto, None if dead is None else int(dead))
        for name, last, auto, dead in rows
    }
    return VacuumState(
        server_now=now,
        tables={t: found.get(t) or TableVacuum(t, None, None, None, found=False) for t in tables},
    )


def vacuum(engine: Engine, tables: Sequence[str], schema: str | None, *, full: bool) -> None:
    """VACUUM (or VACUUM FULL) each table, outside a transaction as PostgreSQL requires."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            name = qualified(conn, table, schema)
            conn.exec_driver_sql(f"VACUUM {'FULL ' if full else ''}{name}")
