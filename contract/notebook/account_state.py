"""What an explorer knows of a resource from its own calls, and the scenario verdicts that
knowledge lets it give: read off the resource model (:mod:`statuspage_contract.judging.model`,
the suite's and the proxy's table too). The account is the resource an explorer calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..judging.model import Presence, Resource, State, account, presence, succeeded
from ..judging.verdict import Verdict
from ..spec import load_contract
from ..spec.validators import schema_errors

__all__ = ["MUTATING", "AccountState"]

#: HTTP methods that may create, change or delete (HTTP semantics, not the contract's).
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Status classes (the first digit): client error.
CLIENT_ERROR = 4


def _sends_a_valid_body(method: str, kwargs: dict[str, Any]) -> bool:
    """Whether request kwargs send, as JSON, a body valid for ``method``'s request schema."""
    if "json" not in kwargs or "content_type" in kwargs:
        return False
    try:
        schema = load_contract().operation(method).request_schema or {}
        return not schema_errors(kwargs["json"], schema)
    except RecursionError:
        return False


@dataclass
class AccountState:
    """Whether the resource exists (None: unknown), and the scenario rule a read judges: that
    of the last call that changed (or should not have changed) it."""

    exists: bool | None = None
    state_rule: str | None = None
    resource: Resource = field(default_factory=account, repr=False, compare=False)

    @property
    def state(self) -> State:
        return presence(self.exists)

    def reset(self) -> None:
        """No resource, nothing to judge yet (a reset mock)."""
        self.exists, self.state_rule = False, None

    def expect(self, method: str, status: int, kwargs: dict[str, Any]) -> list[Verdict]:
        """The scenario rules a call answered ``status`` tests, given what is known."""
        model, state = self.resource, self.state
        if status == load_contract().status.rate_limited:
            return []
        told = model.tells_bodies_apart(method)
        call = model.classify(method, _sends_a_valid_body(method, kwargs) if told else None)
        if call is None:
            return []
        if call.name == model.read:  # judged by the rule of the call before it
            step = None if state is None else model.step(call.name, state)
            if step is None or not self.state_rule or model.shown(status) is None:
                return []
            ok = status in step.allowed
            wanted = " or ".join(map(str, sorted(step.allowed)))
            message = f"{method} answered {status} where the earlier calls imply {wanted}"
            return [Verdict(self.state_rule, ok, "" if ok else message)]
        if not told and status == load_contract().status.invalid:
            return []  # the body was not checked here: a refusal of it says nothing of the state
        verdict = model.verdict(call.name, state, status)
        return [] if verdict is None else [verdict]

    def learn(self, method: str, status: int) -> None:
        """Update what is known after a call answered ``status``."""
        model, statuses = self.resource, load_contract().status
        call = model.classify(method)
        if call is None or status in (statuses.forbidden, statuses.rate_limited):
            return
        if call.name == model.read:
            shown = model.shown(status)
            if shown is not None:
                self.exists = shown is Presence.PRESENT
        elif call.effect is not None and succeeded(status):
            self.exists = call.effect is Presence.PRESENT
            self.state_rule = model.effect_rule
        elif call.effect is not None and status // 100 == CLIENT_ERROR and self.exists is not None:
            self.state_rule = model.no_effect_rule
