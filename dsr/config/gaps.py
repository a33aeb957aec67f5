"""What the Art. 30 record and the letters will need but dsr.yaml leaves empty.

Only ``controller.name`` is required, so a first dsr.yaml is quick to write; the
rest is reported as gaps to fill instead of errors, in the order a DPO would
fill them.
"""

from __future__ import annotations

from dataclasses import dataclass

from dsr.config.models import Config

# EU member states plus Iceland, Liechtenstein and Norway: transfers inside need no safeguards.
EEA = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI",
        "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT",
        "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO",
    }
)


@dataclass(frozen=True)
class Gap:
    key: str
    message: str


def find_gaps(config: Config) -> list[Gap]:
    """Every missing piece the record of processing or an Art. 15 answer will need."""
    gaps: list[Gap] = []
    controller = config.controller
    for key, needed_for in (
        ("address", "the record (Art. 30(1)(a)) and every letter"),
        ("email", "the record (Art. 30(1)(a)) and every letter"),
    ):
        if not getattr(controller, key):
            gaps.append(Gap(f"controller.{key}", f"not set; needed for {needed_for}"))
    if controller.dpo is None or not (controller.dpo.name or controller.dpo.email):
        gaps.append(
            Gap("controller.dpo", "no data-protection officer named (Art. 30(1)(a), Art. 37)")
        )
    if not controller.supervisory_authority:
        gaps.append(
            Gap(
                "controller.supervisory_authority",
                "not set; access answers must name where to complain (Art. 15(1)(f))",
            )
        )
    for key, question in (
        ("automated_decisions", "false, or what is decided about people automatically"),
        ("third_country_transfers", "false, or true with each processor's country"),
    ):
        if getattr(controller, key) is None:
            gaps.append(
                Gap(
                    f"controller.{key}",
                    f"not set ({question}); access letters stay drafts without it (Art. 15)",
                )
            )
    if not config.security_measures:
        gaps.append(
            Gap("security_measures", "no technical and organisational measures (Art. 30(1)(g))")
        )
    if not config.sources:
        gaps.append(Gap("sources", "no sources yet: dsr has nowhere to look for personal data"))
    for name, source in config.sources.items():
        for key, needed_for in (
            ("purpose", "Art. 30(1)(b), Art. 15(1)(a)"),
            ("legal_basis", "Art. 6, Art. 15(1)(a)"),
        ):
            if not getattr(source, key):
                gaps.append(Gap(f"sources.{name}.{key}", f"not set ({needed_for})"))
        if source.recipients is None:
            gaps.append(
                Gap(
                    f"sources.{name}.recipients",
                    "who receives the data, [] for nobody (Art. 15(1)(c))",
                )
            )
        if not source.storage_period:
            gaps.append(
                Gap(
                    f"sources.{name}.storage_period",
                    "how long data no retention rule keeps is stored (Art. 15(1)(d))",
                )
            )
        if not source.data_subjects:
            gaps.append(Gap(f"sources.{name}.data_subjects", "whose data this is (Art. 30(1)(c))"))
        processor = source.processor
        if processor is not None and processor.country not in EEA and not processor.safeguards:
            gaps.append(
                Gap(
                    f"sources.{name}.processor.safeguards",
                    f"processor in {processor.country} (outside the EEA) without named "
                    "safeguards such as SCC or DPF (Art. 30(1)(e), Art. 46)",
                )
            )
    return gaps
