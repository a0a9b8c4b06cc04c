"""statuspage_contract.suite: the order of the suite's modules on the embedded mock and on a live
site."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from statuspage_contract.suite import MOCK_ORDER, SUITE_DIR, order_for_the_mock


def test_on_the_mock_the_listed_modules_go_first_and_other_items_stay() -> None:
    def item(path: Path) -> SimpleNamespace:
        return SimpleNamespace(path=path)

    names = [
        "test_examples.py",
        "test_lifecycle.py",
        "test_properties.py",
        "test_unusual_inputs.py",
    ]
    suite = [item(SUITE_DIR / name) for name in names]
    own = item(Path("/elsewhere/test_mine.py"))
    items = [suite[1], own, *suite[2:], suite[0]]
    order_for_the_mock(items)
    assert [i.path.name for i in items] == [
        MOCK_ORDER[0], "test_mine.py", MOCK_ORDER[1], "test_lifecycle.py", "test_properties.py"
    ]  # fmt: skip
    assert items[1] is own
