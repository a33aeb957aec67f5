"""What a connector can do, declared up front instead of found out by failing.

The erasure planner reads these to decide between erasing a row and writing a
task for a processor, and ``dsr connectors list`` shows them. "Cannot" (a
read-only SaaS export: the data lives at the vendor) is kept apart from "not
yet" (the connector could, but nobody has built it), because the first becomes
a processor task and the second a gap to report.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum


class Support(StrEnum):
    SUPPORTED = "supported"
    UNSUPPORTED = "unsupported"  # the kind of source cannot do it
    NOT_YET = "not yet"  # it could, but this connector does not do it yet


@dataclass(frozen=True)
class Capabilities:
    """One support level per operation of the connector protocol."""

    sample: Support = Support.SUPPORTED
    find: Support = Support.SUPPORTED
    delete: Support = Support.UNSUPPORTED
    null: Support = Support.UNSUPPORTED
    mask: Support = Support.UNSUPPORTED
    redact: Support = Support.UNSUPPORTED
    streaming: Support = Support.UNSUPPORTED  # large sources are read without loading them whole

    def supports(self, operation: str) -> bool:
        return getattr(self, operation) is Support.SUPPORTED

    def as_dict(self) -> dict[str, str]:
        return {f.name: str(getattr(self, f.name)) for f in fields(self)}

    @property
    def erasable(self) -> bool:
        """Whether dsr can change the data itself (else erasure is a processor task)."""
        return any(self.supports(op) for op in ("delete", "null", "mask", "redact"))


READ_ONLY = Capabilities()
"""A source dsr reads but cannot change, such as a vendor's export."""

WRITABLE = Capabilities(
    delete=Support.SUPPORTED,
    null=Support.SUPPORTED,
    mask=Support.SUPPORTED,
    redact=Support.SUPPORTED,
)
"""A source where every erasure action is applied by dsr itself."""
