"""RunReport: what one pipeline run did, readable in a notebook and in a log."""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from typing import Any

#: how many failures a report keeps in full (the count is always exact)
MAX_FAILURES = 100


@dataclass(frozen=True)
class Failure:
    """One record that did not make it: where (``stage``), which, and why."""

    index: int | None
    stage: str
    message: str
    record: Any = None


@dataclass
class RunReport:
    """Counts and timings of one run of :func:`~schoology_etl.etl`.

    Attributes:
        read: records pulled from the source.
        filtered: source records dropped on purpose by a filter or a transform.
        written: records the sink accepted.
        failed: records that failed in a step (``on_error="collect"``) or in the sink.
        requests: HTTP requests made by the source's and sink's clients during the run.
        retries: retries among those requests.
        elapsed: wall-clock seconds of the run.
        failures: the first :data:`MAX_FAILURES` failures in full.
        sink: a sink-specific summary (path written, response codes...).
    """

    read: int = 0
    filtered: int = 0
    written: int = 0
    failed: int = 0
    requests: int = 0
    retries: int = 0
    elapsed: float = 0.0
    failures: list[Failure] = field(default_factory=list)
    sink: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no record failed."""
        return self.failed == 0

    def add_failure(self, failure: Failure, *, limit: int = MAX_FAILURES) -> None:
        """Count a failure, keeping it in full while under ``limit``."""
        self.failed += 1
        if len(self.failures) < limit:
            self.failures.append(failure)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-friendly when the records are)."""
        return asdict(self)

    def _counts(self) -> list[tuple[str, str]]:
        return [
            ("read", f"{self.read:,}"),
            ("filtered", f"{self.filtered:,}"),
            ("written", f"{self.written:,}"),
            ("failed", f"{self.failed:,}"),
            ("requests", f"{self.requests:,}"),
            ("retries", f"{self.retries:,}"),
            ("elapsed", f"{self.elapsed:.2f} s"),
        ]

    def __str__(self) -> str:
        line = ", ".join(f"{k} {v}" for k, v in self._counts())
        lines = [f"RunReport: {line}"]
        lines += [f"  {k}: {v}" for k, v in self.sink.items()]
        for f in self.failures[:10]:
            where = f"record {f.index}" if f.index is not None else "record ?"
            lines.append(f"  failed {where} at {f.stage}: {f.message}")
        if self.failed > min(len(self.failures), 10):
            lines.append(f"  ... {self.failed - min(len(self.failures), 10)} more failure(s)")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        head = "".join(f"<th>{esc(k)}</th>" for k, _ in self._counts())
        row = "".join(f"<td>{esc(v)}</td>" for _, v in self._counts())
        parts = [
            '<div class="schoology-etl-report">',
            f"<table><thead><tr>{head}</tr></thead><tbody><tr>{row}</tr></tbody></table>",
        ]
        if self.sink:
            items = "".join(
                f"<tr><th>{esc(str(k))}</th><td>{esc(str(v))}</td></tr>"
                for k, v in self.sink.items()
            )
            parts.append(f"<table><tbody>{items}</tbody></table>")
        if self.failures:
            rows = "".join(
                "<tr>"
                f"<td>{esc(str(f.index))}</td><td>{esc(f.stage)}</td>"
                f"<td>{esc(f.message)}</td><td><code>{esc(_short(f.record))}</code></td>"
                "</tr>"
                for f in self.failures[:20]
            )
            more = self.failed - min(len(self.failures), 20)
            caption = f"<caption>first failures ({more:,} more)</caption>" if more else ""
            parts.append(
                f"<table>{caption}<thead><tr><th>index</th><th>stage</th><th>message</th>"
                f"<th>record</th></tr></thead><tbody>{rows}</tbody></table>"
            )
        parts.append("</div>")
        return "".join(parts)


def _short(record: Any, width: int = 120) -> str:
    text = repr(record)
    return text if len(text) <= width else text[: width - 3] + "..."
