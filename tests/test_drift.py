"""Drift watch (statuspage_contract.drift): the contract against Datadog's own Python client.

Each kind of difference is planted in a copy of the contract document and must be named;
the real comparison names exactly what the contract still lacks or names otherwise."""

from __future__ import annotations

import copy
from typing import Any

import pytest

pytest.importorskip(
    "datadog_api_client", reason="drift compares with datadog-api-client (test extra)"
)

from statuspage_contract import cli, drift
from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
PATH = CONTRACT.account_path
SCHEMAS = "components", "schemas"


def _document() -> dict[str, Any]:
    return copy.deepcopy(CONTRACT.document)


def _schema(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return doc[SCHEMAS[0]][SCHEMAS[1]][name]


def _drift(doc: dict[str, Any]) -> set[str]:
    return set(drift.drift(doc))


BASELINE = _drift(_document()) if drift.importlib.util.find_spec("datadog_api_client") else set()


def test_the_contract_drifts_from_the_client_only_where_the_url_settings_issue_says():
    """What the contract does not have yet (the URL settings' four operations) and what it
    names otherwise (schema names, the AuthZ scheme): nothing else."""
    found = drift.drift()
    missing = [d for d in found if d.endswith("not in the contract")]
    assert len(missing) == 4 and all("UrlSetting" in d for d in missing)
    rest = [d for d in found if d not in missing]
    assert all(": auth: " in d or " schema name: " in d for d in rest), rest
    assert sum("AuthZ" in d for d in rest) == len(CONTRACT.operations)


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
        lambda d: _schema(d, "StatuspageAccountCreateRequestAttributes").pop("required"),
        "CreateStatuspageAccount request: data.attributes.api_key required: the contract says "
        "False, Datadog's client True",
    ),
    "length bound changed": (
        lambda d: _schema(d, "StatuspageAccountCreateRequestAttributes")["properties"][
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
        lambda d: _schema(d, "StatuspageAccountCreateRequestAttributes")["properties"].__setitem__(
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
}


@pytest.mark.parametrize("kind", PLANTED)
def test_each_planted_difference_is_named(kind):
    plant, said = PLANTED[kind]
    doc = _document()
    plant(doc)
    new = _drift(doc) - BASELINE
    assert any(said in line for line in new), sorted(new)


def test_the_command_exits_1_listing_each_difference(capsys):
    assert cli.main(["drift"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-1].startswith("drift: ") and "datadog-api-client" in out[-1]
    assert len(out) - 1 == len(drift.drift())


def test_the_command_exits_2_in_one_line_without_the_client(monkeypatch, capsys):
    monkeypatch.setattr(drift, "CLIENT_API", "no_such_package.statuspage")
    assert cli.main(["drift"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "datadog-api-client is not installed" in err[0]
