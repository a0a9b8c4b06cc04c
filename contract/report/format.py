"""The report format's facts, in one place (documented in reports/README.md): its name and
version, the files a run writes, the kinds of report, a rule's statuses and how its counts
give its status. Imports nothing: the recorder, the builder, the reader, the renderers and
the notebook all read it."""

from __future__ import annotations

from collections.abc import Mapping

REPORT_FORMAT = "statuspage-contract-report"
REPORT_VERSION = 1
JSON_NAME = "contract-report.json"
HTML_NAME = "contract-report.html"
SUMMARY_NAME = "summary.md"
JUNIT_NAME = "junit.xml"
#: Every file a run writes into its report folder (junit.xml is pytest's own).
REPORT_FILES = (JSON_NAME, HTML_NAME, SUMMARY_NAME)
#: What a run removes before it starts: every report an earlier run may have left.
STALE_FILES = (*REPORT_FILES, JUNIT_NAME)
#: ``kind`` of the marker a run puts in place of contract-report.json until its reports are
#: written: the gate refuses it (no decision), so a refused, aborted or killed run never
#: leaves an earlier run's verdict behind.
UNFINISHED_KIND = "unfinished"
#: ``kind`` of a report over several sites (each site's report under ``sites``).
COMBINED_KIND = "combined"
#: ``run.kind`` of a report made from a proxy's passive traffic (statuspage_contract.proxy): no
#: test selection or profile applies, only the requests the traffic happened to send (absent
#: for a suite run).
PROXY_KIND = "proxy"
#: Prefix of the scratch folders a run keeps in its report folder (removed by the next run
#: if a kill left one).
SCRATCH_PREFIX = ".scratch-"

#: A rule's status in a report.
RULE_STATUSES = ("passed", "failed", "skipped", "not-run")
#: What became of an edge input: the report's edges table counts each.
EDGE_OUTCOMES = ("passed", "failed", "skipped")


def rule_status(counts: Mapping[str, int]) -> str:
    """A rule's status from its counts (``passed``, ``failed``, optional ``skipped``): failed
    once any check failed, else passed once any passed, else skipped, else not-run."""
    if counts["failed"]:
        return "failed"
    if counts["passed"]:
        return "passed"
    return "skipped" if counts.get("skipped", 0) else "not-run"
