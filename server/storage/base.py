"""The declarative base of the hub's models and the one column type of its own: UTC times."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

_PARSED: dict[str, datetime] = {}  # SQLite's stored text -> the aware datetime it reads as
_PARSED_MAX = 20_000  # emptied when it grows past this


def _from_sqlite(value: str | None) -> datetime | None:
    """A stored SQLite time, read once per distinct text: the 200 offers of an appointment
    opened to all share their two times, and a transaction reads them several times over
    (about 2,000 times per offer in a claim storm, 2 us each)."""
    if value is None:
        return None
    parsed = _PARSED.get(value)
    if parsed is None:
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        parsed = datetime.fromisoformat(value)
        parsed = _PARSED[value] = (
            parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        )
    return parsed


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime
    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        if dialect.name == "sqlite":  # stored as ISO 8601 text, 'YYYY-MM-DD HH:MM:SS[.ffffff]'
            return _from_sqlite
        return super().result_processor(dialect, coltype)

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    pass
