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
