"""Authentication: `Authenticator` turns a request's verified client certificate or bearer token
into a `User`; RBAC authorisation builds on that later."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from minikube_py.security.pki import Pki

ADMIN_USER = "system:admin"
MASTERS_GROUP = "system:masters"
AUTHENTICATED_GROUP = "system:authenticated"


@dataclass(frozen=True, slots=True)
class User:
    """An authenticated identity, as RBAC sees it."""

    name: str
    groups: tuple[str, ...]
    uid: str = ""


TokenValidator = Callable[[str], User | None]

ADMIN = User(ADMIN_USER, (MASTERS_GROUP, AUTHENTICATED_GROUP))


@dataclass(slots=True)
class Authenticator:
    """Maps a request's client certificate or bearer token to a `User`, or None (401).

    As in Kubernetes' union authenticator, a client certificate is tried first, then the bearer
    token: the admin token, then each of `token_validators` in order (ServiceAccount tokens…).
    """

    admin_token: str
    token_validators: list[TokenValidator] = field(default_factory=list)

    @classmethod
    def from_pki(cls, pki: Pki, token_validators: Iterable[TokenValidator] = ()) -> Authenticator:
        return cls(pki.admin_token(), list(token_validators))

    def authenticate(
        self, peercert: Mapping[str, Any] | None, authorization_header: str | None
    ) -> User | None:
        """`peercert` is `SSLSocket.getpeercert()`: present only when the TLS layer verified it."""
        user = _user_from_cert(peercert) if peercert else None
        if user is None and authorization_header:
            token = _bearer_token(authorization_header)
            user = self._user_from_token(token) if token else None
        return user

    def _user_from_token(self, token: str) -> User | None:
        # Constant time: a timing difference would let a client guess the token byte by byte.
        if hmac.compare_digest(_utf8(token), _utf8(self.admin_token)):
            return ADMIN
        for validate in self.token_validators:
            user = validate(token)
            if user is not None:
                return user
        return None


def _utf8(text: str) -> bytes:
    # compare_digest refuses non-ASCII str; a header may hold anything.
    return text.encode("utf-8", "surrogateescape")


def _bearer_token(header: str) -> str:
    """The token of `Bearer <token>` (scheme case-insensitive, as in Kubernetes), else ""."""
    parts = header.strip().split(" ")
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return ""
    return parts[1]


def _user_from_cert(peercert: Mapping[str, Any]) -> User | None:
    """CN is the user name and each O a group, as Kubernetes' x509 authenticator reads them."""
    pairs = [pair for rdn in peercert.get("subject", ()) for pair in rdn]
    names = [value for key, value in pairs if key == "commonName"]
    if not names or not names[0]:
        return None  # Kubernetes refuses a certificate without a common name
    groups = [value for key, value in pairs if key == "organizationName"]
    groups += [AUTHENTICATED_GROUP] if AUTHENTICATED_GROUP not in groups else []
    return User(names[0], tuple(groups))
