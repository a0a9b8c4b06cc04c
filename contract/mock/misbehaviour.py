"""What the mock's fault modes change about how a body is judged: each predicate answers
"does this fault apply here?" for the request handling in :mod:`statuspage_contract.mock.app`."""

from __future__ import annotations

from typing import Any

from ..spec import Contract, value_at
from .validation import BodyProblem

#: Strings at least this long crash the server-error-on-long-string fault mode.
LONG_STRING = 1024


def _longest_string(data: Any) -> int:
    if isinstance(data, str):
        return len(data)
    if isinstance(data, dict):
        data = list(data.values())
    if isinstance(data, list):
        return max(map(_longest_string, data), default=0)
    return 0


def _has_unknown_member(data: Any, schema: dict[str, Any]) -> bool:
    """Whether an object in ``data`` has a member its schema does not declare."""
    if not isinstance(data, dict) or "properties" not in schema:
        return False
    props = schema["properties"]
    return any(k not in props or _has_unknown_member(v, props[k]) for k, v in data.items())


class Misbehaviour:
    """The fault modes' predicates for one mock (its set of faults, its contract)."""

    def __init__(self, faults: frozenset[str], contract: Contract) -> None:
        self.faults = faults
        self.contract = contract
        self.enum_path = next(iter(contract.enum_paths))
        self.enum_field = ".".join(self.enum_path)

    def leaves_unanswered(self, method: str, body: bytes | bytearray) -> bool:
        """The fault mode that never answers one input: a create with an empty body."""
        return (
            "drops-answer-on-empty-body" in self.faults
            and method == self.contract.create.method
            and not body
        )

    def crashes_on(self, data: Any, problem: BodyProblem | None) -> bool:
        """Fault modes that answer 500 to one kind of body."""
        if "server-error-on-deep-body" in self.faults and problem is not None:
            return problem.message.endswith("nested too deeply")
        return (
            "server-error-on-long-string" in self.faults
            and problem is None
            and _longest_string(data) >= LONG_STRING
        )

    def refuses_anyway(
        self, content_type: str | None, data: Any, schema: dict[str, Any]
    ) -> BodyProblem | None:
        """Fault modes that refuse one kind of valid create."""
        if "rejects-charset-parameter" in self.faults and ";" in (content_type or ""):
            return BodyProblem("", "Content-Type must not have parameters")
        if "rejects-unknown-fields" in self.faults and _has_unknown_member(data, schema):
            return BodyProblem("", "the body has a member the contract does not declare")
        return None

    def takes_other_case(self, problem: BodyProblem, data: Any) -> bool:
        """The case-insensitive-enum fault: the enum value in other letter case is taken."""
        return (
            "case-insensitive-enum" in self.faults
            and problem.field == self.enum_field
            and str(value_at(data, self.enum_path, None)).lower()
            == self.contract.account_type.lower()
        )

    def accepts_anyway(self, problem: BodyProblem, data: Any) -> bool:
        """Fault modes that let one kind of invalid create body through."""
        secret_path = ".".join(self.contract.secret_path)
        if (
            "accepts-missing-api-key" in self.faults
            and problem.field == secret_path
            and problem.message == "is required"
        ):
            return True
        if (
            "accepts-empty-api-key" in self.faults
            and problem.field == secret_path
            and value_at(data, self.contract.secret_path, None) == ""
        ):
            return True
        return (
            "accepts-wrong-type" in self.faults
            and problem.field == ".".join(self.contract.type_path)
            and "must be one of" in problem.message
        )

    def quoting(self, secret: str | None, message: str) -> list[str]:
        if secret and "error-echoes-api-key" in self.faults:
            return [f"{message} (api_key {secret!r})"]
        return [message]
