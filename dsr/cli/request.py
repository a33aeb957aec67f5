"""`dsr request ...`: log requests, pause for identity checks, extend, refuse, close."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from dsr.cli.console import out
from dsr.cli.options import (
    ActorOption,
    BirthdateOption,
    ConfigOption,
    EmailOption,
    IdOption,
    JsonOption,
    NameOption,
    PhoneOption,
    PostcodeOption,
    given_identifiers,
)
from dsr.cli.output import hint, print_json, warning
from dsr.clock import berlin_day, parse_at, today_berlin
from dsr.config.load import load_config
from dsr.config.models import Config
from dsr.errors import Problem, UsageError
from dsr.ledger import Ledger, open_ledger
from dsr.requests.deadlines import explain
from dsr.requests.lifecycle import (
    ACTIVE,
    CHANNELS,
    LANGUAGES,
    OUTCOMES,
    STATUSES,
    TYPES,
    Change,
    RequestInfo,
    await_identity,
    close,
    extend,
    list_requests,
    new_request,
    reject,
    show_request,
    verify_identity,
)
from dsr.requests.overdue import effective_due, list_document

app = typer.Typer(
    help=(
        "The request ledger: log data-subject requests and keep their deadlines.\n\n"
        "Example: dsr request new --type access --email anna@example.com"
    ),
    no_args_is_help=True,
)

AtOption = Annotated[
    str | None,
    typer.Option(
        "--at",
        help=(
            "When it happened: DATE, or DATE and time as in 2026-03-05T14:30 "
            "(Europe/Berlin). Default: now."
        ),
        show_default=False,
        metavar="DATE[THH:MM]",
    ),
]
LanguageOption = Annotated[
    str | None,
    typer.Option(
        "--language",
        "-l",
        help="de or en. Default: the request's language.",
        show_default=False,
        metavar="de|en",
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Folder for the letter. Default: letters/ beside dsr.yaml.",
        show_default=False,
        metavar="DIR",
    ),
]
IdArgument = Annotated[str, typer.Argument(help="The request id, e.g. 2026-0001.", metavar="ID")]


def _open(config: Path | None) -> tuple[Config, Ledger]:
    loaded = load_config(config, strict=False)
    return loaded, open_ledger(loaded.ledger)


def _warn(change: Change) -> None:
    for text in change.warnings:
        warning(text)


@app.command("new")
def new_command(
    type_: Annotated[
        str,
        typer.Option("--type", "-t", help=f"One of: {', '.join(TYPES)}.", metavar="TYPE"),
    ],
    email: EmailOption = None,
    phone: PhoneOption = None,
    name: NameOption = None,
    birthdate: BirthdateOption = None,
    postcode: PostcodeOption = None,
    ids: IdOption = None,
    received: Annotated[
        str | None,
        typer.Option(
            "--received",
            help="When the request arrived: a date, or a date and time (with or without "
            "offset), taken as its Europe/Berlin day. Default: --at.",
            show_default=False,
            metavar="DATE[THH:MM]",
        ),
    ] = None,
    channel: Annotated[
        str,
        typer.Option("--channel", help=f"How it arrived: {', '.join(CHANNELS)}."),
    ] = "email",
    language: Annotated[
        str | None,
        typer.Option(
            "--language",
            "-l",
            help="The person's language, de or en. Default: language in dsr.yaml.",
            show_default=False,
            metavar="de|en",
        ),
    ] = None,
    note: Annotated[
        str | None,
        typer.Option(
            "--note", help="A note for staff (kept with the request only).", show_default=False
        ),
    ] = None,
    actor: ActorOption = None,
    at: AtOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Log a new request and print its id, legal due date and internal target date.

    The due date follows Art. 12(3) GDPR: one month from the day of receipt,
    moved past weekends and the public holidays of deadline.holidays.

    Example: dsr request new --type access --email anna@example.com --received 2026-03-05
    """
    identifiers = given_identifiers(
        email=email, phone=phone, name=name, birthdate=birthdate, postcode=postcode, id_=ids
    )
    moment = parse_at(at)
    loaded, ledger = _open(config)
    with ledger:
        change = new_request(
            ledger,
            loaded,
            type=type_,
            identifiers=identifiers,
            received=received,
            channel=channel,
            language=language,
            note=note,
            actor=actor,
            at=moment,
        )
    info = change.request
    if json_output:
        print_json(change.to_json(earlier_requests=True))
    else:
        console = out()
        console.print(f"[bold]{info.id}[/] {info.type}, received {info.received}")
        console.print(f"due     {info.due}  (legal deadline, Art. 12(3) GDPR)")
        console.print(f"target  {info.target}  (internal target)")
    if change.earlier_requests:
        warning(
            "the same person asked before: "
            + ", ".join(change.earlier_requests)
            + " (see dsr request show)"
        )


@app.command("list")
def list_command(
    all_: Annotated[
        bool, typer.Option("--all", "-a", help="Every request, also finished ones.")
    ] = False,
    status: Annotated[
        list[str] | None,
        typer.Option("--status", help=f"Only these: {', '.join(STATUSES)}.", show_default=False),
    ] = None,
    type_: Annotated[
        list[str] | None,
        typer.Option("--type", "-t", help=f"Only these: {', '.join(TYPES)}.", show_default=False),
    ] = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """List requests with their due dates and days left (open ones by default).

    Red: overdue. Yellow: due within deadline.warn_days.

    Example: dsr request list --all --type erasure
    """
    loaded, ledger = _open(config)
    statuses = list(status) if status else (None if all_ else list(ACTIVE))
    with ledger:
        rows = list_requests(ledger, statuses=statuses, types=type_ or None)
    today = today_berlin()
    if json_output:
        print_json(list_document(rows, loaded, today))
        return
    if not rows:
        hint("no requests" if statuses is None else "no open requests (--all shows every request)")
        return
    table = Table(show_edge=False, pad_edge=False, box=None, padding=(0, 1))
    table.add_column("id", no_wrap=True)
    table.add_column("type", overflow="fold", min_width=7)
    table.add_column("status", overflow="fold", min_width=8)
    for column in ("received", "due"):
        table.add_column(column, no_wrap=True)
    table.add_column("left", justify="right", no_wrap=True)
    table.add_column("target", no_wrap=True)
    for row in rows:
        table.add_row(*_cells(row, _due(row, loaded, today), today, loaded.deadline.warn_days))
    out().print(table)


def _due(row: RequestInfo, config: Config, today: date) -> date:
    """While the clock stands still for an identity question, the due date moves with it."""
    return effective_due(row, config, today)


def _cells(row: RequestInfo, due_on: date, today: date, warn_days: int) -> list[str]:
    active = row.status in ACTIVE
    left = (due_on - today).days
    colour = ""
    if active and left < 0:
        colour = "red"
    elif active and left <= warn_days:
        colour = "yellow"
    days = str(left) if active else "–"
    due = str(due_on)
    if colour:
        days, due = f"[{colour}]{days}[/]", f"[{colour}]{due}[/]"
    return [
        row.id,
        row.type,
        row.status.replace("_", " "),
        str(row.received),
        due,
        days,
        str(row.target or "–"),
    ]


@app.command("show")
def show_command(
    request_id: IdArgument,
    language: Annotated[
        str | None,
        typer.Option(
            "--language",
            "-l",
            help="Language of the deadline explanation. Default: language in dsr.yaml.",
            show_default=False,
            metavar="de|en",
        ),
    ] = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Show one request: whom it is about, its history, and how its due date was reached.

    Example: dsr request show 2026-0001 --language en
    """
    loaded, ledger = _open(config)
    lang = language or loaded.language
    if lang not in LANGUAGES:
        raise UsageError(Problem(f"unknown language '{lang}'", hint="use de or en"))
    with ledger:
        detail = show_request(ledger, loaded, request_id)
    if json_output:
        print_json(detail.to_json(lang))
        return
    steps = explain(detail.deadline, lang)
    info = detail.request
    console = out()
    console.print(f"[bold]{info.id}[/] {info.type} · {info.status.replace('_', ' ')}")
    facts: list[tuple[str, object]] = [
        ("received", info.received),
        ("channel", info.channel),
        ("language", info.language or "as the person's own rows say, else dsr.yaml's"),
        ("due", info.due),
        ("target", info.target),
    ]
    if info.paused_since:
        facts.append(("clock stopped since", info.paused_since))
    if info.paused_days:
        facts.append(("days paused", info.paused_days))
    if info.extended_until:
        facts.append(("extended until", info.extended_until))
    if info.closed_at:
        facts.append(("finished", berlin_day(info.closed_at)))
        facts.append(("outcome", info.outcome))
    if info.note:
        facts.append(("note", info.note))
    for kind, value in detail.identifiers:
        facts.append((kind, value))
    for label, fact in facts:
        console.print(f"  {label:<20} {escape(str(fact))}", soft_wrap=True)
    console.print("\n[bold]deadline[/]")
    for step in steps:
        console.print(f"  {escape(step)}", soft_wrap=True)
    if detail.documents:
        console.print("\n[bold]documents[/]")
        for document in detail.documents:
            console.print(f"  {document['kind']:<20} {escape(document['path'])}", soft_wrap=True)
    console.print("\n[bold]history[/]")
    table = Table(show_edge=False, pad_edge=False, box=None, padding=(0, 2))
    for column in ("#", "at", "actor", "action", "details"):
        table.add_column(column, overflow="fold")
    for event in detail.events:
        details = ", ".join(f"{k}={v}" for k, v in sorted(event.details.items()))
        table.add_row(
            str(event.id),
            event.at.strftime("%Y-%m-%d %H:%M"),
            escape(event.actor),
            event.action,
            escape(details),
        )
    console.print(table)


@app.command("verify")
def verify_command(
    request_id: IdArgument,
    method: Annotated[
        str,
        typer.Option(
            "--method",
            help="How identity was confirmed, e.g. 'reply from the registered address'. "
            "Never the document or its numbers.",
            metavar="TEXT",
        ),
    ],
    actor: ActorOption = None,
    at: AtOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Record that the person's identity is confirmed, and how.

    If the clock was stopped for an identity question, the days it stood still
    are added to the due date (law.md 2.4).

    Example: dsr request verify 2026-0001 --method "answered from the registered e-mail address"
    """
    moment = parse_at(at)
    loaded, ledger = _open(config)
    with ledger:
        change = verify_identity(ledger, loaded, request_id, method=method, actor=actor, at=moment)
    _warn(change)
    if json_output:
        print_json(change.to_json(added_days=True))
        return
    info = change.request
    text = f"{info.id}: identity confirmed"
    if change.added_days:
        text += f"; the clock stood still {change.added_days} days, due now {info.due}"
    else:
        text += f"; due {info.due}"
    out().print(text)


@app.command("await-identity")
def await_identity_command(
    request_id: IdArgument,
    asked: Annotated[
        str,
        typer.Option(
            "--asked",
            help="What was asked for, e.g. 'customer number and postcode' (not the answer).",
            metavar="TEXT",
        ),
    ],
    actor: ActorOption = None,
    at: AtOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Stop the clock: a question about the person's identity went out (--at: when).

    Only for reasonable doubts, asking no more than needed (Art. 12(6)); the
    clock runs again when `dsr request verify` records the answer, and the
    days in between are added to the due date.

    Example: dsr request await-identity 2026-0001 --asked "customer number" --at 2026-03-06
    """
    moment = parse_at(at)
    loaded, ledger = _open(config)
    with ledger:
        change = await_identity(ledger, loaded, request_id, asked=asked, actor=actor, at=moment)
    _warn(change)
    if json_output:
        print_json(change.to_json())
        return
    info = change.request
    out().print(
        f"{info.id}: clock stopped on {info.paused_since}; the days until the answer "
        "are added to the due date (dsr request verify records it)"
    )


@app.command("extend")
def extend_command(
    request_id: IdArgument,
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            help="Why more time is needed (complexity, number of requests); goes into the letter.",
            metavar="TEXT",
        ),
    ],
    language: LanguageOption = None,
    output: OutputOption = None,
    actor: ActorOption = None,
    at: AtOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Extend by two further months and write the letter that tells the person why.

    Allowed only while the first month runs (Art. 12(3)); refused afterwards.

    Example: dsr request extend 2026-0001 --reason "Ihre Daten liegen in zwölf Systemen"
    """
    moment = parse_at(at)
    loaded, ledger = _open(config)
    with ledger:
        change = extend(
            ledger, loaded, request_id, reason=reason, language=language,
            output=output, actor=actor, at=moment,
        )  # fmt: skip
    _warn(change)
    if json_output:
        print_json(change.to_json())
        return
    console = out()
    console.print(f"{change.request.id}: extended, due {change.request.due}")
    console.print(
        f"wrote {escape(str(change.letter))}  (send it before the first month ends)", soft_wrap=True
    )


@app.command("reject")
def reject_command(
    request_id: IdArgument,
    reason: Annotated[
        str,
        typer.Option(
            "--reason", help="Why the request is refused; goes into the letter.", metavar="TEXT"
        ),
    ],
    language: LanguageOption = None,
    output: OutputOption = None,
    actor: ActorOption = None,
    at: AtOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Refuse the request and write the Art. 12(4) letter to the person.

    The letter gives the reason, names the supervisory authority the person can
    complain to, and says they can go to court.

    A refusal is due within the first month; dsr warns when it is late.

    Example: dsr request reject 2026-0002 --reason "Wir konnten Ihre Identität nicht bestätigen."
    """
    moment = parse_at(at)
    loaded, ledger = _open(config)
    with ledger:
        change = reject(
            ledger, loaded, request_id, reason=reason, language=language,
            output=output, actor=actor, at=moment,
        )  # fmt: skip
    _warn(change)
    if json_output:
        print_json(change.to_json())
        return
    console = out()
    console.print(f"{change.request.id}: rejected")
    console.print(f"wrote {escape(str(change.letter))}", soft_wrap=True)


@app.command("close")
def close_command(
    request_id: IdArgument,
    outcome: Annotated[
        str,
        typer.Option("--outcome", help=f"One of: {', '.join(OUTCOMES)}."),
    ] = "answered",
    actor: ActorOption = None,
    at: AtOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Close a request once it is answered (or withdrawn, or identity never came).

    Example: dsr request close 2026-0001 --outcome answered
    """
    moment = parse_at(at)
    loaded, ledger = _open(config)
    with ledger:
        change = close(ledger, loaded, request_id, outcome=outcome, actor=actor, at=moment)
    _warn(change)
    if json_output:
        print_json(change.to_json())
        return
    out().print(f"{change.request.id}: closed ({change.request.outcome})")


@app.command("notified")
def notified_command(
    request_id: IdArgument,
    recipient: Annotated[
        str,
        typer.Option(
            "--recipient",
            "-r",
            help="Who was told, as dsr.yaml names it (sources.NAME.recipients); a part of "
            "the name that fits only one recipient is enough, e.g. DHL.",
            metavar="NAME",
        ),
    ],
    not_possible: Annotated[
        str | None,
        typer.Option(
            "--not-possible",
            help="Instead: why telling this recipient is impossible or would take "
            "disproportionate effort (Art. 19 s.1). The confirmation letter names the "
            "recipient with this reason.",
            show_default=False,
            metavar="REASON",
        ),
    ] = None,
    actor: ActorOption = None,
    at: AtOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Record that a recipient was told of an erasure (Art. 19), and when (--at).

    After dsr erase ID --execute, every recipient dsr.yaml names for a system
    the person was found in has a task with a due date: dsr overdue lists it
    until it is recorded here, and the confirmation letter (dsr erase ID
    --verify) says who was told on which day and who is still to be told.

    Example: dsr request notified 2026-0003 --recipient DHL --at 2026-12-01

    Example: dsr request notified 2026-0003 -r Steuerberater --not-possible "Kanzlei aufgelöst"
    """
    from dsr.erasure.recipients import record_notification

    moment = parse_at(at)
    loaded, ledger = _open(config)
    with ledger:
        state = record_notification(
            ledger, loaded, request_id, recipient, at=moment, not_possible=not_possible,
            actor=actor,
        )  # fmt: skip
    if json_output:
        print_json({"request": request_id.strip(), **state.as_dict()})
        return
    if state.status == "done":
        text = f"{request_id.strip()}: {state.recipient} told of the erasure on {state.on}"
    else:
        text = (
            f"{request_id.strip()}: {state.recipient} not told ({state.reason}), "
            f"recorded {state.on}"
        )
    out().print(escape(text), soft_wrap=True)
    hint(f"the confirmation letter names it after dsr erase {request_id.strip()} --verify")


@app.command("evidence")
def evidence_command(
    request_id: IdArgument,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Folder for the bundle. Default: evidence/ID beside dsr.yaml.",
            show_default=False,
            metavar="DIR",
        ),
    ] = None,
    actor: ActorOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Write the evidence bundle of a request for a supervisory authority.

    One folder only you can read, with index.md and index.html for people and
    evidence.json for tools: the request's audit entries with their chain
    hashes, every erasure plan with its hash, the counts before and after, the
    processor tasks, the letters sent with their checksums, and the result of
    `dsr audit verify`. It holds no erased values. Exit code 1 when the audit
    chain is broken (the bundle is written and says so).

    Example: dsr request evidence 2026-0001 --output /tmp/for-the-authority
    """
    from dsr.requests.evidence import write_evidence
    from dsr.requests.lifecycle import current_actor

    loaded, ledger = _open(config)
    with ledger:
        result = write_evidence(
            ledger, loaded, request_id, actor=current_actor(actor), output=output
        )
    if json_output:
        print_json(result.as_dict())
    else:
        console = out()
        console.print(f"{result.request}: evidence written to {escape(str(result.folder))}")
        for path, _ in result.files:
            console.print(f"  {escape(path.name)}", soft_wrap=True)
    if not result.chain.get("intact"):
        warning(
            f"the audit chain is broken at event {result.chain.get('broken_id')}: "
            f"{result.chain.get('reason')}"
        )
        raise typer.Exit(result.exit_code)
