"""The mock's URL settings (mock/url_settings.py): Datadog's official Python client passes a
whole lifecycle through the embedded mock, and the mock answers every documented status."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

pytest.importorskip(
    "datadog_api_client",
    reason="needs Datadog's official client: the test extra, pip install -e '.[test]'",
)

from datadog_api_client.exceptions import ApiException, ForbiddenException, NotFoundException
from datadog_api_client.v2.api.statuspage_integration_api import StatuspageIntegrationApi
from datadog_api_client.v2.model.statuspage_url_setting_type import StatuspageUrlSettingType
from official_client import official_api, setting_create, setting_update

from statuspage_contract.mock import MockSite
from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
SETTINGS = CONTRACT.url_settings
KIND = StatuspageUrlSettingType.STATUSPAGE_URL_SETTING


@pytest.fixture
def official(mock_fresh_site: MockSite) -> Iterator[StatuspageIntegrationApi]:
    yield from official_api(mock_fresh_site, mock_fresh_site.api_key, mock_fresh_site.app_key)


def status_of(call, *args, **kwargs) -> int:
    with pytest.raises(ApiException) as refused:
        call(*args, **kwargs)
    return int(refused.value.status)


def test_the_official_client_passes_a_whole_lifecycle(official, mock_fresh_site):
    status = SETTINGS.status
    assert official.list_statuspage_url_settings().data == []
    first = official.create_statuspage_url_setting(
        body=setting_create("https://payments.statuspage.io")
    )
    assert first.data.type == KIND and first.data.attributes.url.endswith("statuspage.io")
    assert status_of(
        official.create_statuspage_url_setting,
        body=setting_create("https://payments.statuspage.io"),
    ) == (status.conflict)
    second = official.create_statuspage_url_setting(
        body=setting_create("https://api.status.io", "a:b")
    )
    listed = official.list_statuspage_url_settings().data
    assert [s.id for s in listed] == [first.data.id, second.data.id]

    changed = official.update_statuspage_url_setting(
        first.data.id, body=setting_update(first.data.id, custom_tags="team:payments,env:staging")
    )
    assert changed.data.attributes.custom_tags == "team:payments,env:staging"
    assert changed.data.attributes.url == first.data.attributes.url  # kept
    update_status = official.update_statuspage_url_setting
    mismatched = setting_update(second.data.id, custom_tags="x:y")
    assert status_of(update_status, first.data.id, body=mismatched) == status.conflict
    taken = setting_update(second.data.id, url=first.data.attributes.url)
    assert status_of(update_status, second.data.id, body=taken) == status.conflict
    assert status_of(
        update_status,
        "no-such-id",
        body=setting_update("no-such-id", url="https://x.statuspage.com"),
    ) == (status.not_found)

    official.delete_statuspage_url_setting(first.data.id)
    with pytest.raises(NotFoundException):
        official.delete_statuspage_url_setting(first.data.id)
    assert [s.id for s in official.list_statuspage_url_settings().data] == [second.data.id]
    assert mock_fresh_site.default_organisation.url_settings.keys() == {second.data.id}


def test_the_official_client_gets_forbidden_with_wrong_keys_or_permission(mock_fresh_site):
    for api in official_api(mock_fresh_site, "not-a-key", mock_fresh_site.app_key):
        with pytest.raises(ForbiddenException):
            api.create_statuspage_url_setting(body=setting_create("https://a.statuspage.io"))
        with pytest.raises(ForbiddenException):
            api.list_statuspage_url_settings()
    _, api_key, app_key = mock_fresh_site.new_organisation(permissions=CONTRACT.read_permissions)
    for api in official_api(mock_fresh_site, api_key, app_key):
        assert api.list_statuspage_url_settings().data == []
        with pytest.raises(ForbiddenException):
            api.create_statuspage_url_setting(body=setting_create("https://a.statuspage.io"))
    assert not mock_fresh_site.default_organisation.url_settings


def test_settings_belong_to_their_organisation(official, mock_fresh_site):
    official.create_statuspage_url_setting(body=setting_create("https://a.statuspage.io"))
    _, api_key, app_key = mock_fresh_site.new_organisation()
    for other in official_api(mock_fresh_site, api_key, app_key):
        assert other.list_statuspage_url_settings().data == []
        other.create_statuspage_url_setting(
            body=setting_create("https://a.statuspage.io")
        )  # no conflict


def test_bodies_are_judged_methods_named_and_the_rate_limit_applies(mock_fresh_site):
    """What the official client cannot send: a body missing a required attribute (400), a
    method the path does not serve (405 with Allow), and requests over the rate limit (429)."""
    headers = mock_fresh_site.headers()
    collection = mock_fresh_site.base_url + SETTINGS.collection_path
    body = SETTINGS.request_example("POST")
    del body["data"]["attributes"][SETTINGS.url_field]
    refused = requests.post(collection, json=body, headers=headers, timeout=5)
    assert refused.status_code == SETTINGS.status.invalid
    assert SETTINGS.url_field in refused.json()["errors"][0]
    item = mock_fresh_site.base_url + SETTINGS.item_path("x")
    wrong = requests.get(item, headers=headers, timeout=5)
    assert wrong.status_code == 405 and wrong.headers["allow"] == "PATCH, DELETE"
    mock_fresh_site.set_rate_limit(1)
    assert requests.get(collection, headers=headers, timeout=5).status_code == 200
    limited = requests.get(collection, headers=headers, timeout=5)
    assert limited.status_code == SETTINGS.status.rate_limited
    assert all(name in limited.headers for name in CONTRACT.rate_limit_headers)


@pytest.mark.parametrize("setting_id", ["%C3%B0%09", "a/b", "ü" * 3])
def test_an_id_in_the_path_is_decoded_once(mock_fresh_site: MockSite, setting_id: str) -> None:
    """An id that holds "%" or "/" is the body's id once the path is decoded (once): an
    unknown one is not found, never a mismatch (the suite's unusual path ids found this)."""
    body = SETTINGS.request_example("PATCH")
    body["data"]["id"] = setting_id
    answer = requests.patch(
        mock_fresh_site.base_url + SETTINGS.item_path(setting_id),
        json=body,
        headers={
            CONTRACT.api_key_header: mock_fresh_site.api_key,
            CONTRACT.app_key_header: mock_fresh_site.app_key,
        },
        timeout=10,
    )
    assert answer.status_code == SETTINGS.status.not_found, answer.text
