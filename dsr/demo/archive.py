"""ZIP archives with fixed timestamps, so the same seed gives byte-identical files.

Python's zipfile and openpyxl stamp every member with the current time; a demo
that changes with the clock cannot be compared between two runs or golden-tested.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date

from dsr.demo.people import EXPORT_DATE


def _stamp(day: date) -> tuple[int, int, int, int, int, int]:
    return (day.year, day.month, day.day, 6, 0, 0)


def zip_members(members: list[tuple[str, bytes]], day: date = EXPORT_DATE) -> bytes:
    """A deflated ZIP of ``members`` (name, content), every member stamped ``day``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            info = zipfile.ZipInfo(name, date_time=_stamp(day))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def restamp(raw: bytes, day: date = EXPORT_DATE) -> bytes:
    """The same ZIP with every member's timestamp set to ``day`` (member order kept)."""
    with zipfile.ZipFile(io.BytesIO(raw)) as source:
        members = [(info.filename, source.read(info)) for info in source.infolist()]
    return zip_members(members, day)
