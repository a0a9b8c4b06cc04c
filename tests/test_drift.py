"""Drift watch (statuspage_contract.drift): the contract against Datadog's own Python client.

Each kind of difference is planted in a copy of the contract document and must be named;
the real comparison, with the whole family in the contract, finds none."""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

import pytest

pytest.importorskip(
    "datadog_api_client", reason="drift compares with datadog-api-client (test extra)"
)

from statuspage_contract import cli, drift
from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
PATH = CONTRACT.account_path
ITEM = CONTRACT.url_settings.item_path_template
SCHEMAS = "components", "schemas"


def _document() -> dict[str, Any]:
    return copy.deepcopy(CONTRACT.document)


def _schema(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return doc[SCHEMAS[0]][SCHEMAS[1]][name]


def _rename(doc: dict[str, Any], old: str, new: str) -> None:
    """Rename a schema of ``doc`` in place, and every reference to it."""
    renamed = json.loads(json.dumps(doc).replace(f'/{old}"', f'/{new}"'))
    renamed[SCHEMAS[0]][SCHEMAS[1]][new] = renamed[SCHEMAS[0]][SCHEMAS[1]].pop(old)
    doc.clear()
    doc.update(renamed)


def _drift(doc: dict[str, Any]) -> set[str]:
    return set(drift.drift(doc))


BASELINE = _drift(_document()) if drift.importlib.util.find_spec("datadog_api_client") else set()


def test_the_contract_matches_the_client_on_all_eight_operations():
    """The account's four operations and the URL settings' four: no difference at all."""
    assert drift.drift() == []
    ours = drift.contract_operations(CONTRACT.document)
    assert len(ours) == 8 and set(ours) == set(drift.client_operations())


PLANTED = {
    "operation removed": (
        lambda d: d["paths"][PATH].pop("delete"),
        "DeleteStatuspageAccount: in Datadog's client (DELETE",
    ),
    "path changed": (
        lambda d: d["paths"].__setitem__(PATH + "s", d["paths"].pop(PATH)),
        "GetStatuspageAccount: path: the contract says " + PATH + "s",
    ),
    "method changed": (
        lambda d: d["paths"][PATH].__setitem__("put", d["paths"][PATH].pop("patch")),
        "UpdateStatuspageAccount: method: the contract says PUT, Datadog's client PATCH",
    ),
    "required field dropped": (
        lambda d: _schema(d, "StatuspageAccountCreateAttributes").pop("required"),
        "CreateStatuspageAccount request: data.attributes.api_key required: the contract says "
        "False, Datadog's client True",
    ),
    "length bound changed": (
        lambda d: _schema(d, "StatuspageAccountCreateAttributes")["properties"][
            "api_key"
        ].__setitem__("minLength", 5),
        "data.attributes.api_key min length: the contract says 5, Datadog's client 1",
    ),
    "enum value changed": (
        lambda d: _schema(d, "StatuspageAccountType").__setitem__("enum", ["statuspage_account"]),
        "data.type enum: the contract says [statuspage_account], Datadog's client "
        "[statuspage-account]",
    ),
    "field added": (
        lambda d: _schema(d, "StatuspageAccountCreateAttributes")["properties"].__setitem__(
            "page_id", {"type": "string"}
        ),
        "CreateStatuspageAccount request: field data.attributes.page_id: the contract says "
        "present, Datadog's client absent",
    ),
    "success body dropped": (
        lambda d: d["paths"][PATH]["get"]["responses"].__setitem__("200", {"description": "OK"}),
        "GetStatuspageAccount: success has body: the contract says False, Datadog's client True",
    ),
    "auth scheme dropped": (
        lambda d: d.__setitem__("security", [{"apiKeyAuth": []}]),
        "CreateStatuspageAccount: auth: the contract says [apiKeyAuth], Datadog's client",
    ),
    "schema renamed": (
        lambda d: _rename(d, "StatuspageAccountCreateData", "StatuspageAccountCreateRequestData"),
        "CreateStatuspageAccount request: data schema name: the contract says "
        "StatuspageAccountCreateRequestData, Datadog's client StatuspageAccountCreateData",
    ),
    "url setting operation removed": (
        lambda d: d["paths"][ITEM].pop("delete"),
        "DeleteStatuspageUrlSetting: in Datadog's client (DELETE",
    ),
    "url setting id bound changed": (
        lambda d: _schema(d, "StatuspageUrlSettingID").__setitem__("maxLength", 64),
        "UpdateStatuspageUrlSetting request: data.id max length: the contract says 64, "
        "Datadog's client 100",
    ),
    "url setting attribute no longer required": (
        lambda d: _schema(d, "StatuspageUrlSettingCreateAttributes").__setitem__(
            "required", ["url"]
        ),
        "CreateStatuspageUrlSetting request: data.attributes.custom_tags required: the "
        "contract says False, Datadog's client True",
    ),
    "list items renamed": (
        lambda d: _schema(d, "StatuspageUrlSettingsResponse")["properties"]["data"].__setitem__(
            "items", {"$ref": "#/components/schemas/StatuspageUrlSettingResponse"}
        ),
        "ListStatuspageUrlSettings response: data schema name: the contract says "
        "StatuspageUrlSettingResponse, Datadog's client StatuspageUrlSettingResponseData",
    ),
}


@pytest.mark.parametrize("kind", PLANTED)
def test_each_planted_difference_is_named(kind):
    plant, said = PLANTED[kind]
    doc = _document()
    plant(doc)
    new = _drift(doc) - BASELINE
    assert any(said in line for line in new), sorted(new)


def test_the_command_exits_0_when_nothing_drifts(capsys):
    assert cli.main(["drift"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"no drift: the contract matches datadog-api-client {drift.client_version()}"]


def test_the_command_exits_1_listing_each_difference(monkeypatch, capsys):
    """Datadog's client gains an operation and changes a method: both are listed."""
    real = drift.client_operations()
    changed = dict(real)
    changed["GetStatuspageUrlSetting"] = drift.Operation("GET", ITEM, (), True, None, None)
    changed["DeleteStatuspageUrlSetting"] = dataclasses.replace(
        real["DeleteStatuspageUrlSetting"], method="POST"
    )
    monkeypatch.setattr(drift, "client_operations", lambda: changed)
    assert cli.main(["drift"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-1].startswith("drift: 2 difference(s)") and "datadog-api-client" in out[-1]
    assert any(line.startswith("GetStatuspageUrlSetting: in Datadog's client") for line in out)
    assert any("DeleteStatuspageUrlSetting: method" in line for line in out)


def test_the_command_exits_2_in_one_line_without_the_client(monkeypatch, capsys):
    monkeypatch.setattr(drift, "CLIENT_API", "no_such_package.statuspage")
    assert cli.main(["drift"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "datadog-api-client is not installed" in err[0]
