"""RunReport: text, HTML and dict forms."""

from __future__ import annotations

import json

from schoology_etl.pipeline import RunReport, etl
from schoology_etl.pipeline.report import Failure
from tests.test_pipeline_doubles import ListSource, RecordingSink


def _report() -> RunReport:
    report = RunReport(read=1200, filtered=3, written=1190, requests=7, retries=1, elapsed=1.234)
    report.add_failure(Failure(5, "normalise", "KeyError: 'name'", {"id": 5, "note": "<b>"}))
    report.sink = {"path": "out.csv"}
    return report


def test_str_is_plain_and_complete() -> None:
    text = str(_report())
    assert "read 1,200" in text and "written 1,190" in text and "failed 1" in text
    assert "elapsed 1.23 s" in text and "path: out.csv" in text
    assert "failed record 5 at normalise: KeyError: 'name'" in text


def test_html_is_a_table_with_escaped_records() -> None:
    page = _report()._repr_html_()
    assert page.count("<table>") == 3
    assert "<th>written</th>" in page and "<td>1,190</td>" in page
    assert "&lt;b&gt;" in page and "<b>" not in page


def test_to_dict_is_json_friendly() -> None:
    data = _report().to_dict()
    assert data["failures"][0] == {"index": 5, "stage": "normalise", "message": "KeyError: 'name'",
                                   "record": {"id": 5, "note": "<b>"}}
    json.dumps(data)


def test_failures_are_bounded_but_counted() -> None:
    report = etl(
        ListSource([{"id": i} for i in range(50)]), RecordingSink(),
        filters=[lambda r: 1 / 0], on_error="collect", max_failures=5,
    )
    assert report.failed == 50 and len(report.failures) == 5
    assert "45 more failure(s)" in str(report)
