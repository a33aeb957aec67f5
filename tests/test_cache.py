"""dsr's cache folder (``dsr.connectors.cache``): where it is, and that it can be absent.

What is cached holds no personal data and is derived again when missing, so a cache
that cannot be placed or written must cost time only, never a result.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dsr.connectors import cache


def test_where_the_cache_folder_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSR_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.folder("x") == tmp_path / "mine" / "x"
    monkeypatch.delenv("DSR_CACHE_DIR")
    assert cache.folder("x") == tmp_path / "xdg" / "dsr" / "x"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # ignored, as XDG says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.folder("x") == tmp_path / "home" / ".cache" / "dsr" / "x"


def test_a_cache_file_is_private_and_replaced_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DSR_CACHE_DIR", str(tmp_path / "c"))
    assert cache.read("x", "a.txt") is None
    assert cache.write("x", "a.txt", "eins")
    assert cache.write("x", "a.txt", "zwei")
    assert cache.read("x", "a.txt") == "zwei"
    assert (tmp_path / "c" / "x").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "c" / "x" / "a.txt").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in (tmp_path / "c" / "x").iterdir()] == ["a.txt"]  # no temporary left


def test_no_place_for_a_cache_costs_nothing_but_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DSR_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert cache.folder("x") is None
    assert cache.read("x", "a.txt") is None and cache.write("x", "a.txt", "t") is False
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("DSR_CACHE_DIR", str(blocked))
    assert cache.write("x", "a.txt", "t") is False and cache.read("x", "a.txt") is None
