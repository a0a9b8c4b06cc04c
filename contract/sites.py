"""The registry of targets: Datadog's regional sites, the embedded mock, or any base URL."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import ParseResult, urlparse

from .errors import TargetError, UnknownSiteError

MOCK = "mock"
#: The address the embedded mock, ``serve`` and the proxy listen on unless told otherwise.
LOCALHOST = "127.0.0.1"
#: The port ``statuspage-contract serve`` listens on by default (a mock run's reproductions
#: point there).
SERVE_PORT = 8899
#: The names of this machine the toolkit knows a URL by (no proxy applies to them; a report
#: of the embedded mock has one of them in its base URL).
LOOPBACK_HOSTS = frozenset({LOCALHOST, "localhost", "::1"})
#: Mock faults break the embedded mock: no other site has them.
FAULTS_NEED_THE_MOCK = "--mock-fault applies to --site mock only"


@dataclass(frozen=True)
class Site:
    """A place the contract can be checked against."""

    name: str
    base_url: str | None  # None for the embedded mock: its URL is known once it is started
    ui_host: str | None = None
    on_reference_page: bool = True
    note: str = ""

    @property
    def is_mock(self) -> bool:
        return self.name == MOCK

    @property
    def is_live(self) -> bool:
        """A real Datadog site (as opposed to the mock or an explicit URL)."""
        return self.ui_host is not None


def _datadog(name: str, ui_host: str, *, on_page: bool = True, note: str = "") -> Site:
    return Site(name, f"https://api.{name}", ui_host, on_page, note)


#: The sites of the reference pages' table: the eight of its first order, then uk1 (on the
#: reference pages now, as in Datadog's official clients).
DATADOG_SITES: tuple[Site, ...] = (
    _datadog("ap1.datadoghq.com", "ap1.datadoghq.com"),
    _datadog("ap2.datadoghq.com", "ap2.datadoghq.com"),
    _datadog("datadoghq.eu", "app.datadoghq.eu"),
    _datadog("ddog-gov.com", "app.ddog-gov.com"),
    _datadog("us2.ddog-gov.com", "us2.ddog-gov.com"),
    _datadog("datadoghq.com", "app.datadoghq.com"),
    _datadog("us3.datadoghq.com", "us3.datadoghq.com"),
    _datadog("us5.datadoghq.com", "us5.datadoghq.com"),
    _datadog("uk1.datadoghq.com", "uk1.datadoghq.com"),
)

MOCK_SITE = Site(MOCK, None, note=f"the embedded mock site, started on {LOCALHOST}")


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) is this machine."""
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_mock_faults(faults: Iterable[str], sites: Iterable[str]) -> None:
    """Refuse mock faults unless the one site is the embedded mock (:class:`TargetError`)."""
    if any(True for _ in faults) and list(sites) != [MOCK]:
        raise TargetError(FAULTS_NEED_THE_MOCK)


def site_names() -> list[str]:
    return [MOCK] + [s.name for s in DATADOG_SITES]


def all_sites() -> list[Site]:
    return [MOCK_SITE, *DATADOG_SITES]


def resolve_site(value: str | None = None) -> Site:
    """Turn a site name, UI host, ``mock`` or URL into a :class:`Site`.

    ``None`` means the default: ``DD_SITE`` when set, else the mock.
    """
    origin = ""
    if value is None:
        value, origin = os.environ.get("DD_SITE") or MOCK, " (from DD_SITE)"
    if not value.strip():
        raise UnknownSiteError(
            f"an empty site name{origin}; valid sites: {', '.join(site_names())}, "
            "or an http(s):// URL"
        )
    text = value.strip()
    if text.lower() == MOCK:
        return MOCK_SITE
    if "://" in text:
        try:
            if any(c.isspace() or not c.isprintable() or "\ud800" <= c <= "\udfff" for c in text):
                raise ValueError("spaces, control characters or bytes that are not UTF-8")
            parsed = urlparse(text)
            parsed.port  # noqa: B018 - raises ValueError on a port out of range
            (parsed.hostname or "").encode("idna")
        except (ValueError, UnicodeError) as exc:
            raise UnknownSiteError(f"not a valid http(s) URL: {text!r} ({exc})") from None
        if parsed.username is not None or parsed.password is not None:
            raise UnknownSiteError(
                f"credentials in a site URL are refused ({_without_credentials(parsed)}): they "
                "would be sent to the site and shown in reports; the keys go in DD_API_KEY and "
                "DD_APP_KEY"
            )
        if parsed.scheme not in {"http", "https"} or not parsed.hostname:
            raise UnknownSiteError(f"not an http(s) URL: {text!r}")
        return Site(text.rstrip("/"), text.rstrip("/"), note="explicit base URL")
    key = text.lower().rstrip("/")
    for site in DATADOG_SITES:
        if key in {site.name, site.ui_host, f"api.{site.name}"}:
            return site
    raise UnknownSiteError(
        f"unknown site {text!r}{origin}; valid sites: {', '.join(site_names())}, "
        "or an http(s):// URL"
    )


def _without_credentials(parsed: ParseResult) -> str:
    """The URL with its user information replaced by ``***`` (for messages)."""
    host = parsed.netloc.rpartition("@")[2]
    return parsed._replace(netloc=f"***@{host}").geturl()


#: ``--site all``: the mock and every Datadog site.
ALL = "all"


def expand_sites(values: list[str] | None) -> list[str]:
    """Site options (repeatable, ``all`` allowed; default DD_SITE, else the mock) as the
    resolved site names, in order, without duplicates. Raises UnknownSiteError."""
    raw: list[str | None] = list(values) if values else [None]
    names: list[str] = []
    for value in raw:
        everything = value is not None and value.strip().lower() == ALL
        expanded: list[str | None] = [s.name for s in all_sites()] if everything else [value]
        for name in expanded:
            resolved = resolve_site(name).name
            if resolved not in names:
                names.append(resolved)
    return names
