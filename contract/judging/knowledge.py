"""What one client's own answers showed of its account, and the claims they leave to verify.

:class:`Knowledge` follows every answered exchange on the account path (the judge hands it
each one) and reads it with the resource model (:mod:`.model`): an answer the model allows in
only one state shows the state before the call (a GET's 200 or 404; a valid create's 201 or
409; an update's 200 or 404; a delete's 204 or 404), and :meth:`~.model.Resource.after` the
state after it. A look (the read) shows the state itself; any other call leaves a state that
rests on its effect, or on its having none: the rule a wrong one breaks is the model's
``effect_rule`` or ``no_effect_rule``. Anything the model does not settle — a rejected write
that could change state (400, 403, ...), an unexpected status, a write with other keys, a
request that got no answer — makes the state unknown; a refused write that could not (no
valid body, no api_key: ``live.safety.could_change_state``) leaves it as it was. Reads with
other keys change nothing.

A **claim** is such a resting state that a scenario chose to verify by the next answer that
shows the state instead of by a look of its own (:meth:`Knowledge.claim`): e.g. a DELETE's
204 verified by the valid create that follows it (201: it was gone; 409: it was not). At most
one claim is pending at a time; the next answer on the account path settles it — verified,
broken (its rule, in words of what happened), or, when that answer shows nothing, not
verifiable (a skip of its rule, said so). Knowledge never widens what the safety ledger
(``live.safety``) allows: it only spares requests.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..http.exchange import Exchange
from ..live.safety import could_change_state
from ..spec import JSON_MEDIA_TYPE, load_contract, loads_json
from ..spec.validators import schema_errors
from .model import Call, Presence, Resource, State, account, succeeded


@dataclass(frozen=True)
class Claim:
    """A state a scenario takes on trust until the next answer that shows it."""

    state: Presence
    rule: str  #: what a contrary answer breaks
    said: str  #: what the state rests on, in words ("DELETE answered 204")
    #: What a broken claim is recorded against (None: the answer that showed it wrong).
    blame: Exchange | None = None
    #: Broken, it is raised when the scenario settles its claims (a later Hypothesis
    #: example must not fail for an earlier one), not at the answer that showed it.
    deferred: bool = False


@dataclass(frozen=True)
class Settled:
    """What became of a claim: ``passed`` True (verified), False (broken), None (no answer
    could show it: a skip of ``rule`` with ``message`` as its reason)."""

    claim: Claim
    passed: bool | None
    message: str
    exchange: Exchange | None  #: what it is recorded against


def _header(exchange: Exchange, name: str) -> str | None:
    lower = name.lower()
    return next((v for k, v in exchange.request_headers.items() if k.lower() == lower), None)


class Knowledge:
    """What a client's own answers showed of its account (see the module's docstring)."""

    def __init__(self, resource: Resource | None = None) -> None:
        self.resource = resource or account()
        self.contract = load_contract()
        #: The account's state: present, absent, None (unknown).
        self.state: State = None
        #: The exchange the state rests on (None: a look showed it, or nothing is known) ...
        self.basis: Exchange | None = None
        #: ... and the rule a wrong one breaks.
        self.rule = ""
        self.pending: Claim | None = None  #: the claim pending, if any
        #: Answers seen (the client compares it with the requests it sent: a request that
        #: got no answer leaves the state unknown).
        self.answers = 0
        #: Open ``scenarios.claims_verified`` blocks: deferred claims are allowed in them.
        self.settling = 0
        #: Broken deferred claims, recorded already, to raise when their block ends.
        self.broken: list[Settled] = []

    @property
    def seen(self) -> bool:
        """Whether the state is known, and shown by a look."""
        return self.state is not None and self.basis is None

    # -- answers --------------------------------------------------------------------------
    def observe(self, exchange: Exchange) -> list[Settled]:
        """Learn from one answer; return what became of a pending claim, if it settled."""
        self.answers += 1
        if urlsplit(exchange.url).path.rstrip("/") != self.contract.account_path.rstrip("/"):
            return []  # another resource's (the URL settings'): nothing of the account
        method = exchange.method.upper()
        if not self._own(exchange):
            if method in self.contract.safe_methods:
                return []  # another organisation's look, or a refused one: changes nothing
            return self.forget(f"a {method} with other keys answered {exchange.status}")
        call, before = self.shows(exchange)
        settled = self._settle(exchange, call, before)
        if call is None or before is None:
            if not self._kept_by_refusal(exchange):
                self._unknown()
            return settled
        self.state = self.resource.after(call.name, before, exchange.status)
        self.basis = None if call.name == self.resource.read else exchange
        rules = self.resource.effect_rule, self.resource.no_effect_rule
        self.rule = rules[0] if succeeded(exchange.status) else rules[1]
        return settled

    def shows(self, exchange: Exchange) -> tuple[Call | None, Presence | None]:
        """The call an own exchange made, and the state before it that its answer shows
        (None: the model allows its status in no state, or in both). A body is read only
        when its validity could change what the answer shows (a large one costs a parse)."""
        method, status = exchange.method.upper(), exchange.status
        if not self.resource.tells_bodies_apart(method):
            return self._reading(method, status, None)
        valid, invalid = self._reading(method, status, True), self._reading(method, status, False)
        if self._after(valid, status) == self._after(invalid, status):
            return valid
        return self._reading(method, status, self._valid_body(exchange))

    def _reading(
        self, method: str, status: int, valid: bool | None
    ) -> tuple[Call | None, Presence | None]:
        call = self.resource.classify(method, valid)
        if call is None:
            return None, None
        return call, self.resource.found(call.name, status)

    def _after(self, reading: tuple[Call | None, Presence | None], status: int) -> State:
        call, before = reading
        if call is None or before is None:
            return None
        return self.resource.after(call.name, before, status)

    @staticmethod
    def _kept_by_refusal(exchange: Exchange) -> bool:
        """A refusal (4xx) of a request that could not change state (the safety ledger's
        :func:`~..live.safety.could_change_state`: no valid body, no api_key) leaves the
        state as it was: a lenient site could make no account of it."""
        refused = 400 <= exchange.status < 500
        return refused and not could_change_state(exchange.method, exchange.request_body)

    def forget(self, why: str) -> list[Settled]:
        """The state is unknown now (``why``); a pending claim cannot be verified."""
        self._unknown()
        claim, self.pending = self.pending, None
        if claim is None:
            return []
        message = f"{claim.said}, but {why} before an answer showed the state"
        return [Settled(claim, None, message, claim.blame)]

    def _unknown(self) -> None:
        self.state, self.basis, self.rule = None, None, ""

    def _settle(
        self, exchange: Exchange, call: Call | None, before: Presence | None
    ) -> list[Settled]:
        claim, self.pending = self.pending, None
        if claim is None:
            return []
        blame = claim.blame or exchange
        named = f"a valid {call.name}" if call and call.valid_body else exchange.method.upper()
        what = f"{claim.said}, then {named} answered {exchange.status}"
        if before is None:
            return [Settled(claim, None, f"{what}, which shows nothing of the account", blame)]
        if before is claim.state:
            return [Settled(claim, True, "", blame)]
        now = "the account is still there" if before is Presence.PRESENT else "it is gone"
        return [Settled(claim, False, f"{what}: {now}", blame)]

    def _own(self, exchange: Exchange) -> bool:
        """Whether the exchange carried the client's own keys (and no bearer token)."""
        api, app = exchange.own_keys
        if api is None or app is None or _header(exchange, self.contract.bearer.header):
            return False
        return (
            _header(exchange, self.contract.api_key_header) == api
            and _header(exchange, self.contract.app_key_header) == app
        )

    def _valid_body(self, exchange: Exchange) -> bool:
        """Whether a create's body is valid: JSON, sent as JSON, and of the schema."""
        media = (_header(exchange, "Content-Type") or "").split(";")[0].strip().lower()
        if media != JSON_MEDIA_TYPE or not exchange.request_body:
            return False
        schema = self.contract.operation(exchange.method).request_schema or {}
        with contextlib.suppress(ValueError, RecursionError):
            return not schema_errors(loads_json(exchange.request_body), schema)
        return False

    # -- claims ---------------------------------------------------------------------------
    def claim(self, *, blame_basis: bool = False, deferred: bool = False, said: str = "") -> bool:
        """Take the current resting state on trust until the next answer shows it: a claim
        of its rule. ``blame_basis``: a broken claim is recorded against the exchange it
        rests on (else against the answer that shows it wrong); ``said``: what it rests
        on, in words (default: "METHOD answered STATUS"). False (nothing claimed):
        the state is not one that rests on an answer, or a claim is pending already."""
        if self.state is None or self.basis is None or self.pending is not None:
            return False
        if deferred and not self.settling:
            return False
        basis = self.basis
        said = said or f"{basis.method.upper()} answered {basis.status}"
        self.pending = Claim(
            self.state, self.rule, said, basis if blame_basis else None, deferred=deferred
        )
        return True
