"""The demo company "Beispiel GmbH": every kind of source, with the hard cases of real companies.

``build_demo`` writes it into a folder; ``dsr demo`` is its command line.
"""

from dsr.demo.build import DemoResult, PlantedPerson, SourceSummary, build_demo

__all__ = ["DemoResult", "PlantedPerson", "SourceSummary", "build_demo"]
