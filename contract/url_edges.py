"""The URL settings' edge inputs: a small, deliberate set of create and update bodies at the
edges of their schemas, sent in one go and each judged by the model's entry
(``judging.model.url_settings``), then one list for what they left.

What the contract expects of each (:data:`Expect`): ``accept``, the schema allows it and its
url is on one of Datadog's hosts (``url_scenarios.HOSTS``): the model's success; ``either``,
the schema allows it but its url is no ordinary status page URL (its length, its host's
spelling): a site may accept it or refuse it (issue 26: the suite judges no host), and each
answer is judged by its own step; ``refuse``, the schema does not allow it: the model's
invalid call. Whatever was accepted the list shows as sent (and the run deletes); whatever
was refused changed nothing. Field names and lengths come from the contract
(``Contract.url_settings``); nothing here spells them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from .edges.values import CHARACTER_EDGES, KIB, filled
from .http.exchange import Exchange
from .judging.model import CREATE, CREATE_INVALID, UPDATE, UPDATE_INVALID, succeeded
from .rules import REJECTED_CALL_NO_EFFECT, URL_SETTING_EFFECTS
from .scenarios import expect_call
from .spec import json_media_type_spellings, with_value
from .spec.url_settings import UrlSettings
from .url_scenarios import GONE, HERE, HOSTS, UrlSettingSteps, create_body, new_url, update_body

Expect = Literal["accept", "either", "refuse"]
#: The member no body of the contract declares (an undeclared-members edge puts it at every
#: level of the body).
UNDECLARED = "contract_edge_undeclared"
#: How many comma-separated items the many-tags edge carries.
MANY_TAGS = 1000
_CHARACTERS = {label: value for label, value, _kind in CHARACTER_EDGES}
NON_ASCII = _CHARACTERS["with non-ASCII letters"]
EMOJI = _CHARACTERS["with emoji"]
#: What an IDN host's first label gets (its characters outside ASCII).
IDN_LABEL = "-bücher-東京"


@dataclass(frozen=True)
class UrlEdge:
    """One create or update body at an edge: its attributes (declared ones only), what the
    contract expects, and how it is sent."""

    label: str
    expect: Expect
    attributes: dict[str, str]
    undeclared: bool = False  # an undeclared member at every level of the body
    content_type: str | None = None  # the Content-Type, when not JSON's plain one
    new: bool = True  # False: the url is too short to be new (a setting may have it)
    #: For an update: which create edge's setting it changes (its index).
    target: int = field(default=-1, compare=False)

    def body(self, u: UrlSettings, setting_id: str | None = None) -> Any:
        """The request body: a create's (None) or an update of ``setting_id``'s."""
        if setting_id is None:
            body = create_body(self.attributes.get(u.url_field, new_url()))
            attributes = u.attributes_of(body) or {}
            body = with_value(body, u.attributes_path, {**attributes, **self.attributes})
        else:
            body = update_body(setting_id, **self.attributes)
        if self.undeclared:
            path: tuple[str, ...] = ()
            for part in ((), *((p,) for p in u.attributes_path)):
                path += part
                body = with_value(body, (*path, UNDECLARED), self.label)
        return body

    def kwargs(self) -> dict[str, Any]:
        return {} if self.content_type is None else {"content_type": self.content_type}


def _min(u: UrlSettings, method: str, name: str) -> int:
    return int(u.attribute_schema(method, name).get("minLength", 0))


def _url(label: str = "", path: str = "", encode: bool = False) -> str:
    """A new url on Datadog's first host, its first label extended (``label``) or
    percent-encoded (``encode``), with ``path``."""
    scheme, rest = new_url(HOSTS[0]).split("://", 1)
    first, host = rest.split(".", 1)
    first = "".join(f"%{b:02X}" for b in first.encode()) if encode else first + label
    return f"{scheme}://{first}.{host}{path}"


def _long_url(size: int) -> str:
    base = _url(path="/")
    return base + filled(size - len(base))


def create_edges(u: UrlSettings) -> list[UrlEdge]:
    """The create bodies at an edge (each with a new url, unless too short to be one)."""
    url = u.url_field
    tags = next(n for n in u.attribute_names if n != url)
    create = u.create.method
    items = ",".join(f"edge{i}:{i}" for i in range(MANY_TAGS))
    return [
        UrlEdge("a url at its minLength", "either", {url: filled(_min(u, create, url))}, new=False),
        UrlEdge("a url of 64 KiB", "either", {url: _long_url(64 * KIB)}),
        UrlEdge("a url on an IDN host", "either", {url: _url(IDN_LABEL)}),
        UrlEdge("a url with a percent-encoded host", "either", {url: _url(encode=True)}),
        UrlEdge("custom tags at their minLength", "accept", {tags: filled(_min(u, create, tags))}),
        UrlEdge("custom tags of 64 KiB", "accept", {tags: filled(64 * KIB)}),
        UrlEdge(f"{MANY_TAGS} comma-separated custom tags", "accept", {tags: items}),
        UrlEdge("undeclared members", "accept", {}, undeclared=True),
    ]


def update_edges(u: UrlSettings) -> list[UrlEdge]:
    """The update bodies at an edge, each naming the accepted create edge it changes (two
    on one setting change different attributes, so the list shows both)."""
    url = u.url_field
    tags = next(n for n in u.attribute_names if n != url)
    update = u.update.method
    below = _min(u, update, tags) - 1
    mark = uuid.uuid4().hex[:8]
    return [
        UrlEdge("a url of 1 KiB", "either", {url: _long_url(KIB)}, target=4),
        UrlEdge(
            "custom tags with non-ASCII letters and emoji",
            "accept",
            {tags: f"team:{NON_ASCII},env:{EMOJI}"},
            target=4,
        ),
        UrlEdge(
            "a url with non-ASCII letters and emoji in its path",
            "either",
            {url: _url(path=f"/{NON_ASCII}/{EMOJI}")},
            target=5,
        ),
        UrlEdge("undeclared members", "accept", {tags: f"run:{mark}"}, undeclared=True, target=5),
        UrlEdge("custom tags below their minLength", "refuse", {tags: filled(below)}, target=6),
        UrlEdge(
            "a Content-Type with a charset parameter",
            "accept",
            {tags: f"edge:{mark}"},
            content_type=json_media_type_spellings()[0],
            target=7,
        ),
    ]


class UrlEdgeRun:
    """Sends the edges through one test's steps and judges each answer, then the list."""

    def __init__(self, steps: UrlSettingSteps) -> None:
        self.steps, self.u = steps, steps.u
        #: What refused calls carried: (the setting's id, None for a create; attributes).
        self.refused: list[tuple[str | None, dict[str, str]]] = []

    def _judged(self, edge: UrlEdge, sent: Exchange, calls: tuple[str, str], state: Any) -> bool:
        """Judge one answer by the model: the valid call's step when the contract expects
        acceptance or the site accepted an ``either``, else the invalid call's."""
        accepted = succeeded(sent.status)
        valid = edge.expect == "accept" or (edge.expect == "either" and accepted)
        what = f"a URL settings edge: {edge.label}"
        steps = self.steps
        expect_call(steps.client, calls[not valid], state, sent, what, resource=steps.model)
        return accepted

    def run(self) -> None:
        """Every create edge, every update edge, one list; then delete what was made."""
        __tracebackhide__ = True
        u, steps = self.u, self.steps
        made: list[str] = []
        for edge in create_edges(u):
            body = edge.body(u)
            sent = steps.send(u.create.method, u.collection_path, body, **edge.kwargs())
            declared = {k: v for k, v in (u.attributes_of(body) or {}).items() if k != UNDECLARED}
            # a url too short to be new may be a setting's: a refusal may be its conflict, an
            # acceptance says it was not (the model's create with a new url)
            state = GONE if edge.new or succeeded(sent.status) else None
            new_id = (
                u.id_of(sent.json)
                if self._judged(edge, sent, (CREATE, CREATE_INVALID), state)
                else None
            )
            if isinstance(new_id, str):
                steps.mine[new_id] = declared
            else:
                self.refused.append((None, declared))
            made.append(new_id if isinstance(new_id, str) else "")
        for edge in update_edges(u):
            setting_id = made[edge.target]
            if not setting_id:  # its create was refused (and judged): nothing to change
                continue
            body = edge.body(u, setting_id)
            sent = steps.send(u.update.method, u.item_path(setting_id), body, **edge.kwargs())
            if self._judged(edge, sent, (UPDATE, UPDATE_INVALID), HERE):
                steps.mine[setting_id].update(edge.attributes)
            else:
                self.refused.append((setting_id, dict(edge.attributes)))
        self.expect_listed()
        for setting_id in list(steps.mine):
            steps.delete(setting_id, HERE, "a URL setting an edge made")

    def expect_listed(self) -> None:
        """One list: nothing a refused call carried is there (the no-effect rule), and every
        setting shows what its accepted calls sent (the effects' rule)."""
        __tracebackhide__ = True
        steps, url = self.steps, self.u.url_field
        exchange, shown = steps.listed()
        kept = []
        for setting_id, attributes in self.refused:
            if setting_id is None:
                kept += [i for i, a in shown.items() if a.get(url) == attributes.get(url)]
            elif any(shown.get(setting_id, {}).get(k) == v for k, v in attributes.items()):
                kept.append(setting_id)
        message = f"the list shows what {len(kept)} refused URL settings call(s) carried"
        steps.client.judge.expect(
            REJECTED_CALL_NO_EFFECT, not kept, "" if not kept else message, exchange
        )
        wrong = [
            i
            for i, attributes in steps.mine.items()
            if i not in shown or any(shown[i].get(k) != v for k, v in attributes.items())
        ]
        message = f"the list does not show {len(wrong)} URL setting(s) as the edges left them"
        steps.client.judge.expect(
            URL_SETTING_EFFECTS, not wrong, "" if not wrong else message, exchange
        )
