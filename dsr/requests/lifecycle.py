"""The request ledger's verbs: log a request, pause for an identity check, extend,
refuse, close, and read them back.

Every change is one write transaction that updates the request and appends an
event to the audit chain, so the chain shows who did what and when. Event
details carry no personal data: counts, kinds, dates, choices, checksums. The
person's identifiers live only in ``request_identifiers`` (pseudonymised later,
see ``dsr.ledger.pseudonymise``), letters only in their owner-only files.

Staff often record things a day late, so every verb takes ``at``: when it
happened. Deadlines follow ``dsr.requests.deadlines`` (law.md section 2): the identity
question suspends the clock (the days are added back when the answer comes), an
extension is possible only while the first month runs, and a refusal is due
within the first month whatever pause there was (Art. 12(4)).
"""

from __future__ import annotations

import getpass
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.clock import berlin_day, now, today_berlin
from dsr.config.models import Config
from dsr.config.texts import LANGUAGES
from dsr.errors import Problem, UsageError, Where, did_you_mean
from dsr.ledger import (
    Document,
    Event,
    Ledger,
    Request,
    RequestIdentifier,
    append_event,
    next_request_id,
)
from dsr.ledger.pseudonymise import is_hashed, key_path, keyed_hash, read_key
from dsr.ledger.state import without_state
from dsr.render.writers import private_dir, write_private
from dsr.requests.deadline_names import long_date
from dsr.requests.deadlines import (
    DeadlineResult,
    compute_deadline,
    explain,
    receipt_day,
    working_days_between,
)

TYPES = ("access", "erasure", "rectification", "restriction", "objection", "portability")
CHANNELS = ("email", "letter", "phone", "web", "in-person")
STATUSES = ("open", "awaiting_identity", "rejected", "closed")
ACTIVE = ("open", "awaiting_identity")
OUTCOMES = ("answered", "no-data", "withdrawn", "no-identity")
IDENTIFIER_KINDS = ("email", "phone", "name", "birthdate", "postcode", "id")
EARLIEST_RECEIPT = date(1990, 1, 1)
"""No request dsr logs arrived before this: an earlier --received is a mistyped year."""
# Kinds that point at one person on their own; a name or a postcode alone does not.
RECOGNISING_KINDS = ("email", "phone", "id")

LETTER_KINDS = {"extension": "request_extension.md.j2", "rejection": "request_rejection.md.j2"}


# --- small helpers ---------------------------------------------------------------------------


def current_actor(actor: str | None) -> str:
    """``--actor`` if given, else the login name: who did it, for the audit trail."""
    if actor and actor.strip():
        return actor.strip()
    try:
        return getpass.getuser()
    except Exception:  # no login name (a container without a passwd entry)
        return "unknown"


_DIGITS = re.compile(r"\d")
_EMAILISH = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def check_no_personal_values(text: str, option: str) -> str:
    """Short texts kept in the audit trail (how identity was checked, what was asked)
    must describe, not quote: no e-mail addresses, no document or phone numbers.

    The chain is kept for years and is never pseudonymised, so a number copied
    from an ID card would outlive everything else about the person.
    """
    clean = " ".join(text.split())
    if not clean:
        raise UsageError(Problem(f"{option} is empty", hint="say it in a few words"))
    if len(clean) > 200:
        raise UsageError(Problem(f"{option} is longer than 200 characters", hint="keep it short"))
    tokens = clean.split(" ")
    if _EMAILISH.search(clean) or any(len(_DIGITS.findall(t)) >= 5 for t in tokens):
        raise UsageError(
            Problem(
                f"{option} seems to hold an address or a number from the person's data",
                hint="describe how (e.g. 'ID card seen, copy not kept'); the audit trail "
                "keeps this text for years and must not hold personal data",
            )
        )
    return clean


# --- what the CLI gets back ------------------------------------------------------------------


@dataclass(frozen=True)
class RequestInfo:
    """One request as the CLI and scripts see it."""

    id: str
    type: str
    status: str
    received: date
    due: date
    target: date | None
    channel: str | None
    language: str | None
    paused_since: date | None
    paused_days: int
    extended_until: date | None
    extension_reason: str | None
    closed_at: datetime | None
    outcome: str | None
    note: str | None

    def days_left(self, today: date) -> int:
        return (self.due - today).days

    def as_dict(self) -> dict[str, Any]:
        """The JSON document of design.md (`request new`/`show`): these keys never change."""
        return {
            "id": self.id,
            "type": self.type,
            "status": self.status,
            "received": self.received,
            "due": self.due,
            "target": self.target,
            "channel": self.channel,
            "language": self.language,
            "paused_since": self.paused_since,
            "paused_days": self.paused_days,
            "extended_until": self.extended_until,
            "extension_reason": self.extension_reason,
            "closed_at": self.closed_at,
            "outcome": self.outcome,
            "note": self.note,
        }


def request_info(request: Request) -> RequestInfo:
    """A detached copy of a ledger row, readable after its session has closed."""
    return RequestInfo(
        id=request.id,
        type=request.type,
        status=request.status,
        received=request.received,
        due=request.due,
        target=request.target,
        channel=request.channel,
        language=request.language,
        paused_since=request.paused_since,
        paused_days=request.paused_days or 0,
        extended_until=request.extended_until,
        extension_reason=request.extension_reason,
        closed_at=request.closed_at,
        outcome=request.outcome,
        note=getattr(request, "note", None),
    )


@dataclass(frozen=True)
class Change:
    """The request after a change, what the person must know (warnings), and the
    letter written, if any. Warnings are for a person to read, never personal data."""

    request: RequestInfo
    warnings: tuple[str, ...] = ()
    letter: Path | None = None
    letter_sha256: str | None = None
    added_days: int = 0
    earlier_requests: tuple[str, ...] = ()

    def to_json(
        self, *, earlier_requests: bool = False, added_days: bool = False
    ) -> dict[str, Any]:
        """What a `dsr request` command that changed the request prints with --json: the
        request (design.md's `request new` keys), the letter written and the warnings;
        ``request new`` adds the earlier requests of the same person, ``request verify``
        the days the clock stood still."""
        document: dict[str, Any] = self.request.as_dict()
        if self.letter is not None:
            document["letter"] = {"path": self.letter, "sha256": self.letter_sha256}
        document["warnings"] = list(self.warnings)
        if earlier_requests:
            document["earlier_requests"] = list(self.earlier_requests)
        if added_days:
            document["added_days"] = self.added_days
        return document


@dataclass(frozen=True)
class EventInfo:
    id: int
    at: datetime
    actor: str
    action: str
    details: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "details": self.details,
        }


@dataclass(frozen=True)
class RequestDetail:
    """Everything ``request show`` prints: the request, how its date was reached,
    whom it is about (unless pseudonymised), its history and its documents."""

    request: RequestInfo
    deadline: DeadlineResult
    identifiers: list[tuple[str, str]]
    events: list[EventInfo]
    documents: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self, language: str) -> dict[str, Any]:
        """design.md's `request show` document: the request, whom it is about, the deadline
        explained step by step in ``language``, its documents and its events."""
        document = self.request.as_dict()
        document["identifiers"] = [{"kind": k, "value": v} for k, v in self.identifiers]
        document["deadline"] = {
            "due": self.deadline.due,
            "target": self.deadline.target,
            "first_month_end": self.deadline.first_month_end,
            "extension_deadline": self.deadline.extension_deadline,
            "paused_days": self.deadline.paused_days,
            "extended": self.deadline.extended,
            "explanation": explain(self.deadline, language),
        }
        document["documents"] = self.documents
        document["events"] = [e.as_dict() for e in self.events]
        return document


# --- deadlines -------------------------------------------------------------------------------


def deadline_for(request: Request | RequestInfo, config: Config) -> DeadlineResult:
    """The request's current deadline: its pauses and extension included."""
    return compute_deadline(
        request.received,
        config.deadline,
        paused_days=request.paused_days or 0,
        extended=request.extended_until is not None,
    )


def first_month(request: Request | RequestInfo, config: Config) -> DeadlineResult:
    """The first month alone: the extension notice and a refusal are due by its end,
    and an identity pause does not move it (law.md 2.4)."""
    return compute_deadline(request.received, config.deadline)


def _apply(request: Request, result: DeadlineResult) -> None:
    request.due = result.due
    request.target = result.target


# --- identifiers -----------------------------------------------------------------------------


def normalise_identifiers(
    identifiers: Sequence[tuple[str, str]], config: Config
) -> list[tuple[str, str, str]]:
    """(kind, value as given, normalised) for each identifier, read by the one parser
    `dsr find` uses too (dsr.lookup.person), so the ledger stores the person exactly as
    a lookup reads them. Bad ones are a UsageError naming each option, never the value
    (it is personal data); an id must name a source of dsr.yaml."""
    unknown = sorted({kind for kind, _ in identifiers} - set(IDENTIFIER_KINDS))
    if unknown:
        raise UsageError(
            Problem(
                f"a request cannot hold identifiers of kind {', '.join(unknown)}",
                hint=f"known: {', '.join(IDENTIFIER_KINDS)}",
            )
        )
    # Imported here: the phone and tax-id parsers, like Jinja below, are needed only when
    # a request is logged or a letter written, not by `dsr overdue` or `dsr request list`.
    from dsr.lookup.person import id_sources, parse_identifiers, phone_region

    found = parse_identifiers(
        identifiers,
        region=phone_region(config),
        sources=id_sources(config),
    )
    return [(i.kind, i.value, i.normalised) for i in found]


def earlier_requests(
    session: Session, config: Config, ledger: Ledger, identifiers: Iterable[tuple[str, str]]
) -> list[str]:
    """Ids of earlier requests sharing an e-mail, phone or id with these
    (kind, normalised) pairs, also when those were pseudonymised since."""
    key = read_key(key_path(ledger.path, config.base_dir))
    found: set[str] = set()
    for kind, normalised in identifiers:
        if kind not in RECOGNISING_KINDS:
            continue
        candidates = [normalised]
        if key is not None:
            candidates.append(keyed_hash(key, kind, normalised))
        rows = session.execute(
            select(RequestIdentifier.request_id).where(
                RequestIdentifier.kind == kind, RequestIdentifier.normalised.in_(candidates)
            )
        )
        found.update(row[0] for row in rows)
    return sorted(found)


# --- the verbs -------------------------------------------------------------------------------


def _choice(value: str, allowed: Sequence[str], option: str) -> str:
    if value not in allowed:
        raise UsageError(
            Problem(
                f"{option} '{value}' is not known", hint=did_you_mean(value, list(allowed), "use")
            )
        )
    return value


def new_request(
    ledger: Ledger,
    config: Config,
    *,
    type: str,
    identifiers: Sequence[tuple[str, str]],
    received: date | datetime | str | None = None,
    channel: str = "email",
    language: str | None = None,
    note: str | None = None,
    actor: str | None = None,
    at: datetime | None = None,
) -> Change:
    """Log a request and compute its deadline; return it with earlier requests of
    the same person (a repeat can matter under Art. 12(5))."""
    _choice(type, TYPES, "--type")
    _choice(channel, CHANNELS, "--channel")
    # Stored only when given: without one, letters follow the person's own rows (a shop
    # row saying language = en), else dsr.yaml's language.
    lang = _choice(language, LANGUAGES, "--language") if language else None
    moment = at or now()
    day = berlin_day(moment) if received is None else receipt_day(received, option="--received")
    if day > today_berlin():
        raise UsageError(Problem("--received lies in the future"))
    if day < EARLIEST_RECEIPT:
        # A typo in the year (0026, 1926): its deadline would have passed decades ago.
        raise UsageError(
            Problem(
                f"--received lies before {EARLIEST_RECEIPT.year}",
                hint="check the year; give the day the request arrived, e.g. 2026-03-05",
            )
        )
    if day > berlin_day(moment):
        raise UsageError(
            Problem("--received is later than --at", hint="a request is logged after it arrives")
        )
    if not identifiers:
        raise UsageError(
            Problem(
                "say whom the request is about",
                hint="give at least one of --email, --phone, --name, --birthdate, --postcode, --id",
            )
        )
    values = normalise_identifiers(identifiers, config)
    if note is not None and not hasattr(Request, "note"):
        raise UsageError(Problem("--note needs a newer ledger schema (no note column)"))
    result = compute_deadline(day, config.deadline)
    who = current_actor(actor)
    with ledger.session() as session:
        request_id = next_request_id(session, day.year)
        earlier = earlier_requests(session, config, ledger, ((k, n) for k, _, n in values))
        request = Request(
            id=request_id,
            type=type,
            status="open",
            received=day,
            due=result.due,
            target=result.target,
            channel=channel,
            language=lang,
            paused_days=0,
        )
        if note is not None and note.strip():
            request.note = note.strip()
        request.identifiers = [
            RequestIdentifier(kind=kind, value=value, normalised=normalised)
            for kind, value, normalised in values
        ]
        session.add(request)
        session.flush()
        append_event(
            session,
            actor=who,
            action="request.created",
            request_id=request_id,
            details={
                "type": type,
                "identifiers": len(values),
                "kinds": sorted({k for k, _, _ in values}),
                "channel": channel,
                "language": lang,
                "received": day,
                "due": result.due,
                "target": result.target,
                "earlier_requests": len(earlier),
            },
            at=moment,
        )
        info = request_info(request)
    return Change(info, earlier_requests=tuple(earlier))


def get_request(session: Session, request_id: str) -> Request:
    """The request ``request_id``; UsageError (exit 2) naming it when the ledger has none."""
    request = session.get(Request, request_id.strip())
    if request is None:
        raise UsageError(
            Problem(f"no request {request_id} in the ledger", hint="see dsr request list --all")
        )
    return request


def _active(request: Request, what: str) -> None:
    if request.status not in ACTIVE:
        raise UsageError(
            Problem(
                f"request {request.id} is {request.status}; cannot {what}",
                hint="only open requests change",
            )
        )


def _not_before_receipt(request: Request, moment: datetime) -> date:
    day = berlin_day(moment)
    if day < request.received:
        raise UsageError(
            Problem(f"--at lies before request {request.id} was received ({request.received})")
        )
    return day


def _identity_verified(session: Session, request_id: str) -> bool:
    return (
        session.execute(
            select(Event.id)
            .where(Event.request_id == request_id, Event.action == "request.identity_verified")
            .limit(1)
        ).first()
        is not None
    )


def verify_identity(
    ledger: Ledger,
    config: Config,
    request_id: str,
    *,
    method: str,
    actor: str | None = None,
    at: datetime | None = None,
) -> Change:
    """Record that identity was confirmed and how (never the document itself).

    When the clock was stopped for the question, the days between question and
    answer are added to the deadline (law.md 2.4) and the request is open again.
    """
    how = check_no_personal_values(method, "--method")
    moment = at or now()
    warnings: list[str] = []
    with ledger.session() as session:
        request = get_request(session, request_id)
        _active(request, "verify identity")
        day = _not_before_receipt(request, moment)
        added = 0
        if request.status == "awaiting_identity" and request.paused_since is not None:
            if day < request.paused_since:
                raise UsageError(
                    Problem(
                        f"--at lies before the identity question of {request.paused_since}",
                        hint="the answer cannot come before the question",
                    )
                )
            added = (day - request.paused_since).days
            request.paused_days = (request.paused_days or 0) + added
            request.paused_since = None
            request.status = "open"
            result = deadline_for(request, config)
            _apply(request, result)
            if request.extended_until is not None:
                request.extended_until = result.due
                warnings.append(_PAUSE_AND_EXTENSION)
        append_event(
            session,
            actor=current_actor(actor),
            action="request.identity_verified",
            request_id=request.id,
            details={"method": how, "paused_days_added": added, "due": request.due},
            at=moment,
        )
        info = request_info(request)
    return Change(info, warnings=tuple(warnings), added_days=added)


_PAUSE_AND_EXTENSION = (
    "this request has both an identity pause and an extension; the law does not say in "
    "which order they count (law.md, open points): a person should check the due date"
)


def await_identity(
    ledger: Ledger,
    config: Config,
    request_id: str,
    *,
    asked: str,
    actor: str | None = None,
    at: datetime | None = None,
) -> Change:
    """Stop the clock: a justified question about identity went out on ``at``.

    The EDPB allows the pause only when the question was asked without undue
    delay (Guidelines 01/2022 para 159); dsr warns when it went out more than
    ``identity_question_warn_working_days`` working days after receipt.
    """
    what = check_no_personal_values(asked, "--asked")
    moment = at or now()
    settings = config.deadline
    warnings: list[str] = []
    with ledger.session() as session:
        request = get_request(session, request_id)
        if request.status == "awaiting_identity":
            raise UsageError(
                Problem(
                    f"request {request.id} already waits for an answer "
                    f"since {request.paused_since}",
                    hint="record the answer with dsr request verify",
                )
            )
        _active(request, "ask about identity")
        if _identity_verified(session, request.id):
            raise UsageError(
                Problem(
                    f"identity for request {request.id} was already confirmed",
                    hint="a second question does not stop the clock again",
                )
            )
        day = _not_before_receipt(request, moment)
        late_by = working_days_between(request.received, day, settings)
        late = late_by > settings.identity_question_warn_working_days
        if late:
            warnings.append(
                f"the question went out {late_by} working days after receipt; the pause "
                f"counts only if it was asked without undue delay (EDPB Guidelines 01/2022 "
                f"para 159, dsr warns after {settings.identity_question_warn_working_days}): "
                f"plan with the due date {request.due}"
            )
        if day > request.due:
            warnings.append(f"the question went out after the due date {request.due}")
        request.status = "awaiting_identity"
        request.paused_since = day
        append_event(
            session,
            actor=current_actor(actor),
            action="request.identity_requested",
            request_id=request.id,
            details={"asked": what, "asked_on": day, "late": late},
            at=moment,
        )
        info = request_info(request)
    return Change(info, warnings=tuple(warnings))


def _letter_dir(config: Config, output: Path | None) -> Path:
    return private_dir(output if output is not None else config.base_dir / "letters")


def _person_name(request: Request) -> str | None:
    for identifier in request.identifiers:
        if identifier.kind == "name" and not is_hashed(identifier.value):
            return identifier.value
    return None


def _write_letter(
    session: Session,
    config: Config,
    request: Request,
    *,
    kind: str,
    language: str,
    context: dict[str, Any],
    output: Path | None,
    event: str,
    details: dict[str, Any],
    actor: str | None,
    at: datetime,
) -> tuple[Path, str]:
    """Render the letter, write it owner-only, record it with its checksum and append
    the ``event`` that it was written (with ``details``, its language and checksum)."""
    controller = config.controller
    dpo = controller.dpo
    full = {
        "request_id": request.id,
        "request_type": request.type,
        "person_name": _person_name(request),
        "received": long_date(request.received, language),
        "letter_date": long_date(today_berlin(), language),
        "controller_name": controller.name,
        "controller_address": controller.address,
        "controller_email": controller.email,
        "dpo_name": dpo.name if dpo else None,
        "dpo_email": dpo.email if dpo else None,
        "dpo_phone": dpo.phone if dpo else None,
        **context,
    }
    from dsr.render.templates import render  # see normalise_identifiers: only for a letter

    text = render(LETTER_KINDS[kind], full, language=language, user_dir=config.templates)
    path = _letter_dir(config, output) / f"{request.id}-{kind}-{language}.md"
    write_private(path, text)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    session.add(
        Document(request_id=request.id, kind=f"{kind}_letter", path=str(path), sha256=digest)
    )
    _record_letter(
        session,
        path,
        actor=current_actor(actor),
        action=event,
        request_id=request.id,
        details={**details, "language": language, "letter_sha256": digest},
        at=at,
    )
    return path, digest


def _letter_language(request: Request, language: str | None, config: Config) -> str:
    return _choice(language or request.language or config.language, LANGUAGES, "--language")


def extend(
    ledger: Ledger,
    config: Config,
    request_id: str,
    *,
    reason: str,
    language: str | None = None,
    output: Path | None = None,
    actor: str | None = None,
    at: datetime | None = None,
) -> Change:
    """Extend by two further months (Art. 12(3) s.2-3) and write the letter saying why.

    Allowed only while the first month runs: the person must have the notice,
    with its reasons, by the end of the first month. The pause does not move
    that date (law.md 2.4).
    """
    why = " ".join(reason.split())
    if not why:
        raise UsageError(
            Problem("--reason is empty", hint="the person must be told why (Art. 12(3))")
        )
    moment = at or now()
    warnings: list[str] = []
    with ledger.session() as session:
        request = get_request(session, request_id)
        _active(request, "extend")
        if request.extended_until is not None:
            raise UsageError(
                Problem(
                    f"request {request.id} was already extended until {request.extended_until}",
                    hint="Art. 12(3) allows one extension of two further months",
                )
            )
        day = _not_before_receipt(request, moment)
        limit = first_month(request, config).extension_deadline
        if day > limit:
            raise UsageError(
                Problem(
                    f"request {request.id}: too late to extend; the person had to be told "
                    f"by {limit}, the end of the first month (Art. 12(3))",
                    hint="answer as soon as possible; an extension told late does not count",
                )
            )
        lang = _letter_language(request, language, config)
        request.extension_reason = why
        request.extended_until = request.due  # marks it extended for the recomputation
        result = deadline_for(request, config)
        _apply(request, result)
        request.extended_until = result.due
        if request.paused_days or request.status == "awaiting_identity":
            warnings.append(_PAUSE_AND_EXTENSION)
        path, digest = _write_letter(
            session,
            config,
            request,
            kind="extension",
            language=lang,
            context={"reason": why, "due": long_date(result.due, lang)},
            output=output,
            event="request.extended",
            details={"due": result.due},
            actor=actor,
            at=moment,
        )
        info = request_info(request)
    return Change(info, warnings=tuple(warnings), letter=path, letter_sha256=digest)


def _record_letter(
    session: Session,
    path: Path,
    *,
    actor: str,
    action: str,
    request_id: str,
    details: dict[str, Any],
    at: datetime,
) -> None:
    """Append the event for a written letter; if that fails, remove the letter again,
    so no letter exists that the ledger does not know was written."""
    try:
        append_event(
            session, actor=actor, action=action, request_id=request_id, details=details, at=at
        )
        session.flush()
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def reject(
    ledger: Ledger,
    config: Config,
    request_id: str,
    *,
    reason: str,
    language: str | None = None,
    output: Path | None = None,
    actor: str | None = None,
    at: datetime | None = None,
) -> Change:
    """Refuse the request and write the Art. 12(4) letter: why, the right to
    complain to the supervisory authority (named), and the right to go to court.

    The refusal is due within the first month, pause or not; dsr warns when late.
    """
    why = " ".join(reason.split())
    if not why:
        raise UsageError(
            Problem("--reason is empty", hint="a refusal must give its reasons (Art. 12(4))")
        )
    authority = config.controller.supervisory_authority
    if not authority:
        raise UsageError(
            Problem(
                "dsr.yaml names no supervisory authority; a refusal must name it (Art. 12(4))",
                Where(file=config.path, key="controller.supervisory_authority"),
                "add the authority competent for the controller, e.g. the LfDI BW",
            )
        )
    moment = at or now()
    warnings: list[str] = []
    with ledger.session() as session:
        request = get_request(session, request_id)
        _active(request, "reject")
        day = _not_before_receipt(request, moment)
        limit = first_month(request, config).due
        late = day > limit
        if late:
            warnings.append(
                f"the refusal is late: it was due by {limit}, within the first month "
                "(Art. 12(4)); the letter is written all the same"
            )
        lang = _letter_language(request, language, config)
        request.status = "rejected"
        request.outcome = "rejected"
        request.closed_at = moment
        request.paused_since = None
        path, digest = _write_letter(
            session,
            config,
            request,
            kind="rejection",
            language=lang,
            context={"reason": why, "authority": authority},
            output=output,
            event="request.rejected",
            details={"late": late},
            actor=actor,
            at=moment,
        )
        info = request_info(request)
    return Change(info, warnings=tuple(warnings), letter=path, letter_sha256=digest)


def close(
    ledger: Ledger,
    config: Config,
    request_id: str,
    *,
    outcome: str = "answered",
    actor: str | None = None,
    at: datetime | None = None,
) -> Change:
    """Close a request: it was answered (or withdrawn, or the person never proved
    who they are). Warns when it was closed after its due date."""
    _choice(outcome, OUTCOMES, "--outcome")
    moment = at or now()
    warnings: list[str] = []
    with ledger.session() as session:
        request = get_request(session, request_id)
        _active(request, "close")
        day = _not_before_receipt(request, moment)
        late = day > request.due and request.status == "open"
        if late:
            warnings.append(
                f"closed {(day - request.due).days} days after the due date {request.due}"
            )
        request.status = "closed"
        request.outcome = outcome
        request.closed_at = moment
        request.paused_since = None
        append_event(
            session,
            actor=current_actor(actor),
            action="request.closed",
            request_id=request.id,
            details={"outcome": outcome, "late": late},
            at=moment,
        )
        info = request_info(request)
    return Change(info, warnings=tuple(warnings))


# --- reading ---------------------------------------------------------------------------------


def list_requests(
    ledger: Ledger,
    *,
    statuses: Sequence[str] | None = None,
    types: Sequence[str] | None = None,
) -> list[RequestInfo]:
    """Requests by due date; ``statuses=None`` means every status."""
    for status in statuses or ():
        _choice(status, STATUSES, "--status")
    for kind in types or ():
        _choice(kind, TYPES, "--type")
    query = select(Request).order_by(Request.due, Request.year, Request.seq)
    if statuses:
        query = query.where(Request.status.in_(list(statuses)))
    if types:
        query = query.where(Request.type.in_(list(types)))
    with ledger.session(write=False) as session:
        return [request_info(r) for r in session.scalars(query)]


def show_request(ledger: Ledger, config: Config, request_id: str) -> RequestDetail:
    """One request with its identifiers, deadline explanation, events and documents."""
    with ledger.session(write=False) as session:
        request = get_request(session, request_id)
        identifiers = [
            (i.kind, "(pseudonymised)" if is_hashed(i.value) else i.value)
            for i in sorted(request.identifiers, key=lambda i: i.id)
        ]
        events = [
            EventInfo(e.id, e.at, e.actor, e.action, without_state(e.details))
            for e in session.scalars(
                select(Event).where(Event.request_id == request.id).order_by(Event.id)
            )
        ]
        documents = [
            {"kind": d.kind, "path": d.path, "sha256": d.sha256, "created_at": d.created_at}
            for d in sorted(request.documents, key=lambda d: d.id)
        ]
        info = request_info(request)
    return RequestDetail(info, deadline_for(info, config), identifiers, events, documents)
