"""Reusable steps and inputs of the contract suite, derived from the contract document."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from contract.client import ContractClient
from contract.exchange import Exchange
from contract.rules import schema_errors
from contract.safety import State
from contract.spec import JSON_MEDIA_TYPE, load_contract
from contract.spec import property_paths as _paths
from contract.target import sentinel_key


@dataclass(frozen=True)
class BadInput:
    """A create request that breaks the contract, and why."""

    id: str
    why: str
    kwargs: dict[str, Any] = field(default_factory=dict)


def _without(body: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    body = copy.deepcopy(body)
    node = body
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]
    return body


def _with(body: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    body = copy.deepcopy(body)
    node = body
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return body


def bad_create_inputs() -> list[BadInput]:
    """One create request per way of breaking the request schema, plus malformed transport."""
    return bad_inputs("POST")


def bad_inputs(method: str) -> list[BadInput]:
    """One request body per way of breaking ``method``'s request schema, plus malformed
    transport (derived from the schema and the documented example)."""
    contract = load_contract()
    schema = contract.operation(method).request_schema or {}
    example = contract.with_secret(contract.request_example(method), "SENTINEL")
    out: list[BadInput] = []
    for path, sub, required in _paths(schema):
        dotted = ".".join(path)

        def add(kind: str, why: str, value: Any, path: tuple[str, ...] = path) -> None:
            out.append(
                BadInput(
                    f"{kind}-{'.'.join(path)}",
                    f"{'.'.join(path)} {why}",
                    {"json": _with(example, path, value)},
                )
            )

        if required:
            missing = _without(example, path)
            out.append(BadInput(f"missing-{dotted}", f"{dotted} is required", {"json": missing}))
        if "enum" in sub:
            add(
                "wrong-enum", f"must be one of {sub['enum']}", str(sub["enum"][0]).replace("-", "_")
            )
        if sub.get("type") == "string":
            if sub.get("minLength"):
                add("empty", "must not be empty", "")
            for label, value in (
                ("null", None),
                ("number", 12345),
                ("list", ["x"]),
                ("object", {}),
            ):
                add(label, "must be a string", value)
        if sub.get("type") == "object":
            add("not-object", "must be an object", "text")
    non_objects: tuple[tuple[str, Any], ...] = (
        ("array", []),
        ("string", "data"),
        ("null", None),
        ("number", 7),
    )
    for label, value in non_objects:
        out.append(BadInput(f"body-{label}", "the body must be an object", {"json": value}))
    valid_text = json.dumps(example)
    out += [
        BadInput(
            "malformed-json",
            "the body must be JSON",
            {"data": valid_text[: len(valid_text) // 2], "content_type": JSON_MEDIA_TYPE},
        ),
        BadInput(
            "invalid-utf8",
            "the body must be UTF-8",
            {"data": b'{"data": "\xff\xfe"}', "content_type": JSON_MEDIA_TYPE},
        ),
        BadInput(
            "empty-body", "a body is required", {"data": b"", "content_type": JSON_MEDIA_TYPE}
        ),
        BadInput(
            "wrong-content-type",
            "the body must be sent as JSON",
            {"data": valid_text, "content_type": "text/plain"},
        ),
    ]
    return out


def materialise(bad: BadInput) -> dict[str, Any]:
    """Request kwargs with a fresh sentinel secret in place of the placeholder."""
    key = sentinel_key()
    kwargs = dict(bad.kwargs)
    if "json" in kwargs:
        kwargs["json"] = json.loads(json.dumps(kwargs["json"]).replace("SENTINEL", key))
    elif isinstance(kwargs.get("data"), str):
        kwargs["data"] = kwargs["data"].replace("SENTINEL", key)
    return kwargs


def read_only_refusal(client: ContractClient, method: str, kwargs: dict[str, Any]) -> str | None:
    """Why a request built from ``kwargs`` may not be sent by this run (a lenient site could
    turn it into a state change), or None. Tests skip such inputs in read-only runs."""
    if "json" in kwargs:
        body: bytes | None = json.dumps(kwargs["json"]).encode()
    else:
        data = kwargs.get("data")
        body = data.encode() if isinstance(data, str) else data
    return client.ownership.refusal(method, body)


def is_valid_create_body(body: Any) -> bool:
    """Whether ``body`` (an object, or raw bytes) is a valid create request body."""
    if isinstance(body, bytes | bytearray):
        try:
            body = json.loads(body)
        except (ValueError, RecursionError):
            return False
    try:
        return not schema_errors(body, load_contract().create.request_schema or {})
    except RecursionError:
        return False


def valid_create_body() -> dict[str, Any]:
    """The documented example with a fresh, distinctive api_key."""
    contract = load_contract()
    return contract.with_secret(contract.request_example("POST"), sentinel_key())


def account_exists(client: ContractClient) -> bool:
    """GET the account: True for 200, False for 404; anything else breaks the contract."""
    with client.bookkeeping():
        exchange = client.get()
    client.expect(
        "documented-status",
        exchange.status in (200, 404),
        f"GET answered {exchange.status} where 200 or 404 was expected",
        exchange,
    )
    return exchange.status == 200


def ensure_no_account(client: ContractClient) -> None:
    """Delete the account if there is one, and check that the delete really happened.

    On a guarded site whose ledger says no account exists, only look (GET): the run deletes
    nothing it cannot prove it created. An account that shows up there is adopted when the
    run's own last request caused it, and otherwise stops the run (see contract.safety)."""
    ledger = client.ownership
    guarded_and_absent = not ledger.unrestricted and ledger.state is State.ABSENT
    if guarded_and_absent and not ledger.pending and not account_exists(client):
        return
    with client.bookkeeping():
        deleted = client.delete()
    client.expect(
        "documented-status",
        deleted.status in (204, 404),
        f"DELETE answered {deleted.status} where 204 or 404 was expected",
        deleted,
    )
    if deleted.status != 204:
        return
    with client.bookkeeping():
        after = client.get()
    client.expect(
        "lifecycle-effects",
        after.status == 404,
        f"after a DELETE answered 204, GET answered {after.status}: the account is still there",
        after,
    )


def expect_unchanged(client: ContractClient, existed: bool, rejected: Exchange) -> None:
    """After a rejected call, GET must show the same account state as before it."""
    now = account_exists(client)
    client.expect(
        "rejected-call-no-effect",
        now == existed,
        f"a call rejected with {rejected.status} changed the account: it "
        f"{'existed' if existed else 'did not exist'} before and "
        f"{'exists' if now else 'does not exist'} after",
        rejected,
    )


def valid_create_then_conflict(client: ContractClient, case: Any) -> None:
    """A generated valid create from a clean state: 201, then 409 for the same body, and
    the 409 changes nothing. Schemathesis' built-in checks judge the first response."""
    from contract import generation

    ensure_no_account(client)
    created = generation.send_and_judge(client, case)
    expected = load_contract().create.success.status
    client.expect(
        "valid-body-accepted",
        created.status == expected,
        f"a valid create on an organisation without an account answered {created.status}",
        created,
    )
    again = generation.send_case(client, case)
    client.expect(
        "single-account",
        again.status == 409,
        f"a create while an account exists answered {again.status}, not 409",
        again,
    )
    expect_unchanged(client, True, again)


def invalid_create_rejected(client: ContractClient, case: Any, *, clean: bool = True) -> None:
    """A generated invalid create: 400 (409 allowed when an account exists and the state
    cannot be cleaned), and it changes nothing. Read-only runs skip (``hypothesis.reject``)
    cases a lenient site could turn into an account."""
    from hypothesis import reject

    from contract import generation

    if generation.refusal(client, case):
        reject()

    if clean:
        ensure_no_account(client)
        existed = False
    else:
        existed = account_exists(client)
    rejected = generation.send_and_judge(client, case)
    allowed = {400, 409} if existed else {400}
    client.expect(
        "invalid-body-rejected",
        rejected.status in allowed,
        f"a create with an invalid body answered {rejected.status}, not 400",
        rejected,
    )
    expect_unchanged(client, existed, rejected)
