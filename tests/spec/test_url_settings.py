"""The URL settings' facts the loader reads from the document (spec/url_settings.py), and the
fidelity points shared with Datadog's definition (x-permission's object form, AuthZ)."""

from __future__ import annotations

import pytest

from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
SETTINGS = CONTRACT.url_settings
COLLECTION = "/api/v2/integration/statuspage/url_settings"


def test_the_four_operations_by_role_method_and_path():
    roles = {
        "ListStatuspageUrlSettings": (SETTINGS.listing, "GET", COLLECTION),
        "CreateStatuspageUrlSetting": (SETTINGS.create, "POST", COLLECTION),
        "UpdateStatuspageUrlSetting": (SETTINGS.update, "PATCH", SETTINGS.item_path_template),
        "DeleteStatuspageUrlSetting": (SETTINGS.delete, "DELETE", SETTINGS.item_path_template),
    }
    for operation_id, (op, method, path) in roles.items():
        assert (op.operation_id, op.method, op.path) == (operation_id, method, path)
        assert CONTRACT.operations_by_id[operation_id] is op
    assert SETTINGS.item_path_template == COLLECTION + "/{statuspage_url_setting_id}"
    assert SETTINGS.id_parameter == "statuspage_url_setting_id"
    assert len(CONTRACT.operations_by_id) == 8
    assert all(op.path == CONTRACT.account_path for op in CONTRACT.operations.values())


def test_documented_statuses_per_operation():
    assert SETTINGS.listing.statuses == [200, 403, 404, 429]
    assert SETTINGS.create.statuses == [201, 400, 403, 409, 429]
    assert SETTINGS.update.statuses == [200, 400, 403, 404, 409, 429]
    assert SETTINGS.delete.statuses == [204, 400, 403, 404, 429]
    assert not SETTINGS.delete.success.has_body
    assert (SETTINGS.status.created, SETTINGS.status.conflict) == (201, 409)


def test_type_paths_and_bodies():
    assert SETTINGS.type == "statuspage-url-setting"
    assert SETTINGS.type_path == ("data", "type")
    assert SETTINGS.id_path == ("data", "id")
    assert SETTINGS.attributes_path == ("data", "attributes")
    body = SETTINGS.document("s1", {"url": "https://a.statuspage.io"})
    assert body == {
        "data": {
            "type": SETTINGS.type,
            "id": "s1",
            "attributes": {"url": "https://a.statuspage.io"},
        }
    }
    assert SETTINGS.list_document([body["data"]]) == {"data": [body["data"]]}
    assert SETTINGS.id_of(SETTINGS.request_example("PATCH")) is not None


@pytest.mark.parametrize("setting_id", ["abc", "a b", "a/b", "ключ", "%2F"])
def test_an_item_path_round_trips_its_id(setting_id):
    path = SETTINGS.item_path(setting_id)
    assert path.count("/") == COLLECTION.count("/") + 1
    assert SETTINGS.id_in(path) == setting_id and SETTINGS.covers(path)


def test_other_paths_are_not_url_settings():
    assert not SETTINGS.covers(CONTRACT.account_path)
    assert SETTINGS.id_in(COLLECTION + "/a/b") is None and SETTINGS.id_in(COLLECTION) is None
    assert SETTINGS.covers(COLLECTION + "/")


def test_permissions_are_read_from_datadogs_object_form():
    raw = CONTRACT.document["paths"][COLLECTION]["post"]["x-permission"]
    assert raw == {"operator": "OR", "permissions": ["manage_integrations"]}
    assert SETTINGS.create.permissions == ("manage_integrations",)
    assert SETTINGS.listing.permission == "integrations_read"
    assert SETTINGS.create.permitted({"manage_integrations"})
    assert not SETTINGS.create.permitted({"integrations_read"})
    assert CONTRACT.read_permissions == {"integrations_read"}


def test_the_oauth2_scheme_stands_beside_the_two_keys():
    schemes = CONTRACT.document["components"]["securitySchemes"]
    assert set(schemes) == {"apiKeyAuth", "appKeyAuth", "AuthZ"}
    assert "authorizationCode" in schemes["AuthZ"]["flows"]
    assert {"AuthZ": []} in CONTRACT.document["security"]


def test_each_type_enum_has_its_default():
    schemas = CONTRACT.document["components"]["schemas"]
    for name in ("StatuspageAccountType", "StatuspageUrlSettingType"):
        assert schemas[name]["default"] == schemas[name]["enum"][0]
