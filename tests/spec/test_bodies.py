"""statuspage_contract.spec.bodies: telling, from its first byte, that a body cannot be a JSON
object."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from statuspage_contract.live.safety import could_change_state
from statuspage_contract.spec import could_be_json_object, load_contract, loads_json

CONTRACT = load_contract()
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
#: Every encoding json.loads reads without being told, with and without surrounding space.
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"])


@given(JSON_VALUES, ENCODINGS, st.sampled_from(["", " ", "\r\n\t"]))
def test_a_body_said_to_be_no_object_never_parses_to_one(value, encoding, space):
    body = (space + json.dumps(value) + space).encode(encoding)
    if not could_be_json_object(body):
        assert not isinstance(json.loads(body), dict)
    if isinstance(value, dict):
        assert could_be_json_object(body)


def test_nothing_and_emptiness_are_no_object():
    assert not could_be_json_object(None)
    assert not could_be_json_object(b"")


def test_a_body_that_cannot_be_an_object_could_change_no_state():
    """The live-safety classification skips the parse of such a body and says what the parse
    would: no account can be made of it (the schema wants an object, the secret lives in one)."""
    contract = load_contract()
    key = "k" * 40
    valid = json.dumps(contract.with_secret(contract.request_example("POST"), key))
    assert could_change_state("POST", valid.encode())
    for body in (json.dumps(valid), json.dumps([valid]), json.dumps(key), "null", "12"):
        assert not could_change_state("POST", body.encode())


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps({"a": 1}).encode("utf-16"),
        json.dumps({"a": 1}).encode("utf-32"),
        b"\xef\xbb\xbf{}",  # a UTF-8 byte order mark
        b'{"a": "\xff"}',  # not UTF-8
        b'{"a": NaN}',
        b"[Infinity]",
    ],
)
def test_loads_json_reads_only_what_rfc_8259_calls_json(raw: bytes) -> None:
    with pytest.raises(ValueError):
        loads_json(raw)


def test_loads_json_reads_utf_8_json() -> None:
    assert loads_json('{"k": "é"}'.encode()) == {"k": "é"}
    assert loads_json(bytearray(b"[1]")) == [1] and loads_json("[2]") == [2]


def test_the_protective_statuses_are_the_transport_refusals_the_contract_does_not_document():
    documented = {s for op in CONTRACT.operations.values() for s in op.responses}
    assert CONTRACT.protective_statuses == {408, 413, 414, 431} - documented
    assert CONTRACT.protective_statuses  # this contract documents none of them
