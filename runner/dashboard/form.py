"""A form generated from a job header: one widget per field, errors shown beside each.

Validation is :func:`runner.params.validate_params`, the same the CLI uses; the form only
collects raw values and shows what the validator says.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import ipywidgets as w

from runner.header import FieldSpec, JobHeader
from runner.params import CLIENT_DATA_TYPES, ParamsInvalid, validate_params

ChoiceLoader = Callable[[str], list[tuple[str, str]]]  # field type -> [(label, value)]

_LAYOUT = w.Layout(width="100%", max_width="460px")
_PREVIEW_ROWS = 5


_STYLE = {"description_width": "200px"}


def _label(spec: FieldSpec) -> w.HTML:
    star = ' <span class="tb-required" title="required">*</span>' if spec.required else ""
    return w.HTML(f"<b>{html.escape(spec.label)}</b>{star}", layout=w.Layout(width="200px"))


def _description(spec: FieldSpec) -> str:
    """The field's label, on the input itself (a ``<label>`` tied to it: screen readers name the field)."""
    return f"{html.escape(spec.label)}{' *' if spec.required else ''}"


def constraint_hint(spec: FieldSpec) -> str:
    """The field's limits in words (``"From 1 to 12."``), so a value can be right the first time."""
    units = {"int": "", "float": "", "date": "", "string": " characters", "text": " characters"}
    what = units.get(spec.type, " chosen")
    if spec.min is not None and spec.max is not None:
        text = f"From {spec.min} to {spec.max}{what}."
    elif spec.min is not None:
        text = f"At least {spec.min}{what}."
    elif spec.max is not None:
        text = f"At most {spec.max}{what}."
    else:
        text = ""
    if spec.pattern:
        text += f" Must match {spec.pattern}."
    return text.strip()


def csv_preview_html(path: Path, rows: int = _PREVIEW_ROWS) -> str:
    """The first ``rows`` rows of a CSV (any encoding) or XLSX file as a small HTML table (or why it cannot be read)."""
    from schoology_etl.errors import SchoologyETLError
    from schoology_etl.io.tables import read_table

    try:
        source = read_table(path)
        header = list(source.columns)
        body = [list(r.values()) for r in source.head(rows)]
    except (OSError, UnicodeDecodeError, csv.Error, SchoologyETLError) as exc:
        return f'<span class="tb-error">cannot read {html.escape(path.name)}: {html.escape(str(exc))}</span>'
    if not header:
        return f'<span class="tb-error">{html.escape(path.name)} is empty</span>'
    head = "".join(f"<th>{html.escape(c)}</th>" for c in header)
    trs = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in body)
    return f'<table class="tb-preview"><thead><tr>{head}</tr></thead><tbody>{trs}</tbody></table>'


class FieldWidget:
    """One header field: its input widget, help and error line."""

    def __init__(self, spec: FieldSpec, *, upload_dir: Path, load_choices: ChoiceLoader | None) -> None:
        self.spec = spec
        self.upload_dir = upload_dir
        self.uploaded_path: Path | None = None
        self.on_uploaded: Callable[[Path], None] | None = None  # e.g. the column map editor
        self.error = w.HTML("", layout=w.Layout(margin="0 0 0 200px"))
        self.error.add_class("tb-field-error")
        self.preview = w.HTML("")
        self.input = self._make_input(load_choices)
        self.input.add_class(f"tb-field-{spec.name}")
        self.input.observe(lambda _change: self.show_error(None), names="value")
        hint = " ".join(part for part in (spec.help, constraint_hint(spec)) if part)
        help_html = w.HTML(f'<span class="tb-help">{html.escape(hint)}</span>')
        row = [_label(spec), self.input, help_html] if spec.type == "file" else [self.input, help_html]
        self.box = w.VBox(
            [w.HBox(row), self.preview, self.error],
            layout=w.Layout(margin="4px 0"),
        )
        self.box.add_class("tb-field")
        self.box.add_class(f"tb-fieldbox-{spec.name}")

    def _make_input(self, load_choices: ChoiceLoader | None) -> w.Widget:
        spec, default = self.spec, self.spec.default
        kind = spec.type
        named = {"description": _description(spec), "style": _STYLE}
        if kind == "bool":
            return w.Checkbox(value=bool(default), indent=True, **named)
        if kind == "text":
            return w.Textarea(value="" if default is None else str(default), layout=_LAYOUT, **named)
        if kind == "date":
            value = dt.date.fromisoformat(default) if isinstance(default, str) and default else None
            return w.DatePicker(value=value, **named)
        if kind == "choice":
            choices = [("", None)] if not spec.required else []
            choices += [(str(c), c) for c in spec.choices or ()]
            return w.Dropdown(options=choices, value=default if default is not None else choices[0][1], layout=_LAYOUT,
                              **named)
        if kind == "multichoice" or kind in CLIENT_DATA_TYPES:
            options: list[tuple[str, Any]]
            if kind in CLIENT_DATA_TYPES:
                options = self._client_choices(kind, load_choices)
            else:
                options = [(str(c), c) for c in spec.choices or ()]
            values = {v for _, v in options}
            chosen = tuple(v for v in (default or ()) if v in values)
            return w.SelectMultiple(options=options, value=chosen, rows=min(6, max(2, len(options))), layout=_LAYOUT,
                                    **named)
        if kind == "file":
            upload = w.FileUpload(accept=".csv,.xlsx,text/csv", multiple=False, description=f"Upload {spec.label}")
            upload.observe(self._on_upload, names="value")
            return upload
        # string, int, float: free text, so a bad value reaches the validator and is explained
        return w.Text(value="" if default is None else str(default), layout=_LAYOUT, **named)

    def _client_choices(self, kind: str, load_choices: ChoiceLoader | None) -> list[tuple[str, Any]]:
        """The client's own ``kind`` (buildings, roles...), or none with the reason shown under the field."""
        if load_choices is None:
            return []
        try:
            options = load_choices(kind)
        except Exception as exc:  # noqa: BLE001 - the form still opens; the field says why it is empty
            self.preview.value = (f'<span class="tb-error">could not load the client\'s {html.escape(kind)}: '
                                  f"{html.escape(str(exc))}</span>")
            return []
        if not options:
            self.preview.value = f'<span class="tb-help">the client has no {html.escape(kind)}</span>'
        return options

    def _on_upload(self, change: Mapping[str, Any]) -> None:
        files = change["new"]
        if not files:
            return
        item = files[0]
        name = Path(item["name"]).name or "upload.csv"
        target = self.upload_dir / uuid.uuid4().hex[:12] / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(bytes(item["content"]))
        self.uploaded_path = target
        title = f"<div class='tb-preview-title'>{html.escape(name)}: first rows</div>"
        self.preview.value = title + csv_preview_html(target)
        if self.on_uploaded is not None:
            self.on_uploaded(target)

    def raw_value(self) -> Any:
        """The value as typed, or None when left empty (the validator applies defaults)."""
        kind = self.spec.type
        value = self.input.value
        if kind == "file":
            return str(self.uploaded_path) if self.uploaded_path else None
        if kind == "date":
            return value.isoformat() if value else None
        if kind == "multichoice" or kind in CLIENT_DATA_TYPES:
            return list(value) if value else None
        if kind in ("string", "int", "float", "text"):
            return value if str(value).strip() != "" else None
        return value

    def show_error(self, message: str | None) -> None:
        """Show ``message`` under the field (None clears it); assigned only when it changes."""
        value = f'<span class="tb-error">{html.escape(message)}</span>' if message else ""
        if self.error.value != value:
            self.error.value = value


class JobForm:
    """The generated form for one job; ``validate()`` returns params or shows errors and returns None."""

    def __init__(
        self,
        job_id: str,
        header: JobHeader,
        *,
        upload_dir: Path,
        load_choices: ChoiceLoader | None = None,
        map_context: Any = None,
    ) -> None:
        self.job_id = job_id
        self.header = header
        self.fields = {
            name: FieldWidget(spec, upload_dir=upload_dir, load_choices=load_choices)
            for name, spec in header.params.items()
        }
        self.summary = w.HTML("")
        self.summary.add_class("tb-form-summary")
        boxes = [f.box for f in self.fields.values()]
        self.map_editor = None
        files = [(f, layout) for f in self.fields.values() if f.spec.type == "file" and (layout := f.spec.layout)]
        if files and "column_map" in self.fields and map_context is not None:
            from runner.dashboard.map_editor import MapEditor

            upload, layout = files[0]
            self.map_editor = MapEditor(layout, map_context, self.fields["column_map"].input)
            upload.on_uploaded = self.map_editor.open
            boxes.insert(boxes.index(upload.box) + 1, self.map_editor.widget)  # next to the upload
        self.box = w.VBox(boxes + [self.summary])
        self.box.add_class("tb-form")

    def raw_values(self) -> dict[str, Any]:
        return {name: f.raw_value() for name, f in self.fields.items() if f.raw_value() is not None}

    def validate(self) -> dict[str, Any] | None:
        """The validated params, or None after showing each problem beside its field."""
        try:
            params = validate_params(self.header, self.raw_values())
        except ParamsInvalid as exc:
            self.show_errors(exc.errors)
            return None
        self.show_errors({})
        return params

    def show_errors(self, errors: Mapping[str, str]) -> None:
        """Show ``errors`` (field name -> message) beside their fields and clear the others."""
        for name, field in self.fields.items():
            field.show_error(errors.get(name))
        unplaced = [f"{name}: {msg}" for name, msg in errors.items() if name not in self.fields]
        if not errors:
            self.summary.value = ""
            return
        count = len(errors)
        text = f"{count} field{'s' if count > 1 else ''} to fix before running."
        self.summary.value = f'<span class="tb-error">{html.escape(" ".join([text, *unplaced]))}</span>'

