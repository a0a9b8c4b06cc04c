"""The Jupyter-facing API: explore the endpoint, sample payloads, read reports, ask the gate.

Every object a notebook cell returns renders as escaped, redacted HTML (``_repr_html_``) and,
where it is tabular, converts to a pandas DataFrame (``to_frame()``). A cell needs one import
and one call::

    from contract.notebook import explore
    ex = explore()          # starts the embedded mock; explore("datadoghq.eu") uses DD keys
    ex.create()             # the reference example, checked rule by rule

pandas and matplotlib are imported lazily, only by ``to_frame()``/``*_frame()`` and
``plot_*()``, so the core package does not need them (``pip install -e ".[notebooks]"``).
Nothing shown here ever contains a DD key or a submitted ``api_key``: every text passes
through :func:`contract.redact.redact` and curl reproductions use ``${DD_API_KEY}``
placeholders.
"""

from __future__ import annotations

import contextlib
import copy
import html
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import date
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from contract.client import ContractClient
from contract.exchange import Exchange, Verdict
from contract.gate import (
    GateDecision,
    GateInputError,
    decide,
    is_combined,
    site_reports,
    validate_report,
)
from contract.gate import load_report as _gate_load_report
from contract.mock.faults import FAULTS, check_faults
from contract.preflight import preflight
from contract.proxy import ContractProxy
from contract.redact import REDACTED, SECRETS, redact
from contract.render import TIMES
from contract.report import JSON_NAME, combine
from contract.rules import RULES, schema_errors
from contract.safety import Ownership, State
from contract.scenarios import (
    bad_create_inputs,
    invalid_create_rejected,
    is_valid_create_body,
    materialise,
    valid_create_body,
    valid_create_then_conflict,
)
from contract.spec import load_contract
from contract.target import Target, open_target, sentinel_key

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = [
    "CallResult",
    "Catalogue",
    "ContractProxy",
    "ContractReport",
    "DemoReports",
    "Explorer",
    "GateResult",
    "MutationNotAllowed",
    "PayloadSample",
    "ReportIndex",
    "RuleVerdicts",
    "SessionSummary",
    "SiteStateUncertain",
    "Violation",
    "compare_reports",
    "ensure_demo_reports",
    "explore",
    "gate_decision",
    "invalid_inputs",
    "list_reports",
    "load_report",
    "mock_faults",
    "property_session",
    "sample_payloads",
]

#: The fault the demo reports use: it breaks exactly one rule (single-account).
DEMO_FAULT = "accepts-second-create"
#: Where :func:`ensure_demo_reports` writes, below the reports directory.
DEMO_DIR = "notebook-demo"
#: Longest body (characters) shown in a table cell.
CELL_LIMIT = 160


MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_GREEN, _RED, _AMBER, _GREY = "#1a7f37", "#cf222e", "#9a6700", "#6e7781"
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class MutationNotAllowed(RuntimeError):
    """A call would create, change or delete the account on a live site without permission."""


# -- text and HTML helpers ------------------------------------------------------------------
def _printable(text: str) -> str:
    """``text`` with control characters and lone surrogates shown as ``\\uXXXX`` escapes."""
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _clean(value: Any) -> str:
    """Any value as redacted, printable text."""
    return _printable(redact(str(value)))


def _esc(value: Any) -> str:
    """Any value as redacted, printable, HTML-escaped text."""
    return html.escape(_clean(value))


def _shorten(text: str, limit: int = CELL_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_text(value: Any, *, indent: int | None = 2) -> str:
    """A JSON-like value as redacted, printable text (non-JSON values as their repr)."""
    redacted = SECRETS.redact_tree(value)
    try:
        text = json.dumps(redacted, indent=indent, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(redacted)
    return _clean(text)


class _Html(str):
    """A table cell that is already HTML (escaped by whoever built it)."""


def _badge(ok: bool | None, text: str | None = None) -> _Html:
    colour = _GREY if ok is None else _GREEN if ok else _RED
    label = text or ("n/a" if ok is None else "PASS" if ok else "FAIL")
    return _Html(
        f'<span style="background:{colour};color:#fff;padding:1px 6px;border-radius:3px;'
        f'font-weight:600;font-size:90%">{html.escape(label)}</span>'
    )


def _status_badge(status: str) -> _Html:
    ok = {"passed": True, "failed": False}.get(status)
    colour = _AMBER if status in ("skipped", "not-run") else None
    if colour:
        return _Html(f'<span style="color:{colour};font-weight:600">{html.escape(status)}</span>')
    return _badge(ok, status)


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    head = "".join(f'<th style="text-align:left">{html.escape(h)}</th>' for h in headers)
    body = []
    for row in rows:
        cells = "".join(
            f'<td style="text-align:left;vertical-align:top">'
            f"{cell if isinstance(cell, _Html) else _esc('' if cell is None else cell)}</td>"
            for cell in row
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _pre(text: str) -> str:
    return (
        '<pre style="white-space:pre-wrap;word-break:break-all;max-height:24em;overflow:auto">'
        f"{_esc(text)}</pre>"
    )


def _details(summary: str, inner: str, *, open_: bool = False) -> str:
    return (
        f"<details{' open' if open_ else ''}><summary>{html.escape(summary)}</summary>"
        f"{inner}</details>"
    )


def _frame(rows: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """A DataFrame of ``rows`` (every string redacted); pandas is imported here, lazily."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            'to_frame() needs pandas: pip install -e ".[notebooks]" (or pip install pandas)'
        ) from None
    clean = [
        {c: _clean(row.get(c)) if isinstance(row.get(c), str) else row.get(c) for c in columns}
        for row in rows
    ]
    return pd.DataFrame(clean, columns=list(columns))


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _rule_kind(name: str) -> str:
    rule = RULES.get(name)
    return rule.kind if rule else "notebook"


def _rule_summary(name: str) -> str:
    rule = RULES.get(name)
    return rule.summary if rule else ""


# -- rule verdicts --------------------------------------------------------------------------
class RuleVerdicts(list[Verdict]):
    """The rule verdicts of one call: a list of :class:`~contract.exchange.Verdict`."""

    @property
    def passed(self) -> bool:
        """Whether no rule was broken."""
        return all(v.passed for v in self)

    @property
    def failed(self) -> list[Verdict]:
        return [v for v in self if not v.passed]

    def to_frame(self) -> pd.DataFrame:
        """One row per verdict: rule, kind, passed, message, what the rule checks."""
        rows = [
            {
                "rule": v.rule,
                "kind": _rule_kind(v.rule),
                "passed": v.passed,
                "message": v.message,
                "checks": _rule_summary(v.rule),
            }
            for v in self
        ]
        return _frame(rows, ["rule", "kind", "passed", "message", "checks"])

    def _repr_html_(self) -> str:
        if not self:
            return "<p><em>No rule applied to this response.</em></p>"
        rows = [
            (_Html(f"<code>{_esc(v.rule)}</code>"), _rule_kind(v.rule), _badge(v.passed), v.message)
            for v in self
        ]
        return _table(["Rule", "Kind", "Verdict", "Message"], rows)

    def __repr__(self) -> str:
        lines = [f"{'PASS' if v.passed else 'FAIL'}  {v.rule}  {v.message}".rstrip() for v in self]
        return _clean("\n".join(lines) or "(no rule applied)")


# -- one call -------------------------------------------------------------------------------
@dataclass
class CallResult:
    """One call to the site: what was sent, what came back, and every rule's verdict.

    ``expectations`` are the scenario rules the call itself tests (e.g. an invalid body must
    be answered 400); response rules come from the checking client.
    """

    exchange: Exchange
    action: str = ""
    expectations: list[Verdict] = field(default_factory=list)

    @property
    def status(self) -> int:
        return self.exchange.status

    @property
    def verdicts(self) -> RuleVerdicts:
        return RuleVerdicts([*self.exchange.verdicts, *self.expectations])

    @property
    def passed(self) -> bool:
        """Whether the response broke no rule (response and scenario rules)."""
        return self.verdicts.passed

    @property
    def violations(self) -> list[Verdict]:
        return self.verdicts.failed

    @property
    def body(self) -> Any:
        """The response body, parsed when it is JSON, with every secret redacted."""
        if not self.exchange.response_body:
            return None
        try:
            # Parsed afresh: Exchange.json is cached and a rule may have changed it.
            parsed = json.loads(self.exchange.response_body)
        except (ValueError, RecursionError):
            return _clean(self.exchange.text)
        return SECRETS.redact_tree(parsed)

    @property
    def headers(self) -> dict[str, str]:
        """The response headers, redacted."""
        return {k: _clean(v) for k, v in self.exchange.response_headers.items()}

    def curl(self) -> str:
        """A secret-free ``curl`` command that repeats the request."""
        return _clean(self.exchange.curl())

    def to_frame(self) -> pd.DataFrame:
        """One row per rule verdict."""
        return self.verdicts.to_frame()

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "method": self.exchange.method,
            "status": self.status,
            "passed": self.passed,
            "body": self.body,
            "verdicts": [
                {"rule": v.rule, "passed": v.passed, "message": _clean(v.message)}
                for v in self.verdicts
            ],
            "reproduction": self.curl(),
        }

    @property
    def _label(self) -> str:
        ex = self.exchange
        return f"{ex.operation or ex.method + ' ' + ex.url} → {ex.status} {_reason(ex.status)}"

    def __repr__(self) -> str:
        broken = ", ".join(v.rule for v in self.violations)
        verdict = "PASS" if self.passed else f"FAIL ({broken})"
        return _clean(f"<CallResult {self._label}: {verdict}, {len(self.verdicts)} verdicts>")

    def _repr_html_(self) -> str:
        n, failed = len(self.verdicts), len(self.violations)
        tally = f"{n - failed} of {n} rule verdicts passed" if n else "no rule applied"
        parts = [
            f"<div><p>{_badge(self.passed)} <strong>{_esc(self._label)}</strong>"
            f" <span style='color:{_GREY}'>({html.escape(tally)})</span></p>"
        ]
        if self.action:
            parts.append(f"<p><em>{_esc(self.action)}</em></p>")
        body = self.body
        if body is None:
            parts.append("<p><em>No response body.</em></p>")
        else:
            text = body if isinstance(body, str) else _json_text(body)
            parts.append(_pre(text))
        parts.append(self.verdicts._repr_html_())
        header_rows = sorted(self.headers.items())
        parts.append(_details("Response headers", _table(["Header", "Value"], header_rows)))
        parts.append(_details("Reproduce with curl (keys as placeholders)", _pre(self.curl())))
        parts.append("</div>")
        return redact("".join(parts))


@dataclass
class Catalogue:
    """A small read-only table (e.g. the invalid inputs or the mock's faults)."""

    title: str
    columns: list[str]
    rows: list[dict[str, Any]]

    @property
    def ids(self) -> list[str]:
        """The first column's values."""
        return [str(row[self.columns[0]]) for row in self.rows]

    def to_frame(self) -> pd.DataFrame:
        return _frame(self.rows, self.columns)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)

    def __repr__(self) -> str:
        return _clean(f"<Catalogue {self.title}: {len(self.rows)} rows>")

    def _repr_html_(self) -> str:
        rows = [[row.get(c) for c in self.columns] for row in self.rows]
        return redact(
            f"<div><p><strong>{_esc(self.title)}</strong></p>{_table(self.columns, rows)}</div>"
        )


def invalid_inputs() -> Catalogue:
    """The ways of breaking a create request that :meth:`Explorer.invalid` knows, by id."""
    rows = [{"id": bad.id, "why it is invalid": bad.why} for bad in bad_create_inputs()]
    return Catalogue("Invalid create inputs", ["id", "why it is invalid"], rows)


def mock_faults() -> Catalogue:
    """The embedded mock's fault modes and the contract rule each one breaks."""
    rows = [
        {"fault": f.name, "breaks rule": f.breaks, "what the mock does": f.description}
        for f in FAULTS.values()
    ]
    return Catalogue(
        "Fault modes of the embedded mock", ["fault", "breaks rule", "what the mock does"], rows
    )


# -- the explorer ---------------------------------------------------------------------------
class Explorer:
    """A checking client for one site, for trying calls one cell at a time.

    Use :func:`explore` to make one. Each call returns a :class:`CallResult`. On a live site
    nothing is created, changed or deleted unless the explorer was opened with
    ``allow_mutations=True``.
    """

    def __init__(self, target: Target, *, budget: int | None = None) -> None:
        self.target = target
        self.client = ContractClient(
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
        )
        self.history: list[CallResult] = []
        # Whether the account exists, as far as this explorer's own calls show (None: unknown).
        self._exists: bool | None = False if target.is_mock else None
        # The scenario rule a GET judges: that of the last call that changed (or should not
        # have changed) the account; None before any such call.
        self._state_rule: str | None = None

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
            what, body = "the reference example (with a fresh api_key)", valid_create_body()
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
            kwargs["json"] = valid_create_body()
        result = self._call(method, f"{method} without any DD key.", **kwargs)
        ok = result.status == 403
        result.expectations.append(
            Verdict(
                "auth-enforced",
                ok,
                "" if ok else f"a call without keys answered {result.status}, not 403",
            )
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
                " (rate limit: 1 request per 60 s); expected: 429 with X-RateLimit-* headers.",
                json=valid_create_body(),
                auth=auth,
                track=False,
            )
        finally:
            if saved is None:
                mock.set_rate_limit(None)
            else:
                mock.set_rate_limit(saved.limit, saved.period)
        return result

    def reset(self) -> None:
        """(Mock only.) Forget every account: back to one organisation without an account."""
        self._mock("reset()").reset()
        self._exists, self._state_rule = False, None

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
        return _frame(rows, ["method", "status", "passed", "broken_rules", "action"])

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
        return _clean(f"<Explorer {self.site} at {self.base_url}: {len(self.history)} calls>")

    def _repr_html_(self) -> str:
        return redact(
            f"<div><p><strong>Explorer</strong> for {_esc(self.site)}</p>"
            + _table(["", ""], self._facts())
            + "</div>"
        )

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

    def _call(self, method: str, action: str, *, track: bool = True, **kwargs: Any) -> CallResult:
        self._guard(method)
        kwargs.setdefault("retry_rate_limit", False)
        existed = self._exists
        exchange = self.client.request(method, **kwargs)
        result = CallResult(exchange, action)
        if track and kwargs.get("auth") is None:
            result.expectations += self._expect(method, existed, exchange, kwargs)
            self._learn(method, existed, exchange)
        self.history.append(result)
        return result

    def _expect(
        self, method: str, existed: bool | None, ex: Exchange, kwargs: dict[str, Any]
    ) -> list[Verdict]:
        """The scenario rules this call tests, given what the explorer knows of the state."""
        contract = load_contract()
        if ex.status == 429:
            return []
        out: list[Verdict] = []

        def expect(rule: str, ok: bool, message: str) -> None:
            out.append(Verdict(rule, ok, "" if ok else message))

        if method == "POST":
            valid = (
                "json" in kwargs
                and "content_type" not in kwargs
                and is_valid_create_body(kwargs["json"])
            )
            if not valid:
                allowed = {400} if existed is False else {400, 409}
                expect(
                    "invalid-body-rejected",
                    ex.status in allowed,
                    f"a create with an invalid body answered {ex.status}, not 400",
                )
            elif existed is True:
                expect(
                    "single-account",
                    ex.status == 409,
                    f"a create while an account exists answered {ex.status}, not 409",
                )
            elif existed is False:
                expect(
                    "valid-body-accepted",
                    ex.status == contract.create.success.status,
                    f"a valid create without an account answered {ex.status}",
                )
        elif (
            method == "GET" and self._state_rule and existed is not None and ex.status in (200, 404)
        ):
            wanted = 200 if existed else 404
            expect(
                self._state_rule,
                ex.status == wanted,
                f"GET answered {ex.status} where the earlier calls imply {wanted}",
            )
        elif method in ("PATCH", "DELETE") and existed:
            wanted = contract.operation(method).success.status
            if ex.status != 400:
                expect(
                    "lifecycle-effects",
                    ex.status == wanted,
                    f"{method} of an existing account answered {ex.status}, not {wanted}",
                )
        return out

    def _learn(self, method: str, existed: bool | None, ex: Exchange) -> None:
        if ex.status in (403, 429):
            return
        ok = 200 <= ex.status < 300
        if method == "GET" and ex.status in (200, 404):
            self._exists = ex.status == 200
        elif method == "POST" and ok:
            self._exists, self._state_rule = True, "lifecycle-effects"
        elif method == "DELETE" and ok:
            self._exists, self._state_rule = False, "lifecycle-effects"
        elif method in MUTATING and 400 <= ex.status < 500 and existed is not None:
            self._state_rule = "rejected-call-no-effect"


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
    ``rate_limit`` configure the mock (see ``contract.mock.faults.FAULTS``).
    """
    faults = tuple(check_faults(faults))
    target = open_target(site, allow_mutations=allow_mutations, mock_faults=faults)
    if rate_limit is not None:
        if target.mock is None:
            target.stop()
            raise ValueError("rate_limit applies to the embedded mock only")
        target.mock.set_rate_limit(rate_limit, rate_period)
    if budget is None and not target.is_mock:
        budget = 200
    explorer = Explorer(target, budget=budget)
    if not target.is_mock:  # learn whether an account exists; refuse to go on if unsure
        reason = preflight(explorer.client, target.name)
        if reason:
            explorer.close()
            raise SiteStateUncertain(reason)
        explorer._exists = explorer.client.ownership.found is State.FOREIGN
    return explorer


class SiteStateUncertain(RuntimeError):
    """The preflight could not tell whether the site has an account; nothing was changed."""


# -- payloads -------------------------------------------------------------------------------
def _draw(strategy: Any, n: int, seed: int | None, use: Callable[[Any], bool]) -> int:
    """Run ``use`` on up to ``n`` values drawn from ``strategy`` (no shrinking, no database).

    ``use`` returns False for a value that does not count (it is filtered out). An exception
    from ``use`` stops the drawing and is raised as is: Hypothesis never sees it, so it never
    reports the (unredacted) value that was being used.
    """
    from hypothesis import HealthCheck, Phase, Verbosity, assume, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis.errors import Unsatisfiable

    counted = 0
    errors: list[Exception] = []

    @settings(
        max_examples=n,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        print_blob=False,
    )
    @given(strategy)
    def run(value: Any) -> None:
        nonlocal counted
        assume(counted < n and not errors)
        try:
            keep = use(value)
        except Exception as exc:
            errors.append(exc)
            keep = False
        assume(keep)
        counted += 1

    if seed is not None:
        run = hypothesis_seed(seed)(run)
    with contextlib.suppress(Unsatisfiable):
        run()
    if errors:
        raise errors[0]
    return counted


def _describe_key(body: Any) -> str:
    try:
        key = body["data"]["attributes"][load_contract().secret_field]
    except (KeyError, TypeError, IndexError):
        return "missing"
    if key is None:
        return "null"
    if not isinstance(key, str):
        return type(key).__name__
    extra = "" if key.isascii() else ", non-ASCII"
    return f"string, {len(key)} chars{extra}"


def _mask_key(body: Any) -> Any:
    """A copy of ``body`` with its api_key (when a non-empty string) shown as [REDACTED]."""
    field_name = load_contract().secret_field
    try:
        key = body["data"]["attributes"][field_name]
    except (KeyError, TypeError, IndexError):
        return body
    if not isinstance(key, str) or not key:
        return body
    body = copy.deepcopy(body)
    body["data"]["attributes"][field_name] = REDACTED
    return body


def _body_text(body: Any) -> str:
    if isinstance(body, bytes | bytearray):
        return _clean(repr(bytes(body)))
    return _json_text(_mask_key(body), indent=None)


@dataclass
class PayloadSample:
    """Request bodies drawn from the contract's Hypothesis strategies (api_keys hidden)."""

    payloads: list[Any]
    valid: bool
    method: str = "POST"

    def rows(self) -> list[dict[str, Any]]:
        schema = load_contract().operation(self.method).request_schema or {}
        out = []
        for i, body in enumerate(self.payloads):
            if isinstance(body, dict | list | str | int | float | bool) or body is None:
                errors = schema_errors(body, schema)
            else:
                errors = ["body: not JSON"]
            try:
                body_type = body["data"]["type"]
            except (KeyError, TypeError, IndexError):
                body_type = "—"
            out.append(
                {
                    "#": i + 1,
                    "valid": not errors,
                    "data.type": body_type if isinstance(body_type, str) else repr(body_type),
                    "api_key": _describe_key(body),
                    "problem": errors[0] if errors else "",
                    "body": _shorten(_body_text(body)),
                }
            )
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per payload: valid?, data.type, the api_key's shape, first problem, body."""
        return _frame(self.rows(), ["#", "valid", "data.type", "api_key", "problem", "body"])

    def __len__(self) -> int:
        return len(self.payloads)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.payloads)

    def __repr__(self) -> str:
        kind = "valid" if self.valid else "invalid"
        return f"<PayloadSample: {len(self.payloads)} {kind} {self.method} bodies>"

    def _repr_html_(self) -> str:
        kind = "valid" if self.valid else "invalid"
        rows = [
            [
                r["#"],
                _badge(r["valid"], "valid" if r["valid"] else "invalid"),
                r["data.type"],
                r["api_key"],
                r["problem"],
                _Html(f"<code>{_esc(r['body'])}</code>"),
            ]
            for r in self.rows()
        ]
        return redact(
            f"<div><p><strong>{len(self.payloads)} {kind} {html.escape(self.method)} bodies"
            "</strong> drawn from the contract (api_key values hidden)</p>"
            + _table(["#", "Schema", "data.type", "api_key", "Problem", "Body"], rows)
            + "</div>"
        )


def sample_payloads(
    n: int = 10, *, valid: bool = True, method: str = "POST", seed: int | None = None
) -> PayloadSample:
    """Draw ``n`` request bodies from the contract's strategies (``contract.generation``).

    ``valid=False`` draws from the negative strategy and keeps only bodies that really break
    the request schema (negative cases may instead break a header).
    """
    from contract import generation

    schema = load_contract().operation(method).request_schema or {}
    payloads: list[Any] = []

    def keep(body: Any) -> bool:
        if not valid:
            if not isinstance(body, dict | list | str | int | float | bool) and body is not None:
                payloads.append(body)  # bytes: not even JSON
                return True
            if not schema_errors(body, schema):
                return False
        payloads.append(body)
        return True

    _draw(generation.bodies(method, valid=valid), n, seed, keep)
    return PayloadSample(payloads[:n], valid, method.upper())


# -- property-based session -----------------------------------------------------------------
@dataclass
class Violation:
    """One broken rule, as recorded: the message, the response and a reproduction."""

    rule: str
    operation: str
    message: str
    reproduction: str | None
    response: dict[str, Any] | None
    occurrences: int = 1
    context: str = ""

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Violation:
        return cls(
            rule=str(record.get("rule", "")),
            operation=str(record.get("operation") or ""),
            message=str(record.get("message", "")),
            reproduction=record.get("reproduction"),
            response=record.get("response"),
            occurrences=int(record.get("occurrences", 1) or 1),
            context=str(record.get("test") or ""),
        )

    def to_dict(self) -> dict[str, Any]:
        return SECRETS.redact_tree(
            {
                "rule": self.rule,
                "operation": self.operation,
                "message": self.message,
                "reproduction": self.reproduction,
                "response": self.response,
                "occurrences": self.occurrences,
                "context": self.context,
            }
        )

    def __repr__(self) -> str:
        return _clean(f"<Violation [{self.rule}] {self.operation}: {self.message}>")

    def _repr_html_(self) -> str:
        parts = [
            f"<div><p>{_badge(False, 'VIOLATION')} <code>{_esc(self.rule)}</code> — "
            f"{_esc(_rule_summary(self.rule))}</p>",
            f"<p><strong>What was wrong:</strong> {_esc(self.message)}</p>",
        ]
        facts = [("operation", self.operation or "—"), ("seen", f"{self.occurrences} time(s)")]
        if self.context:
            facts.append(("while", self.context))
        parts.append(_table(["", ""], facts))
        if self.response:
            status = self.response.get("status")
            body = self.response.get("body") or ""
            try:
                body = _json_text(json.loads(body))
            except (TypeError, ValueError):
                body = str(body)
            parts.append(f"<p><strong>Response:</strong> {_esc(status)}</p>{_pre(body)}")
        if self.reproduction:
            parts.append(f"<p><strong>Reproduce:</strong></p>{_pre(self.reproduction)}")
        parts.append("</div>")
        return redact("".join(parts))


@dataclass
class SessionSummary:
    """What a short property-based session did: rules run, how often, and what broke."""

    site: str
    faults: list[str]
    valid_examples: int
    invalid_examples: int
    requests: int
    duration: float
    rules: dict[str, dict[str, Any]]
    statuses: dict[str, dict[int, int]]
    violations: list[Violation]
    first: Violation | None = None  # the first violation as it was when caught

    @property
    def passed(self) -> bool:
        return not any(r["failed"] for r in self.rules.values())

    @property
    def first_violation(self) -> Violation | None:
        """The first violation caught, with the request and response that showed it."""
        if self.first is not None:
            return self.first
        return self.violations[0] if self.violations else None

    @property
    def rules_run(self) -> list[str]:
        return [name for name, r in self.rules.items() if r["passed"] + r["failed"]]

    def to_frame(self, *, all_rules: bool = False) -> pd.DataFrame:
        """One row per rule that ran (every rule with ``all_rules=True``)."""
        rows = []
        for name, r in self.rules.items():
            checks = r["passed"] + r["failed"]
            if checks or all_rules:
                rows.append(
                    {
                        "rule": name,
                        "kind": r["kind"],
                        "checks": checks,
                        "passed": r["passed"],
                        "failed": r["failed"],
                        "result": "failed" if r["failed"] else "passed" if checks else "not-run",
                    }
                )
        return _frame(rows, ["rule", "kind", "checks", "passed", "failed", "result"])

    def status_frame(self) -> pd.DataFrame:
        """One row per operation and status code answered, with how often."""
        rows = [
            {"operation": op, "status": code, "count": n}
            for op, codes in self.statuses.items()
            for code, n in sorted(codes.items())
        ]
        return _frame(rows, ["operation", "status", "count"])

    def failures_frame(self) -> pd.DataFrame:
        """One row per recorded violation."""
        rows = [v.to_dict() for v in self.violations]
        return _frame(rows, ["rule", "operation", "message", "occurrences", "reproduction"])

    def __repr__(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        return _clean(
            f"<SessionSummary {self.site}: {verdict}, {self.valid_examples} valid + "
            f"{self.invalid_examples} invalid examples, {self.requests} requests,"
            f" {len(self.rules_run)} rules ran>"
        )

    def _repr_html_(self) -> str:
        faults = f"; mock faults: {', '.join(self.faults)}" if self.faults else ""
        parts = [
            f"<div><p>{_badge(self.passed)} <strong>Property-based session on "
            f"{_esc(self.site)}</strong>{_esc(faults)}: {self.valid_examples} valid and "
            f"{self.invalid_examples} invalid generated bodies, {self.requests} requests in "
            f"{self.duration:.1f} s; {len(self.rules_run)} rules ran.</p>"
        ]
        rows = []
        for name, r in self.rules.items():
            checks = r["passed"] + r["failed"]
            if checks:
                status = "failed" if r["failed"] else "passed"
                rows.append(
                    [
                        _Html(f"<code>{_esc(name)}</code>"),
                        r["kind"],
                        checks,
                        r["passed"],
                        r["failed"],
                        _status_badge(status),
                    ]
                )
        parts.append(_table(["Rule", "Kind", "Checks", "Passed", "Failed", "Result"], rows))
        codes = "; ".join(
            f"{op}: " + ", ".join(f"{c}{TIMES}{n}" for c, n in sorted(counts.items()))
            for op, counts in self.statuses.items()
        )
        parts.append(f"<p><strong>Status codes answered:</strong> {_esc(codes)}</p>")
        if self.first_violation is not None:
            parts.append("<p><strong>First violation caught:</strong></p>")
            parts.append(self.first_violation._repr_html_())
        parts.append("</div>")
        return redact("".join(parts))


def property_session(
    explorer: Explorer | None = None,
    *,
    n: int = 25,
    faults: Iterable[str] = (),
    seed: int | None = None,
) -> SessionSummary:
    """A short property-based session: ``n`` generated valid creates and ``n`` invalid ones.

    Each valid create runs from a clean state (no account) and is sent twice (201, then 409);
    each invalid body must be answered 400 and change nothing. Every response goes through the
    checking client (``raise_on_violation=False``) and Schemathesis' built-in checks.

    Without ``explorer`` it runs against a fresh embedded mock with ``faults`` and stops it
    afterwards. With an explorer of the mock, the mock is reset before and after, and
    ``faults`` (when given) replace its faults for the session only. Live sites are not
    supported: it deletes and creates accounts at will (use ``statuspage-contract run``).
    """
    from contract import generation

    wanted = sorted(check_faults(faults))
    if explorer is not None and explorer.target.mock is None:
        raise ValueError(
            f"property_session() runs against the embedded mock only, not {explorer.site};"
            " for a live site use: statuspage-contract run --site SITE"
        )
    ex = explorer if explorer is not None else explore("mock", faults=wanted)
    mock = ex._mock("property_session()")
    saved_faults = set(mock.faults)
    if wanted:
        mock.set_faults(wanted)
    ex.reset()
    in_effect = sorted(mock.faults)
    client = ContractClient(
        ex.base_url, ex.target.api_key, ex.target.app_key, raise_on_violation=False
    )
    rec = client.recorder
    first: list[Violation] = []
    started = time.monotonic()

    def note_first() -> None:
        if not first and rec.failures:
            first.append(Violation.from_record(copy.deepcopy(rec.failures[0])))

    def valid_case(case: Any) -> bool:
        valid_create_then_conflict(client, case)
        note_first()
        return True

    def invalid_case(case: Any) -> bool:
        if is_valid_create_body(case.body):
            return False  # a negative case that breaks a header, not the body
        invalid_create_rejected(client, case)
        note_first()
        return True

    try:
        rec.current_test = "generated valid creates"
        valid_n = _draw(generation.cases("POST", valid=True), n, seed, valid_case)
        rec.current_test = "generated invalid bodies"
        invalid_n = _draw(generation.cases("POST", valid=False), n, seed, invalid_case)
    finally:
        client.close()
        mock.set_faults(saved_faults)
        ex.reset()
        if explorer is None:
            ex.close()
    return SessionSummary(
        site=ex.site,
        faults=in_effect,
        valid_examples=valid_n,
        invalid_examples=invalid_n,
        requests=rec.requests,
        duration=time.monotonic() - started,
        rules={
            name: {"kind": RULES[name].kind, "passed": t.passed, "failed": t.failed}
            for name, t in rec.tallies.items()
        },
        statuses={op: dict(counter) for op, counter in rec.statuses.items()},
        violations=[Violation.from_record(f) for f in rec.failures],
        first=first[0] if first else None,
    )


# -- reports --------------------------------------------------------------------------------
def _reports_root(root: str | Path | None = None) -> Path:
    """The reports directory: ``root``, else ./reports or ../reports (from notebooks/)."""
    if root is not None:
        return Path(root)
    for candidate in (Path("reports"), Path("..") / "reports"):
        if candidate.is_dir():
            return candidate
    return Path("reports")


def _resolve_report_path(path: str | Path | None) -> Path:
    if path is None:
        return _reports_root() / JSON_NAME
    path = Path(path)
    return path / JSON_NAME if path.is_dir() else path


def _site_status(rule: Mapping[str, Any]) -> str:
    return str(rule.get("status", "not-run"))


class ContractReport:
    """A contract report (``contract-report.json``; single-site or combined), for reading."""

    def __init__(self, data: Mapping[str, Any], path: Path | None = None) -> None:
        self.data: dict[str, Any] = validate_report(dict(data), str(path or "report"))
        self.path = path

    # -- facts ------------------------------------------------------------------------------
    @property
    def verdict(self) -> str:
        return str(self.data["verdict"])

    @property
    def passed(self) -> bool:
        return self.verdict == "passed"

    @property
    def combined(self) -> bool:
        return is_combined(self.data)

    @property
    def sites(self) -> list[str]:
        return list(site_reports(self.data))

    def site(self, name: str) -> ContractReport:
        """One site's report of a combined report."""
        reports = site_reports(self.data)
        if name not in reports:
            raise KeyError(f"no site {name!r} in this report; sites: {', '.join(reports)}")
        return ContractReport(reports[name], self.path)

    # -- tables -----------------------------------------------------------------------------
    def rules_frame(self) -> pd.DataFrame:
        """One row per site and rule: kind, required, status, passed/failed/skipped counts."""
        rows = [
            {
                "site": site,
                "rule": name,
                "kind": r.get("kind", ""),
                "required": r.get("required", True),
                "status": _site_status(r),
                "passed": r["passed"],
                "failed": r["failed"],
                "skipped": r["skipped"],
                "exercised": r["passed"] + r["failed"] > 0,
            }
            for site, report in site_reports(self.data).items()
            for name, r in report["rules"].items()
        ]
        columns = ["site", "rule", "kind", "required", "status", "passed", "failed", "skipped"]
        return _frame(rows, [*columns, "exercised"])

    to_frame = rules_frame

    def status_frame(self) -> pd.DataFrame:
        """One row per site, operation and status code: documented?, times answered."""
        rows = [
            {
                "site": site,
                "operation": op,
                "status": int(code) if code.isdigit() else code,
                "documented": group == "documented",
                "count": n,
            }
            for site, report in site_reports(self.data).items()
            for op, entry in report["status_codes"].items()
            for group in ("documented", "undocumented")
            for code, n in entry[group].items()
        ]
        return _frame(rows, ["site", "operation", "status", "documented", "count"])

    def failures_frame(self) -> pd.DataFrame:
        """One row per recorded failure: site, rule, operation, test, message, reproduction."""
        rows = [
            {**f, "site": site}
            for site, report in site_reports(self.data).items()
            for f in report["failures"]
            if isinstance(f, dict)
        ]
        columns = ["site", "rule", "operation", "test", "message", "occurrences", "reproduction"]
        return _frame(rows, columns)

    def sites_frame(self) -> pd.DataFrame:
        """One row per site: verdict, faults, requests, duration, rule and test counts."""
        rows = []
        for site, report in site_reports(self.data).items():
            rules = report["rules"].values()
            run, tests = report["run"], report["tests"]
            rows.append(
                {
                    "site": site,
                    "verdict": report["verdict"],
                    "mock_faults": ", ".join(map(str, run.get("mock_faults") or [])),
                    "requests": run.get("requests"),
                    "duration_s": run.get("duration_seconds"),
                    "rules_passed": sum(r["status"] == "passed" for r in rules),
                    "rules_failed": sum(r["status"] == "failed" for r in rules),
                    "required_unexercised": sum(
                        r["required"] and not r["passed"] + r["failed"] for r in rules
                    ),
                    "tests_passed": tests.get("passed"),
                    "tests_failed": tests.get("failed"),
                    "finished": run.get("finished"),
                }
            )
        columns = [
            "site",
            "verdict",
            "mock_faults",
            "requests",
            "duration_s",
            "rules_passed",
            "rules_failed",
            "required_unexercised",
            "tests_passed",
            "tests_failed",
            "finished",
        ]
        return _frame(rows, columns)

    def comparison_frame(self) -> pd.DataFrame:
        """Rules by sites: each rule's status on each site (rules differing first)."""
        reports = site_reports(self.data)
        names: list[str] = []
        for report in reports.values():
            names += [n for n in report["rules"] if n not in names]
        rows = []
        for name in names:
            row: dict[str, Any] = {"rule": name}
            for site, report in reports.items():
                rule = report["rules"].get(name)
                row[site] = _site_status(rule) if rule else "absent"
            row["differs"] = len({row[s] for s in reports}) > 1
            rows.append(row)
        rows.sort(key=lambda r: not r["differs"])
        return _frame(rows, ["rule", *reports, "differs"])

    # -- plots ------------------------------------------------------------------------------
    def plot_rules(self) -> Figure:
        """Bars of each rule's passed, failed and skipped checks, one panel per site.

        The scale is symmetric-logarithmic so that a few failures show next to hundreds of
        passes.
        """
        import matplotlib.pyplot as plt

        reports = site_reports(self.data)
        names: list[str] = []
        for report in reports.values():
            names += [n for n in report["rules"] if n not in names]
        fig, axes = plt.subplots(
            1,
            len(reports),
            figsize=(5 * len(reports) + 2, 0.32 * len(names) + 1.8),
            squeeze=False,
            sharey=True,
        )
        height = 0.27
        for ax, (site, report) in zip(axes[0], reports.items(), strict=True):
            rules = report["rules"]
            for i, (key, colour) in enumerate(
                (("passed", _GREEN), ("failed", _RED), ("skipped", _GREY))
            ):
                values = [float(rules.get(n, {}).get(key, 0)) for n in names]
                ys = [y + (i - 1) * height for y in range(len(names))]
                ax.barh(ys, values, height=height, color=colour, label=key)
            ax.set_yticks(range(len(names)), [_clean(n) for n in names])
            ax.set_xscale("symlog")
            ax.set_title(_clean(f"{site}: {report['verdict']}"))
            ax.set_xlabel("checks (symmetric log scale)")
            ax.set_ylim(len(names) - 0.5, -0.5)
        handles, labels = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="upper right", ncols=3, fontsize="small")
        fig.tight_layout(rect=(0, 0, 1, 0.95))
        plt.close(fig)  # shown once, as the cell's value
        return fig

    def plot_status_codes(self) -> Figure:
        """Bars of how often each operation answered each status code, one panel per site.

        Documented codes never answered are marked in amber, undocumented ones in red.
        """
        import matplotlib.pyplot as plt

        reports = site_reports(self.data)
        fig, axes = plt.subplots(
            1, len(reports), figsize=(6 * len(reports), 3.8), squeeze=False, sharey=True
        )
        for ax, (site, report) in zip(axes[0], reports.items(), strict=True):
            labels: list[str] = []
            values: list[int] = []
            colours: list[str] = []
            for op, entry in report["status_codes"].items():
                method = op.split(" ", 1)[0]
                for group in ("documented", "undocumented"):
                    for code, n in sorted(entry[group].items()):
                        labels.append(_clean(f"{method} {code}"))
                        values.append(n)
                        colours.append(_RED if group == "undocumented" else _GREEN if n else _AMBER)
            xs = list(range(len(labels)))
            ax.bar(xs, values, color=colours)
            unseen = [x for x, n, c in zip(xs, values, colours, strict=True) if c == _AMBER]
            ax.plot(unseen, [0] * len(unseen), "v", color=_AMBER, clip_on=False)
            ax.set_xticks(xs, labels, rotation=70, fontsize="small")
            for tick, colour in zip(ax.get_xticklabels(), colours, strict=True):
                if colour != _GREEN:
                    tick.set_color(colour)
            ax.set_title(_clean(f"{site}: status codes answered"))
            ax.set_ylabel("responses")
        fig.text(
            0.01,
            0.01,
            "green: documented and answered; amber: documented, never answered; red: undocumented",
            fontsize="small",
        )
        fig.tight_layout(rect=(0, 0.05, 1, 1))
        plt.close(fig)  # shown once, as the cell's value
        return fig

    # -- display ----------------------------------------------------------------------------
    def __repr__(self) -> str:
        where = f" {self.path}" if self.path else ""
        return _clean(f"<ContractReport{where}: {self.verdict}, sites {', '.join(self.sites)}>")

    def _repr_html_(self) -> str:
        reports = site_reports(self.data)
        title = f"Contract report{': ' + str(self.path) if self.path else ''}"
        parts = [f"<div><p>{_badge(self.passed)} <strong>{_esc(title)}</strong></p>"]
        site_rows = []
        for site, report in reports.items():
            rules = report["rules"].values()
            run, tests = report["run"], report["tests"]
            unexercised = sum(r["required"] and not r["passed"] + r["failed"] for r in rules)
            site_rows.append(
                [
                    site,
                    _badge(report["verdict"] == "passed", report["verdict"]),
                    ", ".join(map(str, run.get("mock_faults") or [])) or "—",
                    run.get("requests"),
                    f"{tests.get('passed')} passed, {tests.get('failed')} failed,"
                    f" {tests.get('skipped')} skipped",
                    sum(r["status"] == "failed" for r in rules),
                    unexercised,
                ]
            )
        parts.append(
            _table(
                [
                    "Site",
                    "Verdict",
                    "Mock faults",
                    "Requests",
                    "Tests",
                    "Rules failed",
                    "Required rules not exercised",
                ],
                site_rows,
            )
        )
        names: list[str] = []
        for report in reports.values():
            names += [n for n in report["rules"] if n not in names]
        rule_rows = []
        for name in names:
            cells: list[Any] = [_Html(f"<code>{_esc(name)}</code>"), _rule_kind(name)]
            for report in reports.values():
                r = report["rules"].get(name)
                if r is None:
                    cells.append("absent")
                    continue
                counts = f" ({r['passed']}✓ {r['failed']}✗)"
                cells.append(_Html(_status_badge(_site_status(r)) + _esc(counts)))
            rule_rows.append(cells)
        parts.append(_table(["Rule", "Kind", *reports], rule_rows))
        failures = [(s, f) for s, r in reports.items() for f in r["failures"]]
        if failures:
            items = []
            for site, f in failures[:5]:
                where = f"[{site}] " if self.combined else ""
                repro = _pre(f.get("reproduction") or "") if f.get("reproduction") else ""
                items.append(
                    _details(
                        _clean(f"{where}{f.get('rule')}: {f.get('operation')}"),
                        f"<p>{_esc(f.get('message', ''))}</p>{repro}",
                    )
                )
            more = f" (first 5 of {len(failures)})" if len(failures) > 5 else ""
            parts.append(f"<p><strong>Failures{more}:</strong></p>" + "".join(items))
        parts.append("</div>")
        return redact("".join(parts))


def load_report(path: str | Path | None = None) -> ContractReport:
    """Load and validate a report (a file or a report directory; default reports/)."""
    resolved = _resolve_report_path(path)
    return ContractReport(_gate_load_report(resolved), resolved)


def compare_reports(reports: Mapping[str, str | Path | ContractReport]) -> ContractReport:
    """One combined report of single-site reports, each shown under the label given.

    Useful to compare runs of the same site (e.g. the healthy mock and a faulty one).
    """
    parts = []
    for label, value in reports.items():
        report = value if isinstance(value, ContractReport) else load_report(value)
        if report.combined:
            raise ValueError(f"{label}: compare single-site reports, not a combined one")
        data = copy.deepcopy(report.data)
        data["run"]["site"] = label
        parts.append(data)
    return ContractReport(combine(parts))


@dataclass
class ReportIndex:
    """The reports found below a directory."""

    root: Path
    entries: list[dict[str, Any]]

    @property
    def paths(self) -> list[Path]:
        return [self.root / e["path"] for e in self.entries if not e["error"]]

    def load(self, which: int | str = 0) -> ContractReport:
        """Load a listed report by position or by its path relative to the root."""
        if isinstance(which, int):
            return load_report(self.paths[which])
        return load_report(self.root / which)

    def to_frame(self) -> pd.DataFrame:
        """One row per report: path, kind, sites, verdict, finished, error."""
        return _frame(self.entries, ["path", "kind", "sites", "verdict", "finished", "error"])

    def __len__(self) -> int:
        return len(self.entries)

    def __repr__(self) -> str:
        return _clean(f"<ReportIndex {self.root}: {len(self.entries)} reports>")

    def _repr_html_(self) -> str:
        if not self.entries:
            return f"<p>No <code>{JSON_NAME}</code> below <code>{_esc(self.root)}</code>.</p>"
        rows = [
            [
                _Html(f"<code>{_esc(e['path'])}</code>"),
                e["kind"],
                e["sites"],
                _badge(e["verdict"] == "passed", e["verdict"]) if e["verdict"] else "",
                e["finished"],
                e["error"],
            ]
            for e in self.entries
        ]
        return redact(
            f"<div><p><strong>Reports below {_esc(self.root)}</strong></p>"
            + _table(["Path", "Kind", "Sites", "Verdict", "Finished", "Problem"], rows)
            + "</div>"
        )


def list_reports(root: str | Path | None = None) -> ReportIndex:
    """Every ``contract-report.json`` below ``root`` (default: the reports/ directory)."""
    base = _reports_root(root)
    entries = []
    for path in sorted(base.rglob(JSON_NAME)) if base.is_dir() else []:
        entry: dict[str, Any] = {
            "path": str(path.relative_to(base)),
            "kind": "",
            "sites": "",
            "verdict": "",
            "finished": "",
            "error": "",
        }
        try:
            data = _gate_load_report(path)
        except GateInputError as exc:
            entry["error"] = str(exc)
        else:
            entry["kind"] = "combined" if is_combined(data) else "single-site"
            sites = site_reports(data)
            entry["sites"] = ", ".join(sites)
            entry["verdict"] = data["verdict"]
            entry["finished"] = max(str(s["run"].get("finished", "")) for s in sites.values())
        entries.append(entry)
    return ReportIndex(base, entries)


@dataclass
class DemoReports:
    """Two reports of the embedded mock: healthy, and with one fault switched on."""

    healthy: Path
    faulty: Path
    fault: str
    generated: list[str] = field(default_factory=list)

    def comparison(self) -> ContractReport:
        """Both runs as one combined report, sites ``mock`` and ``mock+<fault>``."""
        return compare_reports({"mock": self.healthy, f"mock+{self.fault}": self.faulty})

    def __repr__(self) -> str:
        return _clean(f"<DemoReports healthy={self.healthy} faulty={self.faulty}>")

    def _repr_html_(self) -> str:
        made = ", ".join(self.generated) if self.generated else "none (both already existed)"
        rows = [
            ("healthy mock", _Html(f"<code>{_esc(self.healthy)}</code>")),
            (
                f"mock with fault {self.fault}",
                _Html(f"<code>{_esc(self.faulty)}</code>"),
            ),
            ("fault", f"{self.fault}: {FAULTS[self.fault].description}"),
            ("generated now", made),
        ]
        return redact(
            "<div><p><strong>Demo reports</strong></p>" + _table(["", ""], rows) + "</div>"
        )


def _run_suite(report_dir: Path, fault: str | None, timeout: float) -> None:
    cmd = [sys.executable, "-m", "contract.cli", "run", "--site", "mock", "--profile", "fast"]
    cmd += ["--report-dir", str(report_dir.resolve())]
    if fault:
        cmd += ["--mock-fault", fault]
    report_dir.mkdir(parents=True, exist_ok=True)
    # The demo run is self-contained: options meant for an outer pytest must not reach it.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    done = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, cwd=report_dir.resolve(), env=env
    )
    if done.returncode not in (0, 1) or not (report_dir / JSON_NAME).exists():
        tail = _clean((done.stdout + done.stderr)[-1500:])
        raise RuntimeError(
            f"the contract run into {report_dir} failed ({done.returncode}):\n{tail}"
        )


def ensure_demo_reports(
    directory: str | Path | None = None,
    *,
    fault: str = DEMO_FAULT,
    refresh: bool = False,
    timeout: float = 300,
) -> DemoReports:
    """Make sure two demo reports exist, running the suite against the mock when they do not.

    ``directory`` defaults to ``reports/notebook-demo``; it gets ``healthy/`` (the healthy
    mock) and ``fault-<fault>/`` (the mock with ``fault``). Missing runs go in parallel, each
    ``statuspage-contract run --site mock`` in a subprocess (about 10-20 s).
    """
    check_faults([fault])
    base = Path(directory) if directory is not None else _reports_root() / DEMO_DIR
    runs = {"healthy": (base / "healthy", None), "faulty": (base / f"fault-{fault}", fault)}
    todo = {
        name: (path, flt)
        for name, (path, flt) in runs.items()
        if refresh or not (path / JSON_NAME).exists()
    }
    if todo:
        with ThreadPoolExecutor(max_workers=len(todo)) as pool:
            futures = [pool.submit(_run_suite, p, f, timeout) for p, f in todo.values()]
            for future in futures:
                future.result()
    return DemoReports(
        healthy=runs["healthy"][0] / JSON_NAME,
        faulty=runs["faulty"][0] / JSON_NAME,
        fault=fault,
        generated=list(todo),
    )


# -- the gate -------------------------------------------------------------------------------
@dataclass
class GateResult(GateDecision):
    """:class:`contract.gate.GateDecision` with ``to_frame()`` and redacted HTML."""

    @classmethod
    def of(cls, decision: GateDecision) -> GateResult:
        return cls(**{f.name: getattr(decision, f.name) for f in fields(decision)})

    def to_frame(self) -> pd.DataFrame:
        """One row per gate line: site, status, check, reason, blocking, waiver."""
        rows = [
            {
                "site": line.site,
                "status": line.status,
                "check": line.subject,
                "reason": line.reason,
                "blocking": line.blocking,
                "waiver": line.waiver.reason if line.waiver else "",
            }
            for line in self.lines
        ]
        return _frame(rows, ["site", "status", "check", "reason", "blocking", "waiver"])

    def __repr__(self) -> str:
        return _clean(f"<GateResult {self.summary}>")

    def _repr_html_(self) -> str:
        return redact(super()._repr_html_())


def _as_report_dict(value: str | Path | ContractReport) -> dict[str, Any]:
    if isinstance(value, ContractReport):
        return value.data
    return _gate_load_report(_resolve_report_path(value))


def gate_decision(
    report: str | Path | ContractReport | None = None,
    baseline: str | Path | ContractReport | None = None,
    waivers: str | Path | None = None,
    today: date | None = None,
) -> GateResult:
    """The release gate's decision (``contract.gate``) on a report file, directory or object.

    Raises :class:`contract.gate.GateInputError` on an untrustworthy input, as the CLI does.
    """
    current = _as_report_dict(report if report is not None else _resolve_report_path(None))
    before = _as_report_dict(baseline) if baseline is not None else None
    return GateResult.of(decide(current, baseline=before, waivers=waivers, today=today))
