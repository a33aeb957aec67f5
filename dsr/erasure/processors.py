"""Processor tasks: erasure in sources dsr can read but not change (SaaS exports).

An export is a copy; the data lives at the vendor, who processes it for the
controller (Art. 28). Erasing there is a task for staff: what to delete (the
person's records, counted per table) and what to cut out of other people's
records (mentions), how (the vendor's deletion procedure, from its connector),
and by when. The due date leaves a week before the request's deadline to get
the vendor's confirmation and tell the person (Art. 12(3), Art. 19), and is
never in the past: a late task is due today.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta

from dsr.config.models import Config, Source
from dsr.connectors import PluginLoadError, connector_class
from dsr.erasure.model import PlanAction, ProcessorTask

CONFIRM_DAYS = 7
"""Days kept free between a processor task's due date and the request's deadline."""

_GENERIC = {
    "de": (
        "Löschen Sie die Datensätze der Person im System des Auftragsverarbeiters (in seiner "
        "Oberfläche, über seine API oder per Weisung nach Art. 28 Abs. 3 lit. g DSGVO). "
        "Lassen Sie sich die Löschung schriftlich bestätigen und legen Sie die Bestätigung "
        "zum Antrag."
    ),
    "en": (
        "Erase the person's records in the processor's system (in its interface, through "
        "its API, or by instruction under Art. 28(3)(g) GDPR). Get the erasure confirmed in "
        "writing and file the confirmation with the request."
    ),
}
_MENTIONS = {
    "de": (
        "In {count} Datensatz/Datensätzen anderer Personen ({tables}) wird die Person nur "
        "erwähnt: dort nur die Erwähnung (Name, E-Mail-Adresse, Telefonnummer) entfernen, "
        "den Datensatz nicht löschen."
    ),
    "en": (
        "{count} record(s) of other people ({tables}) only mention the person: remove the "
        "mention there (name, e-mail address, phone number), do not delete the record."
    ),
}


def read_only(source: Source) -> bool:
    """Whether dsr cannot change ``source`` itself (its connector declares no erasure
    operation), so erasure there is a processor task. An unloadable connector counts as
    writable: the source then fails in the lookup and is reported as failed instead."""
    try:
        cls = connector_class(source.type)
    except PluginLoadError:
        return False
    return cls is not None and not cls.capabilities.erasable


def due_date(request_due: date, today: date) -> date:
    """The request's deadline minus ``CONFIRM_DAYS``, but not before today."""
    return max(request_due - timedelta(days=CONFIRM_DAYS), today)


def vendor_name(source: Source) -> str:
    """Who must erase: the processor named in dsr.yaml, else the connector's vendor."""
    if source.processor is not None:
        return source.processor.name
    try:
        cls = connector_class(source.type)
    except PluginLoadError:
        cls = None
    return str(getattr(cls, "vendor", "") or source.type)


def deletion_procedure(source: Source, language: str) -> str:
    """The vendor's deletion procedure in ``language`` (its connector's
    ``deletion_procedure``), else a generic text in that language."""
    try:
        cls = connector_class(source.type)
    except PluginLoadError:
        cls = None
    texts = getattr(cls, "deletion_procedure", None)
    if isinstance(texts, dict):
        text = texts.get(language) or texts.get("en") or texts.get("de")
        if isinstance(text, str) and text.strip():
            return text.strip()
    return _GENERIC.get(language, _GENERIC["en"])


def processor_tasks(
    config: Config,
    actions: Iterable[PlanAction],
    *,
    request_due: date,
    today: date,
    language: str,
) -> tuple[ProcessorTask, ...]:
    """One task per read-only source with ``processor_task`` actions: rows per table (the
    person's records and the records that mention them), procedure and due date."""
    by_source: dict[str, list[PlanAction]] = {}
    for action in actions:
        if action.action == "processor_task":
            by_source.setdefault(action.source, []).append(action)
    tasks = []
    due = due_date(request_due, today)
    for name in sorted(by_source):
        source = config.sources[name]
        rows = Counter(a.table for a in by_source[name])
        procedure = deletion_procedure(source, language)
        mentions = [a for a in by_source[name] if a.redact]
        if mentions:
            tables = ", ".join(sorted({a.table for a in mentions}))
            template = _MENTIONS.get(language, _MENTIONS["en"])
            procedure = f"{procedure}\n\n{template.format(count=len(mentions), tables=tables)}"
        tasks.append(
            ProcessorTask(
                source=name,
                vendor=vendor_name(source),
                rows=dict(sorted(rows.items())),
                procedure=procedure,
                due=due,
            )
        )
    return tuple(tasks)
