"""The passive URL-settings rules (contract/judging/settings_sequence.py: the proxy's and the
explorer's), per set of keys and per id, read off the resource model's URL-settings entry
(contract/judging/model.py)."""

from __future__ import annotations

import json
from typing import Any

from statuspage_contract.judging import Verdict
from statuspage_contract.judging.settings_sequence import KEEP, SettingsSequenceJudge
from statuspage_contract.rules import (
    URL_SETTING_CONFLICTS,
    URL_SETTING_EFFECTS,
    URL_SETTING_NOT_FOUND,
)
from statuspage_contract.spec import JSON_MEDIA_TYPE, load_contract, with_value

U = load_contract().url_settings
S = U.status
KEYS = ("api", "app")
JSON = {"content-type": JSON_MEDIA_TYPE}
URL_A, URL_B = "https://a.statuspage.io", "https://b.status.io"


def create(url: str) -> dict[str, Any]:
    return with_value(U.request_example("POST"), (*U.attributes_path, U.url_field), url)


def update(setting_id: str, **attributes: str) -> dict[str, Any]:
    body = with_value(U.request_example("PATCH"), U.id_path, setting_id)
    return with_value(body, U.attributes_path, attributes)


def listing(*items: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return U.list_document([U.data(i, a) for i, a in items])


class Client:
    """One set of keys' calls, one after the other, each judged as the proxy judges it."""

    def __init__(self, judge: SettingsSequenceJudge | None = None, keys: Any = KEYS) -> None:
        self.judge, self.keys = judge or SettingsSequenceJudge(), keys

    def __call__(
        self,
        method: str,
        path: str,
        status: int | None,
        body: Any = None,
        answer: Any = None,
        alone: bool = True,
    ) -> list[Verdict]:
        raw = b"" if body is None else json.dumps(body).encode()
        sent = b"" if answer is None else json.dumps(answer).encode()
        request = (method, path, JSON, raw)
        return self.judge.judge(self.keys, alone, request, status, sent)


def test_a_healthy_sequence_passes_each_rule_it_exercises() -> None:
    c, col, item = Client(), U.collection_path, U.item_path("1")
    made = U.document("1", {U.url_field: URL_A, "custom_tags": "t:x"})
    tags = {U.url_field: URL_A, "custom_tags": "t:y"}
    assert c("POST", col, S.created, create(URL_A), made) == []  # a new url: not judged
    assert c("POST", col, S.conflict, create(URL_A)) == [Verdict(URL_SETTING_CONFLICTS, True)]
    assert c("PATCH", item, S.updated, update("1", custom_tags="t:y")) == [
        Verdict(URL_SETTING_EFFECTS, True)
    ]
    assert c("PATCH", item, S.conflict, update("2")) == [Verdict(URL_SETTING_CONFLICTS, True)]
    assert c("GET", col, S.ok, answer=listing(("1", tags))) == [Verdict(URL_SETTING_EFFECTS, True)]
    assert c("DELETE", item, S.deleted) == [Verdict(URL_SETTING_EFFECTS, True)]
    assert c("DELETE", item, S.not_found) == [Verdict(URL_SETTING_NOT_FOUND, True)]
    assert c("PATCH", item, S.not_found, update("1")) == [Verdict(URL_SETTING_NOT_FOUND, True)]
    assert c("GET", col, S.ok, answer=listing()) == [Verdict(URL_SETTING_EFFECTS, True)]


def test_a_second_setting_with_a_known_url_breaks_url_setting_conflicts() -> None:
    c = Client()
    c("POST", U.collection_path, S.created, create(URL_A), U.document("1", {U.url_field: URL_A}))
    c("POST", U.collection_path, S.created, create(URL_B), U.document("2", {U.url_field: URL_B}))
    [broken] = c("POST", U.collection_path, S.created, create(URL_A), U.document("3", {}))
    assert broken.rule == URL_SETTING_CONFLICTS and not broken.passed
    [broken] = c("PATCH", U.item_path("2"), S.updated, update("2", url=URL_A))
    assert broken.rule == URL_SETTING_CONFLICTS and not broken.passed


def test_a_gone_id_answered_as_found_breaks_url_setting_not_found() -> None:
    c = Client()
    c("GET", U.collection_path, S.ok, answer=listing(("1", {U.url_field: URL_A})))
    c("DELETE", U.item_path("1"), S.deleted)
    [broken] = c("DELETE", U.item_path("1"), S.deleted)
    assert broken.rule == URL_SETTING_NOT_FOUND and not broken.passed
    # an id a later list no longer shows is gone too; a new url cannot conflict with a 404
    c("GET", U.collection_path, S.ok, answer=listing(("2", {U.url_field: URL_B})))
    c("GET", U.collection_path, S.ok, answer=listing())
    [broken] = c("PATCH", U.item_path("2"), S.updated, update("2", url="https://new.statuspage.io"))
    assert broken.rule == URL_SETTING_NOT_FOUND and not broken.passed


def test_a_list_that_does_not_show_the_last_effects_breaks_url_setting_effects() -> None:
    c, col = Client(), U.collection_path
    c("GET", col, S.ok, answer=listing(("1", {U.url_field: URL_A, "custom_tags": "t:x"})))
    c("PATCH", U.item_path("1"), S.updated, update("1", custom_tags="t:y"))
    [broken] = c(
        "GET", col, S.ok, answer=listing(("1", {U.url_field: URL_A, "custom_tags": "t:x"}))
    )
    assert broken.rule == URL_SETTING_EFFECTS and not broken.passed
    assert "as the last successful create or update" in broken.message
    c("DELETE", U.item_path("1"), S.deleted)
    [broken] = c("GET", col, S.ok, answer=listing(("1", {U.url_field: URL_A})))
    assert broken.message == "the URL settings list shows a setting these keys deleted"


def test_what_the_proxy_cannot_know_is_not_judged() -> None:
    judge = SettingsSequenceJudge()
    c, other = Client(judge), Client(judge, keys=("other", "keys"))
    col, item = U.collection_path, U.item_path("1")
    # ids never seen: any answer (a success shows the id exists); a url not known taken
    assert (
        c("DELETE", U.item_path("9"), S.deleted) == c("PATCH", item, S.updated, update("1")) == []
    )
    assert c("POST", col, S.conflict, create(URL_A)) == []
    # another set of keys knows nothing of these keys' settings
    assert other("DELETE", item, S.deleted) == []
    # a known setting's new url may be an unknown setting's: a 409 then is no violation
    c("POST", col, S.created, create(URL_B), U.document("2", {U.url_field: URL_B}))
    assert c("PATCH", U.item_path("2"), S.conflict, update("2", url=URL_A)) == []
    # an overlapping or unanswered call makes everything unknown
    assert c("GET", col, S.ok, answer=listing(), alone=False) == []
    assert c("DELETE", U.item_path("2"), S.not_found) == []
    c("GET", col, S.ok, answer=listing(("3", {})))
    assert c("GET", col, None) == []
    assert c("DELETE", U.item_path("3"), S.not_found) == []
    # answers no step names (a refusal of the keys, a rate limit) change nothing
    assert c("DELETE", item, S.forbidden) == []


def test_what_the_judge_keeps_is_bounded() -> None:
    judge = SettingsSequenceJudge(max_keys=2)
    c = Client(judge)
    long_url = "https://" + "a" * 10_000 + ".statuspage.io"
    c("POST", U.collection_path, S.created, create(long_url), U.document("1", {}))
    kept = judge.states[KEYS].present["1"][U.url_field]
    assert kept.startswith("sha256:") and len(kept) < KEEP  # a digest, not the value
    listed = listing(("1", U.attributes_of(create(long_url))))
    assert c("GET", U.collection_path, S.ok, answer=listed) == [Verdict(URL_SETTING_EFFECTS, True)]
    # an id too long to remember is not judged
    assert c("DELETE", U.item_path("x" * (KEEP + 1)), S.deleted) == []
    assert c("DELETE", U.item_path("x" * (KEEP + 1)), S.deleted) == []
    # the least recently used set of keys is forgotten first
    for n in range(3):
        Client(judge, keys=(f"api{n}", "app"))("GET", U.collection_path, S.ok, answer=listing())
    assert KEYS not in judge.states and len(judge.states) == 2
