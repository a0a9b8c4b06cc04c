"""The scenario rules a proxy can judge passively, per set of keys, from the calls it sees.

Each set of keys (the API key and application key headers) stands for one organisation. For
each, the proxy remembers what the last calls showed of its one account and judges:

- ``SINGLE_ACCOUNT``: a create answered with success while an account this set of keys
  created earlier was not deleted since (fails); a conflict for that case (passes);
- ``LIFECYCLE_EFFECTS``: a read after a successful create, update or delete must show its
  effect (the account exists after a create or update, not after a delete);
- ``REJECTED_CALL_NO_EFFECT``: a read after a refused or failed call that could change state
  must show the state as it was before that call.

Calls of one set of keys that overlap in time (a client sending concurrently) cannot be put
in order, so they make the state unknown and are not judged.

What each call may answer and what it leaves are read off the resource model
(:mod:`statuspage_contract.judging.model`): the account's entry by default, any entry alike.
The URL settings, a resource of many items, are judged per id by
:mod:`statuspage_contract.judging.settings_sequence`, which shares this judge's tickets
(:meth:`SequenceJudge.settle`: whether a call overlapped another of its keys).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..judging import Verdict
from ..judging.model import Call, Presence, Resource, account, succeeded
from ..spec import Contract, load_contract


@dataclass
class KeyState:
    """What the calls of one set of keys showed so far."""

    created: bool = False  # a create succeeded and no delete succeeded since
    last_effect: Presence | None = None  # what the last successful mutation should have left
    belief: Presence | None = None  # what the latest call showed
    pending_refusal: Presence | None = None  # the state before a refused mutating call
    in_flight: int = 0
    starts: int = 0


@dataclass(frozen=True)
class Ticket:
    """One call in flight: enough to tell afterwards whether another call overlapped it."""

    keys: tuple[str, str]
    starts: int
    overlapped: bool


@dataclass
class SequenceJudge:
    """Per set of keys state and judgement (call from one thread, the proxy's event loop),
    read off one entry of the resource model (the account unless told otherwise)."""

    contract: Contract = field(default_factory=load_contract)
    #: At most this many sets of keys are remembered (the oldest is forgotten first).
    max_keys: int = 10_000
    states: dict[tuple[str, str], KeyState] = field(default_factory=dict)
    resource: Resource | None = None

    def __post_init__(self) -> None:
        model = self.model = self.resource or account(self.contract)
        self.calls: dict[str, Call] = {}  # the call each method makes (bodies are not read)
        for c in model.calls:
            self.calls.setdefault(c.method, c)
        # each changing call: the step it is judged by at once while these keys' own
        # resource exists (the rules its effect breaks are judged by the next read)
        self.direct = {
            c.name: step
            for c in model.changing
            if (step := model.step(c.name, Presence.PRESENT)) and step.rule != model.effect_rule
        }
        names = [c.name for c in model.changing]
        self.changes = " or ".join(filter(None, (", ".join(names[:-1]), names[-1])))

    def begin(self, keys: tuple[str, str]) -> Ticket:
        state = self.states.pop(keys, None) or KeyState()
        self.states[keys] = state  # most recently used last
        while len(self.states) > self.max_keys:
            oldest = next(iter(self.states))
            if self.states[oldest].in_flight:
                break
            del self.states[oldest]
        state.starts += 1
        ticket = Ticket(keys, state.starts, overlapped=state.in_flight > 0)
        state.in_flight += 1
        return ticket

    def end(self, ticket: Ticket, method: str, status: int | None) -> list[Verdict]:
        """Judge a finished call (``status`` None: no answer). Returns the verdict of each
        rule the call exercised."""
        state = self.states.get(ticket.keys)
        if state is None:  # forgotten while in flight (more than max_keys sets of keys)
            return []
        state.in_flight -= 1
        if ticket.overlapped or state.starts != ticket.starts or status is None:
            # another call of these keys overlapped, or nothing is known of the effect
            state.created, state.last_effect, state.belief = False, None, None
            state.pending_refusal = None
            return []
        return self._judge(state, method, status)

    def release(self, ticket: Ticket) -> list[Verdict]:
        """End a call this resource's entry does not judge (another resource's, or one
        outside the contract): it is no longer in flight, and changes nothing here."""
        self.settle(ticket)
        return []

    def settle(self, ticket: Ticket) -> bool:
        """As :meth:`release`; whether the call was alone (no other call of its keys
        overlapped it), for a judge of another resource that shares these tickets."""
        state = self.states.get(ticket.keys)
        if state is None:
            return False
        state.in_flight -= 1
        return not ticket.overlapped and state.starts == ticket.starts

    def _judge(self, state: KeyState, method: str, status: int) -> list[Verdict]:
        results: list[Verdict] = []
        model, call = self.model, self.calls.get(method)
        if call is None:
            return results
        ok = succeeded(status)
        if call.name == model.read:
            shown = Presence.PRESENT if ok else model.shown(status)
            if shown is not None:
                results += self._judge_read(state, shown)
                state.belief = shown
            return results
        if call.effect is None:
            return results
        direct = self.direct.get(call.name)
        if ok:
            if direct is not None and state.created:
                passed = status in direct.allowed
                message = (
                    f"a second {call.name} answered {status} although the {model.noun} "
                    "these keys created earlier was not deleted"
                )
                results.append(Verdict(direct.rule, passed, "" if passed else message))
            if model.creates(call):
                state.created = True
            if call.effect is Presence.ABSENT:
                state.created = False
            state.last_effect = state.belief = call.effect
            state.pending_refusal = None
            return results
        # refused or failed: remember what the state was, for the next read
        if state.pending_refusal is None:
            state.pending_refusal = state.belief
        if direct is not None and status in direct.allowed:  # it shows the resource exists
            if state.created:
                results.append(Verdict(direct.rule, True))
            state.belief = Presence.PRESENT
        return results

    def _judge_read(self, state: KeyState, shown: Presence) -> list[Verdict]:
        noun = self.model.noun
        if state.pending_refusal is not None:
            before, state.pending_refusal = state.pending_refusal, None
            rule = self.model.no_effect_rule
            if shown is before:
                return [Verdict(rule, True)]
            return [
                Verdict.broken(
                    rule,
                    f"the {noun} {before.value} before a refused call, and {shown.value} after it",
                )
            ]
        if state.last_effect is None:
            return []
        rule = self.model.effect_rule
        if shown is state.last_effect:
            return [Verdict(rule, True)]
        return [
            Verdict.broken(
                rule,
                f"a read shows the {noun} {shown.value}, but the last successful "
                f"{self.changes} left it {state.last_effect.value}",
            )
        ]
