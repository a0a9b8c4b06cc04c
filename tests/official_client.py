"""Datadog's official Python client (datadog-api-client, the test extra) pointed at a mock
site: the module imports it, so import this only after ``pytest.importorskip``."""

from __future__ import annotations

from collections.abc import Iterator

from datadog_api_client import ApiClient, Configuration
from datadog_api_client.v2.api.statuspage_integration_api import StatuspageIntegrationApi

from statuspage_contract.mock import MockSite


def official_api(site: MockSite, api_key: str, app_key: str) -> Iterator[StatuspageIntegrationApi]:
    """The client's Statuspage API on ``site`` with these keys (a generator, for fixtures)."""
    config = Configuration(host=site.base_url)
    config.api_key["apiKeyAuth"] = api_key
    config.api_key["appKeyAuth"] = app_key
    with ApiClient(config) as client:
        yield StatuspageIntegrationApi(client)
