"""Where dsr.yaml's readable texts are, by key, and the configuration in one language.

``texts`` is the one list of the texts a letter or the record shows, with the key a
DPO fills (``sources.shop.recipients[1]``); ``find_gaps`` uses it to name missing
versions and ``localise`` (``Config.in_language``) to pick one language's versions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dsr.config.texts import LocalText

if TYPE_CHECKING:
    from dsr.config.models import Config, Source


def texts(config: Config) -> Iterator[tuple[str, LocalText]]:
    """Every text of ``config`` a reader sees, with its key in dsr.yaml."""
    decisions = config.controller.automated_decisions
    if isinstance(decisions, LocalText):
        yield "controller.automated_decisions", decisions
    for i, measure in enumerate(config.security_measures):
        yield f"security_measures[{i}]", measure
    for name, source in config.sources.items():
        at = f"sources.{name}"
        for field in ("description", "purpose", "legal_basis", "storage_period", "department"):
            text = getattr(source, field)
            if text is not None:
                yield f"{at}.{field}", text
        for field in ("data_subjects", "recipients", "internal_recipients"):
            for i, text in enumerate(getattr(source, field) or ()):
                yield f"{at}.{field}[{i}]", text
        if source.processor is not None and source.processor.safeguards is not None:
            yield f"{at}.processor.safeguards", source.processor.safeguards
        for i, transfer in enumerate(source.transfers or ()):
            yield f"{at}.transfers[{i}].recipient", transfer.recipient
            if transfer.safeguards is not None:
                yield f"{at}.transfers[{i}].safeguards", transfer.safeguards
        for table, text in source.storage_periods.items():
            yield f"{at}.storage_periods.{table}", text
        for column, text in source.labels.items():
            yield f"{at}.labels.{column}", text
    for i, rule in enumerate(config.retention):
        yield f"retention[{i}].basis", rule.basis
    if config.security_reference is not None:
        yield "security_reference", config.security_reference
    for finding, text in config.decisions.items():
        yield f"decisions.{finding}", text


def localise(config: Config, language: str) -> Config:
    """``config`` with every text in ``language`` (see ``Config.in_language``)."""

    def one(text: LocalText | None) -> LocalText | None:
        return text.version(language) if text is not None else None

    def each(key: str, items: list[LocalText]) -> list[LocalText]:
        return [
            item.version(language) or LocalText(f"[{key}[{i}].{language}]", {})
            for i, item in enumerate(items)
        ]

    def source(name: str, entry: Source) -> Source:
        at = f"sources.{name}"
        processor = entry.processor
        if processor is not None and processor.safeguards is not None:
            processor = processor.model_copy(update={"safeguards": one(processor.safeguards)})
        recipients = entry.recipients
        internal = entry.internal_recipients
        transfers = None if entry.transfers is None else [
            t.model_copy(
                update={
                    "recipient": t.recipient.version(language)
                    or LocalText(f"[{at}.transfers[{i}].recipient.{language}]", {}),
                    "safeguards": one(t.safeguards),
                }
            )
            for i, t in enumerate(entry.transfers)
        ]
        return entry.model_copy(
            update={
                "department": one(entry.department),
                "internal_recipients": None
                if internal is None
                else each(f"{at}.internal_recipients", internal),
                "transfers": transfers,
                "storage_periods": {
                    table: period
                    for table, text in entry.storage_periods.items()
                    if (period := text.version(language))
                },
                "description": one(entry.description),
                "purpose": one(entry.purpose),
                "legal_basis": one(entry.legal_basis),
                "storage_period": one(entry.storage_period),
                "data_subjects": each(f"{at}.data_subjects", entry.data_subjects),
                "recipients": None if recipients is None else each(f"{at}.recipients", recipients),
                "processor": processor,
                "labels": {
                    column: label
                    for column, text in entry.labels.items()
                    if (label := text.version(language))
                },
            }
        )

    controller = config.controller
    if isinstance(controller.automated_decisions, LocalText):
        controller = controller.model_copy(
            update={"automated_decisions": one(controller.automated_decisions)}
        )
    retention = [
        rule.model_copy(
            update={
                "basis": rule.basis.version(language)
                or LocalText(f"[retention[{i}].basis.{language}]", {})
            }
        )
        for i, rule in enumerate(config.retention)
    ]
    return config.model_copy(
        update={
            "controller": controller,
            "security_measures": each("security_measures", config.security_measures),
            "sources": {name: source(name, entry) for name, entry in config.sources.items()},
            "retention": retention,
            "security_reference": one(config.security_reference),
            "decisions": {
                finding: decided
                for finding, text in config.decisions.items()
                if (decided := text.version(language) or LocalText(
                    f"[decisions.{finding}.{language}]", {}))
            },
        }
    )
