"""The zip code table is kept in the user's cache directory, so a restarted hub does not spend a
second rereading the package while overdue offers wait; a damaged file is rebuilt, not trusted."""

from __future__ import annotations

import pytest

from server import geo


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIAGE_CACHE_DIR", str(tmp_path))
    geo._points.cache_clear()
    yield tmp_path
    geo._points.cache_clear()


def test_the_table_is_written_once_and_read_back(cache_dir) -> None:
    austin = geo.zip_point("78701")
    assert geo.cache_file().parent == cache_dir and geo.cache_file().exists()
    geo._points.cache_clear()
    geo.cache_file().touch()  # the same file, read again: same answers
    assert geo.zip_point("78701") == austin
    assert geo.zip_miles("78701", "10001") == pytest.approx(1515, abs=25)


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"78701": [1.0, 2.0]}', b'["x"]'])
def test_a_damaged_file_is_rebuilt(cache_dir, damage) -> None:
    geo.cache_file().parent.mkdir(parents=True, exist_ok=True)
    geo.cache_file().write_bytes(damage)
    point = geo.zip_point("78701")
    assert point is not None and point != (1.0, 2.0)
    assert len(geo.cache_file().read_bytes()) > 100_000  # rewritten whole


def test_an_unwritable_cache_still_answers(tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("TRIAGE_CACHE_DIR", str(blocker / "triage"))
    geo._points.cache_clear()
    try:
        assert geo.known_zip("78701")
        assert not geo.known_zip("00000")
    finally:
        geo._points.cache_clear()
