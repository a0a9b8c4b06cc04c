"""Judge each proxied exchange: the response rules, the passive sequence rules, and a tally.

Everything kept is bounded: rule tallies and capped failure examples (the recorder), counts
of what was outside the contract or unanswered, and the latest judged exchanges (a deque).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import zlib
from collections import Counter, OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..http.exchange import Exchange
from ..judging import Judge, Verdict, check_exchange
from ..judging.recorder import Recorder
from ..judging.settings_sequence import SettingsSequenceJudge
from ..redact import SECRETS, redact
from ..rules import RuleContext
from ..spec import load_contract
from .requests_seen import RequestRules
from .sequence import SequenceJudge, Ticket

#: The live list keeps this many latest exchanges.
LIVE_LIMIT = 1000
#: The no-key-echo rule looks for at most this many latest submitted keys.
SUBMITTED_LIMIT = 1000
#: Paths outside the contract are counted by path, for at most this many distinct paths.
OUTSIDE_PATHS_LIMIT = 50
#: Paths are cut to this many characters in everything the proxy keeps.
PATH_PREVIEW = 200
#: The response rules' verdicts are remembered for this many distinct answers (bodies up to
#: MEMO_BODY bytes): the rules are pure functions of the answer and the submitted keys, and a
#: site answers the same bytes again and again (a 409, a 404, the masked account).
MEMO_SIZE, MEMO_BODY = 512, 8192


@dataclass(frozen=True)
class JudgedExchange:
    """One proxied exchange as the live list shows it: redacted, without headers or bodies."""

    number: int
    at: float
    method: str
    path: str
    operation: str | None
    status: int | None  # None: the site did not answer (the client got 502 or 504)
    elapsed_ms: float
    passed: tuple[str, ...] = ()
    violations: tuple[tuple[str, str], ...] = ()  # (rule, message)
    upstream_error: str | None = None
    transport_refusal: bool = False  # a 408, 413, 414 or 431: judged by no rule

    @property
    def outside_contract(self) -> bool:
        return self.operation is None and self.upstream_error is None

    @property
    def verdict(self) -> str:
        if self.upstream_error:
            return f"no answer: {self.upstream_error}"
        if self.transport_refusal:
            return f"refused by the site's transport limits ({self.status})"
        if self.operation is None:
            return "outside the contract"
        if self.violations:
            return "violated: " + ", ".join(sorted({rule for rule, _ in self.violations}))
        return "conforms"

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "method": self.method,
            "path": self.path,
            "operation": self.operation,
            "status": self.status,
            "elapsed_ms": round(self.elapsed_ms, 2),
            "verdict": self.verdict,
            "passed": list(self.passed),
            "violations": [{"rule": r, "message": m} for r, m in self.violations],
        }


@dataclass
class Tally:
    """Counts of what the proxy saw (for the report's ``run.proxy``)."""

    forwarded: int = 0
    judged: int = 0
    conforming: int = 0
    violating: int = 0
    outside: int = 0
    outside_paths: Counter[str] = field(default_factory=Counter)
    transport_refusals: Counter[int] = field(default_factory=Counter)  # by status
    upstream_errors: Counter[tuple[str, str]] = field(default_factory=Counter)
    judge_errors: Counter[str] = field(default_factory=Counter)


#: The shell variable a proxy report's reproductions use for the api_key a client submitted.
SUBMITTED_KEY_VARIABLE = "STATUSPAGE_API_KEY"


class ProxyJudge:
    """Judges exchanges as they finish; thread-safe for readers (the report, the live list)."""

    def __init__(self, live_limit: int = LIVE_LIMIT) -> None:
        self.contract = load_contract()
        #: client → judge → recorder as everywhere; here the client is the traffic.
        self.judging = Judge(raise_on_violation=False)
        self.recorder: Recorder = self.judging.recorder
        self.sequence = SequenceJudge(self.contract)
        self.settings_sequence = SettingsSequenceJudge(self.contract)
        self.request_rules = RequestRules(self.contract)
        self.tally = Tally()
        self.live: deque[JudgedExchange] = deque(maxlen=live_limit)
        self.submitted: dict[str, None] = {}  # insertion-ordered set, capped
        self._generation = 0  # changes whenever the submitted keys do
        self._memo: OrderedDict[tuple[Any, ...], list[Verdict]] = OrderedDict()
        self.lock = threading.Lock()
        self.started = time.time()
        self._api = self.contract.api_key_header.lower()
        self._app = self.contract.app_key_header.lower()
        self._bearer = self.contract.bearer
        self._auth = self._bearer.header.lower()
        # derived once: the contract's properties compute them again on every call
        self._account_path = self.contract.account_path
        self._labels = {m: self.contract.operation(m).label for m in self.contract.operations}
        self._account_labels = frozenset(self._labels.values())
        self._settings = self.contract.url_settings
        self._protective = self.contract.protective_statuses
        #: The api_key (or None) of request bodies seen before (up to MEMO_BODY bytes): a
        #: client sends the same body again and again. Called from the event loop only.
        self._secret_of: OrderedDict[bytes, str | None] = OrderedDict()

    # -- the request side --------------------------------------------------------------
    def operation_of(self, method: str, path: str) -> str | None:
        """The contract operation a request is for (the account's or the URL settings'), or
        None (outside the contract)."""
        if path.rstrip("/") == self._account_path:
            return self._labels.get(method)
        op = self._settings.operation_at(method, path)
        return op.label if op is not None else None

    def begin(self, method: str, headers: dict[str, str], body: bytes, path: str = "") -> Ticket:
        """Register the request's secrets before anything could show them; start its call
        (only the account's bodies submit an api_key: ``path``, the request's)."""
        api, app = headers.get(self._api, ""), headers.get(self._app, "")
        if api not in SECRETS or app not in SECRETS:
            SECRETS.add(api, app)
        token = self._bearer.token_of(headers.get(self._auth))
        if token is not None and token not in SECRETS:
            SECRETS.add(token)
        if not (api or app) and token:  # a client that authenticates with a token alone
            api = token
        key = self._submitted_key(body) if body and not self._settings.covers(path) else None
        if key is not None:
            if key not in SECRETS:
                SECRETS.add(key)
            with self.lock:
                if key not in self.submitted:
                    self._generation += 1
                elif next(reversed(self.submitted)) == key:  # already the latest
                    return self.sequence.begin((api, app))
                self.submitted.pop(key, None)
                self.submitted[key] = None
                while len(self.submitted) > SUBMITTED_LIMIT:
                    del self.submitted[next(iter(self.submitted))]
        return self.sequence.begin((api, app))

    def _submitted_key(self, body: bytes) -> str | None:
        """The api_key a request body submits, if any (remembered for small bodies)."""
        if len(body) <= MEMO_BODY and body in self._secret_of:
            self._secret_of.move_to_end(body)
            return self._secret_of[body]
        key = None
        with contextlib.suppress(ValueError, UnicodeDecodeError, RecursionError):
            key = self.contract.secret_of(json.loads(body))
        if len(body) <= MEMO_BODY:
            self._secret_of[body] = key
            while len(self._secret_of) > MEMO_SIZE:
                self._secret_of.popitem(last=False)
        return key

    # -- the response side -------------------------------------------------------------
    def judge(
        self,
        ticket: Ticket,
        request: tuple[str, str, dict[str, str], bytes],
        response: tuple[int, dict[str, str], bytes] | None,
        elapsed: float,
        upstream_error: str | None = None,
    ) -> JudgedExchange:
        """Judge one finished exchange (``response`` None: the site did not answer)."""
        method, url, req_headers, body = request
        path = urlsplit(url).path
        operation = self.operation_of(method, path)
        status = response[0] if response else None
        refused = status in self._protective  # the site's transport limits, not the contract
        # the account's calls are judged in sequence by one judge, the URL settings' by
        # another (per id); a call outside the contract only ends its ticket, so that it
        # does not stand for one still in flight
        account = operation in self._account_labels
        alone = False
        if account:
            seq = self.sequence.end(ticket, method, None if refused else status)
        else:
            seq, alone = [], self.sequence.settle(ticket)
        exchange: Exchange | None = None
        if response is not None:
            status_code, resp_headers, raw = response
            exchange = Exchange(
                method=method,
                url=url,
                request_headers=req_headers,
                request_body=body or None,
                status=status_code,
                response_headers=resp_headers,
                response_body=_decoded(resp_headers, raw),
                operation=operation,
                elapsed=elapsed,
                **self._replay_refs(req_headers, body),
            )
            self.judging.answered(exchange)
        if operation is not None and not account:
            seq = self.settings_sequence.judge(
                ticket.keys,
                alone,
                (method, path, req_headers, body),
                None if refused else status,
                exchange.response_body if exchange is not None else b"",
            )
        results: list[Verdict] = []
        if exchange is not None and operation is not None and not refused:
            results += self._response_rules(exchange)
            results += self.request_rules.judge(
                method, req_headers, body, exchange.status, account=account
            )
            results += seq
        broken = self.judging.record(results, exchange)
        passed = [v.rule for v in results if v.passed]
        violations = [(v.rule, redact(v.message)) for v in broken]
        return self._keep(
            method, path, operation, status, elapsed, passed, violations, upstream_error, refused
        )

    def _replay_refs(self, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        """How this request's secrets show in its reproduction: the client's auth headers as
        ${DD_API_KEY} / ${DD_APP_KEY} (its bearer token as ${DD_BEARER_TOKEN}), the api_key
        it submitted as ${STATUSPAGE_API_KEY} (all are the user's secrets: the proxy judges
        real traffic)."""
        key = self._submitted_key(body) if body else None
        return {
            "own_keys": (headers.get(self._api), headers.get(self._app)),
            "own_token": self._bearer.token_of(headers.get(self._auth)),
            "secret_refs": {key: SUBMITTED_KEY_VARIABLE} if key else None,
        }

    def _response_rules(self, exchange: Exchange) -> list[Verdict]:
        """Every response rule's verdict (remembered for answers seen before)."""
        key: tuple[Any, ...] | None = None
        if len(exchange.response_body) <= MEMO_BODY:
            # in the site's order: the same site answers its headers in the same order
            headers = tuple(item for item in exchange.response_headers.items() if item[0] != "date")
            key = (
                exchange.method,
                exchange.operation,
                exchange.status,
                headers,
                exchange.response_body,
                self._generation,
            )
            with self.lock:
                found = self._memo.get(key)
                if found is not None:
                    self._memo.move_to_end(key)
                    return found
        with self.lock:
            keys = set(self.submitted)
        results = check_exchange(exchange, RuleContext(keys))
        if key is not None:
            with self.lock:
                self._memo[key] = results
                while len(self._memo) > MEMO_SIZE:
                    self._memo.popitem(last=False)
        return results

    def _keep(
        self,
        method: str,
        path: str,
        operation: str | None,
        status: int | None,
        elapsed: float,
        passed: list[str],
        violations: list[tuple[str, str]],
        upstream_error: str | None,
        refused: bool = False,
    ) -> JudgedExchange:
        shown = redact(path)[:PATH_PREVIEW]
        with self.lock:
            t = self.tally
            t.forwarded += 1
            if upstream_error is not None:
                t.upstream_errors[(operation or "outside the contract", upstream_error)] += 1
            elif refused:
                t.transport_refusals[status or 0] += 1
            elif operation is None:
                t.outside += 1
                where = f"{method[:16]} {shown}"
                if where in t.outside_paths or len(t.outside_paths) < OUTSIDE_PATHS_LIMIT:
                    t.outside_paths[where] += 1
            else:
                t.judged += 1
                if violations:
                    t.violating += 1
                else:
                    t.conforming += 1
            judged = JudgedExchange(
                t.forwarded,
                time.time(),
                method[:16],
                shown,
                operation,
                status,
                elapsed * 1000,
                tuple(passed),
                tuple(violations),
                upstream_error,
                refused,
            )
            self.live.append(judged)
        return judged

    def failed_to_judge(self, method: str, error: str) -> None:
        """Count an exchange the proxy forwarded but could not judge (a bug: the report
        names it, so the decision cannot be HOLDS)."""
        with self.lock:
            self.tally.forwarded += 1
            self.tally.judge_errors[f"{method[:16]}: {error}"] += 1

    def snapshot(self) -> list[JudgedExchange]:
        with self.lock:
            return list(self.live)


def _decoded(headers: dict[str, str], raw: bytes) -> bytes:
    """The body as the rules must read it: gzip or deflate content coding undone."""
    coding = headers.get("content-encoding")  # the names are lower-case (forward._as_dict)
    if coding and coding.strip().lower() in {"gzip", "x-gzip", "deflate"} and raw:
        with contextlib.suppress(zlib.error):
            return zlib.decompressobj(wbits=47).decompress(raw, 64 * 1024 * 1024)
    return raw
