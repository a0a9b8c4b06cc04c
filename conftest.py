"""Repository conftest: load the contract suite's pytest plugin for `pytest` runs from here."""

pytest_plugins = ["statuspage_contract.pytest_plugin.plugin"]
