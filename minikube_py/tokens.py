"""ServiceAccount tokens: the JWTs the API server hands out and accepts back.

Two kinds, as in Kubernetes (`pkg/serviceaccount/{claims,legacy,jwt}.go`):
- bound tokens, from the TokenRequest subresource (`kubectl create token`, the kubelet's projected
  volumes): they expire, name their audiences, and stay valid only while the ServiceAccount (and
  the Pod, Secret or Node they are bound to) exists with the uid the token names;
- legacy tokens, which the token controller writes into `kubernetes.io/service-account-token`
  Secrets: they never expire, and stay valid while that Secret still holds them.

Both are compact ES256 JWS signed with `<data dir>/pki/sa.key` (P-256, like the rest of the PKI).
ES256 with `cryptography` is a few lines, so no JWT library: the only tokens we verify are our
own, and refusing every other `alg` closes the classic algorithm-confusion holes. The header's
`kid` is Kubernetes' own: base64url(SHA-256(DER public key)).
"""

from __future__ import annotations

import base64
import binascii
import calendar
import hashlib
import hmac
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from minikube_py.apiserver.errors import ApiError, Cause, bad_request, invalid, not_found
from minikube_py.apiserver.rest import RestStorage
from minikube_py.resources import Obj
from minikube_py.security import AUTHENTICATED_GROUP, User

log = logging.getLogger(__name__)

LEGACY_ISSUER = "kubernetes/serviceaccount"
SERVICE_ACCOUNT_TOKEN_TYPE = "kubernetes.io/service-account-token"
SERVICE_ACCOUNT_NAME_ANNOTATION = "kubernetes.io/service-account.name"
SERVICE_ACCOUNT_UID_ANNOTATION = "kubernetes.io/service-account.uid"
DEFAULT_EXPIRATION_SECONDS = 3600
MIN_EXPIRATION_SECONDS = 600
MAX_EXPIRATION_SECONDS = 1 << 32
# The kubelet asks for 1 h 7 s; such pod-bound tokens are issued for a year and only "warn" after
# the hour, so that workloads with old client libraries (which never re-read the file) survive.
WARN_ONLY_EXPIRATION_SECONDS = 3607
EXTENDED_EXPIRATION_SECONDS = 365 * 24 * 3600
# go-jose's DefaultLeeway: clock skew tolerated on exp/nbf/iat and on bound objects' deletion.
LEEWAY_SECONDS = 60
_HEADER_ALG = "ES256"
_SIGNATURE_BYTES = 64  # r || s, 32 bytes each for P-256

# (plural, namespace, name) -> the stored core/v1 object, or None
Lookup = Callable[[str, str | None, str], Obj | None]


class InvalidTokenError(Exception):
    """Not a token we signed, or one that no longer authenticates; the message says why."""


def api_audience(cluster_domain: str) -> str:
    """The API server's issuer and default audience (kubeadm's `--service-account-issuer`)."""
    return f"https://kubernetes.default.svc.{cluster_domain}"


def service_account_user_name(namespace: str, name: str) -> str:
    return f"system:serviceaccount:{namespace}:{name}"


def store_lookup(rest: RestStorage) -> Lookup:
    """Reads core/v1 objects from the store's memory: no copy and no await, as a validator needs."""

    def lookup(plural: str, namespace: str | None, name: str) -> Obj | None:
        resource = rest.registry.get("", "v1", plural)
        entry = rest.store.get(resource.key(namespace, name)) if resource else None
        return None if entry is None else entry.value

    return lookup


# ---- JWS -------------------------------------------------------------------------------------


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidTokenError("malformed base64") from None


def key_id(public_key: ec.EllipticCurvePublicKey) -> str:
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return _b64encode(hashlib.sha256(der).digest())


class Signer:
    """Signs and verifies ES256 JWTs with one key."""

    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        self._key = key
        self._public = key.public_key()
        self.kid = key_id(self._public)

    def sign(self, claims: Obj) -> str:
        header = _b64encode(orjson.dumps({"alg": _HEADER_ALG, "kid": self.kid}))
        # Sorted keys, as Go marshals the merged claims map: tokens look like real ones.
        payload = _b64encode(orjson.dumps(claims, option=orjson.OPT_SORT_KEYS))
        signing_input = f"{header}.{payload}".encode()
        r, s = decode_dss_signature(self._key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return f"{header}.{payload}.{_b64encode(signature)}"

    def verify(self, token: str) -> Obj:
        """The claims of a token this key signed; raises InvalidTokenError otherwise."""
        parts = token.split(".")
        if len(parts) != 3:
            raise InvalidTokenError("not a compact JWS")
        header = _json(_b64decode(parts[0]))
        if header.get("alg") != _HEADER_ALG:
            raise InvalidTokenError(f"unexpected algorithm {header.get('alg')!r}")
        signature = _b64decode(parts[2])
        if len(signature) != _SIGNATURE_BYTES:
            raise InvalidTokenError("malformed signature")
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        try:
            self._public.verify(der, f"{parts[0]}.{parts[1]}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise InvalidTokenError("invalid signature") from None
        return _json(_b64decode(parts[1]))


def _json(data: bytes) -> Obj:
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise InvalidTokenError("malformed JSON") from None
    if not isinstance(value, dict):
        raise InvalidTokenError("malformed JSON")
    return value


# ---- claims ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ref:
    """An object a token names: its name and uid (claims.go `ref`)."""

    name: str
    uid: str

    @classmethod
    def of(cls, obj: Obj) -> Ref:
        return cls(obj["metadata"]["name"], obj["metadata"].get("uid", ""))

    def claim(self) -> Obj:
        return {"name": self.name, "uid": self.uid}


@dataclass(frozen=True, slots=True)
class Binding:
    """What a bound token is tied to besides its ServiceAccount; a pod's token names its node."""

    pod: Ref | None = None
    secret: Ref | None = None
    node: Ref | None = None


def bound_claims(
    *,
    issuer: str,
    audiences: list[str],
    namespace: str,
    account: Ref,
    binding: Binding,
    issued_at: int,
    expires_at: int,
    warn_after: int | None = None,
) -> Obj:
    """The claims of a bound token (claims.go `Claims`)."""
    private: Obj = {"namespace": namespace, "serviceaccount": account.claim()}
    for kind, ref in (("pod", binding.pod), ("secret", binding.secret), ("node", binding.node)):
        if ref is not None:
            private[kind] = ref.claim()
    if warn_after is not None:
        private["warnafter"] = warn_after
    return {
        "iss": issuer,
        "sub": service_account_user_name(namespace, account.name),
        "aud": audiences,
        "iat": issued_at,
        "nbf": issued_at,
        "exp": expires_at,
        "jti": str(uuid.uuid4()),
        "kubernetes.io": private,
    }


def legacy_claims(*, namespace: str, account: Ref, secret_name: str) -> Obj:
    """The claims of a Secret-held token (legacy.go `LegacyClaims`): no expiry, no audience."""
    prefix = "kubernetes.io/serviceaccount/"
    return {
        "iss": LEGACY_ISSUER,
        "sub": service_account_user_name(namespace, account.name),
        f"{prefix}namespace": namespace,
        f"{prefix}secret.name": secret_name,
        f"{prefix}service-account.name": account.name,
        f"{prefix}service-account.uid": account.uid,
    }


# ---- the API server side ---------------------------------------------------------------------


class ServiceAccountTokens:
    """Issues bound tokens (TokenRequest) and authenticates both kinds of token.

    `lookup` reads the API's current objects; `authenticate` is an `Authenticator` token
    validator, so it is synchronous and reads the in-memory store.
    """

    def __init__(
        self,
        signer: Signer,
        *,
        issuer: str,
        lookup: Lookup,
        audiences: Iterable[str] = (),
        clock: Callable[[], float] = time.time,  # replaced by tests
    ) -> None:
        self.signer = signer
        self.issuer = issuer
        self.audiences = list(audiences) or [issuer]
        self.lookup = lookup
        self.clock = clock

    # ---- TokenRequest ----------------------------------------------------------------------

    def token_request(self, namespace: str, name: str, body: Obj) -> Obj:
        """POST serviceaccounts/<name>/token: the TokenRequest with its status filled in."""
        request = _token_request_body(body)
        meta, spec = request["metadata"], request["spec"]
        for key, value in (("name", name), ("namespace", namespace)):
            if meta.get(key) and meta[key] != value:
                cause = Cause(
                    "FieldValueInvalid",
                    f'Invalid value: "{meta[key]}": must match the service account {key} if '
                    "specified",
                    f"metadata.{key}",
                )
                raise invalid("TokenRequest", "authentication.k8s.io", name, [cause])
        account = self._required("serviceaccounts", namespace, name)
        spec["audiences"] = spec.get("audiences") or list(self.audiences)
        if spec.get("expirationSeconds") is None:  # kubectl sends null for "the default"
            spec["expirationSeconds"] = DEFAULT_EXPIRATION_SECONDS
        spec.setdefault("boundObjectRef", None)
        now = int(self.clock())
        meta.update(name=name, namespace=namespace, creationTimestamp=_rfc3339(now))
        _validate_token_request(spec)
        binding = self._binding(namespace, name, spec["boundObjectRef"])
        requested = int(spec["expirationSeconds"])
        lifetime, warn_after = requested, None
        if binding.pod and requested == WARN_ONLY_EXPIRATION_SECONDS and self._kube_only(spec):
            lifetime, warn_after = EXTENDED_EXPIRATION_SECONDS, now + requested
        claims = bound_claims(
            issuer=self.issuer,
            audiences=spec["audiences"],
            namespace=namespace,
            account=Ref.of(account),
            binding=binding,
            issued_at=now,
            expires_at=now + lifetime,
            warn_after=warn_after,
        )
        request["status"] = {
            "token": self.signer.sign(claims),
            "expirationTimestamp": _rfc3339(now + requested),
        }
        return request

    def _kube_only(self, spec: Obj) -> bool:
        return set(spec["audiences"]) <= set(self.audiences)

    def _required(self, plural: str, namespace: str | None, name: str) -> Obj:
        found = self.lookup(plural, namespace, name)
        if found is None:
            raise not_found(plural, "", name)
        return found

    def _binding(self, namespace: str, account: str, ref: Obj | None) -> Binding:
        """The object a token is bound to, checked as token.go does; none without a ref."""
        if not ref:
            return Binding()
        kind, name = ref.get("kind", ""), ref.get("name", "")
        group, _, version = str(ref.get("apiVersion", "")).rpartition("/")
        if group or kind not in ("Pod", "Secret", "Node"):
            raise bad_request(f"cannot bind token to object of type {group}/{version}, Kind={kind}")
        plural = {"Pod": "pods", "Secret": "secrets", "Node": "nodes"}[kind]
        obj = self._required(plural, None if kind == "Node" else namespace, name)
        wanted_uid = ref.get("uid")
        if wanted_uid and wanted_uid != obj["metadata"].get("uid"):
            raise ApiError(
                "Conflict",
                f'Operation cannot be fulfilled on {kind} "{name}": the UID in the bound object '
                f"reference ({wanted_uid}) does not match the UID in record. The object might "
                "have been deleted and then recreated",
                name=name,
                kind=kind,
            )
        if kind == "Secret":
            return Binding(secret=Ref.of(obj))
        if kind == "Node":
            return Binding(node=Ref.of(obj))
        if obj.get("spec", {}).get("serviceAccountName") != account:
            raise bad_request(
                f'cannot bind token for serviceaccount "{account}" to pod running with '
                "different serviceaccount name."
            )
        return Binding(pod=Ref.of(obj), node=self._pod_node(obj))

    def _pod_node(self, pod: Obj) -> Ref | None:
        """A pod's node goes into its token; by name alone if the Node object is gone."""
        node_name = pod.get("spec", {}).get("nodeName")
        if not node_name:
            return None
        node = self.lookup("nodes", None, node_name)
        return Ref.of(node) if node else Ref(node_name, "")

    # ---- authentication --------------------------------------------------------------------

    def authenticate(self, token: str) -> User | None:
        """The ServiceAccount a token speaks for, or None if it is not a valid token of ours."""
        try:
            claims = self.signer.verify(token)
            if claims.get("iss") == LEGACY_ISSUER:
                namespace, account = self._check_legacy(token, claims)
            elif claims.get("iss") == self.issuer:
                namespace, account = self._check_bound(claims)
            else:
                raise InvalidTokenError(f"unknown issuer {claims.get('iss')!r}")
        except InvalidTokenError as exc:
            log.debug("bearer token refused: %s", exc)
            return None
        return User(
            service_account_user_name(namespace, account.name),
            ("system:serviceaccounts", f"system:serviceaccounts:{namespace}", AUTHENTICATED_GROUP),
            uid=account.uid,
        )

    def _check_bound(self, claims: Obj) -> tuple[str, Ref]:
        now = self.clock()
        if not _number(claims.get("exp")) or now > claims["exp"] + LEEWAY_SECONDS:
            raise InvalidTokenError("service account token has expired")
        if _number(claims.get("nbf")) and now < claims["nbf"] - LEEWAY_SECONDS:
            raise InvalidTokenError("service account token is not valid yet")
        if _number(claims.get("iat")) and now < claims["iat"] - LEEWAY_SECONDS:
            raise InvalidTokenError("service account token is issued in the future")
        audiences = claims.get("aud")
        audiences = [audiences] if isinstance(audiences, str) else audiences or []
        if not set(audiences) & set(self.audiences):
            raise InvalidTokenError(f"token audiences {audiences} are not the API server's")
        private = claims.get("kubernetes.io")
        if not isinstance(private, dict):
            raise InvalidTokenError("no kubernetes.io claim")
        namespace = str(private.get("namespace", ""))
        account = _ref(private.get("serviceaccount"))
        if account is None:
            raise InvalidTokenError("no service account claim")
        self._check_alive("serviceaccounts", namespace, account)
        if (secret := _ref(private.get("secret"))) is not None:
            self._check_alive("secrets", namespace, secret)
        if (pod := _ref(private.get("pod"))) is not None:
            self._check_alive("pods", namespace, pod)
        elif (node := _ref(private.get("node"))) is not None:
            self._check_alive("nodes", None, node)  # a pod's node is informative only
        return namespace, account

    def _check_legacy(self, token: str, claims: Obj) -> tuple[str, Ref]:
        prefix = "kubernetes.io/serviceaccount/"
        namespace = str(claims.get(f"{prefix}namespace", ""))
        secret_name = str(claims.get(f"{prefix}secret.name", ""))
        account = Ref(
            str(claims.get(f"{prefix}service-account.name", "")),
            str(claims.get(f"{prefix}service-account.uid", "")),
        )
        secret = self.lookup("secrets", namespace, secret_name)
        if secret is None or _deleted(secret, self.clock()):
            raise InvalidTokenError("the token's Secret is gone")
        try:
            stored = base64.b64decode((secret.get("data") or {}).get("token", ""))
        except (binascii.Error, ValueError):
            stored = b""
        if not hmac.compare_digest(stored, token.encode()):
            raise InvalidTokenError("the token does not match its Secret's copy")
        self._check_alive("serviceaccounts", namespace, account)
        return namespace, account

    def _check_alive(self, plural: str, namespace: str | None, ref: Ref) -> None:
        obj = self.lookup(plural, namespace, ref.name)
        if obj is None or obj["metadata"].get("uid") != ref.uid:
            raise InvalidTokenError(f"{plural} {ref.name} has been deleted")
        if _deleted(obj, self.clock()):
            raise InvalidTokenError(f"{plural} {ref.name} is being deleted")


def _token_request_body(body: Obj) -> Obj:
    if not isinstance(body, dict) or body.get("kind", "TokenRequest") != "TokenRequest":
        raise bad_request("the body must be an authentication.k8s.io/v1 TokenRequest")
    spec, meta = body.get("spec"), body.get("metadata")
    if not isinstance(spec, dict) or not isinstance(meta or {}, dict):
        raise bad_request("the body must be an authentication.k8s.io/v1 TokenRequest")
    return {
        "kind": "TokenRequest",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": dict(meta or {}),
        "spec": dict(spec),
    }


def _validate_token_request(spec: Obj) -> None:
    seconds = spec["expirationSeconds"]
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        raise bad_request("spec.expirationSeconds must be an integer")
    problem = ""
    if seconds < MIN_EXPIRATION_SECONDS:
        problem = "may not specify a duration less than 10 minutes"
    elif seconds > MAX_EXPIRATION_SECONDS:
        problem = "may not specify a duration larger than 2^32 seconds"
    if problem:
        cause = Cause(
            "FieldValueInvalid", f"Invalid value: {seconds}: {problem}", "spec.expirationSeconds"
        )
        raise invalid("TokenRequest", "authentication.k8s.io", "", [cause])


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _ref(claim: object) -> Ref | None:
    if not isinstance(claim, dict) or not claim.get("name"):
        return None
    return Ref(str(claim["name"]), str(claim.get("uid", "")))


def _deleted(obj: Obj, now: float) -> bool:
    """Deleted longer ago than the leeway: a token bound to it no longer counts."""
    stamp = obj["metadata"].get("deletionTimestamp")
    if not stamp:
        return False
    return calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")) < now - LEEWAY_SECONDS


def _rfc3339(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))
