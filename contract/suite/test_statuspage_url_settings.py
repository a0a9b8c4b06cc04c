"""The URL settings: one test per documented behaviour of their four operations, and a few
generated bodies and path ids (:data:`FEW` examples each, whatever the profile).

(Named to run before test_unusual_inputs.py on a live site: the edges go last.) Every test
deletes what it created. A read-only run skips each test that writes (the
run's safety ledger says why); the list's tests run everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from .. import generation
from ..judging import JudgedClient
from ..judging.model import (
    CREATE_INVALID,
    UPDATE,
    UPDATE_CONFLICTING,
    UPDATE_INVALID,
)
from ..mock.server import READ_ONLY_APP_KEY_ENV, READ_ONLY_BEARER_TOKEN_ENV
from ..plan.shapes import URL_SETTINGS_FEW
from ..rules import AUTH_ENFORCED, REJECTED_CALL_NO_EFFECT
from ..scenarios import expect_status
from ..spec import load_contract, loads_json
from ..spec.validators import schema_errors
from ..target import Target, sentinel_key
from ..url_edges import UrlEdgeRun
from ..url_scenarios import (
    GONE,
    HERE,
    HOSTS,
    UrlSettingSteps,
    changed_attributes,
    create_body,
    new_url,
    update_body,
)

CONTRACT = load_contract()
U = CONTRACT.url_settings
STATUS = U.status
#: The examples of each property-based test here, at most (the profile's, if fewer): each
#: example costs requests in every run of the suite (the plan counts as many).
FEW = URL_SETTINGS_FEW

pytestmark = pytest.mark.usefixtures("contract_guard")


@pytest.fixture
def url_steps(contract_client: JudgedClient) -> Iterator[UrlSettingSteps]:
    """The test's URL settings steps; what it created and did not delete is deleted after."""
    steps = UrlSettingSteps(contract_client)
    yield steps
    steps.clean_up()


def few(test: Callable[..., None]) -> None:
    """Run a Hypothesis test with the profile's settings, capped at :data:`FEW` examples."""
    current = settings.default
    assert current is not None
    settings(current, max_examples=min(FEW, current.max_examples))(test)()


# -- examples -------------------------------------------------------------------------------
def test_the_list_answers_200_and_refuses_missing_keys(
    url_steps: UrlSettingSteps, contract_client: JudgedClient
) -> None:
    url_steps.listed()
    refused = url_steps.send(U.listing.method, U.collection_path, auth={})
    expect_status(
        contract_client,
        AUTH_ENFORCED,
        refused,
        (HTTPStatus.UNAUTHORIZED, STATUS.forbidden),
        "a URL settings list without keys",
    )


def test_a_url_setting_is_created_listed_updated_and_deleted(url_steps: UrlSettingSteps) -> None:
    url_steps.skip_unless_writable()
    made = url_steps.create(new_url())
    url_steps.expect_listed()
    changes = changed_attributes(url_steps.mine[made])
    url_steps.update(made, HERE, update_body(made, **changes))
    url_steps.expect_listed()
    invalid = update_body(made, **{U.url_field: ""})
    url_steps.update(made, HERE, invalid, UPDATE_INVALID, "an update whose url is empty")
    url_steps.delete(made, HERE)
    url_steps.expect_listed(gone=(made,))


def test_url_setting_conflicts_answer_409_and_change_nothing(url_steps: UrlSettingSteps) -> None:
    url_steps.skip_unless_writable()
    first_url = new_url()
    first, second = url_steps.create(first_url), url_steps.create(new_url())
    url_steps.create(first_url, HERE, what="a create with the url of an existing setting")
    mismatched = update_body(first, **changed_attributes(url_steps.mine[first]))
    url_steps.update(second, HERE, mismatched, UPDATE_CONFLICTING, "an update with another id")
    taken = update_body(second, **{U.url_field: first_url})
    url_steps.update(second, HERE, taken, UPDATE_CONFLICTING, "an update to another's url")
    url_steps.expect_unchanged()
    url_steps.delete(first, HERE)
    url_steps.delete(second, HERE)


def test_unknown_and_deleted_url_setting_ids_answer_404(url_steps: UrlSettingSteps) -> None:
    url_steps.skip_unless_writable()
    made = url_steps.create(new_url())
    url_steps.delete(made, HERE)
    url_steps.delete(made, GONE, "a second delete of a URL setting")
    url_steps.update(made, GONE, update_body(made, **{U.url_field: new_url()}))


def _each_refused(
    client: JudgedClient,
    url_steps: UrlSettingSteps,
    writes: list[tuple[str, str, Any]],
    auth: dict[str, str],
    credential: str,
) -> None:
    """Each write (method, path, body or None) sent with ``auth`` answers 403: the
    ``credential`` ("a key", ...) lacks the write permission."""
    for method, path, body in writes:
        sent = {} if body is None else {"body": body}
        refused = url_steps.send(method, path, auth=auth, **sent)
        expect_status(
            client,
            AUTH_ENFORCED,
            refused,
            STATUS.forbidden,
            f"a URL settings {method} with {credential} lacking {U.operations[method].permission}",
        )


def _read_only_keys(client: JudgedClient, target: Target) -> tuple[str, str]:
    """Keys that may only read: a fresh organisation of the mock's, or DD_APP_KEY_READ_ONLY
    (an application key of the same organisation without the write permission)."""
    if target.mock is not None:
        _, api_key, app_key = target.mock.new_organisation(permissions=CONTRACT.read_permissions)
        return api_key, app_key
    if not target.read_only_app_key or client.api_key is None:
        pytest.skip(f"needs {READ_ONLY_APP_KEY_ENV}: an application key without write permission")
    return client.api_key, target.read_only_app_key


def test_a_read_only_key_may_list_url_settings_but_not_change_them(
    url_steps: UrlSettingSteps, contract_client: JudgedClient, contract_target: Target
) -> None:
    url_steps.skip_unless_writable()  # a site that ignores the permission would make one
    auth = contract_client.auth_headers(*_read_only_keys(contract_client, contract_target))
    url_steps.listed(auth=auth)
    unknown = U.item_path(sentinel_key())
    writes: list[tuple[str, str, Any]] = [
        (U.create.method, U.collection_path, create_body(new_url())),
        (U.update.method, unknown, update_body(sentinel_key(), **{U.url_field: new_url()})),
        (U.delete.method, unknown, None),
    ]
    _each_refused(contract_client, url_steps, writes, auth, "a key")


@pytest.mark.mock_only
def test_over_the_rate_limit_every_url_settings_operation_answers_429(
    url_steps: UrlSettingSteps, contract_client: JudgedClient, contract_mock_site: Any
) -> None:
    _, api_key, app_key = contract_mock_site.new_organisation()
    contract_mock_site.set_rate_limit(1, 60)
    auth = contract_client.auth_headers(api_key, app_key)
    url_steps.listed(auth=auth, retry_rate_limit=False)  # the allowance
    unknown = U.item_path(sentinel_key())
    over: list[tuple[str, str, Any]] = [
        (U.listing.method, U.collection_path, None),
        (U.create.method, U.collection_path, create_body(new_url())),
        (U.update.method, unknown, update_body(sentinel_key(), **{U.url_field: new_url()})),
        (U.delete.method, unknown, None),
    ]
    for method, path, body in over:
        sent = {} if body is None else {"body": body}
        limited = url_steps.send(method, path, auth=auth, retry_rate_limit=False, **sent)
        expect_status(
            contract_client,
            "rate-limit-headers",
            limited,
            STATUS.rate_limited,
            f"a URL settings {method} over a limit of 1 request",
        )


# -- generated bodies and path ids ----------------------------------------------------------
def _cases(method: str, valid: bool) -> st.SearchStrategy[Any]:
    return generation.url_setting_bodies(method, valid=valid)


def test_generated_valid_creates_answer_201_on_every_host(url_steps: UrlSettingSteps) -> None:
    url_steps.skip_unless_writable()

    @given(body=_cases(U.create.method, True), host=st.sampled_from(HOSTS))
    def create_then_delete(body: Any, host: str) -> None:
        if generation.url_setting_sent_alike(url_steps.client, U.create.method, body, host):
            return
        made = url_steps.create(new_url(host), base=body, what="a generated valid create")
        url_steps.delete(made, HERE)

    few(create_then_delete)


def test_generated_invalid_creates_answer_400(url_steps: UrlSettingSteps) -> None:
    url_steps.skip_unless_writable()
    schema = U.create.request_schema or {}

    def breaks_the_schema(body: Any) -> bool:
        try:
            parsed = loads_json(body) if isinstance(body, bytes | bytearray) else body
            return bool(schema_errors(parsed, schema))
        except (ValueError, RecursionError):
            return True

    @given(body=_cases(U.create.method, False))
    def rejected(body: Any) -> None:
        assume(breaks_the_schema(body))  # a tool's idea of invalid may differ from ours
        if generation.url_setting_sent_alike(url_steps.client, U.create.method, body):
            return
        refused = url_steps.send(U.create.method, U.collection_path, body)
        judged = url_steps.model.expected(CREATE_INVALID, None)
        expect_status(url_steps.client, judged.rule, refused, judged.allowed, judged.what)

    few(rejected)


#: Path ids no setting has: long, unicode, percent-encoded text (quoted again on the way).
PATH_IDS = st.one_of(
    st.text(min_size=101, max_size=300),
    st.text(st.characters(min_codepoint=0x80, codec="utf-8"), min_size=1, max_size=40),
    st.text(min_size=1, max_size=30).map(lambda s: quote(s, safe="")),
).filter(lambda s: s.strip(".") != "")


def test_unusual_path_ids_answer_404(url_steps: UrlSettingSteps) -> None:
    url_steps.skip_unless_writable()
    longest = U.id_limit

    @given(setting_id=PATH_IDS)
    def unknown(setting_id: str) -> None:
        url_steps.delete(setting_id, GONE, "a delete of an unusual unknown id")
        body = update_body(setting_id, **{U.url_field: new_url()})
        call = UPDATE if longest is None or len(setting_id) <= longest else UPDATE_INVALID
        url_steps.update(setting_id, GONE, body, call, "an update of an unusual unknown id")

    few(unknown)


# -- edges ----------------------------------------------------------------------------------
def test_edge_bodies_are_judged_by_the_model_and_the_list(url_steps: UrlSettingSteps) -> None:
    """A few create and update bodies at the edges of their schemas (url_edges.py): each
    answer judged by the model, what was accepted listed as sent, what was refused absent."""
    url_steps.skip_unless_writable()
    UrlEdgeRun(url_steps).run()


# -- a bearer token that may only read ------------------------------------------------------
def _read_only_token(target: Target) -> str:
    """A bearer token that may only read: a new one of the mock's default organisation, or
    DD_BEARER_TOKEN_READ_ONLY (a token of the same organisation without write permission)."""
    if target.mock is not None:
        org = target.mock.default_organisation
        return target.mock.add_token(org, scopes=CONTRACT.read_permissions)
    if not target.read_only_token:
        pytest.skip(f"needs {READ_ONLY_BEARER_TOKEN_ENV}: a bearer token without write permission")
    return target.read_only_token


def test_a_read_only_bearer_token_may_list_url_settings_but_not_change_them(
    url_steps: UrlSettingSteps, contract_client: JudgedClient, contract_target: Target
) -> None:
    """Each write with the token answers 403; the list then shows the setting as it was and
    nothing the refused create carried."""
    url_steps.skip_unless_writable()  # a site that ignores the permission would make one
    auth = CONTRACT.bearer.headers(_read_only_token(contract_target))
    made = url_steps.create(new_url())
    url_steps.listed(auth=auth)
    refused_url = new_url()
    changes = changed_attributes(url_steps.mine[made])
    writes: list[tuple[str, str, Any]] = [
        (U.create.method, U.collection_path, create_body(refused_url)),
        (U.update.method, U.item_path(made), update_body(made, **changes)),
        (U.delete.method, U.item_path(made), None),
    ]
    _each_refused(contract_client, url_steps, writes, auth, "a bearer token")
    exchange, shown = url_steps.listed()
    stored = [i for i, a in shown.items() if a.get(U.url_field) == refused_url]
    left = url_steps.mine[made]
    changed = made not in shown or any(shown[made].get(k) != v for k, v in left.items())
    broken = bool(stored) or changed
    message = "the list shows a change that a read-only bearer token's refused write made"
    contract_client.judge.expect(
        REJECTED_CALL_NO_EFFECT, not broken, message if broken else "", exchange
    )
    url_steps.delete(made, HERE)
