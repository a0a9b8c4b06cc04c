"""The mock accepts the contract's OAuth2 bearer token in place of the two keys."""

from __future__ import annotations

import secrets

import pytest

from statuspage_contract.mock import MockSite
from statuspage_contract.mock.state import DEMO_BEARER_TOKEN
from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
BEARER = CONTRACT.bearer
WRITES = {"POST": CONTRACT.request_example("POST"), "PATCH": CONTRACT.request_example("PATCH")}


def send(api, headers, method, body=None):
    """One request with ``headers`` as its only auth (no key)."""
    if body is None:
        return api.call(method, auth=False, headers=headers)
    return api.call(method, body, auth=False, headers=headers)


def test_the_default_token_creates_and_deletes_on_the_default_organisation(
    mock_api, mock_fresh_site, monkeypatch
):
    monkeypatch.delenv("DD_BEARER_TOKEN", raising=False)
    assert MockSite().bearer_token == DEMO_BEARER_TOKEN
    bearer = mock_fresh_site.bearer_headers()
    assert (
        send(mock_api, bearer, "POST", WRITES["POST"]).status_code == CONTRACT.create.success.status
    )
    assert mock_api.get().status_code == CONTRACT.read.success.status  # the same organisation
    assert send(mock_api, bearer, "DELETE").status_code == CONTRACT.delete.success.status


def test_the_token_comes_from_dd_bearer_token_and_a_given_one_wins(monkeypatch):
    monkeypatch.setenv("DD_BEARER_TOKEN", "from-env")
    assert MockSite().bearer_token == "from-env"
    assert MockSite(bearer_token="given").bearer_token == "given"


@pytest.mark.parametrize(
    "value",
    [BEARER.value("unknown-token"), BEARER.value(""), "Basic " + DEMO_BEARER_TOKEN, ""],
    ids=["unknown", "empty", "other-scheme", "blank"],
)
def test_an_unknown_or_malformed_token_is_refused_403_with_the_envelope(mock_api, value):
    response = send(mock_api, {BEARER.header: value}, "GET")
    assert response.status_code == CONTRACT.status.forbidden
    assert response.json()[CONTRACT.errors_field]


@pytest.mark.parametrize("method", [*sorted(WRITES), "DELETE"])
def test_a_token_without_the_write_permission_may_read_but_not_write(
    mock_api, mock_fresh_site, method
):
    org = mock_fresh_site.add_organisation()
    token = mock_fresh_site.add_token(org, scopes=CONTRACT.read_permissions)
    reader = mock_fresh_site.bearer_headers(token)
    assert send(mock_api, reader, "GET").status_code == CONTRACT.status.not_found  # may read
    refused = send(mock_api, reader, method, WRITES.get(method))
    assert refused.status_code == CONTRACT.status.forbidden
    assert org.account_key is None


def test_a_token_answers_for_its_own_organisation_only(mock_api, mock_fresh_site):
    org = mock_fresh_site.add_organisation()
    token = mock_fresh_site.add_token(org, f"tok-{secrets.token_hex(8)}")
    other = mock_fresh_site.bearer_headers(token)
    assert (
        send(mock_api, other, "POST", WRITES["POST"]).status_code == CONTRACT.create.success.status
    )
    assert mock_api.get().status_code == CONTRACT.status.not_found  # not the default's
