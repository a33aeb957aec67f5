"""The request ledger: requests, their identifiers, events (an audit hash chain),
plans and documents.

Use it through these names::

    from dsr.ledger import open_ledger, append_event

    with open_ledger(config.ledger) as ledger, ledger.session() as session:
        request_id = next_request_id(session, received.year)
        session.add(Request(id=request_id, type="access", status="open", ...))
        append_event(session, actor="cli", action="request.created", request_id=request_id)
"""

from dsr.ledger.chain import ChainReport, append_event, check_chain, verify_chain
from dsr.ledger.schema import (
    SCHEMA_VERSION,
    Document,
    Event,
    Plan,
    Request,
    RequestIdentifier,
)
from dsr.ledger.store import Ledger, ledger_status, next_request_id, open_ledger

__all__ = [
    "SCHEMA_VERSION",
    "ChainReport",
    "Document",
    "Event",
    "Ledger",
    "Plan",
    "Request",
    "RequestIdentifier",
    "append_event",
    "check_chain",
    "ledger_status",
    "next_request_id",
    "open_ledger",
    "verify_chain",
]
