"""The ledger's tables, as SQLAlchemy 2 typed models.

One schema serves SQLite (the default, a file next to dsr.yaml) and PostgreSQL
(for a team), so only portable types are used. ``SCHEMA_VERSION`` is stored in
``ledger_meta``; code refuses a ledger written by a newer dsr instead of
guessing what its columns mean.

The ledger keeps what dsr needs to act and to prove it acted. Identifiers of
the person live only in ``request_identifiers``; events, plans and documents
refer to a request by its id and never carry personal values.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

SCHEMA_VERSION = 1
"""The version this code writes and understands; raise it with every schema change."""


def utcnow() -> datetime:
    """The current time as an aware UTC datetime: the one clock of the ledger."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so the value is
    stored as naive UTC and made aware again on reading. Event hashes depend on
    the exact value, so it must come back as it went in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("ledger times must be timezone-aware (UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with constraint names fixed, so later migrations can name them."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def _year_from_id(context: DefaultExecutionContext) -> int:
    return int(str(context.get_current_parameters()["id"]).split("-", 1)[0])


def _seq_from_id(context: DefaultExecutionContext) -> int:
    return int(str(context.get_current_parameters()["id"]).split("-", 1)[1])


class LedgerMeta(Base):
    """Key/value facts about the ledger itself: ``schema_version`` and ``chain_head``.

    A key/value table stays readable by every version of dsr, so an old dsr can
    always find out that a ledger is too new for it. The ``chain_head`` row is
    also the lock that serialises writers of the event chain.
    """

    __tablename__ = "ledger_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Request(Base):
    """One data-subject request and its deadlines.

    ``id`` is the human-friendly number staff quote on the phone ("2026-0001");
    ``year`` and ``seq`` are filled from it and keep numbering and sorting exact
    past 9999 requests a year. Use ``dsr.ledger.store.next_request_id`` to get one.
    """

    __tablename__ = "requests"
    __table_args__ = (
        UniqueConstraint("year", "seq"),
        Index("ix_requests_status_due", "status", "due"),
    )

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, default=_year_from_id)
    seq: Mapped[int] = mapped_column(Integer, default=_seq_from_id)
    type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    received: Mapped[date]
    due: Mapped[date]
    target: Mapped[date | None]
    channel: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Art. 12(3) bookkeeping: the identity question suspends the clock
    # (paused_since, then paused_days added up); an extension moves the end.
    paused_since: Mapped[date | None]
    paused_days: Mapped[int | None] = mapped_column(Integer)
    extended_until: Mapped[date | None]
    extension_reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)  # staff note; dropped by pseudonymisation

    identifiers: Mapped[list[RequestIdentifier]] = relationship(
        back_populates="request", cascade="all, delete-orphan", passive_deletes=True
    )
    plans: Mapped[list[Plan]] = relationship(back_populates="request")
    documents: Mapped[list[Document]] = relationship(back_populates="request")


class RequestIdentifier(Base):
    """How to find the person: e-mail, phone, name, birthdate, postcode or an id.

    ``value`` is as given, ``normalised`` as the lookup engine compares it
    (dsr.identifiers); the index on it finds earlier requests of the same person.
    """

    __tablename__ = "request_identifiers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(Text)
    normalised: Mapped[str] = mapped_column(Text, index=True)

    request: Mapped[Request] = relationship(back_populates="identifiers")


class Event(Base):
    """One entry of the audit trail, linked to the one before by ``prev_hash``.

    ``details`` is JSON and never holds personal data: the chain is kept for
    years and must not become a second copy of what was erased. Write events
    only through ``dsr.ledger.chain.append_event``.
    """

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[str | None] = mapped_column(ForeignKey("requests.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    # Plain JSON (not JSONB) so PostgreSQL returns exactly what was hashed.
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class Plan(Base):
    """An erasure plan as data; ``--execute`` applies the plan with this hash."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    plan_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(32))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)

    request: Mapped[Request] = relationship(back_populates="plans")


class Document(Base):
    """A file dsr wrote for a request (letter, export, confirmation) and its checksum."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[Request] = relationship(back_populates="documents")


LEDGER_TABLES = frozenset(Base.metadata.tables)
"""Names of every ledger table; finding one without ``ledger_meta`` means a foreign database."""
