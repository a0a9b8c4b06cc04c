"""The contract suite: pytest tests of a site against the contract (shipped in the package)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: Where the shipped suite lives (``statuspage-contract run`` runs it from the package).
SUITE_DIR = Path(__file__).parent

#: On the embedded mock, these modules run first, in this order; the others follow by name.
#: The edges' megabyte bodies then peak before the property-based tests have grown the process
#: (~2 MB less at the peak of ``run --site mock``, benchmarks/README.md). On a live site the
#: suite runs by name, the edges last: a request budget goes to the core tests first.
#: Either way a run's first requests are the example tests' (the live-safety tests count on it).
MOCK_ORDER = ("test_examples.py", "test_unusual_inputs.py")


def order_for_the_mock(items: list[Any]) -> None:
    """Reorder the suite's items (those under SUITE_DIR) in place for a run on the embedded
    mock: :data:`MOCK_ORDER` first; every other item keeps its place."""
    places = [i for i, item in enumerate(items) if SUITE_DIR in Path(str(item.path)).parents]
    rank = {name: place for place, name in enumerate(MOCK_ORDER)}
    ordered = sorted((items[i] for i in places), key=lambda it: rank.get(it.path.name, len(rank)))
    for place, item in zip(places, ordered, strict=True):
        items[place] = item
