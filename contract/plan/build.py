"""A site's request plan: what the collected suite tests would send to it, by class and
method, with upper bounds, the request budget and the keys it needs — worked out with nothing
sent (``statuspage-contract run --plan``), and the yardstick a run's requests are held to.

Each test's shape comes from :mod:`.shapes`; the tests a run skips on that site (``mutating``
without ``--allow-mutations``, ``mock_only`` on a live site) plan nothing. Every request may
be retried on a 429 (the client's ``rate_retries``), and the bounds add what the run sends
of its own: the preflight GET, a GET after a request that got no answer, and on a live site
the owned cleanup (and, in a read-only run, the undoing of an accepted write at once).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..live.safety import CLEANUP, READ, REQUEST_CLASSES
from .shapes import DELETE, GET, SHAPES, Conditions, Tally

PLAN_FORMAT = "statuspage-contract-plan"
PLAN_VERSION = 1
PLAN_NAME = "plan.json"


@dataclass(frozen=True)
class PlannedTest:
    """A collected test, as the plan sees it."""

    nodeid: str
    function: str
    params: dict[str, Any] = field(default_factory=dict)
    mutating: bool = False
    mock_only: bool = False
    suite: bool = True  # a test of the shipped suite (others are not planned)


@dataclass(frozen=True)
class RunSettings:
    """The flags of the run that decide its requests."""

    profile: str
    examples: int
    shrinking: bool
    mutations: bool = False
    replace: bool = False
    request_budget: int | None = None  # as given (None: the profile's, 0: unlimited)
    example_db: bool = False


def _rate_retries() -> int:
    from ..http.client import ClientConfig

    return ClientConfig().rate_retries


def _keys(site: str, is_mock: bool) -> dict[str, Any]:
    """Which keys the run would need (never their values)."""
    from ..mock.server import READ_ONLY_APP_KEY_ENV, READ_ONLY_BEARER_TOKEN_ENV
    from ..target import TargetError, key_variables, keys_for

    if is_mock:
        return {"needed": None, "set": True, "read_only": None}
    try:
        keys_for(site)
        present = True
    except TargetError:
        present = False
    return {
        "needed": key_variables(site),
        "set": present,
        "read_only": f"{READ_ONLY_APP_KEY_ENV}, {READ_ONLY_BEARER_TOKEN_ENV} (optional: the "
        "read-only key's and token's tests)",
    }


def build_plan(site: str, tests: Iterable[PlannedTest], settings: RunSettings) -> dict[str, Any]:
    """The plan of one site's run, JSON-ready."""
    import os

    from ..mock.server import READ_ONLY_APP_KEY_ENV, READ_ONLY_BEARER_TOKEN_ENV
    from ..pytest_plugin.options import LIVE_BUDGETS
    from ..sites import resolve_site
    from ..spec import load_contract

    is_mock = resolve_site(site).is_mock
    conditions = Conditions(
        is_mock=is_mock,
        mutations=is_mock or settings.mutations,
        examples=settings.examples * (2 if settings.example_db else 1),
        read_only_key=bool(os.environ.get(READ_ONLY_APP_KEY_ENV)),
        read_only_token=bool(os.environ.get(READ_ONLY_BEARER_TOKEN_ENV)),
    )
    suite: Tally = Counter()
    sending = skipped = 0
    unplanned: list[str] = []
    collected = list(tests)
    for test in collected:
        if not test.suite:
            unplanned.append(f"{test.nodeid}: not a test of the shipped suite")
            continue
        shape = SHAPES.get(test.function)
        if shape is None:
            unplanned.append(f"{test.nodeid}: no request shape (statuspage_contract.plan.shapes)")
            continue
        if (test.mock_only and not is_mock) or (test.mutating and not conditions.mutations):
            skipped += 1
            continue
        examples, per_example = shape(test.params, conditions)
        if not examples or not per_example:
            skipped += 1
            continue
        sending += 1
        for key, n in per_example.items():
            suite[key] += n * examples
    bounded = not settings.shrinking
    at_most = _at_most(suite, is_mock=is_mock, mutations=conditions.mutations)
    budget = settings.request_budget
    if budget is None:
        budget = None if is_mock else LIVE_BUDGETS[settings.profile]
    contract = load_contract()
    lines = []
    for cls in REQUEST_CLASSES:
        for method in contract.operations:
            n, bound = suite.get((cls, method), 0), at_most.get((cls, method), 0)
            if n or bound:
                lines.append(
                    {
                        "class": cls,
                        "method": method,
                        "operation": contract.operation(method).label,
                        "suite": n,
                        "at_most": bound if bounded else None,
                    }
                )
    return {
        "site": site,
        "site_kind": "mock" if is_mock else "live",
        "profile": settings.profile,
        "examples": settings.examples,
        "shrinking": settings.shrinking,
        "example_db": settings.example_db,
        "mutations_allowed": conditions.mutations,
        "replace_existing_account": settings.replace,
        "request_budget": budget or None,
        "keys": _keys(site, is_mock),
        "tests": {"collected": len(collected), "sending": sending, "skipped": skipped},
        "unplanned": unplanned,
        "requests": lines,
        "allowances": _allowances(is_mock, conditions.mutations, bounded),
    }


def _at_most(suite: Tally, *, is_mock: bool, mutations: bool) -> Tally:
    """The suite's requests with what the run adds of its own, each retried on a 429, plus
    a GET after each request that got no answer."""
    from ..live.preflight import CLEANUP_ATTEMPTS

    own: Tally = Counter(suite)
    own[READ, GET] += 1  # the preflight
    if not is_mock:
        rounds = CLEANUP_ATTEMPTS
        undoings = 0 if mutations else sum(n for (c, m), n in suite.items() if m != GET)
        own[CLEANUP, DELETE] += rounds * (1 + undoings)  # undo an accepted write, then at end
        own[READ, GET] += 2 * rounds * (1 + undoings)  # a GET before and after each DELETE
    tries = 1 + _rate_retries()
    out: Tally = Counter({key: n * tries for key, n in own.items()})
    out[READ, GET] += sum(out.values())  # a probe after a request with no answer
    return out


def _allowances(is_mock: bool, mutations: bool, bounded: bool) -> list[str]:
    out = [
        "the preflight GET",
        f"up to {_rate_retries()} retries of each request answered 429",
        "a GET after each request that got no answer",
    ]
    if not is_mock:
        out.append("the owned cleanup at the end (DELETE, and a GET before and after each)")
        if not mutations:
            out.append("undoing at once a write the site accepted though it must refuse it")
    if not bounded:
        out.append("no upper bound: the profile shrinks failing examples (each shrink resends)")
    return out
