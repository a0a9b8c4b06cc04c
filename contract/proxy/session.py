"""A proxy run's report: the suite's report format (statuspage_contract.report.build), ``run.kind``
"proxy".

Each exchange the proxy judged counts as one test: passed when it broke no rule, failed when
it broke one. A request the site never answered (the client got 502 or 504) is a failure
without a rule, named in ``tests.errors_without_rule``, so the one decision calls the run
ABORTED unless a rule is broken. Rules that the traffic did not exercise stay "not-run".
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ..judging.recorder import Recorder
from ..report.format import PROXY_KIND
from .judge import ProxyJudge


class _Run:
    """What :func:`statuspage_contract.report.build.build_report` reads of a run (duck-typed
    SiteRun)."""

    def __init__(self, name: str, recorder: Recorder, started: float, info: dict[str, Any]):
        self.name = name
        self.recorder = recorder
        self.started = started
        self.finished: float | None = time.time()
        self.aborted: str | None = None
        self.left_behind: str | None = None
        self.target_info: dict[str, Any] | None = info


def build_proxy_report(
    judge: ProxyJudge,
    *,
    site: str,
    base_url: str,
    listen: str,
    mock_faults: list[str],
    stopped_by: str,
) -> dict[str, Any]:
    """The report of everything the proxy judged so far."""
    from ..report.build import build_report, with_decision

    info = {
        "site": site,
        "base_url": base_url,
        "mock_faults": mock_faults,
        "mutations_allowed": None,
        "existing_account": None,
        "account_at_preflight": None,
        "safety_events": [],
    }
    with judge.lock:
        tally = judge.tally
        forwarded, judged = tally.forwarded, tally.judged
        conforming, violating = tally.conforming, tally.violating
        outside, outside_paths = tally.outside, dict(tally.outside_paths.most_common())
        refusals = {str(code): n for code, n in sorted(tally.transport_refusals.items())}
        unanswered = dict(tally.upstream_errors)
        unjudged = dict(tally.judge_errors)
        report = build_report(
            _Run(site, judge.recorder, judge.started, info),
            profile="none (passive traffic)",
            seed=None,
            exitstatus=0,
        )
    errors = [
        f"proxy: {n} request(s) to {where} got no answer from the site: {why}"
        for (where, why), n in sorted(unanswered.items())
    ]
    errors += [
        f"proxy: {n} exchange(s) forwarded but not judged (a proxy error: {why})"
        for why, n in sorted(unjudged.items())
    ]
    missed = sum(unanswered.values()) + sum(unjudged.values())
    run = report["run"]
    run["kind"] = PROXY_KIND
    run["requests"] = forwarded
    run["proxy"] = {
        "listen": listen,
        "stopped_by": stopped_by,
        "forwarded": forwarded,
        "judged": judged,
        "outside_contract": {"requests": outside, "by_path": outside_paths},
        # the site's protective answers (408, 413, 414, 431): what they are, judged by no rule
        "transport_refusals": {"requests": sum(refusals.values()), "by_status": refusals},
        "unanswered": {"requests": sum(unanswered.values()), "by_reason": errors},
        "not_judged": sum(unjudged.values()),
    }
    report["tests"] = {
        "total": judged + missed,
        "passed": conforming,
        "failed": violating + missed,
        "skipped": 0,
        "errors_without_rule": errors,
        "skip_reasons": [],
    }
    return with_decision(report)


def write_proxy_report(report: dict[str, Any], report_dir: Path) -> list[Path]:
    """Write the report in every format (JSON, HTML, Markdown) into ``report_dir``."""
    from ..report.build import write_reports

    return write_reports(report, report_dir)
