"""`column IN (many ids)` as one parameter holding the whole list, whatever its length.

An expanding IN (`column.in_(ids)`) is rendered anew for each execution: SQLAlchemy writes one
placeholder per id into the statement and SQLite parses a new statement text for every count.
The statements of an offer to 200 agents and of its 200 deliveries each spent more on that
than SQLite spent running them (bench/README.md). `among(column, "ids")` compiles once to a
statement whose text never changes:

- SQLite: `column IN (SELECT value FROM json_each(:ids))`, the ids passed as one JSON array;
- PostgreSQL: `column = ANY(:ids)`, the ids passed as one array.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec
from sqlalchemy import String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement, bindparam
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.type_api import TypeEngine
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Boolean, TypeDecorator

_encode = msgspec.json.Encoder().encode


class IdList(TypeDecorator[list[str]]):
    """A list of string ids bound as one parameter: a JSON array on SQLite, an array on
    PostgreSQL."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(String))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Iterable[str] | None, dialect: Dialect) -> Any:
        ids = list(value or ())
        return ids if dialect.name == "postgresql" else _encode(ids).decode()


class Among(ColumnElement[bool]):
    """`column` is one of the ids bound to `ids` (build it with `among`)."""

    inherit_cache = True
    type = Boolean()
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("ids", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], ids: BindParameter[list[str]]) -> None:
        self.column = column
        self.ids = ids


def among(column: ColumnElement[Any] | Any, name: str, ids: Iterable[str] | None = None) -> Among:
    """`column IN` the list of ids passed as parameter `name` (any length, one statement), or
    `ids` when given (for a statement built where it runs; its parameter's name is then made
    unique, so one statement may hold several)."""
    if ids is None:
        return Among(column, bindparam(name, type_=IdList()))
    return Among(column, bindparam(name, list(ids), type_=IdList(), unique=True))


@compiles(Among)
def _among_sqlite(element: Among, compiler: SQLCompiler, **kw: Any) -> str:
    column, ids = compiler.process(element.column, **kw), compiler.process(element.ids, **kw)
    return f"{column} IN (SELECT value FROM json_each({ids}))"


@compiles(Among, "postgresql")
def _among_postgresql(element: Among, compiler: SQLCompiler, **kw: Any) -> str:
    column, ids = compiler.process(element.column, **kw), compiler.process(element.ids, **kw)
    return f"{column} = ANY({ids})"
