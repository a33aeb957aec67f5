"""The inventory: classify every source and write the Art. 30 record with its findings.

``scan`` walks the sources, ``record`` builds the processing activities of
Art. 30(1), ``findings`` lists what needs action, and ``document`` puts them
into the one JSON document design.md fixes, which every output format renders.
"""

from dsr.inventory.document import build_document
from dsr.inventory.scan import SourceScan, scan_sources

__all__ = ["SourceScan", "build_document", "scan_sources"]
