"""The scenario rules' verdicts: which status a step must answer, given the account state.

One implementation for everyone who judges a scenario step — the suite (``client.expect``
of :mod:`statuspage_contract.scenarios` steps and the example and lifecycle tests) and the
notebook's explorer (which keeps the verdicts with the call). Each function returns an
:class:`~contract.exchange.Verdict` whose message is empty when the rule holds; statuses are
read from the contract (:mod:`statuspage_contract.spec`), never restated.
"""

from __future__ import annotations

from collections.abc import Collection

from ..judging.verdict import Verdict
from ..rules import INVALID_BODY_REJECTED, SINGLE_ACCOUNT, VALID_BODY_ACCEPTED
from ..spec import load_contract

__all__ = [
    "invalid_body_rejected",
    "invalid_body_statuses",
    "lifecycle_status",
    "single_account",
    "status_verdict",
    "valid_body_accepted",
]


def status_verdict(rule: str, status: int, wanted: int | Collection[int], what: str) -> Verdict:
    """``rule`` holds when ``status`` is (one of) ``wanted``; else "WHAT answered STATUS, not
    WANTED"."""
    allowed = {wanted} if isinstance(wanted, int) else set(wanted)
    ok = status in allowed
    shown = " or ".join(map(str, sorted(allowed)))
    return Verdict(rule, ok, "" if ok else f"{what} answered {status}, not {shown}")


def invalid_body_statuses(existed: bool | None) -> frozenset[int]:
    """What a create with an invalid body may answer: 400, or 409 too unless the account is
    known not to exist (a site may check for the account before the body)."""
    return load_contract().status.invalid_create(account_exists=existed is not False)


def invalid_body_rejected(
    status: int, existed: bool | None, what: str = "a create with an invalid body"
) -> Verdict:
    """INVALID_BODY_REJECTED: see :func:`invalid_body_statuses`."""
    ok = status in invalid_body_statuses(existed)
    wanted = load_contract().status.invalid
    return Verdict(
        INVALID_BODY_REJECTED, ok, "" if ok else f"{what} answered {status}, not {wanted}"
    )


def single_account(status: int, what: str = "a create while an account exists") -> Verdict:
    """SINGLE_ACCOUNT: a create while an account exists conflicts."""
    return status_verdict(SINGLE_ACCOUNT, status, load_contract().status.conflict, what)


def valid_body_accepted(status: int, what: str = "a valid create without an account") -> Verdict:
    """VALID_BODY_ACCEPTED: a valid create without an account answers the documented success."""
    wanted = load_contract().create.success.status
    return status_verdict(VALID_BODY_ACCEPTED, status, wanted, what)


def lifecycle_status(method: str, exists: bool) -> int:
    """What ``method`` on the account answers: its documented success when the account
    exists, not-found when it does not (a create is judged by the rules above)."""
    contract = load_contract()
    return contract.operation(method).success.status if exists else contract.status.not_found
