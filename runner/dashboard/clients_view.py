"""The Clients view: add, edit and test client profiles. Secrets go into password fields and are never shown again."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as w

from runner import profiles

if TYPE_CHECKING:
    from runner.dashboard.app import DashboardApp


class ClientsView:
    def __init__(self, app: "DashboardApp") -> None:
        self.app = app
        self.table = w.VBox()
        self.table.add_class("tb-clients")
        self.name = w.Text(description="Name", placeholder="district-prod")
        self.base_url = w.Text(description="Base URL", placeholder="https://api.schoology.com/v1",
                               layout=w.Layout(width="460px"))
        self.key = w.Text(description="Key")
        self.secret = w.Password(description="Secret", placeholder="unchanged when editing")
        self.method = w.Dropdown(description="Signing", options=["HMAC-SHA1", "PLAINTEXT"])
        for widget, css in ((self.name, "tb-client-name"), (self.base_url, "tb-client-url"),
                            (self.key, "tb-client-key"), (self.secret, "tb-client-secret")):
            widget.add_class(css)
        save = w.Button(description="Save client", button_style="primary", icon="save")
        save.add_class("tb-client-save")
        save.on_click(lambda _b: self.save())
        self.message = w.HTML("")
        self.message.add_class("tb-client-message")
        form = w.VBox([w.HTML("<h4>Add or edit a client</h4>"), self.name, self.base_url, self.key, self.secret,
                       self.method, w.HBox([save, self.message])])
        self.widget = w.VBox([w.HTML("<h4>Clients</h4>"), self.table, form])
        self.refresh()

    def refresh(self) -> None:
        rows: list[w.Widget] = []
        for info in profiles.list_profiles():
            label = w.HTML(f"<b>{html.escape(info.name)}</b> {html.escape(info.base_url)} "
                           f"<code>{html.escape(info.key_hint)}</code> {html.escape(info.signature_method)}",
                           layout=w.Layout(width="560px"))
            test = w.Button(description="Test", layout=w.Layout(width="70px"))
            edit = w.Button(description="Edit", layout=w.Layout(width="70px"))
            result = w.HTML("")
            test.on_click(lambda _b, name=info.name, out=result: self.test(name, out))
            edit.on_click(lambda _b, i=info: self.edit(i))
            test.add_class(f"tb-client-test-{info.name}")
            rows.append(w.HBox([label, test, edit, result]))
        self.table.children = rows or [w.HTML("<i class='tb-empty'>No clients yet.</i>")]
        self.app.clients_changed()

    def edit(self, info: profiles.ProfileInfo) -> None:
        self.name.value, self.base_url.value, self.method.value = info.name, info.base_url, info.signature_method
        self.key.value = ""
        self.secret.value = ""
        self.message.value = "Leave key and secret empty to keep the stored ones."

    def save(self) -> None:
        name, secret = self.name.value.strip(), self.secret.value
        try:
            existing = {p.name for p in profiles.list_profiles()}
            if name in existing:
                changes = {"base_url": self.base_url.value.strip(), "signature_method": self.method.value}
                if self.key.value.strip():
                    changes["key"] = self.key.value.strip()
                if secret:
                    changes["secret"] = secret
                profiles.update_profile(name, **changes)
            else:
                profiles.add_profile(name, base_url=self.base_url.value.strip(), key=self.key.value.strip(),
                                     secret=secret, signature_method=self.method.value)
        except Exception as exc:
            self.message.value = f'<span class="tb-error">{html.escape(str(exc))}</span>'
            return
        finally:
            self.secret.value = ""  # never kept in the page
        self.message.value = f"Saved {html.escape(name)}."
        self.refresh()

    def test(self, name: str, out: w.HTML) -> None:
        result = profiles.test_profile(name)
        css = "tb-ok" if result.ok else "tb-error"
        out.value = f'<span class="{css}">{html.escape(result.message)}</span>'
