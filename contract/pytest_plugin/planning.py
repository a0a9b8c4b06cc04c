"""The plugin's side of the request plan (statuspage_contract.plan): the plan of each site
worked out from the collected tests, written by ``--plan`` (which sends nothing), and each
site's requests held to it when its run closes."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from ..judging import Verdict
from ..judging.recorder import Recorder
from ..plan.build import PLAN_FORMAT, PLAN_NAME, PLAN_VERSION, PlannedTest, RunSettings, build_plan
from ..plan.compare import compare
from ..rules.scenario import WITHIN_PLAN
from ..suite import SUITE_DIR
from .options import option_value

#: The suite's fixtures: a test outside the suite that uses one sends what no plan knows.
_CONTRACT_FIXTURES = ("contract_client", "contract_target", "contract_mock_site")


def planned_tests(items: Sequence[pytest.Item]) -> list[PlannedTest]:
    """The collected tests that send through the suite's client, as the plan sees them."""
    out = []
    for item in items:
        suite = SUITE_DIR in Path(str(item.path)).parents
        if not suite and not set(_CONTRACT_FIXTURES) & set(getattr(item, "fixturenames", ())):
            continue  # a test of the user's own that sends nothing through the suite
        callspec = getattr(item, "callspec", None)
        out.append(
            PlannedTest(
                nodeid=item.nodeid,
                function=str(getattr(item, "originalname", item.name)),
                params=dict(callspec.params) if callspec is not None else {},
                mutating=item.get_closest_marker("mutating") is not None,
                mock_only=item.get_closest_marker("mock_only") is not None,
                suite=suite,
            )
        )
    return out


def run_settings(config: pytest.Config, profile: str) -> RunSettings:
    """The flags of this session that decide its requests (Hypothesis' settings in force)."""
    from hypothesis import Phase, settings

    current = settings.default
    assert current is not None
    return RunSettings(
        profile=profile,
        examples=current.max_examples,
        shrinking=Phase.shrink in current.phases,
        mutations=bool(option_value(config, "allow_mutations")),
        replace=bool(option_value(config, "replace_existing_account")),
        request_budget=option_value(config, "request_budget"),
        example_db=option_value(config, "contract_example_db") is not None,
    )


def make_plans(
    config: pytest.Config, items: Sequence[pytest.Item], sites: Sequence[str], profile: str
) -> dict[str, dict[str, Any]]:
    tests = planned_tests(items)
    settings = run_settings(config, profile)
    return {site: build_plan(site, tests, settings) for site in sites}


def write_plan(report_dir: Path, plans: Mapping[str, Mapping[str, Any]]) -> Path:
    """plan.json: every site's plan; ``sent`` is 0, for a plan sends nothing."""
    from ..redact import SECRETS
    from ..report.build import write_files

    data = {"format": PLAN_FORMAT, "version": PLAN_VERSION, "sent": 0, "sites": dict(plans)}
    path = report_dir / PLAN_NAME
    write_files([(path, json.dumps(SECRETS.redact_tree(data), indent=2) + "\n")])
    return path


def judge_plan(
    recorder: Recorder, sent: Mapping[tuple[str, str], int], plan: Mapping[str, Any]
) -> dict[str, Any]:
    """Hold a site's requests to its plan: the report's ``plan`` section, and the verdict of
    ``WITHIN_PLAN`` (judged only when every test that sent was planned)."""
    section = compare(plan, sent)
    if section["judged"]:
        if section["outside"]:  # the run's verdict, of no test
            recorder.failed(Verdict.broken(WITHIN_PLAN, "; ".join(section["outside"])))
        else:
            recorder.passed(WITHIN_PLAN)
    return section
