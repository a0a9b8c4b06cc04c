"""The suite's steps on the URL settings: their requests, judged by the model's entry
(``judging.model.url_settings``), what the list shows, and the deletion of what a test made.

A test names the state it knows (is the url taken? is the id a setting's?) and the model
says what the answer may be. Positive urls are on the hosts Datadog names (:data:`HOSTS`),
each new; no other host is ever sent, so none is judged. Every write first asks the run's
safety ledger: a read-only run skips the test, with the ledger's reason.
"""

from __future__ import annotations

import itertools
import json
import uuid
from typing import Any

import pytest

from .http.exchange import Exchange
from .http.settings_calls import list_settings_first
from .judging import JudgedClient
from .judging.model import (
    CREATE,
    DELETE,
    LIST,
    UPDATE,
    Presence,
    Resource,
    succeeded,
    url_settings,
)
from .rules import REJECTED_CALL_NO_EFFECT, URL_SETTING_EFFECTS
from .scenarios import expect_call
from .spec import JSON_MEDIA_TYPE, load_contract, value_at, with_value
from .spec.url_settings import UrlSettings

#: The hosts of a positive url: Datadog's prose (statuspage.com, status.io) and its examples
#: (statuspage.io).
HOSTS = ("statuspage.io", "statuspage.com", "status.io")
_NEXT_HOST = itertools.cycle(HOSTS)
HERE, GONE = Presence.PRESENT, Presence.ABSENT
_UNSET: Any = object()


def new_url(host: str | None = None) -> str:
    """A url no setting has yet, on one of :data:`HOSTS` (in turn, unless ``host``)."""
    return f"https://contract-{uuid.uuid4().hex[:12]}.{host or next(_NEXT_HOST)}"


def facet() -> UrlSettings:
    return load_contract().url_settings


def create_body(url: str, base: Any = _UNSET) -> Any:
    """A create body (the documented example, or ``base``) with ``url`` in place."""
    u = facet()
    body = u.request_example(u.create.method) if base is _UNSET else base
    return with_value(body, (*u.attributes_path, u.url_field), url)


def update_body(setting_id: str, **attributes: str) -> Any:
    """An update body for ``setting_id`` with these attributes (by name) only."""
    u = facet()
    body = with_value(u.request_example(u.update.method), u.id_path, setting_id)
    return with_value(body, u.attributes_path, dict(attributes))


def changed_attributes(attributes: dict[str, Any]) -> dict[str, str]:
    """The attributes other than the url, each a new valid value (what an update changes)."""
    url = facet().url_field
    mark = uuid.uuid4().hex[:8]
    return {name: f"{value},run:{mark}" for name, value in attributes.items() if name != url}


class UrlSettingSteps:
    """One test's calls on the URL settings: each judged by the model, each setting it
    created remembered until a delete of it succeeds (:meth:`clean_up` deletes the rest)."""

    def __init__(self, client: JudgedClient) -> None:
        self.client = client
        self.u = facet()
        self.model: Resource = url_settings()
        #: The settings this test created and has not deleted: id -> attributes sent.
        self.mine: dict[str, dict[str, Any]] = {}

    # -- safety ---------------------------------------------------------------------------
    def skip_unless_writable(self) -> None:
        """Skip the test when the run's ledger would refuse a URL settings write (a mutating
        run lists the settings first, as its client would before the write)."""
        method, path = self.u.create.method, self.u.collection_path
        list_settings_first(
            self.client, method, json.dumps(self.u.request_example(method)).encode(), path
        )
        reason = self.client.ownership.refusal(method, None, path=path)
        if reason:
            pytest.skip(f"URL settings: {reason}")

    # -- requests -------------------------------------------------------------------------
    def send(self, method: str, path: str, body: Any = _UNSET, **kwargs: Any) -> Exchange:
        """One request; ``body``: JSON, or bytes sent as they are (as JSON's media type)."""
        raw: bytes | None = None
        if isinstance(body, bytes | bytearray):
            raw = bytes(body)
            kwargs.update(data=raw, content_type=JSON_MEDIA_TYPE)
        elif body is not _UNSET:
            raw = json.dumps(body).encode()
            kwargs.update(json=body)
        list_settings_first(self.client, method, raw, path)
        reason = self.client.ownership.refusal(method, raw, path=path)
        if reason:
            pytest.skip(f"URL settings: {reason}")
        exchange = self.client.request(method, path=path, **kwargs)
        self._note_created(method, path, exchange, body)
        return exchange

    def _note_created(self, method: str, path: str, exchange: Exchange, body: Any) -> None:
        """Remember a setting a create made (whatever the test expected), forget a deleted one."""
        u = self.u
        if not succeeded(exchange.status):
            return
        if method == u.create.method and path == u.collection_path:
            made = u.id_of(exchange.json)
            if isinstance(made, str):
                self.mine[made] = dict(u.attributes_of(body) or {})
        elif method == u.delete.method:
            self.mine.pop(u.id_in(path) or "", None)

    def create(self, url: str, state: Presence = GONE, base: Any = _UNSET, what: str = "") -> str:
        """Create a setting with ``url`` (``state``: whether a setting has it already); its
        id (empty when none was made)."""
        exchange = self.send(self.u.create.method, self.u.collection_path, create_body(url, base))
        expect_call(self.client, CREATE, state, exchange, what, resource=self.model)
        made = self.u.id_of(exchange.json) if succeeded(exchange.status) else None
        return made if isinstance(made, str) else ""

    def update(
        self, path_id: str, state: Presence, body: Any, call: str = UPDATE, what: str = ""
    ) -> Exchange:
        exchange = self.send(self.u.update.method, self.u.item_path(path_id), body)
        expect_call(self.client, call, state, exchange, what, resource=self.model)
        if succeeded(exchange.status) and path_id in self.mine:
            self.mine[path_id].update(self.u.attributes_of(body) or {})
        return exchange

    def delete(self, setting_id: str, state: Presence, what: str = "") -> Exchange:
        exchange = self.send(self.u.delete.method, self.u.item_path(setting_id))
        expect_call(self.client, DELETE, state, exchange, what, resource=self.model)
        return exchange

    def listed(self, **kwargs: Any) -> tuple[Exchange, dict[str, dict[str, Any]]]:
        """The list (judged: 200 with every setting) and its settings, id -> attributes."""
        exchange = self.send(self.u.listing.method, self.u.collection_path, **kwargs)
        expect_call(self.client, LIST, None, exchange, resource=self.model)
        top = self.u.attributes_path[0]
        items = value_at(exchange.json, (top,), [])
        out: dict[str, dict[str, Any]] = {}
        for item in items if isinstance(items, list) else []:
            found = self.u.id_of({top: item})
            attributes = value_at(item, self.u.attributes_path[1:], {})
            if isinstance(found, str):
                out[found] = attributes if isinstance(attributes, dict) else {}
        return exchange, out

    # -- what the list shows --------------------------------------------------------------
    def expect_listed(self, rule: str = URL_SETTING_EFFECTS, gone: tuple[str, ...] = ()) -> None:
        """The next list shows every setting this test holds with the attributes it sent,
        and none of ``gone`` (``rule``: the effects', or the no-effect rule after a refusal).
        Other settings (a live site's own) are not judged."""
        exchange, shown = self.listed()
        wrong = [
            i
            for i, attrs in self.mine.items()
            if i not in shown or any(shown[i].get(k) != v for k, v in attrs.items())
        ]
        still = [i for i in gone if i in shown]
        message = ""
        if wrong:
            message = f"the list does not show {len(wrong)} setting(s) as this test left them"
        elif still:
            message = f"the list still shows {len(still)} deleted setting(s)"
        self.client.judge.expect(rule, not message, message, exchange)

    def expect_unchanged(self) -> None:
        """After a refused call: the list shows the settings as they were."""
        self.expect_listed(REJECTED_CALL_NO_EFFECT)

    # -- cleanup --------------------------------------------------------------------------
    def clean_up(self) -> None:
        """Delete every setting this test created and did not delete (bookkeeping: a
        broken answer is a finding, not this test's failure)."""
        for setting_id in list(self.mine):
            with self.client.judge.bookkeeping():
                self.client.request(self.u.delete.method, path=self.u.item_path(setting_id))
            self.mine.pop(setting_id, None)
