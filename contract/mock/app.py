"""The mock's WSGI application: contract behaviour, auth, rate limiting and fault modes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from contract.mock.faults import check_faults
from contract.mock.state import MockState, Organisation, RateDecision
from contract.mock.validation import BodyProblem, parse_json_body, validate_body
from contract.spec import Contract, Operation, load_contract

#: Bodies larger than this are refused with 413 before they are read whole.
MAX_BODY_BYTES = 32 * 1024 * 1024


class MockApp:
    """A WSGI app that serves the contract's operations from :class:`MockState`."""

    def __init__(
        self, state: MockState, faults: Iterable[str] = (), contract: Contract | None = None
    ):
        self.contract = contract or load_contract()
        self.state = state
        self.faults = check_faults(faults)

    # -- WSGI entry point ---------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        request.max_content_length = MAX_BODY_BYTES
        try:
            response = self.dispatch(request)
        except HTTPException as exc:  # e.g. 413, a client that disconnected mid-body
            response = self.error(exc.code or 400, exc.description or exc.name)
        except Exception:  # never die: the contract wants envelopes, not tracebacks
            response = self.error(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal Server Error")
        return response(environ, start_response)

    # -- responses ----------------------------------------------------------------------
    def json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
        data = json.dumps(body, separators=(",", ":"))
        mimetype = "application/json"
        if 200 <= status < 300 and "non-json-success-content-type" in self.faults:
            mimetype = "text/plain"
        return Response(data, status=status, mimetype=mimetype, headers=headers)

    def error(self, status: int, *messages: str, headers: dict[str, str] | None = None) -> Response:
        body: Any = {"errors": list(messages)}
        if "error-envelope-string" in self.faults:
            body = {"errors": "; ".join(messages)}
        elif "error-envelope-other-key" in self.faults:
            body = {"error": list(messages)}
        elif "error-envelope-non-string-items" in self.faults:
            body = {"errors": [{"detail": m} for m in messages]}
        return self.json(int(status), body, headers)

    def account_body(self, stored_key: str) -> dict[str, Any]:
        secret = self.contract.secret_field
        value = stored_key if "unmasked-api-key" in self.faults else self.contract.mask
        data: dict[str, Any] = {"attributes": {secret: value}, "type": self.contract.account_type}
        if "wrong-type-in-response" in self.faults:
            data["type"] = self.contract.account_type.replace("-", "_")
        if "missing-response-field" in self.faults:
            del data["attributes"]
        return {"data": data}

    # -- request handling ---------------------------------------------------------------
    def dispatch(self, request: Request) -> Response:
        if request.path.rstrip("/") != self.contract.account_path:
            return self.error(HTTPStatus.NOT_FOUND, f"Not Found: {request.path[:200]}")
        operation = self.contract.operations.get(request.method.upper())
        if operation is None:
            allow = ", ".join(self.contract.methods)
            return self.error(
                HTTPStatus.METHOD_NOT_ALLOWED,
                f"Method {request.method[:20]} not allowed; allowed: {allow}",
                headers={"Allow": allow},
            )
        found = self.authenticate(request)
        if found is None:
            if "unauthorized-instead-of-forbidden" in self.faults:
                return self.error(HTTPStatus.UNAUTHORIZED, "Unauthorized")
            return self.error(HTTPStatus.FORBIDDEN, "Forbidden")
        org, permissions = found
        decision = self.state.consume(org)
        headers = self.rate_headers(decision)
        if decision is not None and not decision.allowed:
            if "rate-limit-without-headers" in self.faults:
                headers = {}
            return self.error(HTTPStatus.TOO_MANY_REQUESTS, "Too many requests", headers=headers)
        if (
            operation.permission
            and operation.permission not in permissions
            and not (
                operation.permission != "integrations_read"
                and "permission-not-enforced" in self.faults
            )
        ):
            return self.error(
                HTTPStatus.FORBIDDEN,
                f"Forbidden: the {operation.permission} permission is required",
                headers=headers,  # the request was counted: say so, like every other answer
            )
        response = self.handle(operation, request, org)
        response.headers.extend(headers)
        return response

    def authenticate(self, request: Request) -> tuple[Organisation, frozenset[str]] | None:
        found = self.state.find(
            request.headers.get(self.contract.api_key_header),
            request.headers.get(self.contract.app_key_header),
        )
        if found is None and "auth-not-enforced" in self.faults:
            org = self.state.default
            return org, next(iter(org.app_keys.values()))
        return found

    def rate_headers(self, decision: RateDecision | None) -> dict[str, str]:
        if decision is None:
            return {}
        return {
            name: decision.values[name.rsplit("-", 1)[-1].lower()]
            for name in self.contract.rate_limit_headers
        }

    def handle(self, operation: Operation, request: Request, org: Organisation) -> Response:
        if operation.request_schema is not None:
            data, problem = parse_json_body(request.get_data(cache=False), request.content_type)
            if problem is None:
                problem = validate_body(data, operation.request_schema)
            return self.with_body(operation, data, problem, org)
        if operation.method == "GET":
            with self.state.lock:
                stored = org.account_key
            if stored is None:
                return self.error(HTTPStatus.NOT_FOUND, "Statuspage account not found")
            return self.json(operation.success.status, self.account_body(stored))
        with self.state.lock:  # DELETE
            if org.account_key is None:
                return self.error(HTTPStatus.NOT_FOUND, "Statuspage account not found")
            if "delete-keeps-account" not in self.faults:
                org.account_key = None
        response = Response(status=operation.success.status)
        del response.headers["Content-Type"]  # 204: no body, no media type
        return response

    def with_body(
        self, operation: Operation, data: Any, problem: BodyProblem | None, org: Organisation
    ) -> Response:
        secret = _submitted_secret(data, self.contract.secret_field)
        if problem is not None and not (
            operation.method == "POST" and self.accepts_anyway(problem, data)
        ):
            if (
                "rejected-create-stores-account" in self.faults
                and operation.method == "POST"
                and secret
            ):
                with self.state.lock:
                    org.account_key = org.account_key or secret
            return self.error(HTTPStatus.BAD_REQUEST, *self.quoting(secret, str(problem)))
        if operation.method == "POST":
            if secret and not secret.isascii() and "server-error-on-non-ascii-key" in self.faults:
                return self.error(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal Server Error")
            if secret and len(secret) > 40 and "rejects-long-api-key" in self.faults:
                return self.error(HTTPStatus.BAD_REQUEST, "data.attributes.api_key is too long")
            with self.state.lock:
                if org.account_key is not None and "accepts-second-create" not in self.faults:
                    return self.error(
                        HTTPStatus.CONFLICT,
                        *self.quoting(
                            secret, "A Statuspage account already exists for this organization"
                        ),
                    )
                org.account_key = secret if secret is not None else ""
                stored = org.account_key
            return self.json(operation.success.status, self.account_body(stored))
        with self.state.lock:  # PATCH
            if org.account_key is None:
                return self.error(HTTPStatus.NOT_FOUND, "Statuspage account not found")
            if secret is not None:
                org.account_key = secret
            stored = org.account_key
        return self.json(operation.success.status, self.account_body(stored))

    def accepts_anyway(self, problem: BodyProblem, data: Any) -> bool:
        """Fault modes that let one kind of invalid create body through."""
        secret_path = f"data.attributes.{self.contract.secret_field}"
        if (
            "accepts-missing-api-key" in self.faults
            and problem.field == secret_path
            and problem.message == "is required"
        ):
            return True
        if (
            "accepts-empty-api-key" in self.faults
            and problem.field == secret_path
            and data["data"]["attributes"].get(self.contract.secret_field) == ""
        ):
            return True
        return (
            "accepts-wrong-type" in self.faults
            and problem.field == "data.type"
            and "must be one of" in problem.message
        )

    def quoting(self, secret: str | None, message: str) -> list[str]:
        if secret and "error-echoes-api-key" in self.faults:
            return [f"{message} (api_key {secret!r})"]
        return [message]


def _submitted_secret(data: Any, field: str) -> str | None:
    try:
        value = data["data"]["attributes"][field]
    except (KeyError, TypeError, IndexError):
        return None
    return value if isinstance(value, str) else None
