"""What an explorer knows of the account from its own calls, and the scenario verdicts that
knowledge lets it give (from :mod:`statuspage_contract.judging.expectations`, as the suite's)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..judging.expectations import (
    invalid_body_rejected,
    lifecycle_status,
    single_account,
    status_verdict,
    valid_body_accepted,
)
from ..judging.verdict import Verdict
from ..rules import LIFECYCLE_EFFECTS, REJECTED_CALL_NO_EFFECT
from ..scenarios import is_valid_create_body
from ..spec import load_contract

__all__ = ["MUTATING", "AccountState"]

#: HTTP methods that may create, change or delete (HTTP semantics, not the contract's).
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Status classes (the first digit): success, client error.
SUCCESS, CLIENT_ERROR = 2, 4


def _is_valid_create(kwargs: dict[str, Any]) -> bool:
    """Whether request kwargs send a valid create body as JSON."""
    return (
        "json" in kwargs and "content_type" not in kwargs and is_valid_create_body(kwargs["json"])
    )


@dataclass
class AccountState:
    """Whether the account exists (None: unknown), and the scenario rule a GET judges: that
    of the last call that changed (or should not have changed) the account."""

    exists: bool | None = None
    state_rule: str | None = None

    def reset(self) -> None:
        """No account, nothing to judge yet (a reset mock)."""
        self.exists, self.state_rule = False, None

    def expect(self, method: str, status: int, kwargs: dict[str, Any]) -> list[Verdict]:
        """The scenario rules a call answered ``status`` tests, given what is known."""
        statuses = load_contract().status
        existed = self.exists
        if status == statuses.rate_limited:
            return []
        if method == "POST":
            if not _is_valid_create(kwargs):
                return [invalid_body_rejected(status, existed)]
            if existed is True:
                return [single_account(status)]
            if existed is False:
                return [valid_body_accepted(status)]
            return []
        if existed is None:
            return []
        if method == "GET" and self.state_rule:
            if status in (lifecycle_status("GET", True), lifecycle_status("GET", False)):
                wanted = lifecycle_status("GET", existed)
                ok = status == wanted
                message = f"GET answered {status} where the earlier calls imply {wanted}"
                return [Verdict(self.state_rule, ok, "" if ok else message)]
        elif method in ("PATCH", "DELETE") and existed and status != statuses.invalid:
            wanted = lifecycle_status(method, True)
            what = f"{method} of an existing account"
            return [status_verdict(LIFECYCLE_EFFECTS, status, wanted, what)]
        return []

    def learn(self, method: str, status: int) -> None:
        """Update what is known after a call answered ``status``."""
        statuses = load_contract().status
        if status in (statuses.forbidden, statuses.rate_limited):
            return
        ok = status // 100 == SUCCESS
        found = lifecycle_status("GET", True)
        if method == "GET" and status in (found, statuses.not_found):
            self.exists = status == found
        elif method == "POST" and ok:
            self.exists, self.state_rule = True, LIFECYCLE_EFFECTS
        elif method == "DELETE" and ok:
            self.exists, self.state_rule = False, LIFECYCLE_EFFECTS
        elif method in MUTATING and status // 100 == CLIENT_ERROR and self.exists is not None:
            self.state_rule = REJECTED_CALL_NO_EFFECT
