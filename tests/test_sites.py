"""The site registry: Datadog's regional sites, the mock, explicit URLs and DD_SITE."""

from __future__ import annotations

import pytest

from statuspage_contract.sites import (
    DATADOG_SITES,
    MOCK,
    MOCK_SITE,
    UnknownSiteError,
    all_sites,
    expand_sites,
    resolve_site,
    site_names,
)

#: The "Datadog site" column of the reference page's table, with its API hosts.
REFERENCE_PAGE = {
    "ap1.datadoghq.com": "https://api.ap1.datadoghq.com",
    "ap2.datadoghq.com": "https://api.ap2.datadoghq.com",
    "app.datadoghq.eu": "https://api.datadoghq.eu",
    "app.ddog-gov.com": "https://api.ddog-gov.com",
    "us2.ddog-gov.com": "https://api.us2.ddog-gov.com",
    "app.datadoghq.com": "https://api.datadoghq.com",
    "us3.datadoghq.com": "https://api.us3.datadoghq.com",
    "us5.datadoghq.com": "https://api.us5.datadoghq.com",
}


@pytest.fixture(autouse=True)
def _no_dd_site(monkeypatch):
    monkeypatch.delenv("DD_SITE", raising=False)


@pytest.mark.parametrize(("ui_host", "base_url"), REFERENCE_PAGE.items())
def test_every_reference_page_site_resolves_to_its_api_host(ui_host, base_url):
    site = resolve_site(ui_host)
    assert site.base_url == base_url
    assert site.ui_host == ui_host
    assert site.on_reference_page
    assert site.is_live and not site.is_mock


@pytest.mark.parametrize("site", DATADOG_SITES, ids=lambda s: s.name)
def test_every_datadog_site_maps_its_name_to_https_api_dot_name(site):
    assert site.base_url == f"https://api.{site.name}"
    assert resolve_site(site.name) is site


def test_the_registry_holds_the_reference_page_sites_in_the_pages_order_then_uk1():
    assert [s.ui_host for s in DATADOG_SITES] == [*REFERENCE_PAGE, "uk1.datadoghq.com"]


@pytest.mark.parametrize(
    ("ui_host", "base_url"),
    [
        ("app.datadoghq.eu", "https://api.datadoghq.eu"),
        ("app.datadoghq.com", "https://api.datadoghq.com"),
    ],
)
def test_a_ui_host_is_accepted_for_its_site(ui_host, base_url):
    assert resolve_site(ui_host).base_url == base_url


@pytest.mark.parametrize(
    "spelling", ["api.datadoghq.eu", "DATADOGHQ.EU", "  app.datadoghq.eu  ", "datadoghq.eu/"]
)
def test_other_spellings_of_a_site_are_accepted(spelling):
    assert resolve_site(spelling).base_url == "https://api.datadoghq.eu"


def test_uk1_is_on_the_reference_pages_now_with_no_note_saying_otherwise():
    site = resolve_site("uk1.datadoghq.com")
    assert site.base_url == "https://api.uk1.datadoghq.com"
    assert site.on_reference_page and not site.note
    assert all(s.on_reference_page for s in DATADOG_SITES)


@pytest.mark.parametrize("name", ["mock", "MOCK", " mock "])
def test_mock_names_the_embedded_mock_whose_url_is_known_once_started(name):
    site = resolve_site(name)
    assert site is MOCK_SITE
    assert site.is_mock and not site.is_live
    assert site.base_url is None


@pytest.mark.parametrize(
    ("url", "base_url"),
    [
        ("http://127.0.0.1:8899", "http://127.0.0.1:8899"),
        ("https://staging.example.com/", "https://staging.example.com"),
        ("http://localhost:1234/prefix/", "http://localhost:1234/prefix"),
    ],
)
def test_an_explicit_http_url_is_its_own_site(url, base_url):
    site = resolve_site(url)
    assert site.base_url == base_url
    assert site.name == base_url
    assert not site.is_mock and not site.is_live


@pytest.mark.parametrize("url", ["ftp://example.com", "file:///etc/passwd", "http://", "https://"])
def test_a_url_that_is_not_http_or_https_with_a_host_is_rejected(url):
    with pytest.raises(UnknownSiteError, match="not an http"):
        resolve_site(url)


def test_without_a_site_dd_site_is_the_default(monkeypatch):
    monkeypatch.setenv("DD_SITE", "datadoghq.eu")
    assert resolve_site(None).base_url == "https://api.datadoghq.eu"


def test_without_a_site_or_dd_site_the_mock_is_the_default(monkeypatch):
    monkeypatch.delenv("DD_SITE", raising=False)
    assert resolve_site(None) is MOCK_SITE


def test_an_explicit_site_wins_over_dd_site(monkeypatch):
    monkeypatch.setenv("DD_SITE", "datadoghq.eu")
    assert resolve_site("us5.datadoghq.com").base_url == "https://api.us5.datadoghq.com"


@pytest.mark.parametrize("value", ["datadoghq.org", "us4.datadoghq.com", "eu", "app.datadoghq"])
def test_an_unknown_site_is_rejected_with_a_one_line_message_listing_the_valid_names(value):
    with pytest.raises(UnknownSiteError) as caught:
        resolve_site(value)
    message = str(caught.value)
    assert "\n" not in message
    assert repr(value) in message
    for name in site_names():
        assert name in message
    assert "http(s)://" in message


def test_an_unknown_site_error_is_a_value_error():
    assert issubclass(UnknownSiteError, ValueError)


def test_site_names_are_mock_then_the_nine_datadog_sites():
    assert site_names() == [MOCK, *(s.name for s in DATADOG_SITES)]
    assert len(DATADOG_SITES) == 9
    assert [s.name for s in all_sites()] == site_names()


def test_expand_sites_resolves_dedupes_and_expands_all(monkeypatch):
    from statuspage_contract.sites import all_sites, expand_sites

    monkeypatch.delenv("DD_SITE", raising=False)
    assert expand_sites(None) == ["mock"]
    assert expand_sites(["app.datadoghq.eu", "datadoghq.eu", "mock"]) == ["datadoghq.eu", "mock"]
    assert expand_sites(["all"]) == [s.name for s in all_sites()]
    monkeypatch.setenv("DD_SITE", "us3.datadoghq.com")
    assert expand_sites([]) == ["us3.datadoghq.com"]


def test_an_empty_site_is_an_error_not_the_default() -> None:
    with pytest.raises(UnknownSiteError, match="an empty site name"):
        resolve_site("")
    with pytest.raises(UnknownSiteError, match="an empty site name"):
        expand_sites(["  "])


def test_an_unknown_site_from_dd_site_says_where_it_came_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DD_SITE", "datadoghq.nowhere")
    with pytest.raises(UnknownSiteError, match=r"'datadoghq.nowhere' \(from DD_SITE\)"):
        expand_sites(None)
