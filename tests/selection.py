"""Which parameter combinations the selected tests of a module need, so that a module-scoped
fixture runs only those (each combination is a whole suite run against its own site)."""

from __future__ import annotations

from collections.abc import Iterable

import pytest


def selected_combinations(
    session: pytest.Session,
    module: str,
    names: tuple[str, str],
    always: Iterable[tuple[str, str]] = (),
) -> list[tuple[str, str]]:
    """The (``names[0]``, ``names[1]``) parameter pairs of the selected tests of ``module``,
    in order, then ``always`` (what its unparametrised tests read)."""
    wanted: dict[tuple[str, str], None] = {}
    for item in session.items:
        params = getattr(item, "callspec", None)
        if item.module is not None and item.module.__name__ == module and params:
            combo = (params.params.get(names[0]), params.params.get(names[1]))
            if None not in combo:
                wanted[combo] = None  # type: ignore[index]
    for fixed in always:
        wanted[fixed] = None
    return list(wanted)
