"""The embedded mock site behaves as the contract says, over real HTTP on loopback."""

from __future__ import annotations

import logging
import math
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from statuspage_contract.mock import DEMO_API_KEY, DEMO_APP_KEY, MockSite
from statuspage_contract.mock.state import MockState
from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
RATE_LIMIT_HEADERS = CONTRACT.rate_limit_headers
ALL_METHODS = ["POST", "GET", "PATCH", "DELETE"]
MANAGE_METHODS = ["POST", "PATCH", "DELETE"]


def create_body(api_key="00000000-0000-0000-0000-000000000000"):
    return CONTRACT.with_secret(CONTRACT.request_example("POST"), api_key)


def update_body(api_key="11111111-1111-1111-1111-111111111111"):
    return CONTRACT.with_secret(CONTRACT.request_example("PATCH"), api_key)


def secret():
    return f"sp-secret-{secrets.token_hex(16)}"


def errors_of(response):
    """The messages of an error envelope, after checking the envelope's shape."""
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, dict) and list(body) == ["errors"], body
    assert body["errors"] and all(isinstance(m, str) for m in body["errors"]), body
    return body["errors"]


def assert_masked_account(response, status):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {
        "data": {"attributes": {"api_key": "*****"}, "type": "statuspage-account"}
    }


def call_for(api, method, **kwargs):
    """One well-formed request of the given method."""
    body = {"POST": create_body(), "PATCH": update_body()}.get(method)
    return api.call(method, body, **kwargs) if body is not None else api.call(method, **kwargs)


# -- auth -----------------------------------------------------------------------------------


VALID = object()  # stands for the default organisation's real key


@pytest.mark.parametrize("method", ALL_METHODS)
@pytest.mark.parametrize(
    ("api_key", "app_key"),
    [
        pytest.param(None, None, id="no-keys"),
        pytest.param(None, VALID, id="no-api-key"),
        pytest.param(VALID, None, id="no-app-key"),
        pytest.param("unknown", VALID, id="unknown-api-key"),
        pytest.param(VALID, "unknown", id="unknown-app-key"),
        pytest.param("unknown", "unknown", id="both-unknown"),
        pytest.param("", "", id="both-empty"),
    ],
)
def test_missing_or_unknown_keys_are_refused_with_403_and_the_envelope(
    mock_api, mock_fresh_site, method, api_key, app_key
):
    headers = {}
    for name, value, real in (
        ("DD-API-KEY", api_key, mock_fresh_site.api_key),
        ("DD-APPLICATION-KEY", app_key, mock_fresh_site.app_key),
    ):
        if value is not None:
            headers[name] = real if value is VALID else value
    response = call_for(mock_api, method, auth=False, headers=headers)
    assert response.status_code == 403
    assert errors_of(response)
    assert mock_api.get().status_code == 404  # nothing was created on the default organisation


def test_an_unknown_api_key_with_a_valid_application_key_is_refused(mock_api, mock_fresh_site):
    response = mock_api.as_keys("not-an-api-key", mock_fresh_site.app_key).post(create_body())
    assert response.status_code == 403
    assert mock_api.get().status_code == 404  # and nothing was created


def test_a_key_pair_split_across_two_organisations_is_refused(mock_api, mock_fresh_site):
    _, api_a, _ = mock_fresh_site.new_organisation()
    _, _, app_b = mock_fresh_site.new_organisation()
    assert mock_api.as_keys(api_a, app_b).get().status_code == 403


@pytest.mark.parametrize("method", MANAGE_METHODS)
def test_an_app_key_without_manage_integrations_cannot_change_the_account(
    mock_api, mock_fresh_site, method
):
    _, api_key, app_key = mock_fresh_site.new_organisation(permissions={"integrations_read"})
    reader = mock_api.as_keys(api_key, app_key)
    response = call_for(reader, method)
    assert response.status_code == 403
    assert any("manage_integrations" in m for m in errors_of(response))


def test_an_app_key_without_manage_integrations_may_still_read(mock_api, mock_fresh_site):
    _, api_key, app_key = mock_fresh_site.new_organisation(permissions={"integrations_read"})
    assert mock_api.as_keys(api_key, app_key).get().status_code == 404


def test_a_refused_create_leaves_no_account(mock_api, mock_fresh_site):
    org, api_key, app_key = mock_fresh_site.new_organisation(permissions={"integrations_read"})
    reader = mock_api.as_keys(api_key, app_key)
    assert reader.post(create_body()).status_code == 403
    assert reader.get().status_code == 404
    assert org.account_key is None


def test_an_app_key_without_integrations_read_cannot_read(mock_api, mock_fresh_site):
    _, api_key, app_key = mock_fresh_site.new_organisation(permissions={"manage_integrations"})
    response = mock_api.as_keys(api_key, app_key).get()
    assert response.status_code == 403
    assert any("integrations_read" in m for m in errors_of(response))


# -- default organisation keys ----------------------------------------------------------------


def test_the_default_keys_are_the_demo_keys_without_dd_keys_in_the_environment(
    mock_no_key_env, mock_client
):
    site = MockSite()
    assert (site.api_key, site.app_key) == (DEMO_API_KEY, DEMO_APP_KEY)
    assert not site.keys_from_environment
    with site:
        assert mock_client(site).post(create_body()).status_code == 201


def test_the_default_keys_come_from_dd_api_key_and_dd_app_key_when_set(monkeypatch, mock_client):
    api_key, app_key = secret(), secret()
    monkeypatch.setenv("DD_API_KEY", api_key)
    monkeypatch.setenv("DD_APP_KEY", app_key)
    site = MockSite()
    assert (site.api_key, site.app_key) == (api_key, app_key)
    assert site.keys_from_environment
    with site:
        assert mock_client(site).post(create_body()).status_code == 201
        demo = mock_client(site, DEMO_API_KEY, DEMO_APP_KEY)
        assert demo.get().status_code == 403


def test_half_a_key_pair_in_the_environment_falls_back_to_the_demo_keys(monkeypatch):
    monkeypatch.setenv("DD_API_KEY", secret())
    monkeypatch.delenv("DD_APP_KEY", raising=False)
    site = MockSite()
    assert (site.api_key, site.app_key) == (DEMO_API_KEY, DEMO_APP_KEY)
    assert not site.keys_from_environment


def test_explicit_keys_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("DD_API_KEY", secret())
    monkeypatch.setenv("DD_APP_KEY", secret())
    site = MockSite(api_key="explicit-api", app_key="explicit-app")
    assert (site.api_key, site.app_key) == ("explicit-api", "explicit-app")
    assert not site.keys_from_environment


# -- request validation --------------------------------------------------------------------

INVALID_CREATES = [
    pytest.param({"raw": b"not json"}, "not valid JSON", id="not-json"),
    pytest.param({"raw": b'{"data": '}, "not valid JSON", id="truncated-json"),
    pytest.param({"raw": b'{"data": NaN}'}, "NaN", id="nan"),
    pytest.param({"raw": b"\xff\xfe\x00{"}, "UTF-8", id="invalid-utf8"),
    pytest.param({"raw": b""}, "empty", id="empty-body"),
    pytest.param({"body": []}, "body", id="json-array"),
    pytest.param({"body": "statuspage-account"}, "body", id="json-string"),
    pytest.param({"body": None}, "body", id="json-null"),
    pytest.param({"body": create_body(), "content_type": "text/plain"}, "Content-Type", id="text"),
    pytest.param({"body": create_body(), "content_type": None}, "Content-Type", id="no-type"),
    pytest.param({"body": {}}, "data", id="missing-data"),
    pytest.param({"body": {"data": None}}, "data", id="null-data"),
    pytest.param(
        {"body": {"data": {"type": "statuspage-account"}}}, "data.attributes", id="no-attrs"
    ),
    pytest.param(
        {"body": {"data": {"attributes": {}, "type": "statuspage-account"}}},
        "data.attributes.api_key",
        id="missing-api-key",
    ),
    pytest.param(
        {"body": {"data": {"attributes": {"api_key": "k"}}}}, "data.type", id="missing-type"
    ),
    pytest.param(
        {"body": {"data": {"attributes": {"api_key": "k"}, "type": "statuspage_account"}}},
        "data.type",
        id="type-underscore",
    ),
    pytest.param(
        {"body": {"data": {"attributes": {"api_key": "k"}, "type": "statuspage-url-setting"}}},
        "data.type",
        id="type-other-resource",
    ),
    pytest.param(
        {"body": {"data": {"attributes": {"api_key": "k"}, "type": None}}},
        "data.type",
        id="type-null",
    ),
    pytest.param({"body": create_body("")}, "data.attributes.api_key", id="api-key-empty"),
    pytest.param({"body": create_body(None)}, "data.attributes.api_key", id="api-key-null"),
    pytest.param({"body": create_body(42)}, "data.attributes.api_key", id="api-key-number"),
    pytest.param({"body": create_body(["k"])}, "data.attributes.api_key", id="api-key-list"),
    pytest.param({"body": create_body({"k": 1})}, "data.attributes.api_key", id="api-key-object"),
    pytest.param({"body": create_body(True)}, "data.attributes.api_key", id="api-key-bool"),
]


@pytest.mark.parametrize(("request_kwargs", "named"), INVALID_CREATES)
def test_an_invalid_create_is_rejected_with_400_naming_the_problem(mock_api, request_kwargs, named):
    response = mock_api.post(**request_kwargs)
    assert response.status_code == 400, response.text
    messages = errors_of(response)
    assert any(named in m for m in messages), messages


@pytest.mark.parametrize(("request_kwargs", "named"), INVALID_CREATES)
def test_an_invalid_create_stores_nothing(mock_api, request_kwargs, named):
    mock_api.post(**request_kwargs)
    assert mock_api.get().status_code == 404


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/vnd.api+json"]
)
def test_json_media_types_with_parameters_or_suffixes_are_accepted(mock_api, content_type):
    assert mock_api.post(create_body(), content_type=content_type).status_code == 201


def test_unknown_extra_fields_are_accepted(mock_api):
    body = create_body()
    body["meta"] = {"anything": [1, 2]}
    body["data"]["id"] = "ignored"
    body["data"]["attributes"]["page_id"] = "extra"
    assert_masked_account(mock_api.post(body), 201)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(update_body(""), id="api-key-empty"),
        pytest.param(update_body(7), id="api-key-number"),
        pytest.param({"data": {"attributes": {}, "type": "statuspage_account"}}, id="bad-type"),
        pytest.param({"data": {"type": "statuspage-account"}}, id="no-attributes"),
        pytest.param([], id="json-array"),
    ],
)
def test_an_invalid_update_is_rejected_with_400_and_changes_nothing(
    mock_api, mock_fresh_site, body
):
    mock_api.post(create_body("original"))
    response = mock_api.patch(body)
    assert response.status_code == 400
    assert errors_of(response)
    assert mock_fresh_site.default_organisation.account_key == "original"


# -- semantics ------------------------------------------------------------------------------


def test_create_answers_201_with_the_key_masked(mock_api):
    assert_masked_account(mock_api.post(create_body()), 201)


def test_a_second_create_in_the_same_organisation_conflicts(mock_api, mock_fresh_site):
    mock_api.post(create_body("first"))
    response = mock_api.post(create_body("second"))
    assert response.status_code == 409
    assert errors_of(response)
    assert mock_fresh_site.default_organisation.account_key == "first"


def test_get_without_an_account_is_404_with_the_envelope(mock_api):
    response = mock_api.get()
    assert response.status_code == 404
    assert errors_of(response)


def test_get_after_create_is_200_masked(mock_api):
    mock_api.post(create_body())
    assert_masked_account(mock_api.get(), 200)


def test_patch_replaces_the_stored_key_and_answers_200_masked(mock_api, mock_fresh_site):
    mock_api.post(create_body("first"))
    assert_masked_account(mock_api.patch(update_body("second")), 200)
    assert mock_fresh_site.default_organisation.account_key == "second"


def test_patch_without_an_api_key_keeps_the_stored_key(mock_api, mock_fresh_site):
    mock_api.post(create_body("first"))
    body = {"data": {"attributes": {}, "type": "statuspage-account"}}
    assert_masked_account(mock_api.patch(body), 200)
    assert mock_fresh_site.default_organisation.account_key == "first"


def test_patch_without_an_account_is_404(mock_api):
    response = mock_api.patch(update_body())
    assert response.status_code == 404
    assert errors_of(response)


def test_delete_answers_204_without_a_body_then_the_account_is_gone(mock_api):
    mock_api.post(create_body())
    response = mock_api.delete()
    assert response.status_code == 204
    assert response.content == b""
    assert "Content-Type" not in response.headers
    assert mock_api.get().status_code == 404
    assert mock_api.delete().status_code == 404


def test_after_a_delete_the_organisation_may_create_again(mock_api):
    mock_api.post(create_body())
    mock_api.delete()
    assert mock_api.post(create_body()).status_code == 201


def test_reset_forgets_every_account_and_every_added_organisation(mock_api, mock_fresh_site):
    mock_api.post(create_body())
    _, api_key, app_key = mock_fresh_site.new_organisation()
    mock_fresh_site.reset()
    assert mock_api.get().status_code == 404
    assert mock_api.as_keys(api_key, app_key).get().status_code == 403
    assert list(mock_fresh_site.state.organisations) == ["default"]


def test_each_organisation_has_its_own_single_account(mock_api, mock_fresh_site):
    _, api_a, app_a = mock_fresh_site.new_organisation()
    _, api_b, app_b = mock_fresh_site.new_organisation()
    org_a, org_b = mock_api.as_keys(api_a, app_a), mock_api.as_keys(api_b, app_b)
    assert org_a.post(create_body()).status_code == 201
    assert org_b.get().status_code == 404
    assert org_b.post(create_body()).status_code == 201
    assert org_a.post(create_body()).status_code == 409
    assert org_b.delete().status_code == 204
    assert org_a.get().status_code == 200
    assert mock_api.get().status_code == 404  # the default organisation was never touched


@pytest.mark.parametrize("path", ["/", "/api/v2/integration/statuspage", "/api/v2/nope"])
def test_an_unknown_path_is_404_with_the_envelope(mock_api, path):
    response = mock_api.get(path=path)
    assert response.status_code == 404
    assert errors_of(response)


def test_a_trailing_slash_reaches_the_account(mock_api):
    assert mock_api.get(path=CONTRACT.account_path + "/").status_code == 404
    mock_api.post(create_body())
    assert mock_api.get(path=CONTRACT.account_path + "/").status_code == 200


@pytest.mark.parametrize("method", ["PUT", "OPTIONS", "TRACE"])
def test_an_undeclared_method_is_405_with_allow_and_the_envelope(mock_api, method):
    response = mock_api.call(method)
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert allowed == {"GET", "POST", "PATCH", "DELETE"}
    assert errors_of(response)


def test_head_is_405_with_allow_and_no_body(mock_api):
    response = mock_api.call("HEAD")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert response.content == b""


# -- secrets --------------------------------------------------------------------------------


def _lifecycle(api, secrets_used):
    """Every kind of answer, each carrying (or provoked with) a secret; returns the responses."""
    first, second, third = secrets_used
    return [
        api.post(create_body(first)),
        api.post(create_body(second)),  # 409
        api.post({"data": {"attributes": {"api_key": second}, "type": "wrong"}}),  # 400
        api.post({"data": {"attributes": {"api_key": second}}}),  # 400
        api.post(create_body(second), content_type="text/plain"),  # 400
        api.get(),
        api.patch(update_body(third)),
        api.patch({"data": {"attributes": {"api_key": third}, "type": "wrong"}}),  # 400
        api.get(),
        api.call("PUT", create_body(third)),  # 405
        api.delete(),
        api.delete(),  # 404
        api.patch(update_body(third)),  # 404
    ]


def test_no_submitted_api_key_ever_appears_in_a_response_body_or_header(mock_api):
    used = [secret(), secret(), secret()]
    responses = _lifecycle(mock_api, used)
    assert {r.status_code for r in responses} == {200, 201, 204, 400, 404, 405, 409}
    for response in responses:
        seen = response.text + repr(sorted(response.headers.items()))
        for value in used:
            assert value not in seen, (response.status_code, response.request.method)


def test_no_submitted_api_key_or_dd_key_ever_appears_in_the_mock_log(
    mock_api, mock_fresh_site, caplog
):
    used = [secret(), secret(), secret()]
    with caplog.at_level(logging.DEBUG, logger="statuspage_contract.mock"):
        responses = _lifecycle(mock_api, used)
    records = [r for r in caplog.records if r.name.startswith("statuspage_contract.mock")]
    assert len(records) >= len(responses)  # the log is not empty: one line per request at least
    logged = "\n".join(r.getMessage() for r in records)
    for value in [*used, mock_fresh_site.api_key, mock_fresh_site.app_key]:
        assert value not in logged


# -- rate limiting --------------------------------------------------------------------------


def assert_rate_limit_headers(response, *, limit, period):
    headers = response.headers
    for name in RATE_LIMIT_HEADERS:
        assert name in headers, (name, response.status_code)
    for name in ("X-RateLimit-Limit", "X-RateLimit-Period", "X-RateLimit-Remaining"):
        assert headers[name].isdigit(), (name, headers[name])
    assert headers["X-RateLimit-Reset"].isdigit()
    assert 1 <= int(headers["X-RateLimit-Reset"]) <= period
    assert headers["X-RateLimit-Limit"] == str(limit)
    assert headers["X-RateLimit-Period"] == str(period)
    assert headers["X-RateLimit-Name"]


@pytest.fixture
def mock_limited_site():
    with MockSite(rate_limit=3, rate_period=60) as site:
        yield site


def test_the_request_over_the_limit_is_429_with_the_envelope_and_all_headers(
    mock_limited_site, mock_client
):
    api = mock_client(mock_limited_site)
    answers = [api.get().status_code for _ in range(3)]
    assert answers == [404, 404, 404]
    response = api.get()
    assert response.status_code == 429
    assert errors_of(response)
    assert_rate_limit_headers(response, limit=3, period=60)
    assert response.headers["X-RateLimit-Remaining"] == "0"


def test_remaining_counts_down_on_each_request(mock_api, mock_fresh_site):
    mock_fresh_site.set_rate_limit(3, 60)
    remaining = [mock_api.get().headers["X-RateLimit-Remaining"] for _ in range(4)]
    assert remaining == ["2", "1", "0", "0"]


def test_a_rate_limited_create_has_no_effect(mock_api, mock_fresh_site):
    mock_fresh_site.set_rate_limit(1, 60)
    assert mock_api.get().status_code == 404
    assert mock_api.post(create_body()).status_code == 429
    assert mock_fresh_site.default_organisation.account_key is None


def test_while_rate_limiting_is_on_every_answer_carries_the_headers(mock_api, mock_fresh_site):
    mock_fresh_site.set_rate_limit(100, 60)
    _, api_key, app_key = mock_fresh_site.new_organisation(permissions={"integrations_read"})
    responses = {
        "get-404": mock_api.get(),
        "create-201": mock_api.post(create_body()),
        "create-409": mock_api.post(create_body()),
        "create-400": mock_api.post({}),
        "get-200": mock_api.get(),
        "patch-200": mock_api.patch(update_body()),
        "delete-204": mock_api.delete(),
        "permission-403": mock_api.as_keys(api_key, app_key).post(create_body()),
    }
    for label, response in responses.items():
        assert label.endswith(str(response.status_code)), (label, response.status_code)
        assert_rate_limit_headers(response, limit=100, period=60)


def test_rate_limits_are_counted_per_organisation(mock_api, mock_fresh_site):
    mock_fresh_site.set_rate_limit(2, 60)
    _, api_key, app_key = mock_fresh_site.new_organisation()
    other = mock_api.as_keys(api_key, app_key)
    assert [mock_api.get().status_code for _ in range(3)] == [404, 404, 429]
    assert other.get().status_code == 404
    assert other.get().headers["X-RateLimit-Remaining"] == "0"
    assert other.get().status_code == 429


def test_rate_limiting_is_off_by_default_and_no_headers_are_sent(mock_client):
    with MockSite() as site:
        api = mock_client(site)
        responses = [api.get() for _ in range(30)]
    assert {r.status_code for r in responses} == {404}
    for response in responses:
        assert not any(name.lower().startswith("x-ratelimit") for name in response.headers)


def test_turning_rate_limiting_off_removes_the_headers(mock_api, mock_fresh_site):
    mock_fresh_site.set_rate_limit(1, 60)
    mock_api.get()
    assert mock_api.get().status_code == 429
    mock_fresh_site.set_rate_limit(None)
    response = mock_api.get()
    assert response.status_code == 404
    assert "X-RateLimit-Limit" not in response.headers


def test_requests_refused_for_their_keys_are_not_counted(mock_api, mock_fresh_site):
    mock_fresh_site.set_rate_limit(1, 60)
    for _ in range(3):
        assert mock_api.as_keys("nope", "nope").get().status_code == 403
    assert mock_api.get().status_code == 404


def test_a_new_window_opens_when_the_period_is_over():
    state = MockState("a", "b")
    state.set_rate_limit(1, 60)
    org = state.default
    assert state.consume(org, now=1000.0).allowed
    assert not state.consume(org, now=1030.0).allowed
    decision = state.consume(org, now=1060.0)
    assert decision.allowed
    assert decision.values["reset"] == "60"


@pytest.mark.parametrize("now", [0.0, 5.0, 59.5, 1e6])
def test_the_first_window_starts_at_the_first_request_whatever_the_clock(now):
    # time.monotonic() may be small on a freshly booted machine (a CI runner).
    state = MockState("a", "b")
    state.set_rate_limit(3, 60)
    decision = state.consume(state.default, now=now)
    assert decision.values["reset"] == "60"
    assert decision.values["remaining"] == "2"
    assert not math.isinf(state.default.window_start)


@pytest.mark.parametrize("now", [16346.233209096672, 0.1, 335.765296657, 1e6 + 0.3])
@pytest.mark.parametrize("period", [60, 1, 3600])
def test_reset_never_exceeds_the_period_whatever_the_clock(now, period):
    # window_start + period - now rounds to just above the period for some clock values
    state = MockState("a", "b")
    state.set_rate_limit(5, period)
    for later in (now, now + 1e-9, now + period / 2):
        reset = int(state.consume(state.default, now=later).values["reset"])
        assert 1 <= reset <= period


def test_a_concurrent_burst_in_one_organisation_reports_sane_headers(mock_api, mock_fresh_site):
    mock_fresh_site.set_rate_limit(10, 60)
    barrier = threading.Barrier(16)

    def one(_):
        barrier.wait(timeout=10)
        return mock_api.get()

    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(one, range(16)))
    assert sorted(r.status_code for r in responses) == [404] * 10 + [429] * 6
    for response in responses:
        assert_rate_limit_headers(response, limit=10, period=60)
    remaining = sorted(int(r.headers["X-RateLimit-Remaining"]) for r in responses)
    assert remaining == [0] * 7 + list(range(1, 10))


# -- the site object --------------------------------------------------------------------------


def test_a_site_started_on_port_0_gets_a_free_loopback_port(mock_fresh_site):
    assert mock_fresh_site.running
    assert mock_fresh_site.port > 0
    assert mock_fresh_site.base_url == f"http://127.0.0.1:{mock_fresh_site.port}"


def test_a_stopped_site_refuses_connections(mock_client):
    site = MockSite().start()
    api = mock_client(site)
    assert api.get().status_code == 404
    site.stop()
    assert not site.running
    with pytest.raises(requests.ConnectionError):
        api.get(timeout=2)
    site.stop()  # stopping twice is harmless


def test_headers_gives_the_default_organisations_auth_headers(mock_fresh_site):
    assert mock_fresh_site.headers() == {
        "DD-API-KEY": mock_fresh_site.api_key,
        "DD-APPLICATION-KEY": mock_fresh_site.app_key,
    }


def test_a_mock_site_has_a_useful_repr_without_keys() -> None:
    site = MockSite(faults=["unmasked-api-key"])
    with site:
        text = repr(site)
        assert text.startswith(f"<MockSite {site.base_url} running")
        assert "unmasked-api-key" in text
        assert site.api_key not in text and site.app_key not in text
    assert "stopped" in repr(site)
