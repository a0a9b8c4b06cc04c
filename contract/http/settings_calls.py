"""The URL settings' calls of :class:`~.client.ContractClient` (a mixin: list, create, update,
delete), and the look at them before the run's first write to them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol

from ..live.safety import Ownership, could_change_state
from ..spec import Contract
from .exchange import Exchange

_DEFAULT: Any = object()


class _Guarded(Protocol):
    ownership: Ownership
    before_settings_write: Callable[[Any], None] | None


class SettingsCalls:
    """Calls of the URL settings' four operations (each judged as every answer is)."""

    contract: Contract
    request: Callable[..., Exchange]  # the client's

    def list_settings(self, **kwargs: Any) -> Exchange:
        settings = self.contract.url_settings
        return self.request(settings.listing.method, path=settings.collection_path, **kwargs)

    def create_setting(self, body: Any = _DEFAULT, **kwargs: Any) -> Exchange:
        settings = self.contract.url_settings
        method = settings.create.method
        body = settings.request_example(method) if body is _DEFAULT else body
        return self.request(method, json=body, path=settings.collection_path, **kwargs)

    def update_setting(self, setting_id: str, body: Any = _DEFAULT, **kwargs: Any) -> Exchange:
        settings = self.contract.url_settings
        method = settings.update.method
        body = settings.request_example(method) if body is _DEFAULT else body
        return self.request(method, json=body, path=settings.item_path(setting_id), **kwargs)

    def delete_setting(self, setting_id: str, **kwargs: Any) -> Exchange:
        settings = self.contract.url_settings
        method, path = settings.delete.method, settings.item_path(setting_id)
        return self.request(method, path=path, **kwargs)


def list_settings_first(client: _Guarded, method: str, body: bytes | None, path: str) -> None:
    """Before a mutating run's first request that could change the URL settings, let the
    client's ``before_settings_write`` list them (it raises to stop the run)."""
    ledger, hook = client.ownership, client.before_settings_write
    if ledger.unrestricted or not ledger.mutations or ledger.settings.found is not None:
        return
    if hook is None or not could_change_state(method, body, path):
        return
    client.before_settings_write = None  # once: its own list comes back through here
    try:
        hook(client)
    finally:
        client.before_settings_write = hook


def parsed_body(content: bytes) -> Any:
    """An answer's body as JSON, None when it is none."""
    if not content:
        return None
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
