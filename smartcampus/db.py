"""Database helpers that are not about one app's models."""

from __future__ import annotations

import threading
from collections import OrderedDict

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init


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


# --- server-side prepared statements ------------------------------------------------------------
#
# The compiled statements below are the same text on every call, bar a few integers. PostgreSQL
# plans a statement each time it is sent; planning the scope's UNION or a five-join read costs it
# several times what running them does. So on PostgreSQL each statement run a second time on a
# connection is prepared there (`PREPARE`), and later runs send only `EXECUTE name(values)`.
# Everything but the caller's integers is written into the prepared text as literals (a scope's
# region paths, a filter's values), so the plan PostgreSQL keeps for the statement is the plan it
# would have made for those values: only the integers (primary and foreign keys, compared for
# equality) are parameters. Prepared statements live as long as the connection (they survive a
# transaction's rollback); at most `_PREPARED_MAX` per connection, the least recently used
# deallocated first. `settings.DATABASE_PREPARED_STATEMENTS = False` turns this off (a pooler that
# shares server connections between clients by transaction cannot keep them).

_PREPARE_ON_RUN = 2  # a statement is prepared on its second run on a connection
_PREPARED_MAX = 256
_SEEN_MAX = 4096


class _Prepared:
    """One database connection's prepared statements: statement key → name, most recent last."""

    __slots__ = ("raw", "names", "seen", "counter")

    def __init__(self, raw) -> None:
        self.raw = raw
        self.names: OrderedDict = OrderedDict()
        self.seen: dict = {}
        self.counter = 0


def _prepared_state(connection) -> _Prepared:
    raw = connection.connection
    state = getattr(connection, "_smartcampus_prepared", None)
    if state is None or state.raw is not raw:  # a new connection knows none of the old names
        state = _Prepared(raw)
        connection._smartcampus_prepared = state
    return state


def _preparing(connection) -> bool:
    from django.conf import settings

    if connection.vendor != "postgresql" or not getattr(settings, "DATABASE_PREPARED_STATEMENTS", True):
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return not is_psycopg3  # the statements are written with psycopg2's quoting


def fetch(connection, sql: str, params: tuple, positions=(), values=()) -> list:
    """The rows of the compiled statement `sql`, its parameters `params` with `values[which]` put at
    each `(i, which)` of `positions` (the caller's integers): on PostgreSQL run as this
    connection's prepared statement from its second run on (see above), elsewhere as it is."""
    with connection.cursor() as cursor:
        if _preparing(connection):
            try:
                key = (sql, params)
                hash(key)
            except TypeError:  # a list among the parameters: not a statement to keep
                key = None
            if key is not None:
                name = _prepared_name(connection, cursor, key, positions, len(values))
                if name is not None:
                    statement = (
                        f"EXECUTE {name}({', '.join(['%s'] * len(values))})" if values else f"EXECUTE {name}"
                    )
                    if connection.queries_logged:  # what is logged names the statement it runs
                        statement += " /* " + sql.replace("%", "%%").replace("*/", "* /") + " */"
                    cursor.execute(statement, list(values))
                    return cursor.fetchall()
        bound = list(params)
        for i, which in positions:
            bound[i] = values[which]
        cursor.execute(sql, bound)
        return cursor.fetchall()


def _prepared_name(connection, cursor, key, positions, arity: int) -> str | None:
    """The name `key`'s statement is prepared under on this connection, preparing it on its
    `_PREPARE_ON_RUN`-th run; None while it is not (yet) prepared."""
    from psycopg2.extensions import AsIs

    state = _prepared_state(connection)
    name = state.names.get(key)
    if name is not None:
        state.names.move_to_end(key)
        return name
    runs = state.seen.get(key, 0) + 1
    if runs < _PREPARE_ON_RUN:
        if len(state.seen) >= _SEEN_MAX:
            state.seen.clear()
        state.seen[key] = runs
        return None
    state.seen.pop(key, None)
    sql, params = key
    marked = list(params)
    for i, which in positions:
        marked[i] = AsIs(f"${which + 1}")
    raw = cursor.cursor  # the driver's cursor: preparing is not one of the statements a page runs
    state.counter += 1
    name = f"smartcampus_{state.counter}"
    types = f" ({', '.join(['bigint'] * arity)})" if arity else ""
    with connection.wrap_database_errors:
        text = raw.mogrify(sql, marked).decode()
        raw.execute(f"PREPARE {name}{types} AS {text}")
        state.names[key] = name
        while len(state.names) > _PREPARED_MAX:
            _old_key, old = state.names.popitem(last=False)
            raw.execute(f"DEALLOCATE {old}")
    return name


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
    decimals or JSON) unless `converted` (Django's value converters applied, as the ORM gives them),
    and the queryset must not depend on anything but `values` (the settings and the models are fixed
    for the life of the process)."""

    def __init__(self, build, *, arity: int = 1, converted: bool = False) -> None:
        self.build = build
        self.arity = arity
        self.converted = converted
        self._compiled: dict[tuple[str, str], tuple[str, tuple, tuple[tuple[int, int], ...]]] = {}
        self._converters: dict[tuple[str, str], tuple] = {}

    def _compile(self, alias: str) -> tuple[str, tuple, tuple[tuple[int, int], ...]]:
        from django.db import connections

        key = (alias, connections[alias].vendor)
        found = self._compiled.get(key)
        if found is None:
            placeholders = _PLACEHOLDERS[: self.arity]
            compiler = self.build(*placeholders).query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            if self.converted:
                columns = [s[0] for s in compiler.select[: compiler.col_count]]
                self._converters[key] = tuple(compiler.get_converters(columns).items())
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
        connection = connections[using]
        rows = fetch(connection, sql, params, positions, values)
        if self.converted:
            return convert_rows(rows, self._converters[(using, connection.vendor)], connection)
        return rows


class KeyedStatements:
    """Values-list querysets compiled to SQL by Django once per key and process, for querysets
    whose parameters are not a few integers (`CompiledQuery`) but whose every input the caller can
    name: a user's whole scope, say, and the filters of a list.

    `rows(key, build)` runs the statement of `build()` (a values_list queryset with its slice, if
    any) and returns its rows, converted as the ORM converts them. The key must determine the
    queryset completely (two calls with equal keys must build the same statement with the same
    parameters; nothing read from the clock or the database may go into it): only the SQL text and
    its parameters are kept, never rows, so the data is always read afresh. The most recently used
    `size` statements are kept."""

    def __init__(self, *, size: int = 512) -> None:
        self.size = size
        self._found = Lru(size)

    def _compile(self, key, build, alias: str):
        from django.db import connections

        full_key = (alias, connections[alias].vendor, key)
        found = self._found.get(full_key)
        if found is not None:
            return found
        queryset = build()
        query = queryset.query
        compiler = query.get_compiler(using=alias)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # a condition nothing matches (`pk__in=[]`): no statement to run
            sql, params, converters = None, (), ()
        else:
            columns = [s[0] for s in compiler.select[: compiler.col_count]]
            converters = tuple(compiler.get_converters(columns).items())
        if query.selected:  # the names `.values()` gives its columns (as ValuesIterable)
            names = tuple(query.selected)
        else:
            names = (*query.extra_select, *query.values_select, *query.annotation_select)
        found = (sql, tuple(params), converters, names)
        self._found.put(full_key, found)
        return found

    def rows(self, key, build, *, using: str = "default") -> list[tuple]:
        from django.db import connections

        sql, params, converters, _names = self._compile(key, build, using)
        return self._run(sql, params, converters, connections[using])

    @staticmethod
    def _run(sql, params, converters, connection) -> list[tuple]:
        if sql is None:
            return []
        return convert_rows(fetch(connection, sql, params), converters, connection)

    def dicts(self, key, build, *, using: str = "default") -> list[dict]:
        """`rows` as `.values()` gives them: one dict per row, keyed by the column names."""
        from django.db import connections

        sql, params, converters, names = self._compile(key, build, using)
        rows = self._run(sql, params, converters, connections[using])
        return [dict(zip(names, row, strict=True)) for row in rows]


def convert_rows(rows: list, converters, connection) -> list[tuple]:
    """`rows` as fetched, with Django's value converters applied (`compiler.get_converters(...)
    .items()`: (column position, (functions, expression)) pairs), as the ORM gives them."""
    if not converters:
        return [tuple(row) for row in rows]
    converted = []
    for row in rows:
        row = list(row)
        for position, (functions, expression) in converters:
            value = row[position]
            for convert in functions:
                value = convert(value, expression, connection)
            row[position] = value
        converted.append(tuple(row))
    return converted


class Lru:
    """A bounded mapping, the least recently used entry first out (thread-safe); `get` answers None
    for a missing key."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.items)

    def get(self, key):
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def clear(self) -> None:
        with self.lock:
            self.items.clear()

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


def _plainly_made(model, init_list: list[str]) -> bool:
    """Whether `model.from_db(alias, init_list, values)` does nothing but store every value under its
    field's attname in the instance's `__dict__` (and set up `_state`): Django's own `__init__` and
    `from_db`, every concrete field read, and on each attname only Django's plain descriptors, which
    store the value as it is (a new instance has no related object cached to forget). The signals
    `__init__` sends are checked on each call (receivers may connect later)."""
    from django.db.models import Model
    from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
    from django.db.models.query_utils import DeferredAttribute

    if model.__init__ is not Model.__init__ or model.from_db.__func__ is not Model.from_db.__func__:
        return False
    fields = model._meta.concrete_fields
    if list(init_list) != [f.attname for f in fields]:
        return False
    plain = (DeferredAttribute, ForeignKeyDeferredAttribute)
    return all(type(model.__dict__.get(f.attname)) in plain for f in fields)


class KeyedInstances:
    """Model querysets (with their `select_related` objects) that differ from one call to the next
    only by a few integers (a primary key, say) besides inputs the caller names in a key (a user's
    whole scope and an action): compiled to SQL by Django once per key and process, and the rows
    made into instances as the ORM makes them (`ModelIterable`: `from_db`, the related objects
    cached on them), so callers see exactly what the queryset would give.

    `instances(key, build, *values)` runs the statement of `build(*values)`. It is compiled with
    placeholders for `values` (as `CompiledQuery`); the key must determine everything else of the
    queryset (equal keys build the same statement; nothing read from the clock or the database may
    go into it). Only the statement and what turns its rows into instances is kept, never rows. The
    most recently used `size` statements are kept."""

    def __init__(self, *, arity: int = 1, size: int = 512) -> None:
        self.arity = arity
        self._found = Lru(size)

    def _compile(self, key, build, alias: str):
        from django.db import connections
        from django.db.models.query import ModelIterable, get_related_populators

        full_key = (alias, connections[alias].vendor, key)
        found = self._found.get(full_key)
        if found is not None:
            return found
        placeholders = _PLACEHOLDERS[: self.arity]
        queryset = build(*placeholders)
        if queryset._iterable_class is not ModelIterable or queryset._known_related_objects:
            raise ValueError("only plain model querysets")
        if queryset._prefetch_related_lookups:
            raise ValueError("no prefetch_related")
        compiler = queryset.query.get_compiler(using=alias)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # a condition nothing matches: no statement to run
            found = (None,)
        else:
            positions = tuple(
                (i, placeholders.index(p))
                for i, p in enumerate(params)
                if type(p) is int and p in placeholders
            )
            if {which for _i, which in positions} != set(range(self.arity)):
                raise ValueError("the queryset does not depend on every value")
            select, klass_info = compiler.select, compiler.klass_info
            columns = [s[0] for s in select[: compiler.col_count]]
            converters = tuple(compiler.get_converters(columns).items())
            fields = klass_info["select_fields"]
            start, end = fields[0], fields[-1] + 1
            init_list = [f[0].target.attname for f in select[start:end]]
            found = (
                sql,
                tuple(params),
                positions,
                converters,
                klass_info["model"],
                start,
                end,
                init_list,
                tuple(get_related_populators(klass_info, select, alias)),
                tuple(compiler.annotation_col_map.items()),
                _plainly_made(klass_info["model"], init_list),
            )
        self._found.put(full_key, found)
        return found

    def instances(self, key, build, *values: int, using: str = "default") -> list:
        from django.db import connections

        if len(values) != self.arity:
            raise TypeError(f"{self.arity} values expected")
        found = self._compile(key, build, using)
        if found[0] is None:
            return []
        sql, params, positions, converters, model, start, end, init_list, populators, annotations = found[:10]
        plain = found[10]
        connection = connections[using]
        rows = convert_rows(fetch(connection, sql, params, positions, values), converters, connection)
        if plain and (pre_init.has_listeners(model) or post_init.has_listeners(model)):
            plain = False
        made = []
        for row in rows:
            if plain:  # what `from_db` makes, without its per-field `setattr`s
                obj = model.__new__(model)
                obj.__dict__.update(zip(init_list, row[start:end], strict=True))
                state = obj._state = ModelState()
                state.adding = False
                state.db = using
            else:
                obj = model.from_db(using, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in annotations:
                setattr(obj, name, row[position])
            made.append(obj)
        return made
