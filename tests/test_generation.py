"""Schemathesis' built-in checks, as the suite runs them, catch a server that breaks them.

Each built-in rule of the registry gets a generated case with a fixed body, sent by
``generation.send_and_judge`` to the mock with one fault: the rule must fail there and pass
against the healthy mock.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, find, settings
from schemathesis import GenerationMode

from statuspage_contract import generation
from statuspage_contract.judging import ContractViolation, judged_client
from statuspage_contract.mock import MockSite
from statuspage_contract.rules import SCHEMATHESIS_CHECKS
from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
SETTINGS = settings(database=None, max_examples=20, suppress_health_check=list(HealthCheck))


def body(api_key: str | None) -> dict[str, Any]:
    example = CONTRACT.request_example("POST")
    if api_key is None:
        del example["data"]["attributes"][CONTRACT.secret_field]
        return example
    return CONTRACT.with_secret(example, api_key)


def case_with(payload: dict[str, Any], *, valid: bool = True) -> Any:
    mode = GenerationMode.POSITIVE if valid else GenerationMode.NEGATIVE
    strategy = generation.operation("POST").as_strategy(mode, body=payload)
    return find(strategy, lambda _: True, settings=SETTINGS)


#: rule -> (fault that breaks it, rate limit, the case's body, whether the case is valid)
BREAKERS: dict[str, tuple[str, int | None, dict[str, Any], bool]] = {
    "not_a_server_error": ("server-error-on-non-ascii-key", None, body("ключ-статуса"), True),
    "status_code_conformance": ("server-error-on-non-ascii-key", None, body("ключ-статуса"), True),
    "content_type_conformance": ("non-json-success-content-type", None, body("k" * 20), True),
    "response_schema_conformance": ("wrong-type-in-response", None, body("k" * 20), True),
    "response_headers_conformance": ("rate-limit-without-headers", 1, body("k" * 20), True),
    "positive_data_acceptance": ("rejects-long-api-key", None, body("k" * 64), True),
    "negative_data_rejection": ("accepts-missing-api-key", None, body(None), False),
}


def judge(faults: tuple[str, ...], rate_limit: int | None, payload: dict, valid: bool) -> list:
    with MockSite(faults=faults, rate_limit=rate_limit) as site:
        client = judged_client(site.base_url, site.api_key, site.app_key)
        if rate_limit:
            client.get(retry_rate_limit=False)  # spend the allowance
        client.rate_retries = 0
        try:
            generation.send_and_judge(client, case_with(payload, valid=valid))
        except ContractViolation as violation:
            return violation.rules
        return []


def test_every_built_in_check_has_a_breaker() -> None:
    assert set(BREAKERS) == set(SCHEMATHESIS_CHECKS)


@pytest.mark.parametrize("check", sorted(BREAKERS))
def test_a_built_in_check_fails_against_a_server_that_breaks_it(check: str) -> None:
    fault, rate_limit, payload, valid = BREAKERS[check]
    assert f"schemathesis:{check}" in judge((fault,), rate_limit, payload, valid)


@pytest.mark.parametrize("check", sorted(BREAKERS))
def test_the_same_case_passes_every_check_against_the_healthy_mock(check: str) -> None:
    _, _, payload, valid = BREAKERS[check]
    assert judge((), None, payload, valid) == []


def test_own_rules_and_built_ins_are_reported_together() -> None:
    rules = judge(("wrong-type-in-response",), None, body("k" * 20), True)
    assert {"response-schema", "schemathesis:response_schema_conformance"} <= set(rules)


# -- what the first generated case costs ------------------------------------------------------
FIRST_CASES = """
import ast
from hypothesis import HealthCheck, Phase, find, settings
from statuspage_contract import generation
parsed = [0]
real_parse = ast.parse
def counting_parse(source, *args, **kwargs):
    parsed.append(len(source))
    return real_parse(source, *args, **kwargs)
ast.parse = counting_parse
once = settings(
    database=None, max_examples=1, phases=[Phase.generate], suppress_health_check=list(HealthCheck)
)
for method, valid in (("POST", True), ("POST", False), ("PATCH", True)):
    find(generation.cases(method, valid=valid), lambda _: True, settings=once)
print(max(parsed))
"""


def test_the_first_cases_parse_no_whole_source_file_to_word_a_lambda() -> None:
    """In a fresh interpreter (Hypothesis' caches are per process), the first cases parse no
    source of more than a few lines. Without ``generation._word_schemathesis_lambdas``, or
    once its lambda no longer matches Schemathesis' own, Hypothesis parses Schemathesis'
    ~89,000-character module here (a 7 MB peak), and this fails."""
    done = subprocess.run(
        [sys.executable, "-c", FIRST_CASES], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout) < 10_000
