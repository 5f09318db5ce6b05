"""Remove known secret values from text, kernel messages, notebooks and files.

Wraps :func:`runner.secrets.mask` (which also catches common encodings of a value)
around one fixed set of values for the whole run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from runner.secrets import MASK, encodings_of, mask

MAX_SCRUBBED_FILE_BYTES = 256 * 1024 * 1024


class Scrubber:
    """Masks one run's known secret values wherever they appear."""

    def __init__(self, values: Iterable[str]) -> None:
        self.values = frozenset(v for v in values if v)

    def text(self, text: str) -> str:
        """``text`` with every known value replaced by ``********``."""
        return mask(text, self.values) if self.values else text

    def value(self, value: Any) -> Any:
        """A JSON-like value (str, list, dict) scrubbed recursively; returns a new value."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value

    def message_content(self, content: dict[str, Any]) -> None:
        """Scrub a kernel iopub message's content in place (before nbclient stores it)."""
        for key in ("text", "data", "evalue", "traceback"):
            if key in content:
                content[key] = self.value(content[key])

    def notebook(self, nb: Any) -> Any:
        """Scrub every cell source, output and the papermill metadata of ``nb`` in place.

        Consecutive stream outputs of one name are joined first (as Jupyter shows them),
        so a value the kernel sent in two messages is masked as a whole.
        """
        for cell in nb.cells:
            cell.source = self.text(cell.source)
            if "outputs" in cell:
                cell.outputs = join_streams(cell.outputs)
            for output in cell.get("outputs", []):
                for key in ("text", "data", "evalue", "traceback"):
                    if key in output:
                        output[key] = self.value(output[key])
        meta = nb.metadata.get("papermill")
        if meta is not None and "parameters" in meta:
            meta["parameters"] = self.value(meta["parameters"])
        return nb

    def file(self, path: Path) -> bool:
        """Rewrite ``path`` without any known value; True when something was masked."""
        if not self.values or path.stat().st_size > MAX_SCRUBBED_FILE_BYTES:
            return False
        data = path.read_bytes()
        forms = sorted({f for v in self.values for f in encodings_of(v)}, key=len, reverse=True)
        cleaned = data
        for form in forms:
            cleaned = cleaned.replace(form.encode("utf-8"), MASK.encode())
        if cleaned == data:
            return False
        path.write_bytes(cleaned)
        return True


def join_streams(outputs: list[Any]) -> list[Any]:
    """``outputs`` with each run of consecutive stream outputs of one name joined into one."""
    joined: list[Any] = []
    for output in outputs:
        last = joined[-1] if joined else None
        if (last is not None and output.get("output_type") == "stream" == last.get("output_type")
                and output.get("name") == last.get("name")):
            text = output.get("text", "")
            last["text"] = _text(last.get("text", "")) + _text(text)
            continue
        joined.append(output)
    return joined


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def known_secrets(client: str) -> set[str]:
    """Every value to mask: every stored profile's secrets, and this client's own."""
    from runner.secrets import known_secret_values
    from schoology_etl.errors import ConfigurationError
    from schoology_etl.profiles import resolve_profile

    values = set(known_secret_values())
    try:
        profile = resolve_profile(client)
    except ConfigurationError:
        return values
    values.update(v for v in (profile.secret, profile.key, profile.sql_url) if v)
    if profile.sftp is not None:
        values.update(v for v in (profile.sftp.password, profile.sftp.private_key) if v)
    return values
