"""Forget whom a finished request was about, but keep proof of what was done.

Once a request has been closed or rejected for ``requests.pseudonymise_after_days``,
its identifiers (value and normalised form) are replaced by keyed hashes
(HMAC-SHA256). The events, dates and letters' checksums stay, so the ledger
still proves that the request was answered on time; the e-mail address or name
is gone. Because the hash is keyed and deterministic, a new request by the same
person can still be recognised (its normalised identifiers are hashed with the
same key and compared), which matters for Art. 12(5) "repetitive" requests.

The key is a random secret in ``dsr.key`` beside the SQLite ledger (beside
dsr.yaml for a server ledger), created owner-only. Without it the hashes are
useless to anyone who copies the database; with it, hashes can only be checked
against a guess, never reversed. Losing the key only loses recognition of
repeat requests, nothing else.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from dsr.errors import LedgerError, Problem, Where
from dsr.ledger.chain import append_event
from dsr.ledger.schema import Plan, Request, RequestIdentifier
from dsr.ledger.state import forget_request_key

KEY_FILE = "dsr.key"
HASH_PREFIX = "hmac-sha256:"
FINISHED = ("closed", "rejected")
PLAN_ADDRESS_FORM = "address_form"
"""The greeting kept beside an erasure plan (``erasure.store.ADDRESS_FORM``)."""
PLAN_LEARNED = "learned"
"""The identifiers the lookup took from the person's own rows, kept beside an erasure plan
for ``--verify`` (``erasure.store.LEARNED``)."""


def key_path(ledger_path: Path | None, config_dir: Path) -> Path:
    """Where the key lives: beside the SQLite file, else beside dsr.yaml."""
    folder = ledger_path.parent if ledger_path is not None else config_dir
    return folder / KEY_FILE


def read_key(path: Path) -> bytes | None:
    """The key, or None when none was made yet (nothing was pseudonymised)."""
    try:
        raw = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LedgerError(
            Problem(f"cannot read the pseudonymisation key: {exc.strerror}", Where(file=path))
        ) from exc
    try:
        return bytes.fromhex(raw)
    except ValueError as exc:
        raise LedgerError(
            Problem("the pseudonymisation key is damaged (not hex)", Where(file=path))
        ) from exc


def ensure_key(path: Path) -> bytes:
    """Read the key, or create it (0600) when missing; two processes agree on one key.

    The new key is written to a temporary file and hard-linked into place, which
    fails if another process was quicker; then its key is used.
    """
    existing = read_key(path)
    if existing is not None:
        return existing
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".dsr.key.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    key = read_key(path)
    if key is None:  # pragma: no cover - the link either succeeded or the file existed
        raise LedgerError(Problem("cannot create the pseudonymisation key", Where(file=path)))
    return key


def keyed_hash(key: bytes, kind: str, value: str) -> str:
    """``hmac-sha256:<hex>`` of ``kind`` and ``value``; the kind keeps kinds apart."""
    digest = hmac.new(key, f"{kind}\x1f{value}".encode(), hashlib.sha256).hexdigest()
    return HASH_PREFIX + digest


def is_hashed(value: str) -> bool:
    return value.startswith(HASH_PREFIX)


@dataclass(frozen=True)
class PseudonymiseResult:
    """How many requests had their identifiers replaced (ids only, no values)."""

    request_ids: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.request_ids)


def due_for_pseudonymisation(session: Session, *, now: datetime, after_days: int) -> list[str]:
    """Ids of finished requests, closed at least ``after_days`` ago, still holding plain values."""
    cutoff = now - timedelta(days=after_days)
    rows = session.execute(
        select(Request.id)
        .join(RequestIdentifier, RequestIdentifier.request_id == Request.id)
        .where(
            Request.status.in_(FINISHED),
            Request.closed_at.is_not(None),
            Request.closed_at <= cutoff,
            ~RequestIdentifier.normalised.startswith(HASH_PREFIX, autoescape=True),
        )
        .distinct()
        .order_by(Request.id)
    )
    return [row[0] for row in rows]


def pseudonymise(
    session: Session,
    key_file: Path,
    *,
    now: datetime,
    after_days: int,
    actor: str,
) -> PseudonymiseResult:
    """Replace the identifiers of long-finished requests by keyed hashes, in the
    caller's write transaction, and append one event saying how many.

    On SQLite, ``secure_delete`` makes the database overwrite the old values
    instead of leaving them in free space; call ``scrub_sqlite`` after commit to
    empty the write-ahead log as well.
    """
    ids = due_for_pseudonymisation(session, now=now, after_days=after_days)
    if not ids:
        return PseudonymiseResult(())
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql("PRAGMA secure_delete = ON")
    key = ensure_key(key_file)
    identifiers = session.scalars(
        select(RequestIdentifier).where(RequestIdentifier.request_id.in_(ids))
    )
    for identifier in identifiers:
        if is_hashed(identifier.normalised):
            continue
        identifier.value = keyed_hash(key, identifier.kind, identifier.value)
        identifier.normalised = keyed_hash(key, identifier.kind, identifier.normalised)
    for request in session.scalars(select(Request).where(Request.id.in_(ids))):
        if hasattr(request, "note"):
            request.note = None  # free text may name the person
    for plan in session.scalars(select(Plan).where(Plan.request_id.in_(ids))):
        # the surname a confirmation greeted by; the phone number, name, ... verify looked for
        if (plan.body or {}).keys() & {PLAN_ADDRESS_FORM, PLAN_LEARNED}:
            plan.body = {
                k: v for k, v in plan.body.items() if k not in (PLAN_ADDRESS_FORM, PLAN_LEARNED)
            }
    for rid in ids:  # earlier events' digests of the old values become untestable
        forget_request_key(session, rid)
    append_event(
        session,
        actor=actor,
        action="ledger.pseudonymised",
        details={"requests": len(ids), "ids": ids, "after_days": after_days},
        at=now,
    )
    return PseudonymiseResult(tuple(ids))


def scrub_sqlite(engine: Engine) -> None:
    """Checkpoint and truncate the WAL so replaced values leave no copy there.

    Runs outside any transaction (a checkpoint cannot finish while this
    connection itself reads); if another process is reading, the WAL is
    truncated at its next checkpoint instead.
    """
    if engine.dialect.name != "sqlite":
        return
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        connection.close()
