"""Lean reads of one model row, for the few queries every request of a hot page makes.

Building and compiling a QuerySet costs far more Python than running its SQL: measured on the
2-core benchmark machine, ``Process.objects.get(slug=…)`` took 0.9 ms of CPU and the same row read
with a cursor 0.25 ms (``Council.objects.order_by("pk").first()``: 0.7 ms against 0.15 ms). A
ballot submission pays several such reads on top of its one write (docs/pb-web.md, "Ballot
throughput"). :func:`fetch_one` keeps what the ORM gives — a model instance built by
``Model.from_db`` with every column converted by the backend's and the field's own converters, so
JSON, decimals and dates come back as the ORM would return them — and skips only the QuerySet.
:func:`fetch_values` is the same for ``values_list`` rows.

Only for plain reads of one table by simple conditions; anything with joins, annotations or
user-supplied SQL stays with the ORM.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import connections, models


@cache
def _columns(model: type[models.Model], names: tuple[str, ...] | None, alias: str) -> tuple[str, list[str], list[Any]]:
    """SELECT list, attribute names and per-column (index, converters, column) of ``model``'s fields
    ``names`` (all concrete fields when None); built once per model and field list."""
    connection = connections[alias]
    table = model._meta.db_table
    fields = model._meta.concrete_fields if names is None else [model._meta.get_field(n) for n in names]
    quote = connection.ops.quote_name
    select = ", ".join(f"{quote(table)}.{quote(field.column)}" for field in fields)
    converters = []
    for n, field in enumerate(fields):
        column = field.get_col(table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((n, found, column))
    return f"SELECT {select} FROM {quote(table)}", [field.attname for field in fields], converters


def _query(model: type[models.Model], names: tuple[str, ...] | None, where: str, params: Sequence[Any],
           order_by: str, limit: int | None, using: str) -> tuple[list[str], list[list[Any]]]:
    connection = connections[using]
    select, attnames, converters = _columns(model, names, using)
    sql = (select + (f" WHERE {where}" if where else "") + (f" ORDER BY {order_by}" if order_by else "")
           + (f" LIMIT {int(limit)}" if limit is not None else ""))
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        rows = [list(row) for row in cursor.fetchall()]
    for row in rows:
        for n, functions, column in converters:
            for convert in functions:
                row[n] = convert(row[n], column, connection)
    return attnames, rows


def fetch_values(model: type[models.Model], names: Sequence[str], where: str = "", params: Sequence[Any] = (), *,
                 order_by: str = "", using: str = "default") -> list[list[Any]]:
    """The fields ``names`` of every ``model`` row matching ``where``, as ``values_list`` would give them."""
    return _query(model, tuple(names), where, params, order_by, None, using)[1]


def fetch_one[M: models.Model](model: type[M], where: str = "", params: Sequence[Any] = (), *, order_by: str = "",
              using: str = "default") -> M | None:
    """The first ``model`` row matching ``where`` (SQL with ``%s`` placeholders for ``params``; empty:
    any row), in ``order_by`` order (SQL, e.g. ``"id"``), or None. The SQL is the caller's own text,
    never taken from a request; values go in ``params``."""
    attnames, rows = _query(model, None, where, params, order_by, 1, using)
    return model.from_db(using, attnames, rows[0]) if rows else None
