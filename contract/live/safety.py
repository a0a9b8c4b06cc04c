"""Live safety: which requests could change a site's state, and what this run may touch.

Two things live here, both derived from the contract:

* :func:`could_change_state` classifies every request the suite can send. A request could
  change state when its method is not one of the contract's reads and a *lenient* site
  could turn it into an account: it has no request body to get wrong (a delete), or its body,
  read as JSON whatever its Content-Type says, is schema-valid or carries the secret.
* :class:`Ownership` is the run's ledger of the account: absent or present at preflight,
  created by this run, or present but not this run's. Ownership goes by *effect*, not by
  intention: whatever a site did in answer to one of the run's own requests is the run's —
  a 2xx to any write, valid body or not, in any mode, or an account that appears right
  after one of its writes (even one the site refused or never answered). The client asks
  it before sending: a read-only run sends nothing that could change state, and a mutating
  run deletes or changes only what it can prove it created, unless
  ``--replace-existing-account``. The one request a read-only run may send that changes
  state is the DELETE that undoes its own effect (:meth:`Ownership.undoing`).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ..errors import RunAborted, SafetyError
from ..spec import could_be_json_object, load_contract
from .settings import SettingsLedger


def parse_body(body: bytes | None) -> Any:
    """The body read as JSON whatever its Content-Type, or a sentinel when it is not JSON."""
    if not body:
        return _NOT_JSON
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _NOT_JSON


_NOT_JSON: Any = object()

#: The classes of request a run sends (its plan and its report count requests by them): a
#: read (nothing a lenient site could turn into a state change), a request that could change
#: state (:func:`could_change_state`), and an owned cleanup (a DELETE the run sends, in
#: :meth:`Ownership.undoing`, to undo what it created).
READ, CHANGING, CLEANUP = "read", "could-change-state", "owned-cleanup"
REQUEST_CLASSES = (READ, CHANGING, CLEANUP)


def request_class(method: str, body: bytes | None, path: str | None = None) -> str:
    """The class of a request a run plans to send (never an owned cleanup: those are
    DELETEs sent while undoing, :meth:`Ownership.request_class`)."""
    return CHANGING if could_change_state(method, body, path) else READ


def could_change_state(method: str, body: bytes | None, path: str | None = None) -> bool:
    """Whether a lenient site could turn this request into a change of the account, or (on
    a URL settings path) of the URL settings: there every method but the list's could, body
    or none, save a create whose body is no JSON object (it names no url). ``path`` None:
    the account path."""
    contract = load_contract()
    method = method.upper()
    settings = contract.url_settings
    if path is not None and settings.covers(path):
        collection = path.rstrip("/") == settings.collection_path
        if collection and method == settings.listing.method:
            return False
        # a create whose body is no JSON object names no url: nothing to make a setting of
        return not (
            collection and method == settings.create.method and not could_be_json_object(body)
        )
    if method in contract.safe_methods:
        return False
    op = contract.operations.get(method)
    if op is None or op.request_schema is None:
        return True  # a delete, or a method the contract does not know: assume it can
    if op.takes_an_object and not could_be_json_object(body):
        return False  # JSON that is no object (or no JSON): neither valid nor a secret's carrier
    parsed = parse_body(body)
    if parsed is _NOT_JSON:
        return False
    if contract.secret_of(parsed) is not None:
        return True
    from ..spec.validators import schema_errors

    try:
        return not schema_errors(parsed, op.request_schema)
    except RecursionError:
        return False


class State(Enum):
    """What the run knows of the site's account."""

    UNKNOWN = "unknown"  # before the preflight
    ABSENT = "absent"
    FOREIGN = "foreign"  # present and not created by this run
    OURS = "ours"  # present because of this run


@dataclass
class Ownership:
    """The account ledger of one site's run, consulted before every request.

    ``mutations``: the run may send requests that could change state.
    ``replace``: it may delete or change an account that was there before it.
    ``unrestricted``: the embedded mock, which is the run's own and needs no protection.
    """

    mutations: bool = False
    replace: bool = False
    unrestricted: bool = False
    state: State = State.UNKNOWN
    found: State = State.UNKNOWN  # the state at preflight
    pending: bool = False  # a state-changing request was sent and got no answer
    recent_change: str | None = None  # "METHOD (answered status)" of the last write, any
    # body, any answer, until the next read: what an account that appears is put down to
    events: list[str] = field(default_factory=list)
    #: What the run did to the account that existed before it and cannot restore, in words.
    unrestorable: list[str] = field(default_factory=list)
    #: The requests let through, by (class, method): what a run's plan is compared with.
    sent: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: The URL settings' part: which existed before the run, which it made.
    settings: SettingsLedger = field(default_factory=SettingsLedger)
    _undoing: int = field(default=0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.settings.events = self.events  # one account of what happened, in order

    # -- before a request ----------------------------------------------------------------
    def refusal(
        self,
        method: str,
        body: bytes | None,
        *,
        changing: bool | None = None,
        path: str | None = None,
    ) -> str | None:
        """Why this request may not be sent, or None when it may (``changing``: what
        :func:`could_change_state` says of it, when the caller has worked it out)."""
        if self.unrestricted:
            return None
        if changing is None:
            changing = could_change_state(method, body, path)
        if not changing:
            return None
        if path is not None and load_contract().url_settings.covers(path):
            return self.settings.refusal(
                method, path, mutations=self.mutations, undoing=bool(self._undoing)
            )
        if self._undoing and method.upper() == "DELETE" and self.state is State.OURS:
            return None  # undoing the run's own effect: allowed in every mode
        if not self.mutations:
            return (
                f"read-only run: refusing {method.upper()} that a lenient site could turn "
                "into a state change (pass --allow-mutations to allow it)"
            )
        if self.state is State.UNKNOWN:
            return f"refusing {method.upper()} before the preflight has seen the account"
        if self.state is State.FOREIGN and not self.replace:
            return (
                f"refusing {method.upper()}: the site has an account this run did not create "
                "(pass --replace-existing-account to allow it)"
            )
        return None

    @contextlib.contextmanager
    def undoing(self) -> Iterator[None]:
        """While this holds, a DELETE of an account this run owns may be sent in any mode:
        the one state change a read-only run makes, because it undoes the run's own."""
        self._undoing += 1
        try:
            yield
        finally:
            self._undoing -= 1

    @property
    def undo_owed(self) -> bool:
        """A read-only run whose request created an account owes its undoing now (a
        mutating run deletes what it owns as its tests go, and at the end)."""
        return not (self.mutations or self.unrestricted or self._undoing) and (
            self.state is State.OURS or bool(self.settings.ours)
        )

    def request_class(self, method: str, changing: bool) -> str:
        """The class of a request about to be sent (``changing``: what :meth:`check` said)."""
        if changing and self._undoing and method.upper() == "DELETE":
            return CLEANUP
        return CHANGING if changing else READ

    def check(self, method: str, body: bytes | None, path: str | None = None) -> bool:
        """Raise :class:`SafetyError` for a forbidden request; count the others by class
        (:attr:`sent`) and note a state-changing one. Returns whether the request could
        change state (for :meth:`observe`)."""
        changing = could_change_state(method, body, path)
        reason = self.refusal(method, body, changing=changing, path=path)
        if reason:
            raise SafetyError(reason)
        settings = path is not None and load_contract().url_settings.covers(path)
        with self._lock:
            self.sent[self.request_class(method, changing), method.upper()] += 1
            if settings:
                self.settings.sending(method, path or "")
            elif changing:
                self.pending = True
        return changing

    def observe_setting(
        self, method: str, path: str, status: int, answer: bytes, changing: bool
    ) -> None:
        """Update the URL settings' ledger from an answer on one of their paths (``answer``:
        its body; ``changing``: what :meth:`check` returned for the request)."""
        parsed = parse_body(answer)
        body = None if parsed is _NOT_JSON else parsed
        with self._lock:
            self.settings.observe(
                method, path, status, body, changing=changing, guarded=not self.unrestricted
            )

    # -- after a response ----------------------------------------------------------------
    def preflight(self, exists: bool) -> None:
        self.state = self.found = State.FOREIGN if exists else State.ABSENT

    def observe(
        self, method: str, body: bytes | None, status: int, *, changing: bool | None = None
    ) -> None:
        """Update the ledger from a response to a request on the account path
        (``changing``: what :meth:`check` returned for it, when the caller kept it)."""
        contract = load_contract()
        method = method.upper()
        ok = 200 <= status < 300
        if changing is None:
            changing = could_change_state(method, body)
        with self._lock:
            was_pending, self.pending = self.pending, False
            if method in contract.safe_methods:
                cause = "a request that got no answer" if was_pending else None
                if self.recent_change:
                    cause = f"its own {self.recent_change}"
                self.recent_change = None
                ok_status = contract.operation(method).success.status
                self._observe_read(status, ok_status, cause=cause)
                return
            self.recent_change = f"{method} (answered {status})"
            if not ok:
                return  # a refused write changes nothing in the ledger; the GET after it tells
            accepted = "" if changing else f"the site accepted a {method} it must refuse"
            if method == "DELETE":
                if self.state is State.FOREIGN:
                    self.events.append("deleted the account that existed before the run")
                self.state = State.ABSENT
            elif self.state in (State.ABSENT, State.OURS, State.UNKNOWN):
                if accepted and self.state is not State.OURS and not self.unrestricted:
                    self.events.append(
                        f"{accepted} (answered {status}): the account it made is this run's, "
                        "so the run deletes it"
                    )
                self.state = State.OURS
            elif accepted:  # FOREIGN: the account that existed may have been changed
                self.unrestorable.append(
                    f"{accepted} (answered {status}) while the account that existed before "
                    "the run was there: it may have been changed, and cannot be restored "
                    "(its api_key is returned masked); check it"
                )

    def _observe_read(self, status: int, ok_status: int, *, cause: str | None) -> None:
        if status == ok_status and self.state is State.ABSENT:
            if cause or self.unrestricted:
                if cause:
                    self.events.append(
                        f"an account was there after {cause}: taken as created by this run, "
                        "so it is deleted at the end"
                    )
                self.state = State.OURS
            else:
                self.state = State.FOREIGN
                raise RunAborted(
                    "an account this run did not create appeared on the site; "
                    "stopping without touching it"
                )
        elif status == load_contract().status.not_found and self.state in (
            State.OURS,
            State.FOREIGN,
        ):
            if self.state is State.FOREIGN and not (self.mutations and self.replace):
                self.events.append("the account that existed at preflight disappeared")
            self.state = State.ABSENT

    @property
    def may_hold_ours(self) -> bool:
        """Whether an account this run created may still exist (cleanup is owed)."""
        return self.state is State.OURS or (self.pending and self.found is State.ABSENT)
