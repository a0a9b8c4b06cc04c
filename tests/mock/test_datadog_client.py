"""Datadog's official Python client (datadog-api-client), pointed at the mock, works."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip(
    "datadog_api_client",
    reason="needs Datadog's official client: the test extra, pip install -e '.[test]'",
)

from datadog_api_client import ApiClient, Configuration
from datadog_api_client.exceptions import ApiException, ForbiddenException, NotFoundException
from datadog_api_client.v2.api.statuspage_integration_api import StatuspageIntegrationApi
from datadog_api_client.v2.model.statuspage_account_create_attributes import (
    StatuspageAccountCreateAttributes,
)
from datadog_api_client.v2.model.statuspage_account_create_data import StatuspageAccountCreateData
from datadog_api_client.v2.model.statuspage_account_create_request import (
    StatuspageAccountCreateRequest,
)
from datadog_api_client.v2.model.statuspage_account_type import StatuspageAccountType
from official_client import official_api

from statuspage_contract.mock import MockSite
from statuspage_contract.spec import load_contract

CONTRACT = load_contract()


@pytest.fixture
def official(mock_fresh_site: MockSite) -> Iterator[StatuspageIntegrationApi]:
    yield from official_api(mock_fresh_site, mock_fresh_site.api_key, mock_fresh_site.app_key)


def create_request(secret: str) -> StatuspageAccountCreateRequest:
    return StatuspageAccountCreateRequest(
        data=StatuspageAccountCreateData(
            attributes=StatuspageAccountCreateAttributes(api_key=secret),
            type=StatuspageAccountType.STATUSPAGE_ACCOUNT,
        )
    )


def test_the_official_client_creates_conflicts_reads_and_deletes(official, mock_fresh_site):
    created = official.create_statuspage_account(body=create_request("sp-official-secret"))
    assert created.data.attributes.api_key == CONTRACT.mask
    assert created.data.type == StatuspageAccountType.STATUSPAGE_ACCOUNT
    assert mock_fresh_site.default_organisation.account_key == "sp-official-secret"

    with pytest.raises(ApiException) as conflict:
        official.create_statuspage_account(body=create_request("sp-second"))
    assert conflict.value.status == 409

    assert official.get_statuspage_account().data.attributes.api_key == CONTRACT.mask
    official.delete_statuspage_account()
    with pytest.raises(NotFoundException):
        official.get_statuspage_account()


def test_the_official_client_gets_forbidden_with_wrong_keys(mock_fresh_site):
    for api in official_api(mock_fresh_site, "not-a-key", mock_fresh_site.app_key):
        with pytest.raises(ForbiddenException) as refused:
            api.create_statuspage_account(body=create_request("sp-secret"))
        assert refused.value.status == 403
    assert mock_fresh_site.default_organisation.account_key is None


def test_the_official_client_with_an_oauth2_access_token_only_is_let_in_by_it(mock_fresh_site):
    """Datadog's client sends its ``access_token`` as the AuthZ scheme's bearer token (the
    header and prefix spec/auth.py reads): the mock's token lets it in, an unknown one not."""
    with ApiClient(Configuration(host=mock_fresh_site.base_url)) as client:
        client.configuration.access_token = mock_fresh_site.bearer_token
        api = StatuspageIntegrationApi(client)
        api.create_statuspage_account(body=create_request("sp-oauth-secret"))
        assert mock_fresh_site.default_organisation.account_key == "sp-oauth-secret"
        client.configuration.access_token = "not-a-token"
        with pytest.raises(ForbiddenException):
            api.get_statuspage_account()
