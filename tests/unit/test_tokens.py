"""ServiceAccount tokens (`minikube_py.tokens`): issuing, verifying and refusing them."""

from __future__ import annotations

import base64
import stat
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from minikube_py import security, tokens
from minikube_py.apiserver.errors import ApiError
from minikube_py.resources import Obj
from minikube_py.tokens import InvalidTokenError, ServiceAccountTokens, Signer

ISSUER = tokens.api_audience("cluster.local")
NOW = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def obj(name: str, uid: str, namespace: str | None = "ns", **rest: object) -> Obj:
    meta: Obj = {"name": name, "uid": uid}
    if namespace:
        meta["namespace"] = namespace
    return {"metadata": meta, **rest}


class World:
    """The objects a lookup sees, by (plural, namespace, name)."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str | None, str], Obj] = {}

    def add(self, plural: str, item: Obj) -> Obj:
        meta = item["metadata"]
        self.objects[(plural, meta.get("namespace"), meta["name"])] = item
        return item

    def remove(self, plural: str, namespace: str | None, name: str) -> None:
        del self.objects[(plural, namespace, name)]

    def lookup(self, plural: str, namespace: str | None, name: str) -> Obj | None:
        return self.objects.get((plural, namespace, name))


@pytest.fixture
def signer() -> Signer:
    return Signer(ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture
def world() -> World:
    world = World()
    world.add("serviceaccounts", obj("robot", "sa-uid"))
    return world


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(signer: Signer, world: World, clock: Clock) -> ServiceAccountTokens:
    return ServiceAccountTokens(signer, issuer=ISSUER, lookup=world.lookup, clock=clock)


def request_token(service: ServiceAccountTokens, **spec: object) -> str:
    body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec}
    return str(service.token_request("ns", "robot", body)["status"]["token"])


def claims_of(token: str) -> Obj:
    payload = token.split(".")[1]
    loaded: Obj = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return loaded


def test_signer_round_trip(signer: Signer) -> None:
    """A signed token verifies back to its claims; its header names ES256 and the key id."""
    token = signer.sign({"sub": "x", "n": 1})
    assert signer.verify(token) == {"n": 1, "sub": "x"}
    header = orjson.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": "ES256", "kid": signer.kid}


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda t: t[:-4] + ("AAAA" if t[-4:] != "AAAA" else "BBBB"), id="signature"),
        pytest.param(lambda t: t.split(".")[0] + ".e30." + t.split(".")[2], id="payload"),
        pytest.param(lambda t: "eyJhbGciOiJub25lIn0.e30.", id="alg-none"),
        pytest.param(lambda t: "not-a-token", id="garbage"),
        pytest.param(lambda t: t + ".x", id="four-parts"),
    ],
)
def test_signer_refuses_tampering(signer: Signer, mangle: Callable[[str], str]) -> None:
    """A changed signature or payload, `alg: none` and garbage all fail verification."""
    token = signer.sign({"sub": "x"})
    with pytest.raises(InvalidTokenError):
        signer.verify(mangle(token))


def test_token_request_issues_a_working_token(service: ServiceAccountTokens) -> None:
    """TokenRequest answers with the defaults filled in and a token that authenticates."""
    body = {"kind": "TokenRequest", "spec": {"audiences": None, "expirationSeconds": None}}
    answer = service.token_request("ns", "robot", body)
    assert answer["metadata"]["name"] == "robot" and answer["metadata"]["namespace"] == "ns"
    assert answer["spec"] == {
        "audiences": [ISSUER],
        "expirationSeconds": 3600,
        "boundObjectRef": None,
    }
    assert answer["status"]["expirationTimestamp"] == "2027-01-15T09:00:00Z"
    claims = claims_of(answer["status"]["token"])
    assert claims["sub"] == "system:serviceaccount:ns:robot"
    assert claims["aud"] == [ISSUER] and claims["iss"] == ISSUER
    assert claims["exp"] - claims["iat"] == 3600 and claims["nbf"] == claims["iat"]
    assert claims["kubernetes.io"] == {
        "namespace": "ns",
        "serviceaccount": {"name": "robot", "uid": "sa-uid"},
    }
    user = service.authenticate(answer["status"]["token"])
    assert user == security.User(
        "system:serviceaccount:ns:robot",
        ("system:serviceaccounts", "system:serviceaccounts:ns", "system:authenticated"),
        uid="sa-uid",
    )


def test_expired_token_is_refused(service: ServiceAccountTokens, clock: Clock) -> None:
    """A token works up to its expiry plus the 60 s leeway, not after."""
    token = request_token(service, expirationSeconds=600)
    clock.now += 600 + 60
    assert service.authenticate(token) is not None
    clock.now += 1
    assert service.authenticate(token) is None


def test_wrong_audience_is_refused(service: ServiceAccountTokens) -> None:
    """A token for another audience (e.g. vault) does not authenticate to the API."""
    assert service.authenticate(request_token(service, audiences=["vault"])) is None
    assert service.authenticate(request_token(service, audiences=["vault", ISSUER])) is not None


def test_token_of_another_key_is_refused(
    service: ServiceAccountTokens, world: World, clock: Clock
) -> None:
    """A token signed with another key (another cluster) is not ours."""
    other = ServiceAccountTokens(
        Signer(ec.generate_private_key(ec.SECP256R1())),
        issuer=ISSUER,
        lookup=world.lookup,
        clock=clock,
    )
    assert service.authenticate(request_token(other)) is None


def test_deleted_or_recreated_account_revokes(service: ServiceAccountTokens, world: World) -> None:
    """Deleting the account revokes its tokens; an account of the same name is another one."""
    token = request_token(service)
    world.remove("serviceaccounts", "ns", "robot")
    assert service.authenticate(token) is None
    world.add("serviceaccounts", obj("robot", "new-uid"))
    assert service.authenticate(token) is None


def test_pod_bound_token(service: ServiceAccountTokens, world: World, clock: Clock) -> None:
    """A pod-bound token names pod and node, and dies with the pod (after the leeway)."""
    world.add("nodes", obj("node1", "node-uid", namespace=None))
    pod = world.add(
        "pods",
        obj("web", "pod-uid", spec={"serviceAccountName": "robot", "nodeName": "node1"}),
    )
    ref = {"kind": "Pod", "apiVersion": "v1", "name": "web", "uid": "pod-uid"}
    token = request_token(service, boundObjectRef=ref)
    assert claims_of(token)["kubernetes.io"]["pod"] == {"name": "web", "uid": "pod-uid"}
    assert claims_of(token)["kubernetes.io"]["node"] == {"name": "node1", "uid": "node-uid"}
    assert service.authenticate(token) is not None
    pod["metadata"]["deletionTimestamp"] = "2027-01-15T08:00:00Z"  # NOW
    assert service.authenticate(token) is not None  # within the leeway
    clock.now += 61
    assert service.authenticate(token) is None


@pytest.mark.parametrize(
    ("ref", "reason", "message"),
    [
        pytest.param(
            {"kind": "Pod", "apiVersion": "v1", "name": "other-sa-pod"},
            "BadRequest",
            'cannot bind token for serviceaccount "robot" to pod running with different '
            "serviceaccount name.",
            id="pod-of-another-account",
        ),
        pytest.param(
            {"kind": "Pod", "apiVersion": "v1", "name": "other-sa-pod", "uid": "stale"},
            "Conflict",
            'Operation cannot be fulfilled on Pod "other-sa-pod": the UID in the bound object '
            "reference (stale) does not match the UID in record. The object might have been "
            "deleted and then recreated",
            id="stale-uid",
        ),
        pytest.param(
            {"kind": "Pod", "apiVersion": "v1", "name": "missing"},
            "NotFound",
            'pods "missing" not found',
            id="missing-pod",
        ),
        pytest.param(
            {"kind": "ConfigMap", "apiVersion": "v1", "name": "x"},
            "BadRequest",
            "cannot bind token to object of type /v1, Kind=ConfigMap",
            id="unsupported-kind",
        ),
    ],
)
def test_bound_object_checks(
    service: ServiceAccountTokens, world: World, ref: Obj, reason: str, message: str
) -> None:
    """The bound object must exist, match its uid and run as the account."""
    world.add("pods", obj("other-sa-pod", "p2", spec={"serviceAccountName": "default"}))
    with pytest.raises(ApiError) as caught:
        request_token(service, boundObjectRef=ref)
    assert (caught.value.reason, caught.value.message) == (reason, message)


@pytest.mark.parametrize(
    ("seconds", "message"),
    [
        pytest.param(
            599,
            'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid '
            "value: 599: may not specify a duration less than 10 minutes",
            id="too-short",
        ),
        pytest.param(
            (1 << 32) + 1,
            'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid '
            "value: 4294967297: may not specify a duration larger than 2^32 seconds",
            id="too-long",
        ),
    ],
)
def test_expiration_bounds(service: ServiceAccountTokens, seconds: int, message: str) -> None:
    """expirationSeconds must lie within [10 min, 2^32 s], with Kubernetes' messages."""
    with pytest.raises(ApiError) as caught:
        request_token(service, expirationSeconds=seconds)
    assert caught.value.reason == "Invalid" and caught.value.message == message


def test_unknown_account_is_not_found(service: ServiceAccountTokens) -> None:
    with pytest.raises(ApiError) as caught:
        service.token_request("ns", "ghost", {"spec": {}})
    assert caught.value.message == 'serviceaccounts "ghost" not found'


def test_kubelet_tokens_are_extended(service: ServiceAccountTokens, world: World) -> None:
    """A pod-bound 3607 s token lives a year but warns after 3607 s, as with the kubelet."""
    world.add("pods", obj("web", "pod-uid", spec={"serviceAccountName": "robot"}))
    body = {
        "spec": {
            "expirationSeconds": 3607,
            "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "web"},
        }
    }
    answer = service.token_request("ns", "robot", body)
    claims = claims_of(answer["status"]["token"])
    assert claims["exp"] - claims["iat"] == 365 * 24 * 3600
    assert claims["kubernetes.io"]["warnafter"] == claims["iat"] + 3607
    assert answer["status"]["expirationTimestamp"] == "2027-01-15T09:00:07Z"


def test_legacy_secret_token(service: ServiceAccountTokens, world: World, signer: Signer) -> None:
    """A Secret-held token never expires, and works only while its Secret holds it."""
    claims = tokens.legacy_claims(
        namespace="ns", account=tokens.Ref("robot", "sa-uid"), secret_name="robot-token"
    )
    token = signer.sign(claims)
    secret = world.add(
        "secrets",
        obj("robot-token", "s-uid", data={"token": base64.b64encode(token.encode()).decode()}),
    )
    user = service.authenticate(token)
    assert user is not None and user.name == "system:serviceaccount:ns:robot"
    secret["data"]["token"] = base64.b64encode(b"another").decode()
    assert service.authenticate(token) is None
    world.remove("secrets", "ns", "robot-token")
    assert service.authenticate(token) is None


def test_signing_key_is_private_and_kept(tmp_path: Path) -> None:
    """sa.key is made once with mode 0600 and reused: a new key would revoke every token."""
    pki = security.Pki.in_data_dir(tmp_path)
    key = security.ensure_service_account_key(pki)
    assert stat.S_IMODE(pki.key_path("sa").stat().st_mode) == 0o600
    again = security.ensure_service_account_key(pki)
    assert tokens.key_id(again.public_key()) == tokens.key_id(key.public_key())
    pki.key_path("sa").write_text("garbage")
    replaced = security.ensure_service_account_key(pki)
    assert tokens.key_id(replaced.public_key()) != tokens.key_id(key.public_key())
