"""Edge inputs (statuspage_contract.edges): the inputs where real bugs live, one test per category.

Each test sends every input of its category (the fast profile: one of each class of equivalent
inputs) over the contract_client's one connection, judges each
with the suite's rules and records its outcome for the report's edges table. It runs right
after the example tests on the embedded mock, last on a live site
(statuspage_contract.suite.MOCK_ORDER).
"""

from __future__ import annotations

from typing import Any

import pytest

from ..edges import CATEGORIES
from ..edges.judge import EdgeRun
from ..judging import JudgedClient
from ..pytest_plugin.options import FAST_PROFILE
from ..target import Target

pytestmark = pytest.mark.usefixtures("contract_guard")


@pytest.mark.parametrize("category", list(CATEGORIES))
def test_edges_of_the_contract_are_judged_by_its_rules(
    contract_client: JudgedClient, contract_target: Target, contract_run: Any, category: str
) -> None:
    """The ``fast`` profile sends one edge of each class of equivalent inputs (the others
    count as skipped in the edges table); every other profile sends them all."""
    every = contract_run.profile != FAST_PROFILE
    EdgeRun(contract_client, contract_target, every=every).run(category)
