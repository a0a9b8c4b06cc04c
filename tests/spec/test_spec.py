"""The contract document and the facts the loader derives from it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from statuspage_contract.spec import document_copy, load_contract

#: The independent validators come with the test extra; without it their tests are skipped.
TEST_EXTRA = "an independent validator from the test extra: pip install -e '.[test]'"

CONTRACT = load_contract()
ACCOUNT_PATH = "/api/v2/integration/statuspage/account"
HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}

#: The request example of the reference page, verbatim.
REFERENCE_REQUEST_EXAMPLE = {
    "data": {
        "attributes": {"api_key": "00000000-0000-0000-0000-000000000000"},
        "type": "statuspage-account",
    }
}
#: The 201 example of the reference page, verbatim.
REFERENCE_RESPONSE_EXAMPLE = {
    "data": {"attributes": {"api_key": "*****"}, "type": "statuspage-account"}
}


def _media_examples(media: dict[str, Any]) -> list[tuple[str, Any]]:
    found = []
    if "example" in media:
        found.append(("example", media["example"]))
    for name, example in (media.get("examples") or {}).items():
        found.append((name, example["value"]))
    return found


def _documented_examples() -> list[Any]:
    """Every (request or response) example of every operation, with the schema it must fit."""
    cases = []
    for item in CONTRACT.resolved["paths"].values():
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            for media_type, media in op.get("requestBody", {}).get("content", {}).items():
                for name, value in _media_examples(media):
                    case_id = f"{method.upper()} request {media_type} {name}"
                    cases.append(pytest.param(media["schema"], value, id=case_id))
            for status, response in op["responses"].items():
                for media_type, media in response.get("content", {}).items():
                    for name, value in _media_examples(media):
                        case_id = f"{method.upper()} {status} {media_type} {name}"
                        cases.append(pytest.param(media["schema"], value, id=case_id))
    return cases


EXAMPLES = _documented_examples()


def test_the_document_is_a_valid_openapi_3_0_document():
    assert CONTRACT.document["openapi"].startswith("3.0.")
    validator = pytest.importorskip("openapi_spec_validator", reason=TEST_EXTRA)
    validator.validate(document_copy())  # raises on any violation


def test_every_operation_documents_at_least_one_example_per_body():
    ids = {p.id for p in EXAMPLES}
    for method in ("POST", "PATCH"):
        assert any(i.startswith(f"{method} request") for i in ids)
    for label in ("POST 201", "GET 200", "PATCH 200", "POST 400", "POST 429"):
        assert any(i.startswith(label) for i in ids), label


@pytest.mark.parametrize(("schema", "example"), EXAMPLES)
def test_each_documented_example_validates_against_its_schema(schema, example):
    jsonschema = pytest.importorskip("jsonschema", reason=TEST_EXTRA)
    jsonschema.Draft4Validator.check_schema(schema)
    errors = [e.message for e in jsonschema.Draft4Validator(schema).iter_errors(example)]
    assert errors == []


def test_the_create_request_example_is_the_reference_pages_example():
    assert CONTRACT.request_example("POST") == REFERENCE_REQUEST_EXAMPLE


def test_the_create_response_example_is_the_reference_pages_example():
    assert CONTRACT.create.success.status == 201
    assert CONTRACT.create.success.example == REFERENCE_RESPONSE_EXAMPLE


def test_the_account_type_is_the_hyphenated_enum_value():
    assert CONTRACT.account_type == "statuspage-account"


def test_the_mask_is_five_asterisks():
    assert CONTRACT.mask == "*****"


def test_api_key_is_the_only_masked_secret_field():
    assert CONTRACT.masked_fields == ["api_key"]
    assert CONTRACT.secret_field == "api_key"


def test_the_rate_limit_headers_are_the_five_x_ratelimit_headers():
    assert sorted(CONTRACT.rate_limit_headers) == sorted(
        [
            "X-RateLimit-Limit",
            "X-RateLimit-Period",
            "X-RateLimit-Remaining",
            "X-RateLimit-Reset",
            "X-RateLimit-Name",
        ]
    )


def test_rate_limit_header_values_are_documented_as_strings():
    for name, header in CONTRACT.create.responses[429].headers.items():
        assert header["schema"]["type"] == "string", name
        assert header.get("required") is True, name


def test_create_documents_exactly_the_reference_pages_statuses():
    assert CONTRACT.create.statuses == [201, 400, 403, 409, 429]
    assert CONTRACT.create.error_statuses == [400, 403, 409, 429]


def test_get_patch_and_delete_are_documented_on_the_same_path():
    assert set(CONTRACT.methods) == {"GET", "POST", "PATCH", "DELETE"}
    assert CONTRACT.account_path == ACCOUNT_PATH
    for method in CONTRACT.methods:
        assert CONTRACT.operation(method).path == ACCOUNT_PATH


@pytest.mark.parametrize(
    ("method", "success", "statuses"),
    [
        ("GET", 200, [200, 403, 404, 429]),
        ("PATCH", 200, [200, 400, 403, 404, 429]),
        ("DELETE", 204, [204, 400, 403, 404, 429]),
    ],
)
def test_sibling_operations_document_the_notes_statuses(method, success, statuses):
    operation = CONTRACT.operation(method)
    assert operation.success.status == success
    assert operation.statuses == statuses


def test_delete_success_has_no_body_and_other_successes_do():
    assert not CONTRACT.operation("DELETE").success.has_body
    for method in ("POST", "GET", "PATCH"):
        assert CONTRACT.operation(method).success.has_body


@pytest.mark.parametrize(
    ("method", "permission"),
    [
        ("POST", "manage_integrations"),
        ("PATCH", "manage_integrations"),
        ("DELETE", "manage_integrations"),
        ("GET", "integrations_read"),
    ],
)
def test_each_operation_names_its_permission(method, permission):
    assert CONTRACT.operation(method).permission == permission


def test_every_error_response_uses_the_errors_envelope():
    for method in CONTRACT.methods:
        operation = CONTRACT.operation(method)
        for status in operation.error_statuses:
            assert operation.responses[status].schema == CONTRACT.error_schema, (method, status)
    assert CONTRACT.error_schema["required"] == ["errors"]
    assert CONTRACT.error_schema["properties"]["errors"]["items"] == {"type": "string"}


def test_the_auth_headers_are_datadogs():
    assert CONTRACT.api_key_header == "DD-API-KEY"
    assert CONTRACT.app_key_header == "DD-APPLICATION-KEY"


def test_an_api_key_must_be_a_non_empty_string_in_create_and_update():
    schemas = CONTRACT.resolved["components"]["schemas"]
    for name in (
        "StatuspageAccountCreateAttributes",
        "StatuspageAccountUpdateAttributes",
    ):
        api_key = schemas[name]["properties"]["api_key"]
        assert api_key["type"] == "string"
        assert api_key["minLength"] == 1
    assert schemas["StatuspageAccountCreateAttributes"]["required"] == ["api_key"]
    assert "required" not in schemas["StatuspageAccountUpdateAttributes"]


def test_asking_for_an_undocumented_operation_names_the_method():
    with pytest.raises(KeyError, match="PUT"):
        CONTRACT.operation("put")


def test_request_example_is_a_fresh_copy_each_time():
    first = CONTRACT.request_example()
    first["data"]["attributes"]["api_key"] = "changed"
    assert CONTRACT.request_example() == REFERENCE_REQUEST_EXAMPLE


def test_with_secret_replaces_the_secret_without_touching_the_original():
    original = CONTRACT.request_example()
    changed = CONTRACT.with_secret(original, "sp-secret")
    assert changed["data"]["attributes"]["api_key"] == "sp-secret"
    assert original == REFERENCE_REQUEST_EXAMPLE


def test_document_copy_is_independent_of_the_loaded_contract():
    copy = document_copy()
    copy["paths"].clear()
    assert CONTRACT.document["paths"]


def test_the_contract_is_loaded_once_per_process_with_a_stable_digest():
    assert load_contract() is CONTRACT
    assert re.fullmatch(r"[0-9a-f]{64}", CONTRACT.sha256)
    assert CONTRACT.title


@pytest.mark.parametrize(
    ("content_type", "json"),
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ("Application/JSON", True),
        ("application/problem+json", True),
        ("text/plain", False),
        ("", False),
        (None, False),
    ],
)
def test_one_home_says_whether_a_content_type_is_json(content_type, json):
    from statuspage_contract.spec import is_json_media_type

    assert is_json_media_type(content_type) is json


# -- facts the edges derive from ----------------------------------------------------------------
def test_the_refusal_statuses_are_documented() -> None:
    contract = load_contract()
    status = contract.status
    create = contract.create
    assert {status.invalid, status.forbidden, status.conflict} <= set(create.statuses)
    assert status.not_found in contract.operation("GET").statuses
    assert (status.created, status.ok, status.deleted) == (201, 200, 204)
    assert (status.invalid, status.forbidden, status.not_found) == (400, 403, 404)
    assert (status.conflict, status.rate_limited) == (409, 429)


def test_every_spelling_of_the_media_type_is_json_and_no_other_type_is() -> None:
    from statuspage_contract.spec import (
        OTHER_MEDIA_TYPES,
        is_json_media_type,
        json_media_type_spellings,
    )

    spellings = json_media_type_spellings()
    assert all(is_json_media_type(m) for m in spellings)
    assert any(";" in m for m in spellings) and any(m != m.lower() for m in spellings)
    assert not any(is_json_media_type(m) for m in OTHER_MEDIA_TYPES)


def test_property_paths_enum_paths_and_read_permissions_come_from_the_document() -> None:
    from statuspage_contract.spec import property_paths

    contract = load_contract()
    paths = {p: required for p, _, required in property_paths(contract.create.request_schema)}
    assert paths[contract.secret_path] is True
    assert set(contract.enum_paths) <= set(paths)
    assert list(contract.enum_paths.values()) == [[contract.account_type]]
    assert contract.read_permissions == {contract.operation("GET").permission}
