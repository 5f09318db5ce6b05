"""The column map editor, next to a job's file upload: which column is which, values that do
not map, a preview of the first rows mapped, and Save for this client.

Opened when a file is uploaded to a field that declares a ``layout``. It starts from the
map saved for the client and job, else one suggested from the header
(:func:`schoology_etl.provisioning.sis.layouts.suggest_map`); each edit re-checks the whole
file (:func:`~schoology_etl.provisioning.sis.layouts.check_map`) and writes the map into the
form's ``column_map`` field, so the run uses what is shown even before it is saved.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w

from runner.dashboard.widgets import error_html, ok_html
from schoology_etl.provisioning import lookups
from schoology_etl.provisioning.sis import sis_specs as sis
from schoology_etl.provisioning.sis.layouts import ColumnMap, check_map, suggest_map

NOT_USED = "(not used)"
#: Columns whose unmapped values are chosen from the client's own lists.
CHOICE_COLUMNS = {"role": "roles", "building_code": "buildings", "additional_building_codes": "buildings"}


class MapContext:
    """What the editor needs from the dashboard: the client's lists, the saved map, saving."""

    def __init__(self, *, client: Callable[[], str | None], job_id: str, user: str,
                 load_records: Callable[[str, str], list[dict[str, Any]]]) -> None:
        self.client, self.job_id, self.user, self._load = client, job_id, user, load_records

    def lookups(self) -> tuple[Any, Any]:
        """Role and building lookups of the selected client (building roles included)."""
        name = self.client()
        if not name:
            return None, None
        roles = lookups.role_lookup(self._load(name, "roles"))
        buildings = lookups.building_lookup(self._load(name, "buildings"))
        return roles, buildings

    def saved(self) -> dict[str, Any] | None:
        from runner.column_maps import get_map

        name = self.client()
        return get_map(name, self.job_id) if name else None

    def save(self, column_map: ColumnMap) -> None:
        from runner.column_maps import save_map

        name = self.client()
        if not name:
            raise ValueError("choose a client first (top right)")
        save_map(name, self.job_id, column_map.to_dict(), self.user)


class MapEditor:
    """The editor for one file field; ``open(path)`` after an upload."""

    def __init__(self, kind: str, context: MapContext, target: w.Widget) -> None:
        self.kind, self.context, self.target = kind, context, target
        self.spec = sis.spec_for(kind)
        self.path: Path | None = None
        self.map: ColumnMap | None = None
        self.roles = self.buildings = None
        self.title = w.HTML("")
        self.columns = w.VBox([])
        self.columns.add_class("tb-map-columns")
        self.values = w.VBox([])
        self.values.add_class("tb-map-values")
        self.preview = w.HTML("")
        self.preview.add_class("tb-map-preview")
        self.save_button = w.Button(description="Save map for this client", icon="save")
        self.save_button.add_class("tb-map-save")
        self.save_button.on_click(lambda _b: self.save())
        self.message = w.HTML("")
        self.message.add_class("tb-map-message")
        self.widget = w.VBox([self.title, self.columns, self.values, self.preview,
                              w.HBox([self.save_button, self.message])])
        self.widget.add_class("tb-map-editor")
        self.widget.layout.display = "none"
        self._building = False

    def open(self, path: Path) -> None:
        """Start editing the map of the uploaded file at ``path``."""
        from schoology_etl.io.tables import read_table

        self.path = path
        self.message.value = ""
        try:
            header = list(read_table(path).columns)
            self.roles, self.buildings = self.context.lookups()
            saved = self.context.saved()
            saved_map = ColumnMap.from_dict(saved, kind=self.kind) if saved else None
        except Exception as exc:  # noqa: BLE001 - shown in the editor; the form still works
            self.title.value = error_html(f"cannot map {path.name}: {exc}")
            self.widget.layout.display = None
            return
        self.map = suggest_map(header, self.kind, saved=saved_map)
        origin = "the map saved for this client" if saved_map else "names in the header"
        self.title.value = (f'<div class="tb-map-title"><b>Column map</b> for {html.escape(path.name)} '
                            f"(from {origin}): which column is which, and values that map to nothing.</div>")
        self._draw_columns(header)
        self.widget.layout.display = None
        self.refresh()

    def _draw_columns(self, header: list[str]) -> None:
        options = [NOT_USED, *self.spec.columns]
        rows = []
        for i, head in enumerate(header):
            dropdown = w.Dropdown(options=options, value=self.map.columns.get(head, NOT_USED) if self.map else NOT_USED,
                                  description=head, style={"description_width": "180px"},
                                  layout=w.Layout(width="420px"))
            dropdown.add_class("tb-map-column")
            dropdown.add_class(f"tb-map-column-{i}")
            dropdown.observe(lambda c, h=head: self._set_column(h, c["new"]), names="value")
            rows.append(dropdown)
        self.columns.children = rows

    def _set_column(self, head: str, target: str) -> None:
        if self.map is None or self._building:
            return
        columns = {h: t for h, t in self.map.columns.items() if h != head and t != target}
        if target != NOT_USED:
            columns[head] = target
        self.map = ColumnMap(self.kind, columns, self.map.values)
        self.refresh()

    def _set_value(self, column: str, value: str, target: str) -> None:
        if self.map is None or self._building or not target:
            return
        values = {c: dict(m) for c, m in self.map.values.items()}
        values.setdefault(column, {})[value] = target
        self.map = ColumnMap(self.kind, self.map.columns, values)
        self.refresh()

    def _value_options(self, column: str) -> list[str]:
        lookup = {"roles": self.roles, "buildings": self.buildings}.get(CHOICE_COLUMNS.get(column, ""))
        if column == "role" and self.kind == "enrollments":
            return ["", "teacher", "student"]
        return ["", *lookup.names] if lookup is not None else []

    def refresh(self) -> None:
        """Check the map on the whole file; show what does not map and the first rows; fill the form field."""
        if self.map is None or self.path is None:
            return
        check = check_map(self.path, self.map, roles=self.roles, buildings=self.buildings)
        self._building = True
        try:
            rows = []
            for column, values in check.unmapped_values.items():
                for value in values:
                    options = self._value_options(column)
                    if options:
                        pick = w.Dropdown(options=options, value="", description=f"{column}: {value}",
                                          style={"description_width": "220px"}, layout=w.Layout(width="520px"))
                    else:
                        pick = w.Text(value="", description=f"{column}: {value}", continuous_update=False,
                                      style={"description_width": "220px"}, layout=w.Layout(width="520px"))
                    pick.add_class("tb-map-value")
                    pick.observe(lambda c, col=column, v=value: self._set_value(col, v, c["new"]), names="value")
                    rows.append(pick)
            heading = w.HTML("<b>Values that map to nothing</b> (choose what each one is):" if rows else "")
            self.values.children = [heading, *rows]
        finally:
            self._building = False
        problems = "".join(f"<li>{html.escape(p)}</li>" for p in check.problems())
        head = "".join(f"<th>{html.escape(c)}</th>" for c in (check.rows[0] if check.rows else {}))
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r.values()) + "</tr>"
                       for r in check.rows)
        status = ok_html(f"Every column and value maps ({check.total} rows).") if check.ok else \
            f'<ul class="tb-map-problems">{problems}</ul>'
        self.preview.value = (f"{status}<div class='tb-preview-title'>First rows as the job reads them "
                              f"({html.escape(check.encoding or '')}):</div>"
                              f'<table class="tb-preview"><tr>{head}</tr>{body}</table>')
        self.target.value = self.map.to_json()

    def save(self) -> None:
        if self.map is None:
            return
        try:
            self.context.save(self.map)
        except Exception as exc:  # noqa: BLE001 - shown beside the button
            self.message.value = error_html(str(exc))
            return
        self.message.value = ok_html("Saved: next month's file from this client needs nothing.")
