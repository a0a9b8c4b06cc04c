"""Send edge inputs and judge each with the suite's existing rules.

An accepted edge is judged like any valid request (its documented success status; every
response rule on its answer: masked, no echo, ...), a refused one like any invalid request
(400 or 403, the error envelope, and no effect on the account). Each input's outcome is
recorded for the report's edges table.

What is sent to learn the state is kept small (:mod:`statuspage_contract.edges.pending`):
refused edges that start from one known state are sent in a run and one GET shows them all
without effect (a change: the culprit is found by sending them again one at a time); an
accepted edge's effect is shown by the next answer that reveals the account, as the
resource model reads it (a DELETE's 204, an update's 200), or by a GET before anything else
and before the category ends.
"""

from __future__ import annotations

from typing import Any

from ..http.client import BudgetExhausted
from ..http.exchange import Exchange
from ..judging import ContractViolation, JudgedClient, Verdict
from ..judging.model import status_verdict
from ..rules import (
    AUTH_ENFORCED,
    INVALID_BODY_REJECTED,
    LIFECYCLE_EFFECTS,
    REJECTED_CALL_NO_EFFECT,
    VALID_BODY_ACCEPTED,
)
from ..scenarios import account_exists, changed_message, ensure_no_account, expect_status
from ..spec import UNAUTHORIZED_STATUS, load_contract
from ..target import Target, sentinel_key
from .derive import derive
from .keys import EdgeKeys
from .model import Edge, representatives
from .pending import Group, Sent, shown_before

#: Methods in the order their edges run: reads, then creates (from no account), then the
#: operations that need an account.
_ORDER = {"accept": 1, "either": 1, "refuse": 0}


def _method_order(method: str) -> int:
    contract = load_contract()
    if method in contract.safe_methods:
        return 0
    return 1 if method == contract.create.method else 2


class EdgeRun:
    """Runs the edges of one category against one site, one connection, one state."""

    def __init__(self, client: JudgedClient, target: Target, *, every: bool = True) -> None:
        self.client, self.target = client, target
        #: False: one edge of each class of equivalent inputs is sent (:meth:`Edge.kind`;
        #: the ``fast`` profile), the others are counted as skipped.
        self.every = every
        self.contract = load_contract()
        self.exists: bool | None = None  # what the site showed, or its answers imply
        self.keys = EdgeKeys(client, target)
        self.deleted = False  # the last state change was a DELETE that answered its success
        self.group = Group()  # refused edges whose lack of effect is not yet shown
        self.claim: Sent | None = None  # an accepted edge whose account is not yet shown
        self.category = ""
        self.findings: list[Verdict] = []
        self.first: Exchange | None = None
        self._deferred = False  # the edge being judged waits for a later answer
        self._owed = 0  # edges taken from what waits and not yet given their outcome

    # -- the loop -----------------------------------------------------------------------
    def run(self, category: str) -> None:
        """Judge every input of ``category``; record each; raise one combined violation."""
        __tracebackhide__ = True
        self.category = category
        edges = derive(category, mock=self.target.is_mock)
        sendable = [e for e in edges if not self.skip_reason(e)]
        if not self.every:
            sendable = representatives(sendable)[0]
        self._outcome("skipped", len(edges) - len(sendable))
        edges = sorted(sendable, key=lambda e: (_method_order(e.method), _ORDER[e.expect]))
        for i, edge in enumerate(edges):
            self._deferred = False
            try:
                self.judge(edge)
            except ContractViolation as exc:
                self._outcome("failed")
                self._found(exc)
                self.exists, self.group.tainted = None, True  # something unexpected: look
            except BudgetExhausted:
                self._outcome("skipped", len(edges) - i + self._pending())
                raise
            else:
                if not self._deferred:
                    self._outcome("passed")
        try:
            self.settle()
        except BudgetExhausted:
            self._outcome("skipped", self._pending())
            raise
        if self.findings:
            raise ContractViolation(self.findings, self.first)

    def _outcome(self, outcome: str, count: int = 1) -> None:
        for _ in range(count):
            self.client.judge.recorder.record_edge(self.category, outcome)

    def _found(self, exc: ContractViolation) -> None:
        self.findings += [f for f in exc.verdicts if f not in self.findings]
        self.first = self.first or exc.exchange

    def _pending(self) -> int:
        """Edges whose outcome waits (uncounted until then), forgotten."""
        count = len(self.group) + (self.claim is not None) + self._owed
        self.group.take()
        self.claim, self._owed = None, 0
        return count

    def _take(self) -> tuple[list[Sent], bool, bool]:
        members, existed, tainted = self.group.take()
        self._owed += len(members)
        return members, existed, tainted

    def _settled(self, outcome: str, count: int = 1) -> None:
        """The outcome of ``count`` edges taken from what waits."""
        self._owed -= count
        self._outcome(outcome, count)

    def _expect(self, rule: str, ok: bool, message: str, sent: Sent) -> bool:
        """A deferred verdict on ``sent``'s edge: recorded, counted in the edges table."""
        try:
            self.client.judge.expect(rule, ok, message, sent.exchange)
        except ContractViolation as exc:
            self._found(exc)
        self._settled("passed" if ok else "failed")
        return ok

    def skip_reason(self, edge: Edge) -> str | None:
        """Why this run may not send ``edge`` (live safety), or None."""
        mutations = self.target.mutation_skip_reason
        writes = edge.method not in self.contract.safe_methods
        creates = edge.method == self.contract.create.method
        if mutations and writes and (not creates or edge.expect != "refuse" or edge.auth):
            return mutations  # it needs an account made or removed first, or may make one
        for body in edge.bodies():
            refused = self.client.ownership.refusal(edge.method, body)
            if refused:
                return refused
        return None

    # -- what waits ---------------------------------------------------------------------
    def settle(self, *, reveals: bool = False) -> bool:
        """Show what waits: the group's lack of effect (one GET; returns whether it showed
        a change), the claim's account (a GET, unless ``reveals``: the next answer shows
        it)."""
        changed = False
        try:
            changed = self._flush()
            if self.claim is not None and not reveals:
                claim, self.claim = self.claim, None
                self._owed += 1
                self.exists = None
                now = account_exists(self.client)  # the response rules judge its body
                self.exists = now
                self._claimed(claim, now, "GET shows no account")
        except ContractViolation as exc:  # a look broke a rule: what waited is unjudged
            self._found(exc)
            self._outcome("failed", self._pending())
            self.exists = None
        return changed

    def _claimed(self, claim: Sent, exists: bool, shows: str) -> None:
        status = claim.exchange.status
        what = f"after {claim.edge.id} answered {status}, {shows}"
        self._expect(LIFECYCLE_EFFECTS, exists, what, claim)

    def _reveal(self, sent: Exchange) -> bool:
        """Judge the claim by ``sent``'s answer when it shows the account; returns whether
        the claim was broken (the account was not there)."""
        claim = self.claim
        if claim is None:
            return False
        before = shown_before(sent.method, sent.status)
        if before is None:
            self.settle()
            return self.exists is False
        self.claim, self._owed = None, self._owed + 1
        self._claimed(claim, before, f"{sent.method} answered {sent.status}: no account")
        return not before

    def _flush(self) -> bool:
        """One GET for the group; returns whether it showed a change (culprits judged)."""
        members, existed, tainted = self._take()
        if not members:
            return False
        self.exists = None
        now = account_exists(self.client)
        self.exists = now
        if now == existed:
            for sent in members:
                self._expect(REJECTED_CALL_NO_EFFECT, True, "", sent)
            return False
        self._search(members, existed, now, tainted)
        return True

    def _search(self, members: list[Sent], existed: bool, now: bool, tainted: bool) -> None:
        """The group changed the state: restore it and send each edge again, a GET after
        each; an edge whose repeat changes it is the culprit (its first answer the one
        judged). Only a site that breaks ``rejected-call-no-effect`` pays this."""
        culprits = 0
        for i, sent in enumerate(members):
            try:
                restored = self._restore(existed)
            except ContractViolation as exc:
                self._found(exc)
                restored = False
            if not restored:  # which edge made the change cannot be found: the last one says
                self._settled("skipped", len(members) - i - 1)
                message = changed_message(existed, now, members[-1].exchange.status)
                unseen = f"{message} (the state could not be restored to find which of "
                self._expect(REJECTED_CALL_NO_EFFECT, bool(culprits) or tainted,
                             f"{unseen}the {len(members) - i} refused calls did it)",
                             members[-1])  # fmt: skip
                return
            try:
                self.client.request(sent.edge.method, **sent.again())
            except ContractViolation as exc:
                self._found(exc)
            self.exists = None
            after = account_exists(self.client)
            self.exists = after
            culprit = after != existed
            culprits += culprit
            message = changed_message(existed, after, sent.exchange.status)
            if not culprit and i == len(members) - 1 and not culprits and not tainted:
                # no edge repeats the change alone: the run of them made it
                before = len(members) - 1
                message = changed_message(existed, now, sent.exchange.status)
                message, culprit = f"{message} (with the {before} refused calls before it)", True
            self._expect(REJECTED_CALL_NO_EFFECT, not culprit, message, sent)

    def _restore(self, existed: bool) -> bool:
        """Bring the account back to ``existed`` for a repeat; whether it is there."""
        if self.target.mutation_skip_reason:
            self.exists = None  # a read-only run only looks (its own account was undone)
        return self._state(existed) == existed

    # -- state --------------------------------------------------------------------------
    def _state(self, wanted: bool | None, *, trust_delete: bool = False) -> bool:
        """Bring the account to ``wanted`` (None: leave it) and return whether it exists.
        ``trust_delete``: the next request is a valid create, whose answer shows whether a
        DELETE really removed the account (409: it did not), so no GET is needed."""
        client = self.client
        if wanted is None or self.target.mutation_skip_reason:
            if self.exists is None:
                self.exists = account_exists(client)
            return self.exists
        if self.exists is wanted:
            return wanted
        if wanted:
            if self.exists is None and account_exists(client):
                self.exists = True
                return True
            created = client.create(
                self.contract.with_secret(self.contract.request_example(), sentinel_key())
            )
            ok = self.contract.create.success.status
            client.judge.expect(
                VALID_BODY_ACCEPTED,
                created.status == ok,
                f"a create answered {created.status}",
                created,
            )
        elif self.exists and (trust_delete or self.claim is not None):
            # The account is there (a GET or an accepted edge's answer said so): one DELETE,
            # whose answer shows an accepted edge's account; then the create that follows
            # (``trust_delete``: a 409 breaks LIFECYCLE_EFFECTS) or a GET shows it went.
            with client.judge.bookkeeping():
                deleted = client.delete()
            if self._reveal(deleted):
                self.exists = False
                return False
            gone = self.contract.operation(deleted.method).success.status
            client.judge.expect(
                LIFECYCLE_EFFECTS,
                deleted.status == gone,
                f"DELETE of an existing account answered {deleted.status}, not {gone}",
                deleted,
            )
            self.deleted = trust_delete
            if not trust_delete:
                self.exists = None
                client.judge.expect(
                    LIFECYCLE_EFFECTS,
                    not account_exists(client),
                    "GET after a successful DELETE shows the account",
                    deleted,
                )
        else:
            ensure_no_account(client)
        self.exists = wanted
        return wanted

    def _ready(self, edge: Edge, wanted: bool | None) -> bool:
        """The state ``edge`` is sent from: the group's when it joins it, else what waits
        is shown first and the account brought to ``wanted``."""
        refused = edge.expect == "refuse" and edge.method not in self.contract.safe_methods
        if refused and wanted is not None and self.group.joins(wanted):
            return wanted
        # the next request shows the claimed account: the DELETE before a create (from the
        # account the claim says is there), or a valid update's own answer (one that may be
        # refused shows nothing: a GET first)
        reveals = wanted is False or (wanted is True and edge.expect == "accept")
        self.settle(reveals=reveals)
        return self._state(wanted, trust_delete=edge.expect == "accept")

    # -- judging ------------------------------------------------------------------------
    def judge(self, edge: Edge, *, again: bool = True) -> None:
        __tracebackhide__ = True
        if edge.auth is not None:
            return self._auth(edge, again=again)
        creates = edge.method == self.contract.create.method
        existed = self._ready(edge, not creates)
        kwargs = edge.request()
        deleted, self.deleted = self.deleted, False
        sent = self.client.request(edge.method, **kwargs)
        if deleted:
            self.client.judge.expect(
                LIFECYCLE_EFFECTS,
                sent.status != self.contract.status.conflict,
                f"after a DELETE answered success, {edge.id} answered {sent.status}: "
                "the account is still there",
                sent,
            )
        if self.claim is not None and self._reveal(sent) and again:
            self.exists = False  # the account the last accepted edge showed was not there
            return self.judge(edge, again=False)
        if edge.expect == "accept" or (edge.expect == "either" and 200 <= sent.status < 300):
            return self._accepted(edge, sent)
        allowed = self.contract.status.invalid_create(creates and bool(existed))
        what = f"{edge.id} ({edge.category} edge)"
        self._refused(Sent(edge, sent), existed, INVALID_BODY_REJECTED, allowed, what, again)

    def _refused(
        self, sent: Sent, existed: bool, rule: str, allowed: Any, what: str, again: bool
    ) -> None:
        """A refused edge's answer: joins the group when it is one the contract allows;
        otherwise, with a group waiting, its GET comes first (a change it shows, not this
        answer, is the finding, and the edge is judged again from the restored state)."""
        __tracebackhide__ = True
        verdict = status_verdict(rule, sent.exchange.status, allowed, what)
        if verdict.passed:
            self.client.judge.expect(rule, True, "", sent.exchange)
            if not self.group.members:
                self.group.existed, self.group.tainted = existed, False
            self.group.members.append(sent)
            self._deferred = True
            return
        if self.group.members:
            self.group.tainted = True
            changed = self.settle(reveals=True)
            if changed and again:
                return self.judge(sent.edge, again=False)
        self.exists = None
        self.client.judge.expect(rule, False, verdict.message, sent.exchange)

    def _accepted(self, edge: Edge, sent: Exchange) -> None:
        __tracebackhide__ = True
        ok = self.contract.operation(edge.method).success.status
        creates = edge.method == self.contract.create.method
        expect_status(
            self.client,
            VALID_BODY_ACCEPTED if creates else LIFECYCLE_EFFECTS,
            sent,
            ok,
            f"{edge.id} ({edge.category} edge, valid)",
        )
        # The account is there: the next answer that shows it (a DELETE's, an update's) or
        # a GET before anything else judges it (the response rules judged this body).
        self.claim, self.exists, self._deferred = Sent(edge, sent), True, True

    def _auth(self, edge: Edge, *, again: bool = True) -> None:
        __tracebackhide__ = True
        assert edge.auth is not None
        safe = edge.method in self.contract.safe_methods
        creates = edge.method == self.contract.create.method
        existed = self._ready(edge, None if safe else not creates)
        self.deleted = False
        kwargs = edge.request()
        auth = self.client.auth_headers(self.keys.fill(edge.auth[0], "api"),
                                        self.keys.fill(edge.auth[1], "app"))  # fmt: skip
        sent = self.client.request(edge.method, auth=auth, **kwargs)
        forbidden = self.contract.status.forbidden
        allowed = {forbidden} if edge.needs_mock else {forbidden, UNAUTHORIZED_STATUS}
        what = f"{edge.id} (auth edge)"
        if safe:
            expect_status(self.client, AUTH_ENFORCED, sent, allowed, what)
            return
        self._refused(Sent(edge, sent, auth), existed, AUTH_ENFORCED, allowed, what, again)
