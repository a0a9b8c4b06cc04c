"""A proxy run's report: the suite's report format, built in one go by
statuspage_contract.report.build from a run record with passive traffic (``run.kind`` "proxy").

Each exchange the proxy judged counts as one test: passed when it broke no rule, failed when
it broke one. A request the site never answered (the client got 502 or 504) is a failure
without a rule, named in ``tests.errors_without_rule``, so the one decision calls the run
ABORTED unless a rule is broken. Rules that the traffic did not exercise stay "not-run".
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ..report.record import PassiveTraffic, RunRecord
from .judge import ProxyJudge


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
    from ..report.build import build_report

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
        errors = [
            f"proxy: {n} request(s) to {where} got no answer from the site: {why}"
            for (where, why), n in sorted(unanswered.items())
        ]
        errors += [
            f"proxy: {n} exchange(s) forwarded but not judged (a proxy error: {why})"
            for why, n in sorted(unjudged.items())
        ]
        missed = sum(unanswered.values()) + sum(unjudged.values())
        section = {
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
        tests = {
            "total": judged + missed,
            "passed": conforming,
            "failed": violating + missed,
            "skipped": 0,
            "errors_without_rule": errors,
            "skip_reasons": [],
        }
        record = RunRecord(
            site,
            judge.recorder,
            judge.started,
            finished=time.time(),
            target_info=info,
            passive=PassiveTraffic(requests=forwarded, section=section, tests=tests),
        )
        return build_report(record, profile="none (passive traffic)", seed=None, exitstatus=0)


def write_proxy_report(report: dict[str, Any], report_dir: Path) -> list[Path]:
    """Write the report in every format (JSON, HTML, Markdown) into ``report_dir``."""
    from ..report.build import write_reports

    return write_reports(report, report_dir)
