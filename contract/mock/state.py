"""In-memory state of the mock: organisations, their keys, accounts and rate limits."""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..spec import load_contract

#: Permissions a default application key has.
#: Every permission the contract's operations ask for (``x-permission``).
ALL_PERMISSIONS: frozenset[str] = load_contract().permissions

#: Documented demo keys of the default organisation, used when DD_API_KEY / DD_APP_KEY are unset.
DEMO_API_KEY = "mock-api-key-0000000000000000000000"
DEMO_APP_KEY = "mock-app-key-0000000000000000000000000000"
#: The default organisation's documented demo OAuth2 access token (DD_BEARER_TOKEN unset).
DEMO_BEARER_TOKEN = "mock-bearer-token-000000000000000000000"


@dataclass
class Organisation:
    """One Datadog organisation of the mock, with at most one Statuspage account and its URL
    settings."""

    name: str
    api_keys: set[str] = field(default_factory=set)
    app_keys: dict[str, frozenset[str]] = field(default_factory=dict)
    #: OAuth2 access tokens (sent as bearer tokens in place of the keys), with their scopes.
    tokens: dict[str, frozenset[str]] = field(default_factory=dict)
    account_key: str | None = None  # the stored Statuspage api_key (never returned)
    #: The URL settings by id: each one's attributes (mock/url_settings.py).
    url_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: How many URL settings it has made, by url: a setting's id is derived from its url and
    #: that number (mock/url_settings.py), so a run's reproduction meets the same ids when it
    #: is replayed on a fresh mock, whatever the run made before it.
    url_settings_made: Counter[str] = field(default_factory=Counter)
    window_start: float = -math.inf  # no window yet: the first request opens one
    window_count: int = 0


@dataclass(frozen=True)
class RateLimit:
    limit: int
    period: int
    name: str = "statuspage_integration"


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    values: dict[str, str]  # keyed by the header name's last word: limit, period, ...


class MockState:
    """Thread-safe store behind the mock site. Every mutation holds one lock."""

    def __init__(
        self,
        api_key: str,
        app_key: str,
        read_only_app_key: str | None = None,
        bearer_token: str | None = None,
        read_only_token: str | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.organisations: dict[str, Organisation] = {}
        self.rate_limit: RateLimit | None = None
        self._default_keys = (api_key, app_key)
        #: The default organisation's OAuth2 access token, with every permission, if given.
        self._bearer_token = bearer_token
        #: An application key of the default organisation that may only read, if given.
        self._read_only_app_key = read_only_app_key
        #: An OAuth2 access token of the default organisation that may only read, if given.
        self._read_only_token = read_only_token
        self.reset()

    # -- set-up -------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to one default organisation with its keys and no account."""
        with self.lock:
            self.organisations.clear()
            org = self.add_organisation("default")
            org.api_keys.add(self._default_keys[0])
            org.app_keys[self._default_keys[1]] = ALL_PERMISSIONS
            if self._read_only_app_key:
                org.app_keys[self._read_only_app_key] = load_contract().read_permissions
            if self._bearer_token:
                org.tokens[self._bearer_token] = ALL_PERMISSIONS
            if self._read_only_token:
                org.tokens[self._read_only_token] = load_contract().read_permissions

    @property
    def default(self) -> Organisation:
        return self.organisations["default"]

    def add_organisation(self, name: str | None = None) -> Organisation:
        with self.lock:
            name = name or f"org-{secrets.token_hex(4)}"
            if name in self.organisations:
                raise ValueError(f"organisation {name!r} exists")
            org = Organisation(name)
            self.organisations[name] = org
            return org

    def add_api_key(self, org: Organisation, key: str | None = None) -> str:
        key = key or f"api-{secrets.token_hex(16)}"
        with self.lock:
            org.api_keys.add(key)
        return key

    def add_app_key(
        self,
        org: Organisation,
        key: str | None = None,
        permissions: frozenset[str] | set[str] = ALL_PERMISSIONS,
    ) -> str:
        key = key or f"app-{secrets.token_hex(20)}"
        with self.lock:
            org.app_keys[key] = frozenset(permissions)
        return key

    def add_token(
        self,
        org: Organisation,
        token: str | None = None,
        scopes: frozenset[str] | set[str] = ALL_PERMISSIONS,
    ) -> str:
        """An OAuth2 access token of ``org`` granting ``scopes`` (the permissions' names)."""
        token = token or f"token-{secrets.token_hex(20)}"
        with self.lock:
            org.tokens[token] = frozenset(scopes)
        return token

    def new_organisation(
        self, permissions: frozenset[str] | set[str] = ALL_PERMISSIONS
    ) -> tuple[Organisation, str, str]:
        """A fresh organisation with one API key and one application key."""
        org = self.add_organisation()
        return org, self.add_api_key(org), self.add_app_key(org, permissions=permissions)

    # -- lookups ------------------------------------------------------------------------
    def find(
        self, api_key: str | None, app_key: str | None
    ) -> tuple[Organisation, frozenset[str]] | None:
        """The organisation and permissions for a key pair, or None when either is wrong."""
        if not api_key or not app_key:
            return None
        with self.lock:
            for org in self.organisations.values():
                if api_key in org.api_keys and app_key in org.app_keys:
                    return org, org.app_keys[app_key]
        return None

    def find_token(self, token: str | None) -> tuple[Organisation, frozenset[str]] | None:
        """The organisation and scopes of an OAuth2 access token, or None when unknown."""
        if not token:
            return None
        with self.lock:
            for org in self.organisations.values():
                if token in org.tokens:
                    return org, org.tokens[token]
        return None

    # -- rate limiting ------------------------------------------------------------------
    def consume(self, org: Organisation, now: float | None = None) -> RateDecision | None:
        """Count one request against the organisation's window; None when limiting is off."""
        limit = self.rate_limit
        if limit is None:
            return None
        with self.lock:  # read the clock under the lock: windows only ever move forwards
            now = time.monotonic() if now is None else now
            if now - org.window_start >= limit.period:
                org.window_start, org.window_count = now, 0
            org.window_count += 1
            allowed = org.window_count <= limit.limit
            # period - elapsed, not window_start + period - now: the latter rounds to just
            # above the period for some clock values, and the header would say period + 1
            elapsed = max(0.0, now - org.window_start)
            reset = max(1, math.ceil(limit.period - elapsed))
            values = {
                "limit": str(limit.limit),
                "period": str(limit.period),
                "remaining": str(max(0, limit.limit - org.window_count)),
                "reset": str(reset),
                "name": limit.name,
            }
        return RateDecision(allowed, values)

    def set_rate_limit(self, limit: int | None, period: int = 60) -> None:
        with self.lock:
            self.rate_limit = RateLimit(limit, period) if limit else None
            for org in self.organisations.values():
                org.window_start, org.window_count = -math.inf, 0
