"""Scenario rules a single proxied exchange can show, from what the client sent and the answer:

- ``VALID_BODY_ACCEPTED``: a create with a valid body (JSON, schema-valid) is never refused as
  invalid (400); its success passes the rule. Other answers (a conflict, a refusal of the keys,
  a 429, a 5xx) say nothing of the body and are not judged.
- ``INVALID_BODY_REJECTED``: a create whose body breaks the contract (not JSON, not the
  schema, not sent as JSON) never succeeds; its 400 passes the rule.
- ``AUTH_ENFORCED``: a call without the API key or the application key header never
  succeeds; a 403 passes the rule. (Unknown or under-privileged keys cannot be told apart
  from good ones by a proxy, so they are the suite's business.) This one judges every
  operation, the URL settings' too; the two above judge the account's create only.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from ..judging import Verdict
from ..rules import AUTH_ENFORCED, INVALID_BODY_REJECTED, VALID_BODY_ACCEPTED
from ..scenarios import is_valid_create_body
from ..spec import Contract, is_json_media_type, load_contract

Result = Verdict
#: Whether a create body is valid is remembered for this many bodies up to MEMO_BODY bytes
#: (a client sends the same body again and again); called from the event loop only.
MEMO_SIZE, MEMO_BODY = 256, 8192


@dataclass
class RequestRules:
    """Judge one exchange by its request and status (pure: no state)."""

    contract: Contract = field(default_factory=load_contract)
    _valid: OrderedDict[tuple[str, bytes], bool] = field(default_factory=OrderedDict)

    def __post_init__(self) -> None:
        c = self.contract
        self.create = c.create.method
        self.invalid, self.forbidden = c.status.invalid, c.status.forbidden
        self.api_header = c.api_key_header.lower()
        self.app_header = c.app_key_header.lower()
        self.bearer, self.auth_header = c.bearer, c.bearer.header.lower()

    def judge(
        self,
        method: str,
        headers: dict[str, str],
        body: bytes,
        status: int,
        *,
        account: bool = True,
    ) -> list[Result]:
        """The verdicts one exchange shows (``account``: a call of the account's operations;
        of the others only whether the keys were enforced is judged here)."""
        results: list[Result] = []
        ok = 200 <= status < 300
        keyless = not headers.get(self.api_header) or not headers.get(self.app_header)
        if keyless and self.bearer.token_of(headers.get(self.auth_header)):
            keyless = False  # a bearer token in the keys' place (the contract's OAuth2)
        if keyless:
            rule = AUTH_ENFORCED
            if ok:
                results.append(Verdict.broken(rule, f"a call without keys answered {status}"))
            elif status == self.forbidden:
                results.append(Verdict(rule, True))
            return results  # without keys, the body is not what is judged
        if method != self.create or not account:
            return results
        valid = is_json_media_type(headers.get("content-type")) and self._is_valid(body)
        if valid and (ok or status == self.invalid):
            rule = VALID_BODY_ACCEPTED
            message = f"a create with a valid body answered {status}"
            results.append(Verdict(rule, ok, "" if ok else message))
        elif not valid and (ok or status == self.invalid):
            rule = INVALID_BODY_REJECTED
            message = f"a create whose body breaks the contract answered {status}"
            results.append(Verdict(rule, not ok, message if ok else ""))
        return results

    def _is_valid(self, body: bytes) -> bool:
        if len(body) > MEMO_BODY:
            return is_valid_create_body(body)
        key = ("create", body)
        if key in self._valid:
            self._valid.move_to_end(key)
            return self._valid[key]
        valid = self._valid[key] = is_valid_create_body(body)
        while len(self._valid) > MEMO_SIZE:
            self._valid.popitem(last=False)
        return valid
