"""What the edges have sent and not yet seen the effect of: refused edges awaiting one GET
that shows the state unchanged, and an accepted edge awaiting the answer that shows the
account it made or changed (statuspage_contract.edges.judge)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..http.exchange import Exchange
from ..judging.model import Presence, account
from .model import Edge

#: Refused edges sent from one known state before one GET shows it unchanged. When it shows
#: a change, a restore and the group's edges re-sent one at a time (a GET after each) find
#: the culprit; with at most 4, the culprit's own request is still among the last requests
#: a reproduction replays (``judging.recorder.MAX_STEPS``), so the violation is recorded
#: against it exactly as when every refused edge had a GET of its own.
GROUP = 4


def shown_before(method: str, status: int) -> bool | None:
    """Whether an answer to a valid ``method`` shows the account existed before it (the
    resource model: a create's 201 or 409, an update's 200 or 404, a delete's 204 or 404);
    None when it shows neither."""
    model = account()
    call = model.classify(method, valid_body=True)
    found = None if call is None else model.found(call.name, status)
    return None if found is None else found is Presence.PRESENT


@dataclass(frozen=True)
class Sent:
    """An edge and its answer (``auth``: the headers it was sent with, if not the client's)."""

    edge: Edge
    exchange: Exchange
    auth: dict[str, str] | None = None

    def again(self) -> dict[str, Any]:
        """Keyword arguments to send the same edge again (with a fresh secret)."""
        kwargs = self.edge.request()
        if self.auth is not None:
            kwargs["auth"] = self.auth
        return kwargs


@dataclass
class Group:
    """Refused edges that started from one state (``existed``) and answered as the contract
    allows; whether they left it unchanged is not yet seen. ``tainted``: a request that is
    not the group's (an edge that broke a rule) was sent since, so a change no edge of the
    group repeats may be its doing."""

    existed: bool = False
    members: list[Sent] = field(default_factory=list)
    tainted: bool = False

    def __len__(self) -> int:
        return len(self.members)

    def joins(self, wanted: bool) -> bool:
        """Whether a refused edge that needs the state ``wanted`` may join."""
        return (
            bool(self.members)
            and not self.tainted
            and self.existed == wanted
            and (len(self.members) < GROUP)
        )

    def take(self) -> tuple[list[Sent], bool, bool]:
        """The members, the state they started from and the taint; the group empties."""
        out = self.members, self.existed, self.tainted
        self.members, self.tainted = [], False
        return out
