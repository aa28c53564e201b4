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


# Values no primary key ever takes: the placeholders a statement is compiled with, one per value.
_PLACEHOLDERS = tuple(-7_319_846_215_903 - i for i in range(8))


class CompiledQuery:
    """A values-list queryset that differs from one call to the next only by a few integers (a user
    id, say, or a school and a campaign), compiled to SQL by Django once per process and database
    instead of on every call.

    `build(*values)` returns the queryset for `values`. It is compiled once with placeholders; the
    statement's parameters equal to a placeholder are replaced by the caller's values on each call,
    every other parameter stays as compiled. The rows are what the database returns, so the columns
    must be ones Django does not convert on the way out (integers, text, booleans: no dates,
    decimals or JSON), and the queryset must not depend on anything but `values` (the settings and
    the models are fixed for the life of the process)."""

    def __init__(self, build, *, arity: int = 1) -> None:
        self.build = build
        self.arity = arity
        self._compiled: dict[tuple[str, str], tuple[str, tuple, tuple[tuple[int, int], ...]]] = {}

    def _compile(self, alias: str) -> tuple[str, tuple, tuple[tuple[int, int], ...]]:
        from django.db import connections

        key = (alias, connections[alias].vendor)
        found = self._compiled.get(key)
        if found is None:
            placeholders = _PLACEHOLDERS[: self.arity]
            sql, params = self.build(*placeholders).query.get_compiler(using=alias).as_sql()
            positions = tuple(
                (i, placeholders.index(p))
                for i, p in enumerate(params)
                if type(p) is int and p in placeholders
            )
            if {which for _i, which in positions} != set(range(self.arity)):
                raise ValueError("the queryset does not depend on every value")
            found = self._compiled[key] = (sql, tuple(params), positions)
        return found

    def rows(self, *values: int, using: str = "default") -> list[tuple]:
        from django.db import connections

        if len(values) != self.arity:
            raise TypeError(f"{self.arity} values expected")
        sql, params, positions = self._compile(using)
        bound = list(params)
        for i, which in positions:
            bound[i] = values[which]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, bound)
            return cursor.fetchall()
