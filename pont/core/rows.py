"""SQL written out on the hottest paths: names from the models, values as the ORM makes them.

For a small read the ORM spends most of its time building and compiling the
query, not in the database: for the partner API's read of one referral, three
queries cost about 0.5 ms each to build against well under 0.1 ms to run. A path
that runs on every call may state its SQL once instead (see
docs/adr/0004-hand-written-sql-on-hot-paths.md). This module keeps the part of
that which is easy to get wrong: the SELECT list is made from the models'
fields (their tables' and columns' real names, quoted for the database), and
each value read is turned into the Python value its field gives, by the very
converters the ORM applies (SQLite's text datetimes, dates and UUIDs, its
integer booleans, JSON), so a row read here equals one read by `.values()`;
each value sent is prepared by its field (`prepared`), as the ORM sends it.
`Insert` writes a new row of a model as `Model.save()` would.
"""

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, Generic, TypeVar
from weakref import WeakKeyDictionary

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Field, Model
from django.db.models.expressions import Col

Converter = Callable[[Any, Any, Any], Any]
M = TypeVar("M", bound=Model)


def column(model: type[Model], name: str) -> Field:
    """The model's field called `name` (a foreign key's own column: `person`, not `person_id`;
    `pk`: the primary key)."""
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    if not isinstance(field, Field) or field.column is None:
        raise ValueError(f"{model.__name__}.{name} is not a column.")
    return field


def column_name(field: Field) -> str:
    if field.column is None:
        raise ValueError(f"{field} is not a column.")
    return field.column


class Select:
    """A SELECT list of model fields, each under a table alias, and how to convert its rows.

    `columns` is a sequence of (key, table alias, field): `key` names the value in
    each row returned by `rows()`. Build one per query at import time; the SQL and
    the converters are made on first use, for each connection (Django gives each
    thread its own).
    """

    def __init__(self, columns: Sequence[tuple[str, str, Field]]) -> None:
        self.keys = tuple(key for key, _alias, _field in columns)
        if len(set(self.keys)) != len(self.keys):
            raise ValueError("Each column of a Select needs its own key.")
        self._columns = tuple((alias, field) for _key, alias, field in columns)
        self._prepared: WeakKeyDictionary[Any, tuple[str, list[tuple[int, list, Col]]]] = (
            WeakKeyDictionary()
        )

    def _for(self, db: Any) -> tuple[str, list[tuple[int, list[Converter], Col]]]:
        prepared = self._prepared.get(db)
        if prepared is None:
            quote = db.ops.quote_name
            sql = ", ".join(f"{alias}.{quote(column_name(f))}" for alias, f in self._columns)
            converters = []
            for position, (alias, field) in enumerate(self._columns):
                col = field.get_col(alias)
                found = db.ops.get_db_converters(col) + col.get_db_converters(db)
                if found:
                    converters.append((position, found, col))
            prepared = self._prepared[db] = (sql, converters)
        return prepared

    def rows(self, query: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        """Run `query` (a format string with `{columns}` where the SELECT list goes, and `%s`
        for each parameter, given prepared for the database) and return its rows as dicts."""
        db = connections[DEFAULT_DB_ALIAS]
        sql, converters = self._for(db)
        with db.cursor() as cursor:
            cursor.execute(query.format(columns=sql), params)
            found = cursor.fetchall()
        rows = []
        for raw in found:
            values = list(raw)
            for position, chain, col in converters:
                value = values[position]
                for converter in chain:
                    value = converter(value, col, db)
                values[position] = value
            rows.append(dict(zip(self.keys, values, strict=True)))
        return rows


class Instances:
    """Whole model instances read by hand-written SQL: every concrete field of `model`, under
    the table alias `alias`, converted as the ORM converts them and built by `Model.from_db`,
    as a queryset builds them (related objects load when first used)."""

    def __init__(self, model: type[Model], alias: str) -> None:
        self.model = model
        fields = model._meta.concrete_fields
        self._names = [field.attname for field in fields]
        self._select = Select([(field.attname, alias, field) for field in fields])

    def all(self, query: str, params: Sequence[Any]) -> list[Any]:
        """Every instance `query` finds (see `Select.rows`), in its order."""
        names, build = self._names, self.model.from_db
        return [
            build(DEFAULT_DB_ALIAS, names, [values[n] for n in names])
            for values in self._select.rows(query, params)
        ]

    def get(self, query: str, params: Sequence[Any]) -> Any:
        """The one instance `query` finds (see `Select.rows`), or None."""
        found = self.all(query, params)
        return found[0] if found else None


class Insert(Generic[M]):
    """A model's INSERT written out, for a row written on every call of a hot path.

    `save(obj)` writes a new instance as `Model.save()` writes one: each concrete field's
    value is the field's `pre_save` (so `auto_now` and `auto_now_add` set the instance's
    attribute, as save() does) prepared by `get_db_prep_save`; an automatic primary key is
    left to the database and read back with RETURNING onto the instance. No signals are sent:
    use it only for models nothing listens to (referrals/tests/test_rows.py holds it to the ORM).
    """

    def __init__(self, model: type[M]) -> None:
        self.model = model
        self._auto = model._meta.auto_field
        self._fields = [f for f in model._meta.concrete_fields if f is not self._auto]
        self._sql: dict[str, str] = {}

    def _statement(self, db: Any) -> str:
        sql = self._sql.get(db.vendor)
        if sql is None:
            quote = db.ops.quote_name
            names = ", ".join(quote(column_name(f)) for f in self._fields)
            marks = ", ".join(["%s"] * len(self._fields))
            into = quote(self.model._meta.db_table)
            sql = f"INSERT INTO {into} ({names}) VALUES ({marks})"  # noqa: S608 - names only
            if self._auto is not None:
                sql += f" RETURNING {quote(column_name(self._auto))}"
            self._sql[db.vendor] = sql
        return sql

    def save(self, obj: M) -> M:
        if not isinstance(obj, self.model) or not obj._state.adding:
            raise ValueError(f"Insert({self.model.__name__}) writes new instances of it only.")
        db = connections[DEFAULT_DB_ALIAS]
        values = [f.get_db_prep_save(f.pre_save(obj, True), db) for f in self._fields]
        with db.cursor() as cursor:
            cursor.execute(self._statement(db), values)
            if self._auto is not None:
                setattr(obj, self._auto.attname, cursor.fetchone()[0])
        obj._state.adding = False
        obj._state.db = DEFAULT_DB_ALIAS
        return obj


def prepared(model: type[Model], name: str, value: Any) -> Any:
    """`value` as the database takes it for the model's field `name` (a UUID as SQLite's hex
    text, a datetime in UTC as text on SQLite...), as the ORM would send it."""
    return column(model, name).get_db_prep_value(value, connection, prepared=False)


def table(model: type[Model]) -> str:
    """The model's table name, quoted for the database."""
    return _quoted_table(connection.vendor, model)


def quoted(model: type[Model], name: str) -> str:
    """The column of the model's field `name`, quoted for the database."""
    return _quoted_column(connection.vendor, model, name)


# The names are the same on every call, for each kind of database: quoted once (the paths
# that state their SQL by hand ask for a dozen on each request).
@cache
def _quoted_table(vendor: str, model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@cache
def _quoted_column(vendor: str, model: type[Model], name: str) -> str:
    return connection.ops.quote_name(column_name(column(model, name)))
