"""The URL settings' ledger (statuspage_contract.live.settings): a run changes and deletes only
the settings it made, lists them before its first write, and undoes or cleans up what it made
(driven through ContractClient and Ownership against the served mock)."""

from __future__ import annotations

import json

import pytest
from hostile_site import Behaviour, HostileSite

from statuspage_contract.errors import RunAborted, SafetyError, SiteUnreachable
from statuspage_contract.judging import JudgedClient, judged_client
from statuspage_contract.live.preflight import (
    cleanup,
    list_settings_first,
    preflight_settings,
    undo_effect,
)
from statuspage_contract.live.safety import Ownership, could_change_state
from statuspage_contract.live.settings import SettingsLedger
from statuspage_contract.mock import MockSite
from statuspage_contract.spec import load_contract

SETTINGS = load_contract().url_settings


def _body(host: str) -> dict:
    body = SETTINGS.request_example(SETTINGS.create.method)
    attributes = SETTINGS.attributes_of(body)
    assert attributes is not None
    attributes[SETTINGS.url_field] = f"https://{host}.statuspage.io"
    return body


def _client(site: MockSite, *, mutations: bool = True, unrestricted: bool = False) -> JudgedClient:
    client = judged_client(
        site.base_url,
        site.api_key,
        site.app_key,
        raise_on_violation=False,
        ownership=Ownership(mutations=mutations, unrestricted=unrestricted),
        sleep=lambda s: None,
    )
    client.before_settings_write = lambda c: list_settings_first(c, "mock")
    client.on_effect = undo_effect
    return client


def _listed(site: MockSite) -> set[str]:
    owner = _client(site, unrestricted=True)
    ids = SETTINGS.ids_listed(owner.list_settings().json)
    assert ids is not None
    return set(ids)


@pytest.fixture
def site():
    with MockSite() as served:
        yield served


@pytest.fixture
def existing(site) -> set[str]:
    """Two settings someone else made before the run."""
    owner = _client(site, unrestricted=True)
    for host in ("first", "second"):
        assert owner.create_setting(_body(host)).status == SETTINGS.status.created
    return _listed(site)


def test_a_mutating_run_deletes_what_it_made_and_never_touches_the_rest(site, existing):
    client = _client(site)
    created = client.create_setting(_body("ours"))
    assert created.status == SETTINGS.status.created
    ours = SETTINGS.id_of(created.json)
    # the list came first (before the create), and named the settings found there
    assert client.ownership.settings.found == existing
    assert client.ownership.settings.ours == {ours}
    for setting_id in existing:  # a setting the run did not make: never sent
        sent = client.sent
        with pytest.raises(SafetyError, match="did not create"):
            client.delete_setting(setting_id)
        with pytest.raises(SafetyError, match="did not create"):
            client.update_setting(setting_id)
        assert client.sent == sent
    with pytest.raises(SafetyError, match="did not create"):
        client.delete_setting("an-id-nobody-made")
    assert cleanup(client, "mock") is None
    assert _listed(site) == existing  # the pre-existing ones intact, ours gone
    assert client.ownership.settings.gone == {ours}


def test_a_second_delete_of_its_own_setting_may_be_sent(site, existing):
    client = _client(site)
    ours = SETTINGS.id_of(client.create_setting(_body("ours")).json)
    assert client.delete_setting(ours).status == SETTINGS.status.deleted
    client.list_settings()
    assert client.delete_setting(ours).status == SETTINGS.status.not_found
    assert cleanup(client, "mock") is None
    assert _listed(site) == existing


def test_a_2xx_to_a_create_makes_the_id_ours_whatever_the_body_says():
    ledger = SettingsLedger(found={"theirs"})
    path = SETTINGS.collection_path
    ledger.sending("POST", path)
    broken = SETTINGS.document("made", {})  # no attributes: not what the contract says
    ledger.observe("POST", path, 201, broken, changing=True, guarded=True)
    assert ledger.ours == {"made"} and not ledger.unsettled


def test_a_create_that_names_no_id_is_settled_by_the_next_list():
    ledger = SettingsLedger(found={"theirs"})
    path = SETTINGS.collection_path
    ledger.sending("POST", path)  # no answer at all
    listing = SETTINGS.list_document([SETTINGS.data(i, {}) for i in ("theirs", "new")])
    ledger.observe("GET", path, SETTINGS.status.ok, listing, changing=False, guarded=True)
    assert ledger.ours == {"new"} and ledger.found == {"theirs"}
    assert ledger.events and "taken as created by this run" in ledger.events[0]


def test_a_setting_that_appears_without_a_create_of_the_run_is_someone_elses():
    ledger = SettingsLedger(found=set())
    listing = SETTINGS.list_document([SETTINGS.data("appeared", {})])
    path = SETTINGS.collection_path
    ledger.observe("GET", path, SETTINGS.status.ok, listing, changing=False, guarded=True)
    assert ledger.found == {"appeared"} and not ledger.ours
    reason = ledger.refusal("DELETE", SETTINGS.item_path("appeared"), mutations=True, undoing=True)
    assert reason is not None and "did not create" in reason


@pytest.mark.parametrize("fail", ["500", "429", "401", "timeout", "reset", "bad-200"])
def test_a_failed_list_stops_the_run_before_its_first_write(fail):
    with HostileSite(Behaviour(fail=fail, fail_times=None, stall=2, settings=("x",))) as site:
        client = _hostile_client(site, mutations=True)
        client.timeout, client.rate_retries = 1, 0
        with pytest.raises(RunAborted, match="URL settings"):
            client.create_setting(_body("ours"))
        assert client.ownership.settings.found is None
        assert {e.method for e in site.log} == {"GET"}  # the create was never sent
        assert site.settings == site.original_settings


def test_an_uncertain_list_is_never_taken_for_none(site):
    client = _client(site)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SETTINGS, "ids_listed", lambda body: None)
        reason = preflight_settings(client, "mock")
    assert reason is not None and "uncertain" in reason
    assert client.ownership.settings.found is None
    with pytest.raises(SafetyError, match="before the run has listed"):
        client.ownership.check("POST", json.dumps(_body("x")).encode(), SETTINGS.collection_path)


def test_a_read_only_run_sends_no_setting_write():
    ledger = Ownership()
    path = SETTINGS.collection_path
    valid = json.dumps(_body("x")).encode()
    for method, where, body in (
        ("POST", path, valid),
        ("PATCH", SETTINGS.item_path("x"), valid),
        ("DELETE", SETTINGS.item_path("x"), None),
    ):
        with pytest.raises(SafetyError, match="read-only run"):
            ledger.check(method, body, where)
    assert not ledger.check("GET", None, path)
    # a create whose body is no JSON object names no url: a read-only run may send it
    assert not could_change_state("POST", b"not json", path)
    assert could_change_state("POST", b"{}", path)


def _hostile_client(site: HostileSite, *, mutations: bool) -> JudgedClient:
    client = judged_client(
        site.base_url,
        site.api_key,
        site.app_key,
        raise_on_violation=False,
        ownership=Ownership(mutations=mutations),
        sleep=lambda s: None,
    )
    client.before_settings_write = lambda c: list_settings_first(c, "hostile")
    client.on_effect = undo_effect
    return client


def test_a_read_only_run_undoes_at_once_a_setting_the_site_wrongly_made():
    with HostileSite(Behaviour(lenient=True, settings=("theirs",))) as site:
        client = _hostile_client(site, mutations=False)
        not_json = client.request(
            "POST", data=b"no json", content_type="text/plain", path=SETTINGS.collection_path
        )
        assert not_json.status == SETTINGS.status.created  # wrongly accepted
        ledger = client.ownership.settings
        assert not ledger.ours and len(ledger.gone) == 1  # undone at once, and checked
        assert any("undid it: the URL setting" in e for e in client.ownership.events)
        assert set(site.settings) == {"theirs"}
        assert [e.method for e in site.log] == ["POST", "GET", "DELETE", "GET"]
        assert any("accepted a POST of a URL setting" in e for e in client.ownership.events)
        assert cleanup(client, "hostile") is None


def test_on_a_hostile_site_the_run_deletes_only_its_own():
    with HostileSite(Behaviour(settings=("theirs", "also-theirs"))) as site:
        client = _hostile_client(site, mutations=True)
        made = SETTINGS.id_of(client.create_setting(_body("ours")).json)
        with pytest.raises(SafetyError):
            client.delete_setting("theirs")
        with pytest.raises(SafetyError):
            client.delete_setting("an-id-nobody-made")
        assert cleanup(client, "hostile") is None
        assert site.settings == site.original_settings
        touched = [e for e in site.effects() if e.on_original]
        assert not touched
        deletes = [e.path for e in site.log if e.method == "DELETE"]
        assert deletes == [SETTINGS.item_path(made)]


def test_what_could_not_be_deleted_is_said_in_the_left_behind_line():
    with HostileSite(Behaviour(fail="500", fail_at=3, fail_times=None)) as site:
        client = _hostile_client(site, mutations=True)
        made = SETTINGS.id_of(client.create_setting(_body("ours")).json)  # list, create
        left = cleanup(client, "hostile", sleep=lambda s: None)
        assert left is not None and left.startswith("left behind on hostile: the URL settings")
        assert made in left and "delete it yourself" in left
        assert made in site.settings


def test_a_create_that_got_no_answer_is_found_by_the_list_and_deleted():
    # the list (1) is answered; the create (2) is acted on, its answer lost
    with HostileSite(Behaviour(fail="timeout", fail_at=2, stall=2, settings=("theirs",))) as site:
        client = _hostile_client(site, mutations=True)
        client.timeout = 1
        with pytest.raises(SiteUnreachable):
            client.create_setting(_body("ours"))
        made = set(site.settings) - {"theirs"}
        assert len(made) == 1 and client.ownership.settings.unsettled == 1
        assert cleanup(client, "hostile", sleep=lambda s: None) is None
        assert site.settings == site.original_settings
        assert any("taken as created by this run" in e for e in client.ownership.events)
        deletes = [e.path for e in site.log if e.method == "DELETE"]
        assert deletes == [SETTINGS.item_path(made.pop())]


@pytest.mark.parametrize("fail", ["500", "429", "reset"])
def test_cleanup_holds_under_a_failing_answer_and_tries_again(fail):
    # list (1), create (2); then the cleanup's first list fails, the next round works
    behaviour = Behaviour(fail=fail, fail_at=3, fail_times=1, settings=("theirs",))
    with HostileSite(behaviour) as site:
        client = _hostile_client(site, mutations=True)
        client.rate_retries = 0
        client.create_setting(_body("ours"))
        assert cleanup(client, "hostile", sleep=lambda s: None) is None
        assert site.settings == site.original_settings
