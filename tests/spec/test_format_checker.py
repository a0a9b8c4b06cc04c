"""The mock checks the formats the contract uses and no others (today: none at all)."""

from __future__ import annotations

from statuspage_contract.spec import load_contract
from statuspage_contract.spec.validators import checks_formats, schema_formats

CONTRACT = load_contract()


def test_the_contract_uses_no_format_so_the_mock_checks_none() -> None:
    assert schema_formats(CONTRACT.resolved) == set()
    assert checks_formats() is False


def test_schema_formats_finds_every_format_keyword() -> None:
    schema = {
        "type": "object",
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "format": {"type": "string"},  # a property named "format" is not the keyword
            "items": {"type": "array", "items": [{"format": "date-time"}]},
        },
    }
    assert schema_formats(schema) == {"uuid", "date-time"}
