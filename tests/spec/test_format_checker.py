"""The mock checks the formats the contract uses and no others (today: none at all)."""

from __future__ import annotations

from contract.spec import load_contract
from contract.spec.validators import contract_format_checker, schema_formats, validator_for

CONTRACT = load_contract()


def test_the_contract_uses_no_format_so_the_mock_checks_none() -> None:
    assert schema_formats(CONTRACT.resolved) == set()
    assert contract_format_checker() is None
    schema = CONTRACT.operation("POST").request_schema
    assert schema is not None
    assert validator_for(schema).format_checker is None


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
