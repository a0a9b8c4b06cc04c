"""What the notebook API's tests (tests/test_notebook_*.py) share: keys, bodies, hostile
text, a crafted exchange and contract reports written to disk."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import pytest

from statuspage_contract.http.exchange import Exchange
from statuspage_contract.judging import Verdict
from statuspage_contract.notebook import CallResult
from statuspage_contract.redact import SECRETS
from statuspage_contract.report.format import JSON_NAME
from statuspage_contract.rules import RULES
from statuspage_contract.spec import JSON_MEDIA_TYPE, load_contract

CONTRACT = load_contract()
POST = CONTRACT.create.label
HOSTILE = '<script>alert("x")</script>'


def frames_needed() -> None:
    pytest.importorskip("pandas", reason="to_frame() needs pandas (the notebooks extra)")


def have_pandas() -> bool:
    try:
        import pandas  # noqa: F401
    except ImportError:
        return False
    return True


def key() -> str:
    """A distinctive api_key that the test submits (the client registers it as a secret)."""
    return "sentinel-" + secrets.token_hex(16)


def body(secret: str) -> dict[str, Any]:
    return CONTRACT.with_secret(CONTRACT.request_example("POST"), secret)


def assert_hidden(text: str, *secrets_: str) -> None:
    for secret in secrets_:
        assert secret not in text, f"a secret leaked: {secret[:6]}…"


def everything(result: CallResult) -> str:
    """Every rendering of a call result, concatenated."""
    parts = [result._repr_html_(), repr(result), json.dumps(result.to_dict()), result.curl()]
    parts += [repr(result.verdicts), result.verdicts._repr_html_(), json.dumps(result.headers)]
    parts.append(json.dumps(result.body))
    return "\n".join(parts)


def exchange(response_body: bytes, status: int = 400) -> Exchange:
    """A failed create whose headers and verdict message carry hostile HTML."""
    return Exchange(
        method="POST",
        url="http://127.0.0.1:1" + CONTRACT.account_path,
        request_headers={"Content-Type": JSON_MEDIA_TYPE},
        request_body=b'{"x": 1}',
        status=status,
        response_headers={"Content-Type": JSON_MEDIA_TYPE, "X-Evil": HOSTILE},
        response_body=response_body,
        operation=POST,
        verdicts=[Verdict("error-envelope", False, f"bad {HOSTILE}")],
    )


def site_report(
    site: str = "mock", *, failing: tuple[str, ...] = (), message: str = "it broke"
) -> dict[str, Any]:
    """A valid single-site report in which the ``failing`` rules failed."""
    rules = {}
    # the undocumented 500 of a failing report also fails these two (the gate checks it)
    failing = (*failing, *(("documented-status", "no-server-error") if failing else ()))
    for name, rule in RULES.items():
        passed, failed = (3, 2) if name in failing else (5, 0)
        if name == "no-server-error":  # judges every answer: one per status code counted
            passed = (37 if failing else 38) - failed
        rules[name] = {
            "kind": rule.kind,
            "summary": rule.summary,
            "required": rule.is_required("mock"),
            "status": "failed" if failed else "passed",
            "passed": passed,
            "failed": failed,
            "skipped": 0,
            "skip_reasons": [],
        }
    return {
        "format": "statuspage-contract-report",
        "version": 1,
        "verdict": "failed" if failing else "passed",
        "run": {
            "site": site,
            "base_url": "http://127.0.0.1:1",
            "mock_faults": [],
            "requests": 40,
            "complete": True,
            "duration_seconds": 1.5,
            "finished": "2026-11-27T12:00:00+00:00",
            "contract_sha256": CONTRACT.sha256,
        },
        "rules": rules,
        "status_codes": {
            op.label: {
                "documented": {str(s): 0 if failing and s == 409 else 2 for s in op.statuses},
                "undocumented": {"500": 1} if failing and op.method == "POST" else {},
            }
            for op in CONTRACT.operations.values()
        },
        "failures": [
            {
                "rule": name,
                "operation": POST,
                "test": "contract/suite/test_x.py::test_y",
                "message": message,
                "reproduction": "curl -X POST -H 'DD-API-KEY: ${DD_API_KEY}'",
                "response": {"status": 201, "headers": {}, "body": "{}"},
                "occurrences": 1,
            }
            for name in dict.fromkeys(failing)
        ],
        "tests": {"total": 3, "passed": 3, "failed": 0, "skipped": 0, "errors_without_rule": []},
    }


def write(path: Path, report: dict[str, Any]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / JSON_NAME).write_text(json.dumps(report))
    return path / JSON_NAME


def write_reports(tmp_path: Path) -> tuple[Path, Path]:
    """A passing report and one whose single-account failure quotes HTML and a secret."""
    secret = key()
    SECRETS.add(secret)
    good = write(tmp_path / "good", site_report())
    bad = write(
        tmp_path / "bad",
        site_report(failing=("single-account",), message=f"{HOSTILE} leaked {secret}"),
    )
    return good, bad
