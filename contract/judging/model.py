"""The resource model: what may a call answer, given the state, and what is the state after it?

One table per resource (a :class:`Resource` entry). An entry names its calls (method, the
effect a success has, and — where a method has two — whether the body is valid) and, for
each call in each state (present, absent, or ``None``: unknown), a :class:`Step`: the
scenario rule that judges the answer and the statuses it allows. A success leaves the state
its call's effect says; any other answer leaves it as it was (:meth:`Resource.after`). A
pair missing from the table is not judged (e.g. a valid create while the state is unknown).

Three readers, one table: the suite (``scenarios.expect_call``: the test knows the state),
the notebook's explorer (``notebook.account_state``: what its own calls showed) and the
proxy (``proxy.sequence``: what the calls of one set of keys showed). The account is the
first entry (:func:`account`); a second resource is a second entry built the same way, its
statuses read from the :class:`~statuspage_contract.spec.Contract`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import Enum
from functools import cache

from ..rules import (
    INVALID_BODY_REJECTED,
    LIFECYCLE_EFFECTS,
    REJECTED_CALL_NO_EFFECT,
    SINGLE_ACCOUNT,
    URL_SETTING_CONFLICTS,
    URL_SETTING_EFFECTS,
    URL_SETTING_NOT_FOUND,
    VALID_BODY_ACCEPTED,
)
from ..spec import Contract, load_contract
from .verdict import Verdict

__all__ = [
    "CREATE",
    "CREATE_INVALID",
    "DELETE",
    "LIST",
    "READ",
    "UPDATE",
    "UPDATE_CONFLICTING",
    "UPDATE_INVALID",
    "Call",
    "Presence",
    "Resource",
    "State",
    "Step",
    "account",
    "presence",
    "status_verdict",
    "succeeded",
    "url_settings",
]


class Presence(Enum):
    """Whether the resource (or the one instance a call is about) exists."""

    PRESENT = "exists"
    ABSENT = "absent"


#: A state as a judge knows it: present, absent, or None (unknown).
State = Presence | None


def presence(exists: bool | None) -> State:
    """The state of a yes/no/unknown answer to "does it exist?"."""
    return None if exists is None else Presence.PRESENT if exists else Presence.ABSENT


def succeeded(status: int) -> bool:
    """Whether ``status`` is a success (2xx): the call had its effect."""
    return 200 <= status < 300


def status_verdict(rule: str, status: int, wanted: int | Collection[int], what: str) -> Verdict:
    """``rule`` holds when ``status`` is (one of) ``wanted``; else "WHAT answered STATUS, not
    WANTED"."""
    allowed = {wanted} if isinstance(wanted, int) else set(wanted)
    ok = status in allowed
    shown = " or ".join(map(str, sorted(allowed)))
    return Verdict(rule, ok, "" if ok else f"{what} answered {status}, not {shown}")


@dataclass(frozen=True)
class Call:
    """One kind of call on a resource."""

    name: str
    method: str
    #: What a success leaves (None: the call changes nothing, e.g. a read).
    effect: Presence | None = None
    #: For a method with two calls, which body this one sends (None: any body, or none).
    valid_body: bool | None = None


@dataclass(frozen=True)
class Step:
    """What a call may answer in one state: the rule that judges it, the statuses it allows,
    and how the call reads in a message."""

    rule: str
    allowed: frozenset[int]
    what: str


@dataclass(frozen=True)
class Resource:
    """One entry of the model: a resource's calls and, per (call, state), its :class:`Step`."""

    noun: str
    calls: tuple[Call, ...]
    steps: Mapping[tuple[str, State], Step]
    #: The call whose answer shows the state.
    read: str
    #: The rule a read judges after a success (the call had its effect) ...
    effect_rule: str
    #: ... and after a refusal (the call changed nothing).
    no_effect_rule: str
    #: A resource of many items: the read lists them all, and its status shows no item's
    #: state (what it holds does; the readers judge the calls that name an item).
    collection: bool = False

    def call(self, name: str) -> Call:
        return next(c for c in self.calls if c.name == name)

    def classify(self, method: str, valid_body: bool | None = None) -> Call | None:
        """The call ``method`` makes (the first of its calls when the body is not known)."""
        mine = [c for c in self.calls if c.method == method]
        if valid_body is not None:
            told = [c for c in mine if c.valid_body in (None, valid_body)]
            mine = told or mine
        return mine[0] if mine else None

    def tells_bodies_apart(self, method: str) -> bool:
        """Whether ``method``'s calls differ by the validity of the body."""
        return any(c.valid_body is not None for c in self.calls if c.method == method)

    @property
    def changing(self) -> tuple[Call, ...]:
        """The calls a success of which changes the state (creates, updates, deletes)."""
        return tuple(c for c in self.calls if c.effect is not None)

    def step(self, call: str, state: State) -> Step | None:
        """What ``call`` may answer in ``state`` (None: that pair is not judged)."""
        return self.steps.get((call, state))

    def expected(self, call: str, state: State) -> Step:
        """As :meth:`step`, for a caller that knows the pair is judged (the suite)."""
        step = self.step(call, state)
        if step is None:
            raise KeyError(f"the {self.noun} model does not judge {call} in state {state}")
        return step

    def verdict(self, call: str, state: State, status: int, what: str = "") -> Verdict | None:
        """The verdict on ``call`` answering ``status`` in ``state`` (None: not judged)."""
        step = self.step(call, state)
        if step is None:
            return None
        return status_verdict(step.rule, status, step.allowed, what or step.what)

    def after(self, call: str, state: State, status: int) -> State:
        """The state once ``call`` answered ``status``: its effect on a success, else as
        it was."""
        effect = self.call(call).effect
        return effect if effect is not None and succeeded(status) else state

    def predicted(self, call: str, state: State) -> State:
        """The state once ``call`` answered as the model allows in ``state`` (a test's model
        of the site): its effect if a success is allowed, else as it was."""
        step = self.step(call, state)
        allowed = () if step is None else step.allowed
        return next((self.after(call, state, s) for s in allowed if succeeded(s)), state)

    def found(self, call: str, status: int) -> Presence | None:
        """The state ``call`` found, as its answer ``status`` shows it: the one state in which
        the model allows that status (None: it allows it in none, or in both)."""
        states = [
            state
            for state in Presence
            if (step := self.step(call, state)) is not None and status in step.allowed
        ]
        return states[0] if len(states) == 1 else None

    def shown(self, status: int) -> Presence | None:
        """The state a read answering ``status`` shows (None: it shows nothing, as a
        collection's list never does by its status)."""
        if self.collection:
            return None
        for state in Presence:
            step = self.step(self.read, state)
            if step is not None and status in step.allowed:
                return state
        return None

    def creates(self, call: Call) -> bool:
        """Whether a success of ``call`` makes the resource where there was none."""
        absent = self.step(call.name, Presence.ABSENT)
        made = call.effect is Presence.PRESENT
        return made and absent is not None and any(map(succeeded, absent.allowed))


#: The calls, by name (the account's, and the URL settings' below).
CREATE, CREATE_INVALID, READ, UPDATE, DELETE = (
    "create",
    "create-invalid",
    "read",
    "update",
    "delete",
)


@cache
def account(contract: Contract | None = None) -> Resource:
    """The account: one per organisation; created once, then read, updated and deleted."""
    c = contract or load_contract()
    s = c.status
    here, gone = Presence.PRESENT, Presence.ABSENT
    read, update, delete = c.read.method, c.update.method, c.delete.method

    def step(rule: str, allowed: Collection[int], what: str) -> Step:
        return Step(rule, frozenset(allowed), what)

    invalid = "a create with an invalid body"
    return Resource(
        noun="account",
        calls=(
            Call(CREATE, c.create.method, here, valid_body=True),
            Call(CREATE_INVALID, c.create.method, None, valid_body=False),
            Call(READ, read),
            Call(UPDATE, update, here),
            Call(DELETE, delete, gone),
        ),
        steps={
            (CREATE, gone): step(
                VALID_BODY_ACCEPTED, {s.created}, "a valid create without an account"
            ),
            (CREATE, here): step(SINGLE_ACCOUNT, {s.conflict}, "a create while an account exists"),
            # a site may look for the account before it reads the body: a conflict then
            (CREATE_INVALID, gone): step(INVALID_BODY_REJECTED, s.invalid_create(False), invalid),
            (CREATE_INVALID, here): step(INVALID_BODY_REJECTED, s.invalid_create(True), invalid),
            (CREATE_INVALID, None): step(INVALID_BODY_REJECTED, s.invalid_create(True), invalid),
            (READ, here): step(LIFECYCLE_EFFECTS, {s.ok}, f"{read} of an existing account"),
            (READ, gone): step(LIFECYCLE_EFFECTS, {s.not_found}, f"{read} without an account"),
            (UPDATE, here): step(
                LIFECYCLE_EFFECTS, {s.updated}, f"{update} of an existing account"
            ),
            (UPDATE, gone): step(LIFECYCLE_EFFECTS, {s.not_found}, f"{update} without an account"),
            (DELETE, here): step(
                LIFECYCLE_EFFECTS, {s.deleted}, f"{delete} of an existing account"
            ),
            (DELETE, gone): step(LIFECYCLE_EFFECTS, {s.not_found}, f"{delete} without an account"),
        },
        read=READ,
        effect_rule=LIFECYCLE_EFFECTS,
        no_effect_rule=REJECTED_CALL_NO_EFFECT,
    )


#: The URL settings' own calls: the list, an update that conflicts (its body's id is not the
#: path's, or its url is another setting's), an update whose body breaks the contract.
LIST, UPDATE_CONFLICTING, UPDATE_INVALID = "list", "update-conflicting", "update-invalid"


@cache
def url_settings(contract: Contract | None = None) -> Resource:
    """The URL settings: many per organisation, independent of the account. The state is
    that of the item a call is about: for a create, whether a setting already has its url;
    for an update or a delete, whether the path's id is a setting's."""
    u = (contract or load_contract()).url_settings
    s = u.status
    here, gone = Presence.PRESENT, Presence.ABSENT
    listing, create, update, delete = (
        u.listing.method,
        u.create.method,
        u.update.method,
        u.delete.method,
    )

    def step(rule: str, allowed: Collection[int], what: str) -> Step:
        return Step(rule, frozenset(allowed), what)

    invalid_create = "a URL setting create with an invalid body"
    invalid_update = "a URL setting update with an invalid body"
    conflicting = "a URL setting update with another id in its body or another setting's url"
    listed = step(URL_SETTING_EFFECTS, {u.listing.success.status}, "the URL settings list")
    return Resource(
        noun="URL setting",
        calls=(
            Call(LIST, listing),
            Call(CREATE, create, here, valid_body=True),
            Call(CREATE_INVALID, create, None, valid_body=False),
            Call(UPDATE, update, here, valid_body=True),
            Call(UPDATE_CONFLICTING, update, None, valid_body=True),
            Call(UPDATE_INVALID, update, None, valid_body=False),
            Call(DELETE, delete, gone),
        ),
        steps={
            (LIST, here): listed,
            (LIST, gone): listed,
            (LIST, None): listed,
            (CREATE, gone): step(
                URL_SETTING_EFFECTS, {u.create.success.status}, "a create with a new url"
            ),
            (CREATE, here): step(
                URL_SETTING_CONFLICTS, {s.conflict}, "a create with a url already configured"
            ),
            # a site may look for the url before it reads the rest of the body: a conflict then
            (CREATE_INVALID, gone): step(INVALID_BODY_REJECTED, {s.invalid}, invalid_create),
            (CREATE_INVALID, here): step(
                INVALID_BODY_REJECTED, {s.invalid, s.conflict}, invalid_create
            ),
            (CREATE_INVALID, None): step(
                INVALID_BODY_REJECTED, {s.invalid, s.conflict}, invalid_create
            ),
            (UPDATE, here): step(
                URL_SETTING_EFFECTS, {u.update.success.status}, f"{update} of a URL setting"
            ),
            (UPDATE, gone): step(
                URL_SETTING_NOT_FOUND, {s.not_found}, f"{update} of an unknown URL setting"
            ),
            (UPDATE_CONFLICTING, here): step(URL_SETTING_CONFLICTS, {s.conflict}, conflicting),
            # both rules apply to a mismatched id on an unknown path: a site checks either first
            (UPDATE_CONFLICTING, gone): step(
                URL_SETTING_CONFLICTS, {s.conflict, s.not_found}, conflicting
            ),
            # a site may look for the id before it reads the body: not found then
            (UPDATE_INVALID, here): step(INVALID_BODY_REJECTED, {s.invalid}, invalid_update),
            (UPDATE_INVALID, gone): step(
                INVALID_BODY_REJECTED, {s.invalid, s.not_found}, invalid_update
            ),
            (UPDATE_INVALID, None): step(
                INVALID_BODY_REJECTED, {s.invalid, s.not_found, s.conflict}, invalid_update
            ),
            (DELETE, here): step(
                URL_SETTING_EFFECTS, {u.delete.success.status}, f"{delete} of a URL setting"
            ),
            (DELETE, gone): step(
                URL_SETTING_NOT_FOUND, {s.not_found}, f"{delete} of an unknown URL setting"
            ),
        },
        read=LIST,
        effect_rule=URL_SETTING_EFFECTS,
        no_effect_rule=REJECTED_CALL_NO_EFFECT,
        collection=True,
    )
