"""Example tests: one per documented behaviour of "Create the Statuspage account"."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest

from .. import generation
from ..bad_inputs import bad_create_inputs, bad_inputs, materialise
from ..judging import JudgedClient
from ..judging.model import CREATE, CREATE_INVALID, Presence, account, presence
from ..mock.server import READ_ONLY_APP_KEY_ENV
from ..rules import (
    AUTH_ENFORCED,
    INVALID_BODY_REJECTED,
    REJECTED_CALL_NO_EFFECT,
    VALID_BODY_ACCEPTED,
)
from ..scenarios import (
    ensure_no_account,
    expect_call,
    expect_refusal_changed_nothing,
    expect_status,
    expect_unchanged,
    known_account,
    read_only_refusal,
    valid_create_body,
)
from ..spec import load_contract, value_at
from ..target import Target, sentinel_key

CONTRACT = load_contract()
STATUS = CONTRACT.status
CREATED = STATUS.created
#: Why a bad input is skipped under the fast and ci profiles (statuspage_contract.equivalence).
ONE_PER_CLASS = (
    "an input of the same class (the same validator errors) was sent: this profile sends one "
    "per class (--profile thorough sends all)"
)

pytestmark = pytest.mark.usefixtures("contract_guard")


@pytest.mark.mutating
def test_reference_request_creates_the_account_with_a_masked_key(
    contract_client: JudgedClient,
) -> None:
    ensure_no_account(contract_client, then_create=True)
    created = contract_client.create(CONTRACT.request_example("POST"))
    expect_status(contract_client, VALID_BODY_ACCEPTED, created, CREATED, "the reference request")
    body = created.json
    contract_client.judge.expect(
        "response-schema",
        value_at(body, CONTRACT.type_path, None) == CONTRACT.account_type,
        "the created account has the wrong type",
        created,
    )
    contract_client.judge.expect(
        "api-key-masked",
        value_at(body, CONTRACT.secret_path, None) is not None,
        f"the created account does not return its {CONTRACT.secret_field} (masked)",
        created,
    )


@pytest.mark.mutating
def test_a_distinctive_key_is_never_returned(contract_client: JudgedClient) -> None:
    ensure_no_account(contract_client, then_create=True)
    created = contract_client.create(valid_create_body())
    contract_client.judge.expect(
        VALID_BODY_ACCEPTED, created.status == CREATED, f"answered {created.status}", created
    )
    contract_client.get()  # the response rules check the GET's body for the key as well


@pytest.mark.mutating
def test_a_second_create_conflicts_and_changes_nothing(contract_client: JudgedClient) -> None:
    ensure_no_account(contract_client, then_create=True)
    first = contract_client.create(valid_create_body())
    contract_client.judge.expect(
        VALID_BODY_ACCEPTED, first.status == CREATED, f"answered {first.status}", first
    )
    second = contract_client.create(valid_create_body())
    expect_call(contract_client, CREATE, Presence.PRESENT, second, "a second create")
    expect_unchanged(contract_client, True, second)


@pytest.mark.parametrize("bad", bad_create_inputs(), ids=lambda b: b.id)
def test_a_create_that_breaks_the_contract_is_rejected(
    contract_client: JudgedClient, contract_target: Target, bad
) -> None:
    kwargs = materialise(bad)
    refused = read_only_refusal(contract_client, "POST", kwargs)
    if refused:
        pytest.skip(f"{bad.id}: {refused}")
    if not generation.first_of_its_class(contract_client, "POST", kwargs):
        pytest.skip(ONE_PER_CLASS)  # one line in the summary for them all
    if contract_target.mutation_skip_reason is None:
        ensure_no_account(contract_client)
        existed = False
    else:
        existed = known_account(contract_client)
    rejected = contract_client.request("POST", **kwargs)
    state = presence(existed)
    expect_call(contract_client, CREATE_INVALID, state, rejected, f"a create whose {bad.why}")
    expect_refusal_changed_nothing(contract_client, existed, rejected)


def _auth_cases(contract_client: JudgedClient) -> dict[str, dict[str, str]]:
    return {
        "no keys": contract_client.auth_headers(None, None),
        "no application key": contract_client.auth_headers(app_key=None),
        "an unknown API key": contract_client.auth_headers(api_key=sentinel_key()),
        "an unknown application key": contract_client.auth_headers(app_key=sentinel_key()),
        # the contract's OAuth2 scheme, in place of the keys: a token no organisation has
        "an unknown bearer token": contract_client.contract.bearer.headers(sentinel_key()),
    }


#: The ways a call can lack valid credentials (``_auth_cases``' keys).
AUTH_CASES = (
    "no keys",
    "no application key",
    "an unknown API key",
    "an unknown application key",
    "an unknown bearer token",
)


@pytest.mark.parametrize(
    "case",
    AUTH_CASES,
)
def test_reads_without_valid_keys_are_refused(contract_client: JudgedClient, case: str) -> None:
    refused = contract_client.get(auth=_auth_cases(contract_client)[case])
    expect_status(
        contract_client,
        AUTH_ENFORCED,
        refused,
        (HTTPStatus.UNAUTHORIZED, STATUS.forbidden),
        f"a GET with {case}",
    )


@pytest.mark.mutating
@pytest.mark.parametrize(
    "case",
    AUTH_CASES,
)
def test_creates_without_valid_keys_are_refused_and_change_nothing(
    contract_client: JudgedClient, case: str
) -> None:
    ensure_no_account(contract_client)
    refused = contract_client.create(valid_create_body(), auth=_auth_cases(contract_client)[case])
    expect_status(
        contract_client,
        AUTH_ENFORCED,
        refused,
        (HTTPStatus.UNAUTHORIZED, STATUS.forbidden),
        f"a create with {case}",
    )
    expect_unchanged(contract_client, False, refused)


def _read_only_keys(client: JudgedClient, target: Target) -> tuple[str, str, bool]:
    """An API key and an application key that may only read, and whether their organisation
    has an account: the embedded mock makes a fresh organisation; another site needs
    DD_APP_KEY_READ_ONLY, an application key of the same organisation without the write
    permission (skipped without it)."""
    if target.mock is not None:
        _, api_key, app_key = target.mock.new_organisation(permissions=CONTRACT.read_permissions)
        return api_key, app_key, False
    if not target.read_only_app_key or client.api_key is None:
        pytest.skip(
            f"needs {READ_ONLY_APP_KEY_ENV}: an application key of the same organisation "
            "without the write permission"
        )
    return client.api_key, target.read_only_app_key, known_account(client)


@pytest.mark.mutating  # a site that ignores the permission would make or change an account
def test_an_application_key_without_manage_integrations_may_read_but_not_write(
    contract_client: JudgedClient, contract_target: Target
) -> None:
    api_key, app_key, existed = _read_only_keys(contract_client, contract_target)
    auth = contract_client.auth_headers(api_key, app_key)
    read = contract_client.get(auth=auth)
    wanted = STATUS.ok if existed else STATUS.not_found
    expect_status(contract_client, AUTH_ENFORCED, read, wanted, "a read-only key's GET")
    writes: list[tuple[str, dict[str, Any]]] = [
        ("POST", {"json": valid_create_body()}),
        ("PATCH", {"json": valid_create_body()}),
        ("DELETE", {}),
    ]
    for method, kwargs in writes:
        refused = contract_client.request(method, auth=auth, **kwargs)
        expect_status(
            contract_client,
            AUTH_ENFORCED,
            refused,
            STATUS.forbidden,
            f"{method} with a key lacking {CONTRACT.operation(method).permission}",
        )
    after = contract_client.get(auth=auth)
    contract_client.judge.expect(
        REJECTED_CALL_NO_EFFECT,
        after.status == wanted,
        f"a refused write changed the account: GET answered {after.status}, not {wanted}",
        after,
    )


@pytest.mark.mock_only
def test_over_the_rate_limit_every_operation_answers_429_with_its_headers(
    contract_client: JudgedClient, contract_mock_site
) -> None:
    _, api_key, app_key = contract_mock_site.new_organisation()
    contract_mock_site.set_rate_limit(2, 60)
    auth = contract_client.auth_headers(api_key, app_key)
    for _ in range(2):  # the allowance: a create (201), then a second one (409)
        contract_client.create(valid_create_body(), auth=auth, retry_rate_limit=False)
    over: list[tuple[str, dict[str, Any]]] = [
        ("POST", {"json": valid_create_body()}),
        ("GET", {}),
        ("PATCH", {"json": valid_create_body()}),
        ("DELETE", {}),
    ]
    for method, kwargs in over:
        limited = contract_client.request(method, auth=auth, retry_rate_limit=False, **kwargs)
        expect_status(
            contract_client,
            "rate-limit-headers",
            limited,
            STATUS.rate_limited,
            f"{method} over a limit of 2 requests",
        )


@pytest.mark.mutating
@pytest.mark.parametrize("bad", bad_inputs("PATCH"), ids=lambda b: b.id)
def test_an_update_that_breaks_the_contract_is_rejected_and_changes_nothing(
    contract_client: JudgedClient, bad
) -> None:
    kwargs = materialise(bad)
    if not generation.first_of_its_class(contract_client, "PATCH", kwargs):
        pytest.skip(ONE_PER_CLASS)  # one line in the summary for them all
    if not known_account(contract_client):
        created = contract_client.create(valid_create_body())
        contract_client.judge.expect(
            VALID_BODY_ACCEPTED, created.status == CREATED, "create failed", created
        )
    rejected = contract_client.request("PATCH", **kwargs)
    expect_status(
        contract_client,
        INVALID_BODY_REJECTED,
        rejected,
        STATUS.invalid,
        f"an update whose {bad.why}",
    )
    expect_refusal_changed_nothing(contract_client, True, rejected)


@pytest.mark.mutating
def test_reading_updating_and_deleting_without_an_account_answer_404(
    contract_client: JudgedClient,
) -> None:
    ensure_no_account(contract_client)
    calls: list[tuple[str, dict[str, Any]]] = [
        ("GET", {}),
        ("PATCH", {"json": valid_create_body()}),
        ("DELETE", {}),
    ]
    for method, kwargs in calls:
        missing = contract_client.request(method, **kwargs)
        call = account().classify(method)
        assert call is not None
        state = Presence.ABSENT
        expect_call(contract_client, call.name, state, missing, f"{method} without an account")
    expect_unchanged(contract_client, False, missing)
