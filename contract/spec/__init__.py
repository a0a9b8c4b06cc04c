"""The contract layer: the OpenAPI document (``openapi.yaml``) and the only code that knows
its field names, enum values, media types and status codes.

``loader`` reads the document into a :class:`Contract`; ``validators`` holds the one cache of
JSON Schema validators for its schemas.
"""

from contract.spec.loader import (
    DOCUMENT_NAME,
    JSON_MEDIA_TYPE,
    Contract,
    Operation,
    Response,
    document_copy,
    is_json_media_type,
    load_contract,
    value_at,
)

__all__ = [
    "DOCUMENT_NAME",
    "JSON_MEDIA_TYPE",
    "Contract",
    "Operation",
    "Response",
    "document_copy",
    "is_json_media_type",
    "load_contract",
    "value_at",
]
