"""The proxy judges the URL settings' four operations with the response rules and counts none
of them outside the contract: Datadog's official client's whole lifecycle through it holds on
a healthy mock, and a broken answer to each is caught (proxy/judge.py)."""

from __future__ import annotations

import json
import random
import secrets
from pathlib import Path
from typing import Any

import pytest
import requests

pytest.importorskip(
    "datadog_api_client",
    reason="needs Datadog's official client: the test extra, pip install -e '.[test]'",
)

from official_client import setting_create, setting_update
from test_proxy import attempt, lifecycle, official, write_and_gate

from statuspage_contract import ContractProxy
from statuspage_contract.proxy.judge import ProxyJudge
from statuspage_contract.spec import JSON_MEDIA_TYPE, load_contract, with_value

CONTRACT = load_contract()
SETTINGS = CONTRACT.url_settings
#: The response rules a URL-settings lifecycle exercises on a healthy site.
RESPONSE_RULES = {
    "no-server-error",
    "documented-status",
    "json-content-type",
    "response-schema",
    "error-envelope",
}


def settings_lifecycle(proxy: ContractProxy) -> None:
    """create, conflicting create, list, update, mismatched id, unknown id, delete, second
    delete, wrong keys: the official client."""
    mock = proxy.mock
    with official(proxy.base_url, mock.api_key, mock.app_key) as api:
        first = api.create_statuspage_url_setting(body=setting_create("https://a.statuspage.io"))
        attempt(
            lambda: api.create_statuspage_url_setting(
                body=setting_create("https://a.statuspage.io")
            )
        )
        second = api.create_statuspage_url_setting(body=setting_create("https://b.status.io"))
        api.list_statuspage_url_settings()
        one, two = first.data.id, second.data.id
        api.update_statuspage_url_setting(one, body=setting_update(one, custom_tags="team:y"))
        attempt(lambda: api.update_statuspage_url_setting(one, body=setting_update(two, url="x")))
        attempt(
            lambda: api.update_statuspage_url_setting("no-such", body=setting_update("no-such"))
        )
        api.delete_statuspage_url_setting(one)
        attempt(lambda: api.delete_statuspage_url_setting(one))
        api.list_statuspage_url_settings()
    with official(proxy.base_url, "not-a-key-" + secrets.token_hex(8), mock.app_key) as api:
        attempt(api.list_statuspage_url_settings)
    requests.get(proxy.base_url + SETTINGS.collection_path, timeout=10)  # no keys at all


def test_the_official_clients_whole_integration_holds_through_the_proxy(tmp_path: Path) -> None:
    with ContractProxy(site="mock") as proxy:
        settings_lifecycle(proxy)
        lifecycle(proxy)  # the account's too: all eight operations
        exchanges = proxy.exchanges
        report = proxy.report()
        exit_code, written = write_and_gate(
            proxy, tmp_path, waive=report["decision"]["unexercised_required_rules"]
        )
    assert not exchanges.violations
    statuses = [e.status for e in exchanges][:12]
    assert statuses == [201, 409, 201, 200, 200, 409, 404, 204, 404, 200, 403, 403]
    proxied = report["run"]["proxy"]
    assert proxied["outside_contract"]["requests"] == 0
    assert proxied["judged"] == proxied["forwarded"] == 20
    labels = {op.label for op in CONTRACT.operations_by_id.values()}
    seen = {op for op, entry in report["status_codes"].items() if sum(entry["documented"].values())}
    assert seen == labels and len(labels) == 8
    exercised = {n for n, r in report["rules"].items() if r["passed"] + r["failed"]}
    assert exercised >= RESPONSE_RULES | {"auth-enforced"}
    # the settings' calls before them leave the account's sequence judged as ever
    assert exercised >= {"single-account", "lifecycle-effects", "rejected-call-no-effect"}
    # and the settings' own, per id (proxy/settings_sequence.py)
    assert exercised >= {"url-setting-conflicts", "url-setting-not-found", "url-setting-effects"}
    assert report["decision"]["broken_rules"] == []
    assert exit_code == 0 and written["status_codes"] == report["status_codes"]


def _judged(method: str, path: str, status: int, body: Any, content_type: str) -> set[str]:
    """The rules one URL-settings exchange breaks, judged by a fresh proxy judge."""
    judge = ProxyJudge()
    headers = {CONTRACT.api_key_header.lower(): "a" * 32, CONTRACT.app_key_header.lower(): "b"}
    raw = b"" if body is None else json.dumps(body).encode()
    ticket = judge.begin(method, headers, b"")
    judged = judge.judge(
        ticket,
        (method, "http://127.0.0.1" + path, headers, b""),
        (status, {"content-type": content_type}, raw),
        0.01,
    )
    assert judged.operation is not None  # never outside the contract
    return {rule for rule, _ in judged.violations}


@pytest.mark.parametrize(
    ("method", "path", "status", "body", "content_type", "broken"),
    [
        # a status the operation does not document (a 409 to a list)
        ("GET", SETTINGS.collection_path, 409, {"errors": ["x"]}, JSON_MEDIA_TYPE, "documented"),
        # a created setting without its id
        ("POST", SETTINGS.collection_path, 201, {"data": {}}, JSON_MEDIA_TYPE, "response-schema"),
        # a 404 that is no error envelope
        ("DELETE", SETTINGS.item_path("x"), 404, {"message": "no"}, JSON_MEDIA_TYPE, "envelope"),
        # an update answered as text
        ("PATCH", SETTINGS.item_path("x"), 400, {"errors": ["x"]}, "text/plain", "json-content"),
        ("DELETE", SETTINGS.item_path("x"), 503, None, JSON_MEDIA_TYPE, "no-server-error"),
    ],
)
def test_a_broken_answer_to_each_operation_is_caught(
    method, path, status, body, content_type, broken
):
    assert any(broken in rule for rule in _judged(method, path, status, body, content_type))


def test_a_conforming_answer_to_each_operation_breaks_nothing() -> None:
    data = SETTINGS.data("id-1", {SETTINGS.url_field: "https://a.statuspage.io"})
    top = SETTINGS.attributes_path[0]
    conforming = [
        ("GET", SETTINGS.collection_path, SETTINGS.status.ok, SETTINGS.list_document([data])),
        ("POST", SETTINGS.collection_path, SETTINGS.status.created, {top: data}),
        ("PATCH", SETTINGS.item_path("id-1"), SETTINGS.status.updated, {top: data}),
    ]
    for method, path, status, body in conforming:
        assert _judged(method, path, status, body, JSON_MEDIA_TYPE) == set(), method


def test_a_random_walk_of_url_settings_calls_to_the_correct_mock_breaks_nothing() -> None:
    """Creates, updates (tags, urls, another id in the body, invalid bodies), deletes and
    lists, on known and unknown ids, of two organisations' keys: no false alarm, and the
    settings' scenario rules are exercised (proxy/judge.py through judging/settings_sequence)."""
    rng = random.Random(26)
    urls = [f"https://{name}.statuspage.io" for name in "abc"]
    with ContractProxy(site="mock") as proxy:
        mock = proxy.mock
        _org, api, app = mock.new_organisation()
        keys = [mock.headers(), mock.headers(api, app)]
        ids: list[str] = ["unknown-id"]
        for _ in range(120):
            headers, url = rng.choice(keys), rng.choice(urls)
            setting_id = rng.choice(ids)
            item = proxy.base_url + SETTINGS.item_path(setting_id)
            change = with_value(SETTINGS.request_example("PATCH"), SETTINGS.id_path, setting_id)
            change = with_value(change, SETTINGS.attributes_path, {SETTINGS.url_field: url})
            step = rng.choice(["list", "create", "update", "other-id", "invalid", "delete"])
            if step == "list":
                requests.get(proxy.base_url + SETTINGS.collection_path, headers=headers, timeout=10)
            elif step == "create":
                body = SETTINGS.request_example("POST")
                SETTINGS.attributes_of(body)[SETTINGS.url_field] = url
                made = requests.post(
                    proxy.base_url + SETTINGS.collection_path,
                    json=body,
                    headers=headers,
                    timeout=10,
                )
                if made.status_code == SETTINGS.status.created:
                    ids.append(SETTINGS.id_of(made.json()))
            elif step in ("update", "other-id", "invalid"):
                if step == "other-id":
                    change = with_value(change, SETTINGS.id_path, rng.choice(ids))
                if step == "invalid":
                    change = with_value(change, SETTINGS.type_path, "no-such-type")
                requests.patch(item, json=change, headers=headers, timeout=10)
            else:
                requests.delete(item, headers=headers, timeout=10)
        report = proxy.report()
    assert report["decision"]["broken_rules"] == [], report["failures"]
    exercised = {n for n, r in report["rules"].items() if r["passed"]}
    assert exercised >= {"url-setting-conflicts", "url-setting-not-found", "url-setting-effects"}


def test_a_url_setting_body_submits_no_api_key_to_the_proxy() -> None:
    """Only the account's bodies submit an api_key: a URL-setting create whose extra field sits
    where an account's api_key would, equal to its tags, echoed back as the setting's tags, is
    no ``no-key-echo`` alarm (a generated body did this through the client)."""
    other = next(n for n in SETTINGS.attribute_names if n != SETTINGS.url_field)
    tags = secrets.token_hex(16)
    body = SETTINGS.request_example(SETTINGS.create.method)
    body = with_value(
        with_value(body, (*SETTINGS.attributes_path, other), tags), CONTRACT.secret_path, tags
    )
    with ContractProxy(site="mock") as proxy:
        headers = proxy.mock.headers()
        url = proxy.base_url + SETTINGS.collection_path
        created = requests.post(url, json=body, headers=headers, timeout=10)
        assert created.status_code == SETTINGS.create.success.status and tags in created.text
        report = proxy.report()
    assert report["rules"]["no-key-echo"]["failed"] == 0
