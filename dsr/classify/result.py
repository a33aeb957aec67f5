"""What the classifier says about a column and a table: the shape every consumer reads.

Evidence is a list of short sentences naming the rule and the share of sampled
values that matched ("values: 49 of 50 sampled pass the e-mail check"); it
never quotes a sampled value, because the inventory is shared more widely than
the data. The sentences are English, as tests and JSON read them; a record in
another language says them with ``dsr.classify.evidence.evidence_text``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from dsr.connectors.protocol import IdentifierKind

TableKind = Literal["person", "link", "company", "address", "document", "other"]
"""What a table's rows are: persons (customers, users, employees), rows that point
to persons (orders, invoices, tickets, sessions), companies (B2B accounts),
shared addresses, documents that copy personal data (invoices carry the billing
address), or none of these."""


@dataclass(frozen=True)
class ColumnClassification:
    source: str
    table: str
    column: str
    personal: bool
    categories: tuple[str, ...] = ()  # from dsr.classify.taxonomy.CATEGORIES
    confidence: float = 0.0  # 0..1 for the decision "personal" (or "not personal")
    evidence: tuple[str, ...] = ()
    lookup: IdentifierKind | None = None  # the lookup engine searches this column by that kind
    special: tuple[str, ...] = ()  # special-category kinds found (free text, names)
    review: bool = False  # unsure: listed for a person to confirm in dsr.yaml
    confirmed: bool = False  # decided by the user in dsr.yaml (`columns:`), not guessed

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "table": self.table,
            "column": self.column,
            "personal": self.personal,
            "categories": list(self.categories),
            "confidence": round(self.confidence, 2),
            "evidence": list(self.evidence),
            "lookup": self.lookup,
            "special": list(self.special),
            "review": self.review,
            "confirmed": self.confirmed,
        }


@dataclass(frozen=True)
class TableClassification:
    source: str
    table: str
    kind: TableKind
    rows: int | None
    columns: tuple[ColumnClassification, ...] = field(default_factory=tuple)
    evidence: tuple[str, ...] = ()
    person_table: str | None = None  # for "link" tables: the person table a key points to

    @property
    def personal(self) -> bool:
        return any(c.personal for c in self.columns)
