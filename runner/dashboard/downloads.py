"""Download links for the browser: files embedded as data URIs, notebooks rendered to HTML.

Voila serves no files of ours, so a download is a link carrying its bytes. Files above
``MAX_BYTES`` are named with their path instead, so a huge artifact never freezes a page.
"""

from __future__ import annotations

import base64
import html
import mimetypes
from pathlib import Path

MAX_BYTES = 25 * 1024 * 1024


def data_link(name: str, payload: bytes, mime: str | None = None, *, css: str = "tb-download") -> str:
    """An ``<a download>`` whose href carries ``payload``."""
    mime = mime or mimetypes.guess_type(name)[0] or "application/octet-stream"
    b64 = base64.b64encode(payload).decode("ascii")
    safe = html.escape(name, quote=True)
    return f'<a class="{css}" download="{safe}" href="data:{mime};base64,{b64}">{html.escape(name)}</a>'


def file_link(path: str | Path, *, name: str | None = None) -> str:
    """A download link for a file, or a note saying why there is none."""
    p = Path(path)
    label = name or p.name
    try:
        size = p.stat().st_size
    except OSError:
        return f'<span class="tb-missing">{html.escape(label)} (missing)</span>'
    if size > MAX_BYTES:
        return (f'<span class="tb-too-big">{html.escape(label)} ({size // (1024 * 1024)} MB, '
                f'at {html.escape(str(p))})</span>')
    return data_link(label, p.read_bytes())


def notebook_html_link(path: str | Path, *, name: str | None = None) -> str:
    """The output notebook rendered to HTML (nbconvert), as a download link named ``name``."""
    from nbconvert import HTMLExporter

    p = Path(path)
    if not p.exists():
        return '<span class="tb-missing">output notebook (not written yet)</span>'
    body, _ = HTMLExporter().from_filename(str(p))
    return data_link(name or p.stem + ".html", body.encode("utf-8"), "text/html")


def run_downloads_html(run: dict) -> str:
    """The downloads of a finished run: its output notebook as HTML and each artifact ("" when none)."""
    links = []
    if run.get("output_path"):
        try:
            links.append(notebook_html_link(run["output_path"], name=f"run-{run['id']}-{run['job']}.html"))
        except Exception as exc:  # noqa: BLE001 - a notebook nbconvert cannot render still leaves the artifacts
            links.append(f'<span class="tb-missing">output notebook (cannot render: {html.escape(str(exc))})</span>')
    links += [file_link(a["path"], name=a["name"]) for a in run.get("artifacts", [])]
    if not links:
        return ""
    return '<h4>Downloads</h4><div class="tb-download-list">' + " ".join(links) + "</div>"
