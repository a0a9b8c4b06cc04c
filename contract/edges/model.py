"""One edge input: a request, the category it belongs to and what the contract expects."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from ..target import sentinel_key

#: ``accept``: the schema says the request is valid; ``refuse``: it says it is not;
#: ``either``: JSON leaves it open (duplicate keys, lone surrogates), so either answer is
#: judged by its own rules, and neither may be a 5xx or leave the state inconsistent.
Expect = Literal["accept", "refuse", "either"]
#: Stands for the secret in bodies built from the documented example; each send replaces
#: it with a fresh, distinctive key.
PLACEHOLDER = "SENTINEL"
#: How an auth header is filled: the client's own key, none, an unknown key, the other
#: header's key (swapped), or (mock only) an application key with only the read permissions.
KeyUse = Literal["own", "none", "unknown", "swapped", "reader"]
_NO_BODY: Any = object()


@dataclass(frozen=True)
class Edge:
    """A request at an edge of the contract, and what the contract expects of it."""

    category: str
    method: str
    label: str
    expect: Expect
    body: Any = _NO_BODY  # sent as JSON
    data: bytes | None = None  # or sent as these bytes
    content_type: str | None = None
    auth: tuple[KeyUse, KeyUse] | None = None  # (API key header, application key header)
    #: Other bodies a lenient parser may read from ``data`` (duplicate keys): the live-safety
    #: classification must hold for each of them.
    readings: tuple[Any, ...] = ()
    #: Where in the schema and what kind of value it tries (e.g. "data.type: letter case"),
    #: when other edges try the same; None: it is a class of its own. See :meth:`kind`.
    family: str | None = None

    @property
    def id(self) -> str:
        return f"{self.method} {self.label}"

    @property
    def has_json(self) -> bool:
        return self.body is not _NO_BODY

    @property
    def needs_mock(self) -> bool:
        return self.auth is not None and "reader" in self.auth

    def kind(self) -> tuple[str, str, str, str]:
        """Its class of equivalent inputs: the same category, method, expectation, and the
        same schema location and kind of value (the ``fast`` profile sends one of each)."""
        return self.category, self.method, self.expect, self.family or self.id

    def signature(self) -> tuple[str, str, str | None]:
        """What is sent, to recognise the same request built elsewhere."""
        sent = json.dumps(self.body, sort_keys=True) if self.has_json else repr(self.data)
        return self.method, sent, self.content_type

    def request(self) -> dict[str, Any]:
        """Request keyword arguments (for ContractClient.request) with a fresh secret."""
        key = sentinel_key()
        kwargs: dict[str, Any] = {}
        if self.has_json:
            text = json.dumps(self.body)
            # A body without the placeholder is sent as it is: no copy of a megabyte body.
            has_key = PLACEHOLDER in text
            kwargs["json"] = json.loads(text.replace(PLACEHOLDER, key)) if has_key else self.body
        elif self.data is not None:
            kwargs["data"] = self.data.replace(PLACEHOLDER.encode(), key.encode())
        if self.content_type is not None:
            kwargs["content_type"] = self.content_type
        return kwargs

    def bodies(self) -> list[bytes | None]:
        """Every body a lenient site could read from this request (for live safety)."""
        if self.has_json:
            return [json.dumps(self.body).encode()]
        return [self.data, *(json.dumps(r).encode() for r in self.readings)]


def representatives(edges: list[Edge]) -> tuple[list[Edge], list[Edge]]:
    """The first edge of each class (:meth:`Edge.kind`) and the others, each in order."""
    seen: set[tuple[str, str, str, str]] = set()
    first: list[Edge] = []
    others: list[Edge] = []
    for edge in edges:
        (others if edge.kind() in seen else first).append(edge)
        seen.add(edge.kind())
    return first, others
