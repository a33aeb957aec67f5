"""`dsr access`: answer access (Art. 15) and portability (Art. 20) requests.

The request's identifiers come from the ledger, so the person is found exactly
as the request was logged. Many requests are looked up in ONE batched
``find_people`` call. Each answer is written into an owner-only folder: the
letter (Markdown, HTML, PDF), the data as a ZIP, and, when there is something
for staff to check (possible matches, failed sources), a staff note that never
goes to the person. Every file's checksum is recorded in the ledger. An answer
is only closed when every source was read: an incomplete lookup must not be
sent as if it were complete.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from dsr import clock
from dsr.access.copy import PersonCopy, build_copy, build_zip
from dsr.access.facts import missing_facts
from dsr.access.letter import column_info, letter_context, unruled_sources
from dsr.access.others import known_others
from dsr.classify.result import TableClassification
from dsr.config.gaps import Gap
from dsr.config.models import Config
from dsr.errors import Problem, UsageError
from dsr.ledger import Document, Ledger, append_event
from dsr.lookup.engine import LookupResult, Match, find_people
from dsr.lookup.person import Person, require_strong
from dsr.progress import Progress
from dsr.render.greeting import address_form, greeting, row_language
from dsr.render.letters import LETTER_FORMATS, letter_files, letter_formats
from dsr.render.writers import private_dir, write_documents
from dsr.requests.lifecycle import close, current_actor, list_requests
from dsr.requests.subject import LetterFacts, load_subject
from dsr.sources import SourceFailure

ACCESS_TYPES = ("access", "portability")
_NAMES = {
    "de": {"letter": "auskunft", "data": "daten", "note": "interne-notiz", "draft": "entwurf"},
    "en": {"letter": "access", "data": "data", "note": "staff-note", "draft": "draft"},
}


@dataclass
class AccessResult:
    """One answered request: where it was written, whether it is complete, its files."""

    request: str
    folder: Path
    complete: bool
    failed_sources: list[str]
    documents: list[tuple[Path, str]] = field(default_factory=list)  # path, sha256
    found: bool = False
    possible: int = 0
    closed: bool = False
    missing: list[Gap] = field(default_factory=list)
    """Facts dsr.yaml lacks for this letter: it is a draft and the request stays open."""
    failures: list[SourceFailure] = field(default_factory=list, repr=False)
    """Why each failed source could not be read, as every command words it (not in JSON)."""

    def as_dict(self) -> dict[str, object]:
        """The JSON document of design.md (`access`)."""
        return {
            "request": self.request,
            "folder": str(self.folder),
            "complete": self.complete,
            "failed_sources": self.failed_sources,
            "documents": [{"path": str(p), "sha256": d} for p, d in self.documents],
        }


def access_document(answers: Sequence[AccessResult], *, all_open: bool) -> dict[str, object]:
    """What ``dsr access --json`` prints: the answer (design.md's `access` document), or
    with ``--all-open`` every answer under ``answers`` (none when nothing was ready)."""
    if all_open or len(answers) != 1:
        return {"answers": [a.as_dict() for a in answers]}
    return answers[0].as_dict()


@dataclass(frozen=True)
class _Loaded:
    facts: LetterFacts
    person: Person


def answer_access(
    ledger: Ledger,
    config: Config,
    request_id: str,
    *,
    output: Path | None = None,
    formats: Sequence[str] = LETTER_FORMATS,
    progress: Progress | None = None,
) -> AccessResult:
    """Answer one access or portability request (see module docstring)."""
    return answer_requests(
        ledger, config, [request_id], output=output, formats=formats, progress=progress
    )[0]


def open_access_requests(ledger: Ledger) -> list[str]:
    """Ids of the access and portability requests that are ready (identity not awaited)."""
    return [r.id for r in list_requests(ledger, statuses=["open"], types=list(ACCESS_TYPES))]


def answerable(
    ledger: Ledger, config: Config, request_ids: Sequence[str]
) -> tuple[list[str], list[tuple[str, Problem]]]:
    """The requests ``answer_requests`` can answer, and the others with why not (a name
    alone, say): ``--all-open`` answers the first and names the second instead of letting
    one request that cannot be answered stop every other."""
    ready: list[str] = []
    refused: list[tuple[str, Problem]] = []
    for request_id in request_ids:
        try:
            _load(ledger, config, request_id)
        except UsageError as exc:
            refused.append((request_id, exc.problems[0]))
        else:
            ready.append(request_id)
    return ready, refused


def answer_requests(
    ledger: Ledger,
    config: Config,
    request_ids: Sequence[str],
    *,
    output: Path | None = None,
    formats: Sequence[str] = LETTER_FORMATS,
    progress: Progress | None = None,
) -> list[AccessResult]:
    """Answer several requests with one batched lookup. With several requests, ``output``
    is a parent folder and each answer goes into ``output/<id>``."""
    chosen = letter_formats(formats)
    loaded = [_load(ledger, config, rid) for rid in request_ids]
    result = find_people(config, [item.person for item in loaded], progress=progress)
    classes = _classify(config, result)
    answers = []
    for index, item in enumerate(loaded):
        if output is None:
            folder = config.base_dir / "answers" / item.facts.id
        else:
            folder = output if len(loaded) == 1 else output / item.facts.id
        answers.append(_answer(ledger, config, item, index, result, classes, folder, chosen))
    return answers


def _load(ledger: Ledger, config: Config, request_id: str) -> _Loaded:
    """The request's facts and the person, refusing requests that cannot be answered yet."""
    subject = load_subject(ledger, config, request_id)
    subject.require_type(ACCESS_TYPES, hint="dsr access answers access and portability requests")
    subject.require_identity_checked()
    if subject.status != "open":
        raise UsageError(Problem(f"request {subject.id} is {subject.status}"))
    person = subject.person(config)
    require_strong(person, subject.id, subject.received, subject.type)
    return _Loaded(subject.letter_facts(), person)


def _classify(config: Config, result: LookupResult) -> dict[str, list[TableClassification]]:
    """Column categories of the sources where someone was found, for labels and (b):
    the classification the lookup already made, not a second pass over the sources."""
    return {
        name: result.classifications[name]
        for name in dict.fromkeys(m.source for m in result.matches)
        if name in config.sources and name in result.classifications
    }


def _answer(
    ledger: Ledger,
    config: Config,
    item: _Loaded,
    index: int,
    result: LookupResult,
    classes: dict[str, list[TableClassification]],
    folder: Path,
    formats: tuple[str, ...],
) -> AccessResult:
    facts = item.facts
    mine = [m for m in result.matches if m.person == index]
    if not facts.language_given and (stated := row_language(mine, classes)):
        facts = replace(facts, language=stated)  # the shop row says language = en
    language = facts.language
    names = _NAMES[language]
    person = _with_found_names(item.person, mine, classes)
    if index < len(result.people):  # and the addresses and numbers expansion found
        found = result.people[index]
        person = replace(
            person,
            emails=tuple(dict.fromkeys(person.emails + found.emails)),
            phones=tuple(dict.fromkeys(person.phones + found.phones)),
            streets=tuple(dict.fromkeys(person.streets + found.streets)),
        )
    if facts.person_name is None and person.names:
        # Logged by e-mail alone: greet them by the name their own rows give.
        facts = replace(facts, person_name=person.names[0])
    salutation, surname = address_form(mine, classes)
    texts = {
        (source, table.table, column.column)
        for source, tables in classes.items()
        for table in tables
        for column in table.columns
        if column.lookup == "text" or "free_text" in column.categories
    }
    others = known_others(config, person, mine, result.classifications, _texts(mine, texts))
    copy = build_copy(person, mine, language, texts, others)
    kinds = {(source, t.table): t.kind for source, found in classes.items() for t in found}
    for table in copy.tables:
        table.person = kinds.get((table.source, table.table)) == "person"
    local = config.in_language(language)  # purposes, recipients, ... in the letter's language
    info = column_info(local, copy, classes, language)
    private_dir(folder)
    files: list[tuple[str, Path, bytes]] = []
    data_name = f"{names['data']}-{facts.id}.zip"
    context = letter_context(local, facts, copy, info, data_file=data_name)
    context["greeting"] = greeting(language, salutation, surname, facts.person_name)
    names_found = dict.fromkeys(t.source for t in copy.tables if t.source in config.sources)
    found_in = [config.sources[name] for name in names_found]
    unruled = unruled_sources(config, copy)
    missing = missing_facts(config, found_in, unruled, language) if copy.found else []
    stem = f"{names['letter']}-{facts.id}"
    if missing:  # a draft for the DPO, never a letter to send
        context.update(draft=True, missing=[m.key for m in missing])
        stem = f"{names['draft']}-{stem}"
    files += letter_files(
        "access_letter", context, config=config, language=language, formats=formats,
        folder=folder, stem=stem,
    )
    files.append(("access_data", folder / data_name, build_zip(copy, info, language)))
    note = _staff_note(facts.id, copy, result, missing)
    if note:
        files.append(("access_staff_note", folder / f"{names['note']}-{facts.id}.md", note))
    answer = AccessResult(
        request=facts.id,
        folder=folder,
        complete=result.complete,
        failed_sources=sorted(result.failed_sources),
        failures=sorted(result.failures, key=lambda f: f.source),
        found=copy.found,
        possible=len(copy.possible),
        missing=missing,
    )
    digests = write_documents(files)
    answer.documents += [(path, sha) for (_, path, _), sha in zip(files, digests, strict=True)]
    _record(ledger, facts.id, files, answer)
    if answer.complete and not missing:
        close(ledger, config, facts.id, outcome="answered" if copy.found else "no-data")
        answer.closed = True
    return answer


def _texts(matches: Sequence[Match], texts: set[tuple[str, str, str]]) -> list[str]:
    """The free texts of the person's rows and of the notes that mention them: where other
    people's names may stand (Art. 15(4))."""
    found: list[str] = []
    for match in matches:
        if match.match == "mention":
            found.append(str(match.row.get(match.via.removesuffix(" mentions")) or ""))
        elif match.match != "possible":
            found += [
                value
                for column, value in match.row.items()
                if isinstance(value, str) and (match.source, match.table, column) in texts
            ]
    return found


def _with_found_names(
    person: Person, matches: list[Match], classes: dict[str, list[TableClassification]]
) -> Person:
    """The person with the names their own rows give: a request logged by e-mail alone
    must still keep the person's own name unredacted in the passages that mention them,
    and the letter greets them by it. The spelling most rows agree on comes first, one
    with umlauts before its ASCII stand-in ("Jürgen" before "Juergen")."""
    columns = {
        (source, table.table): [c.column for c in table.columns if c.lookup == "name"]
        for source, tables in classes.items()
        for table in tables
    }
    found: Counter[str] = Counter()
    for match in matches:
        if match.match != "direct":
            continue
        parts = [str(match.row[c]).strip() for c in columns.get((match.source, match.table), [])
                 if match.row.get(c)]
        if parts:
            found[" ".join(parts)] += 1
    ranked = sorted(found, key=lambda n: (-found[n], n.isascii(), n))
    return replace(person, names=tuple(dict.fromkeys([*person.names, *ranked])))


def _record(
    ledger: Ledger, request_id: str, files: list[tuple[str, Path, bytes]], answer: AccessResult
) -> None:
    """The documents and their checksums, and an event without personal data."""
    with ledger.session() as session:
        for (kind, path, _), (_, digest) in zip(files, answer.documents, strict=True):
            session.add(Document(request_id=request_id, kind=kind, path=str(path), sha256=digest))
        append_event(
            session,
            actor=current_actor(None),
            action="request.access_written",
            request_id=request_id,
            details={
                "complete": answer.complete,
                "failed_sources": answer.failed_sources,
                "found": answer.found,
                "possible": answer.possible,
                "documents": [d for _, d in answer.documents],
            },
            at=clock.now(),
        )


def _staff_note(
    request_id: str, copy: PersonCopy, result: LookupResult, missing: Sequence[Gap] = ()
) -> bytes:
    """For staff only, never sent: what to confirm before the answer goes out."""
    lines: list[str] = []
    if missing:
        lines += [
            "## Do not send: the letter is a draft, dsr.yaml lacks facts it states",
            "",
            *(f"- `{m.key}`: {m.message}" for m in missing),
            "",
            f"Add them to dsr.yaml and run `dsr access {request_id}` again.",
            "",
        ]
    if not result.complete:
        lines += [
            "## Do not send yet: the lookup is not complete",
            "",
            *(f"- source `{s}` could not be read: {r}" for s, r in result.failed_sources.items()),
            "",
            f"Fix the source and run `dsr access {request_id}` again.",
            "",
        ]
    if copy.possible:
        lines += [
            "## Please confirm: possible matches (not in the copy)",
            "",
            "These rows share only weak identifiers (name with birth date or postcode). "
            "Check each one; if it is the person, add the identifier to the request and "
            "answer again.",
            "",
            *(
                f"- {m.source} / {m.table} "
                f"{', '.join(f'{k}={v}' for k, v in m.key.items())} ({m.via})"
                for m in copy.possible
            ),
            "",
        ]
    if copy.redactions:
        lines += [
            "## Redactions (Art. 15(4))",
            "",
            f"{copy.redactions} passage(s) of other people's data were redacted (in the "
            "person's own notes and in mentions); "
            "the letter tells the person (partial refusal, Art. 12(4)).",
            "",
        ]
    if not lines:
        return b""
    return "\n".join([f"# Staff note for request {request_id}", "", *lines]).encode("utf-8")
