"""pandas DataFrames: ``read_dataframe`` streams rows as dicts, ``write_dataframe`` collects.

pandas is imported only when a DataFrame is built or read.

Example:
    >>> import pandas as pd
    >>> source = read_dataframe(pd.DataFrame({"a": [1.0, None]}))
    >>> source.head()
    [{'a': 1.0}, {'a': None}]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError
from .base import Record, Sink, Source, WriteResult

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: rows converted to dicts at a time
DEFAULT_CHUNK_SIZE = 1000


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as exc:  # pragma: no cover - pandas is a core dependency
        raise ConfigurationError(
            "pandas is needed for DataFrame sources and sinks: pip install pandas"
        ) from exc
    return pandas


def read_dataframe(
    df: pd.DataFrame | Iterable[pd.DataFrame],
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    index: bool = False,
) -> DataFrameSource:
    """A source yielding one dict per row; missing values (NaN, NaT, NA) become ``None``.

    Args:
        df: a DataFrame, or a list of DataFrames read one after another (chunks).
        chunk_size: rows converted to dicts at a time (memory stays at one chunk).
        index: include the index as a field (named after the index, else ``"index"``).
    """
    return DataFrameSource(df, chunk_size=chunk_size, index=index)


def write_dataframe(*, columns: Iterable[str] | None = None) -> DataFrameSink:
    """A sink collecting records; after close, ``sink.dataframe`` holds them.

    Args:
        columns: column order (and selection); by default the keys in order of first
            appearance.
    """
    return DataFrameSink(columns=columns)


class DataFrameSource(Source):
    """Rows of one or more DataFrames as dicts; see :func:`read_dataframe`."""

    def __init__(self, df: Any, *, chunk_size: int = DEFAULT_CHUNK_SIZE, index: bool = False) -> None:
        if chunk_size < 1:
            raise ConfigurationError(f"chunk_size must be >= 1, got {chunk_size!r}")
        if hasattr(df, "iloc"):
            self.frames: list[Any] = [df]
        elif isinstance(df, (list, tuple)):
            self.frames = list(df)
        else:
            raise ConfigurationError(
                "read_dataframe() takes a DataFrame or a list of DataFrames, "
                f"got {type(df).__name__}"
            )
        self.chunk_size = chunk_size
        self.index = index

    def __repr__(self) -> str:
        rows = sum(len(f) for f in self.frames)
        return f"<DataFrameSource {rows} rows>"

    def __len__(self) -> int:
        return sum(len(f) for f in self.frames)

    def _iter(self) -> Iterator[Record]:
        for frame in self.frames:
            if self.index:
                frame = frame.reset_index()
            for start in range(0, len(frame), self.chunk_size):
                chunk = frame.iloc[start : start + self.chunk_size]
                for row in chunk.to_dict("records"):
                    yield {str(k): _none_if_missing(v) for k, v in row.items()}


def _none_if_missing(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, list, dict, tuple)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    pd = _pandas()
    return None if pd.api.types.is_scalar(value) and pd.isna(value) else value


class DataFrameSink(Sink):
    """Collects records in memory; ``dataframe`` is built on close."""

    def __init__(self, *, columns: Iterable[str] | None = None) -> None:
        super().__init__()
        self.columns = list(columns) if columns is not None else None
        self.keep_results = False  # the rows themselves are the result
        self._rows: list[Record] = []
        self.dataframe: Any = None

    def __repr__(self) -> str:
        return f"<DataFrameSink {self.written} rows>"

    def _flush(self, batch: list[Record], start: int) -> list[WriteResult]:
        self._rows.extend(batch)
        return []

    def _finish(self) -> None:
        pd = _pandas()
        self.dataframe = pd.DataFrame.from_records(self._rows, columns=self.columns)
        self._rows = []

    def abort(self) -> None:
        super().abort()
        self._rows = []

    def summary(self) -> dict[str, Any]:
        """What the report shows: rows and columns."""
        cols = list(self.dataframe.columns) if self.dataframe is not None else self.columns
        return {"rows": self.written, "columns": cols or []}
