"""Drawing from a strategy outside a test (contract/notebook/sampling.py)."""

from __future__ import annotations

from typing import Any

import pytest

from statuspage_contract.notebook.sampling import draw


def test_an_error_while_drawing_is_raised_as_is() -> None:
    from hypothesis import strategies as st

    class Boom(Exception):
        pass

    def use(value: Any) -> bool:
        raise Boom("stop")

    with pytest.raises(Boom, match="stop") as caught:
        draw(st.integers(), 5, 1, use)
    assert not getattr(caught.value, "__notes__", [])  # Hypothesis added no example
