"""What each test of the shipped suite sends, at most, per example: its request shape.

A shape is a tally of requests by (class, method), worst case over the site's answers (a
state to clean first, a GET after each rejected call), before the allowances every request
gets (429 retries, a probe after no answer: :mod:`.build`). The bodies are the suite's own
(:mod:`statuspage_contract.scenarios`, the edges) and each is classified by
:func:`statuspage_contract.live.safety.request_class`; a generated body may fall in either
class, so it counts as at most one of each. ``tests/test_plan.py`` fails on a suite test
without a shape here, and a run whose requests leave its plan breaks ``WITHIN_PLAN``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..live.safety import CHANGING, READ, request_class

Tally = Counter[tuple[str, str]]
GET, POST, PATCH, DELETE = "GET", "POST", "PATCH", "DELETE"


@dataclass(frozen=True)
class Conditions:
    """What decides which requests a site's run sends: the site and the run's flags."""

    is_mock: bool
    mutations: bool  # requests that could change state may be sent (the mock, or allowed)
    examples: int  # Hypothesis' max_examples in force
    read_only_key: bool  # DD_APP_KEY_READ_ONLY is set (a live site's read-only key test)
    read_only_token: bool = False  # DD_BEARER_TOKEN_READ_ONLY is set (its token's test)


def tally(*parts: tuple[str, str, int]) -> Tally:
    out: Tally = Counter()
    for cls, method, n in parts:
        out[cls, method] += n
    return out


def sent(method: str, body: bytes | None = None, n: int = 1, path: str | None = None) -> Tally:
    """``n`` requests of ``method`` with ``body`` (to ``path``; None: the account's), in the
    class the classifier gives it."""
    return tally((request_class(method, body, path), method, n))


def settings_sent(method: str, n: int = 1) -> Tally:
    """``n`` requests of ``method`` to a URL settings path (the list's and the create's on
    the collection, the others on an item); a create's body is a JSON object (it names a
    url: it could change state)."""
    from ..spec import load_contract

    u = load_contract().url_settings
    on_collection = method in (u.listing.method, u.create.method)
    body = json.dumps(u.request_example(method)).encode() if method == u.create.method else None
    return sent(method, body, n, u.collection_path if on_collection else u.item_path("setting"))


def generated(method: str, n: int = 1) -> Tally:
    """``n`` generated bodies: generation decides the class, so at most ``n`` of each."""
    return tally((READ, method, n), (CHANGING, method, n))


def reads(n: int = 1) -> Tally:
    return tally((READ, GET, n))


def clean() -> Tally:
    """``ensure_no_account`` at worst: a GET, a DELETE and the GET after it."""
    return reads(2) + sent(DELETE)


def _body(kwargs: dict[str, Any]) -> bytes | None:
    if "json" in kwargs:
        return json.dumps(kwargs["json"]).encode()
    data = kwargs.get("data")
    return data.encode() if isinstance(data, str) else data


def _valid() -> bytes:
    from ..scenarios import valid_create_body

    return json.dumps(valid_create_body()).encode()


def _bad_body(bad: Any) -> bytes | None:
    from ..bad_inputs import materialise

    return _body(materialise(bad))


# -- the suite's tests: (params, conditions) -> (examples, shape per example) -------------
Shape = Callable[[dict[str, Any], Conditions], tuple[int, Tally]]


def _bad_create(params: dict[str, Any], c: Conditions) -> tuple[int, Tally]:
    body = _bad_body(params["bad"])
    if not c.mutations and request_class(POST, body) == CHANGING:
        return 0, Counter()  # a read-only run skips it (read_only_refusal)
    setup = clean() if c.mutations else reads()  # a read-only run only looks first
    return 1, setup + sent(POST, body) + reads()


def _read_only_key(params: dict[str, Any], c: Conditions) -> tuple[int, Tally]:
    if not (c.is_mock or c.read_only_key):
        return 0, Counter()  # skipped before it sends anything
    valid = _valid()
    return 1, reads(3) + sent(POST, valid) + sent(PATCH, valid) + sent(DELETE)


def _rate_limit(params: dict[str, Any], c: Conditions) -> tuple[int, Tally]:
    valid = _valid()
    return 1, sent(POST, valid, 3) + reads() + sent(PATCH, valid) + sent(DELETE)


def _bad_update(params: dict[str, Any], c: Conditions) -> tuple[int, Tally]:
    return 1, reads() + sent(POST, _valid()) + sent(PATCH, _bad_body(params["bad"])) + reads()


def _without_account(params: dict[str, Any], c: Conditions) -> tuple[int, Tally]:
    return 1, clean() + reads(2) + sent(PATCH, _valid()) + sent(DELETE)


def _lifecycle(params: dict[str, Any], c: Conditions) -> tuple[int, Tally]:
    return 1, clean() + sent(POST, _valid(), 2) + reads(3) + sent(PATCH, _valid()) + sent(DELETE)


#: The state machine's steps per example (suite/machine.py: stateful_step_count), and the
#: most URL settings it holds at once.
MACHINE_STEPS, MACHINE_SETTINGS = 12, 3


def machine_examples(examples: int) -> int:
    """The state machine's examples when the profile's are ``examples``: 2 in ``fast`` (a
    live smoke: each example meets every call of both resources, issue 27), 4 in ``ci``, 40
    in ``thorough``."""
    return max(2, examples // 10)


def _machine(params: dict[str, Any], c: Conditions) -> tuple[int, Tally]:
    """:func:`machine_examples` examples, each a clean start, at most :data:`MACHINE_STEPS`
    steps and its end. A step sends one account call (a POST, valid or one of the bad inputs,
    and a GET after it) or one URL settings call; the end a list and a delete of each setting
    the example created (one create a step at most)."""
    from ..bad_inputs import bad_create_inputs

    posts = {request_class(POST, _bad_body(b)) for b in bad_create_inputs()}
    posts.add(request_class(POST, _valid()))
    step = reads() + sent(PATCH, _valid()) + sent(DELETE)
    step += tally(*((cls, POST, 1) for cls in sorted(posts)))
    step += settings_sent(GET) + settings_sent(POST) + settings_sent(PATCH) + settings_sent(DELETE)
    end = settings_sent(GET) + settings_sent(DELETE, MACHINE_STEPS)
    per_example = clean() + end + Counter({k: n * MACHINE_STEPS for k, n in step.items()})
    return machine_examples(c.examples), per_example


def _valid_creates(params: dict[str, Any], c: Conditions) -> tuple[int, Tally]:
    return c.examples, clean() + generated(POST, 2) + reads()


def _invalid_creates(params: dict[str, Any], c: Conditions) -> tuple[int, Tally]:
    posts = generated(POST) if c.mutations else tally((READ, POST, 1))
    setup = clean() if c.mutations else reads()  # a read-only run only looks first
    return c.examples, setup + posts + reads()


def _valid_updates(params: dict[str, Any], c: Conditions) -> tuple[int, Tally]:
    return c.examples, reads() + sent(POST, _valid()) + generated(PATCH) + reads()


def _edges(params: dict[str, Any], c: Conditions) -> tuple[int, Tally]:
    """Each edge of the category this run sends: its request, the state it needs first (at
    worst a GET, a DELETE, the GET after it and a create) and the GET after it."""
    from ..edges import derive
    from ..spec import load_contract

    contract = load_contract()
    out: Tally = Counter()
    for edge in derive(params["category"], mock=c.is_mock):
        writes = edge.method not in contract.safe_methods
        creates = edge.method == contract.create.method
        classes = {request_class(edge.method, body) for body in edge.bodies()}
        if not c.mutations and (
            (writes and (not creates or edge.expect != "refuse" or edge.auth))
            or CHANGING in classes
        ):
            continue  # EdgeRun.skip_reason: a read-only run does not send it
        setup = clean() + sent(POST, _valid()) if c.mutations else reads()
        out += setup + tally(*((cls, edge.method, 1) for cls in sorted(classes))) + reads()
    return 1, out


# -- the URL settings' tests (test_statuspage_url_settings.py): a write skips a read-only run; each
# setting a test creates may be deleted once more when it cleans up ----------------------------
#: Their property-based tests' examples at most (test_statuspage_url_settings.FEW).
URL_SETTINGS_FEW = 3


def _url_writes(*parts: tuple[str, int], creates: int = 0, examples: int = 1) -> Shape:
    def shape(params: dict[str, Any], c: Conditions) -> tuple[int, Tally]:
        if not c.mutations:
            return 0, Counter()
        out: Tally = Counter()
        for method, n in parts:
            out += settings_sent(method, n)
        if creates:
            out += settings_sent(DELETE, creates)
        n = min(URL_SETTINGS_FEW, c.examples) if examples == 0 else examples
        return n, out

    return shape


def _url_read_only_key(params: dict[str, Any], c: Conditions) -> tuple[int, Tally]:
    if not (c.is_mock or c.read_only_key):
        return 0, Counter()
    return _url_writes((GET, 1), (POST, 1), (PATCH, 1), (DELETE, 1), creates=1)(params, c)


def _url_read_only_token(params: dict[str, Any], c: Conditions) -> tuple[int, Tally]:
    if not (c.is_mock or c.read_only_token):
        return 0, Counter()
    return _url_writes((POST, 2), (GET, 2), (PATCH, 1), (DELETE, 2), creates=2)(params, c)


def _url_rate_limit(params: dict[str, Any], c: Conditions) -> tuple[int, Tally]:
    return _url_writes((GET, 2), (POST, 1), (PATCH, 1), (DELETE, 1), creates=1)(params, c)


def _url_edges(params: dict[str, Any], c: Conditions) -> tuple[int, Tally]:
    """url_edges.py: each create and update edge, one list, a delete of each setting made."""
    from ..spec import load_contract
    from ..url_edges import create_edges, update_edges

    u = load_contract().url_settings
    creates, updates = len(create_edges(u)), len(update_edges(u))
    return _url_writes(
        (POST, creates), (PATCH, updates), (GET, 1), (DELETE, creates), creates=creates
    )(params, c)


def _once(shape: Callable[[], Tally]) -> Shape:
    return lambda params, c: (1, shape())


#: Each suite test function by name -> its shape.
SHAPES: dict[str, Shape] = {
    # test_examples.py
    "test_reference_request_creates_the_account_with_a_masked_key": _once(
        lambda: clean() + sent(POST, _valid())
    ),
    "test_a_distinctive_key_is_never_returned": _once(
        lambda: clean() + sent(POST, _valid()) + reads()
    ),
    "test_a_second_create_conflicts_and_changes_nothing": _once(
        lambda: clean() + sent(POST, _valid(), 2) + reads()
    ),
    "test_a_create_that_breaks_the_contract_is_rejected": _bad_create,
    "test_reads_without_valid_keys_are_refused": _once(reads),
    "test_creates_without_valid_keys_are_refused_and_change_nothing": _once(
        lambda: clean() + sent(POST, _valid()) + reads()
    ),
    "test_an_application_key_without_manage_integrations_may_read_but_not_write": _read_only_key,
    "test_over_the_rate_limit_every_operation_answers_429_with_its_headers": _rate_limit,
    "test_an_update_that_breaks_the_contract_is_rejected_and_changes_nothing": _bad_update,
    "test_reading_updating_and_deleting_without_an_account_answer_404": _without_account,
    # test_lifecycle.py
    "test_create_conflict_get_update_get_delete_get": _lifecycle,
    "test_any_sequence_of_calls_keeps_the_account_state_consistent": _machine,
    # test_properties.py
    "test_valid_bodies_create_once_then_conflict": _valid_creates,
    "test_invalid_bodies_are_rejected_and_change_nothing": _invalid_creates,
    "test_valid_updates_keep_the_account_masked": _valid_updates,
    # test_statuspage_url_settings.py (examples=0: property-based, URL_SETTINGS_FEW at most)
    "test_the_list_answers_200_and_refuses_missing_keys": _once(lambda: settings_sent(GET, 2)),
    "test_a_url_setting_is_created_listed_updated_and_deleted": _url_writes(
        (POST, 1), (GET, 3), (PATCH, 2), (DELETE, 1), creates=1
    ),
    "test_url_setting_conflicts_answer_409_and_change_nothing": _url_writes(
        (POST, 3), (PATCH, 2), (GET, 1), (DELETE, 2), creates=3
    ),
    "test_unknown_and_deleted_url_setting_ids_answer_404": _url_writes(
        (POST, 1), (DELETE, 2), (PATCH, 1), creates=1
    ),
    "test_a_read_only_key_may_list_url_settings_but_not_change_them": _url_read_only_key,
    "test_over_the_rate_limit_every_url_settings_operation_answers_429": _url_rate_limit,
    "test_a_read_only_bearer_token_may_list_url_settings_but_not_change_them": (
        _url_read_only_token
    ),
    "test_generated_valid_creates_answer_201_on_every_host": _url_writes(
        (POST, 1), (DELETE, 1), creates=1, examples=0
    ),
    "test_generated_invalid_creates_answer_400": _url_writes((POST, 1), creates=1, examples=0),
    "test_unusual_path_ids_answer_404": _url_writes((DELETE, 1), (PATCH, 1), examples=0),
    "test_edge_bodies_are_judged_by_the_model_and_the_list": _url_edges,
    # test_unusual_inputs.py
    "test_edges_of_the_contract_are_judged_by_its_rules": _edges,
}
