"""Text functions whose SQL differs by database: SQLite's `instr(haystack, needle)` is
PostgreSQL's `strpos(haystack, needle)`. Queries use `position_of` and run on either."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction


class position_of(GenericFunction[int]):  # noqa: N801 - a SQL function, named as SQL names them
    """The 1-based position of `needle` in `haystack`, 0 when it is not there."""

    type = Integer()
    inherit_cache = True
    name = "position_of"


@compiles(position_of)
def _instr(element: position_of, compiler: Any, **kw: Any) -> str:
    return f"instr({compiler.process(element.clauses, **kw)})"


@compiles(position_of, "postgresql")
def _strpos(element: position_of, compiler: Any, **kw: Any) -> str:
    return f"strpos({compiler.process(element.clauses, **kw)})"
