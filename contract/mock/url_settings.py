"""The mock's URL settings: each organisation's settings, listed, created, updated, deleted.

The app (:mod:`statuspage_contract.mock.app`) routes a request here once it has passed auth,
the rate limit and the permission check, with its body parsed and judged against the
operation's request schema; :class:`UrlSettingsHandler` answers it from the organisation's
``url_settings`` (under the state's lock) as the model says: a url configured twice is a
conflict, an update's body id must be the path's, an unknown id is not found. Ids are
numbered per organisation (UUID-shaped), so replaying a run's requests meets the same ids.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..spec import Contract, Operation
from .state import MockState, Organisation

#: The steps of the answers a fault may skip (mock/hooks.py's ``skips_url_setting_step``):
#: the conflict of a url another setting has (create and update), the not-found of an unknown
#: id (an update then stores it, a delete answers as if it deleted it), and storing an
#: update's change (its answer still shows it).
TAKEN_URL, UNKNOWN_ID, APPLY_UPDATE = "taken-url", "unknown-id", "apply-update"
#: The faults' hooks at that point, as the app resolved them.
Skips = Sequence[Callable[[Contract, str], bool]]


@dataclass(frozen=True, slots=True)
class Answer:
    """What the app sends back: a JSON body (success), none (a delete), or an error message."""

    status: int
    body: Any = None
    message: str | None = None


class UrlSettingsHandler:
    """Answers the URL settings' operations from the organisations' state."""

    def __init__(self, contract: Contract, state: MockState) -> None:
        self.contract = contract
        self.settings = contract.url_settings
        self.state = state
        self.status = self.settings.status
        self._url = self.settings.url_field
        self._names = self.settings.attribute_names
        self._skips: Skips = ()  # set per request, under the state's lock

    def operation(self, method: str, path: str) -> Operation | None:
        """The operation ``method`` names on ``path`` (a URL settings path), or None."""
        item = self.settings.id_in(path) is not None
        wanted = self.settings.item_path_template if item else self.settings.collection_path
        return next(
            (
                op
                for op in self.settings.operations.values()
                if op.path == wanted and op.method == method.upper()
            ),
            None,
        )

    def allowed(self, path: str) -> str:
        """The methods a URL settings path serves (the Allow header of a 405)."""
        item = self.settings.id_in(path) is not None
        wanted = self.settings.item_path_template if item else self.settings.collection_path
        return ", ".join(m for m, op in self.settings.operations.items() if op.path == wanted)

    def handle(
        self, operation: Operation, path: str, data: Any, org: Organisation, skips: Skips = ()
    ) -> Answer:
        """Answer a valid request (``data``: its parsed body, None when it has none;
        ``skips``: the active faults' hooks that may skip a step)."""
        setting_id = self.settings.id_in(path)
        with self.state.lock:
            self._skips = skips
            stored = org.url_settings
            if operation is self.settings.listing:
                items = [self.settings.data(i, attrs) for i, attrs in stored.items()]
                return Answer(operation.success.status, self.settings.list_document(items))
            if operation is self.settings.create:
                attributes = self._attributes(data)
                if self._taken(stored, attributes.get(self._url)) and not self._skip(TAKEN_URL):
                    return self._conflict("a URL setting with this url already exists")
                new_id = self._new_id(org, attributes.get(self._url))
                stored[new_id] = attributes
                return Answer(operation.success.status, self.settings.document(new_id, attributes))
            if setting_id is None:  # pragma: no cover - the app routes only item paths here
                return Answer(self.status.not_found, message="Not Found")
            if operation is self.settings.update:
                return self._update(operation, stored, setting_id, data)
            if stored.pop(setting_id, None) is None and not self._skip(UNKNOWN_ID):  # the delete
                return self._not_found()
            return Answer(operation.success.status)

    @staticmethod
    def _new_id(org: Organisation, url: Any) -> str:
        """A new setting's id: from its url and how many this organisation made with it
        before, so a replay on a fresh mock makes the same ids as the run it reproduces."""
        made = org.url_settings_made
        key = str(url)
        made[key] += 1
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{key}#{made[key]}"))

    def _update(
        self, operation: Operation, stored: dict[str, dict[str, Any]], setting_id: str, data: Any
    ) -> Answer:
        if self.settings.id_of(data) != setting_id:
            return self._conflict("the body's id differs from the id in the path")
        if setting_id not in stored and not self._skip(UNKNOWN_ID):
            return self._not_found()
        changes = self._attributes(data)
        taken = self._taken(stored, changes.get(self._url), but=setting_id)
        if taken and not self._skip(TAKEN_URL):
            return self._conflict("another URL setting has this url")
        changed = {**stored.get(setting_id, {}), **changes}
        if not self._skip(APPLY_UPDATE):
            stored[setting_id] = changed
        return Answer(operation.success.status, self.settings.document(setting_id, changed))

    def _skip(self, step: str) -> bool:
        return any(hook(self.contract, step) for hook in self._skips)

    def _attributes(self, data: Any) -> dict[str, Any]:
        given = self.settings.attributes_of(data) or {}
        return {name: given[name] for name in self._names if name in given}

    def _taken(self, stored: dict[str, dict[str, Any]], url: Any, but: str | None = None) -> bool:
        return url is not None and any(
            attrs.get(self._url) == url for i, attrs in stored.items() if i != but
        )

    def _conflict(self, why: str) -> Answer:
        return Answer(self.status.conflict, message=f"Conflict: {why}")

    def _not_found(self) -> Answer:
        return Answer(self.status.not_found, message="Statuspage URL setting not found")
