"""Remove known secret values from text, kernel messages, notebooks and files.

Wraps :func:`runner.secrets.mask` (which also catches common encodings of a value)
around one fixed set of values for the whole run. Files are scrubbed in place;
compressed files (gzip, bzip2, xz, zip) are scrubbed inside and written back
compressed; a file too large to scrub is reported so the caller can withhold it.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from runner.secrets import MASK, encodings_of, mask

MAX_SCRUBBED_FILE_BYTES = 256 * 1024 * 1024
_STREAM_CODECS: dict[str, tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]] = {
    ".gz": (gzip.decompress, gzip.compress),
    ".bz2": (bz2.decompress, bz2.compress),
    ".xz": (lzma.decompress, lzma.compress),
}


class TooLargeToScrub(Exception):
    """The file (or what it decompresses to) is larger than :data:`MAX_SCRUBBED_FILE_BYTES`."""


class Scrubber:
    """Masks one run's known secret values wherever they appear."""

    def __init__(self, values: Iterable[str]) -> None:
        self.values = frozenset(v for v in values if v)
        self._forms = sorted({f.encode("utf-8") for v in self.values for f in encodings_of(v)}, key=len, reverse=True)

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

    def data(self, data: bytes) -> bytes:
        """``data`` without any known value (raw bytes, any encoding of a value)."""
        for form in self._forms:
            data = data.replace(form, MASK.encode())
        return data

    def file(self, path: Path) -> bool:
        """Rewrite ``path`` without any known value; True when something was masked.

        Raises:
            TooLargeToScrub: the file, or its decompressed content, is too large to check.
        """
        if not self.values:
            return False
        if path.is_symlink():
            raise ValueError(f"{path} is a symbolic link; it is not scrubbed nor collected")
        if path.stat().st_size > MAX_SCRUBBED_FILE_BYTES:
            raise TooLargeToScrub(path)
        data = path.read_bytes()
        suffix = path.suffix.lower()
        if suffix in _STREAM_CODECS:
            decompress, compress = _STREAM_CODECS[suffix]
            try:
                inner = _bounded(decompress, data)
            except (OSError, EOFError, lzma.LZMAError, ValueError):
                inner = None  # not really compressed: scrubbed as it is
            if inner is not None:
                cleaned_inner = self.data(inner)
                if cleaned_inner == inner:
                    return self._write_if_changed(path, data)
                _write_private(path, compress(cleaned_inner))
                return True
        if suffix == ".zip" and zipfile.is_zipfile(io.BytesIO(data)):
            return self._zip(path, data)
        return self._write_if_changed(path, data)

    def _write_if_changed(self, path: Path, data: bytes) -> bool:
        cleaned = self.data(data)
        if cleaned == data:
            return False
        _write_private(path, cleaned)
        return True

    def _zip(self, path: Path, data: bytes) -> bool:
        changed = False
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            if sum(i.file_size for i in src.infolist()) > MAX_SCRUBBED_FILE_BYTES:
                raise TooLargeToScrub(path)
            for info in src.infolist():
                member = src.read(info)
                cleaned = self.data(member)
                changed |= cleaned != member
                dst.writestr(info, cleaned)
        if changed:
            _write_private(path, out.getvalue())
        return changed


def _bounded(decompress: Callable[[bytes], bytes], data: bytes) -> bytes:
    inner = decompress(data)
    if len(inner) > MAX_SCRUBBED_FILE_BYTES:
        raise TooLargeToScrub()
    return inner


def _write_private(path: Path, data: bytes) -> None:
    """Replace ``path``'s content without following a link planted meanwhile."""
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _key_file_lines(value: str | None) -> list[str]:
    """An SFTP private key named by path: its text and each line of its body (a notebook could print it)."""
    if not value or "\n" in value or len(value) > 4096:
        return []
    path = Path(value).expanduser()
    try:
        if not path.is_file() or path.stat().st_size > 1024 * 1024:
            return []
        text = path.read_text()
    except (OSError, UnicodeDecodeError):
        return []
    body = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("-----")]
    return [text, text.strip(), *body]


def _profile_values(profile: Any) -> set[str]:
    values = {v for v in (profile.secret, profile.sql_url) if v}
    if profile.key and len(profile.key) >= 8:  # the consumer key is no secret; masked when long enough to be safe
        values.add(profile.key)
    if profile.sql_url:
        values.update(_url_password(profile.sql_url))
    if profile.sftp is not None:
        values.update(v for v in (profile.sftp.password, profile.sftp.private_key) if v)
        values.update(_key_file_lines(profile.sftp.private_key))
    return values


def _url_password(url: str) -> set[str]:
    import sqlalchemy as sa

    try:
        password = sa.engine.make_url(url).password
    except Exception:  # noqa: BLE001 - not a database URL: nothing more to take from it
        return set()
    return {str(password)} if password else set()


def environment_secrets(environ: dict[str, str] | None = None) -> set[str]:
    """Secrets this process knows from its environment: every environment-defined client's
    secret, SQL URL, SFTP password and key (and key file lines), and the store URL's password."""
    from runner.store import database_url

    env = dict(os.environ if environ is None else environ)
    values: set[str] = set()
    for name, value in env.items():
        if not value or not name.startswith("TOOLBELT_CLIENT_"):
            continue
        if name.endswith(("_SECRET", "_SQL_URL", "_SFTP_PASSWORD", "_SFTP_PRIVATE_KEY")):
            values.add(value)
            values.update(_url_password(value) if name.endswith("_SQL_URL") else ())
            values.update(_key_file_lines(value) if name.endswith("_SFTP_PRIVATE_KEY") else ())
    try:
        url = database_url()
    except Exception:  # noqa: BLE001 - no store URL: nothing to mask from it
        url = ""
    if url and _url_password(url):
        values.add(url)
        values.update(_url_password(url))
    if env.get("TOOLBELT_SECRET_KEY"):
        values.add(env["TOOLBELT_SECRET_KEY"].strip())
    return values


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
    """Every value to mask: every stored profile's secrets, the environment's, and this client's own."""
    from runner.profile_store import known_secret_values
    from schoology_etl.errors import ConfigurationError
    from schoology_etl.profiles import resolve_profile

    values = set(known_secret_values()) | environment_secrets()
    try:
        profile = resolve_profile(client)
    except ConfigurationError:
        return values
    return values | _profile_values(profile)
