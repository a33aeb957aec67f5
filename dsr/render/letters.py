"""What every letter to a person shares: the formats it is written in and who writes it.

The access answer, the erasure confirmation and their templates take the sender
(controller, data-protection officer) from one place, so a change to the
controller's details reads the same in every letter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dsr.config.models import Config
from dsr.errors import Problem, UsageError

LETTER_FORMATS = ("html", "pdf", "md")


def letter_formats(formats: Sequence[str]) -> tuple[str, ...]:
    """The chosen formats, once each, in the order given; UsageError for an unknown one."""
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    wrong = [f for f in chosen if f not in LETTER_FORMATS]
    if wrong or not chosen:
        raise UsageError(
            Problem(
                f"--format: unknown format {', '.join(wrong) or '(none)'}",
                hint="use html, pdf, md, e.g. --format html,pdf",
            )
        )
    return chosen


def sender(config: Config) -> dict[str, Any]:
    """The template variables ``controller`` and ``dpo`` (None when no DPO is named)."""
    controller = config.controller
    dpo = controller.dpo
    return {
        "controller": {
            "name": controller.name,
            "address": controller.address,
            "email": controller.email,
            "phone": controller.phone,
            "website": controller.website,
        },
        "dpo": {"name": dpo.name, "email": dpo.email, "phone": dpo.phone} if dpo else None,
    }
