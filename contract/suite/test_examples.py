"""Example tests: one per documented behaviour of "Create the Statuspage account"."""

from __future__ import annotations

from typing import Any

import pytest

from contract.client import ContractClient
from contract.scenario_rules import invalid_body_rejected, single_account
from contract.scenarios import (
    account_exists,
    bad_create_inputs,
    bad_inputs,
    ensure_no_account,
    expect_unchanged,
    judge,
    materialise,
    read_only_refusal,
    valid_create_body,
)
from contract.spec import load_contract
from contract.target import Target, sentinel_key

CONTRACT = load_contract()
CREATED = CONTRACT.create.success.status

pytestmark = pytest.mark.usefixtures("suite_guard")


@pytest.mark.mutating
def test_reference_request_creates_the_account_with_a_masked_key(client: ContractClient) -> None:
    ensure_no_account(client)
    created = client.create(CONTRACT.request_example("POST"))
    client.expect(
        "valid-body-accepted",
        created.status == CREATED,
        f"the reference request answered {created.status}, not {CREATED}",
        created,
    )
    body = created.json
    client.expect(
        "response-schema",
        body["data"]["type"] == CONTRACT.account_type,
        "the created account has the wrong type",
        created,
    )
    client.expect(
        "api-key-masked",
        CONTRACT.secret_field in body["data"]["attributes"],
        f"the created account does not return its {CONTRACT.secret_field} (masked)",
        created,
    )


@pytest.mark.mutating
def test_a_distinctive_key_is_never_returned(client: ContractClient) -> None:
    ensure_no_account(client)
    created = client.create(valid_create_body())
    client.expect(
        "valid-body-accepted", created.status == CREATED, f"answered {created.status}", created
    )
    client.get()  # the response rules check the GET's body for the key as well


@pytest.mark.mutating
def test_a_second_create_conflicts_and_changes_nothing(client: ContractClient) -> None:
    ensure_no_account(client)
    first = client.create(valid_create_body())
    client.expect("valid-body-accepted", first.status == CREATED, f"answered {first.status}", first)
    second = client.create(valid_create_body())
    judge(client, single_account(second.status, "a second create"), second)
    expect_unchanged(client, True, second)


@pytest.mark.parametrize("bad", bad_create_inputs(), ids=lambda b: b.id)
def test_a_create_that_breaks_the_contract_is_rejected(
    client: ContractClient, target: Target, bad
) -> None:
    kwargs = materialise(bad)
    refused = read_only_refusal(client, "POST", kwargs)
    if refused:
        pytest.skip(f"{bad.id}: {refused}")
    if target.mutation_skip_reason is None:
        ensure_no_account(client)
        existed = False
    else:
        existed = account_exists(client)
    rejected = client.request("POST", **kwargs)
    judge(
        client,
        invalid_body_rejected(rejected.status, existed, f"a create whose {bad.why}"),
        rejected,
    )
    expect_unchanged(client, existed, rejected)


def _auth_cases(client: ContractClient) -> dict[str, dict[str, str]]:
    return {
        "no keys": client.auth_headers(None, None),
        "no application key": client.auth_headers(app_key=None),
        "an unknown API key": client.auth_headers(api_key=sentinel_key()),
        "an unknown application key": client.auth_headers(app_key=sentinel_key()),
    }


@pytest.mark.parametrize(
    "case", ["no keys", "no application key", "an unknown API key", "an unknown application key"]
)
def test_reads_without_valid_keys_are_refused(client: ContractClient, case: str) -> None:
    refused = client.get(auth=_auth_cases(client)[case])
    client.expect(
        "auth-enforced",
        refused.status in (401, 403),
        f"a GET with {case} answered {refused.status}, not 403",
        refused,
    )


@pytest.mark.mutating
@pytest.mark.parametrize(
    "case", ["no keys", "no application key", "an unknown API key", "an unknown application key"]
)
def test_creates_without_valid_keys_are_refused_and_change_nothing(
    client: ContractClient, case: str
) -> None:
    ensure_no_account(client)
    refused = client.create(valid_create_body(), auth=_auth_cases(client)[case])
    client.expect(
        "auth-enforced",
        refused.status in (401, 403),
        f"a create with {case} answered {refused.status}, not 403",
        refused,
    )
    expect_unchanged(client, False, refused)


@pytest.mark.mock_only
def test_an_application_key_without_manage_integrations_may_read_but_not_write(
    client: ContractClient, mock_site
) -> None:
    _, api_key, app_key = mock_site.new_organisation(permissions={"integrations_read"})
    auth = client.auth_headers(api_key, app_key)
    read = client.get(auth=auth)
    client.expect(
        "auth-enforced", read.status == 404, f"a read-only key's GET answered {read.status}", read
    )
    writes: list[tuple[str, dict[str, Any]]] = [
        ("POST", {"json": valid_create_body()}),
        ("PATCH", {"json": valid_create_body()}),
        ("DELETE", {}),
    ]
    for method, kwargs in writes:
        refused = client.request(method, auth=auth, **kwargs)
        client.expect(
            "auth-enforced",
            refused.status == 403,
            f"{method} with a key lacking manage_integrations answered {refused.status}",
            refused,
        )
    after = client.get(auth=auth)
    client.expect(
        "rejected-call-no-effect", after.status == 404, "a refused write created an account", after
    )


@pytest.mark.mock_only
def test_over_the_rate_limit_every_operation_answers_429_with_its_headers(
    client: ContractClient, mock_site
) -> None:
    _, api_key, app_key = mock_site.new_organisation()
    mock_site.set_rate_limit(2, 60)
    auth = client.auth_headers(api_key, app_key)
    for _ in range(2):  # the allowance: a create (201), then a second one (409)
        client.create(valid_create_body(), auth=auth, retry_rate_limit=False)
    over: list[tuple[str, dict[str, Any]]] = [
        ("POST", {"json": valid_create_body()}),
        ("GET", {}),
        ("PATCH", {"json": valid_create_body()}),
        ("DELETE", {}),
    ]
    for method, kwargs in over:
        limited = client.request(method, auth=auth, retry_rate_limit=False, **kwargs)
        client.expect(
            "rate-limit-headers",
            limited.status == 429,
            f"{method} over a limit of 2 requests answered {limited.status}, not 429",
            limited,
        )


@pytest.mark.mutating
@pytest.mark.parametrize("bad", bad_inputs("PATCH"), ids=lambda b: b.id)
def test_an_update_that_breaks_the_contract_is_rejected_and_changes_nothing(
    client: ContractClient, bad
) -> None:
    if not account_exists(client):
        created = client.create(valid_create_body())
        client.expect("valid-body-accepted", created.status == CREATED, "create failed", created)
    rejected = client.request("PATCH", **materialise(bad))
    client.expect(
        "invalid-body-rejected",
        rejected.status == 400,
        f"an update whose {bad.why} answered {rejected.status}, not 400",
        rejected,
    )
    expect_unchanged(client, True, rejected)


@pytest.mark.mutating
def test_reading_updating_and_deleting_without_an_account_answer_404(
    client: ContractClient,
) -> None:
    ensure_no_account(client)
    calls: list[tuple[str, dict[str, Any]]] = [
        ("GET", {}),
        ("PATCH", {"json": valid_create_body()}),
        ("DELETE", {}),
    ]
    for method, kwargs in calls:
        missing = client.request(method, **kwargs)
        client.expect(
            "lifecycle-effects",
            missing.status == 404,
            f"{method} without an account answered {missing.status}, not 404",
            missing,
        )
    expect_unchanged(client, False, missing)
