"""Database helpers that are not about one app's models."""

from __future__ import annotations

from django.db import connection


def planner_statistics_refresh(*models) -> None:
    """Refresh PostgreSQL's planner statistics of `models`' tables after a bulk load.

    Autovacuum analyses a table only after its load is committed and some time has passed; until
    then the planner takes a freshly filled table for an empty one and picks nested loops that scan
    it once per outer row (minutes instead of a second for a city's dashboard). Run inside the
    loading transaction, ANALYZE counts that transaction's own rows. Other databases: nothing."""
    if connection.vendor != "postgresql" or not models:
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")  # table names from the models, never from input


# A value no primary key ever takes: the placeholder the statement is compiled with.
_PLACEHOLDER = -7_319_846_215_903


class CompiledQuery:
    """A values-list queryset that differs from one call to the next only by one integer (a user
    id, say), compiled to SQL by Django once per process and database instead of on every call.

    `build(value)` returns the queryset for `value`. It is compiled once with a placeholder; the
    statement's parameters equal to the placeholder are replaced by the caller's value on each call,
    every other parameter stays as compiled. The rows are what the database returns, so the columns
    must be ones Django does not convert on the way out (integers, text, booleans: no dates,
    decimals or JSON), and the queryset must not depend on anything but `value` (the settings and
    the models are fixed for the life of the process)."""

    def __init__(self, build) -> None:
        self.build = build
        self._compiled: dict[tuple[str, str], tuple[str, tuple, tuple[int, ...]]] = {}

    def _compile(self, alias: str) -> tuple[str, tuple, tuple[int, ...]]:
        from django.db import connections

        key = (alias, connections[alias].vendor)
        found = self._compiled.get(key)
        if found is None:
            sql, params = self.build(_PLACEHOLDER).query.get_compiler(using=alias).as_sql()
            positions = tuple(i for i, p in enumerate(params) if type(p) is int and p == _PLACEHOLDER)
            if not positions:
                raise ValueError("the queryset does not depend on its value")
            found = self._compiled[key] = (sql, tuple(params), positions)
        return found

    def rows(self, value: int, *, using: str = "default") -> list[tuple]:
        from django.db import connections

        sql, params, positions = self._compile(using)
        bound = list(params)
        for i in positions:
            bound[i] = value
        with connections[using].cursor() as cursor:
            cursor.execute(sql, bound)
            return cursor.fetchall()
