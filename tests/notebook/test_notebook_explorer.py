"""The explorer (contract/notebook/explorer.py): calls, scenario verdicts from the
suite's helpers, live-site safety, and no key in anything it shows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import notebook_helpers as h
import pytest

from statuspage_contract.bad_inputs import bad_create_inputs
from statuspage_contract.judging import Verdict
from statuspage_contract.mock.state import DEMO_API_KEY, DEMO_APP_KEY
from statuspage_contract.notebook import Explorer, MutationNotAllowed, explore, invalid_inputs
from statuspage_contract.redact import REDACTED
from statuspage_contract.sites import resolve_site
from statuspage_contract.spec import with_value
from statuspage_contract.target import Target, TargetError


@pytest.fixture
def ex() -> Iterator[Explorer]:
    with explore() as explorer:
        yield explorer


def test_create_shows_status_verdicts_and_body(ex: Explorer) -> None:
    result = ex.create()
    assert result.status == 201 and result.passed
    page = result._repr_html_()
    assert "201 Created" in page and "PASS" in page
    for verdict in result.verdicts:
        assert f"<code>{verdict.rule}</code>" in page
    assert {"valid-body-accepted", "api-key-masked", "response-schema"} <= {
        v.rule for v in result.verdicts
    }
    assert result.body["data"]["type"] == h.CONTRACT.account_type
    assert "${DD_API_KEY}" in result.curl() and "${DD_APP_KEY}" in result.curl()


def test_scenario_expectations_follow_the_state(ex: Explorer) -> None:
    first = ex.get()
    assert first.status == 404 and first.expectations == []  # nothing to judge yet
    assert ex.create().status == 201
    duplicate = ex.create()
    assert duplicate.status == 409
    assert [v.rule for v in duplicate.expectations] == ["single-account"]
    assert duplicate.passed
    assert ex.get().expectations == [Verdict("rejected-call-no-effect", True, "")]
    assert ex.update().status == 200
    assert ex.delete().status == 204
    after = ex.get()
    assert after.status == 404 and after.expectations == [Verdict("lifecycle-effects", True, "")]
    assert len(ex.history) == 7


def test_a_fault_shows_as_a_failed_verdict() -> None:
    with explore(faults=["accepts-second-create"]) as ex:
        ex.create()
        second = ex.create()
    assert second.status == 201 and not second.passed
    assert [v.rule for v in second.violations] == ["single-account"]
    page = second._repr_html_()
    assert "FAIL" in page and "single-account" in page and "not 409" in page


def test_every_invalid_input_is_rejected_by_the_healthy_mock(ex: Explorer) -> None:
    assert invalid_inputs().ids == [bad.id for bad in bad_create_inputs()]
    for kind in invalid_inputs().ids:
        result = ex.invalid(kind)
        assert result.status == 400, kind
        assert result.passed, (kind, result.violations)
        assert "invalid-body-rejected" in [v.rule for v in result.expectations]


def test_unknown_invalid_input_lists_the_valid_ids(ex: Explorer) -> None:
    with pytest.raises(KeyError, match=r"missing-data\.type"):
        ex.invalid("no-such-input")


def test_without_keys_is_refused(ex: Explorer) -> None:
    result = ex.without_keys()
    assert result.status == 403
    assert Verdict("auth-enforced", True, "") in result.expectations
    assert "DD-API-KEY" not in result.curl()


def test_rate_limited_returns_a_checked_429_and_restores_the_limit(ex: Explorer) -> None:
    result = ex.rate_limited()
    assert result.status == 429 and result.passed
    assert "rate-limit-headers" in [v.rule for v in result.verdicts]
    assert any(h.lower().startswith("x-ratelimit-") for h in result.headers)
    assert ex.target.mock is not None and ex.target.mock.state.rate_limit is None
    assert ex.get().status == 404  # the default organisation is not limited


def test_explore_with_a_rate_limit() -> None:
    with explore(rate_limit=2) as ex:
        statuses = [ex.get().status for _ in range(3)]
        assert statuses == [404, 404, 429]
        assert ex.rate_limited().status == 429
        mock = ex.target.mock
        assert mock is not None and mock.state.rate_limit is not None
        assert mock.state.rate_limit.limit == 2


def test_rate_limit_needs_the_mock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DD_API_KEY", h.key())
    monkeypatch.setenv("DD_APP_KEY", h.key())
    with pytest.raises(ValueError, match="mock only"):
        explore("https://127.0.0.1:9", rate_limit=1)


def test_live_sites_are_read_only_without_allow_mutations() -> None:
    target = Target(resolve_site("datadoghq.eu"), "http://127.0.0.1:9", h.key(), h.key())
    live = Explorer(target)
    assert not live.mutations_allowed
    calls = (live.create, live.update, live.delete, lambda: live.send("post"))
    settings = (
        live.create_setting,
        lambda: live.update_setting("x"),
        lambda: live.delete_setting("x"),
    )
    for call in (*calls, *settings):
        with pytest.raises(MutationNotAllowed, match="allow_mutations=True"):
            call()
    with pytest.raises(RuntimeError, match="needs the embedded mock"):
        live.rate_limited()
    with pytest.raises(RuntimeError, match="needs the embedded mock"):
        live.reset()
    live.close()


def test_live_sites_need_keys(mock_no_key_env: None) -> None:
    with pytest.raises(TargetError, match="DD_API_KEY"):
        explore("datadoghq.eu")


def test_the_demo_keys_never_show(mock_no_key_env: None) -> None:
    with explore() as ex:
        assert (ex.target.api_key, ex.target.app_key) == (DEMO_API_KEY, DEMO_APP_KEY)
        page = ex._repr_html_() + repr(ex)
        results = [ex.create(), ex.get(), ex.without_keys(), ex.rate_limited()]
    assert "not shown" in page
    h.assert_hidden(page, DEMO_API_KEY, DEMO_APP_KEY)
    for result in results:
        h.assert_hidden(h.everything(result), DEMO_API_KEY, DEMO_APP_KEY)


def test_a_returned_key_is_redacted_everywhere() -> None:
    key = h.key()
    with explore(faults=["unmasked-api-key", "error-echoes-api-key"]) as ex:
        created = ex.create(h.body(key))
        conflict = ex.create(h.body(key))
        dd_keys = (ex.target.api_key or "", ex.target.app_key or "")
        history = ex._repr_html_()
    assert not created.passed and "api-key-masked" in [v.rule for v in created.violations]
    assert created.body["data"]["attributes"]["api_key"] == REDACTED
    assert conflict.status == 409 and "no-key-echo" in [v.rule for v in conflict.violations]
    for result in (created, conflict):
        h.assert_hidden(h.everything(result), key, *dd_keys)
    h.assert_hidden(history, key, *dd_keys)
    if h.have_pandas():
        h.assert_hidden(created.to_frame().to_string(), key, *dd_keys)


def test_call_result_and_explorer_frames(ex: Explorer) -> None:
    h.frames_needed()
    result = ex.create()
    frame = result.to_frame()
    assert list(frame.columns) == ["rule", "kind", "passed", "message", "checks"]
    assert len(frame) == len(result.verdicts)
    assert frame.set_index("rule").loc["valid-body-accepted", "kind"] == "scenario"
    assert frame["passed"].all()
    ex.create()
    history = ex.to_frame()
    assert list(history.columns) == ["method", "status", "passed", "broken_rules", "action"]
    assert history["status"].tolist() == [201, 409]


def test_a_live_explorer_never_deletes_an_account_it_did_not_create(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hostile_site import Behaviour, HostileSite

    from statuspage_contract.live.safety import SafetyError
    from statuspage_contract.notebook import SiteStateUncertain

    with HostileSite(Behaviour(exists=True)) as site:
        for name, value in site.env().items():
            monkeypatch.setenv(name, value)
        with explore(site.base_url, allow_mutations=True) as live:
            with pytest.raises(SafetyError, match="did not create"):
                live.delete()
            assert live.get().status == 200
        assert site.original_intact and {e.method for e in site.log} == {"GET"}
    with HostileSite(Behaviour(fail="503")) as site:
        for name, value in site.env().items():
            monkeypatch.setenv(name, value)
        with pytest.raises(SiteStateUncertain, match="answered 503"):
            explore(site.base_url, allow_mutations=True)


def _update_of(setting_id: str) -> dict[str, Any]:
    """The documented update example naming ``setting_id`` in its body."""
    settings = h.CONTRACT.url_settings
    return with_value(settings.request_example("PATCH"), settings.id_path, setting_id)


def test_url_settings_calls_are_judged_by_the_model(ex: Explorer) -> None:
    created = ex.create_setting("https://a.statuspage.io", custom_tags="team:x")
    assert created.status == 201 and created.passed and ex.setting_ids
    one = ex.setting_ids[0]
    steps = [
        ex.create_setting("https://a.statuspage.io"),
        ex.update_setting(one, custom_tags="team:y"),
        ex.update_setting(one, body=_update_of("another-id")),
        ex.list_settings(),
        ex.delete_setting(one),
        ex.delete_setting(one),
        ex.update_setting(one),
        ex.list_settings(),
    ]
    assert [r.status for r in steps] == [409, 200, 409, 200, 204, 404, 404, 200]
    assert all(r.passed for r in steps)
    assert [[v.rule for v in r.expectations] for r in steps] == [
        ["url-setting-conflicts"],
        ["url-setting-effects"],
        ["url-setting-conflicts"],
        ["url-setting-effects"],
        ["url-setting-effects"],
        ["url-setting-not-found"],
        ["url-setting-not-found"],
        ["url-setting-effects"],
    ]
    assert {"response-schema", "documented-status"} <= {v.rule for v in steps[-1].verdicts}
    assert ex.setting_ids == [] and len(ex.history) == 9
    h.assert_hidden(ex._repr_html_(), ex.target.api_key or "", ex.target.app_key or "")


def test_a_url_settings_fault_shows_as_a_failed_verdict() -> None:
    with explore(faults=["url-setting-update-not-stored"]) as ex:
        one = ex.create_setting("https://b.status.io").body["data"]["id"]
        ex.update_setting(one, custom_tags="team:z")
        listed = ex.list_settings()
    assert [v.rule for v in listed.violations] == ["url-setting-effects"]


def test_a_live_explorer_never_touches_a_url_setting_it_did_not_create(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hostile_site import Behaviour, HostileSite

    from statuspage_contract.live.safety import SafetyError

    with HostileSite(Behaviour(settings=("theirs",))) as site:
        for name, value in site.env().items():
            monkeypatch.setenv(name, value)
        with explore(site.base_url, allow_mutations=True) as live:
            assert live.list_settings().status == 200 and live.setting_ids == ["theirs"]
            with pytest.raises(SafetyError, match="did not create"):
                live.delete_setting("theirs")
            mine = live.create_setting("https://mine.statuspage.io").body["data"]["id"]
            assert live.delete_setting(mine).status == 204
        assert site.settings == site.original_settings
