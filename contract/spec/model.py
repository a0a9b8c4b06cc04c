"""The contract's operations, responses and statuses as values (read by the loader)."""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

#: A refusal of keys the contract does not document (documented-status reports it).
UNAUTHORIZED_STATUS = int(HTTPStatus.UNAUTHORIZED)


@dataclass(frozen=True)
class Response:
    """One documented response of an operation."""

    status: int
    description: str
    schema: dict[str, Any] | None
    example: Any
    headers: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def has_body(self) -> bool:
        return self.schema is not None


@dataclass(frozen=True)
class Operation:
    """One documented operation (method + path)."""

    method: str
    path: str
    operation_id: str
    summary: str
    #: ``x-permission``: any one of these lets a key call it (Datadog's operator OR).
    permissions: tuple[str, ...]
    request_schema: dict[str, Any] | None
    request_example: Any
    responses: dict[int, Response]

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def permission(self) -> str | None:
        """The permissions in words (one name, or "a or b"), None when none is asked for."""
        return " or ".join(self.permissions) or None

    def permitted(self, granted: frozenset[str] | set[str]) -> bool:
        """Whether a key holding ``granted`` may call it (any one permission suffices)."""
        return not self.permissions or not granted.isdisjoint(self.permissions)

    @property
    def statuses(self) -> list[int]:
        return sorted(self.responses)

    @property
    def takes_an_object(self) -> bool:
        """Whether its request body must be a JSON object (then no other JSON is valid)."""
        return self.request_schema is not None and self.request_schema.get("type") == "object"

    @property
    def success(self) -> Response:
        """The single documented 2xx response."""
        return next(r for s, r in sorted(self.responses.items()) if 200 <= s < 300)

    @property
    def error_statuses(self) -> list[int]:
        return [s for s in self.statuses if s >= 400]

    def response(self, status: int) -> Response | None:
        return self.responses.get(status)


@dataclass(frozen=True)
class Statuses:
    """The contract's status codes by what they mean: the only home of those numbers.

    Successes are each operation's documented 2xx; each error is looked up among the
    documented responses, so a document that stops documenting one fails at load."""

    ok: int  #: a read that found the account
    created: int  #: a create that made the account
    updated: int  #: an update that changed it
    deleted: int  #: a delete that removed it
    invalid: int  #: a request whose body breaks the contract
    forbidden: int  #: missing, unknown or under-privileged keys
    not_found: int  #: no account (read, update or delete)
    conflict: int  #: a create while an account exists
    rate_limited: int  #: over the rate limit

    @classmethod
    def of(cls, operations: dict[str, Operation]) -> Statuses:
        """The statuses of one resource's operations, by method (read, create, update, delete)."""
        documented = {s for op in operations.values() for s in op.responses}

        def error(status: HTTPStatus) -> int:
            if int(status) not in documented:  # pragma: no cover - guards a document change
                raise ValueError(f"the contract does not document {int(status)}")
            return int(status)

        return cls(
            ok=operations["GET"].success.status,
            created=operations["POST"].success.status,
            updated=operations["PATCH"].success.status,
            deleted=operations["DELETE"].success.status,
            invalid=error(HTTPStatus.BAD_REQUEST),
            forbidden=error(HTTPStatus.FORBIDDEN),
            not_found=error(HTTPStatus.NOT_FOUND),
            conflict=error(HTTPStatus.CONFLICT),
            rate_limited=error(HTTPStatus.TOO_MANY_REQUESTS),
        )

    def invalid_create(self, account_exists: bool) -> frozenset[int]:
        """What a create with an invalid body may answer: the conflict too when an account
        exists (a site may check for the account before it reads the body)."""
        return frozenset({self.invalid, self.conflict} if account_exists else {self.invalid})
