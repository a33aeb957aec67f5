"""What a dsr.yaml describes, as one plain document for `dsr config check`.

The same document serves people (rendered as tables) and scripts (--json), so
both always see the same facts. URLs are masked: passwords never leave here.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from dsr.config.fields import describe_location, mask_url
from dsr.config.gaps import find_gaps
from dsr.config.models import Config
from dsr.ledger.store import ledger_status


def summarise(config: Config, *, check_ledger: bool = True) -> dict[str, Any]:
    """The configuration in plain terms, with gaps and the ledger's state."""
    ledger: dict[str, Any] = {"url": mask_url(config.ledger), "state": None, "detail": None}
    if check_ledger:
        state, detail = ledger_status(config.ledger)
        ledger.update(state=state, detail=detail)
    return {
        "config": str(config.path),
        "valid": True,
        "controller": config.controller.name,
        "language": config.language,
        "languages": config.written_languages,
        "holidays": config.deadline.holidays,
        "target_days": config.deadline.target_days,
        "warn_days": config.deadline.warn_days,
        "ledger": ledger,
        "templates": str(config.templates) if config.templates else None,
        "sources": [
            {
                "name": source.name,
                "type": source.type,
                "location": describe_location(source.options),
                "processor": source.processor.model_dump() if source.processor else None,
                "error": source.error,
            }
            for source in config.sources.values()
        ],
        "sources_by_type": dict(sorted(Counter(s.type for s in config.sources.values()).items())),
        "retention": [rule.model_dump() for rule in config.retention],
        "gaps": [{"key": gap.key, "message": gap.message} for gap in find_gaps(config)],
    }
