"""The request ledger: requests, their identifiers, events (an audit hash chain),
plans and documents.

Use it through these names::

    from dsr.ledger import open_ledger, append_event

    with open_ledger(config.ledger) as ledger, ledger.session() as session:
        request_id = next_request_id(session, received.year)
        session.add(Request(id=request_id, type="access", status="open", ...))
        append_event(session, actor="cli", action="request.created", request_id=request_id)

Change the rows first and append the event last: the event records digests of the
request's rows as they are then (``dsr.ledger.state``), which ``dsr audit verify``
compares with the rows later; the chain's head is also kept in a file beside an
SQLite ledger (``dsr.ledger.head``) so that a cut-off end shows.
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
from dsr.ledger.state import without_state
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
    "without_state",
]
