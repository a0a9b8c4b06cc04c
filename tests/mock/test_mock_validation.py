"""statuspage_contract.mock.validation: strict JSON bodies, and a large body never held three
times."""

from __future__ import annotations

import json
import weakref
from typing import Any

import pytest

from statuspage_contract.mock import validation
from statuspage_contract.mock.app import Request
from statuspage_contract.mock.validation import parse_json_body
from statuspage_contract.spec import JSON_MEDIA_TYPE, loads_json


class _Body(bytearray):
    """A body that can be watched (weak references) while the parser works on it."""


def test_the_raw_body_is_let_go_before_its_values_are_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given the request's only reference (Request.take_body), the parser drops the bytes once
    decoded: a 1 MiB body is then held as text and values, not also as bytes."""
    request = Request("POST", "/", {}, _Body(json.dumps("k" * 1000).encode()))
    watched = weakref.ref(request.body)
    alive_while_parsing: list[bool] = []

    def watching(text: str) -> Any:
        alive_while_parsing.append(watched() is not None)
        return loads_json(text)

    monkeypatch.setattr(validation, "loads_json", watching)
    data, problem = parse_json_body(request.take_body(), JSON_MEDIA_TYPE)
    assert (data, problem) == ("k" * 1000, None)
    assert request.body == b""
    assert alive_while_parsing == [False]


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"", "request body is empty"),
        (b"\xff{}", "request body is not valid UTF-8"),
        (json.dumps({}).encode("utf-16"), "request body is not valid UTF-8"),
        (b"\xef\xbb\xbf{}", "request body is not valid JSON"),  # a UTF-8 byte order mark
        (b"[NaN]", "request body is not valid JSON"),
        (b"[" * 100_000, "request body is nested too deeply"),
    ],
)
def test_a_body_that_is_not_strict_json_is_a_problem_not_an_error(raw: bytes, says: str) -> None:
    data, problem = parse_json_body(bytearray(raw), JSON_MEDIA_TYPE)
    assert data is None and problem is not None and str(problem).startswith(says)
