"""Reports per operation, for every resource's: a run whose calls include the URL settings'
counts their statuses under each operation, the strict reader (the gate's invariants)
accepts it, and summary.md and the HTML show each operation by its operationId."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from statuspage_contract.judging import judged_client
from statuspage_contract.mock import MockSite
from statuspage_contract.report.build import build_report, with_decision, write_reports
from statuspage_contract.report.format import HTML_NAME, SUMMARY_NAME
from statuspage_contract.report.reader import load_report
from statuspage_contract.report.record import RunRecord
from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
SETTINGS = CONTRACT.url_settings


def _report(calls: str) -> dict[str, Any]:
    """The report of a run that made ``calls`` ("account", "settings" or both) on the mock."""
    with MockSite() as site:
        client = judged_client(site.base_url, site.api_key, site.app_key)
        if "account" in calls:
            client.get()
            client.create()
            client.delete()
        if "settings" in calls:
            made = SETTINGS.id_of(client.create_setting().json)
            client.list_settings()
            client.update_setting(made, body=_update_of(made))
            client.delete_setting(made)
            client.delete_setting(made)  # a second delete: 404
        info = {"site": "mock", "base_url": site.base_url}
        run = RunRecord("mock", client.judge.recorder, target_info=info)
        return with_decision(build_report(run, profile="ci", seed=0, exitstatus=0))


def _update_of(setting_id: str) -> Any:
    body = SETTINGS.request_example(SETTINGS.update.method)
    node = body
    for part in SETTINGS.id_path[:-1]:
        node = node[part]
    node[SETTINGS.id_path[-1]] = setting_id
    return body


def test_every_operation_of_every_resource_has_its_counts() -> None:
    report = _report("account settings")
    codes = report["status_codes"]
    assert list(codes) == [op.label for op in CONTRACT.operations_by_id.values()]
    status = SETTINGS.status
    expected = [
        (SETTINGS.listing, {status.ok: 1}),
        (SETTINGS.create, {status.created: 1}),
        (SETTINGS.update, {status.updated: 1}),
        (SETTINGS.delete, {status.deleted: 1, status.not_found: 1}),
    ]
    for op, seen in expected:
        documented = codes[op.label]["documented"]
        assert {int(c): n for c, n in documented.items() if n} == seen, op.operation_id
        assert codes[op.label]["undocumented"] == {}
    assert report["rules"]["documented-status"]["failed"] == 0
    assert report["rules"]["documented-status"]["passed"] >= 8


def test_the_gate_reads_it_and_the_summary_and_html_name_each_operation_id(tmp_path: Path) -> None:
    report = _report("account settings")
    write_reports(report, tmp_path)
    assert load_report(tmp_path)["status_codes"] == report["status_codes"]
    summary = (tmp_path / SUMMARY_NAME).read_text()
    html = (tmp_path / HTML_NAME).read_text()
    for op in CONTRACT.operations_by_id.values():
        lines = [line for line in summary.splitlines() if f"`{op.operation_id}`" in line]
        assert len(lines) == 1 and op.label in lines[0], op.operation_id
        assert f"<code>{op.operation_id}</code>" in html
    delete = next(line for line in summary.splitlines() if SETTINGS.delete.operation_id in line)
    assert f"{SETTINGS.status.not_found}" in delete and "2/" in delete


def test_an_account_only_run_has_the_new_operations_at_zero_and_nothing_else_changes() -> None:
    report = _report("account")
    codes = report["status_codes"]
    settings = {op.label for op in SETTINGS.operations.values()}
    for label in settings:
        assert set(codes[label]["documented"].values()) == {0}
        assert codes[label]["undocumented"] == {}
    account = [label for label in codes if label not in settings]
    assert account == [op.label for op in CONTRACT.operations.values()]
    assert sum(sum(codes[label]["documented"].values()) for label in account) == 3
    assert report["run"]["requests"] == 3


@pytest.mark.parametrize("calls", ["settings"])
def test_a_settings_only_run_is_counted_too(calls: str) -> None:
    report = _report(calls)
    assert report["run"]["requests"] == 5
