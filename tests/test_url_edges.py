"""The URL settings' edge inputs: each body is what its expectation says of the schema, the
values sit where their labels say, and only the ordinary urls are on Datadog's hosts."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from statuspage_contract.edges.values import KIB
from statuspage_contract.spec import load_contract
from statuspage_contract.spec.validators import schema_errors
from statuspage_contract.url_edges import (
    UNDECLARED,
    UrlEdge,
    create_edges,
    update_edges,
)
from statuspage_contract.url_scenarios import HOSTS

U = load_contract().url_settings
CREATES, UPDATES = create_edges(U), update_edges(U)


def _bodies() -> list[tuple[str, UrlEdge, object]]:
    out: list[tuple[str, UrlEdge, object]] = [(U.create.method, e, e.body(U)) for e in CREATES]
    out += [(U.update.method, e, e.body(U, "setting-id")) for e in UPDATES]
    return out


@pytest.mark.parametrize(
    ("method", "edge", "body"), _bodies(), ids=lambda v: getattr(v, "label", "")
)
def test_each_body_is_valid_unless_it_is_to_be_refused(method, edge, body) -> None:
    errors = schema_errors(body, U.operations[method].request_schema or {})
    assert bool(errors) == (edge.expect == "refuse"), (edge.label, errors)


def test_only_an_ordinary_url_on_datadogs_hosts_is_expected_to_be_accepted() -> None:
    """An accepted create's url is new, short and on a host Datadog names; every unusual url
    is left to the site (either answer)."""
    for edge in CREATES + UPDATES:
        url = U.attributes_of(edge.body(U))[U.url_field] if edge in CREATES else None
        unusual = edge.attributes.get(U.url_field)
        if edge.expect == "accept":
            assert unusual is None, edge.label
            if url is not None:
                assert urlsplit(url).hostname.split(".", 1)[1] in HOSTS
        elif unusual is not None:
            assert edge.expect == "either", edge.label


def test_the_lengths_are_the_schemas_and_the_labels() -> None:
    by_label = {e.label: e for e in CREATES + UPDATES}
    url, tags = U.url_field, next(n for n in U.attribute_names if n != U.url_field)
    minimum = U.attribute_schema(U.create.method, url)["minLength"]
    assert len(by_label["a url at its minLength"].attributes[url]) == minimum
    assert len(by_label["a url of 64 KiB"].attributes[url]) == 64 * KIB
    assert len(by_label["a url of 1 KiB"].attributes[url]) == KIB
    assert len(by_label["custom tags of 64 KiB"].attributes[tags]) == 64 * KIB
    below = by_label["custom tags below their minLength"].attributes[tags]
    assert len(below) == U.attribute_schema(U.update.method, tags)["minLength"] - 1


def test_hosts_are_spelled_as_their_labels_say() -> None:
    by_label = {e.label: e.attributes[U.url_field] for e in CREATES if U.url_field in e.attributes}
    idn = urlsplit(by_label["a url on an IDN host"]).hostname or ""
    assert not idn.isascii() and idn.endswith(HOSTS[0])
    encoded = by_label["a url with a percent-encoded host"]
    assert encoded.split("://", 1)[1].startswith("%")


def test_an_undeclared_member_stands_at_every_level_and_updates_name_made_settings() -> None:
    edge = next(e for e in CREATES if e.undeclared)
    body = edge.body(U)
    node = body
    for part in ((), *((p,) for p in U.attributes_path)):
        node = node[part[0]] if part else node
        assert UNDECLARED in node
    accepted = [i for i, e in enumerate(CREATES) if e.expect == "accept"]
    assert {e.target for e in UPDATES} <= set(accepted)
