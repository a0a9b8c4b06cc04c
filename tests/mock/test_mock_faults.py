"""Each fault mode of the mock changes exactly the behaviour it names, and nothing else.

A fixed battery of scripted request sequences covers every behaviour of the mock. It runs once
on a healthy mock and once per fault; the entries whose observations differ must be exactly
the ones the table ``CHANGED_BY`` lists for that fault.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from statuspage_contract.mock import FAULTS, MockSite, UnknownFaultError
from statuspage_contract.mock.faults import check_faults, describe_faults
from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
RULE_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")


def create_body(api_key="00000000-0000-0000-0000-000000000000"):
    return CONTRACT.with_secret(CONTRACT.request_example("POST"), api_key)


def update_body(api_key="11111111-1111-1111-1111-111111111111"):
    return CONTRACT.with_secret(CONTRACT.request_example("PATCH"), api_key)


def body_with(api_key: Any = "sp-key", type_: Any = "statuspage-account") -> dict[str, Any]:
    data: dict[str, Any] = {"attributes": {"api_key": api_key}}
    if type_ is not None:
        data["type"] = type_
    return {"data": data}


# -- the battery ----------------------------------------------------------------------------

Script = Callable[[Any], list[Any]]
#: name -> (rate limit for the entry or None, script returning the responses to observe)
BATTERY: dict[str, tuple[int | None, Script]] = {}
#: name -> the statuses a healthy mock answers, in order (the battery's own specification)
HEALTHY_STATUSES: dict[str, list[int]] = {}


def entry(name: str, statuses: list[int], rate_limit: int | None = None):
    def register(script: Script) -> Script:
        BATTERY[name] = (rate_limit, script)
        HEALTHY_STATUSES[name] = statuses
        return script

    return register


@entry("create", [201, 200])
def _create(api):
    return [api.post(create_body()), api.get()]


@entry("create-twice", [201, 409, 200])
def _create_twice(api):
    return [api.post(create_body("first")), api.post(create_body("second")), api.get()]


@entry("create-extra-fields", [201, 200])
def _create_extra_fields(api):
    body = create_body()
    body["meta"] = {"x": 1}
    body["data"]["attributes"]["extra"] = "y"
    return [api.post(body), api.get()]


@entry("create-non-ascii-key", [201, 200])
def _create_non_ascii_key(api):
    return [api.post(create_body("clé-ünïcødé-ключ-🔑")), api.get()]


@entry("get-missing", [404])
def _get_missing(api):
    return [api.get()]


@entry("patch", [201, 200, 200])
def _patch(api):
    return [api.post(create_body()), api.patch(update_body()), api.get()]


@entry("patch-missing", [404, 404])
def _patch_missing(api):
    return [api.patch(update_body()), api.get()]


@entry("patch-invalid", [201, 400, 200])
def _patch_invalid(api):
    return [api.post(create_body()), api.patch(update_body("")), api.get()]


@entry("delete", [201, 204, 404, 404])
def _delete(api):
    return [api.post(create_body()), api.delete(), api.get(), api.delete()]


@entry("create-long-key", [201, 200])
def _create_long_key(api):
    return [api.post(create_body("k" * 64)), api.get()]


@entry("create-long-string", [201, 200])
def _create_long_string(api):
    return [api.post(create_body("k" * 2048)), api.get()]


@entry("create-charset", [201, 200])
def _create_charset(api):
    return [api.post(create_body(), content_type="application/json; charset=utf-8"), api.get()]


@entry("patch-no-keys", [201, 403, 200])
def _patch_no_keys(api):
    return [api.post(create_body()), api.patch(update_body(), auth=False), api.get()]


@entry("delete-missing", [404])
def _delete_missing(api):
    return [api.delete()]


def _invalid_create(name: str, **request: Any) -> None:
    entry(name, [400, 404])(lambda api: [api.post(**request), api.get()])


_invalid_create("create-not-json", raw=b"not json")
_invalid_create("create-invalid-utf8", raw=b'{"data": "\xff"}')
#: What a request that got no answer looks like to :func:`observe`.
NO_ANSWER = SimpleNamespace(status_code=0, headers={}, content=b"", text="")


@entry("create-empty-body", [400, 404])
def _create_empty_body(api):
    try:  # a healthy mock answers at once; drops-answer-on-empty-body never does
        sent = api.post(raw=b"", timeout=1)
    except requests.Timeout:
        sent = NO_ANSWER
    return [sent, api.get()]


_invalid_create("create-text-plain", body=create_body(), content_type="text/plain")
_invalid_create("create-no-content-type", body=create_body(), content_type=None)
_invalid_create("create-array-body", body=[create_body()])
_invalid_create("create-string-body", body="statuspage-account")
_invalid_create("create-missing-data", body={})
_invalid_create("create-missing-attributes", body={"data": {"type": "statuspage-account"}})
_invalid_create(
    "create-missing-api-key", body={"data": {"attributes": {}, "type": "statuspage-account"}}
)
_invalid_create("create-empty-api-key", body=body_with(""))
_invalid_create("create-null-api-key", body=body_with(None))
_invalid_create("create-number-api-key", body=body_with(12345))
_invalid_create("create-wrong-type", body=body_with("sp-key", "statuspage_account"))
_invalid_create("create-missing-type", body=body_with("sp-key", None))
_invalid_create("create-upper-case-type", body=body_with("sp-key", "STATUSPAGE-ACCOUNT"))
_invalid_create("create-deep-body", raw=b"[" * 50_000 + b"]" * 50_000)


@entry("no-keys", [403, 403, 404])
def _no_keys(api):
    return [api.post(create_body(), auth=False), api.get(auth=False), api.get()]


@entry("unknown-keys", [403, 403, 404])
def _unknown_keys(api):
    stranger = api.as_keys("unknown-api-key", "unknown-app-key")
    return [stranger.post(create_body()), stranger.get(), api.get()]


@entry("no-permission", [403, 403, 403, 404, 404])
def _no_permission(api):
    _, api_key, app_key = api.site.new_organisation(permissions={"integrations_read"})
    reader = api.as_keys(api_key, app_key)
    return [
        reader.post(create_body()),
        reader.patch(update_body()),
        reader.delete(),
        reader.get(),
        api.get(),
    ]


@entry("rate-limited", [201, 200, 429], rate_limit=2)
def _rate_limited(api):
    return [api.post(create_body()), api.get(), api.get()]


@entry("rate-limited-create", [404, 429, 404], rate_limit=1)
def _rate_limited_create(api):
    first, refused = api.get(), api.post(create_body())
    api.site.set_rate_limit(None)
    return [first, refused, api.get()]


@entry("unknown-path", [404])
def _unknown_path(api):
    return [api.get(path="/api/v2/integration/statuspage/nope")]


@entry("undeclared-method", [405, 405])
def _undeclared_method(api):
    return [api.call("PUT", create_body()), api.call("OPTIONS")]


URL_SETTINGS = CONTRACT.url_settings


def setting_body(url: str, tags: str = "team:a") -> dict[str, Any]:
    body = URL_SETTINGS.request_example("POST")
    body["data"]["attributes"] = {"url": url, "custom_tags": tags}
    return body


def setting_update(setting_id: str, **attributes: str) -> dict[str, Any]:
    body = URL_SETTINGS.request_example("PATCH")
    body["data"]["id"], body["data"]["attributes"] = setting_id, attributes
    return body


def named_ids(response: requests.Response, names: dict[str, str]) -> Any:
    """The response as observe() reads it, the settings' ids (new each run) named."""
    text = response.text
    for setting_id, name in names.items():
        text = text.replace(setting_id, name)
    return SimpleNamespace(
        status_code=response.status_code,
        headers=response.headers,
        content=text.encode(),
        text=text,
        json=lambda: json.loads(text),
    )


@entry("url-settings", [409, 409, 200, 200, 204, 404, 404, 200])
def _url_settings(api):
    url_a, url_b = "https://a.statuspage.io", "https://b.status.io"
    items = URL_SETTINGS.collection_path
    a = api.call("POST", setting_body(url_a), path=items)
    b = api.call("POST", setting_body(url_b), path=items)
    id_a, id_b = a.json()["data"]["id"], b.json()["data"]["id"]
    path_a, path_b = URL_SETTINGS.item_path(id_a), URL_SETTINGS.item_path(id_b)
    out = [a, b, api.call("POST", setting_body(url_a), path=items)]
    out.append(api.call("PATCH", setting_update(id_b, url=url_a), path=path_b))
    out.append(api.call("PATCH", setting_update(id_b, custom_tags="team:b"), path=path_b))
    out.append(api.call("GET", path=items))
    out += [api.call("DELETE", path=path_a), api.call("DELETE", path=path_a)]
    out.append(api.call("PATCH", setting_update(id_a, custom_tags="x"), path=path_a))
    out.append(api.call("GET", path=items))
    return [named_ids(r, {id_a: "A", id_b: "B"}) for r in out[2:]]


@entry("url-settings-edges", [201, 400, 200])
def _url_settings_edges(api):
    items, long_url = URL_SETTINGS.collection_path, "https://a.statuspage.io/" + "k" * 1024
    made = api.call("POST", setting_body(long_url), path=items)
    setting_id = made.json()["data"]["id"] if made.status_code == 201 else "none"
    path = URL_SETTINGS.item_path(setting_id)
    out = [made, api.call("PATCH", setting_update(setting_id, custom_tags=""), path=path)]
    out.append(api.call("GET", path=items))
    return [named_ids(r, {setting_id: "A"}) for r in out]


# -- expectations ---------------------------------------------------------------------------

#: Entries about the URL settings (their 2xx bodies are settings, not accounts).
URL_SETTINGS_ENTRIES = {"url-settings", "url-settings-edges"}
#: Entries whose healthy run includes a 2xx response with an account body.
WITH_ACCOUNT_BODY = {
    "create",
    "create-twice",
    "create-extra-fields",
    "create-non-ascii-key",
    "create-long-key",
    "create-long-string",
    "create-charset",
    "patch",
    "patch-invalid",
    "patch-no-keys",
    "delete",
    "rate-limited",
}
#: Entries whose healthy run includes an error (4xx) response.
WITH_ERROR_BODY = set(BATTERY) - {
    "create",
    "create-extra-fields",
    "create-non-ascii-key",
    "create-long-key",
    "create-long-string",
    "create-charset",
    "patch",
}

#: fault -> the battery entries whose observations it must change (and no others).
CHANGED_BY: dict[str, set[str]] = {
    "unmasked-api-key": WITH_ACCOUNT_BODY,
    "wrong-type-in-response": WITH_ACCOUNT_BODY,
    "missing-response-field": WITH_ACCOUNT_BODY,
    "non-json-success-content-type": WITH_ACCOUNT_BODY | URL_SETTINGS_ENTRIES,
    "error-envelope-string": WITH_ERROR_BODY,
    "error-envelope-other-key": WITH_ERROR_BODY,
    "error-envelope-non-string-items": WITH_ERROR_BODY,
    "accepts-missing-api-key": {"create-missing-api-key"},
    "accepts-empty-api-key": {"create-empty-api-key"},
    "accepts-wrong-type": {"create-wrong-type", "create-upper-case-type"},
    "accepts-second-create": {"create-twice"},
    "auth-not-enforced": {"no-keys", "unknown-keys", "patch-no-keys"},
    "permission-not-enforced": {"no-permission"},
    "unauthorized-instead-of-forbidden": {"no-keys", "unknown-keys", "patch-no-keys"},
    "rejects-long-api-key": {"create-long-key", "create-long-string"},
    "server-error-on-non-ascii-key": {"create-non-ascii-key"},
    "rate-limit-without-headers": {"rate-limited", "rate-limited-create"},
    "delete-keeps-account": {"delete"},
    "drops-answer-on-empty-body": {"create-empty-body"},
    "error-echoes-api-key": {
        "create-twice",
        "create-wrong-type",
        "create-missing-type",
        "create-upper-case-type",
    },
    "rejected-create-stores-account": {
        "create-wrong-type",
        "create-missing-type",
        "create-upper-case-type",
    },
    # the edge faults: each changes the one entry of its edge
    "server-error-on-long-string": {"create-long-string"},
    "case-insensitive-enum": {"create-upper-case-type"},
    "rejects-unknown-fields": {"create-extra-fields"},
    "server-error-on-deep-body": {"create-deep-body"},
    "rejects-charset-parameter": {"create-charset"},
    "auth-skipped-on-update": {"patch-no-keys"},
    # the URL settings' faults: each changes the URL settings' entry
    "url-setting-duplicate-url": {"url-settings"},
    "url-setting-unknown-id-taken": {"url-settings"},
    "url-setting-update-not-stored": {"url-settings"},
    "url-setting-server-error-on-long-url": {"url-settings-edges"},
    "url-setting-refused-update-stored": {"url-settings-edges"},
}


# -- running the battery --------------------------------------------------------------------


def observe(response) -> tuple[Any, ...]:
    """What a contract check could see of a response, minus what varies between runs."""
    content_type = response.headers.get("Content-Type")
    mime = content_type.split(";", 1)[0].strip() if content_type else None
    try:
        body: Any = response.json() if response.content else None
    except ValueError:
        body = response.text
    rate_headers = sorted(h for h in response.headers if h.lower().startswith("x-ratelimit-"))
    return (response.status_code, mime, body, rate_headers, response.headers.get("Allow"))


def run_entry(site: MockSite, client: Any, name: str) -> list[tuple[Any, ...]]:
    rate_limit, script = BATTERY[name]
    site.reset()
    site.set_rate_limit(rate_limit, 60)
    try:
        return [observe(r) for r in script(client(site))]
    finally:
        site.set_rate_limit(None)


def run_battery(site: MockSite, client: Any) -> dict[str, list[tuple[Any, ...]]]:
    return {name: run_entry(site, client, name) for name in BATTERY}


@pytest.fixture(scope="module")
def mock_battery_site():
    with MockSite() as site:
        yield site


@pytest.fixture(scope="module")
def mock_healthy_observations(mock_battery_site, mock_client):
    mock_battery_site.set_faults([])
    return run_battery(mock_battery_site, mock_client)


@pytest.fixture
def mock_faulty_site(mock_battery_site):
    yield mock_battery_site
    mock_battery_site.set_faults([])


# -- the battery itself ---------------------------------------------------------------------


@pytest.mark.parametrize("name", list(BATTERY))
def test_the_healthy_mock_answers_each_battery_entry_as_specified(mock_healthy_observations, name):
    statuses = [observation[0] for observation in mock_healthy_observations[name]]
    assert statuses == HEALTHY_STATUSES[name]


def test_the_battery_is_deterministic_on_a_healthy_mock(
    mock_battery_site, mock_client, mock_healthy_observations
):
    assert run_battery(mock_battery_site, mock_client) == mock_healthy_observations


def test_the_expectation_groups_match_the_healthy_run(mock_healthy_observations):
    with_account = {
        name
        for name, observations in mock_healthy_observations.items()
        if any(o[0] in (200, 201) for o in observations) and name not in URL_SETTINGS_ENTRIES
    }
    with_error = {
        name
        for name, observations in mock_healthy_observations.items()
        if any(o[0] >= 400 for o in observations)
    }
    assert with_account == WITH_ACCOUNT_BODY
    assert with_error == WITH_ERROR_BODY


def test_the_table_covers_every_fault_and_only_battery_entries():
    assert set(CHANGED_BY) == set(FAULTS)
    for fault, names in CHANGED_BY.items():
        assert names, fault
        assert names <= set(BATTERY), names - set(BATTERY)


# -- each fault -----------------------------------------------------------------------------


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_fault_changes_exactly_the_behaviour_it_names(
    mock_faulty_site, mock_client, mock_healthy_observations, fault
):
    mock_faulty_site.set_faults([fault])
    faulty = run_battery(mock_faulty_site, mock_client)
    changed = {name for name in BATTERY if faulty[name] != mock_healthy_observations[name]}
    assert changed, f"{fault} changed nothing"
    unexpected = {
        name: (mock_healthy_observations[name], faulty[name])
        for name in changed - CHANGED_BY[fault]
    }
    assert not unexpected, f"{fault} also changed: {unexpected}"
    assert changed == CHANGED_BY[fault], f"{fault} left unchanged: {CHANGED_BY[fault] - changed}"


def test_a_fault_given_to_the_constructor_is_active_from_the_start(mock_client):
    with MockSite(faults=["unmasked-api-key"]) as site:
        assert site.faults == frozenset({"unmasked-api-key"})
        response = mock_client(site).post(create_body("sp-visible"))
    assert response.json()["data"]["attributes"]["api_key"] == "sp-visible"


def test_faults_can_be_combined(mock_faulty_site, mock_client):
    mock_faulty_site.set_faults(["accepts-second-create", "unmasked-api-key"])
    mock_faulty_site.reset()
    api = mock_client(mock_faulty_site)
    api.post(create_body("first"))
    response = api.post(create_body("second"))
    assert response.status_code == 201
    assert response.json()["data"]["attributes"]["api_key"] == "second"


def test_clearing_the_faults_restores_the_healthy_behaviour(
    mock_faulty_site, mock_client, mock_healthy_observations
):
    mock_faulty_site.set_faults(list(FAULTS))
    mock_faulty_site.set_faults([])
    assert run_battery(mock_faulty_site, mock_client) == mock_healthy_observations


# -- the fault registry ---------------------------------------------------------------------


def test_check_faults_returns_the_known_names_as_a_frozen_set():
    assert check_faults(["accepts-wrong-type", "accepts-wrong-type"]) == frozenset(
        {"accepts-wrong-type"}
    )
    assert check_faults([]) == frozenset()


def test_check_faults_rejects_unknown_names_listing_the_valid_ones():
    with pytest.raises(UnknownFaultError) as caught:
        check_faults(["accepts-wrong-type", "no-such-fault", "also-unknown"])
    message = str(caught.value)
    assert "no-such-fault" in message and "also-unknown" in message
    assert "\n" not in message
    for name in FAULTS:
        assert name in message


def test_an_unknown_fault_is_refused_by_the_site_and_leaves_its_faults_unchanged(
    mock_faulty_site,
):
    mock_faulty_site.set_faults(["accepts-wrong-type"])
    with pytest.raises(UnknownFaultError):
        mock_faulty_site.set_faults(["accepts-wrong-type", "bogus"])
    assert mock_faulty_site.faults == frozenset({"accepts-wrong-type"})
    with pytest.raises(UnknownFaultError):
        MockSite(faults=["bogus"])


@pytest.mark.parametrize("fault", FAULTS.values(), ids=lambda f: f.name)
def test_each_fault_names_the_one_rule_it_breaks(fault):
    assert FAULTS[fault.name] is fault
    assert fault.breaks and RULE_NAME.fullmatch(fault.breaks), fault.breaks
    assert fault.description


def test_each_rule_a_fault_breaks_is_a_registered_contract_rule():
    from statuspage_contract.rules import RULES

    assert {f.breaks for f in FAULTS.values()} <= set(RULES)


def test_describe_faults_gives_one_line_per_fault_starting_with_its_name():
    lines = describe_faults().splitlines()
    assert len(lines) == len(FAULTS)
    for line, fault in zip(lines, FAULTS.values(), strict=True):
        assert line.split()[0] == fault.name
        assert fault.breaks in line
