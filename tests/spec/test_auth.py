"""The contract's OAuth2 scheme, read as the bearer token a client sends (spec/auth.py)."""

from __future__ import annotations

import pytest

from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
BEARER = CONTRACT.bearer


def test_the_bearer_is_the_contracts_oauth2_scheme_whose_scopes_cover_every_permission():
    scheme = CONTRACT.document["components"]["securitySchemes"][BEARER.scheme]
    assert scheme["type"] == "oauth2"
    assert {BEARER.scheme: []} in CONTRACT.document["security"]
    assert CONTRACT.permissions <= BEARER.scopes  # a token can be granted what any call needs


def test_a_token_round_trips_through_its_header_value():
    assert BEARER.headers("tok-1") == {BEARER.header: BEARER.value("tok-1")}
    assert BEARER.token_of(BEARER.value("tok-1")) == "tok-1"
    assert BEARER.token_of(BEARER.value("tok-1").upper().replace("TOK-1", "tok-1")) == "tok-1"


@pytest.mark.parametrize("value", [None, "", "tok-1", "Basic tok-1", BEARER.value("")])
def test_a_value_that_is_no_bearer_token_carries_none(value):
    assert BEARER.token_of(value) is None
