"""An HTTP client for the contract's operations: it sends, paces and guards (retries, the
request budget, the safety ledger's hooks, waits said aloud) and returns an :class:`Exchange`.

What it gets it hands to its judge (a :class:`Judging`: statuspage_contract.judging.Judge,
wired by ``judging.judged_client``), which runs the rules and records the run.
"""

from __future__ import annotations

import contextlib
import json as jsonlib
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Generic, NoReturn, Protocol, TypeVar
from urllib.parse import urlsplit

import requests

from ..errors import BudgetExhausted, SafetyError, SiteUnreachable
from ..live.safety import Ownership, RunAborted
from ..redact import SECRETS
from ..sites import LOOPBACK_HOSTS
from ..spec import JSON_MEDIA_TYPE, Contract, could_be_json_object, load_contract
from .exchange import Exchange
from .settings_calls import SettingsCalls, list_settings_first
from .wire import address, failure_kind, key_headers, prepare, rate_header, to_stderr

_UNSET: Any = object()
ANNOUNCED_WAIT = 1.0  #: waits longer than this many seconds are said (ContractClient.wait)
#: With ``pace`` on, X-RateLimit-Remaining at most this makes the next request wait for
#: X-RateLimit-Reset (at most ``max_rate_wait``).
PACE_REMAINING = 1


@dataclass(frozen=True)
class ClientConfig:
    """How a client paces and bounds itself: ``budget`` requests at most (None: unlimited),
    waits of at most ``max_rate_wait`` s for a rate limit's reset, ``rate_retries`` retries of
    a 429, ``timeout`` s a request, and with ``pace`` a wait before a 429 would be provoked."""

    budget: int | None = None
    max_rate_wait: float = 60.0
    rate_retries: int = 3
    timeout: float = 30.0
    pace: bool = False


class Judging(Protocol):
    """Who judges what a client gets (statuspage_contract.judging.Judge)."""

    #: Whether a broken rule raises (in the test that made the request).
    raise_on_violation: bool

    def answered(self, exchange: Exchange) -> None:
        """Every answer, as it arrives (counted; a step of the current test)."""

    def judge(
        self, exchange: Exchange, submitted_keys: set[str], *, raise_on_violation: bool | None
    ) -> Exchange:
        """Run the response rules on an answer (``submitted_keys``: the keys the client sent
        so far); record, and raise as ``raise_on_violation`` (None: the judge's own) says."""
        ...

    def unanswered(self, exchange: Exchange, message: str) -> NoReturn:
        """A request that got no answer while the site answered others: a broken rule."""
        ...

    def bookkeeping(self) -> AbstractContextManager[None]:
        """Requests that only set up or check state: judged, but they do not fail the test."""
        ...


J = TypeVar("J", bound=Judging)


class ContractClient(SettingsCalls, Generic[J]):
    """Calls the account operations of one site with one pair of keys; ``judge`` judges
    every answer."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        app_key: str | None,
        *,
        judge: J,
        config: ClientConfig | None = None,
        ownership: Ownership | None = None,
        transport: requests.adapters.BaseAdapter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        config = config or ClientConfig()
        self.contract: Contract = load_contract()
        self.base_url = base_url.rstrip("/")
        self.api_key, self.app_key = api_key, app_key
        self.judge = judge
        self.budget = config.budget
        self.max_rate_wait = config.max_rate_wait
        self.rate_retries = config.rate_retries
        self.timeout = config.timeout
        self.sleep = sleep
        self.session = requests.Session()
        if urlsplit(self.base_url).hostname in LOOPBACK_HOSTS:
            # No proxy applies to loopback; skipping the environment's proxy lookup saves
            # about a fifth of each request's client time.
            self.session.trust_env = False
        if transport is not None:  # e.g. the embedded mock's LoopbackAdapter
            self.session.mount(self.base_url + "/", transport)
        #: What Session.request works out from the environment on every call (proxies, CA
        #: bundle), worked out once: the client only ever talks to ``base_url``'s host.
        self._send_settings = self.session.merge_environment_settings(
            self.base_url, {}, None, None, None
        )
        self.sent = 0
        self.submitted_keys: set[str] = set()
        #: The account ledger: what this client may send and what it created. The default
        #: guards nothing (for the embedded mock and direct use); the suite passes its own.
        self.ownership = ownership or Ownership(unrestricted=True)
        #: Slow down before a 429 would be provoked (X-RateLimit-Remaining / -Reset).
        self.pace = config.pace
        self._paced_until = 0.0
        #: Whether the keys requests carry besides the client's own (a body's api_key, other
        #: auth keys) are test data the run generated (the suite's: shown in reproductions),
        #: not the user's secrets (a notebook user's own: registered, redacted everywhere).
        self.keys_are_test_data = False
        #: Undoes at once what a read-only run's own request made (live.preflight.undo_effect).
        self.on_effect: Callable[[ContractClient[J]], None] | None = None
        #: Lists the URL settings before a run's first write to them (live.preflight).
        self.before_settings_write: Callable[[Any], None] | None = None
        #: After a request got no answer, ask a GET: broken on that input, or unreachable?
        self.probe_after_no_answer = True
        #: What a spent ``budget`` raises (the suite's is a skip too), and what it said.
        self.budget_exhausted: Callable[[str], BaseException] = BudgetExhausted
        #: Where a wait of more than a second is announced, with its reason and length (the
        #: suite's goes to the terminal past pytest's capture).
        self.say: Callable[[str], None] = to_stderr
        self.budget_spent: str | None = None
        self._probing = False
        self.bearer_token: str | None = None  #: OAuth2, in place of the keys (auth_headers)
        SECRETS.add(api_key, app_key)

    @property
    def created_account(self) -> bool:
        """Whether an account this client created may still exist."""
        return self.ownership.may_hold_ours

    # -- headers ------------------------------------------------------------------------
    def auth_headers(
        self, api_key: str | None = _UNSET, app_key: str | None = _UNSET
    ) -> dict[str, str]:
        """Auth headers; ``None`` leaves a key out; a bearer token replaces both if none named."""
        if self.bearer_token and api_key is _UNSET and app_key is _UNSET:
            SECRETS.add(self.bearer_token)  # a secret, as the user's keys
            return self.contract.bearer.headers(self.bearer_token)
        api = self.api_key if api_key is _UNSET else api_key
        app = self.app_key if app_key is _UNSET else app_key
        SECRETS.add(*(() if self.keys_are_test_data else (api, app)))
        return key_headers(api, app)

    @property
    def url(self) -> str:
        return self.base_url + self.contract.account_path

    # -- calls --------------------------------------------------------------------------
    def request(
        self,
        method: str,
        *,
        json: Any = _UNSET,
        data: bytes | str | None = None,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
        auth: dict[str, str] | None = None,
        retry_rate_limit: bool = True,
        path: str | None = None,
    ) -> Exchange:
        """Send one request to the account path (or ``path``, e.g. a URL setting's) and
        check its response."""
        __tracebackhide__ = True
        method = method.upper()
        body: bytes | None = None
        if json is not _UNSET:
            body = jsonlib.dumps(json).encode()
            content_type = content_type or JSON_MEDIA_TYPE
            if not self.contract.url_settings.covers(path or ""):  # the account's carry one
                self._note_secret(json)
        elif data is not None:
            body = data.encode() if isinstance(data, str) else data
        sent_headers = {
            "Accept": JSON_MEDIA_TYPE,
            **(self.auth_headers() if auth is None else auth),
        }
        if content_type is not None:
            sent_headers["Content-Type"] = content_type
        sent_headers.update(headers or {})
        url = None if path is None else self.base_url + path
        exchange = self._send_retrying(method, sent_headers, body, url=url, retry=retry_rate_limit)
        return self._judged(exchange)

    def create(self, body: Any = _UNSET, **kwargs: Any) -> Exchange:
        body = self.contract.request_example("POST") if body is _UNSET else body
        return self.request("POST", json=body, **kwargs)

    def get(self, **kwargs: Any) -> Exchange:
        return self.request("GET", **kwargs)

    def update(self, body: Any = _UNSET, **kwargs: Any) -> Exchange:
        body = self.contract.request_example("PATCH") if body is _UNSET else body
        return self.request("PATCH", json=body, **kwargs)

    def delete(self, **kwargs: Any) -> Exchange:
        return self.request("DELETE", **kwargs)

    def send_prepared(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        *,
        raise_on_violation: bool | None = None,
    ) -> Exchange:
        """Send an already-built request (e.g. a Schemathesis case); its answer is judged."""
        __tracebackhide__ = True
        exchange = self._send_retrying(method, headers, body, url=url)
        return self._judged(exchange, raise_on_violation=raise_on_violation)

    # -- internals ----------------------------------------------------------------------
    def _send_retrying(
        self,
        method: str,
        headers: dict[str, str],
        body: bytes | None,
        *,
        url: str | None = None,
        retry: bool = True,
    ) -> Exchange:
        """Send; on a 429 wait for X-RateLimit-Reset and retry, at most ``rate_retries``
        times. Each 429 is checked by the rules; the last answer is returned. On a guarded
        (paced) site, a 429 that outlasts the retries stops the run."""
        too_many = self.contract.status.rate_limited
        exchange = self._send(method, headers, body, url=url)
        for _ in range(self.rate_retries if retry else 0):
            if exchange.status != too_many:
                return exchange
            self._judged(exchange, raise_on_violation=False)
            self.wait(
                self._rate_wait(exchange),
                f"the site answered {too_many} to {method}; retrying after its rate-limit reset",
            )
            exchange = self._send(method, headers, body, url=url)
        if exchange.status == too_many and retry and self.pace:
            self._judged(exchange, raise_on_violation=False)
            raise RunAborted(
                f"the site kept answering {too_many} after {self.rate_retries} retries; "
                "stopping to respect its rate limit"
            )
        return exchange

    def _note_secret(self, body: Any) -> str | None:
        key = self.contract.secret_of(body)
        if key is not None:
            SECRETS.add(*(() if self.keys_are_test_data else (key,)))
            self.submitted_keys.add(key)
            return key
        return None

    def _send(
        self, method: str, headers: dict[str, str], body: bytes | None, url: str | None = None
    ) -> Exchange:
        if self.budget is not None and self.sent >= self.budget:
            self.budget_spent = (
                f"the request budget of {self.budget} requests ran out before every test ran "
                "(raise it with --request-budget N; 0: unlimited)"
            )
            raise self.budget_exhausted(self.budget_spent)
        url = url or self.url
        path = urlsplit(url).path
        if settings := self.contract.url_settings.covers(path):
            list_settings_first(self, method, body, path)
        changing = self.ownership.check(method, body, path)  # SafetyError: forbidden
        self._wait_for_pace()
        self.sent += 1
        submitted = None
        if not settings and could_be_json_object(body):  # only the account's carry a secret
            with contextlib.suppress(ValueError, UnicodeDecodeError, RecursionError):
                submitted = self._note_secret(jsonlib.loads(body))
        prepared = prepare(self.session, method, url, headers, body)
        try:
            response = self.session.send(prepared, timeout=self.timeout, **self._send_settings)
        except requests.RequestException as exc:
            failure = SiteUnreachable(f"cannot reach {address(url)}: {failure_kind(exc)}")
            lost = Exchange(
                method=method,
                url=url,
                request_headers=dict(prepared.headers),
                request_body=body,
                status=0,
                response_headers={},
                response_body=b"",
                operation=self._operation_of(method, url),
                submitted_key=submitted,
                own_keys=(self.api_key, self.app_key),
                own_token=self.bearer_token,
            )
            self._no_answer(lost, failure, failure_kind(exc))
        operation = self._operation_of(method, url)
        exchange = Exchange(
            method=method,
            url=url,
            request_headers=dict(response.request.headers),
            request_body=body,
            status=response.status_code,
            response_headers=dict(response.headers),
            response_body=response.content,
            operation=operation,
            submitted_key=submitted,
            elapsed=response.elapsed.total_seconds(),
            raw=response,
            own_keys=(self.api_key, self.app_key),
            own_token=self.bearer_token,
        )
        self.judge.answered(exchange)
        self._note_pace(exchange)
        if settings:
            self.ownership.observe_setting(
                method, path, exchange.status, response.content, changing
            )
        elif operation is not None:
            self.ownership.observe(method, body, exchange.status, changing=changing)
        if operation is not None and self.on_effect is not None and self.ownership.undo_owed:
            self.on_effect(self)
        return exchange

    def _operation_of(self, method: str, url: str) -> str | None:
        """The label of the contract operation ``url`` is for (any resource), else None."""
        op = self.contract.operation_at(method, urlsplit(url).path)
        return op.label if op is not None else None

    def _no_answer(self, lost: Exchange, failure: SiteUnreachable, kind: str) -> NoReturn:
        """No answer: if a plain GET (which also settles the ledger) is answered, the site is
        broken on this input (``no-server-error``); else ``failure`` stops the run."""
        __tracebackhide__ = True
        if self._probing or not self.probe_after_no_answer or not self.judge.raise_on_violation:
            raise failure
        self._probing = True
        try:
            with self.judge.bookkeeping():
                self.get()
        except (SiteUnreachable, RunAborted, BudgetExhausted, SafetyError):
            raise failure from None
        finally:
            self._probing = False
        self.judge.unanswered(
            lost,
            f"{kind} on this input, while the site answered other requests "
            "(a GET right after it was answered)",
        )

    # -- pace -----------------------------------------------------------------------------
    def _note_pace(self, exchange: Exchange) -> None:
        """When the site says the allowance is (nearly) spent, wait for its reset before the
        next request instead of provoking a 429."""
        if not self.pace:
            return
        remaining = rate_header(exchange, "remaining")
        if remaining is None or remaining > PACE_REMAINING:
            return
        reset = rate_header(exchange, "reset")
        wait = min(max(0, reset if reset is not None else 1), self.max_rate_wait)
        self._paced_until = max(self._paced_until, time.monotonic() + wait)

    def _wait_for_pace(self) -> None:
        wait = self._paced_until - time.monotonic()
        if wait > 0:
            self.wait(wait, "the site's rate limit is (nearly) spent; waiting for its reset")

    def wait(self, seconds: float, reason: str) -> None:
        """Sleep; a wait over a second is announced first, in one line with its reason."""
        if seconds > ANNOUNCED_WAIT:
            self.say(f"waiting {seconds:.1f} s: {reason}")
        self.sleep(seconds)

    def _judged(self, exchange: Exchange, *, raise_on_violation: bool | None = None) -> Exchange:
        __tracebackhide__ = True
        return self.judge.judge(
            exchange, self.submitted_keys, raise_on_violation=raise_on_violation
        )

    def _rate_wait(self, exchange: Exchange) -> float:
        reset = rate_header(exchange, "reset")
        if reset is None:
            return min(1.0, self.max_rate_wait)
        return float(min(max(0, reset), self.max_rate_wait))

    def close(self) -> None:
        self.session.close()
