"""dsr: answer GDPR data-subject requests across every place a company keeps personal data.

Nothing runs on import: the CLI lives in ``dsr.cli``, the core modules are imported
by what needs them.
"""

__version__ = "0.1.0"
