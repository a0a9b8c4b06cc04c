"""Collects what a run observed: rule verdicts, status codes seen, failures, test outcomes."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..http.exchange import Exchange
from ..redact import redact
from ..report.format import EDGE_OUTCOMES, rule_status
from ..rules import RULES, SiteKind
from ..sites import LOCALHOST, SERVE_PORT
from .verdict import Verdict

MAX_FAILURES_PER_RULE = 20
#: Requests of one test a sequence reproduction shows at most (the last ones).
MAX_STEPS = 12
#: Earlier requests that changed state (2xx to POST, PATCH, DELETE) a one-response failure's
#: reproduction replays first, so that the site is in the state the failing request met.
MAX_SETUP_STEPS = 4
#: State changes the recorder remembers to pick those setup steps from.
MAX_CHANGES = 64
CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Replay:
    """How a run's reproductions reach a site like the one the run tested: ``base_url`` (the
    URL the run reached, e.g. the embedded mock's, gone when the run ends) becomes
    ``expression`` (a shell expression the user sets), and ``serve`` says (when called, at
    the failure) which command serves such a site, e.g. ``statuspage-contract serve --fault
    NAME``."""

    base_url: str
    expression: str = f"${{SITE:-http://{LOCALHOST}:{SERVE_PORT}}}"
    serve: Callable[[], str] | None = None
    #: What a replay of these requests cannot rebuild (one comment line each).
    notes: Callable[[list[Exchange]], list[str]] | None = None

    def header(self) -> str | None:
        if self.serve is None:
            return None
        command = self.serve()
        default = self.expression.removeprefix("${SITE:-").removesuffix("}")
        return (
            f"# replay against: {command}  (it listens on {default}; set SITE for another "
            "address; export DD_API_KEY and DD_APP_KEY for both)"
        )


def mock_replay(base_url: str, site: Any) -> Replay:
    """The :class:`Replay` of a run against the embedded mock ``site`` (a MockSite): its
    faults and rate limit as ``statuspage-contract serve`` options, read at the failure."""

    def serve() -> str:
        words = ["statuspage-contract", "serve"]
        for fault in sorted(site.faults):
            words += ["--fault", fault]
        limit = getattr(getattr(site, "state", None), "rate_limit", None)
        if limit is not None:
            words += ["--rate-limit", str(limit.limit), "--rate-period", str(limit.period)]
        return " ".join(words)

    def notes(steps: list[Exchange]) -> list[str]:
        from ..spec import load_contract

        contract = load_contract()
        state = getattr(site, "state", None)
        default = getattr(state, "default", None)
        for step in steps:
            headers = {k.lower(): v for k, v in step.request_headers.items()}
            api = headers.get(contract.api_key_header.lower())
            app = headers.get(contract.app_key_header.lower())
            found = state.find(api, app) if state is not None else None
            if found is not None and found[0] is not default:
                return [
                    "# note: some requests use the keys of another organisation the run's "
                    "embedded mock made for the test (" + ", ".join(sorted(found[1])) + "); "
                    "`serve` has only the DD_API_KEY/DD_APP_KEY organisation, so there they "
                    "answer as unknown keys"
                ]
        return []

    return Replay(base_url, serve=serve, notes=notes)


@dataclass
class RuleTally:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    skip_reasons: set[str] = field(default_factory=set)


class Recorder:
    """Thread-safe sink for everything a report needs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.tallies: dict[str, RuleTally] = {name: RuleTally() for name in RULES}
        self.statuses: dict[str, Counter[int]] = defaultdict(Counter)
        self.failures: list[dict[str, Any]] = []
        self._failure_keys: Counter[tuple[str, str, str]] = Counter()
        self._failure_tests: dict[tuple[str, str, str], set[str]] = {}
        self.tests: list[dict[str, Any]] = []
        self.requests = 0
        #: Requests sent only to learn or reset the state (the judge's bookkeeping).
        self.state_control = 0
        self.unanswered = 0  # requests that got no answer while the site answered others
        #: The test the last record was made in (its id: each record says it).
        self._test: str | None = None
        #: The requests of the current test, for sequence reproductions (kept only while a
        #: test is named: the proxy's traffic is no test).
        self._steps: deque[tuple[int, Exchange]] = deque(maxlen=MAX_STEPS)
        #: The run's last requests that changed state (2xx to POST, PATCH, DELETE), in any
        #: test: a reproduction replays those before its own, so the site is as it was.
        self._changes: deque[tuple[int, Exchange]] = deque(maxlen=MAX_CHANGES)
        #: Where reproductions replay (None: against the URL the run reached).
        self.replay: Replay | None = None
        #: Edge inputs by category: how many passed, failed, were skipped
        #: (statuspage_contract.edges).
        self.edges: dict[str, Counter[str]] = defaultdict(Counter)

    def _enter(self, test: str | None) -> None:
        """Records are now made in ``test``: a new test's steps start empty (lock held)."""
        if test != self._test:
            self._steps.clear()
            self._test = test

    def record_exchange(
        self, exchange: Exchange, test: str | None = None, *, state_control: bool = False
    ) -> None:
        """An answer of ``test`` (None: of no test, e.g. the proxy's traffic);
        ``state_control``: the request was sent only to learn or reset the state."""
        with self._lock:
            self._enter(test)
            self.requests += 1
            self.state_control += state_control
            if test is not None:
                self._steps.append((self.requests, exchange))
                if exchange.method in CHANGING and 200 <= exchange.status < 300:
                    self._changes.append((self.requests, exchange))
            if exchange.operation is not None:
                self.statuses[exchange.operation][exchange.status] += 1

    def record_unanswered(self) -> None:
        """A request that got no answer (a finding of its own; no status to count)."""
        with self._lock:
            self.requests += 1
            self.unanswered += 1

    def record_edge(self, category: str, outcome: str) -> None:
        """One edge input's outcome: ``passed``, ``failed`` or ``skipped``."""
        with self._lock:
            self.edges[category][outcome] += 1

    def edges_summary(self) -> dict[str, dict[str, int]]:
        """The report's edges table: inputs and outcomes per category."""
        with self._lock:
            return {
                category: {
                    "inputs": sum(counts.values()),
                    **{k: counts.get(k, 0) for k in EDGE_OUTCOMES},
                }
                for category, counts in self.edges.items()
            }

    def passed(self, rule: str) -> None:
        with self._lock:
            self.tallies[rule].passed += 1

    def passed_each(self, rules: Iterable[str]) -> None:
        """:meth:`passed` for several rules at once (one lock)."""
        with self._lock:
            for rule in rules:
                self.tallies[rule].passed += 1

    def skipped(self, rule: str, reason: str) -> None:
        with self._lock:
            tally = self.tallies[rule]
            tally.skipped += 1
            tally.skip_reasons.add(reason)

    def failed(
        self, finding: Verdict, exchange: Exchange | None = None, test: str | None = None
    ) -> None:
        """Record a broken rule (in ``test``, if any). Identical violations (same rule,
        operation and message) are one failure with a count of occurrences and of the tests
        that saw it."""
        message = redact(finding.message)
        with self._lock:
            self._enter(test)
            test = test or ""
            self.tallies[finding.rule].failed += 1
            key = (finding.rule, (exchange.operation or "") if exchange else "", message)
            self._failure_keys[key] += 1
            if self._failure_keys[key] > 1:
                for f in self.failures:
                    if (f["rule"], f["operation"], f["message"]) == key:
                        f["occurrences"] = self._failure_keys[key]
                        if test not in self._failure_tests[key]:
                            self._failure_tests[key].add(test)
                            f["tests"] = len(self._failure_tests[key])
                return
            if sum(1 for f in self.failures if f["rule"] == finding.rule) >= MAX_FAILURES_PER_RULE:
                return
            self._failure_tests[key] = {test}
            steps = list(self._steps), list(self._changes)
            self.failures.append(
                {
                    "rule": finding.rule,
                    "operation": exchange.operation if exchange else "",
                    "test": test,
                    **self._details(finding, exchange, steps),
                    "occurrences": 1,
                    "tests": 1,
                }
            )

    def _details(
        self,
        finding: Verdict,
        exchange: Exchange | None,
        steps: tuple[list[tuple[int, Exchange]], list[tuple[int, Exchange]]],
    ) -> dict[str, Any]:
        return {
            "message": redact(finding.message),
            "reproduction": self.reproduction(finding.rule, exchange, *steps),
            "response": exchange.summary() if exchange else None,
        }

    def reproduction(
        self,
        rule: str,
        exchange: Exchange | None,
        steps: list[tuple[int, Exchange]],
        changes: list[tuple[int, Exchange]] = (),  # type: ignore[assignment]
    ) -> str | None:
        """A bash reproduction of a failure. One curl when the failing response alone shows
        it; the test's requests up to the failing one when the rule is a scenario's (a
        sequence shows it, e.g. POST, DELETE, then GET). Either way preceded by the run's
        last requests that changed state before them (so the site is as the failing
        requests found it), and by the command that serves a site like the run's when the
        run's site is gone (the embedded mock). ``steps``/``changes``: (request number,
        exchange) of the test's requests and of the run's state changes."""
        at = next((i for i, (_, s) in enumerate(steps) if s is exchange), None)
        if at is not None:
            steps = steps[: at + 1]
        elif exchange is not None:
            steps = [*steps, (1 << 62, exchange)]
        if not steps:
            return None
        scenario = RULES[rule].kind == "scenario" if rule in RULES else False
        # A rate limit's answer is shown by the requests counted before it, not by one.
        sequence = scenario or steps[-1][1].status == _rate_limited()
        if not sequence:
            steps = steps[-1:]
        setup = _setup([s for n, s in changes if n < steps[0][0]])
        chosen = [*setup, *(s for _, s in steps)]
        base = (self.replay.base_url, self.replay.expression) if self.replay else None
        header = self.replay.header() if self.replay else None
        if len(chosen) == 1 and header is None:
            return chosen[0].curl(base)
        lines = [header] if header else []
        if self.replay is not None and self.replay.notes is not None:
            lines += self.replay.notes(chosen)
        if setup:
            lines.append("# the run's earlier requests that changed the site's state, then:")
        if sequence and len(steps) == MAX_STEPS:
            lines.append(f"# the last {MAX_STEPS} requests of the test")
        lines += [f"{s.curl(base)}  # the run got {_answer(s.status)}" for s in chosen]
        return "\n".join(lines)

    def record_test(
        self, nodeid: str, outcome: str, duration: float, rules: list[str], why: str = ""
    ) -> None:
        """A test's outcome (``why``: the reason it was skipped, if it was)."""
        with self._lock:
            self.tests.append(
                {
                    "nodeid": nodeid,
                    "outcome": outcome,
                    "duration": round(duration, 3),
                    "rules": rules,
                    **({"why": why} if why else {}),
                }
            )

    def rules_summary(self, site: SiteKind = "mock") -> dict[str, dict[str, Any]]:
        """Every rule's tally, with its requiredness on this kind of site."""
        out = {}
        for name, rule in RULES.items():
            t = self.tallies[name]
            status = rule_status({"passed": t.passed, "failed": t.failed, "skipped": t.skipped})
            out[name] = {
                "kind": rule.kind,
                "summary": rule.summary,
                "required": rule.is_required(site),
                "status": status,
                "passed": t.passed,
                "failed": t.failed,
                "skipped": t.skipped,
                "skip_reasons": sorted(t.skip_reasons),
            }
        return out

    @property
    def failed_rules(self) -> list[str]:
        return [name for name, t in self.tallies.items() if t.failed]


def _rate_limited() -> int:
    from ..spec import load_contract

    return load_contract().status.rate_limited


def _setup(changes: list[Exchange]) -> list[Exchange]:
    """The state changes that rebuild the site's state on a fresh site: from the last
    successful create on (what came before it was undone or replaced), at most
    MAX_SETUP_STEPS: that create and the last changes after it."""
    starts = [i for i, s in enumerate(changes) if s.method == "POST"]
    if not starts:
        return []
    since = changes[starts[-1] :]
    return since if len(since) <= MAX_SETUP_STEPS else [since[0], *since[1 - MAX_SETUP_STEPS :]]


def _answer(status: int) -> str:
    """What a reproduction says the run got: the status, or that none came (status 0)."""
    return str(status) if status else "0 (no answer)"
