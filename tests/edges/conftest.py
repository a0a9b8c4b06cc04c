"""The embedded mock the edges' tests judge against."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from statuspage_contract.mock import MockSite


@pytest.fixture(scope="module")
def edge_site() -> Iterator[MockSite]:
    with MockSite() as site:
        yield site
