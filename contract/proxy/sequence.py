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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from ..judging import Verdict
from ..rules import LIFECYCLE_EFFECTS, REJECTED_CALL_NO_EFFECT, SINGLE_ACCOUNT
from ..spec import Contract, load_contract


class Account(Enum):
    EXISTS = "exists"
    ABSENT = "absent"


@dataclass
class KeyState:
    """What the calls of one set of keys showed so far."""

    created: bool = False  # a create succeeded and no delete succeeded since
    last_effect: Account | None = None  # what the last successful mutation should have left
    belief: Account | None = None  # what the latest call showed
    pending_refusal: Account | None = None  # the state before a refused mutating call
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
    """Per set of keys state and judgement (call from one thread, the proxy's event loop)."""

    contract: Contract = field(default_factory=load_contract)
    #: At most this many sets of keys are remembered (the oldest is forgotten first).
    max_keys: int = 10_000
    states: dict[tuple[str, str], KeyState] = field(default_factory=dict)

    def __post_init__(self) -> None:
        c = self.contract  # the roles, derived once (the contract's properties recompute them)
        self.read, self.create = c.read.method, c.create.method
        self.delete = c.delete.method
        self.mutating = frozenset({c.create.method, c.update.method, c.delete.method})
        self.not_found, self.conflict = c.status.not_found, c.status.conflict

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

    def _judge(self, state: KeyState, method: str, status: int) -> list[Verdict]:
        results: list[Verdict] = []
        ok = 200 <= status < 300
        if method == self.read:
            shown = Account.EXISTS if ok else Account.ABSENT if status == self.not_found else None
            if shown is not None:
                results += self._judge_read(state, shown)
                state.belief = shown
            return results
        if method not in self.mutating:
            return results
        if ok:
            if method == self.create:
                if state.created:
                    results.append(
                        Verdict.broken(
                            SINGLE_ACCOUNT,
                            f"a second create answered {status} although the account "
                            "these keys created earlier was not deleted",
                        )
                    )
                state.created = True
            if method == self.delete:
                state.created = False
            effect = Account.ABSENT if method == self.delete else Account.EXISTS
            state.last_effect = state.belief = effect
            state.pending_refusal = None
            return results
        # refused or failed: remember what the state was, for the next read
        if state.pending_refusal is None:
            state.pending_refusal = state.belief
        if method == self.create and status == self.conflict:
            if state.created:
                results.append(Verdict(SINGLE_ACCOUNT, True))
            state.belief = Account.EXISTS
        return results

    def _judge_read(self, state: KeyState, shown: Account) -> list[Verdict]:
        if state.pending_refusal is not None:
            before, state.pending_refusal = state.pending_refusal, None
            rule = REJECTED_CALL_NO_EFFECT
            if shown is before:
                return [Verdict(rule, True)]
            return [
                Verdict.broken(
                    rule,
                    f"the account {before.value} before a refused call, and {shown.value} after it",
                )
            ]
        if state.last_effect is None:
            return []
        rule = LIFECYCLE_EFFECTS
        if shown is state.last_effect:
            return [Verdict(rule, True)]
        return [
            Verdict.broken(
                rule,
                f"a read shows the account {shown.value}, but the last successful "
                f"create, update or delete left it {state.last_effect.value}",
            )
        ]
