"""The contract layer: the OpenAPI document (``openapi.yaml``) and the only code that knows
its field names, enum values, media types and status codes.

``loader`` reads the document into a :class:`Contract`; ``model`` holds its operations,
responses and statuses as values; ``bodies`` recognises JSON and walks bodies and schemas by
path; ``auth`` reads the OAuth2 scheme as a bearer token; ``validators`` holds the one
cache of JSON Schema validators for its schemas.
"""

from .bodies import (
    JSON_MEDIA_TYPE,
    OTHER_MEDIA_TYPES,
    could_be_json_object,
    is_json_media_type,
    json_media_type_spellings,
    loads_json,
    property_paths,
    value_at,
    with_value,
)
from .loader import DOCUMENT_NAME, Contract, document_copy, load_contract
from .model import UNAUTHORIZED_STATUS, Operation, Response, Statuses

__all__ = [
    "DOCUMENT_NAME",
    "JSON_MEDIA_TYPE",
    "OTHER_MEDIA_TYPES",
    "UNAUTHORIZED_STATUS",
    "Contract",
    "Operation",
    "Response",
    "Statuses",
    "could_be_json_object",
    "document_copy",
    "is_json_media_type",
    "json_media_type_spellings",
    "load_contract",
    "loads_json",
    "property_paths",
    "value_at",
    "with_value",
]
