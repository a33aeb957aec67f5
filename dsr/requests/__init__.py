"""The life of a request in the ledger, from receipt to evidence.

``lifecycle`` logs, pauses, extends, refuses and closes requests;
``deadlines`` (with ``deadline_names``) counts the Art. 12(3) deadline;
``overdue`` says what needs a person now and does the ledger's housekeeping;
``report`` summarises requests for management and the authority; ``evidence``
bundles what a request's erasure left in the ledger for an audit.
"""
