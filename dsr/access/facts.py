"""The facts an access letter states that no data can show, and which of them are missing.

A letter must be true in every sentence. What the sources hold, dsr reads; but why
the company processes the data, on what legal basis, who receives it, how long it is
kept, whether it leaves the EU and whether anything is decided about the person
automatically, only the company knows. Each such fact has a key in dsr.yaml, and
``dsr config check`` lists every one not set (dsr.config.gaps). A letter needs those of
the controller and of the systems the person was found in, in the letter's language (a
German purpose is no fact for an English letter: ``sources.shop.purpose.en``); where one
is missing, the letter is a draft: it says so on the page and in its file name, the
staff note and the command list the keys to fill, the command exits 1, and the request
stays open.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from dsr.config.gaps import Gap, gaps_of
from dsr.config.models import Config, Source

_CONTROLLER = ("supervisory_authority", "automated_decisions", "third_country_transfers")
_SOURCE = ("description", "purpose", "legal_basis", "recipients", "processor.safeguards")


def missing_facts(
    config: Config,
    sources: Sequence[Source],
    unruled: Collection[str],
    language: str | None = None,
) -> list[Gap]:
    """The gaps of dsr.yaml the access letter in ``language`` (default: dsr.yaml's) for data
    found in ``sources`` would state; ``unruled`` names the sources where some of the
    person's tables fall under no retention rule, so the source's ``storage_period`` is what
    the letter states for them. ``config`` is the configuration as loaded, with every
    language's texts, not ``Config.in_language``'s copy."""
    wanted = {f"controller.{key}" for key in _CONTROLLER}
    names = {source.name for source in sources}
    for name in names:
        wanted |= {f"sources.{name}.{key}" for key in _SOURCE}
        if name in unruled:
            wanted.add(f"sources.{name}.storage_period")
    for i, rule in enumerate(config.retention):
        if any(table.partition(".")[0] in names | {"*"} for table in rule.tables):
            wanted.add(f"retention[{i}].basis")
    return gaps_of(config, wanted, language or config.language)
