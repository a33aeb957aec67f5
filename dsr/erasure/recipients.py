"""Art. 19: the recipients who must hear of an erasure, and what the ledger knows of it.

A confirmation letter may name a recipient as told only when someone recorded that
it was told. So every recipient dsr.yaml names for a system the person was found
in (``sources.X.recipients``) becomes a task of the plan, beside the processor
tasks: the recipient, the systems it received data from, and a due date by the
same rule as processor tasks (a week before the request's deadline, never in the
past). Whether it was done lives in the audit chain, not in the plan: ``dsr request
notified`` appends an ``erasure.recipient_notified`` event with the day it was done,
or with the reason telling the recipient was impossible or would take
disproportionate effort (Art. 19 s.1 allows that; the reason must be recorded).

Recipients nobody configured (``recipients`` not set for such a system) are a
missing fact: the confirmation stays a draft until dsr.yaml says who received the
data (``[]`` for nobody); so are the other texts of dsr.yaml the letter states
(``missing_facts``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from dsr.clock import berlin_day
from dsr.config.gaps import Gap, find_gaps
from dsr.config.models import Config
from dsr.config.texts import LocalText
from dsr.erasure.model import ErasurePlan, PlanAction, RecipientTask
from dsr.erasure.notified import EVENT, RecipientState, recipient_states
from dsr.erasure.processors import due_date
from dsr.erasure.store import latest_plan
from dsr.errors import Problem, UsageError
from dsr.ledger import Ledger, append_event
from dsr.requests.lifecycle import current_actor
from dsr.requests.subject import read_subject

TOLD_PLANS = ("executed", "verified")
"""Plan states whose erasure has happened, so there is something to tell recipients."""


def plan_sources(actions: Iterable[PlanAction]) -> list[str]:
    """The systems the plan found the person in, in plan order."""
    return list(dict.fromkeys(a.source for a in actions))


def recipient_tasks(
    config: Config,
    actions: Sequence[PlanAction],
    *,
    request_due: date,
    today: date,
    language: str,
) -> tuple[RecipientTask, ...]:
    """One task per recipient named for the systems the person was found in, with the
    systems it received data from; a recipient named for several systems is one task.
    Named in the plan's ``language`` where dsr.yaml gives that version (the letter names
    them so), else as dsr.yaml writes them (the missing version is a gap of the letter)."""
    systems: dict[str, list[str]] = {}
    for name in plan_sources(actions):
        source = config.sources.get(name)
        for recipient in (source.recipients or ()) if source else ():
            version = recipient.version(language) if isinstance(recipient, LocalText) else None
            text = str(version or recipient).strip()
            if text and name not in systems.setdefault(text, []):
                systems[text].append(name)
    due = due_date(request_due, today)
    return tuple(RecipientTask(r, tuple(s), due) for r, s in systems.items())


_SOURCE_FACTS = ("recipients", "description")
"""What the confirmation states of each system: who received its data (Art. 19), its name."""


def missing_facts(config: Config, plan: ErasurePlan, language: str) -> list[Gap]:
    """The gaps of dsr.yaml the confirmation in ``language`` would state: the recipients
    and names of the systems the plan found the person in (the letter cannot say whom it
    owes an Art. 19 notice while nobody configured it), the basis of each retention rule
    that keeps rows, and the authority to complain to (Art. 12(4)). ``config`` is the
    configuration as loaded, with every language's texts."""
    names = set(plan_sources(plan.actions)) | {t.source for t in plan.processor_tasks}
    wanted = {f"sources.{name}.{key}" for name in names for key in _SOURCE_FACTS}
    wanted.add("controller.supervisory_authority")
    rules = {a.rule for a in plan.kept() if a.rule}
    wanted |= {f"retention[{i}].basis" for i, r in enumerate(config.retention) if r.name in rules}
    return [gap for gap in find_gaps(config, [language]) if _wanted(gap.key, wanted)]


def _wanted(key: str, wanted: set[str]) -> bool:
    """``sources.shop.recipients[1].en`` is part of the fact ``sources.shop.recipients``."""
    return any(key == w or key.startswith((f"{w}.", f"{w}[")) for w in wanted)


def _choose(tasks: Sequence[RecipientTask], wanted: str, request_id: str) -> RecipientTask:
    """The task ``wanted`` names: its exact name (case ignored), else the one task whose
    name contains it ("DHL" for "Versanddienstleister (DHL)")."""
    key = wanted.strip().casefold()
    exact = [t for t in tasks if t.recipient.casefold() == key]
    if exact:
        return exact[0]
    partial = [t for t in tasks if key and key in t.recipient.casefold()]
    if len(partial) == 1:
        return partial[0]
    names = "; ".join(t.recipient for t in tasks)
    if partial:
        problem = f"--recipient '{wanted.strip()}' fits several recipients of request {request_id}"
    else:
        problem = f"request {request_id} has no recipient '{wanted.strip()}' to tell"
    raise UsageError(Problem(problem, hint=f"name one of: {names}"))


def record_notification(
    ledger: Ledger,
    config: Config,
    request_id: str,
    recipient: str,
    *,
    at: datetime,
    not_possible: str | None = None,
    actor: str | None = None,
) -> RecipientState:
    """Record that ``recipient`` was told of the erasure on ``at``'s day, or (with
    ``not_possible``) why telling it is impossible or disproportionate.

    UsageError when the request has no executed plan (nothing was erased yet, so there
    is nothing to tell), when the name fits no task or several, or when the day lies
    before the erasure was planned."""
    if not_possible is not None and not not_possible.strip():
        raise UsageError(
            Problem("--not-possible needs the reason", hint='e.g. --not-possible "no contact"')
        )
    with ledger.session() as session:
        subject = read_subject(session, config, request_id)
        stored = latest_plan(session, subject.id)
        if stored is None or stored.status not in TOLD_PLANS:
            now = stored.status if stored else "not planned"
            raise UsageError(
                Problem(
                    f"the erasure of request {subject.id} is {now}: there is nothing to tell "
                    "recipients yet",
                    hint=f"carry it out first: dsr erase {subject.id} --execute",
                )
            )
        if not stored.plan.recipient_tasks:
            raise UsageError(
                Problem(
                    f"the erasure plan of request {subject.id} names no recipient to tell",
                    hint="recipients come from sources.NAME.recipients in dsr.yaml; plan again "
                    "after adding them",
                )
            )
        task = _choose(stored.plan.recipient_tasks, recipient, subject.id)
        day = berlin_day(at)
        if day < stored.plan.created:
            raise UsageError(
                Problem(
                    f"--at {day} lies before the erasure was planned ({stored.plan.created})",
                    hint="give the day the recipient was told",
                )
            )
        details: dict[str, Any] = {
            "plan_hash": stored.plan_hash,
            "recipient": task.recipient,
            "on": day.isoformat(),
            "outcome": "not_possible" if not_possible is not None else "notified",
        }
        if not_possible is not None:
            details["reason"] = not_possible.strip()
        append_event(
            session,
            actor=current_actor(actor),
            action=EVENT,
            request_id=subject.id,
            details=details,
            at=at,
        )
        session.flush()
        [state] = [
            s for s in recipient_states(session, stored, today=day) if s.recipient == task.recipient
        ]
    return state
