"""The facts an access letter states that no data can show, and which of them are missing.

A letter must be true in every sentence. What the sources hold, dsr reads; but why
the company processes the data, on what legal basis, who receives it, how long it is
kept, whether it leaves the EU and whether anything is decided about the person
automatically, only the company knows. Each such fact has a key in dsr.yaml, and
``dsr config check`` lists every one not set (dsr.config.gaps). A letter needs those of
the controller and of the systems the person was found in; where one is missing, the
letter is a draft: it says so on the page and in its file name, the staff note and the
command list the keys to fill, the command exits 1, and the request stays open.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from dsr.config.gaps import Gap, find_gaps
from dsr.config.models import Config, Source

_CONTROLLER = ("supervisory_authority", "automated_decisions", "third_country_transfers")
_SOURCE = ("purpose", "legal_basis", "recipients", "processor.safeguards")


def missing_facts(config: Config, sources: Sequence[Source], unruled: Collection[str]) -> list[Gap]:
    """The gaps of dsr.yaml the access letter for data found in ``sources`` would state;
    ``unruled`` names the sources where some of the person's tables fall under no retention
    rule, so the source's ``storage_period`` is what the letter states for them."""
    wanted = {f"controller.{key}" for key in _CONTROLLER}
    for source in sources:
        wanted |= {f"sources.{source.name}.{key}" for key in _SOURCE}
        if source.name in unruled:
            wanted.add(f"sources.{source.name}.storage_period")
    return [gap for gap in find_gaps(config) if gap.key in wanted]
