"""The URL settings' scenario rules a proxy can judge passively, per set of keys and per id.

For each set of keys (one organisation) the proxy remembers what its calls showed of each URL
setting: the ids a 201 named or a list showed (present, with the attributes last seen), the
ids a 204 or a later list showed gone, and whether it knows every setting (a list answered
and nothing of these keys overlapped or went unanswered since). Each call is then judged by
the model's URL-settings entry (:func:`statuspage_contract.judging.model.url_settings`) in
the state of the item it names:

- an update or a delete of an id known gone must answer 404 (``url-setting-not-found``);
- a create with a url a known setting has, an update whose body id is not the path's or
  whose url another known setting has, must answer 409 (``url-setting-conflicts``);
- an update or a delete of a known setting must succeed, and the next list must show what
  the successes of these keys left: created and updated settings with their attributes,
  deleted ones gone (``url-setting-effects``).

Where it cannot know, nothing is judged: ids it never saw (another client's, or made before
the proxy started), a create whose url it does not see taken (a site may compare urls its own
way), an update that changes the url while not every setting is known, overlapping or
unanswered calls of the same keys (they make everything unknown), answers no step names
(403, 429, a 5xx: the response rules judge those), and 400s (a body the site finds invalid).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..spec import Contract, is_json_media_type, load_contract, loads_json
from ..spec.validators import validator_for
from .model import (
    CREATE,
    CREATE_INVALID,
    DELETE,
    UPDATE,
    UPDATE_CONFLICTING,
    UPDATE_INVALID,
    Presence,
    Resource,
    State,
    succeeded,
    url_settings,
)
from .verdict import Verdict

#: At most this many ids are remembered per set of keys (beyond: everything unknown again),
#: for at most this many sets of keys (the least recently used is forgotten first).
MAX_IDS, MAX_KEYS = 1000, 1000
#: An id longer than this is not remembered (its calls are not judged); an attribute's value
#: longer than this is remembered by its SHA-256 only (equal values, equal digests).
KEEP = 256


@dataclass
class Settings:
    """What the calls of one set of keys showed of its URL settings."""

    present: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> attributes seen
    gone: set[str] = field(default_factory=set)
    complete: bool = False  # every setting is in ``present``
    #: What these keys' successes left, for the next list to show: id -> attributes (None:
    #: deleted).
    pending: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    def state(self, setting_id: str | None) -> State:
        if setting_id in self.present:
            return Presence.PRESENT
        if setting_id in self.gone:
            return Presence.ABSENT
        return None

    def forget(self, setting_id: str | None = None) -> None:
        """Make one setting's state unknown (all of them when ``setting_id`` is None)."""
        if setting_id is None:
            self.present.clear()
            self.gone.clear()
            self.pending.clear()
        else:
            self.present.pop(setting_id, None)
            self.gone.discard(setting_id)
            self.pending.pop(setting_id, None)
        self.complete = False

    def forget_listing(self) -> None:
        """A setting was made that these keys cannot name: not every setting is known."""
        self.complete = False

    def has_url(self, name: str, url: Any, but: str | None = None) -> bool:
        """Whether a known setting other than ``but`` has ``url`` (at attribute ``name``)."""
        return url is not None and any(
            a.get(name) == url for i, a in self.present.items() if i != but
        )


@dataclass
class SettingsSequenceJudge:
    """The URL settings' calls judged per set of keys (call from one thread, the proxy's event
    loop); the proxy's account judge tells whether a call overlapped another of its keys."""

    contract: Contract = field(default_factory=load_contract)
    max_keys: int = MAX_KEYS
    resource: Resource | None = None
    states: dict[tuple[str, str], Settings] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.model = self.resource or url_settings(self.contract)
        u = self.settings = self.contract.url_settings
        self.url = u.url_field
        self.judged = {u.status.conflict, u.status.not_found} | {
            op.success.status for op in u.operations.values()
        }

    def judge(
        self,
        keys: tuple[str, str],
        alone: bool,
        request: tuple[str, str, Mapping[str, str], bytes],
        status: int | None,
        answer: bytes,
    ) -> list[Verdict]:
        """Judge one finished call (``alone``: no other call of these keys overlapped it;
        ``request``: method, path, headers, body; ``status`` None: no answer)."""
        method, path, headers, body = request
        known = self.states.pop(keys, None) or Settings()
        self.states[keys] = known  # most recently used last
        while len(self.states) > self.max_keys:
            del self.states[next(iter(self.states))]
        if not alone or status is None:
            self.states[keys] = Settings()
            return []
        if status not in self.judged:
            return []
        if len(known.present) + len(known.gone) > MAX_IDS:
            known.forget()
        u = self.settings
        setting_id = u.id_in(path)
        if setting_id is not None and len(setting_id) > KEEP:
            return []  # not remembered, so not judged
        if method == u.listing.method and setting_id is None:
            return self._listed(known, status, answer)
        # a body sent as JSON is judged by its schema; any other (none, not JSON, not sent
        # as JSON) is left to the response rules: whether a site may read it is not known
        data = _json(body) if is_json_media_type(headers.get("content-type")) else None
        if data is None and method in (u.create.method, u.update.method):
            return self._unknown(known, method, setting_id, status)
        if method == u.create.method and setting_id is None:
            valid = self._valid(u.create.request_schema, data)
            attributes = self._kept(u.attributes_of(data)) if valid else None
            url = (attributes or {}).get(self.url)
            state = Presence.PRESENT if known.has_url(self.url, url) else None
            verdicts = self._verdict(CREATE if valid else CREATE_INVALID, state, status)
            if succeeded(status):
                self._created(known, answer, attributes or {})
            return verdicts
        if setting_id is None:  # pragma: no cover - operation_at names only these shapes
            return []
        state = known.state(setting_id)
        if method == u.delete.method:
            verdicts = self._verdict(DELETE, state, status)
            if succeeded(status):
                known.present.pop(setting_id, None)
                known.gone.add(setting_id)
                known.pending[setting_id] = None
            return verdicts
        valid = self._valid(u.update.request_schema, data)
        changes = self._kept(u.attributes_of(data)) if valid else {}
        url = changes.get(self.url)
        if not valid:
            call = UPDATE_INVALID
        elif u.id_of(data) != setting_id or known.has_url(self.url, url, but=setting_id):
            call = UPDATE_CONFLICTING
        elif (
            url is None or known.complete or url == known.present.get(setting_id, {}).get(self.url)
        ):
            call = UPDATE
        else:  # a new url a setting these keys do not know may have: a conflict is possible
            call = UPDATE_CONFLICTING if state is Presence.ABSENT else ""
        verdicts = self._verdict(call, state, status) if call else []
        if succeeded(status) and valid:
            left = {**known.present.get(setting_id, {}), **changes}
            known.present[setting_id] = left
            known.gone.discard(setting_id)
            known.pending[setting_id] = left
        elif succeeded(status):  # an invalid body's effect is not known
            known.forget(setting_id)
        return verdicts

    def _unknown(
        self, known: Settings, method: str, setting_id: str | None, status: int
    ) -> list[Verdict]:
        """A create or update whose body is not read: not judged; a success of it makes
        its setting unknown (a create's: a setting these keys cannot name)."""
        if succeeded(status) and setting_id is not None:
            known.forget(setting_id)
        elif succeeded(status):
            known.forget_listing()
        return []

    def _verdict(self, call: str, state: State, status: int) -> list[Verdict]:
        verdict = self.model.verdict(call, state, status)
        return [] if verdict is None else [verdict]

    def _created(self, known: Settings, answer: bytes, attributes: dict[str, Any]) -> None:
        body = _json(answer)
        new_id = self.settings.id_of(body)
        if not isinstance(new_id, str) or len(new_id) > KEEP:
            known.forget_listing()
            return
        shown = self._kept(self.settings.attributes_of(body))
        left = {**attributes, **shown}
        known.present[new_id] = left
        known.gone.discard(new_id)
        known.pending[new_id] = left

    def _listed(self, known: Settings, status: int, answer: bytes) -> list[Verdict]:
        body = _json(answer) if succeeded(status) else None
        ids = self.settings.ids_listed(body)
        if ids is None or body is None:
            return []  # unreadable: the response rules judge it
        top = self.settings.attributes_path[0]
        listed = {
            i: self._kept(self.settings.attributes_of({top: item}))
            for i, item in zip(ids, body[top], strict=True)
        }
        verdicts: list[Verdict] = []
        if known.pending:
            wrong = next(
                (i for i, left in known.pending.items() if not _shows(listed, i, left)), None
            )
            rule = self.model.effect_rule
            if wrong is None:
                verdicts.append(Verdict(rule, True))
            else:
                message = (
                    "the URL settings list shows a setting these keys deleted"
                    if known.pending[wrong] is None
                    else "the URL settings list does not show a setting as the last "
                    "successful create or update of these keys left it"
                )
                verdicts.append(Verdict.broken(rule, message))
        if len(listed) > MAX_IDS or any(len(i) > KEEP for i in listed):
            known.forget()  # more than is remembered
            return verdicts
        known.gone |= set(known.present) - set(listed)
        known.gone -= set(listed)
        known.present = listed
        known.pending = {}
        known.complete = True
        return verdicts

    def _kept(self, attributes: Any) -> dict[str, Any]:
        """The contract's attributes of an attributes object, as they are remembered: long
        values (and any that is no string) by their digest."""
        given = attributes if isinstance(attributes, dict) else {}
        return {n: _fingerprint(given[n]) for n in self.settings.attribute_names if n in given}

    def _valid(self, schema: dict[str, Any] | None, data: Any) -> bool:
        return schema is not None and bool(validator_for(schema).is_valid(data))


def _shows(listed: Mapping[str, dict[str, Any]], setting_id: str, left: Any) -> bool:
    """Whether a list shows ``setting_id`` as ``left`` (None: not at all)."""
    if left is None:
        return setting_id not in listed
    shown = listed.get(setting_id)
    return shown is not None and all(shown.get(k) == v for k, v in left.items())


def _fingerprint(value: Any) -> Any:
    """``value`` itself when a short string, else the SHA-256 of its JSON."""
    if isinstance(value, str) and len(value) <= KEEP:
        return value
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _json(raw: bytes) -> Any:
    try:
        return loads_json(raw) if raw else None
    except (ValueError, RecursionError):
        return None
