"""The contract's OAuth2 scheme as a client uses it: an access token sent as a bearer token
(RFC 6750 section 2.1: in the Authorization header, after the word "Bearer")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Where an OAuth2 access token travels, and the word before it (RFC 6750 section 2.1).
AUTHORIZATION_HEADER = "Authorization"
BEARER_PREFIX = "Bearer"


@dataclass(frozen=True)
class Bearer:
    """The contract's OAuth2 scheme: its name, the header and prefix of its token, and the
    scopes its flows grant (the operations' ``x-permission`` names)."""

    scheme: str
    header: str
    prefix: str
    scopes: frozenset[str]

    @classmethod
    def of(cls, document: dict[str, Any]) -> Bearer:
        """The first OAuth2 scheme of ``components.securitySchemes``."""
        for name, scheme in document["components"]["securitySchemes"].items():
            if scheme.get("type") == "oauth2":
                scopes = {s for flow in scheme["flows"].values() for s in flow.get("scopes", {})}
                return cls(str(name), AUTHORIZATION_HEADER, BEARER_PREFIX, frozenset(scopes))
        raise ValueError("the contract declares no OAuth2 scheme")  # pragma: no cover

    def value(self, token: str) -> str:
        """The header's value that carries ``token``."""
        return f"{self.prefix} {token}"

    def headers(self, token: str) -> dict[str, str]:
        """The one auth header that carries ``token``."""
        return {self.header: self.value(token)}

    def token_of(self, value: str | None) -> str | None:
        """The token a header's value carries, or None (the scheme's word is matched without
        regard to case, as RFC 7235 wants)."""
        if not value:
            return None
        word, _, token = value.strip().partition(" ")
        if word.lower() != self.prefix.lower():
            return None
        return token.strip() or None
