"""The judge: the response rules and the scenario expectations turned into verdicts, and
those recorded; :func:`judged_client` wires client → judge → recorder."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NoReturn

import requests

from ..http.client import ClientConfig, ContractClient
from ..http.exchange import Exchange
from ..live.safety import Ownership
from ..redact import redact
from ..rules import NO_SERVER_ERROR, NotApplicable, Rule, RuleContext, rules_of
from ..spec import load_contract
from .knowledge import Knowledge, Settled
from .recorder import Recorder
from .verdict import ContractViolation, Verdict


def check_exchange(exchange: Exchange, ctx: RuleContext) -> list[Verdict]:
    """Every applicable response rule's verdict on ``exchange`` (N/A ones left out). A
    transport-level protective answer (408, 413, 414, 431: ``protective_statuses``) is no
    answer of the contract: no rule judges it."""
    verdicts: list[Verdict] = []
    if exchange.status in load_contract().protective_statuses:
        return verdicts
    for rule in rules_of("response"):
        assert rule.check is not None
        try:
            message = rule.check(exchange, ctx)
        except NotApplicable:
            continue
        verdicts.append(Verdict(rule.name, not message, redact(message) if message else ""))
    return verdicts


def _no_test() -> str | None:
    return None


class Judge:
    """Judges what a client gets and records it in ``recorder``: every answer by the response
    rules (:meth:`judge`), every scenario expectation a test states (:meth:`expect`).
    ``test`` says, when asked, which test is running (its id goes with what is recorded);
    with ``raise_on_violation`` a broken rule raises :class:`ContractViolation`.
    ``knowledge``: what the answers showed of the account, and the claims they settle
    (:mod:`.knowledge`; a suite's client keeps one, the proxy none)."""

    def __init__(
        self,
        recorder: Recorder | None = None,
        *,
        raise_on_violation: bool = True,
        test: Callable[[], str | None] = _no_test,
        knowledge: Knowledge | None = None,
    ) -> None:
        self.recorder = recorder if recorder is not None else Recorder()
        self.raise_on_violation = raise_on_violation
        self.test = test
        self.knowledge = knowledge
        self._bookkeeping = 0
        #: Broken claims, each with the answer that showed it, until that answer is judged.
        self._claims: list[tuple[Exchange, Verdict]] = []

    @contextlib.contextmanager
    def bookkeeping(self) -> Iterator[None]:
        """Requests a scenario makes only to set up or check state: their responses are
        judged and recorded by every rule, but a violation does not fail the test that made
        them (it is one finding of the run, not a failure of every test). Scenario
        expectations (:meth:`expect`) still raise."""
        self._bookkeeping += 1
        try:
            yield
        finally:
            self._bookkeeping -= 1

    def answered(self, exchange: Exchange) -> None:
        """Count an answer as it arrives (a step of the current test's reproductions; state
        control while bookkeeping)."""
        self.recorder.record_exchange(exchange, self.test(), state_control=self._bookkeeping > 0)
        if self.knowledge is not None:
            for settled in self.knowledge.observe(exchange):
                self._settled(settled, exchange)

    def known(self, sent: int) -> Knowledge | None:
        """The knowledge, once the client that sent ``sent`` requests in all says so: a
        request that got no answer makes the state unknown."""
        knowledge = self.knowledge
        if knowledge is not None and knowledge.answers != sent:
            self.forget("a request got no answer")
            knowledge.answers = sent
        return knowledge

    def forget(self, why: str) -> None:
        """The account's state is unknown now (``why``); a pending claim goes unverified."""
        if self.knowledge is not None:
            for settled in self.knowledge.forget(why):
                self._settled(settled)

    def _settled(self, settled: Settled, answer: Exchange | None = None) -> None:
        """Record what became of a claim; a broken one is raised with the answer that
        showed it (:meth:`judge`), or when its scenario settles (a deferred one)."""
        rule = settled.claim.rule
        if settled.passed:
            self.recorder.passed(rule)
        elif settled.passed is None:
            self.recorder.skipped(rule, f"not verified: {settled.message}")
        else:
            verdict = Verdict.broken(rule, settled.message)
            self.recorder.failed(verdict, settled.exchange, self.test())
            if settled.claim.deferred and self.knowledge is not None:
                self.knowledge.broken.append(settled)
            elif answer is not None:
                self._claims = [*self._claims[-7:], (answer, verdict)]

    def record(
        self, verdicts: Iterable[Verdict], exchange: Exchange | None = None
    ) -> list[Verdict]:
        """Record ``verdicts`` (of ``exchange``, if any); return the broken ones."""
        verdicts = list(verdicts)
        broken = [v for v in verdicts if not v.passed]
        if broken:
            test = self.test()
            for verdict in broken:
                self.recorder.failed(verdict, exchange, test)
        if len(broken) < len(verdicts):
            self.recorder.passed_each(v.rule for v in verdicts if v.passed)
        return broken

    def judge(
        self,
        exchange: Exchange,
        submitted_keys: set[str],
        *,
        raise_on_violation: bool | None = None,
    ) -> Exchange:
        """Run every response rule on ``exchange`` (its ``verdicts``); record, and raise on a
        violation when ``raise_on_violation`` (default: the judge's own, off while
        bookkeeping) says so."""
        __tracebackhide__ = True
        verdicts = check_exchange(exchange, RuleContext(submitted_keys))
        claims = [v for answer, v in self._claims if answer is exchange]  # recorded already
        self._claims = [(a, v) for a, v in self._claims if a is not exchange]
        exchange.verdicts = [*verdicts, *claims]
        broken = self.record(verdicts, exchange)
        # a broken claim is a scenario's expectation: it raises while bookkeeping too
        raise_claims = self.raise_on_violation if raise_on_violation is None else raise_on_violation
        if raise_on_violation is None:
            raise_on_violation = self.raise_on_violation and not self._bookkeeping
        failing = [*(broken if raise_on_violation else ()), *(claims if raise_claims else ())]
        if failing:
            raise ContractViolation(failing, exchange)
        return exchange

    def expect(
        self, rule: str | Rule, ok: bool, message: str, exchange: Exchange | None = None
    ) -> None:
        """Judge a scenario rule: record the verdict, raise when it is broken."""
        __tracebackhide__ = True
        name = rule if isinstance(rule, str) else rule.name
        if ok:
            self.recorder.passed(name)
            return
        verdict = Verdict.broken(name, message)
        self.recorder.failed(verdict, exchange, self.test())
        if self.raise_on_violation:
            raise ContractViolation([verdict], exchange)

    def unanswered(self, exchange: Exchange, message: str) -> NoReturn:
        """A request that got no answer while the site answered others breaks
        ``no-server-error``: recorded, and raised."""
        __tracebackhide__ = True
        self.forget("a request got no answer")
        self.recorder.record_unanswered()
        verdict = Verdict.broken(NO_SERVER_ERROR, message)
        self.recorder.failed(verdict, exchange, self.test())
        raise ContractViolation([verdict], exchange)


#: A client whose answers a :class:`Judge` judges.
JudgedClient = ContractClient[Judge]


def judged_client(
    base_url: str,
    api_key: str | None,
    app_key: str | None,
    *,
    recorder: Recorder | None = None,
    raise_on_violation: bool = True,
    test: Callable[[], str | None] = _no_test,
    ownership: Ownership | None = None,
    transport: requests.adapters.BaseAdapter | None = None,
    sleep: Callable[[float], None] = time.sleep,
    **config: Any,
) -> JudgedClient:
    """client → judge → recorder, wired alike for the suite, the notebook and the user's
    fixture: a client of the site whose answers a :class:`Judge` (``recorder``,
    ``raise_on_violation``, ``test``) judges. ``config``: the fields of
    :class:`~statuspage_contract.http.client.ClientConfig` (budget, timeout, ...)."""
    judge = Judge(recorder, raise_on_violation=raise_on_violation, test=test, knowledge=Knowledge())
    return ContractClient(
        base_url,
        api_key,
        app_key,
        judge=judge,
        config=ClientConfig(**config),
        ownership=ownership,
        transport=transport,
        sleep=sleep,
    )
