"""`dsr erase ID --execute`: apply exactly the stored plan, source by source, resumable.

What a person reviewed is what runs: the latest plan is loaded and must still
match the hash it was stored (and reviewed) with. Before the first change the
person is looked up again (the same lookup engine as the plan). If their rows
today are not the rows the plan covers (a new order, a row gone), nothing is
changed and a new plan is asked for.

Each source is changed in ONE ``connector.apply`` call, which is atomic: one
transaction per SQL source (SQLite with ``secure_delete``, PostgreSQL vacuumed
when the source says ``vacuum``), an atomic rewrite per spreadsheet. When a
source's change is committed, its counts go to the plan's ``progress`` and an
``erasure.source_done`` event goes into the audit chain. The plan moves
``planned`` → ``executing`` (before the first source) → ``executed`` (after
the last). A crash or a kill leaves the plan ``executing``; the next run skips
the sources already recorded as done, reports them as done by the earlier run,
and applies the rest. A source whose change committed but whose progress was
not recorded yet is applied again: connectors count rows already changed as
unchanged, and every anonymisation method is idempotent.

An audit trigger copies a row's old values into another table when the
anonymisation updates it; the copies are deleted right after the source's
change (``_delete_trigger_copies``). They are told from older rows by the rows
that pointed at the anonymised rows before the change, which are written to the
ledger (the plan's ``applying``) before the commit: a run killed between the
commit and the clean-up leaves copies the plan cannot name, and the next run
accepts exactly those, then deletes them.

A source that fails (unreachable, a constraint refuses the change) is reported
and the others go on; the plan stays ``executing`` until a later run finishes
it. The ledger records keys (in the plan), column names and counts, never a
value that was erased.

Test-only fault injection: the environment variable ``DSR_TEST_CRASH`` (read
here and nowhere else) kills the process with SIGKILL at one point, so tests
can prove that a re-run completes the job. Its value is ``POINT:SOURCE`` with
POINT one of ``before-source`` (nothing of that source done yet),
``before-commit`` (inside the source's transaction: SQL sources at COMMIT, file
sources before the first rename of a rewritten file), ``after-apply`` (the
change is committed, the rows an audit trigger copied are not deleted yet),
``after-commit`` (the change and that clean-up are committed, the ledger does not
know yet) and ``after-source`` (the progress is recorded). ``timer:SECONDS`` kills
the process that long after the run starts changing things (just before the plan is
moved to ``executing``), wherever it is then: the random-kill test draws the
seconds. Never set it outside tests.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa

from dsr import clock
from dsr.config.models import Config, Source
from dsr.connectors import PluginLoadError, open_connector
from dsr.connectors.protocol import ApplyResult, Connector, ErasureAction
from dsr.connectors.rows import RowId, read_rows, row_id
from dsr.erasure import translate as tr
from dsr.erasure.model import ErasurePlan, PlanAction
from dsr.erasure.retention import RowRef, own_matches, rows_left_by_updates
from dsr.erasure.store import StoredPlan, latest_plan, set_status
from dsr.errors import DsrError, Problem, UsageError, Where
from dsr.identifiers import phone_forms
from dsr.ledger import Ledger, Plan
from dsr.ledger.pseudonymise import ensure_key, key_path
from dsr.lookup.engine import LookupResult, find_people, json_key
from dsr.lookup.person import phone_region
from dsr.outcome import ExitCode
from dsr.progress import NullProgress, Progress
from dsr.requests.subject import Subject, read_subject
from dsr.sources import SourceFailure, run_source, source_note

CRASH_VARIABLE = "DSR_TEST_CRASH"
"""Test-only: ``POINT:SOURCE`` where the executor kills its own process (module docstring)."""

CRASH_POINTS = ("before-source", "before-commit", "after-apply", "after-commit", "after-source")

SourceStatus = Literal["done", "done_earlier", "failed", "no_change"]
"""``done`` (by this run), ``done_earlier`` (by an earlier run of the same plan),
``failed``, or ``no_change`` (the plan only keeps rows there or leaves them to a processor)."""


@dataclass
class SourceOutcome:
    """What happened to one source: counts of connector changes, never values.

    ``applied`` counts changes made, ``unchanged`` changes that found their row
    already gone or already changed (a re-run); ``actions`` counts the plan's
    rows that change in this source.
    """

    source: str
    status: SourceStatus
    applied: int = 0
    unchanged: int = 0
    actions: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    finished_at: str | None = None
    exception: BaseException | None = field(default=None, repr=False)
    """An unexpected error behind ``error``, for ``--debug``; never in the ledger or JSON."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "applied": self.applied,
            "unchanged": self.unchanged,
            "status": self.status,
            "actions": self.actions,
            "error": self.error,
            "warnings": self.warnings,
            "finished_at": self.finished_at,
        }


@dataclass
class ExecuteResult:
    """One run of ``--execute``: per source what was done now or before, and the plan's state."""

    request: str
    plan_hash: str
    status: str
    """The plan's state after this run: ``executed``, ``verified``, or ``executing``
    when a source failed and a later run must finish the job."""
    sources: list[SourceOutcome]
    resumed: bool = False
    already_done: bool = False
    processor_tasks: list[dict[str, str]] = field(default_factory=list)
    kept: int = 0

    @property
    def failed_sources(self) -> list[str]:
        return [s.source for s in self.sources if s.status == "failed"]

    @property
    def failures(self) -> list[SourceFailure]:
        """The sources this run could not change, as every command words them."""
        return [
            SourceFailure(s.source, s.error or "failed", s.exception)
            for s in self.sources
            if s.status == "failed"
        ]

    @property
    def exit_code(self) -> ExitCode:
        """0 when every source is done; 1 when a source failed while others worked;
        2 when sources failed and none was changed, now or before."""
        if not self.failed_sources:
            return ExitCode.OK
        if any(s.status in ("done", "done_earlier") for s in self.sources):
            return ExitCode.ATTENTION
        return ExitCode.CANNOT_RUN

    def as_dict(self) -> dict[str, Any]:
        """The JSON document of ``dsr erase ID --execute``."""
        return {
            "request": self.request,
            "plan_hash": self.plan_hash,
            "status": self.status,
            "resumed": self.resumed,
            "already_done": self.already_done,
            "sources": [s.as_dict() for s in self.sources],
            "failed_sources": self.failed_sources,
            "applied": sum(s.applied for s in self.sources),
            "unchanged": sum(s.unchanged for s in self.sources),
            "kept": self.kept,
            "processor_tasks": self.processor_tasks,
        }


# -- fault injection (tests only) -------------------------------------------------------------


def _die() -> None:
    """Kill this process at once: no clean-up, no flush, as a power cut or `kill -9` would."""
    os.kill(os.getpid(), signal.SIGKILL)


@dataclass(frozen=True)
class _Crash:
    """Where ``DSR_TEST_CRASH`` asks the executor to kill itself (see module docstring)."""

    point: str | None = None
    source: str | None = None
    seconds: float | None = None

    @classmethod
    def from_environment(cls) -> _Crash:
        value = os.environ.get(CRASH_VARIABLE, "").strip()
        if not value:
            return cls()
        point, _, source = value.partition(":")
        if point == "timer":
            try:
                return cls(seconds=max(0.0, float(source)))
            except ValueError:
                pass
        if point not in CRASH_POINTS or not source:
            raise UsageError(
                Problem(
                    f"{CRASH_VARIABLE} must be POINT:SOURCE with POINT one of "
                    f"{', '.join(CRASH_POINTS)}, or timer:SECONDS",
                    hint=f"it is for tests only; unset {CRASH_VARIABLE}",
                )
            )
        return cls(point, source)

    def arm(self) -> None:
        """Start the ``timer`` kill, if one is asked for: a thread that kills the process
        wherever its main thread is then (between two bytecodes, or inside a commit)."""
        if self.seconds is not None:
            timer = threading.Timer(self.seconds, _die)
            timer.daemon = True
            timer.start()

    def at(self, point: str, source: str) -> None:
        if self.point == point and self.source == source:
            _die()

    @contextlib.contextmanager
    def inside_commit(self, connector: Connector, source: str) -> Iterator[None]:
        """Arm the ``before-commit`` point around one ``apply``: SQL at COMMIT, files at
        the first rename of a rewritten file. A no-op unless that point is asked for."""
        if self.point != "before-commit" or self.source != source:
            yield
            return
        engine = getattr(connector, "engine", None)
        if isinstance(engine, sa.engine.Engine):

            def on_commit(_conn: Any) -> None:
                _die()

            sa.event.listen(engine, "commit", on_commit)
            try:
                yield
            finally:
                sa.event.remove(engine, "commit", on_commit)
            return
        original = os.replace

        def replace(*_args: Any, **_kwargs: Any) -> None:
            _die()

        os.replace = replace
        try:
            yield
        finally:
            os.replace = original


# -- loading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Loaded:
    stored: StoredPlan
    subject: Subject


def _load(ledger: Ledger, config: Config, request_id: str, plan_hash: str | None) -> _Loaded:
    with ledger.session(write=False) as session:
        subject = read_subject(session, config, request_id)
        subject.require_identity_checked()
        if subject.status == "rejected":
            raise UsageError(Problem(f"request {subject.id} was rejected; nothing to erase"))
        stored = latest_plan(session, subject.id)
        if stored is None:
            raise UsageError(
                Problem(
                    f"request {subject.id} has no erasure plan",
                    hint=f"make one and review it first: dsr erase {subject.id}",
                )
            )
        if stored.plan.plan_hash != stored.plan_hash:
            raise UsageError(
                Problem(
                    f"the stored erasure plan of request {subject.id} no longer matches "
                    f"its hash {stored.plan_hash[:12]}: it was changed after it was made",
                    hint=f"make and review a new plan: dsr erase {subject.id}",
                )
            )
        if plan_hash is not None and plan_hash != stored.plan_hash:
            raise UsageError(
                Problem(
                    f"plan {plan_hash[:12]} of request {subject.id} was superseded "
                    f"by plan {stored.plan_hash[:12]}",
                    hint=f"review the current plan: dsr erase {subject.id}",
                )
            )
        return _Loaded(stored, subject)


def _confirmed(
    config: Config,
    differences: list[tr.Difference],
    *,
    plan: ErasurePlan | None = None,
    applying: Mapping[str, Any] | None = None,
) -> list[tr.Difference]:
    """The differences that stand after a closer look at the source itself.

    The plan leaves out rows it cannot address one by one (in views, in tables
    without a primary key: a person erases those by hand), so such rows found
    now are no news. A planned row the lookup did not reach (a row hanging on a
    confirmed possible match) is only gone if its key no longer finds it. Rows a
    trigger wrote while a killed run changed the source (``applying``) are no news
    either: this run deletes them.
    """
    by_source: dict[str, list[tr.Difference]] = {}
    for difference in differences:
        by_source.setdefault(difference.source, []).append(difference)
    standing = []
    for source, group in by_source.items():
        if source not in config.sources:
            standing += group
            continue
        try:
            connector = open_connector(config.sources[source])
        except (DsrError, PluginLoadError):
            standing += group
            continue
        try:
            skip: set[str] = set()
            copies: set[RowId] = set()
            earlier = _existing(applying or {}, source)
            if earlier is not None and plan is not None and any(d.new for d in group):
                planned = [a for a in plan.actions if a.source == source]
                copies = {r.ident for r in _trigger_copies(connector, planned, earlier)}
            if any(d.new for d in group):
                for table in connector.tables():
                    unaddressable = table.kind == "view" or (
                        table.kind == "table" and not table.primary_key
                    )
                    if unaddressable:
                        skip.add(table.name)
            for difference in group:
                new = () if difference.table in skip else tuple(
                    k for k in difference.new if row_id(difference.table, k) not in copies
                )
                there = read_rows(connector, difference.table, difference.gone)
                gone = tuple(k for k in difference.gone if row_id(difference.table, k) not in there)
                if new or gone:
                    standing.append(dataclasses.replace(difference, new=new, gone=gone))
        except DsrError:
            standing += group
        finally:
            with contextlib.suppress(Exception):
                connector.close()
    return standing


# -- the run ------------------------------------------------------------------------------------


def _changing_sources(plan: ErasurePlan) -> dict[str, list[PlanAction]]:
    """Per source (in the plan's order), the actions that change it."""
    grouped: dict[str, list[PlanAction]] = {}
    for source, actions in plan.by_source().items():
        changing = [a for a in actions if a.action in tr.CHANGING]
        if changing:
            grouped[source] = changing
    return grouped


def _checked_sources(plan: ErasurePlan, found: LookupResult, skip: set[str]) -> set[str]:
    """Sources whose rows must match the plan: every source in the plan or with rows of the
    person today, except those done already, those the plan could not read, and those
    only a processor can change (the plan hands them over, it does not apply them)."""
    processor_only = {t.source for t in plan.processor_tasks}
    for source, actions in plan.by_source().items():
        if all(a.action == "processor_task" for a in actions):
            processor_only.add(source)
        else:
            processor_only.discard(source)
    named = {a.source for a in plan.actions} | {m.source for m in found.matches}
    return named - skip - set(plan.failed_sources) - processor_only


def _summary(actions: Sequence[PlanAction]) -> dict[str, dict[str, int]]:
    """Per table, how many rows each kind of action changes (for the audit event)."""
    tables: dict[str, dict[str, int]] = {}
    for action in actions:
        counts = tables.setdefault(action.table, {})
        counts[action.action] = counts.get(action.action, 0) + 1
    return {t: dict(sorted(c.items())) for t, c in sorted(tables.items())}


def _record(
    ledger: Ledger,
    plan_id: int,
    status: str,
    *,
    actor: str,
    action: str,
    details: dict[str, Any],
    expect: str = "executing",
    done: SourceOutcome | None = None,
    started: tuple[str, list[list[Any]]] | None = None,
) -> None:
    """One ledger transaction: move the plan, merge a finished source into its progress.

    The plan must be in state ``expect`` (read under a row lock): two runs of the
    same plan at once would otherwise both think they started it.
    """
    with ledger.session() as session:
        row = session.get(Plan, plan_id, with_for_update=True)
        if row is None:  # pragma: no cover - plans are never deleted
            raise UsageError(Problem(f"plan {plan_id} vanished from the ledger"))
        if row.status != expect:
            raise UsageError(
                Problem(
                    f"the erasure plan of request {row.request_id} is {row.status} now, "
                    f"not {expect}: another run of --execute is working on it",
                    hint=f"wait for it to end, then run dsr erase {row.request_id} --execute",
                )
            )
        progress = dict((row.body or {}).get("progress") or {})
        if done is not None:
            progress[done.source] = {
                "applied": done.applied,
                "unchanged": done.unchanged,
                "actions": done.actions,
                "finished_at": done.finished_at,
            }
        applying = None
        if started is not None:
            applying = dict((row.body or {}).get("applying") or {})
            applying[started[0]] = {"existing": started[1]}
        set_status(
            session,
            plan_id,
            status,
            actor=actor,
            action=action,
            details=details,
            progress=progress if done is not None else None,
            applying=applying,
        )


def _earlier(source: str, progress: Mapping[str, Any]) -> SourceOutcome:
    entry = progress.get(source) or {}
    return SourceOutcome(
        source=source,
        status="done_earlier",
        applied=int(entry.get("applied") or 0),
        unchanged=int(entry.get("unchanged") or 0),
        actions=int(entry.get("actions") or 0),
        finished_at=entry.get("finished_at"),
    )


def _result(
    stored: StoredPlan, status: str, outcomes: list[SourceOutcome], *, resumed: bool,
    already_done: bool = False,
) -> ExecuteResult:
    plan = stored.plan
    others = [
        SourceOutcome(source=s, status="no_change")
        for s in plan.by_source()
        if s not in {o.source for o in outcomes}
    ]
    order = list(plan.by_source())
    every = sorted([*outcomes, *others], key=lambda o: order.index(o.source))
    return ExecuteResult(
        request=plan.request,
        plan_hash=stored.plan_hash,
        status=status,
        sources=every,
        resumed=resumed,
        already_done=already_done,
        processor_tasks=[
            {"source": t.source, "vendor": t.vendor, "due": t.due.isoformat()}
            for t in plan.processor_tasks
        ],
        kept=len(plan.kept()),
    )


def execute_plan(
    config: Config,
    ledger: Ledger,
    request_id: str,
    *,
    actor: str,
    progress: Progress | None = None,
    plan_hash: str | None = None,
) -> ExecuteResult:
    """Apply the request's latest plan (see module docstring) and return what was done.

    ``plan_hash``, when given, must be the latest plan's hash: what the person
    reviewed. Raises UsageError (nothing changed) when there is no plan, the
    given plan was superseded, or the data no longer match the plan. A plan
    already executed or verified is reported as done, without touching a source.
    """
    progress = progress or NullProgress()
    crash = _Crash.from_environment()
    loaded = _load(ledger, config, request_id, plan_hash)
    stored, plan = loaded.stored, loaded.stored.plan
    work = _changing_sources(plan)
    if stored.status in ("executed", "verified"):
        outcomes: list[SourceOutcome] = [_earlier(s, stored.progress) for s in work]
        return _result(stored, stored.status, outcomes, resumed=False, already_done=True)
    resumed = stored.status == "executing"
    if stored.status not in ("planned", "executing"):  # pragma: no cover - latest_plan skips
        raise UsageError(Problem(f"plan of request {plan.request} is {stored.status}"))
    done_before = {s for s in work if s in stored.progress}

    found = _recheck(config, loaded, skip=done_before, resumed=resumed, progress=progress)
    rows: dict[str, dict[RowId, dict[str, Any]]] = {}
    for match in found.matches:
        if match.row:
            rows.setdefault(match.source, {})[row_id(match.table, match.key)] = match.row

    crash.arm()
    if resumed:
        details: dict[str, Any] = {"done_earlier": sorted(done_before)}
        _record(ledger, stored.id, "executing", actor=actor, action="erasure.resumed",
                details=details)
    else:
        details = {"sources": list(work), "actions": sum(len(a) for a in work.values())}
        _record(ledger, stored.id, "executing", actor=actor, action="erasure.executing",
                details=details, expect="planned")

    key = None
    if any(m == "pseudonym" for actions in work.values() for a in actions for m in a.how.values()):
        key = ensure_key(key_path(ledger.path, config.base_dir))
    mask = tr.MASKS.get(plan.language, tr.MASKS["de"])

    outcomes = []
    for source, actions in work.items():
        if source in done_before:
            outcomes.append(_earlier(source, stored.progress))
            continue
        progress.begin(f"Erasing in {source}", total=len(actions))
        crash.at("before-source", source)

        def remember(existing: list[list[Any]], source: str = source) -> None:
            _record(
                ledger, stored.id, "executing", actor=actor, action="erasure.source_started",
                details={"source": source, "rows_before": len(existing)},
                started=(source, existing),
            )

        outcome = _run_source(
            config, source, actions,
            found=found, rows=rows.get(source, {}),
            identifiers=redaction_forms(loaded.subject.forms(), found, config),
            mask=mask, key=key, crash=crash,
            planned=[a for a in stored.plan.actions if a.source == source],
            earlier=_existing(stored.applying, source), remember=remember,
        )
        outcomes.append(outcome)
        if outcome.status == "done":
            crash.at("after-commit", source)
            _record(
                ledger, stored.id, "executing", actor=actor, action="erasure.source_done",
                details={
                    "source": source,
                    "applied": outcome.applied,
                    "unchanged": outcome.unchanged,
                    "tables": _summary(actions),
                    **({"warnings": outcome.warnings} if outcome.warnings else {}),
                },
                done=outcome,
            )
            crash.at("after-source", source)
        else:
            _record(
                ledger, stored.id, "executing", actor=actor, action="erasure.source_failed",
                details={"source": source, "error": outcome.error},
            )
        progress.advance(len(actions))
        progress.end()

    failed = [o.source for o in outcomes if o.status == "failed"]
    status = "executing"
    if not failed:
        status = "executed"
        _record(
            ledger, stored.id, "executed", actor=actor, action="erasure.executed",
            details={
                "applied": sum(o.applied for o in outcomes),
                "unchanged": sum(o.unchanged for o in outcomes),
                "sources": {o.source: o.status for o in outcomes},
                "resumed": resumed,
            },
        )
    return _result(stored, status, outcomes, resumed=resumed)


def _recheck(
    config: Config, loaded: _Loaded, *, skip: set[str], resumed: bool, progress: Progress
) -> LookupResult:
    """Look the person up again and refuse (UsageError, nothing changed) when their rows
    no longer are the rows the plan covers; the lookup's rows feed the translation.

    A ``--retention-ended`` plan names rows kept by an executed plan, by key, and is
    not checked by a lookup: by then the request's identifiers are often pseudonymised
    and the kept rows no longer lead to the person. Its rows already gone count as
    unchanged.
    """
    plan = loaded.stored.plan
    found, problems = _changes(config, loaded, skip=skip, resumed=resumed, progress=progress)
    if problems:
        # A started plan cannot simply be planned anew: --replan closes it and plans the rest.
        again = "--replan" if resumed else ""
        raise UsageError(
            [
                *problems,
                Problem(
                    "the data changed since the plan was made; nothing was changed",
                    hint=f"make and review a new plan: dsr erase {plan.request} {again}".strip(),
                ),
            ]
        )
    return found


def _changes(
    config: Config, loaded: _Loaded, *, skip: set[str], resumed: bool, progress: Progress
) -> tuple[LookupResult, list[Problem]]:
    """The lookup of today and how the person's rows differ from the plan's (per table,
    counts only); no problems when the plan can go on."""
    plan = loaded.stored.plan
    if plan.retention_ended:
        return LookupResult(), []
    found = find_people(config, [loaded.subject.person(config)], progress=progress)
    checked = _checked_sources(plan, found, skip | set(found.failed_sources))
    # The plan is built on the person's own rows, not on other people's rows the lookup
    # reached through a foreign key (the customers an employee supports).
    mine = own_matches(found)
    differences = tr.plan_differences(plan, mine, sources=checked, resumed=resumed)
    problems = tr.difference_problems(
        _confirmed(config, differences, plan=plan, applying=loaded.stored.applying)
    )
    return found, problems


def plan_changes(
    config: Config, ledger: Ledger, request_id: str, *, progress: Progress | None = None
) -> list[Problem]:
    """What keeps the request's latest plan from going on: the tables whose rows of the
    person changed since it was made (sources it finished already left out), as
    ``--execute`` would refuse them. Empty when the plan can still be executed."""
    loaded = _load(ledger, config, request_id, None)
    stored = loaded.stored
    done = {s for s in _changing_sources(stored.plan) if s in stored.progress}
    _, problems = _changes(
        config, loaded, skip=done, resumed=stored.status == "executing",
        progress=progress or NullProgress(),
    )
    return problems


def redaction_forms(
    given: Mapping[str, Sequence[str]], found: LookupResult, config: Config
) -> dict[str, list[str]]:
    """What redaction cuts out of other people's text: the request's identifiers as logged
    and normalised, and those identity expansion found in the person's own rows (their
    name when the request gave none, another e-mail address, a phone number as stored
    and written nationally)."""
    forms = {kind: list(values) for kind, values in given.items()}
    # An address in a URL or an analytics segment is written %40 (the lookup finds it so).
    forms["email"] = forms.get("email", []) + [
        v.replace("@", "%40") for v in forms.get("email", []) if "@" in v
    ]
    if not found.people:
        return forms
    person = found.people[0]
    region = phone_region(config)
    extra = {
        "email": [form for mail in person.emails for form in (mail, mail.replace("@", "%40"))],
        "name": list(person.names),
        "street": list(person.streets),
        "phone": [form for number in person.phones for form in phone_forms(number, region)],
    }
    for kind, values in extra.items():
        known = forms.setdefault(kind, [])
        known += [v for v in values if v not in known]
    return forms


def _run_source(
    config: Config,
    source: str,
    actions: list[PlanAction],
    *,
    found: LookupResult,
    rows: Mapping[RowId, Mapping[str, Any]],
    identifiers: Mapping[str, Sequence[str]],
    mask: str,
    key: bytes | None,
    crash: _Crash,
    planned: Sequence[PlanAction] = (),
    earlier: set[RowId] | None = None,
    remember: Callable[[list[list[Any]]], None] | None = None,
) -> SourceOutcome:
    """Translate and apply one source's actions in one atomic ``apply``; never raises for
    a source's own trouble (the outcome says ``failed`` with the reason).

    ``earlier`` are the rows that pointed at the anonymised rows before a killed run
    changed this source; without them, they are read now and handed to ``remember``
    (the ledger) before anything changes."""
    outcome = SourceOutcome(source=source, status="failed", actions=len(actions))
    if source in found.failed_sources:
        outcome.error = f"could not be read to check the plan: {found.failed_sources[source]}"
        return outcome
    if source not in config.sources:
        outcome.error = str(
            Problem(f"no source named '{source}' in {config.path}", Where(source=source))
        )
        return outcome

    def apply(entry: Source) -> tuple[ApplyResult, int]:
        connector = open_connector(entry)
        try:
            current, unreadable = tr.current_rows(connector, actions, rows)
            translated = tr.translate(
                actions, source=source, rows=current, unreadable=unreadable,
                identifiers=identifiers, mask=mask, key=key, region=phone_region(config),
            )
            existing = earlier
            if existing is None:
                before = rows_left_by_updates(connector, planned, any_table=True)
                existing = {row.ident for row in before}
                # Only a database runs triggers: files need no record.
                database = isinstance(getattr(connector, "engine", None), sa.engine.Engine)
                if remember and database and any(a.action == "anonymise" for a in planned):
                    remember([[row.table, json_key(row.key)] for row in before])
            with crash.inside_commit(connector, source):
                result = connector.apply(translated.actions)
            outcome.warnings = [
                source_note(w, source) for w in getattr(connector, "warnings", [])
            ]
            crash.at("after-apply", source)
            result = _delete_trigger_copies(connector, planned, existing, result, outcome)
        finally:
            with contextlib.suppress(Exception):
                connector.close()
        return result, translated.gone

    run = run_source(config.sources[source], apply)
    if run.failure is not None or run.value is None:
        outcome.error = run.failure.reason if run.failure else "nothing was applied"
        outcome.exception = run.failure.exception if run.failure else None
        return outcome
    result, gone = run.value
    return _done(outcome, result, gone)


def _existing(applying: Mapping[str, Any], source: str) -> set[RowId] | None:
    """The rows a killed run recorded, before its change, as already pointing at the rows
    the plan anonymises in ``source``; None when no run began changing it."""
    entry = applying.get(source)
    if not isinstance(entry, Mapping):
        return None
    return {row_id(str(table), dict(key)) for table, key in entry.get("existing") or ()}


def _trigger_copies(
    connector: Connector, planned: Sequence[PlanAction], existing: set[RowId]
) -> list[RowRef]:
    """Rows pointing at a row the plan anonymises that were not there before the change."""
    return [
        r for r in rows_left_by_updates(connector, planned, any_table=True)
        if r.ident not in existing
    ]


def _delete_trigger_copies(
    connector: Connector,
    planned: Sequence[PlanAction],
    existing: set[Any],
    result: ApplyResult,
    outcome: SourceOutcome,
) -> ApplyResult:
    """Delete the rows an UPDATE trigger wrote while the plan anonymised a row.

    An audit trigger (the demo shop's ``customer_history``) copies the old values
    into its table on every UPDATE, so anonymising a customer writes the person's
    data again; those rows did not exist when the plan was made. Only rows that
    appeared during this run's apply are deleted (``existing`` were there before),
    and only rows pointing at a row the plan anonymised; rows the plan names (kept
    ones included) are never among them.
    If a kill falls between the apply and this clean-up, ``existing`` is in the
    ledger already (written before the commit) and the next run deletes the copies.
    """
    left = _trigger_copies(connector, planned, existing)
    if not left:
        return result
    extra = connector.apply([ErasureAction(row.table, dict(row.key), "delete") for row in left])
    tables = sorted({row.table for row in left})
    outcome.warnings.append(
        f"deleted {extra.applied} row(s) a trigger wrote while erasing ({', '.join(tables)})"
    )
    return ApplyResult(result.applied + extra.applied, result.unchanged + extra.unchanged)


def _done(outcome: SourceOutcome, result: ApplyResult, gone: int) -> SourceOutcome:
    outcome.status = "done"
    outcome.applied = result.applied
    outcome.unchanged = result.unchanged + gone
    outcome.finished_at = clock.now().isoformat(timespec="seconds")
    return outcome
