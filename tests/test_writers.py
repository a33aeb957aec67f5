"""Files and folders that hold personal data are owner-only, parents included."""

from __future__ import annotations

import stat
from pathlib import Path

from dsr.render.writers import private_dir, write_private


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_folder_made_is_owner_only(tmp_path: Path) -> None:
    leaf = private_dir(tmp_path / "answers" / "2026-0001")
    assert mode(tmp_path / "answers") == 0o700 and mode(leaf) == 0o700


def test_files_are_written_whole_and_owner_only(tmp_path: Path) -> None:
    path = write_private(tmp_path / "letter.md", "Guten Tag")
    assert path.read_text(encoding="utf-8") == "Guten Tag" and mode(path) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["letter.md"]  # no temporary file left
