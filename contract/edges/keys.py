"""The keys an auth edge sends in each header (statuspage_contract.edges.judge)."""

from __future__ import annotations

from typing import Any

from ..judging import JudgedClient
from ..spec import load_contract
from ..target import Target, sentinel_key
from .model import KeyUse


class EdgeKeys:
    """Fills an auth edge's headers from the client's own keys, an unknown key, none, or
    (the embedded mock only) an application key that may only read."""

    def __init__(self, client: JudgedClient, target: Target) -> None:
        self.client, self.target = client, target
        self._reader: str | None = None

    def fill(self, use: KeyUse, header: str) -> Any:
        """The value of the ``header`` ("api" or "app") key header for ``use``."""
        own = self.client.api_key if header == "api" else self.client.app_key
        other = self.client.app_key if header == "api" else self.client.api_key
        if use == "own":
            return own
        if use == "none":
            return None
        if use == "swapped":
            return other
        if use == "reader":
            return self.reader_key()
        return sentinel_key()

    def reader_key(self) -> str:
        """An application key of the client's organisation with only the read permissions
        (the embedded mock's controls)."""
        mock = self.target.mock
        assert mock is not None, "reader edges are derived for the mock only"
        if self._reader is None:
            self._reader = mock.add_app_key(
                mock.default_organisation, permissions=load_contract().read_permissions
            )
        return self._reader
