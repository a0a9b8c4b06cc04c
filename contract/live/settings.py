"""The run's ledger of the URL settings: which ones existed before it, which ones it made.

Ownership goes by *effect*, as the account's does (:mod:`.safety`): an id named by any 2xx
to one of the run's own creates is the run's, whatever else the body says; an id that
appears in a list after one of its creates that named no id (unanswered, or a 2xx without
one) is the run's too. Every other id is someone else's: the ids listed when the run first
looks (:meth:`SettingsLedger.listed`, before its first URL-settings write) and any that
appear later without a create of its own. A run changes or deletes only its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..spec import load_contract


@dataclass
class SettingsLedger:
    """The URL settings' part of a run's ledger (held by ``Ownership.settings``)."""

    #: The ids listed before the run's first URL-settings write (None: not listed yet).
    found: set[str] | None = None
    #: The ids the run created and has not seen gone.
    ours: set[str] = field(default_factory=set)
    #: The ids the run created and a list no longer shows (a second delete may name them).
    gone: set[str] = field(default_factory=set)
    #: Creates sent whose answer named no id yet (no answer, or a 2xx without an id).
    unsettled: int = 0
    events: list[str] = field(default_factory=list)

    # -- before a request ----------------------------------------------------------------
    def refusal(self, method: str, path: str, *, mutations: bool, undoing: bool) -> str | None:
        """Why a request that could change the URL settings may not be sent, or None."""
        settings = load_contract().url_settings
        method = method.upper()
        setting_id = settings.id_in(path)
        if undoing and method == settings.delete.method and setting_id in self.ours:
            return None  # undoing the run's own effect: allowed in every mode
        if not mutations:
            return (
                f"read-only run: refusing {method} that a lenient site could turn into a "
                "change of the URL settings (pass --allow-mutations to allow it)"
            )
        if self.found is None:
            return f"refusing {method} before the run has listed the URL settings"
        if setting_id is None:
            return None if method == settings.create.method else f"refusing {method}"
        if setting_id in self.ours or setting_id in self.gone:
            return None
        return (
            f"refusing {method} of a URL setting this run did not create "
            "(it changes and deletes only the ones it made)"
        )

    def sending(self, method: str, path: str) -> None:
        """Note a request about to be sent (a create is unsettled until its answer)."""
        if self._is_create(method, path):
            self.unsettled += 1

    # -- after a response ----------------------------------------------------------------
    def listed(self, ids: list[str]) -> None:
        """The run's first list of the settings: every id there is someone else's."""
        self.found = set(ids)

    def observe(
        self, method: str, path: str, status: int, body: Any, *, changing: bool, guarded: bool
    ) -> None:
        """Update the ledger from an answer (``body``: parsed JSON, None when it is none;
        ``guarded``: a run whose ledger protects a site, not the embedded mock)."""
        settings = load_contract().url_settings
        ok = 200 <= status < 300
        if self._is_create(method, path):
            self.unsettled = max(0, self.unsettled - 1)
            if not ok:
                return
            created = settings.id_of(body)
            if not isinstance(created, str):
                self.unsettled += 1  # a 2xx naming no id: the next list tells which is ours
                return
            if not changing and guarded and created not in self.ours:
                self.events.append(
                    f"the site accepted a {method.upper()} of a URL setting it must refuse "
                    f"(answered {status}): the setting it made is this run's, so the run "
                    "deletes it"
                )
            self.ours.add(created)
            self.gone.discard(created)
        elif method.upper() == settings.listing.method and path.rstrip("/") == (
            settings.collection_path
        ):
            ids = settings.ids_listed(body) if status == settings.listing.success.status else None
            if ids is not None:
                self._saw(ids)

    def _saw(self, ids: list[str]) -> None:
        shown = set(ids)
        known = self.ours | self.gone | (self.found or set())
        new = shown - known
        if new and self.unsettled:
            self.events.append(
                f"{len(new)} URL setting(s) appeared after a create of this run that named "
                "no id: taken as created by this run, so deleted at the end"
            )
            self.ours |= new
            self.unsettled = 0
        elif new and self.found is not None:
            self.found |= new  # someone else's: never touched
        for setting_id in self.ours - shown:
            self.ours.discard(setting_id)
            self.gone.add(setting_id)

    @property
    def owes_cleanup(self) -> bool:
        """Whether a setting this run created may still exist."""
        return bool(self.ours) or self.unsettled > 0

    def _is_create(self, method: str, path: str) -> bool:
        settings = load_contract().url_settings
        return method.upper() == settings.create.method and (
            path.rstrip("/") == settings.collection_path
        )
