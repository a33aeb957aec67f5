"""The facts an access letter states that no data can show, and which of them are missing.

A letter must be true in every sentence. What the sources hold, dsr reads; but why
the company processes the data, on what legal basis, who receives it, how long it is
kept, whether it leaves the EU and whether anything is decided about the person
automatically, only the company knows. Each such fact has a key in dsr.yaml. Where
one is not configured for a system the person was found in, the letter is a draft:
it says so on the page and in its file name, the staff note and the command list the
keys to fill, the command exits 1, and the request stays open. ``dsr config check``
lists the same facts for every source (dsr.config.gaps).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from dsr.config.gaps import EEA
from dsr.config.models import Config, Source


@dataclass(frozen=True)
class MissingFact:
    """A fact the letter needs: the dsr.yaml key to fill, and what the letter says with it."""

    key: str
    needed_for: str


def missing_facts(
    config: Config, sources: Sequence[Source], unruled: Collection[str]
) -> list[MissingFact]:
    """The facts the access letter for data found in ``sources`` needs and dsr.yaml lacks;
    ``unruled`` names the sources where some of the person's tables fall under no retention
    rule, so the source's ``storage_period`` is what the letter states for them."""
    missing: list[MissingFact] = []
    controller = config.controller
    if not controller.supervisory_authority:
        missing.append(
            MissingFact("controller.supervisory_authority", "where to complain (Art. 15(1)(f))")
        )
    if controller.automated_decisions is None:
        missing.append(
            MissingFact(
                "controller.automated_decisions",
                "automated decisions and profiling (Art. 15(1)(h)): false, or what is decided",
            )
        )
    if controller.third_country_transfers is None:
        missing.append(
            MissingFact(
                "controller.third_country_transfers",
                "whether data leaves the EU/EEA (Art. 15(2)): false, or true with the processors",
            )
        )
    for source in sources:
        where = f"sources.{source.name}"
        if not source.purpose:
            missing.append(MissingFact(f"{where}.purpose", "why the data is processed (lit. a)"))
        if not source.legal_basis:
            missing.append(MissingFact(f"{where}.legal_basis", "the legal basis (lit. a)"))
        if source.recipients is None:
            missing.append(
                MissingFact(f"{where}.recipients", "who receives the data, [] for nobody (lit. c)")
            )
        processor = source.processor
        if processor is not None and processor.country not in EEA and not processor.safeguards:
            missing.append(
                MissingFact(
                    f"{where}.processor.safeguards",
                    f"the safeguards for the transfer to {processor.country} (Art. 15(2))",
                )
            )
        if source.name in unruled and not source.storage_period:
            missing.append(
                MissingFact(
                    f"{where}.storage_period",
                    "how long data under no retention rule is kept (lit. d)",
                )
            )
    return missing
