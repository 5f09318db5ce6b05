"""The Clients view: add, edit and test client profiles. Secrets go into password fields and are never shown again."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as w

from runner import client_admin, profile_store
from runner.dashboard.widgets import error_html, ok_html
from runner.roles import ADMIN, has_role
from schoology_etl.ratelimit import DEFAULT_RATE, DEFAULT_WINDOW

if TYPE_CHECKING:
    from runner.dashboard.app import DashboardApp


class ClientsView:
    def __init__(self, app: DashboardApp) -> None:
        self.app = app
        self._rows: dict[str, w.HBox] = {}
        self.table = w.VBox()
        self.table.add_class("tb-clients")
        self.name = w.Text(description="Name", placeholder="district-prod")
        self.base_url = w.Text(description="Base URL", placeholder="https://api.schoology.com/v1",
                               layout=w.Layout(width="460px"))
        self.key = w.Text(description="Key")
        self.secret = w.Password(description="Secret", placeholder="unchanged when editing")
        self.method = w.Dropdown(description="Signing", options=["HMAC-SHA1", "PLAINTEXT"])
        self.rate_limit = w.BoundedIntText(description="Budget", value=DEFAULT_RATE, min=1, max=100_000,
                                           tooltip="The key's budget: requests allowed per window")
        self.rate_window = w.BoundedFloatText(description="per (s)", value=DEFAULT_WINDOW, min=0.1, max=86_400,
                                              tooltip="The budget's window, in seconds")
        self.rate_limit.add_class("tb-client-rate-limit")
        self.rate_window.add_class("tb-client-rate-window")
        for widget, css in ((self.name, "tb-client-name"), (self.base_url, "tb-client-url"),
                            (self.key, "tb-client-key"), (self.secret, "tb-client-secret")):
            widget.add_class(css)
        save = w.Button(description="Save client", button_style="primary", icon="save")
        save.add_class("tb-client-save")
        save.on_click(lambda _b: self.save())
        self.message = w.HTML("")
        self.message.add_class("tb-client-message")
        form = w.VBox([w.HTML("<h4>Add or edit a client</h4>"), self.name, self.base_url, self.key, self.secret,
                       self.method, w.HBox([self.rate_limit, self.rate_window]), w.HBox([save, self.message])])
        self.is_admin = has_role(app.user, ADMIN)
        if not self.is_admin:
            form = w.HTML("<i class='tb-clients-readonly'>Only an admin may add, edit or test clients.</i>")
        self.widget = w.VBox([w.HTML("<h4>Clients</h4>"), self.table, form])
        self.refresh()

    def refresh(self) -> None:
        """Redraw the list; rows of clients already shown are kept (a click in flight still lands)."""
        rows: list[w.Widget] = []
        infos = profile_store.list_profiles()
        for info in infos:
            row = self._rows.get(info.name)
            if row is None:
                row = self._rows[info.name] = self._row(info)
            label = (f"<b>{html.escape(info.name)}</b> {html.escape(info.base_url)} "
                     f"<code>{html.escape(info.key_hint)}</code> {html.escape(info.signature_method)} "
                     f"<span class='tb-client-budget'>{html.escape(info.budget)}</span>")
            if row.children[0].value != label:
                row.children[0].value = label
            rows.append(row)
        for gone in set(self._rows) - {i.name for i in infos}:
            del self._rows[gone]
        self.table.children = rows or [w.HTML("<i class='tb-empty'>No clients yet.</i>")]
        self.app.clients_changed()

    def _row(self, info: profile_store.ProfileInfo) -> w.HBox:
        label = w.HTML("", layout=w.Layout(width="560px"))
        test = w.Button(description="Test", layout=w.Layout(width="70px"), tooltip="One signed request to the API")
        edit = w.Button(description="Edit", layout=w.Layout(width="70px"))
        result = w.HTML("")
        test.on_click(lambda _b, name=info.name, out=result: self.test(name, out))
        edit.on_click(lambda _b, name=info.name: self.edit(name))
        test.add_class(f"tb-client-test-{info.name}")
        edit.add_class(f"tb-client-edit-{info.name}")
        result.add_class(f"tb-client-result-{info.name}")
        if not has_role(self.app.user, ADMIN):
            return w.HBox([label, result])
        return w.HBox([label, test, edit, result])

    def edit(self, name: str) -> None:
        """Fill the form with the stored client ``name``; its key and secret stay empty (never sent to the page)."""
        info = next((p for p in profile_store.list_profiles() if p.name == name), None)
        if info is None:
            self.message.value = error_html(f"no client {name!r} any more")
            return
        self.name.value, self.base_url.value, self.method.value = info.name, info.base_url, info.signature_method
        self.rate_limit.value, self.rate_window.value = info.rate_limit, info.rate_window
        self.key.value = ""
        self.secret.value = ""
        self.message.value = (f"Editing {html.escape(name)}: leave key and secret empty to keep the stored ones; "
                              "changing the base URL, key or signing needs the secret entered again.")

    def save(self) -> None:
        name, secret = self.name.value.strip(), self.secret.value
        try:
            existing = {p.name for p in profile_store.list_profiles()}
            if name in existing:
                changes = {"base_url": self.base_url.value.strip(), "signature_method": self.method.value,
                           "rate_limit": self.rate_limit.value, "rate_window": self.rate_window.value}
                if self.key.value.strip():
                    changes["key"] = self.key.value.strip()
                if secret:
                    changes["secret"] = secret
                client_admin.update_client(self.app.user, name, **changes)
            else:
                client_admin.add_client(self.app.user, name, base_url=self.base_url.value.strip(),
                                        key=self.key.value.strip(), secret=secret, signature_method=self.method.value,
                                        rate_limit=self.rate_limit.value, rate_window=self.rate_window.value)
        except Exception as exc:  # noqa: BLE001 - the store's own message names the problem
            self.message.value = error_html(str(exc))
            return
        finally:
            self.secret.value = ""  # never kept in the page
        self.refresh()
        for field in (self.name, self.base_url, self.key):
            field.value = ""
        self.rate_limit.value, self.rate_window.value = DEFAULT_RATE, DEFAULT_WINDOW
        self.message.value = ok_html(f"Saved {name}.")

    def test(self, name: str, out: w.HTML) -> None:
        """One signed request with the stored credentials; the outcome beside the client."""
        out.value = "<i>testing…</i>"
        try:
            result = client_admin.test_client(self.app.user, name)
        except Exception as exc:  # noqa: BLE001 - e.g. the secret cannot be decrypted: said, not raised
            out.value = error_html(f"{type(exc).__name__}: {exc}")
            return
        out.value = ok_html(result.message) if result.ok else error_html(result.message)
