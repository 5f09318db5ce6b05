"""``toolbelt warehouse``: a client's analytics warehouse map (tables, columns, district filter)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from runner.cli.runs import _clear_errors, _echo_json

TABLES = ("users", "logins", "activity")


@click.group("warehouse")
def warehouse() -> None:
    """Show, set, check and remove the warehouse map every analytics job of a client uses."""


@warehouse.command("show")
@click.option("--client", "-c", required=True)
def show(client: str) -> None:
    """The client's map as JSON, every table and column spelled out (today's layout when none is saved)."""
    from runner.warehouse_maps import get_warehouse_map
    from schoology_etl.provisioning.analytics.warehouse import DEFAULT_WAREHOUSE

    with _clear_errors():
        saved = get_warehouse_map(client)
    if saved is None:
        click.echo(f"no warehouse map saved for client {client!r}: its analytics jobs use today's layout", err=True)
    _echo_json((saved or DEFAULT_WAREHOUSE).to_dict())


def _pair(value: str, option: str) -> tuple[str, str]:
    name, sep, target = value.partition("=")
    if not sep or not name.strip() or not target.strip():
        raise click.UsageError(f"{option} takes NAME=VALUE, got {value!r}")
    return name.strip(), target.strip()


def _changed(base: dict[str, Any], schema: str | None, tables: tuple[str, ...], columns: tuple[str, ...],
             district: str | None, no_district: bool, no_schema: bool) -> dict[str, Any]:
    data = {**base, "tables": dict(base["tables"]), "columns": {t: dict(c) for t, c in base["columns"].items()}}
    if schema is not None:
        data["schema"] = schema
    if no_schema:
        data["schema"] = None
    for item in tables:
        table, name = _pair(item, "--table")
        data["tables"][table] = name
    for item in columns:
        where, name = _pair(item, "--column")
        table, dot, fld = where.partition(".")
        if not dot:
            raise click.UsageError(f"--column takes TABLE.FIELD=COLUMN (e.g. logins.ts=signed_in_at), got {item!r}")
        data["columns"].setdefault(table, {})[fld] = None if name.lower() == "null" else name
    if district is not None:
        column, value = _pair(district, "--district")
        data["district"] = {"column": column, "value": value}
    if no_district:
        data["district"] = None
    return data


@warehouse.command("set")
@click.argument("map_file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--client", "-c", required=True)
@click.option("--schema", help="The tables' schema.")
@click.option("--no-schema", is_flag=True, help="Use the connection's default schema.")
@click.option("--table", "tables", multiple=True, metavar="TABLE=NAME",
              help="A table's name: users, logins or activity (repeatable).")
@click.option("--column", "columns", multiple=True, metavar="TABLE.FIELD=COLUMN",
              help="The column holding a field, e.g. logins.ts=signed_in_at; users.active=null when "
                   "there is none (repeatable).")
@click.option("--district", metavar="COLUMN=VALUE", help="Only rows whose COLUMN holds VALUE, in every table.")
@click.option("--no-district", is_flag=True, help="Drop the district filter.")
@click.option("--no-check", is_flag=True, help="Save without checking the map against the analytics database.")
def set_(map_file: Path | None, client: str, schema: str | None, no_schema: bool, tables: tuple[str, ...],
         columns: tuple[str, ...], district: str | None, no_district: bool, no_check: bool) -> None:
    """Save the client's map (admin only): MAP_FILE (JSON) and/or changes to the saved map.

    What is not given stays as saved (or as today's layout). The map is checked against the
    client's analytics database first; nothing is saved when a table or column is missing.
    """
    from runner.cli.whoami import cli_user
    from runner.warehouse_maps import save_warehouse_map, warehouse_map_for
    from schoology_etl.provisioning.analytics.warehouse import WarehouseMap

    if not (map_file or schema or no_schema or tables or columns or district or no_district):
        raise click.UsageError("nothing to set: give MAP_FILE, --table, --column, --schema or --district")
    with _clear_errors():
        base = (WarehouseMap.parse(str(map_file)) if map_file else warehouse_map_for(client)).to_dict()
        wanted = _changed(base, schema, tables, columns, district, no_district, no_schema)
        saved = save_warehouse_map(client, wanted, cli_user(), check=not no_check)
    click.echo(f"saved the warehouse map of {client}" + (" (not checked)" if no_check else " (checked)"))
    _echo_json(saved.to_dict())


@warehouse.command("check")
@click.option("--client", "-c", required=True)
@click.argument("map_file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check(client: str, map_file: Path | None) -> None:
    """Check the client's map (or MAP_FILE) against its analytics database; exit 1 naming what is missing."""
    from runner.warehouse_maps import check_client_warehouse
    from schoology_etl.provisioning.analytics.warehouse import WarehouseMap

    with _clear_errors():
        problems = check_client_warehouse(client, WarehouseMap.parse(str(map_file)) if map_file else None)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise click.ClickException(f"the warehouse map of {client} does not fit its analytics database "
                                   f"({len(problems)} problem(s))")
    click.echo(f"the warehouse map of {client} fits its analytics database")


@warehouse.command("remove")
@click.option("--client", "-c", required=True)
def remove(client: str) -> None:
    """Forget the client's map (admin only): its analytics jobs go back to today's layout."""
    from runner.cli.whoami import cli_user
    from runner.warehouse_maps import remove_warehouse_map

    with _clear_errors():
        gone = remove_warehouse_map(client, cli_user())
    click.echo("removed" if gone else f"no warehouse map saved for client {client!r}")
