"""A client's analytics warehouse: which tables and columns hold users, logins and activity.

Jobs ``login_activity_report``, ``inactive_users_report``, ``usage_summary`` and
``license_adoption_report`` read the warehouse through a :class:`WarehouseMap`: the three
tables (and their schema), the column that holds each field the queries read, and an
optional district filter (a column every table carries, and the district's value in it)
for a warehouse shared by several districts. Fields a map does not name keep today's
layout (:data:`DEFAULT_WAREHOUSE`)::

    users     analytics_users     school_uid, name_first, name_last, role_title, building_id, active
    logins    analytics_logins    school_uid, building_id, ts (timestamp, UTC)
    activity  analytics_activity  school_uid, day, building_id, events, minutes

The JSON form (what the jobs' ``warehouse_map`` parameter takes and the runner saves per
client)::

    {"schema": "lms",
     "tables": {"logins": "fact_signins"},
     "columns": {"logins": {"school_uid": "person_uid", "ts": "signed_in_at"}, "users": {"active": null}},
     "district": {"column": "district_id", "value": 42}}

``users.active`` may be ``null``: the warehouse has no such column and every user counts as
active. :func:`check_warehouse` compares a map with the database and names each missing
table or column.

>>> m = WarehouseMap.from_dict({"columns": {"logins": {"ts": "signed_in_at"}}})
>>> m.column("logins", "ts"), m.column("logins", "building_id"), m.tables["users"]
('signed_in_at', 'building_id', 'analytics_users')
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa

from schoology_etl.errors import ConfigurationError
from schoology_etl.provisioning.rows import json_parameter

#: table -> field -> the SQL type the queries read it as
FIELDS: dict[str, dict[str, sa.types.TypeEngine[Any]]] = {
    "users": {"school_uid": sa.String(64), "name_first": sa.String(100), "name_last": sa.String(100),
              "role_title": sa.String(64), "building_id": sa.String(32), "active": sa.Boolean()},
    "logins": {"school_uid": sa.String(64), "building_id": sa.String(32), "ts": sa.DateTime()},
    "activity": {"school_uid": sa.String(64), "day": sa.Date(), "building_id": sa.String(32),
                 "events": sa.Integer(), "minutes": sa.Integer()},
}
#: fields a warehouse may lack (mapped to ``null``)
OPTIONAL_FIELDS: dict[str, frozenset[str]] = {"users": frozenset({"active"})}
DEFAULT_TABLE_NAMES = {"users": "analytics_users", "logins": "analytics_logins", "activity": "analytics_activity"}
_KEYS = ("schema", "tables", "columns", "district")


def _name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"warehouse map: {what} must be a non-empty name, got {value!r}")
    return value.strip()


@dataclass(frozen=True)
class DistrictFilter:
    """Only rows whose ``column`` holds ``value`` (in every table) are the client's."""

    column: str
    value: str | int

    def __post_init__(self) -> None:
        _name(self.column, "district.column")
        if isinstance(self.value, bool) or not isinstance(self.value, (str, int)) or self.value == "":
            raise ConfigurationError(f"warehouse map: district.value must be a string or a whole number, "
                                     f"got {self.value!r}")


@dataclass(frozen=True)
class WarehouseMap:
    """Table names, column names and district filter of one client's analytics warehouse.

    Attributes:
        tables: ``users``/``logins``/``activity`` -> table name (all three, defaults filled in).
        columns: table -> field -> column name, only where it differs from the field's name
            (``None``: an optional field the warehouse lacks).
        district: the district filter, or ``None`` (every row is the client's).
        schema: the tables' schema, or ``None`` (the connection's default).
    """

    tables: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TABLE_NAMES))
    columns: dict[str, dict[str, str | None]] = field(default_factory=dict)
    district: DistrictFilter | None = None
    schema: str | None = None

    def __post_init__(self) -> None:
        unknown = sorted(set(self.tables) - set(FIELDS))
        if unknown or set(self.tables) != set(FIELDS):
            raise ConfigurationError(f"warehouse map: tables must be exactly {', '.join(FIELDS)}; "
                                     f"got {', '.join(sorted(self.tables)) or 'none'}")
        for table, name in self.tables.items():
            _name(name, f"tables.{table}")
        for table, cols in self.columns.items():
            if table not in FIELDS:
                raise ConfigurationError(f"warehouse map: columns: unknown table {table!r}; "
                                         f"the tables are {', '.join(FIELDS)}")
            for fld, col in cols.items():
                if fld not in FIELDS[table]:
                    raise ConfigurationError(f"warehouse map: columns.{table}: unknown field {fld!r}; "
                                             f"the fields are {', '.join(FIELDS[table])}")
                if col is None and fld not in OPTIONAL_FIELDS.get(table, ()):
                    raise ConfigurationError(f"warehouse map: columns.{table}.{fld} is required (only "
                                             f"{', '.join(f'{t}.{f}' for t, fs in OPTIONAL_FIELDS.items() for f in fs)}"
                                             " may be null)")
                if col is not None:
                    _name(col, f"columns.{table}.{fld}")
            names = [c for c in (self.column(table, f) for f in FIELDS[table]) if c]
            twice = sorted({c for c in names if names.count(c) > 1})
            if twice:
                raise ConfigurationError(f"warehouse map: columns.{table}: several fields read column(s) "
                                         f"{', '.join(map(repr, twice))}")
        if self.schema is not None:
            _name(self.schema, "schema")

    def column(self, table: str, fld: str) -> str | None:
        """The column holding ``fld`` of ``table`` (``None``: the warehouse lacks this optional field)."""
        if fld not in FIELDS[table]:
            raise ConfigurationError(f"warehouse map: {table} has no field {fld!r}")
        return self.columns.get(table, {}).get(fld, fld)

    def to_dict(self) -> dict[str, Any]:
        """Every table and column spelled out (what ``toolbelt warehouse show`` prints)."""
        return {
            "schema": self.schema,
            "tables": dict(self.tables),
            "columns": {t: {f: self.column(t, f) for f in FIELDS[t]} for t in FIELDS},
            "district": None if self.district is None else {"column": self.district.column,
                                                            "value": self.district.value},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WarehouseMap:
        """A map from its JSON object; what it leaves out keeps today's layout."""
        if not isinstance(data, Mapping):
            raise ConfigurationError("a warehouse map is a JSON object with 'tables', 'columns', 'district', 'schema'")
        unknown = sorted(set(data) - set(_KEYS))
        if unknown:
            raise ConfigurationError(f"warehouse map: unknown key(s) {', '.join(map(repr, unknown))}; "
                                     f"the keys are {', '.join(_KEYS)}")
        tables = data.get("tables") or {}
        columns = data.get("columns") or {}
        if not isinstance(tables, Mapping) or not isinstance(columns, Mapping):
            raise ConfigurationError("warehouse map: 'tables' and 'columns' must be JSON objects")
        wrong = sorted(set(tables) - set(FIELDS))
        if wrong:
            raise ConfigurationError(f"warehouse map: tables: unknown table {wrong[0]!r}; "
                                     f"the tables are {', '.join(FIELDS)}")
        for table, cols in columns.items():
            if not isinstance(cols, Mapping):
                raise ConfigurationError(f"warehouse map: columns.{table} must be a JSON object of field -> column")
        district = data.get("district")
        if district is not None and not isinstance(district, Mapping):
            raise ConfigurationError("warehouse map: district must be {\"column\": ..., \"value\": ...} or null")
        if district is not None and set(district) != {"column", "value"}:
            raise ConfigurationError("warehouse map: district needs exactly 'column' and 'value'")
        return cls(
            tables={**DEFAULT_TABLE_NAMES, **{str(k): v for k, v in tables.items()}},
            columns={str(t): {str(f): c for f, c in cols.items() if c != f} for t, cols in columns.items()},
            district=None if district is None else DistrictFilter(district["column"], district["value"]),
            schema=data.get("schema") or None,
        )

    @classmethod
    def parse(cls, value: Any) -> WarehouseMap:
        """A map from a job parameter: ``None``/empty (today's layout), a JSON object, its text, or a file's path."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return DEFAULT_WAREHOUSE
        if isinstance(value, WarehouseMap):
            return value
        if isinstance(value, Mapping):
            return cls.from_dict(value)
        return cls.from_dict(json_parameter(value, param="warehouse_map"))

    def bind(self) -> WarehouseTables:
        """SQLAlchemy tables for the queries: each column's key is its field, its name the warehouse's."""
        md = sa.MetaData(schema=self.schema)
        bound: dict[str, sa.Table] = {}
        for table, fields in FIELDS.items():
            cols = [sa.Column(name, type_, key=fld) for fld, type_ in fields.items()
                    if (name := self.column(table, fld)) is not None]
            if self.district is not None and self.district.column not in {c.name for c in cols}:
                cols.append(sa.Column(self.district.column, key="_district"))
            bound[table] = sa.Table(self.tables[table], md, *cols)
        return WarehouseTables(self, bound["users"], bound["logins"], bound["activity"])


DEFAULT_WAREHOUSE = WarehouseMap()


@dataclass(frozen=True)
class WarehouseTables:
    """A map's three tables, bound for querying; :meth:`where` gives a table's district condition."""

    map: WarehouseMap
    users: sa.Table
    logins: sa.Table
    activity: sa.Table

    def where(self, table: sa.Table) -> list[sa.ColumnElement[bool]]:
        """``[district column == value]`` for ``table``, or ``[]`` when the map has no district filter."""
        district = self.map.district
        if district is None:
            return []
        column = next(c for c in table.columns if c.name == district.column)
        return [column == sa.literal(district.value)]


def check_warehouse(target: Any, warehouse: WarehouseMap) -> list[str]:
    """What ``warehouse`` names that the database at ``target`` (URL, engine or profile) lacks.

    Returns:
        One sentence per missing table or column (empty: the map fits), each naming the
        table, the column and the field it was to hold, with the closest existing names.
    """
    from schoology_etl.io.sql_engine import connector_error, owned_engine, sql_url

    problems: list[str] = []
    schema = warehouse.schema
    where = f" in schema {schema!r}" if schema else ""
    try:
        with owned_engine(target) as engine:
            inspector = sa.inspect(engine)
            present = set(inspector.get_table_names(schema=schema)) | set(inspector.get_view_names(schema=schema))
            for table, fields in FIELDS.items():
                name = warehouse.tables[table]
                if name not in present:
                    problems.append(f"{table}: no table {name!r}{where}{_near(name, present)}")
                    continue
                reflected = {c["name"]: c["type"] for c in inspector.get_columns(name, schema=schema)}
                columns = set(reflected)
                district = warehouse.district
                if district is not None and district.column in reflected:
                    problem = _district_type_problem(district, reflected[district.column])
                    if problem:
                        problems.append(f"{table}: table {name!r}: {problem}")
                wanted = [(fld, warehouse.column(table, fld)) for fld in fields]
                if warehouse.district is not None:
                    wanted.append(("district filter", warehouse.district.column))
                for fld, col in wanted:
                    if col is not None and col not in columns:
                        problems.append(f"{table}: table {name!r} has no column {col!r} (for {fld})"
                                        f"{_near(col, columns)}")
    except sa.exc.SQLAlchemyError as exc:
        raise connector_error(exc, sql_url(target), what="inspection") from exc
    return problems


def _district_type_problem(district: DistrictFilter, column_type: Any) -> str | None:
    numeric = isinstance(column_type, sa.Integer)
    if numeric and not isinstance(district.value, int):
        return (f"the district column {district.column!r} holds numbers but the district value is the text "
                f"{district.value!r}")
    if not numeric and isinstance(district.value, int) and isinstance(column_type, sa.String):
        return (f"the district column {district.column!r} holds text but the district value is the number "
                f"{district.value}")
    return None


def fit_district_value(warehouse: WarehouseMap, column_type: Any) -> WarehouseMap:
    """``warehouse`` with its district value as the column's type holds it (``"7"`` -> ``7`` for a number column)."""
    district = warehouse.district
    if district is None:
        return warehouse
    value: str | int = district.value
    if isinstance(column_type, sa.Integer) and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    elif isinstance(column_type, sa.String) and isinstance(value, int):
        value = str(value)
    return replace(warehouse, district=DistrictFilter(district.column, value))


def district_column_type(target: Any, warehouse: WarehouseMap) -> Any:
    """The SQL type of the district column in the logins table (``None``: no filter, or no such column)."""
    from schoology_etl.io.sql_engine import owned_engine

    if warehouse.district is None:
        return None
    with owned_engine(target) as engine:
        try:
            cols = sa.inspect(engine).get_columns(warehouse.tables["logins"], schema=warehouse.schema)
        except sa.exc.NoSuchTableError:
            return None
    return next((c["type"] for c in cols if c["name"] == warehouse.district.column), None)


def require_warehouse(target: Any, warehouse: WarehouseMap) -> None:
    """Raise ConfigurationError naming every missing table and column of ``warehouse`` at ``target``."""
    problems = check_warehouse(target, warehouse)
    if problems:
        raise ConfigurationError("the warehouse map does not fit the analytics database: " + "; ".join(problems))


def _near(name: str, names: set[str]) -> str:
    close = difflib.get_close_matches(name, sorted(names), n=3, cutoff=0.8)
    folded = [n for n in names if n.lower() == name.lower() and n not in close]
    found = folded + close
    return f"; did you mean {', '.join(map(repr, found))}?" if found else ""


def job_warehouse(profile: Any, value: Any) -> WarehouseMap:
    """The map an analytics job reads ``profile``'s warehouse with.

    ``value`` is the job's ``warehouse_map`` parameter (empty: today's layout). The map's
    district value is taken as its column holds it, and the map is checked against the
    database, so a wrong map stops the job naming each missing table and column.

    Raises:
        ConfigurationError: the profile has no ``sql_url``, or the map does not fit.
    """
    if not getattr(profile, "sql_url", None):
        raise ConfigurationError(f"client {getattr(profile, 'name', '?')!r} has no analytics database (sql_url) "
                                 "in its profile")
    found = WarehouseMap.parse(value)
    found = fit_district_value(found, district_column_type(profile, found))
    require_warehouse(profile, found)
    return found
