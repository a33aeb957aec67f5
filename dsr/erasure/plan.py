"""`dsr erase ID`: decide, per row and column, what erasure does, before anything changes.

The person is found by the one lookup engine. Then, per source:

- rows a retention rule covers are KEPT until the rule's end (``retention``), with
  the rows hanging on them (an invoice's lines); an expired rule means erasure;
- rows of the person that a staying row points at (the customer row of a kept
  invoice, the order it bills) cannot be deleted without breaking the database:
  they are ANONYMISED (``integrity``), and what a kept document must show but
  does not hold itself (the recipient's name when the invoice has no name column)
  stays in them;
- mentions of the person in other people's free text are REDACTED; the row stays;
- every other row of the person is DELETED, children before parents (``order``);
- in sources dsr cannot change (SaaS exports), each row is a ``processor_task``
  and the source gets one task: what, how (the vendor's procedure), by when.

Possible matches (weak identifiers only) are left out unless a person confirms
them with ``--confirm SOURCE.TABLE:KEY``; rows that hang on a confirmed row come
with it. ``--retention-ended`` plans, without a lookup, the rows the last
executed plan kept whose period has ended. ``--replan`` replaces a plan the data
moved under (even one ``--execute`` started): it says what changed and plans what
is left, the sources the old plan finished carried over as done.

The plan holds keys, column names, rules and dates, never values; it is stored
in the ledger with its hash and an event, and ``plan_render.write_review`` writes
the file a DPO signs off. The rules about what stays live in ``retention``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from dsr.classify.result import TableClassification
from dsr.clock import today_berlin
from dsr.config.models import Config, Source
from dsr.connectors import open_connector
from dsr.connectors.protocol import Connector, RowKey, Table
from dsr.connectors.rows import RowId, row_id
from dsr.erasure import retention
from dsr.erasure.model import Anonymisation, ErasurePlan, PlanAction
from dsr.erasure.processors import due_date, processor_tasks, read_only
from dsr.erasure.recipients import recipient_tasks
from dsr.erasure.retention import Hold, RowRef
from dsr.erasure.store import StoredPlan, all_plans, latest_plan, save_plan, set_status
from dsr.errors import Problem, UsageError
from dsr.ledger import Ledger
from dsr.lookup.engine import LookupResult, Match, find_people, json_key
from dsr.lookup.person import Person, require_strong
from dsr.progress import NullProgress, Progress
from dsr.render.greeting import address_form, row_language
from dsr.requests.lifecycle import current_actor
from dsr.requests.subject import Subject, load_subject
from dsr.sources import SourceFailure, run_source

REDACT_KINDS = ("email", "phone", "name", "street")
"""Identifier kinds whose values the lookup finds in free text, and so redaction cuts out."""

_POSTCODE = re.compile(r"(plz|postcode|post_code|postal|zip)", re.IGNORECASE)
_COUNTRY = re.compile(r"(country|land)$", re.IGNORECASE)
_TEXT_TYPES = ("CHAR", "TEXT", "STRING", "CLOB", "VARCHAR", "OBJECT", "STR")
_PSEUDONYM_CATEGORIES = {"contact", "customer_id", "online_id", "government_id", "financial"}
_SHOWN_CATEGORIES = {"identity", "address"}
"""What a kept invoice must show of its recipient (§ 14(4) UStG: name and address)."""


# -- --confirm ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Confirmation:
    """One ``--confirm SOURCE.TABLE:KEY``: a possible match a person has checked."""

    number: int
    source: str
    table: str
    key: dict[str, Any] | None  # None: a single value, for a one-column key
    value: str | None = None

    def matches(self, match: Match) -> bool:
        if (match.source, match.table) != (self.source, self.table):
            return False
        if self.key is None:  # the value names the key's one column, whatever it is called
            if len(match.key) != 1:
                return False
            (column,) = match.key
            return row_id(match.table, match.key) == row_id(self.table, {column: self.value})
        return row_id(match.table, match.key) == row_id(self.table, self.key)

    def __str__(self) -> str:
        return f"--confirm (number {self.number}) {self.source}.{self.table}"


def parse_confirmations(values: Iterable[str], config: Config) -> list[Confirmation]:
    """``SOURCE.TABLE:{"col": value, ...}`` (the key as ``dsr find --json`` prints it) or
    ``SOURCE.TABLE:VALUE`` for a one-column key; UsageError names the bad one by number."""
    found = []
    hint = 'e.g. --confirm \'shop.customers:{"id": 17}\' or --confirm shop.customers:17'
    for number, raw in enumerate(values, start=1):
        text = raw.strip()
        place, sep, key_text = text.partition(":")
        source, dot, table = place.partition(".")
        if not sep or not dot or not source or not table or not key_text.strip():
            raise UsageError(
                Problem(f"--confirm (number {number}) is not SOURCE.TABLE:KEY", hint=hint)
            )
        if source not in config.sources:
            raise UsageError(
                Problem(f"--confirm (number {number}): no source '{source}' in dsr.yaml")
            )
        key_text = key_text.strip()
        if key_text.startswith("{"):
            try:
                key = json.loads(key_text)
            except ValueError:
                key = None
            if not isinstance(key, dict) or not key:
                raise UsageError(
                    Problem(f"--confirm (number {number}): the key is not a JSON object", hint=hint)
                )
            found.append(Confirmation(number, source, table, key))
        else:
            found.append(Confirmation(number, source, table, None, key_text))
    return found


# -- what planning returns -----------------------------------------------------------------------


@dataclass(frozen=True)
class LeftOut:
    """A possible match not in the plan: where it is and why it matched (kinds, no values)."""

    source: str
    table: str
    key: dict[str, Any]
    via: str

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "table": self.table, "key": self.key, "via": self.via}


@dataclass(frozen=True)
class Replaced:
    """A plan ``--replan`` closed: its hash, its state then, the sources it had finished
    (their rows are erased; the new plan covers what is left) and what changed, as
    counts per table."""

    plan_hash: str
    status: str
    done: tuple[str, ...]
    changes: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "plan_hash": self.plan_hash,
            "status": self.status,
            "done_sources": list(self.done),
            "changes": list(self.changes),
        }


@dataclass(frozen=True)
class PlanOutcome:
    """A stored plan and what a person must look at before it is executed.

    ``notes`` are plain sentences without values (rows that cannot be addressed,
    documents kept without a known end, mentions a name cannot be cut from)."""

    stored: StoredPlan
    left_out: tuple[LeftOut, ...] = ()
    notes: tuple[str, ...] = ()
    documents: tuple[tuple[Path, str], ...] = ()
    exceptions: Mapping[str, BaseException] = field(default_factory=dict, compare=False)
    """The unexpected errors behind failed sources, for ``--debug`` (never stored)."""
    replaced: Replaced | None = None
    """With ``--replan``: the started plan this one replaces and what changed under it."""

    @property
    def failures(self) -> list[SourceFailure]:
        """The sources the plan could not cover, as every command words them."""
        return [
            SourceFailure(name, reason, self.exceptions.get(name))
            for name, reason in sorted(self.stored.plan.failed_sources.items())
        ]

    @property
    def attention(self) -> bool:
        """Whether a person must look: sources not read, possible matches, notes."""
        plan = self.stored.plan
        return bool(plan.failed_sources or self.left_out or plan.possible or self.notes)


def plan_erasure(
    config: Config,
    ledger: Ledger,
    request_id: str,
    *,
    confirm: Sequence[str] = (),
    retention_ended: bool = False,
    today: date | None = None,
    progress: Progress | None = None,
    actor: str | None = None,
) -> StoredPlan:
    """Look the person up, build the plan, store it (state ``planned``) and return it."""
    return plan_request(
        config,
        ledger,
        request_id,
        confirm=confirm,
        retention_ended=retention_ended,
        today=today,
        progress=progress,
        actor=actor,
    ).stored


def plan_request(
    config: Config,
    ledger: Ledger,
    request_id: str,
    *,
    confirm: Sequence[str] = (),
    retention_ended: bool = False,
    today: date | None = None,
    progress: Progress | None = None,
    actor: str | None = None,
    replan: bool = False,
) -> PlanOutcome:
    """``plan_erasure`` with what the CLI shows besides: possible matches left out, notes.

    ``replan`` replaces the latest plan, started or not, when it cannot go on (the
    person's rows changed under it): the old plan is closed (``superseded``) with an
    ``erasure.replanned`` event saying what changed, and the new plan covers what is
    left. The request and every event of the old plan stay.
    """
    day = today or today_berlin()
    request = load_subject(ledger, config, request_id)
    request.require_type(
        ("erasure",),
        hint="dsr erase plans erasure requests; log one with dsr request new --type erasure",
    )
    with ledger.session(write=False) as session:
        current = latest_plan(session, request.id)
    replaced = None
    if replan:
        if retention_ended:
            raise UsageError(Problem("--replan cannot be combined with --retention-ended"))
        replaced = _replaced(config, ledger, request.id, current, progress)
    elif current is not None and current.status == "executing":
        raise UsageError(
            Problem(
                f"the erasure of request {request.id} was started and did not finish",
                hint=f"finish it: dsr erase {request.id} --execute; if it refuses because "
                f"the data changed, plan what is left: dsr erase {request.id} --replan",
            )
        )
    exceptions: dict[str, BaseException] = {}
    address: dict[str, str] | None = None
    learned: dict[str, list[Any]] = {}
    if retention_ended:
        if confirm:
            raise UsageError(Problem("--confirm cannot be combined with --retention-ended"))
        plan, notes = _retention_ended(config, ledger, request, day)
        left_out: tuple[LeftOut, ...] = ()
    else:
        request.require_identity_checked()
        if request.status != "open":
            raise UsageError(
                Problem(
                    f"request {request.id} is {request.status}",
                    hint="for rows kept under a retention rule use --retention-ended",
                )
            )
        confirmations = parse_confirmations(confirm, config)
        person = request.person(config)
        result = find_people(config, [person], progress=progress or NullProgress())
        if not confirmations and not any(m.match == "possible" for m in result.matches):
            # Weak identifiers and nothing to confirm: an empty plan would end in "no data".
            require_strong(person, request.id, request.received, request.type)
        plan, left_out, notes = _build(
            config, request, person, result, confirmations, day, exceptions
        )
        form, surname = address_form(result.matches, result.classifications)
        address = {"form": form, "surname": surname} if form and surname else None
        if result.people:
            learned = result.people[0].learned_beyond(person)
        if replaced is not None and current is not None:
            # The rows a finished source erased no longer give their phone number: kept.
            both = person.with_learned(current.learned).with_learned(learned)
            learned = both.learned_beyond(person)
    done: dict[str, Any] = {}
    if replaced is not None and current is not None:
        if address is None:
            address = current.address_form  # the account rows may be anonymised by now
        plan, done = _carry_over(config, current, plan, request.due, day)
    who = current_actor(actor)
    with ledger.session() as session:
        if replaced is not None and current is not None:
            set_status(
                session, current.id, "superseded", actor=who, action="erasure.replanned",
                details=replaced.as_dict(),
            )
        stored = save_plan(
            session, plan, actor=who, address_form=address, learned=learned, progress=done
        )
    return PlanOutcome(
        stored, left_out, tuple(dict.fromkeys(notes)), exceptions=exceptions, replaced=replaced
    )


def _carry_over(
    config: Config, old: StoredPlan, plan: ErasurePlan, due: date, today: date
) -> tuple[ErasurePlan, dict[str, Any]]:
    """The new plan with the sources the replaced plan finished, as done.

    Their rows are erased already, so the lookup no longer finds them; without their
    actions the confirmation would not say what was erased there. A finished source
    where the lookup finds rows of the person again is planned anew instead (its
    earlier erasure is then in the replaced plan only)."""
    here = {a.source for a in plan.actions}
    done = {s: entry for s, entry in old.progress.items() if s not in here}
    if not done:
        return plan, {}
    actions = _sorted([*plan.actions, *(a for a in old.plan.actions if a.source in done)])
    return (
        replace(
            plan,
            actions=tuple(actions),
            counts_before=_counts(actions),
            recipient_tasks=recipient_tasks(
                config, actions, request_due=due, today=today, language=plan.language
            ),
        ),
        done,
    )


def _replaced(
    config: Config,
    ledger: Ledger,
    request_id: str,
    current: StoredPlan | None,
    progress: Progress | None,
) -> Replaced:
    """What ``--replan`` closes: the latest plan if it was not carried out, with what
    changed under it (UsageError when there is nothing to replace)."""
    from dsr.erasure.execute import plan_changes  # the executor's own check of the data

    if current is None:
        raise UsageError(
            Problem(
                f"request {request_id} has no erasure plan to replace",
                hint=f"make one: dsr erase {request_id}",
            )
        )
    if current.status not in ("planned", "executing"):
        raise UsageError(
            Problem(
                f"the erasure plan of request {request_id} is {current.status}: "
                "it was carried out, there is nothing to replan",
                hint=f"check what is left: dsr erase {request_id} --verify",
            )
        )
    changes = plan_changes(config, ledger, request_id, progress=progress)
    return Replaced(
        plan_hash=current.plan_hash,
        status=current.status,
        done=tuple(sorted(current.progress)),
        changes=tuple(str(p) for p in changes),
    )


# -- building a plan from a lookup ---------------------------------------------------------------


def _build(
    config: Config,
    request: Subject,
    person: Person,
    result: LookupResult,
    confirmations: list[Confirmation],
    today: date,
    exceptions: dict[str, BaseException],
) -> tuple[ErasurePlan, tuple[LeftOut, ...], list[str]]:
    """The plan from a lookup; ``exceptions`` collects the unexpected errors of sources
    that failed (for ``--debug``), the plan names those sources with their reasons."""
    matches = retention.own_matches(result)
    confirmed: list[Match] = []
    for confirmation in confirmations:
        hits = [m for m in matches if confirmation.matches(m)]
        if not hits:
            raise UsageError(
                Problem(
                    f"{confirmation}: no row with that key was found for request {request.id}",
                    hint="confirm a possible match the plan lists, with its key as shown",
                )
            )
        confirmed += [m for m in hits if m.match == "possible"]
    confirmed_ids = {(m.source, row_id(m.table, m.key)) for m in confirmed}
    left_out = tuple(
        LeftOut(m.source, m.table, json_key(m.key), m.via)
        for m in matches
        if m.match == "possible" and (m.source, row_id(m.table, m.key)) not in confirmed_ids
    )
    found = result.people[0] if result.people else person  # with what expansion found
    kinds = tuple(
        k
        for k, present in zip(
            REDACT_KINDS, (found.emails, found.phones, found.names, found.streets), strict=True
        )
        if present
    )
    due = due_date(request.due, today)
    actions: list[PlanAction] = []
    notes: list[str] = []
    failed = dict(result.failed_sources)
    exceptions.update(result.exceptions)
    for name in result.searched:
        here = [
            m
            for m in matches
            if m.source == name
            and (m.match != "possible" or (m.source, row_id(m.table, m.key)) in confirmed_ids)
        ]
        if not here:
            continue
        source = config.sources[name]
        classes = {c.table: c for c in result.classifications.get(name, [])}
        planner = _SourcePlan(config, source, classes, kinds, today, due)
        run = run_source(source, partial(_plan_source, planner, here))
        if run.failure is not None:  # the source failed now, after the lookup read it
            failed[name] = run.failure.reason
            if run.failure.exception is not None:
                exceptions[name] = run.failure.exception
            continue
        actions += run.value or []
        notes += planner.notes
    if any(a.redact for a in actions) and "name" not in kinds:
        notes.append(
            "the request holds no name: mentions are redacted by e-mail address and phone "
            "number only; add the name to the request and plan again to cut it out too"
        )
    # Logged without --language: the confirmation speaks the language the person's own
    # account rows state (the shop row says language = en), as the access letter does.
    language = request.answer_language
    if request.language is None:
        language = row_language(result.matches, result.classifications) or language
    plan = ErasurePlan(
        request=request.id,
        created=today,
        language=language,
        actions=tuple(_sorted(actions)),
        processor_tasks=processor_tasks(
            config, actions, request_due=request.due, today=today, language=language
        ),
        failed_sources=failed,
        counts_before=_counts(actions),
        possible=len(left_out),
        recipient_tasks=recipient_tasks(
            config, actions, request_due=request.due, today=today, language=language
        ),
    )
    return plan, left_out, notes


def _plan_source(planner: _SourcePlan, matches: list[Match], source: Source) -> list[PlanAction]:
    """One source's actions: a processor's tasks where dsr cannot change the source."""
    return planner.read_only(matches) if read_only(source) else planner.writable(matches)


class _SourcePlan:
    """The actions for one source's rows (see the module docstring for the rules)."""

    def __init__(
        self,
        config: Config,
        source: Source,
        classes: Mapping[str, TableClassification],
        kinds: tuple[str, ...],
        today: date,
        due: date,
    ) -> None:
        self.config = config
        self.source = source
        self.classes = classes
        self.kinds = kinds
        self.today = today
        self.due = due
        self.notes: list[str] = []

    # a source dsr cannot change

    def read_only(self, matches: list[Match]) -> list[PlanAction]:
        """Kept rows stay; every other row is a task for the processor (mentions: redact)."""
        actions = []
        for match in matches:
            hold = self._hold(match.table, match.row)
            if hold is not None:
                actions.append(self._keep(match.table, match.key, hold))
            elif match.match == "mention":
                actions.append(
                    self._action(
                        match.table, match.key, "processor_task",
                        columns=self._text_columns(match), reason="mention",
                        until=self.due, redact=self.kinds,
                    )
                )
            else:
                actions.append(
                    self._action(
                        match.table, match.key, "processor_task", reason="processor",
                        until=self.due,
                    )
                )
        return actions

    # a source dsr changes itself

    def writable(self, matches: list[Match]) -> list[PlanAction]:
        connector = open_connector(self.source)
        try:
            tables = {t.name: t for t in connector.tables()}
            return self._writable(connector, tables, matches)
        finally:
            connector.close()

    def _writable(
        self, connector: Connector, tables: dict[str, Table], matches: list[Match]
    ) -> list[PlanAction]:
        matches = self._addressable(tables, matches)
        refs = retention.references({n: t for n, t in tables.items() if t.kind != "view"})
        own: dict[RowId, RowRef] = {}
        reasons: dict[RowId, str] = {}
        mentions: dict[RowId, Match] = {}
        confirmed: list[RowRef] = []
        for match in matches:
            row = RowRef(match.table, match.key, match.row)
            if match.match == "mention":
                mentions[row.ident] = match
                continue
            own[row.ident] = row
            reasons[row.ident] = "linked_row" if match.match == "linked" else "person_row"
            if match.match == "possible":
                confirmed.append(row)
        # rows hanging on a confirmed row come with it, as the lookup brings them for a direct one
        frontier = confirmed
        while frontier:
            found = retention.children_of(connector, refs, frontier)
            frontier = [r for i, r in found.items() if i not in own]
            for row in frontier:
                own[row.ident] = row
                reasons[row.ident] = "linked_row"
                mentions.pop(row.ident, None)
        # kept by a retention rule, with the rows hanging on them
        kept: dict[RowId, Hold] = {}
        for key, row in own.items():
            hold = self._hold(row.table, row.values)
            if hold is not None:
                kept[key] = hold
        kept = retention.hanging_on(kept, retention.parent_links(own.values(), refs))
        # rows others point at: held for integrity, as long as the rows holding them
        deletable = [r for i, r in own.items() if i not in kept]
        children = retention.children_of(connector, refs, deletable)
        staying: dict[RowId, Hold] = dict(kept)
        for key in children:
            if key not in own:
                staying[key] = Hold(None)  # another person's row, or one not in the plan
        rows = {**children, **own}
        pairs = retention.parent_links(rows.values(), refs)
        held = retention.held_parents((r.ident for r in deletable), staying, pairs)
        shown: dict[RowId, set[str]] = {}
        for child, parent in pairs:
            if child in kept and parent in held and kept[child].rule is not None:
                needed = _SHOWN_CATEGORIES - self._categories(rows[child].table)
                if needed and self._kind(rows[parent].table) in ("person", "address"):
                    shown.setdefault(parent, set()).update(needed)
        tables_here = {r.table for r in own.values()} | {m.table for m in mentions.values()}
        order = retention.table_order(tables_here, refs)
        actions = []
        for key, row in own.items():
            rank = order.get(row.table, 0)
            if key in kept:
                actions.append(self._keep(row.table, row.key, kept[key], order=rank))
            elif key in held:
                table = tables.get(row.table)
                how = shown.get(key, set())
                actions.append(self._integrity(table, row, held[key], how, rank))
            else:
                actions.append(
                    self._action(row.table, row.key, "delete", reason=reasons[key], order=rank)
                )
        for key, match in mentions.items():
            if key in own:
                continue
            hold = self._hold(match.table, match.row)
            if hold is not None:  # a kept document is not altered, not even to cut a mention
                actions.append(self._keep(match.table, match.key, hold))
                continue
            actions.append(
                self._action(
                    match.table, match.key, "redact", columns=self._text_columns(match),
                    reason="mention", redact=self.kinds, order=order.get(match.table, 0),
                )
            )
        return actions

    def _addressable(self, tables: dict[str, Table], matches: list[Match]) -> list[Match]:
        """Matches whose rows can be changed one by one: not in views (their base tables'
        rows are planned). A row of a table without a primary key (key/value rows such as
        Joomla's ``user_profiles``) is named by all its values; where the key does not hold
        them all it is noted for a person."""
        kept = []
        skipped: Counter[str] = Counter()
        for match in matches:
            table = tables.get(match.table)
            if table is not None and table.kind == "view":
                continue
            if (
                table is not None
                and table.kind == "table"
                and not table.primary_key
                and not {c.name for c in table.columns} <= set(match.key)
            ):
                skipped[match.table] += 1
                continue
            kept.append(match)
        for name, count in sorted(skipped.items()):
            self.notes.append(
                f"source '{self.source.name}', table '{name}' has no primary key: "
                f"{count} row(s) of the person there must be erased by hand"
            )
        return kept

    # the pieces of an action

    def _hold(self, table: str, row: Mapping[str, Any]) -> Hold | None:
        """The retention hold on a row, None when no rule covers it or its period ended."""
        rule = retention.rule_for(self.config.retention, self.source.name, table)
        if rule is None:
            return None
        hold = retention.hold_for(rule, row)
        if hold.until is None:
            self.notes.append(
                f"source '{self.source.name}', table '{table}': a row under the rule "
                f"'{rule.name}' has no readable {rule.date_column or 'date'}; it is kept "
                "until a person decides"
            )
            return hold
        return hold if hold.until >= self.today else None

    def _keep(self, table: str, key: RowKey, hold: Hold, *, order: int = 0) -> PlanAction:
        return self._action(
            table, key, "keep", columns=self._personal(table), reason="retention",
            until=hold.until, rule=hold.rule, basis=hold.basis, order=order,
        )

    def _integrity(
        self, table: Table | None, row: RowRef, hold: Hold, shown: set[str], order: int
    ) -> PlanAction:
        how = self._anonymisation(table, row.table, shown, row.values) if table is not None else {}
        action = "anonymise" if how else "keep"
        return self._action(
            row.table, row.key, action, columns=tuple(how), reason="integrity",
            until=hold.until, rule=hold.rule, basis=hold.basis, how=how, order=order,
        )

    def _anonymisation(
        self, table: Table, name: str, shown: set[str], values: Mapping[str, Any]
    ) -> dict[str, Anonymisation]:
        """A method per personal column of a row that must stay: keys and references stay,
        what a kept document must show stays, a birth date keeps its year, a postcode its
        region, a column that may be empty is emptied, an identifier that must be filled
        gets a keyed pseudonym (unique stays unique), other text a fixed mask. A postcode
        without leading digits (British, Dutch) keeps no region: it is emptied or masked."""
        classes = self.classes.get(name)
        if classes is None:
            return {}
        fixed = set(table.primary_key) | {c for fk in table.foreign_keys for c in fk.columns}
        how: dict[str, Anonymisation] = {}
        for column in classes.columns:
            categories = set(column.categories)
            if not column.personal or column.column in fixed or not categories:
                continue
            if categories <= shown:
                continue
            if categories == {"address"} and _COUNTRY.search(column.column):
                continue  # a country names no one
            info = table.column(column.column)
            nullable = info.nullable if info is not None else True
            text = _is_text(info.type if info is not None else "")
            if "birthdate" in categories and text:
                how[column.column] = "year"
            elif (
                "address" in categories
                and _POSTCODE.search(column.column)
                and text
                and str(values.get(column.column) or "")[:2].isdigit()
            ):  # a region is the first two digits; "SW1A 1AA" has none to keep
                how[column.column] = "region"
            elif nullable:
                how[column.column] = "null"
            elif text and (
                column.lookup in ("email", "phone", "id") or categories & _PSEUDONYM_CATEGORIES
            ):
                how[column.column] = "pseudonym"
            elif text:
                how[column.column] = "mask"
            else:
                how[column.column] = "null"  # the source refuses it at execution, atomically
                self.notes.append(
                    f"source '{self.source.name}', table '{name}': column '{column.column}' "
                    "can be neither emptied nor masked; anonymise it by hand"
                )
        return how

    def _action(self, table: str, key: RowKey, action: str, **fields: Any) -> PlanAction:
        return PlanAction(source=self.source.name, table=table, key=json_key(key),
                          action=action, **fields)  # type: ignore[arg-type]

    def _personal(self, table: str) -> tuple[str, ...]:
        classes = self.classes.get(table)
        return tuple(c.column for c in classes.columns if c.personal) if classes else ()

    def _categories(self, table: str) -> set[str]:
        classes = self.classes.get(table)
        return {cat for c in classes.columns for cat in c.categories} if classes else set()

    def _kind(self, table: str) -> str:
        classes = self.classes.get(table)
        return classes.kind if classes else "other"

    def _text_columns(self, match: Match) -> tuple[str, ...]:
        """The free-text columns of the mentioning row, the one that matched first."""
        first = match.via.split(" mentions", 1)[0].strip()
        columns = [first] if first else []
        classes = self.classes.get(match.table)
        if classes is not None:
            columns += [
                c.column for c in classes.columns
                if "free_text" in c.categories or c.lookup == "text"
            ]
        return tuple(dict.fromkeys(columns))


def _is_text(type_name: str) -> bool:
    """Whether a column's type holds text (files and exports report none: all text)."""
    upper = type_name.upper()
    return not upper or any(t in upper for t in _TEXT_TYPES)


def _sorted(actions: Iterable[PlanAction]) -> list[PlanAction]:
    return sorted(
        actions,
        key=lambda a: (a.source, a.order, a.table, json.dumps(a.key, sort_keys=True, default=str)),
    )


def _counts(actions: Iterable[PlanAction]) -> dict[str, int]:
    return dict(sorted(Counter(f"{a.source}.{a.table}" for a in actions).items()))


def _retention_ended(
    config: Config, ledger: Ledger, request: Subject, today: date
) -> tuple[ErasurePlan, list[str]]:
    """The plan for rows the last executed plan kept whose period has ended (see
    ``retention.ended_actions``); no lookup, so it works after identifiers are pseudonymised."""
    with ledger.session(write=False) as session:
        done = [p for p in all_plans(session, request.id) if p.status in ("executed", "verified")]
    if not done:
        raise UsageError(
            Problem(
                f"request {request.id} has no executed erasure plan",
                hint=f"plan and execute it first: dsr erase {request.id}, then --execute",
            )
        )

    def cannot_change(name: str) -> bool | None:
        source = config.sources.get(name)
        return None if source is None else read_only(source)

    actions, notes = retention.ended_actions(
        done[-1].plan.actions, today=today, due=due_date(request.due, today),
        read_only=cannot_change,
    )
    plan = ErasurePlan(
        request=request.id,
        created=today,
        language=request.answer_language,
        actions=tuple(_sorted(actions)),
        processor_tasks=processor_tasks(
            config, actions, request_due=request.due, today=today, language=request.answer_language
        ),
        counts_before=_counts(actions),
        retention_ended=True,
    )
    return plan, notes


__all__ = [
    "Confirmation",
    "LeftOut",
    "PlanOutcome",
    "Replaced",
    "parse_confirmations",
    "plan_erasure",
    "plan_request",
]
