"""Send edge inputs and judge each with the suite's existing rules.

An accepted edge is judged like any valid request (its documented success status, then a
GET that shows the account; every response rule on each answer: masked, no echo, ...), a
refused one like any invalid request (400 or 403, the error envelope, then a GET that shows
nothing changed). Each input's outcome is recorded for the report's edges table.
"""

from __future__ import annotations

from typing import Any

from ..http.client import BudgetExhausted
from ..http.exchange import Exchange
from ..judging import ContractViolation, JudgedClient, Verdict
from ..rules import AUTH_ENFORCED, INVALID_BODY_REJECTED, LIFECYCLE_EFFECTS, VALID_BODY_ACCEPTED
from ..scenarios import (
    account_exists,
    ensure_no_account,
    expect_status,
    expect_unchanged,
)
from ..spec import UNAUTHORIZED_STATUS, load_contract
from ..target import Target, sentinel_key
from .derive import derive
from .model import Edge, KeyUse

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

    def __init__(self, client: JudgedClient, target: Target) -> None:
        self.client, self.target = client, target
        self.contract = load_contract()
        self.exists: bool | None = None  # what the last look at the site showed
        self._reader: str | None = None
        self.deleted = False  # the last state change was a DELETE that answered its success

    # -- the loop -----------------------------------------------------------------------
    def run(self, category: str) -> None:
        """Judge every input of ``category``; record each; raise one combined violation."""
        __tracebackhide__ = True
        edges = derive(category, mock=self.target.is_mock)
        edges.sort(key=lambda e: (_method_order(e.method), _ORDER[e.expect]))
        recorder = self.client.judge.recorder
        findings: list[Verdict] = []
        first: Exchange | None = None
        for i, edge in enumerate(edges):
            reason = self.skip_reason(edge)
            if reason:
                recorder.record_edge(category, "skipped")
                continue
            try:
                self.judge(edge)
            except ContractViolation as exc:
                recorder.record_edge(category, "failed")
                findings += [f for f in exc.verdicts if f not in findings]
                first = first or exc.exchange
                self.exists = None  # the site did something unexpected: look again
            except BudgetExhausted:
                for _ in edges[i:]:
                    recorder.record_edge(category, "skipped")
                raise
            else:
                recorder.record_edge(category, "passed")
        if findings:
            raise ContractViolation(findings, first)

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
        elif self.exists and trust_delete:
            # The account is there (the last GET showed it): one DELETE; the request that
            # follows shows whether it really went (a 409 breaks LIFECYCLE_EFFECTS).
            with client.judge.bookkeeping():
                deleted = client.delete()
            gone = self.contract.operation(deleted.method).success.status
            client.judge.expect(
                LIFECYCLE_EFFECTS,
                deleted.status == gone,
                f"DELETE of an existing account answered {deleted.status}, not {gone}",
                deleted,
            )
            self.deleted = True
        else:
            ensure_no_account(client)
        self.exists = wanted
        return wanted

    # -- judging ------------------------------------------------------------------------
    def judge(self, edge: Edge) -> None:
        __tracebackhide__ = True
        if edge.auth is not None:
            return self._auth(edge)
        creates = edge.method == self.contract.create.method
        existed = self._state(not creates, trust_delete=edge.expect == "accept")
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
        if edge.expect == "accept" or (edge.expect == "either" and 200 <= sent.status < 300):
            self._accepted(edge, sent)
        else:
            allowed = self.contract.status.invalid_create(creates and bool(existed))
            expect_status(
                self.client,
                INVALID_BODY_REJECTED,
                sent,
                allowed,
                f"{edge.id} ({edge.category} edge)",
            )
            self.exists = None
            expect_unchanged(self.client, existed, sent)
            self.exists = existed

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
        self.exists = None
        now = account_exists(self.client)  # the response rules judge its body (masked, ...)
        self.client.judge.expect(
            LIFECYCLE_EFFECTS,
            now,
            f"after {edge.id} answered {sent.status}, GET shows no account",
            sent,
        )
        self.exists = True

    def _auth(self, edge: Edge) -> None:
        __tracebackhide__ = True
        assert edge.auth is not None
        safe = edge.method in self.contract.safe_methods
        creates = edge.method == self.contract.create.method
        existed = self._state(None if safe else not creates)
        self.deleted = False
        kwargs = edge.request()
        auth = self.client.auth_headers(
            self._key(edge.auth[0], "api"), self._key(edge.auth[1], "app")
        )
        sent = self.client.request(edge.method, auth=auth, **kwargs)
        forbidden = self.contract.status.forbidden
        allowed = {forbidden} if edge.needs_mock else {forbidden, UNAUTHORIZED_STATUS}
        expect_status(self.client, AUTH_ENFORCED, sent, allowed, f"{edge.id} (auth edge)")
        if not safe:
            self.exists = None
            expect_unchanged(self.client, existed, sent)
            self.exists = existed

    def _key(self, use: KeyUse, header: str) -> Any:
        own = self.client.api_key if header == "api" else self.client.app_key
        other = self.client.app_key if header == "api" else self.client.api_key
        if use == "own":
            return own
        if use == "none":
            return None
        if use == "swapped":
            return other
        if use == "reader":
            return self.reader_key()
        return sentinel_key()

    def reader_key(self) -> str:
        """An application key of the client's organisation with only the read permissions
        (the embedded mock's controls)."""
        mock = self.target.mock
        assert mock is not None, "reader edges are derived for the mock only"
        if self._reader is None:
            self._reader = mock.add_app_key(
                mock.default_organisation, permissions=self.contract.read_permissions
            )
        return self._reader
