"""Before and after a run on a site: a fail-closed preflight and a cleanup that holds.

The preflight decides what the account's state is before anything that could change it is
sent: "exists" only on a success whose body the contract accepts, "absent" only on a 404.
Any other answer (5xx, 401/403, a 429 that outlasts the retries, a timeout, a reset
connection, a non-conforming body) aborts the site's run. The cleanup deletes what the run
created, with bounded retries, and otherwise says in one line what was left behind.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from http import HTTPStatus
from typing import Any

from ..http.client import BudgetExhausted, ContractClient, SiteUnreachable
from ..http.settings_calls import parsed_body
from .safety import RunAborted, SafetyError, State

ABORTED_AT_PREFLIGHT = "run aborted at the preflight"
ABORTED_MID_RUN = "run aborted mid-run"

#: Cleanup tries this many DELETE + GET rounds, waiting CLEANUP_BACKOFF * 2**n in between.
CLEANUP_ATTEMPTS = 4
CLEANUP_BACKOFF = 0.5


def preflight(client: ContractClient, site: str) -> str | None:
    """GET the account and record its state in the client's ledger; the reason to abort the
    site's run, or None when the state is certain."""

    saved = client.judge.raise_on_violation
    client.judge.raise_on_violation = False
    try:
        with client.judge.bookkeeping():  # state control: it only learns the state
            exchange = client.get()
    except SiteUnreachable as exc:
        return f"{ABORTED_AT_PREFLIGHT}: {exc}; nothing that could change state was sent"
    except RunAborted as exc:  # a 429 that outlasted the retries
        return f"{ABORTED_AT_PREFLIGHT}: {site} {exc}; nothing that could change state was sent"
    finally:
        client.judge.raise_on_violation = saved
    status = exchange.status
    statuses = client.contract.status
    if status == statuses.ok:
        if exchange.violations:
            broken = ", ".join(sorted({v.rule for v in exchange.violations}))
            return (
                f"{ABORTED_AT_PREFLIGHT}: {site} answered {status} with a body the contract "
                f"does not accept ({broken}); the account's state is uncertain, so nothing "
                "that could change it was sent"
            )
        client.ownership.preflight(exists=True)
        return None
    if status == statuses.not_found:
        client.ownership.preflight(exists=False)
        return None
    if status in (HTTPStatus.UNAUTHORIZED, statuses.forbidden):
        why = f"rejected the keys (HTTP {status})"
    elif status == statuses.rate_limited:
        why = f"kept answering {status} after {client.rate_retries} retries"
    else:
        why = f"answered {status} to the preflight GET"
    return (
        f"{ABORTED_AT_PREFLIGHT}: {site} {why}; the account's state is uncertain, "
        "so nothing that could change it was sent"
    )


def preflight_settings(client: ContractClient, site: str) -> str | None:
    """List the URL settings and record them in the ledger as someone else's; the reason to
    stop the site's run, or None. Certain only on a conforming 200: any other answer, or
    none, stops the run (never "assume there are none")."""
    saved = client.judge.raise_on_violation
    client.judge.raise_on_violation = False
    try:
        with client.judge.bookkeeping():
            exchange = client.list_settings()
    except (SiteUnreachable, RunAborted) as exc:  # a spent budget ends the run INCOMPLETE
        return f"{ABORTED_MID_RUN}: listing the URL settings failed ({exc}); none was changed"
    finally:
        client.judge.raise_on_violation = saved
    ids = client.contract.url_settings.ids_listed(parsed_body(exchange.response_body))
    settings = client.contract.url_settings.listing.success.status
    if exchange.status != settings or exchange.violations or ids is None:
        return (
            f"{ABORTED_MID_RUN}: {site} answered {exchange.status} to the list of the URL "
            "settings, or a body the contract does not accept; which settings existed before "
            "the run is uncertain, so none was changed"
        )
    client.ownership.settings.listed(ids)
    return None


def list_settings_first(client: ContractClient, site: str) -> None:
    """The client's ``before_settings_write``: :func:`preflight_settings`, raising
    :class:`RunAborted` when the settings' state is uncertain."""
    reason = preflight_settings(client, site)
    if reason is not None:
        raise RunAborted(reason)


def cleanup(
    client: ContractClient, site: str, *, sleep: Callable[[float], None] | None = None
) -> str | None:
    """Delete the account this run created, if any, and check that it is gone; say what the
    run did to an account it found and cannot restore.

    Returns None when nothing is left, else one line saying what was left behind where.
    """
    left = _cleanup(client, site, sleep)
    settings = _cleanup_settings(client, site, sleep)
    if settings:
        left = f"{left}; {settings}" if left else settings
    damage = client.ownership.unrestorable
    if damage:
        more = f" (and {len(damage) - 1} more such answers)" if len(damage) > 1 else ""
        said = f"left behind on {site}: {damage[0]}{more}"
        left = f"{left}; {said}" if left else said
    return left


def _cleanup(
    client: ContractClient, site: str, sleep: Callable[[float], None] | None
) -> str | None:
    ledger = client.ownership
    if not ledger.may_hold_ours:
        return None
    client.judge.raise_on_violation = False
    client.budget = None  # cleanup is owed whatever the budget says
    # the run's own effect: deleted in every mode (state control, as a reset is)
    with ledger.undoing(), client.judge.bookkeeping():
        last = _delete_ours(client, sleep)
    if last is None:
        return None
    path = client.contract.account_path
    return (
        f"left behind on {site}: a Statuspage account this run created could not be deleted "
        f"({last}); delete it yourself (DELETE {path})"
    )


def _cleanup_settings(
    client: ContractClient, site: str, sleep: Callable[[float], None] | None
) -> str | None:
    ledger = client.ownership.settings
    if not ledger.owes_cleanup:
        return None
    client.judge.raise_on_violation = False
    client.budget = None
    with client.ownership.undoing(), client.judge.bookkeeping():
        last = _delete_settings(client, sleep)
    if last is None:
        return None
    left = sorted(ledger.ours)
    what = f"the URL settings {', '.join(left)}" if left else "a URL setting"
    return (
        f"left behind on {site}: {what} this run created could not be deleted ({last}); "
        f"delete it yourself (DELETE {client.contract.url_settings.item_path_template})"
    )


def _delete_settings(client: ContractClient, sleep: Callable[[float], None] | None) -> str | None:
    """List, delete the settings the ledger says are this run's, list again: None when a
    list shows none of them, else the last thing the site said. A create that named no id
    is settled by the list when the run listed before it; else it stays owed."""
    ledger = client.ownership.settings
    last = "no answer"
    for attempt in range(CLEANUP_ATTEMPTS):
        if attempt:
            _pause(client, sleep, attempt, last)
        try:
            listed = client.list_settings()
            last = f"the list answered {listed.status}"
            for setting_id in sorted(ledger.ours):
                deleted = client.delete_setting(setting_id)
                last = f"DELETE answered {deleted.status}"
            if ledger.ours:
                listed = client.list_settings()
                last = f"after the DELETE, the list answered {listed.status}"
            if not ledger.owes_cleanup:
                return None
            if not ledger.ours and ledger.found is None:
                return "a create got no id in its answer and the settings were never listed"
        except (SiteUnreachable, SafetyError, RunAborted, BudgetExhausted) as exc:
            last = str(exc)
    return last


def _pause(
    client: ContractClient, sleep: Callable[[float], None] | None, attempt: int, last: str
) -> None:
    pause = CLEANUP_BACKOFF * 2 ** (attempt - 1)
    if sleep is None:
        client.wait(pause, f"deleting what this run made did not work ({last}); again")
    else:
        sleep(pause)


def undo_effect(client: ContractClient) -> None:
    """Undo, right away, an account that a read-only run's own request made (a site that
    accepted what it must refuse): the one state change a read-only run sends. What cannot
    be undone now stays in the ledger, for :func:`cleanup` at the end."""
    ledger = client.ownership
    saved = client.judge.raise_on_violation, client.budget
    client.judge.raise_on_violation, client.budget = False, None
    account = ledger.state is State.OURS
    try:
        with ledger.undoing(), client.judge.bookkeeping():
            left = _delete_ours(client, None) if account else None
            if ledger.settings.ours:
                left = _delete_settings(client, None) or left
    finally:
        client.judge.raise_on_violation, client.budget = saved
    if left is None:
        what = "the account" if account else "the URL setting"
        ledger.events.append(f"undid it: {what} this run's request made was deleted")
    else:  # not now: the cleanup at the end tries again (or says what was left)
        client.on_effect = None


def _delete_ours(client: ContractClient, sleep: Callable[[float], None] | None) -> str | None:
    """Delete the account the ledger says this run owns, and check it is gone: None when it
    is, else the last thing the site said."""
    ledger = client.ownership
    last = "no answer"
    not_found = client.contract.status.not_found
    for attempt in range(CLEANUP_ATTEMPTS):
        if attempt:
            _pause(client, sleep, attempt, last)
        try:
            if ledger.state is not State.OURS:  # an unanswered create: look before deleting
                client.get()
                if not ledger.may_hold_ours:
                    return None
                if ledger.state is not State.OURS:
                    last = "the site's answer did not show whether the account exists"
                    continue
            deleted = client.delete()
            last = f"DELETE answered {deleted.status}"
            if ledger.state is State.OURS and deleted.status != not_found:
                continue
            check = client.get()
            last = f"after the DELETE, GET answered {check.status}"
            if check.status == not_found:
                return None
        except (SiteUnreachable, SafetyError, RunAborted, BudgetExhausted) as exc:
            last = str(exc)
    return last


@contextlib.contextmanager
def signals_deferred(note: str) -> Iterator[None]:
    """Hold off SIGINT and SIGTERM while cleanup runs (it is bounded); say so once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    told = False

    def hold(signum: int, frame: Any) -> None:
        nonlocal told
        if not told:
            print(f"\n{note}", file=sys.stderr, flush=True)
            told = True

    saved = {s: signal.signal(s, hold) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def sigterm_as_interrupt() -> Any:
    """Make SIGTERM stop a run like Ctrl-C does (so cleanup runs); returns the old handler."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt("SIGTERM")

    return signal.signal(signal.SIGTERM, interrupt)
