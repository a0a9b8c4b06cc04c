"""Try calls one cell at a time: :func:`explore` opens a site, each call returns a
:class:`~statuspage_contract.notebook.results.CallResult` judged by the response rules and, from
what the explorer knows of the account, by the scenario rules
(:mod:`statuspage_contract.judging.model`, the suite's own table)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..bad_inputs import bad_create_inputs, materialise
from ..errors import MutationNotAllowed, SiteStateUncertain
from ..judging import judged_client
from ..judging.model import status_verdict
from ..judging.settings_sequence import Settings, SettingsSequenceJudge
from ..live.preflight import list_settings_first, preflight
from ..live.safety import Ownership, State
from ..mock.faults import check_faults
from ..rules import AUTH_ENFORCED
from ..scenarios import is_valid_create_body
from ..scenarios import valid_create_body as _valid_create_body
from ..spec import load_contract, with_value
from ..target import Target, open_target, sentinel_key
from .account_state import MUTATING, AccountState
from .display import clean, frame
from .html import render
from .results import CallResult

#: The explorer's calls are one client's: the URL settings' judge knows them by this name.
OWN = ("explorer", "explorer")

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Explorer", "MutationNotAllowed", "SiteStateUncertain", "explore"]

#: Request budget of an explorer of a live site.
LIVE_BUDGET = 200


class Explorer:
    """A checking client for one site, for trying calls one cell at a time.

    Use :func:`explore` to make one. Each call returns a :class:`CallResult`. On a live site
    nothing is created, changed or deleted unless the explorer was opened with
    ``allow_mutations=True``.
    """

    def __init__(self, target: Target, *, budget: int | None = None) -> None:
        self.target = target
        self.client = judged_client(
            target.base_url,
            target.api_key,
            target.app_key,
            raise_on_violation=False,
            budget=budget,
            max_rate_wait=0,
            # The same ledger as the suite's: on a live site nothing the explorer did not
            # create is deleted or changed, whatever allow_mutations says.
            ownership=Ownership(
                mutations=self.mutations_allowed,
                replace=target.replace_existing_account,
                unrestricted=target.is_mock,
            ),
            pace=not target.is_mock,
            transport=target.transport(),
        )
        self.history: list[CallResult] = []
        # What this explorer's own calls show of the account (a fresh mock has none) ...
        self.account = AccountState(exists=False if target.is_mock else None)
        # ... and of each URL setting (a fresh mock has none; a live site's are listed before
        # its first write to them, and only the ones the explorer made are changed)
        self.settings = SettingsSequenceJudge()
        self.settings.states[OWN] = Settings(complete=target.is_mock)
        if not target.is_mock:
            self.client.before_settings_write = partial(list_settings_first, site=target.name)

    # -- facts ------------------------------------------------------------------------------
    @property
    def site(self) -> str:
        return self.target.name

    @property
    def base_url(self) -> str:
        return self.target.base_url

    @property
    def is_mock(self) -> bool:
        return self.target.is_mock

    @property
    def mutations_allowed(self) -> bool:
        return self.target.is_mock or self.target.allow_mutations

    # -- calls ------------------------------------------------------------------------------
    def create(self, body: Any = None) -> CallResult:
        """POST a create; ``body`` defaults to the reference example with a fresh api_key."""
        if body is None:
            secret = load_contract().secret_field
            what, body = f"the reference example (with a fresh {secret})", _valid_create_body()
        else:
            what = "a valid body" if is_valid_create_body(body) else "a body that is not valid"
        return self._call("POST", f"Create the account with {what}.", json=body)

    def get(self) -> CallResult:
        """GET the account."""
        return self._call("GET", "Read the account.")

    def update(self, body: Any = None) -> CallResult:
        """PATCH the account; ``body`` defaults to the documented example with a fresh key."""
        if body is None:
            contract = load_contract()
            body = contract.with_secret(contract.request_example("PATCH"), sentinel_key())
        return self._call("PATCH", "Update the account.", json=body)

    def delete(self) -> CallResult:
        """DELETE the account."""
        return self._call("DELETE", "Delete the account.")

    def send(self, method: str, *, action: str = "", **kwargs: Any) -> CallResult:
        """Any request to the account path (``json=``, ``data=``, ``content_type=``,
        ``headers=``, ``auth=``), checked against every response rule; 429s are not retried."""
        return self._call(method.upper(), action or f"{method.upper()} request.", **kwargs)

    def invalid(self, kind: str) -> CallResult:
        """A create that breaks the contract in one way (see :func:`invalid_inputs` for ids)."""
        inputs = {bad.id: bad for bad in bad_create_inputs()}
        if kind not in inputs:
            raise KeyError(f"unknown invalid input {kind!r}; valid ids: {', '.join(inputs)}")
        bad = inputs[kind]
        return self._call(
            "POST", f"Create with an invalid body ({bad.id}): {bad.why}.", **materialise(bad)
        )

    def without_keys(self, method: str | None = None) -> CallResult:
        """A call without DD-API-KEY and DD-APPLICATION-KEY: the site must answer 403.

        POST with a valid body by default; GET on a live site without ``allow_mutations``.
        """
        method = (method or ("POST" if self.mutations_allowed else "GET")).upper()
        kwargs: dict[str, Any] = {"auth": {}}
        if method in ("POST", "PATCH"):
            kwargs["json"] = _valid_create_body()
        result = self._call(method, f"{method} without any DD key.", **kwargs)
        forbidden = load_contract().status.forbidden
        result.expectations.append(
            status_verdict(AUTH_ENFORCED, result.status, forbidden, "a call without keys")
        )
        return result

    def rate_limited(self) -> CallResult:
        """(Mock only.) Exceed a one-request limit in a fresh organisation; return the 429."""
        mock = self._mock("rate_limited()")
        saved = mock.state.rate_limit
        _org, api_key, app_key = mock.new_organisation()
        auth = self.client.auth_headers(api_key=api_key, app_key=app_key)
        mock.set_rate_limit(1, 60)
        try:
            self.client.request("GET", auth=auth, retry_rate_limit=False)
            result = self._call(
                "POST",
                "Create in a fresh organisation after its one allowed request"
                f" (rate limit: 1 request per 60 s); expected: {_rate_limited_answer()}.",
                json=_valid_create_body(),
                auth=auth,
                track=False,
            )
        finally:
            if saved is None:
                mock.set_rate_limit(None)
            else:
                mock.set_rate_limit(saved.limit, saved.period)
        return result

    # -- URL settings -----------------------------------------------------------------------
    def list_settings(self) -> CallResult:
        """GET the URL settings (read-only: allowed on every site)."""
        return self._setting_call(
            self._settings.listing.method, self.client.list_settings, "List the URL settings."
        )

    def create_setting(
        self, url: str | None = None, body: Any = None, **attributes: Any
    ) -> CallResult:
        """POST a URL setting: ``body``, or the documented example with ``url`` and any other
        attributes given (``custom_tags="team:x"``)."""
        if body is None:
            body = self._settings.request_example(self._settings.create.method)
            self._set(body, url, attributes)
        call = partial(self.client.create_setting, body)
        return self._setting_call(
            self._settings.create.method, call, f"Create a URL setting ({_setting_what(body)})."
        )

    def update_setting(self, setting_id: str, body: Any = None, **attributes: Any) -> CallResult:
        """PATCH a URL setting: ``body``, or the documented example with the path's id and,
        when given, only these attributes (``url=...``, ``custom_tags=...``)."""
        s = self._settings
        if body is None:
            body = with_value(s.request_example(s.update.method), s.id_path, setting_id)
            if attributes:
                body = with_value(body, s.attributes_path, attributes)
        call = partial(self.client.update_setting, setting_id, body)
        return self._setting_call(
            s.update.method, call, f"Update a URL setting ({_setting_what(body)})."
        )

    def delete_setting(self, setting_id: str) -> CallResult:
        """DELETE a URL setting."""
        call = partial(self.client.delete_setting, setting_id)
        return self._setting_call(self._settings.delete.method, call, "Delete a URL setting.")

    @property
    def setting_ids(self) -> list[str]:
        """The ids of the URL settings this explorer's calls showed present, oldest first."""
        return list(self.settings.states[OWN].present)

    def reset(self) -> None:
        """(Mock only.) Forget every account: back to one organisation without an account."""
        self._mock("reset()").reset()
        self.account.reset()
        self.settings.states[OWN] = Settings(complete=True)

    # -- table and display ------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per call made so far: method, status, passed, broken rules, action."""
        rows = [
            {
                "method": r.exchange.method,
                "status": r.status,
                "passed": r.passed,
                "broken_rules": ", ".join(v.rule for v in r.violations),
                "action": r.action,
            }
            for r in self.history
        ]
        return frame(rows, ["method", "status", "passed", "broken_rules", "action"])

    def _facts(self) -> list[tuple[str, Any]]:
        faults = sorted(self.target.mock.faults) if self.target.mock else []
        keys = (
            "the mock's keys (DD_API_KEY / DD_APP_KEY when set, else its demo keys); not shown"
            if self.is_mock
            else "DD_API_KEY / DD_APP_KEY from the environment; not shown"
        )
        return [
            ("site", self.site),
            ("base URL", self.base_url),
            ("mock faults", ", ".join(faults) or "none"),
            ("mutations", "allowed" if self.mutations_allowed else "not allowed (read-only)"),
            ("keys", keys),
            ("calls so far", len(self.history)),
        ]

    def __repr__(self) -> str:
        return clean(f"<Explorer {self.site} at {self.base_url}: {len(self.history)} calls>")

    def _repr_html_(self) -> str:
        return render("explorer.html.j2", site=self.site, facts=self._facts())

    # -- lifecycle --------------------------------------------------------------------------
    def close(self) -> None:
        """Close the HTTP session and stop the embedded mock (if this explorer started it)."""
        self.client.close()
        self.target.stop()

    def __enter__(self) -> Explorer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals --------------------------------------------------------------------------
    def _mock(self, what: str) -> Any:
        if self.target.mock is None:
            raise RuntimeError(f"{what} needs the embedded mock; {self.site} is not the mock")
        return self.target.mock

    def _guard(self, method: str) -> None:
        if method in MUTATING and not self.mutations_allowed:
            raise MutationNotAllowed(
                f"{method} could create, change or delete the account on {self.site}; "
                "open the explorer with explore(..., allow_mutations=True) to allow it"
            )

    @property
    def _settings(self) -> Any:
        return load_contract().url_settings

    def _set(self, body: Any, url: str | None, attributes: dict[str, Any]) -> None:
        node = self._settings.attributes_of(body)
        if node is not None:
            node.update({self._settings.url_field: url} if url else {}, **attributes)

    def _setting_call(self, method: str, send: Callable[..., Any], action: str) -> CallResult:
        """Send one URL-settings call; judge it by the response rules (the client's judge)
        and the model's URL-settings entry (what the explorer's calls showed)."""
        self._guard(method)
        exchange = send(retry_rate_limit=False)
        result = CallResult(exchange, action)
        headers = {k.lower(): v for k, v in exchange.request_headers.items()}
        request = (
            exchange.method,
            urlsplit(exchange.url).path,
            headers,
            exchange.request_body or b"",
        )
        result.expectations += self.settings.judge(
            OWN, True, request, exchange.status, exchange.response_body
        )
        self.history.append(result)
        return result

    def _call(self, method: str, action: str, *, track: bool = True, **kwargs: Any) -> CallResult:
        self._guard(method)
        kwargs.setdefault("retry_rate_limit", False)
        exchange = self.client.request(method, **kwargs)
        result = CallResult(exchange, action)
        if track and kwargs.get("auth") is None:
            result.expectations += self.account.expect(method, exchange.status, kwargs)
            self.account.learn(method, exchange.status)
        self.history.append(result)
        return result


def _setting_what(body: Any) -> str:
    """How a URL setting's request body reads in an action: its url, or its validity."""
    settings = load_contract().url_settings
    url = (settings.attributes_of(body) or {}).get(settings.url_field)
    return f"url {url}" if isinstance(url, str) else "no url"


def _rate_limited_answer() -> str:
    """What an over-the-limit call must answer, e.g. "429 with X-RateLimit-* headers"."""
    contract = load_contract()
    first = contract.rate_limit_headers[0]  # X-RateLimit-Limit: the family's prefix
    prefix = first[: first.rfind("-") + 1]
    return f"{contract.status.rate_limited} with {prefix}* headers"


def explore(
    site: str = "mock",
    *,
    faults: Iterable[str] = (),
    rate_limit: int | None = None,
    rate_period: int = 60,
    allow_mutations: bool = False,
    budget: int | None = None,
) -> Explorer:
    """Open a site for exploration (``"mock"``, the default, starts the embedded mock).

    Other sites (``"datadoghq.eu"``, a URL, ...) use ``DD_API_KEY`` / ``DD_APP_KEY`` from the
    environment and are read-only unless ``allow_mutations=True``. ``faults`` and
    ``rate_limit`` configure the mock (see ``statuspage_contract.mock.faults.FAULTS``).
    """
    faults = tuple(check_faults(faults))
    target = open_target(site, allow_mutations=allow_mutations, mock_faults=faults)
    if rate_limit is not None:
        if target.mock is None:
            target.stop()
            raise ValueError("rate_limit applies to the embedded mock only")
        target.mock.set_rate_limit(rate_limit, rate_period)
    if budget is None and not target.is_mock:
        budget = LIVE_BUDGET
    explorer = Explorer(target, budget=budget)
    if not target.is_mock:  # learn whether an account exists; refuse to go on if unsure
        reason = preflight(explorer.client, target.name)
        if reason:
            explorer.close()
            raise SiteStateUncertain(reason)
        explorer.account.exists = explorer.client.ownership.found is State.FOREIGN
    return explorer
