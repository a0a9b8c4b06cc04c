"""Datadog's official Python client (datadog-api-client, the test extra) pointed at a mock
site: the module imports it, so import this only after ``pytest.importorskip``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from datadog_api_client import ApiClient, Configuration
from datadog_api_client.v2.api.statuspage_integration_api import StatuspageIntegrationApi
from datadog_api_client.v2.model.statuspage_url_setting_type import StatuspageUrlSettingType

from statuspage_contract.mock import MockSite

SETTING_KIND = StatuspageUrlSettingType.STATUSPAGE_URL_SETTING


def official_api(site: MockSite, api_key: str, app_key: str) -> Iterator[StatuspageIntegrationApi]:
    """The client's Statuspage API on ``site`` with these keys (a generator, for fixtures)."""
    config = Configuration(host=site.base_url)
    config.api_key["apiKeyAuth"] = api_key
    config.api_key["appKeyAuth"] = app_key
    with ApiClient(config) as client:
        yield StatuspageIntegrationApi(client)


def setting_create(url: str, tags: str = "team:payments,env:prod") -> Any:
    """The official client's create request for a URL setting."""
    from datadog_api_client.v2.model.statuspage_url_setting_create_attributes import (
        StatuspageUrlSettingCreateAttributes,
    )
    from datadog_api_client.v2.model.statuspage_url_setting_create_data import (
        StatuspageUrlSettingCreateData,
    )
    from datadog_api_client.v2.model.statuspage_url_setting_create_request import (
        StatuspageUrlSettingCreateRequest,
    )

    attributes = StatuspageUrlSettingCreateAttributes(url=url, custom_tags=tags)
    return StatuspageUrlSettingCreateRequest(
        data=StatuspageUrlSettingCreateData(attributes=attributes, type=SETTING_KIND)
    )


def setting_update(setting_id: str, **attributes: str) -> Any:
    """The official client's update request for the URL setting ``setting_id``."""
    from datadog_api_client.v2.model.statuspage_url_setting_update_attributes import (
        StatuspageUrlSettingUpdateAttributes,
    )
    from datadog_api_client.v2.model.statuspage_url_setting_update_data import (
        StatuspageUrlSettingUpdateData,
    )
    from datadog_api_client.v2.model.statuspage_url_setting_update_request import (
        StatuspageUrlSettingUpdateRequest,
    )

    return StatuspageUrlSettingUpdateRequest(
        data=StatuspageUrlSettingUpdateData(
            attributes=StatuspageUrlSettingUpdateAttributes(**attributes),
            id=setting_id,
            type=SETTING_KIND,
        )
    )
