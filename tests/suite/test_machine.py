"""The suite's state machine (statuspage_contract.suite.machine): both resources, each URL
settings fault caught, nothing left behind, and its cost held by the plan."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import settings

from statuspage_contract.judging import ContractViolation, judged_client
from statuspage_contract.judging.recorder import Recorder
from statuspage_contract.mock import MockSite
from statuspage_contract.plan.shapes import (
    MACHINE_STEPS,
    SHAPES,
    Conditions,
    machine_examples,
    settings_sent,
)
from statuspage_contract.profiles import PROFILES
from statuspage_contract.suite.machine import run_machine

URL_FAULTS = ("url-setting-duplicate-url", "url-setting-unknown-id-taken",
              "url-setting-update-not-stored")  # fmt: skip
MACHINE = "test_any_sequence_of_calls_keeps_the_account_state_consistent"


@pytest.fixture(scope="module")
def site() -> Iterator[MockSite]:
    with MockSite() as served:
        yield served


def _run(site: MockSite, examples: int = 2) -> Recorder:
    recorder = Recorder()
    client = judged_client(site.base_url, site.api_key, site.app_key, recorder=recorder)
    try:
        run_machine(client, settings(max_examples=examples, derandomize=True, database=None))
    finally:
        client.close()
    return recorder


def _listed(site: MockSite) -> object:
    client = judged_client(site.base_url, site.api_key, site.app_key)
    try:
        return client.list_settings().json
    finally:
        client.close()


def test_a_healthy_mock_passes_and_keeps_no_setting(site: MockSite) -> None:
    site.set_faults([])
    site.reset()
    before = _listed(site)
    _run(site)
    assert _listed(site) == before  # every setting the machine made, deleted


@pytest.mark.parametrize("fault", URL_FAULTS)
def test_each_url_settings_fault_is_caught_and_nothing_is_left(site: MockSite, fault: str) -> None:
    site.set_faults([fault])
    site.reset()
    before = _listed(site)
    with pytest.raises(ContractViolation):
        _run(site, examples=1)
    site.set_faults([])
    assert _listed(site) == before


def test_the_plan_counts_every_url_settings_call_of_the_machine() -> None:
    conditions = Conditions(is_mock=True, mutations=True, examples=25, read_only_key=False)
    examples, shape = SHAPES[MACHINE]({}, conditions)
    assert examples == machine_examples(25)
    for method in ("GET", "POST", "PATCH", "DELETE"):
        for key, n in settings_sent(method).items():
            assert shape[key] >= n * MACHINE_STEPS


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_steps_times_examples_stay_within_the_account_machine_s(profile: str) -> None:
    examples = PROFILES[profile]["max_examples"]
    assert machine_examples(examples) * MACHINE_STEPS <= max(5, examples // 3) * 12
