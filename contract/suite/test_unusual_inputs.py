"""Edge inputs (statuspage_contract.edges): the inputs where real bugs live, one test per category.

Each test sends every input of its category over the contract_client's one connection, judges each
with the suite's rules and records its outcome for the report's edges table. It runs right
after the example tests on the embedded mock, last on a live site
(statuspage_contract.suite.MOCK_ORDER).
"""

from __future__ import annotations

import pytest

from ..edges import CATEGORIES
from ..edges.judge import EdgeRun
from ..judging import JudgedClient
from ..target import Target

pytestmark = pytest.mark.usefixtures("contract_guard")


@pytest.mark.parametrize("category", list(CATEGORIES))
def test_edges_of_the_contract_are_judged_by_its_rules(
    contract_client: JudgedClient, contract_target: Target, category: str
) -> None:
    EdgeRun(contract_client, contract_target).run(category)
