"""What a run cost the site, in every report: ``run.request_counts`` (total, state control,
by operation) built from the run record, checked by the gate's reader against
``run.requests`` and the status codes, merged across workers, and shown on the console, in
summary.md and in the HTML."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
from report_factory import site_report

from statuspage_contract.errors import GateInputError
from statuspage_contract.judging import judged_client
from statuspage_contract.mock import MockSite
from statuspage_contract.report.build import build_report, merge_same_site, write_reports
from statuspage_contract.report.console import request_line
from statuspage_contract.report.format import HTML_NAME, SUMMARY_NAME
from statuspage_contract.report.reader import load_report, validate_report
from statuspage_contract.report.record import PassiveTraffic, RunRecord
from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
GET = CONTRACT.operation("GET").label
POST = CONTRACT.create.label
DELETE = CONTRACT.operation("DELETE").label


def _record() -> RunRecord:
    """A run on the mock: a create and a GET (the test's own requests), then a DELETE and a
    GET sent only to reset the account and see it gone (state control)."""
    with MockSite() as site:
        client = judged_client(site.base_url, site.api_key, site.app_key)
        client.create()
        client.get()
        with client.judge.bookkeeping():
            client.delete()
            client.get()
        info = {"site": "mock", "base_url": site.base_url}
        return RunRecord("mock", client.judge.recorder, target_info=info)


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return build_report(_record(), profile="ci", seed=0, exitstatus=0)


def test_the_record_counts_state_control_apart_and_each_operation() -> None:
    counts = _record().request_counts()
    assert (counts.total, counts.state_control) == (4, 2)
    assert counts.by_operation == {POST: 1, GET: 2, DELETE: 1}


def test_the_report_carries_them_and_the_gate_reads_them(report, tmp_path: Path) -> None:
    assert report["run"]["request_counts"] == {
        "total": 4,
        "state_control": 2,
        "by_operation": {POST: 1, GET: 2, DELETE: 1},
    }
    write_reports(report, tmp_path)
    assert load_report(tmp_path)["run"]["request_counts"] == report["run"]["request_counts"]


def test_a_proxy_sends_nothing_of_its_own() -> None:
    record = _record()
    record.passive = PassiveTraffic(requests=9, section={}, tests={})
    counts = record.request_counts()
    assert (counts.total, counts.state_control) == (9, 0)
    assert sum(counts.by_operation.values()) == 4


def _with_counts(**changes: Any) -> dict[str, Any]:
    """A valid hand-made report given request counts that agree with it, then ``changes``."""
    data = site_report()
    by_operation = {
        op: sum(entry["documented"].values()) for op, entry in data["status_codes"].items()
    }
    counts = {"total": 100, "state_control": 40, "by_operation": by_operation}
    data["run"]["request_counts"] = {**counts, **changes}
    return data


def test_counts_that_agree_with_the_report_pass() -> None:
    validate_report(_with_counts())
    validate_report(site_report())  # a report from before the counts: nothing to check


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"total": 99}, "total 99 is not run.requests (100)"),
        ({"state_control": 101}, "state_control 101 is more than the 100 requests"),
        ({"state_control": -1}, "must be counts"),
        ({"total": "100"}, "must be counts"),
        ({"by_operation": [1]}, "'by_operation' must map operations to counts"),
        ({"by_operation": {GET: 7}}, f"by_operation counts 0 request(s) to {POST}"),
        ({"by_operation": {"GET /nowhere": 1}}, "names GET /nowhere, not in status_codes"),
    ],
)
def test_counts_that_disagree_are_refused(changes: dict[str, Any], expected: str) -> None:
    with pytest.raises(GateInputError, match=re.escape(expected)):
        validate_report(_with_counts(**changes))


def test_an_operation_counted_apart_from_its_status_codes_is_refused() -> None:
    data = _with_counts()
    data["run"]["request_counts"]["by_operation"][GET] += 1
    with pytest.raises(GateInputError, match=re.escape(f"to {GET}, but status_codes records")):
        validate_report(data)


def test_counts_that_are_no_object_are_refused() -> None:
    data = _with_counts()
    data["run"]["request_counts"] = 5
    with pytest.raises(GateInputError, match=re.escape("run.request_counts must be an object")):
        validate_report(data)


def test_workers_of_one_site_add_their_counts(report) -> None:
    merged = merge_same_site([report, copy.deepcopy(report)])
    assert merged[0]["run"]["request_counts"] == {
        "total": 8,
        "state_control": 4,
        "by_operation": {POST: 2, GET: 4, DELETE: 2},
    }
    validate_report(merged[0])
    older = copy.deepcopy(report)
    del older["run"]["request_counts"]
    assert "request_counts" not in merge_same_site([report, older])[0]["run"]


def test_the_console_says_it_in_one_short_line(report) -> None:
    assert request_line(report["run"]) == "4 requests (2 state control)"
    assert request_line({"requests": 7}) == "7 requests"


def test_the_summary_and_the_html_show_them(report, tmp_path: Path) -> None:
    write_reports(report, tmp_path)
    summary = (tmp_path / SUMMARY_NAME).read_text()
    html = (tmp_path / HTML_NAME).read_text()
    assert "4 requests (2 state control)" in summary
    get_line = next(line for line in summary.splitlines() if f"`{GET}`" in line)
    assert "in 2 request(s)" in get_line
    assert "4 (2 state control)" in html
    assert '<th class="num">Requests</th>' in html
