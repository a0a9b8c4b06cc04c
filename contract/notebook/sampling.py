"""Drawing values from a Hypothesis strategy outside a test, for notebook cells."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

__all__ = ["draw"]


def draw(strategy: Any, n: int, seed: int | None, use: Callable[[Any], bool]) -> int:
    """Run ``use`` on up to ``n`` values drawn from ``strategy``; return how many counted.

    Generation only: no shrinking, no example database (it would store submitted api_keys),
    no deadline, quiet. ``use`` returns False for a value that does not count (it is filtered
    out). An exception from ``use`` stops the drawing and is raised as is: Hypothesis never
    sees it, so it never reports the (unredacted) value that was being used. Hypothesis'
    Unicode tables are kept in the per-user cache that ``run`` uses (not in a
    ``.hypothesis/`` folder beside the notebook, rebuilt there for ~4 s and 200 MB).
    """
    from ..hypothesis_cache import use_hypothesis_cache

    use_hypothesis_cache()
    from hypothesis import Phase, assume, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis.errors import Unsatisfiable

    from ..profiles import SAFE_SETTINGS

    counted = 0
    errors: list[Exception] = []

    @settings(**SAFE_SETTINGS, max_examples=n, phases=[Phase.generate])
    @given(strategy)
    def run(value: Any) -> None:
        nonlocal counted
        assume(counted < n and not errors)
        try:
            keep = use(value)
        except Exception as exc:
            errors.append(exc)
            keep = False
        assume(keep)
        counted += 1

    if seed is not None:
        run = hypothesis_seed(seed)(run)
    with contextlib.suppress(Unsatisfiable):
        run()
    if errors:
        raise errors[0]
    return counted
