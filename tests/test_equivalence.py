"""Input classes: the class of a body (derived from the contract), and one body sent per class,
operation and kind in the fast and ci profiles, every body in thorough."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from statuspage_contract import bad_inputs, equivalence, generation, scenarios
from statuspage_contract.equivalence import PATIENCE, Registry, Send, input_class
from statuspage_contract.judging import ContractViolation, judged_client
from statuspage_contract.mock import MockSite
from statuspage_contract.profiles import ONE_INPUT_PER_CLASS
from statuspage_contract.pytest_plugin.options import CI_PROFILE, FAST_PROFILE, THOROUGH_PROFILE
from statuspage_contract.report.record import RunRecord
from statuspage_contract.spec import JSON_MEDIA_TYPE, load_contract, with_value

CONTRACT = load_contract()
CREATE = CONTRACT.create
SCHEMA = CREATE.request_schema or {}


def body(key: str) -> dict[str, Any]:
    return CONTRACT.with_secret(CONTRACT.request_example(CREATE.method), key)


def case(data: Any) -> Any:
    return generation.operation(CREATE.method).Case(body=data, media_type=JSON_MEDIA_TYPE)


@pytest.fixture
def one_per_class() -> Iterator[None]:
    """The clients this test makes send one input per class (the suite's fast and ci)."""
    ONE_PER_CLASS[0] = True
    yield
    ONE_PER_CLASS[0] = False


ONE_PER_CLASS = [False]


def client_of(site: MockSite) -> Any:
    client = judged_client(site.base_url, site.api_key, site.app_key)
    equivalence.one_input_per_class(client, ONE_PER_CLASS[0])
    return client


# -- classes ------------------------------------------------------------------------------------
def test_valid_bodies_differ_by_length_bucket_ascii_and_undeclared_members() -> None:
    short, other_short = body("k" * 8), body("q" * 12)
    assert input_class(short, SCHEMA) == input_class(other_short, SCHEMA)
    assert input_class(short, SCHEMA)[0] is True
    example = CONTRACT.request_example(CREATE.method)
    documented = len(str(_secret(example)))
    longer = body("k" * (documented + 10))
    long = body("k" * equivalence.LONG_STRING)
    non_ascii = body("ключ")
    undeclared = {**short, "unknown-member": 1}
    classes = {input_class(b, SCHEMA) for b in (short, longer, long, non_ascii, undeclared)}
    assert len(classes) == 5


def _secret(data: Any) -> Any:
    node = data
    for part in CONTRACT.secret_path:
        node = node[part]
    return node


def test_a_class_holds_no_part_of_a_value() -> None:
    key = "distinctive-secret-value"
    assert key not in repr(input_class(body(key), SCHEMA))
    assert key not in repr(input_class(body(key) | {"x": key}, SCHEMA))


def test_invalid_bodies_differ_by_validator_error_and_transport_failure() -> None:
    wrong_type = with_value(body("k"), CONTRACT.secret_path, 5)
    other_wrong_type = with_value(body("q"), CONTRACT.secret_path, 7)
    assert input_class(wrong_type, SCHEMA) == input_class(other_wrong_type, SCHEMA)
    assert input_class(wrong_type, SCHEMA)[0] is False
    raw = [b"", b"\xff\xfe", b"{not json", json.dumps(body("k")).encode()]
    assert input_class(raw[3], SCHEMA)[0] is True  # valid bytes are valid
    kinds = {input_class(b, SCHEMA) for b in raw[:3]} | {input_class(wrong_type, SCHEMA)}
    kinds |= {input_class(body("k"), SCHEMA, "text/plain"), input_class([], SCHEMA)}
    assert len(kinds) == 6


def test_array_items_are_one_place() -> None:
    schema = {"type": "array", "items": {"type": "string"}}
    assert input_class([1], schema) == input_class(["a", 2, 3], schema)


# -- the registry -------------------------------------------------------------------------------
def test_a_known_class_is_rejected_then_passed_over_once_the_classes_look_covered() -> None:
    registry, cls = Registry(), input_class(body("k"), SCHEMA)[1]
    assert registry.decide("op", cls) is Send.SEND
    assert [registry.decide("op", cls) for _ in range(PATIENCE)] == [Send.REJECT] * PATIENCE
    assert registry.decide("op", cls) is Send.PASS
    assert registry.decide("other op", cls) is Send.SEND  # per operation and kind


def test_fast_and_ci_send_one_input_per_class_and_thorough_all() -> None:
    assert ONE_INPUT_PER_CLASS == {FAST_PROFILE: True, CI_PROFILE: True, THOROUGH_PROFILE: False}


# -- against the mock: the requests sent ------------------------------------------------------
SAME_CLASS = ("k" * 8, "q" * 9)  # short ASCII keys
OTHER_CLASS = "ключ"  # a short non-ASCII key


def _creates_sent(keys: tuple[str, ...]) -> int:
    """The creates the valid-create scenario sends for every key Hypothesis draws from
    ``keys`` (each is drawn, once: the choices are few)."""
    with MockSite() as site:
        client = client_of(site)

        @settings(max_examples=50, derandomize=True, database=None)
        @given(key=st.sampled_from(keys))
        def create(key: str) -> None:
            scenarios.valid_create_then_conflict(client, case(body(key)))

        create()
        counts = RunRecord("mock", client.judge.recorder).request_counts()
        return counts.by_operation.get(CREATE.label, 0)


def test_two_inputs_of_one_class_send_one_request_set(one_per_class) -> None:
    assert _creates_sent(SAME_CLASS) == 2  # a create, then the same create again (409)


def test_inputs_of_two_classes_send_both(one_per_class) -> None:
    assert _creates_sent((*SAME_CLASS, OTHER_CLASS)) == 4


def test_a_client_sends_every_input_unless_the_suite_says_otherwise() -> None:
    client = judged_client("http://127.0.0.1:9", "k", "a")  # the notebook's, a user's fixture
    assert not equivalence.deduplicating(client)
    equivalence.one_input_per_class(client)
    assert equivalence.deduplicating(client)


def test_thorough_sends_every_input() -> None:
    assert _creates_sent((*SAME_CLASS, OTHER_CLASS)) == 6


def test_the_example_tests_bad_inputs_are_not_sent_again(one_per_class) -> None:
    with MockSite() as site:
        client = client_of(site)
        for bad in bad_inputs.bad_create_inputs():
            generation.first_of_its_class(client, CREATE.method, bad_inputs.materialise(bad))
        wrong_type = with_value(body("k"), CONTRACT.secret_path, 5)

        @settings(max_examples=5, database=None)
        @given(st.just(wrong_type))
        def reject(data: Any) -> None:
            scenarios.invalid_create_rejected(client, case(data))

        with pytest.raises(Unsatisfiable):
            reject()  # every draw rejected: its class was sent
        assert RunRecord("mock", client.judge.recorder).request_counts().total == 0


def _bad_inputs_sent(method: str) -> list[str]:
    """The ids of ``method``'s bad inputs an example test sends (the first of each class)."""
    with MockSite() as site:
        client = client_of(site)
        return [
            bad.id
            for bad in bad_inputs.bad_inputs(method)
            if generation.first_of_its_class(client, method, bad_inputs.materialise(bad))
        ]


@pytest.mark.parametrize("method", [CREATE.method, CONTRACT.update.method])
def test_the_example_tests_send_one_bad_input_per_class(one_per_class, method: str) -> None:
    every = [bad.id for bad in bad_inputs.bad_inputs(method)]
    sent = _bad_inputs_sent(method)
    assert 0 < len(sent) < len(every)
    assert sent == [i for i in every if i in sent]  # the first of each class, in order
    # a string's wrong types are one class (the validator's 'type' at one place): one is sent
    place = ".".join(CONTRACT.secret_path)
    assert len([i for i in sent if i.endswith(place) and i.split("-")[0] in TYPES]) == 1


#: The wrong types ``bad_inputs.bad_inputs`` tries for a string.
TYPES = ("null", "number", "list", "object")


def test_thorough_sends_every_bad_input() -> None:
    assert _bad_inputs_sent(CREATE.method) == [b.id for b in bad_inputs.bad_create_inputs()]


def test_a_failing_example_is_replayed_in_full(one_per_class) -> None:
    """Hypothesis' final replay of a failing example sends it again (no Flaky error), and
    reports the fault the first sending found."""
    with MockSite(faults=["server-error-on-non-ascii-key"]) as site:
        client = client_of(site)

        @settings(max_examples=30, derandomize=True, database=None)
        @given(key=st.sampled_from(["k" * 8, "q" * 9, "ключ", "ключи"]))
        def create(key: str) -> None:
            scenarios.valid_create_then_conflict(client, case(body(key)))

        with pytest.raises(ContractViolation):
            create()
