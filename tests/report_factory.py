"""Contract reports built by hand for the tests (gate, CLI start-up, edges): a site's
report with chosen rules failing or unexercised, and their combination."""

from __future__ import annotations

from typing import Any

from statuspage_contract.rules import RULES, site_kind
from statuspage_contract.sites import resolve_site
from statuspage_contract.spec import load_contract

POST = load_contract().create.label
NO_SERVER_ERROR = "no-server-error"


def site_report(
    site: str = "mock",
    *,
    failing: tuple[str, ...] = (),
    unexercised: tuple[str, ...] = (),
    skipped: dict[str, str] | None = None,
    optional: tuple[str, ...] = (),
    seen: dict[str, dict[str, int]] | None = None,
    errors: tuple[str, ...] = (),
    message: str = "status 401 is not documented",
) -> dict[str, Any]:
    """A valid single-site report: every rule passes and every documented status is seen once,
    except where the arguments say otherwise."""
    skipped = skipped or {}
    rules = {}
    for name, rule in RULES.items():
        passed, failed, skips = 5, 0, 0
        if name in failing:
            passed, failed = 3, 2
        if name in unexercised or name in skipped:
            passed = 0
        if name in skipped:
            skips = 4
        status = "failed" if failed else "passed" if passed else "skipped" if skips else "not-run"
        rules[name] = {
            "kind": rule.kind,
            "summary": rule.summary,
            "required": name not in optional,
            "status": status,
            "passed": passed,
            "failed": failed,
            "skipped": skips,
            "skip_reasons": [skipped[name]] if name in skipped else [],
        }
    status_codes = {}
    for op in load_contract().operations.values():
        counts = {str(s): 1 for s in op.statuses}
        counts.update((seen or {}).get(op.label, {}))
        status_codes[op.label] = {"documented": counts, "undocumented": {}}
    # no-server-error judges every answer: as many checks as status_codes counts
    answered = sum(sum(e["documented"].values()) for e in status_codes.values())
    judged = rules[NO_SERVER_ERROR]
    if judged["passed"] or judged["failed"]:
        judged["passed"] = max(answered - judged["failed"], 0)
        judged["status"] = (
            "failed"
            if judged["failed"]
            else "passed"
            if judged["passed"]
            else ("skipped" if judged["skipped"] else "not-run")
        )
    failures = [
        {
            "rule": name,
            "operation": POST,
            "test": f"contract/suite/test_examples.py::test_{name}",
            "message": message,
            "reproduction": f"curl -X POST https://api.{site}/x -H 'DD-API-KEY: ${{DD_API_KEY}}'",
            "response": {"status": 401, "headers": {}, "body": '{"errors": ["no"]}'},
            "occurrences": 1,
        }
        for name in failing
    ]
    kind = site_kind(site)
    idle = [n for n in unexercised + tuple(skipped) if RULES[n].is_required(kind)]
    return {
        "format": "statuspage-contract-report",
        "version": 1,
        "verdict": "failed" if failing or errors or idle else "passed",
        "run": {
            "site": site,
            "base_url": resolve_site(site).base_url or "http://127.0.0.1:8126",
            "contract_sha256": "abc",
            "requests": 100,
            "complete": True,
            "aborted": None,
            "mock_faults": [],
        },
        "rules": rules,
        "status_codes": status_codes,
        "failures": failures,
        "tests": {
            "total": 10,
            "passed": 10 - len(errors),
            "failed": len(errors),
            "skipped": 0,
            "errors_without_rule": list(errors),
        },
    }


def combined(*sites: dict[str, Any]) -> dict[str, Any]:
    verdict = "failed" if any(s["verdict"] == "failed" for s in sites) else "passed"
    return {
        "format": "statuspage-contract-report",
        "version": 1,
        "kind": "combined",
        "verdict": verdict,
        "sites": {s["run"]["site"]: s for s in sites},
    }


def proxy_report() -> dict[str, Any]:
    """A valid report of ``statuspage-contract proxy`` in front of the mock: 100 requests
    forwarded, 10 judged (one test each), 90 outside the contract."""
    report = site_report()
    report["run"].update(
        kind="proxy",
        requests=100,
        pytest_exit_status=0,
        proxy={
            "listen": "http://127.0.0.1:8127",
            "stopped_by": "--requests 100",
            "forwarded": 100,
            "judged": 10,
            "outside_contract": {"requests": 90, "by_path": {"GET /": 90}},
            "unanswered": {"requests": 0, "by_reason": []},
            "not_judged": 0,
        },
    )
    return report
