"""Floods: an event that repeats is one line with its count, and a long reproduction is elided
on the console with its size (the HTML report keeps it whole)."""

from __future__ import annotations

from report_factory import site_report

from statuspage_contract.report.build import with_decision
from statuspage_contract.report.console import LINE_LIMIT, finding_lines
from statuspage_contract.report.html import render_html
from statuspage_contract.report.markdown import render_markdown
from statuspage_contract.report.presentation import collapse_repeats, elide

EVENT = "an account was there after its own DELETE (answered 204): deleted at the end"


def test_repeats_collapse_in_first_seen_order_with_their_count() -> None:
    assert collapse_repeats([EVENT] * 95 + ["other", EVENT]) == [f"{EVENT} (96 times)", "other"]
    assert collapse_repeats(["once"]) == ["once"]
    assert collapse_repeats([]) == []


def test_collapsing_collapsed_lists_adds_their_counts() -> None:
    """Several pytest-xdist workers' events of one site are merged this way."""
    one, two = collapse_repeats([EVENT] * 3), collapse_repeats([EVENT] * 2 + ["x"])
    assert collapse_repeats(one + two) == [f"{EVENT} (5 times)", "x"]
    assert collapse_repeats(collapse_repeats(one)) == one


def test_every_rendering_shows_a_repeated_event_once_with_its_count() -> None:
    report = site_report("mock")
    report["run"]["safety_events"] = [EVENT] * 95  # as a report of an older run holds them
    report = with_decision(report)
    markdown, html = render_markdown(report), render_html(report)
    assert markdown.count("State change") == 1 and "(95 times)" in markdown
    assert html.count("State change") == 1 and "(95 times)" in html


def test_a_long_reproduction_is_elided_on_the_console_with_its_size() -> None:
    body = "[" * 20_000 + "]" * 20_000
    report = site_report("mock", failing=("no-server-error",))
    report["failures"][0]["reproduction"] = f"curl -X POST http://127.0.0.1:1/x --data-raw '{body}'"
    report["failures"][0]["response"]["body"] = body
    lines = finding_lines(report)
    assert max(len(line) for line in lines) <= LINE_LIMIT + 100
    (shown,) = [line for line in lines if "reproduce:" in line]
    assert "40,047 characters in all: see contract-report.html" in shown
    assert body in render_html(with_decision(report))  # whole in the HTML


def test_a_reproduction_script_keeps_its_lines_up_to_a_screenful() -> None:
    script = "\n".join(f"curl -X GET http://127.0.0.1:1/{i}" for i in range(30))
    report = site_report("mock", failing=("no-server-error",))
    report["failures"][0]["reproduction"] = script
    lines = finding_lines(report)
    start = next(i for i, line in enumerate(lines) if "reproduce:" in line)
    assert lines[start].endswith("/0")
    assert lines[start + 1].strip() == "curl -X GET http://127.0.0.1:1/1"
    assert "18 more line(s)" in lines[start + 12]


def test_elide_keeps_what_fits() -> None:
    assert elide("short", 10, "x") == "short"
    assert elide("a" * 11, 10, "x").startswith("a" * 10 + "…")
