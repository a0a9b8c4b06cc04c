"""The suite's state machine over both resources of the model (:mod:`..judging.model`): the
account (``account()``) and the URL settings (``url_settings()``), in any interleaving.

The machine knows the state of each: whether the account exists, which URL settings it
created and holds (and their attributes), which it deleted. Every call is judged by the one
model through ``expect_call(..., resource=...)``: what it may answer in that state. The two
resources are independent, so the model of either is left alone by a call on the other: an
account call that changed the settings shows on the next list (it judges what the machine
holds, :meth:`~..url_scenarios.UrlSettingSteps.expect_listed`), a URL-settings call that
changed the account on the next account call.

Live safety is the URL settings steps' (:class:`~..url_scenarios.UrlSettingSteps`): every write
asks the run's ledger first; the only ids the machine names are those its own creates returned
(deleted ones, for the calls of an unknown id, included); it deletes what it holds at the end
of every example, whatever happened.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    rule,
    run_state_machine_as_test,
)

from ..bad_inputs import bad_create_inputs, materialise
from ..judging import JudgedClient
from ..judging.model import (
    CREATE,
    CREATE_INVALID,
    DELETE,
    LIST,
    READ,
    UPDATE,
    UPDATE_CONFLICTING,
    Presence,
    account,
    succeeded,
)
from ..plan.shapes import MACHINE_SETTINGS, MACHINE_STEPS, machine_examples
from ..scenarios import ensure_no_account, expect_call, expect_unchanged, valid_create_body
from ..url_scenarios import UrlSettingSteps, changed_attributes, new_url, update_body

MODEL = account()
HERE, GONE = Presence.PRESENT, Presence.ABSENT
#: Which of the settings the machine holds (or deleted) a call names: an index, taken modulo.
PICK = st.integers(min_value=0, max_value=MACHINE_SETTINGS - 1)
#: The URL settings' calls of the machine, the model's (and a create with a url a setting
#: has, a call of a setting it deleted), the ones a broken site most often gets wrong first.
TAKEN, DELETED = "create-taken", "call-deleted"
SETTING_CALLS = (UPDATE, TAKEN, LIST, CREATE, UPDATE_CONFLICTING, DELETE, DELETED)


def _whole(body: Callable[..., None]) -> Callable[..., None]:
    """A step that marks the machine unsteady until it ends (a step that raised leaves it so:
    the end of the example then only cleans up)."""

    @functools.wraps(body)
    def step(self: TwoResources, **kwargs: Any) -> None:
        self.steady = False
        body(self, **kwargs)
        self.steady = True

    return step


class TwoResources(RuleBasedStateMachine):
    """The account and the URL settings, each call judged by the model in the state known."""

    client: JudgedClient  # a subclass's, made by :func:`run_machine`

    def __init__(self) -> None:
        super().__init__()
        self.account: Presence | None = GONE
        self.settings = UrlSettingSteps(self.client)
        self.u = self.settings.u
        #: The settings this machine deleted: a call naming one meets an unknown id.
        self.gone: list[str] = []
        #: Whether a call since the last list may have changed what it shows.
        self.unlisted = False
        self.steady = True

    # -- the account ----------------------------------------------------------------------
    @initialize()
    @_whole
    def start_without_an_account(self) -> None:
        ensure_no_account(self.client)
        self.account = GONE

    @initialize()
    @_whole
    def start_with_a_setting(self) -> None:
        """Every example holds a setting from its start (each call on one can come first),
        and meets a conflict: a second create with its url."""
        self.settings.create(new_url(), GONE, what="a URL setting create with a new url")
        self.create_setting(0, taken=True)

    @rule(call=st.sampled_from((CREATE, READ, UPDATE, DELETE)))
    @_whole
    def account_call(self, call: str) -> None:
        """One call on the account, judged by the model in the state the machine knows."""
        self.unlisted = True
        c = self.client
        sent = {
            CREATE: lambda: c.create(valid_create_body()),
            READ: c.get,
            UPDATE: lambda: c.update(valid_create_body()),
            DELETE: c.delete,
        }
        exists = self.account is HERE
        what = {CREATE: f"a create {'while an account exists' if exists else 'without one'}"}
        expect_call(c, call, self.account, sent[call](), what.get(call, ""))
        self.account = MODEL.predicted(call, self.account)

    @rule(bad=st.sampled_from(bad_create_inputs()))
    @_whole
    def create_invalid(self, bad: Any) -> None:
        self.unlisted = True
        rejected = self.client.request(MODEL.call(CREATE_INVALID).method, **materialise(bad))
        allowed = MODEL.expected(CREATE_INVALID, self.account)
        self.client.judge.expect(
            allowed.rule,
            rejected.status in allowed.allowed,
            f"a create whose {bad.why} answered {rejected.status}",
            rejected,
        )
        expect_unchanged(self.client, self.account is HERE, rejected)

    # -- the URL settings -----------------------------------------------------------------
    @rule(kind=st.sampled_from(SETTING_CALLS), which=PICK, other=PICK, flag=st.booleans())
    @_whole
    def setting_call(self, kind: str, which: int, other: int, flag: bool) -> None:
        """One call on the URL settings (``kind``: :data:`SETTING_CALLS`); a call that needs
        a setting held (or deleted) when there is none creates (or deletes) one instead."""
        self.unlisted = True
        if kind == DELETED and not self.gone:
            kind = DELETE
        if kind in (UPDATE, TAKEN, UPDATE_CONFLICTING, DELETE) and not self.settings.mine:
            kind = CREATE
        if kind == LIST:
            self.list_settings()
        elif kind in (CREATE, TAKEN):
            self.create_setting(which, taken=kind == TAKEN)
        elif kind == UPDATE:
            self.update_setting(which, move=flag)
        elif kind == UPDATE_CONFLICTING:
            self.update_setting_in_conflict(which, other, taken=flag)
        elif kind == DELETE:
            self.delete_setting(which)
        else:
            self.call_a_deleted_setting(which, delete=flag)

    def pick(self, which: int) -> str:
        held = sorted(self.settings.mine)
        return held[which % len(held)]

    def list_settings(self) -> None:
        """The list: 200, every setting held as the machine left it, none it deleted."""
        self.settings.expect_listed(gone=tuple(self.gone))
        self.unlisted = False

    def create_setting(self, which: int, taken: bool) -> None:
        """A create with a new url (while the machine holds fewer than it may), or with the
        url of a setting it holds (``taken``)."""
        self.unlisted = True
        if (taken and self.settings.mine) or len(self.settings.mine) >= MACHINE_SETTINGS:
            url = self.settings.mine[self.pick(which)][self.u.url_field]
            self.settings.create(url, HERE, what="a create with the url of an existing setting")
        else:
            self.settings.create(new_url(), GONE, what="a URL setting create with a new url")

    def update_setting(self, which: int, move: bool) -> None:
        """An update of a held setting: its other attributes, and its url when ``move``."""
        self.unlisted = True
        setting = self.pick(which)
        changes = changed_attributes(self.settings.mine[setting])
        if move:
            changes[self.u.url_field] = new_url()
        self.settings.update(setting, HERE, update_body(setting, **changes))

    def update_setting_in_conflict(self, which: int, other: int, taken: bool) -> None:
        """An update of a held setting to another held setting's url (``taken``, when it
        holds two), or whose body names another id: one the machine made, else a new one."""
        self.unlisted = True
        setting = self.pick(which)
        held = [i for i in sorted(self.settings.mine) if i != setting]
        if taken and held:
            url = self.settings.mine[held[other % len(held)]][self.u.url_field]
            body = update_body(setting, **{self.u.url_field: url})
            what = "an update to another setting's url"
        else:
            known = held + self.gone
            named = known[other % len(known)] if known else str(uuid.uuid4())
            body = update_body(named, **changed_attributes(self.settings.mine[setting]))
            what = "an update whose body names another id"
        self.settings.update(setting, HERE, body, UPDATE_CONFLICTING, what)

    def delete_setting(self, which: int) -> None:
        self.unlisted = True
        setting = self.pick(which)
        self.settings.delete(setting, HERE)
        self.gone.append(setting)

    def call_a_deleted_setting(self, which: int, delete: bool) -> None:
        """A second delete, or an update, of a setting the machine deleted: not found."""
        self.unlisted = True
        setting = self.gone[which % len(self.gone)]
        if delete:
            self.settings.delete(setting, GONE, "a second delete of a URL setting")
            return
        changes = {self.u.url_field: new_url()}
        exchange = self.settings.send(
            self.u.update.method, self.u.item_path(setting), update_body(setting, **changes)
        )
        if succeeded(exchange.status):  # the site made it again: the machine holds it now
            self.gone.remove(setting)
            self.settings.mine[setting] = changes
        what = "an update of a deleted URL setting"
        expect_call(self.client, UPDATE, GONE, exchange, what, resource=self.settings.model)

    # -- the end of an example ------------------------------------------------------------
    def teardown(self) -> None:
        """The end of an example that broke nothing: an update of a setting held, a last
        list when a call since the previous one may have changed what it shows, a delete of
        each setting held and a second delete of the last one (not found). So every example
        meets each of the model's URL-settings rules. Whatever happened, nothing stays held."""
        try:
            if self.steady:
                self.steady = False
                if self.settings.mine:
                    self.update_setting(0, move=False)
                if self.unlisted and (self.settings.mine or self.gone):
                    self.settings.expect_listed(gone=tuple(self.gone))
                for setting in sorted(self.settings.mine):
                    self.settings.delete(setting, HERE)
                    self.gone.append(setting)
                if self.gone:
                    last = self.gone[-1]
                    self.settings.delete(last, GONE, "a second delete of a URL setting")
        finally:
            self.settings.clean_up()


def run_machine(client: JudgedClient, current: settings | None = None) -> None:
    """Run :class:`TwoResources` with ``client``: the settings in force (or ``current``), its
    examples and steps as the plan counts them (:func:`~..plan.shapes.machine_examples`)."""
    machine = type(TwoResources.__name__, (TwoResources,), {"client": client})
    current = current or settings()
    run_state_machine_as_test(
        machine,
        settings=settings(
            current,
            max_examples=machine_examples(current.max_examples),
            stateful_step_count=MACHINE_STEPS,
        ),
        _min_steps=MACHINE_STEPS,  # every example its steps: none that stops at its start
    )
