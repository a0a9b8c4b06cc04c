"""What one report's fields must say of each other: the gate trusts only what it recomputes.

:func:`check_site` runs after ``statuspage_contract.report.reader`` has checked the shape (types,
counts, rule statuses against their counts); each invariant here ties one field to the others it
follows from (reports/README.md, "The release gate"); the recorded decision is checked by
``statuspage_contract.report.recorded_decision``, a proxy's own counts by
``statuspage_contract.report.proxy_counts``, the requests by kind and operation by
``statuspage_contract.report.request_counts``, and :func:`check_site_identity` on every report read
from a file. A broken invariant raises :class:`statuspage_contract.errors.GateInputError` naming the
field: an inconsistent report is untrustworthy (exit 2), never guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ..errors import GateInputError
from ..rules import site_kind
from ..sites import LOOPBACK_HOSTS
from .format import PROXY_KIND
from .plan_counts import check_plan_counts
from .proxy_counts import check_proxy_counts
from .recorded_decision import check_recorded_decision
from .request_counts import check_request_counts
from .strict_json import need as _need

#: The response rule judged on every response, and the one judged on every response to an
#: operation of the contract (contract/rules/response.py).
NO_SERVER_ERROR = "no-server-error"
DOCUMENTED_STATUS = "documented-status"
_STATUS_CODE = re.compile(r"[1-5][0-9][0-9]")
#: pytest's exit statuses after which a run is complete: tests passed, or some failed.
_FINISHED = (0, 1)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _checks(rule: Any) -> int:
    return int(rule["passed"]) + int(rule["failed"]) if isinstance(rule, Mapping) else 0


# -- one site -------------------------------------------------------------------------------
def check_site(data: Mapping[str, Any], where: str) -> None:
    """Every cross-field invariant of one site's (shape-checked) report."""
    run = data["run"]
    _run_fields(run, where)
    _reasons(data, where)
    judged_all = _judged_everything(run)
    _requests(data, where)
    _status_codes(data, where, judged_all=judged_all)
    check_request_counts(data, where)
    _failures(data, where)
    _exit_status(data, where)
    if run.get("kind") == PROXY_KIND:
        check_proxy_counts(data, where)
    check_plan_counts(data, where)
    check_recorded_decision(data, where)


def _run_fields(run: Mapping[str, Any], where: str) -> None:
    _need(isinstance(run.get("complete"), bool), where, "run.complete must be true or false")
    for key in ("aborted", "left_behind"):
        value = run.get(key)
        _need(
            value is None or (isinstance(value, str) and bool(value.strip())),
            where,
            f"run.{key} must be null or a reason",
        )
    faults = run.get("mock_faults", [])
    _need(
        isinstance(faults, list) and all(isinstance(f, str) and f for f in faults),
        where,
        "run.mock_faults must be a list of fault names",
    )
    _need(isinstance(run.get("base_url"), str), where, "run.base_url must be a string")
    kind = run.get("kind")
    _need(kind in (None, PROXY_KIND), where, f"run.kind {kind!r} is unknown (only {PROXY_KIND!r})")
    status = run.get("pytest_exit_status")
    _need(status is None or _is_count(status), where, "run.pytest_exit_status must be an integer")
    duration = run.get("duration_seconds", 0)
    _need(
        isinstance(duration, int | float) and not isinstance(duration, bool) and duration >= 0,
        where,
        "run.duration_seconds must be a number of seconds (>= 0)",
    )
    started, finished = run.get("started", ""), run.get("finished", "")
    _need(
        isinstance(started, str) and isinstance(finished, str),
        where,
        "run.started and run.finished must be timestamps",
    )
    _need(
        not (started and finished) or started <= finished,
        where,
        f"run.finished {finished!r} comes before run.started {started!r}",
    )


def _reasons(data: Mapping[str, Any], where: str) -> None:
    """Skip reasons (which the decision quotes) are lists of strings."""
    tests_reasons = data["tests"].get("skip_reasons", [])
    _need(
        isinstance(tests_reasons, list) and all(isinstance(r, str) for r in tests_reasons),
        where,
        "tests.skip_reasons must be a list of strings",
    )
    for name, rule in data["rules"].items():
        reasons = rule.get("skip_reasons", [])
        _need(
            isinstance(reasons, list) and all(isinstance(r, str) for r in reasons),
            where,
            f"rules.{name}.skip_reasons must be a list of strings",
        )


def check_site_identity(run: Mapping[str, Any], where: str) -> None:
    """run.site names a site this toolkit knows, as it writes it; site_kind, base_url and
    mock_faults agree with it (a mock report renamed to a live site would drop the rules
    only the mock is required to exercise). Checked on every report read from a file
    (statuspage_contract.report.reader.load_report); the notebook may relabel the sites of reports
    it compares in memory."""
    from ..sites import UnknownSiteError, resolve_site

    site = run["site"]
    try:
        known = resolve_site(site)
    except UnknownSiteError:
        raise GateInputError(
            f"{where}: run.site {site!r} is not a site this toolkit knows"
        ) from None
    _need(
        known.name == site,
        where,
        f"run.site {site!r} is not how a report names that site ({known.name!r})",
    )
    kind = site_kind(site)
    recorded = run.get("site_kind", kind)
    _need(
        recorded == kind,
        where,
        f"run.site_kind {recorded!r} contradicts run.site {site!r} (a {kind} site)",
    )
    base = run["base_url"]
    if base == "" and run["requests"] == 0:
        pass  # nothing was sent, so no URL was opened (e.g. -k selected nothing)
    elif known.is_mock:
        parts = urlsplit(base)
        _need(
            parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS,
            where,
            f"run.base_url {base!r} is not the embedded mock's loopback URL, "
            f"but run.site is {site!r}",
        )
    else:
        _need(
            base == known.base_url,
            where,
            f"run.base_url {base!r} contradicts run.site {site!r} (its URL: {known.base_url})",
        )
    _need(
        known.is_mock or not run.get("mock_faults"),
        where,
        f"run.mock_faults names faults of the embedded mock, but run.site is {site!r}",
    )


def _judged_everything(run: Mapping[str, Any]) -> bool:
    """Whether every answer recorded was also judged by the response rules: a run that
    finished (an abort can stop between recording an answer and judging it), and for a
    proxy, one without exchanges it could not judge."""
    if run["complete"] is not True or run.get("aborted") or run.get("left_behind"):
        return False
    proxy = run.get("proxy")
    return not (isinstance(proxy, Mapping) and proxy.get("not_judged"))


def _status_codes(data: Mapping[str, Any], where: str, *, judged_all: bool) -> None:
    """status_codes against the rules that judged those answers, and against run.requests."""
    rules, requests = data["rules"], data["run"]["requests"]
    answered = undocumented = server_errors = 0
    for operation, entry in data["status_codes"].items():
        at = f"status_codes[{operation!r}]"
        for part in ("documented", "undocumented"):
            for code, count in entry[part].items():
                _need(
                    bool(_STATUS_CODE.fullmatch(code)),
                    where,
                    f"{at}.{part} has {code!r}, which is not an HTTP status code",
                )
                answered += count
                server_errors += count if code >= "500" else 0
        both = sorted(set(entry["documented"]) & set(entry["undocumented"]))
        _need(not both, where, f"{at}: status {', '.join(both)} is both documented and not")
        zero = sorted(c for c, n in entry["undocumented"].items() if not n)
        _need(
            not zero,
            where,
            f"{at}.undocumented lists {', '.join(zero)} with a count of 0 (only answers seen"
            " are listed there)",
        )
        undocumented += sum(entry["undocumented"].values())
    documented_status, no_server_error = rules.get(DOCUMENTED_STATUS), rules.get(NO_SERVER_ERROR)
    if documented_status is not None:
        _need(
            not _checks(documented_status) or answered > 0,
            where,
            f"rules.{DOCUMENTED_STATUS} judged {_checks(documented_status)} answers, but "
            "status_codes records none",
        )
        least = undocumented if judged_all else min(undocumented, 1)
        _need(
            documented_status["failed"] >= least,
            where,
            f"status_codes records {undocumented} undocumented answer(s), but "
            f"rules.{DOCUMENTED_STATUS} counts {documented_status['failed']} failed check(s)",
        )
    if no_server_error is not None:
        least = server_errors if judged_all else min(server_errors, 1)
        _need(
            no_server_error["failed"] >= least,
            where,
            f"status_codes records {server_errors} 5xx answer(s), but rules.{NO_SERVER_ERROR} "
            f"counts {no_server_error['failed']} failed check(s)",
        )
        if judged_all:
            _need(
                _checks(no_server_error) >= answered,
                where,
                f"status_codes records {answered} answers, but rules.{NO_SERVER_ERROR} judged "
                f"only {_checks(no_server_error)}",
            )
    _need(
        answered <= requests,
        where,
        f"status_codes counts {answered} answers, more than the {requests} run.requests sent",
    )


def _requests(data: Mapping[str, Any], where: str) -> None:
    """run.requests against the checks: no response judged without a request sent."""
    rules, requests = data["rules"], data["run"]["requests"]
    if requests == 0:
        judged = sorted(name for name, rule in rules.items() if _checks(rule))
        _need(
            not judged,
            where,
            f"run.requests is 0, but rules.{judged[0] if judged else ''} judged answers",
        )
    no_server_error = rules.get(NO_SERVER_ERROR)
    if no_server_error is not None:
        _need(
            _checks(no_server_error) <= requests,
            where,
            f"rules.{NO_SERVER_ERROR} judged {_checks(no_server_error)} responses, more than "
            f"the {requests} run.requests sent",
        )


def _failures(data: Mapping[str, Any], where: str) -> None:
    """Each failure record's counts, against its rule's failed checks."""
    rules = data["rules"]
    seen: dict[str, int] = {}
    for i, failure in enumerate(data["failures"]):
        at = f"failures[{i}]"
        occurrences, tests = failure.get("occurrences", 1), failure.get("tests", 1)
        _need(
            _is_count(occurrences) and occurrences >= 1,
            where,
            f"{at}.occurrences must be a count of at least 1",
        )
        _need(
            _is_count(tests) and 1 <= tests <= occurrences,
            where,
            f"{at}.tests must be a count from 1 to its occurrences",
        )
        for key in ("operation", "message"):
            _need(isinstance(failure.get(key, ""), str), where, f"{at}.{key} must be a string")
        rule = failure["rule"]
        seen[rule] = seen.get(rule, 0) + occurrences
    for rule, occurrences in seen.items():
        failed = rules[rule]["failed"] if rule in rules else 0
        _need(
            occurrences <= failed,
            where,
            f"failures[] records {occurrences} occurrence(s) of {rule}, but rules.{rule} counts"
            f" {failed} failed check(s)",
        )


def _exit_status(data: Mapping[str, Any], where: str) -> None:
    """run.complete follows from the abort fields and pytest's exit status, as the report
    writer computes it; a pytest run that passed failed no test."""
    run, tests = data["run"], data["tests"]
    status = run.get("pytest_exit_status")
    if status is None:  # reports written before the field
        _need(
            not run["complete"] or not (run.get("aborted") or run.get("left_behind")),
            where,
            "run.complete is true, but the run says it was aborted",
        )
        return
    complete = not run.get("aborted") and not run.get("left_behind") and status in _FINISHED
    _need(
        run["complete"] is complete,
        where,
        f"run.complete is {str(run['complete']).lower()}, but run.pytest_exit_status is {status}"
        f"{' and the run was aborted' if run.get('aborted') or run.get('left_behind') else ''}",
    )
    if run.get("kind") != PROXY_KIND and status == 0:
        _need(
            tests["failed"] == 0,
            where,
            f"run.pytest_exit_status is 0 (every test passed), but tests.failed is "
            f"{tests['failed']}",
        )
