"""Rendering a contract report: the HTML page and the Markdown CI summary."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from statuspage_contract.report.html import render_html
from statuspage_contract.report.markdown import md_text, render_markdown
from statuspage_contract.report.presentation import TIMES
from statuspage_contract.report.view import report_view
from statuspage_contract.rules import RULES
from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
POST = CONTRACT.create.label
CURL = (
    "curl -X POST https://api.datadoghq.com/api/v2/integration/statuspage/account"
    " -H 'DD-API-KEY: ${DD_API_KEY}' --data-raw '{\"data\": {}}'"
)


def site_report(
    site: str = "mock",
    *,
    failing: tuple[str, ...] = (),
    unexercised: tuple[str, ...] = (),
    undocumented: dict[str, int] | None = None,
    message: str = "status 401 is not documented for POST",
) -> dict[str, Any]:
    """A single-site report: every rule passed unless named in ``failing``/``unexercised``."""
    rules = {}
    for name, rule in RULES.items():
        passed, failed = (0, 0) if name in unexercised else (3, 2) if name in failing else (5, 0)
        rules[name] = {
            "kind": rule.kind,
            "summary": rule.summary,
            "required": rule.is_required("mock"),
            "status": "failed" if failed else "passed" if passed else "not-run",
            "passed": passed,
            "failed": failed,
            "skipped": 0,
            "skip_reasons": [],
        }
    status_codes = {
        op.label: {
            "documented": {str(s): 2 for s in op.statuses},
            "undocumented": dict(undocumented or {}) if op.label == POST else {},
        }
        for op in CONTRACT.operations.values()
    }
    failures = [
        {
            "rule": name,
            "operation": POST,
            "test": f"contract/suite/test_examples.py::test_{name.replace('-', '_')}",
            "message": message,
            "reproduction": CURL,
            "response": {
                "status": 401,
                "headers": {"Content-Type": "application/json"},
                "body": '{"errors": ["Unauthorized"]}',
            },
            "occurrences": 2,
        }
        for name in failing
    ]
    return {
        "format": "statuspage-contract-report",
        "version": 1,
        "verdict": "failed" if failing else "passed",
        "run": {
            "site": site,
            "base_url": f"https://api.{site}",
            "mock_faults": [],
            "toolkit_version": "0.1.0",
            "contract_sha256": CONTRACT.sha256,
            "hypothesis_profile": "ci",
            "hypothesis_seed": None,
            "mutations_allowed": False,
            "started": "2026-06-15T10:00:00+00:00",
            "finished": "2026-06-15T10:01:00+00:00",
            "duration_seconds": 60.0,
            "requests": 118,
        },
        "rules": rules,
        "status_codes": status_codes,
        "failures": failures,
        "tests": {"total": 38, "passed": 38, "failed": 0, "skipped": 0, "errors_without_rule": []},
    }


def combined(*sites: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": "statuspage-contract-report",
        "version": 1,
        "kind": "combined",
        "verdict": "failed" if any(s["verdict"] == "failed" for s in sites) else "passed",
        "sites": {s["run"]["site"]: s for s in sites},
    }


def text_of(page: str) -> str:
    """The visible text of an HTML page, whitespace collapsed."""

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []
            self.skip = False

        def handle_starttag(self, tag: str, attrs: Any) -> None:
            self.skip = tag in ("style", "title")

        def handle_endtag(self, tag: str) -> None:
            self.skip = False

        def handle_data(self, data: str) -> None:
            if not self.skip:
                self.parts.append(data)

    parser = Text()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split())


# -- HTML -----------------------------------------------------------------------------------
def test_the_page_opens_with_the_verdict():
    passing = text_of(render_html(site_report()))
    failing = text_of(render_html(site_report(failing=("documented-status",))))
    assert passing.startswith("PASS Statuspage integration API contract site mock")
    assert failing.startswith("FAIL Statuspage integration API contract site mock")


def test_the_page_lists_every_rule_with_kind_status_and_counts():
    page = render_html(site_report(failing=("documented-status",)))
    for name, rule in RULES.items():
        assert f"<code>{name}</code>" in page
        assert rule.kind in page
    row = re.search(r'<tr class="failed">(.*?)</tr>', page, re.S)
    assert row is not None
    assert "documented-status" in row.group(1) and ">2</td>" in row.group(1)


def test_the_page_shows_each_failure_with_its_test_reproduction_and_response():
    page = render_html(site_report(failing=("documented-status",)))
    text = text_of(page)
    assert "status 401 is not documented for POST" in text
    assert "contract/suite/test_examples.py::test_documented_status" in text
    assert f"({TIMES} 2 in 1 test(s))" in text
    pre = re.findall(r"<pre>(.*?)</pre>", page, re.S)
    assert any("curl -X POST https://api.datadoghq.com" in p and "${DD_API_KEY}" in p for p in pre)
    assert "HTTP 401" in text
    assert any('"Unauthorized"' in p.replace("&#34;", '"') for p in pre)


def test_the_failing_rule_links_to_its_first_failure():
    page = render_html(site_report(failing=("documented-status",)))
    assert '<a href="#failure-1">first failure</a>' in page
    assert '<details class="failure" id="failure-1" open>' in page


def test_markup_in_a_report_is_escaped_not_executed():
    page = render_html(
        site_report(failing=("documented-status",), message="<script>alert('key')</script>")
    )
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#39;key&#39;)&lt;/script&gt;" in page


def test_the_page_is_self_contained():
    page = render_html(site_report(failing=("documented-status",)))
    assert "<style>" in page
    assert not re.search(r"<(script|link|img|iframe)\b", page)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


def test_the_status_matrix_counts_documented_codes_and_highlights_undocumented_ones():
    page = render_html(site_report(undocumented={"401": 3}))
    assert '<th class="num">401</th>' in page
    assert '<td class="num undoc" title="NOT documented; seen 3 time(s)">3</td>' in page
    assert '<td class="num seen" title="documented; seen 2 time(s)">2</td>' in page
    assert f"undocumented: 401{TIMES}3" in text_of(page)


def test_required_rules_that_never_ran_are_flagged():
    page = render_html(site_report(unexercised=("single-account",)))
    assert '<tr class="unexercised">' in page
    assert "1 required rule(s) were never exercised" in text_of(page)


def test_a_combined_report_has_an_overall_verdict_and_a_section_per_site():
    report = combined(
        site_report("datadoghq.com"), site_report("datadoghq.eu", failing=("auth-enforced",))
    )
    page = render_html(report)
    text = text_of(page)
    assert text.startswith("FAIL Statuspage integration API contract 2 sites; 1 passed, 1 failed")
    assert 'id="datadoghq-com-site"' in page and 'id="datadoghq-eu-site"' in page
    assert 'id="datadoghq-eu-failure-1"' in page  # anchors stay unique across sites
    assert text.count("Failures") == 2


def test_a_sparse_report_still_renders():
    page = render_html({"verdict": "failed", "run": {"site": "mock"}})
    assert "FAIL" in text_of(page)
    assert "No rule was broken." in page


# -- Markdown -------------------------------------------------------------------------------
def test_the_summary_starts_with_the_verdict():
    assert render_markdown(site_report()).startswith("## ✅ Statuspage contract: PASS — mock\n")
    failing = render_markdown(site_report(failing=("auth-enforced",)))
    assert failing.startswith("## ❌ Statuspage contract: FAIL — mock\n")


def test_the_summary_tables_the_failing_rules_only():
    summary = render_markdown(site_report(failing=("auth-enforced", "documented-status")))
    rows = [line for line in summary.splitlines() if line.startswith("| `")]
    assert [row.split("|")[1].strip() for row in rows] == ["`documented-status`", "`auth-enforced`"]
    assert "| scenario | 2 | 3 |" in rows[1]
    total = len(RULES)
    assert f"**Rules:** {total - 2} passed, 2 failed, 0 skipped, 0 not run (of {total})" in summary


def test_the_summary_gives_a_coverage_line_per_operation():
    summary = render_markdown(site_report(undocumented={"401": 3}))
    coverage = [line for line in summary.splitlines() if line.startswith("- `")]
    assert [tuple(line.split("`")[1:4:2]) for line in coverage] == [
        (op.operation_id, op.label) for op in CONTRACT.operations.values()
    ]
    assert f"undocumented: **401{TIMES}3**" in coverage[0]


def test_the_summary_names_required_rules_that_never_ran():
    summary = render_markdown(site_report(unexercised=("lifecycle-effects",)))
    assert "**Required rules not exercised**" in summary and "`lifecycle-effects`" in summary


def test_the_summary_neutralises_markup_in_messages():
    summary = render_markdown(
        site_report(failing=("auth-enforced",), message="a | b <img src=x> *bold*\nnext")
    )
    assert "<img" not in summary
    assert r"a \| b &lt;img src=x&gt; \*bold\* next" in summary


def test_a_combined_summary_has_a_site_table_and_a_section_per_site():
    report = combined(
        site_report("datadoghq.com"), site_report("datadoghq.eu", failing=("auth-enforced",))
    )
    summary = render_markdown(report)
    assert summary.startswith("## ❌ Statuspage contract: FAIL (2 sites)\n")
    assert "| `datadoghq.com` | ✅ PASS | — | 0 |" in summary
    assert "| `datadoghq.eu` | ❌ FAIL | `auth-enforced` | 0 |" in summary
    assert "### `datadoghq.com` — ✅ PASS" in summary
    assert "### `datadoghq.eu` — ❌ FAIL" in summary


@pytest.mark.parametrize(
    ("raw", "shown"),
    [("a|b", r"a\|b"), ("<b>", "&lt;b&gt;"), ("x\n\ny", "x y"), ("[link](u)", r"\[link\](u)")],
)
def test_markdown_text_is_one_inert_line(raw, shown):
    assert md_text(raw) == shown


def test_a_capped_rule_says_how_many_of_its_failed_checks_are_shown():
    report = site_report(failing=("documented-status",))
    report["rules"]["documented-status"]["failed"] = 69
    text = text_of(render_html(report))
    assert "2 of 69 failed checks shown" in text


def test_failing_rules_come_before_unexercised_ones_before_the_rest():
    report = site_report(failing=("single-account",), unexercised=("auth-enforced",))
    rules = report_view(report)["sites"][0]["rules"]
    assert [r["name"] for r in rules[:2]] == ["single-account", "auth-enforced"]


def test_the_summary_signals_a_capped_rule_too():
    report = site_report(failing=("documented-status",))
    report["rules"]["documented-status"]["failed"] = 69
    assert "2 of 69 failed checks are recorded" in render_markdown(report)
