"""Edge inputs (contract.edges): the inputs where real bugs live, one test per category.

Each test sends every input of its category over the client's one connection, judges each
with the suite's rules and records its outcome for the report's edges table. It runs last:
the live-safety tests count on the first requests of a run being the example tests'.
"""

from __future__ import annotations

import pytest

from contract.client import ContractClient
from contract.edges import CATEGORIES
from contract.edges.judge import EdgeRun
from contract.target import Target

pytestmark = pytest.mark.usefixtures("suite_guard")


@pytest.mark.parametrize("category", list(CATEGORIES))
def test_edges_of_the_contract_are_judged_by_its_rules(
    client: ContractClient, target: Target, category: str
) -> None:
    EdgeRun(client, target).run(category)
