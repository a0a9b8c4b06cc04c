"""The site a contract run talks to: resolved, started (for the mock) and made safe."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field

from requests.adapters import BaseAdapter

from .errors import TargetError
from .http.loopback import LoopbackAdapter
from .mock.server import (
    BEARER_TOKEN_ENV,
    READ_ONLY_APP_KEY_ENV,
    READ_ONLY_BEARER_TOKEN_ENV,
    MockSite,
)
from .redact import SECRETS
from .sites import Site, check_mock_faults, resolve_site


@dataclass
class Target:
    """One site under test, with its keys and the run's safety settings."""

    site: Site
    base_url: str
    api_key: str | None = field(repr=False)
    app_key: str | None = field(repr=False)
    mock: MockSite | None = None
    allow_mutations: bool = False
    replace_existing_account: bool = False
    existing_account: bool | None = None  # learned by the preflight GET
    notes: list[str] = field(default_factory=list)
    #: An application key of the same organisation that may only read (DD_APP_KEY_READ_ONLY),
    #: for checking that writes are refused; the embedded mock makes its own.
    read_only_app_key: str | None = field(default=None, repr=False)
    #: An OAuth2 access token (DD_BEARER_TOKEN) the run sends as a bearer token in place of
    #: the two keys; on the embedded mock, its default organisation's token.
    bearer_token: str | None = field(default=None, repr=False)
    #: An OAuth2 access token of the same organisation that may only read
    #: (DD_BEARER_TOKEN_READ_ONLY), for checking that writes with it are refused; the
    #: embedded mock makes its own.
    read_only_token: str | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.site.name

    @property
    def is_mock(self) -> bool:
        return self.mock is not None

    @property
    def mutation_skip_reason(self) -> str | None:
        """Why tests that create, change or delete an account may not run, or None."""
        if self.is_mock:
            return None
        if not self.allow_mutations:
            return (
                f"would create, change or delete an account on {self.name}; "
                "pass --allow-mutations to allow it"
            )
        if self.existing_account and not self.replace_existing_account:
            return (
                f"{self.name} already has a Statuspage account; refusing to touch it "
                "(pass --replace-existing-account to allow it)"
            )
        return None

    def transport(self) -> BaseAdapter | None:
        """What a client of this site sends through: the embedded mock's, over
        :class:`LoopbackAdapter`; any other site's (loopback URLs too), through requests'
        default adapter, the path a live site takes."""
        return LoopbackAdapter() if self.is_mock else None

    def stop(self, *, wait: bool = True) -> None:
        """Stop the embedded mock, if any (see :meth:`ThreadedServer.stop` for ``wait``)."""
        if self.mock is not None:
            self.mock.stop(wait=wait)


def open_target(
    site_name: str | None,
    *,
    allow_mutations: bool = False,
    replace_existing_account: bool = False,
    mock_faults: tuple[str, ...] = (),
) -> Target:
    """Resolve ``site_name`` into a ready :class:`Target` (starting the mock if asked)."""
    site = resolve_site(site_name)
    bearer = os.environ.get(BEARER_TOKEN_ENV) or None
    SECRETS.add(bearer)
    if site.is_mock:
        mock = MockSite(faults=mock_faults, bearer_token=bearer).start()
        SECRETS.add(mock.api_key, mock.app_key, mock.bearer_token, mock.read_only_token)
        target = Target(site, mock.base_url, mock.api_key, mock.app_key, mock, True, True, False)
        target.bearer_token = bearer
        return target
    check_mock_faults(mock_faults, [site.name])
    api_key, app_key = os.environ.get("DD_API_KEY") or None, os.environ.get("DD_APP_KEY") or None
    if not bearer and (not api_key or not app_key):
        raise TargetError(
            f"site {site.name} needs DD_API_KEY and DD_APP_KEY (or {BEARER_TOKEN_ENV}) "
            "in the environment"
        )
    read_only = os.environ.get(READ_ONLY_APP_KEY_ENV) or None
    read_only_token = os.environ.get(READ_ONLY_BEARER_TOKEN_ENV) or None
    SECRETS.add(api_key, app_key, read_only, read_only_token)
    assert site.base_url is not None
    target = Target(
        site, site.base_url, api_key, app_key, None, allow_mutations, replace_existing_account
    )
    target.read_only_app_key = read_only
    target.read_only_token = read_only_token
    target.bearer_token = bearer
    return target


def _env_suffix(site: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in site).upper()


def key_variables(site_name: str) -> str:
    """The environment variables that hold a site's keys, in words (:func:`keys_for`)."""
    suffix = _env_suffix(site_name)
    return f"DD_API_KEY and DD_APP_KEY (or DD_API_KEY_{suffix} and DD_APP_KEY_{suffix})"


def keys_for(site_name: str) -> tuple[str | None, str | None]:
    """The DD keys for a site: ``DD_API_KEY_<SITE>`` / ``DD_APP_KEY_<SITE>`` (e.g.
    ``DD_API_KEY_DATADOGHQ_EU``) when set, else ``DD_API_KEY`` / ``DD_APP_KEY``; without
    them, a bearer token (DD_BEARER_TOKEN) will do in their place."""
    suffix = _env_suffix(site_name)
    api = os.environ.get(f"DD_API_KEY_{suffix}") or os.environ.get("DD_API_KEY")
    app = os.environ.get(f"DD_APP_KEY_{suffix}") or os.environ.get("DD_APP_KEY")
    SECRETS.add(api, app)
    if (not api or not app) and not os.environ.get(BEARER_TOKEN_ENV):
        raise TargetError(
            f"site {site_name} needs {key_variables(site_name)}, "
            f"or {BEARER_TOKEN_ENV}, in the environment"
        )
    return api, app


def sentinel_key() -> str:
    """A fresh, distinctive Statuspage api_key (64 hex characters, like Atlassian's keys)."""
    return secrets.token_hex(32)  # test data, not a secret: reproductions show it
