"""The request ledger: requests, their identifiers, events (an audit hash chain), plans and documents."""
