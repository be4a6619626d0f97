"""The cluster's PKI: a CA, the API server's serving and the admin's client certificates, their
renewal, the API server's TLS context, and the key that signs ServiceAccount tokens.

The PKI lives in `<data_dir>/pki/` as k3s lays it out: a self-signed CA, a serving certificate for
the API server and an admin client certificate, each a `.crt`/`.key` pair, plus a bearer token
for the admin. `ensure_pki` is idempotent: it issues whatever is missing, unreadable, inconsistent
(key does not match, not signed by the CA), names the wrong identity or is near its expiry, and
reports what it did. Every file is written atomically, so a crash leaves the old file or the new
one, never half of one; a cert/key pair torn by a crash between its two writes is caught by the
key-match check and issued again on the next start.

Renewal thresholds:
- a leaf (1 year) is renewed when less than `max(lifetime / 3, 90 days)` is left, i.e. after about
  eight months, so a server that runs the hourly check never serves a certificate near its end;
- the CA (10 years) is renewed when less than one year is left. That re-issues every leaf, and
  kubeconfigs written before then must be written again.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import secrets
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from minikube_py.security._files import _make_private_dir, _write_atomic
from minikube_py.security.authn import ADMIN_USER, MASTERS_GROUP

log = logging.getLogger(__name__)

CA_LIFETIME = timedelta(days=3650)
LEAF_LIFETIME = timedelta(days=365)
CA_RENEW_BEFORE = timedelta(days=365)
LEAF_RENEW_MIN = timedelta(days=90)
# Certificates start an hour in the past so that a client whose clock is a little behind
# still accepts them (client-go's cert helpers do the same).
BACKDATE = timedelta(hours=1)

IssuerKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


# ---------------------------------------------------------------------------------------------
# Files


@dataclass(frozen=True, slots=True)
class Pki:
    """Where the PKI files live; `Pki.in_data_dir(d)` is `<d>/pki`."""

    dir: Path

    @classmethod
    def in_data_dir(cls, data_dir: str | os.PathLike[str]) -> Pki:
        return cls(Path(data_dir) / "pki")

    def cert_path(self, name: str) -> Path:
        return self.dir / f"{name}.crt"

    def key_path(self, name: str) -> Path:
        return self.dir / f"{name}.key"

    @property
    def token_path(self) -> Path:
        return self.dir / "admin.token"

    def admin_token(self) -> str:
        return self.token_path.read_text().strip()


# ---------------------------------------------------------------------------------------------
# What to issue


@dataclass(frozen=True, slots=True)
class ServingNames:
    """The names the serving certificate must cover, besides the fixed local ones."""

    node_name: str
    addresses: tuple[str, ...]  # the node's own IPs (see `node_addresses`)
    service_ip: str  # the first address of the service range: `kubernetes.default`
    cluster_domain: str = "cluster.local"

    def dns_names(self) -> tuple[str, ...]:
        svc = "kubernetes.default.svc"
        names = {self.node_name, "localhost", "kubernetes", "kubernetes.default", svc}
        names.add(f"{svc}.{self.cluster_domain}")
        return tuple(sorted(names))

    def ips(self) -> tuple[str, ...]:
        ips = {ipaddress.ip_address(a) for a in (*self.addresses, self.service_ip)}
        ips |= {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")}
        return tuple(str(ip) for ip in sorted(ips, key=lambda ip: (ip.version, ip)))


@dataclass(frozen=True, slots=True)
class _Leaf:
    """One certificate the CA signs: its file name and the identity it must carry."""

    name: str
    common_name: str
    organizations: tuple[str, ...]
    usage: x509.ObjectIdentifier  # the one extended key usage: serverAuth or clientAuth
    dns_names: tuple[str, ...] = ()
    ips: tuple[str, ...] = ()

    def subject(self) -> x509.Name:
        rdns = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in self.organizations]
        return x509.Name([*rdns, x509.NameAttribute(NameOID.COMMON_NAME, self.common_name)])

    def sans(self) -> list[x509.GeneralName]:
        dns: list[x509.GeneralName] = [x509.DNSName(d) for d in self.dns_names]
        return dns + [x509.IPAddress(ipaddress.ip_address(a)) for a in self.ips]

    def matches(self, cert: x509.Certificate) -> bool:
        wanted = (frozenset(self.sans()), self.usage)
        return cert.subject == self.subject() and _profile(cert) == wanted


def _leaves(names: ServingNames) -> tuple[_Leaf, ...]:
    serving = _Leaf(
        name="serving",
        common_name="kube-apiserver",
        organizations=(),
        usage=ExtendedKeyUsageOID.SERVER_AUTH,
        dns_names=names.dns_names(),
        ips=names.ips(),
    )
    admin = _Leaf(
        name="admin",
        common_name=ADMIN_USER,
        organizations=(MASTERS_GROUP,),
        usage=ExtendedKeyUsageOID.CLIENT_AUTH,
    )
    return serving, admin


def _profile(cert: x509.Certificate) -> tuple[frozenset[x509.GeneralName], object]:
    """A leaf's alternative names and its (single) extended key usage."""
    try:
        sans = frozenset(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)
    except x509.ExtensionNotFound:
        sans = frozenset()
    try:
        usages = list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        usages = []
    return sans, usages[0] if len(usages) == 1 else None


# ---------------------------------------------------------------------------------------------
# Issuing


def _new_key() -> ec.EllipticCurvePrivateKey:
    # P-256: a few ms to generate, and every TLS stack (Go's included) takes it.
    return ec.generate_private_key(ec.SECP256R1())


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    now: datetime,
    not_after: datetime,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )


def _issue_ca(now: datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _new_key()
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, f"minikube-py-ca@{int(now.timestamp())}")]
    )
    cert = (
        _builder(name, name, key, now, now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _issue_leaf(
    leaf: _Leaf, ca: x509.Certificate, ca_key: IssuerKey, now: datetime
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _new_key()
    # A leaf never outlives its CA: clients would reject it from that day on.
    not_after = min(now + LEAF_LIFETIME, ca.not_valid_after_utc)
    builder = (
        _builder(leaf.subject(), ca.subject, key, now, not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([leaf.usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )
    if leaf.dns_names or leaf.ips:
        sans = x509.SubjectAlternativeName(leaf.sans())
        builder = builder.add_extension(sans, critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def _save(pki: Pki, name: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> None:
    # Key first: a crash between the two writes leaves a mismatch that the next check repairs.
    _write_atomic(pki.key_path(name), _key_pem(key), 0o600)
    _write_atomic(pki.cert_path(name), cert.public_bytes(serialization.Encoding.PEM), 0o644)


# ---------------------------------------------------------------------------------------------
# Checking


class _Reissue(Exception):
    """A certificate must be issued again; the message says why."""


def _load(pki: Pki, name: str) -> tuple[x509.Certificate, IssuerKey]:
    try:
        cert = x509.load_pem_x509_certificate(pki.cert_path(name).read_bytes())
        key = serialization.load_pem_private_key(pki.key_path(name).read_bytes(), password=None)
    except FileNotFoundError:
        raise _Reissue("missing") from None
    except (OSError, ValueError, TypeError):
        raise _Reissue("unreadable") from None
    if not isinstance(key, IssuerKey) or cert.public_key() != key.public_key():
        raise _Reissue("key mismatch")
    return cert, key


def _check_expiry(cert: x509.Certificate, now: datetime, renew_before: timedelta) -> None:
    if cert.not_valid_after_utc - now < renew_before:
        raise _Reissue("expiring")


def _check_leaf(pki: Pki, leaf: _Leaf, ca: x509.Certificate, now: datetime) -> None:
    cert, _ = _load(pki, leaf.name)
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        raise _Reissue("not signed by the CA") from None
    if not leaf.matches(cert):
        raise _Reissue("names changed")
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    _check_expiry(cert, now, max(lifetime / 3, LEAF_RENEW_MIN))


@dataclass(frozen=True, slots=True)
class Issued:
    """One file set that `ensure_pki` (re)created, and why."""

    name: str  # "ca", "serving", "admin" or "admin.token"
    reason: str  # "missing", "unreadable", "key mismatch", "expiring", "names changed", "new CA"…


def ensure_pki(pki: Pki, names: ServingNames, *, now: datetime | None = None) -> list[Issued]:
    """Create or renew what needs it; an empty list means nothing changed.

    `now` (timezone-aware) replaces the clock, for deciding what expires and for dating what is
    issued: tests step a year ahead without waiting one.
    """
    now = now or datetime.now(UTC)
    _make_private_dir(pki.dir)
    issued: list[Issued] = []
    try:
        ca, ca_key = _load(pki, "ca")
        _check_expiry(ca, now, CA_RENEW_BEFORE)
    except _Reissue as why:
        ca, ca_key = _issue_ca(now)
        _save(pki, "ca", ca, ca_key)
        issued.append(Issued("ca", str(why)))
    new_ca = bool(issued)
    for leaf in _leaves(names):
        try:
            if new_ca:
                raise _Reissue("new CA")
            _check_leaf(pki, leaf, ca, now)
        except _Reissue as why:
            _save(pki, leaf.name, *_issue_leaf(leaf, ca, ca_key, now))
            issued.append(Issued(leaf.name, str(why)))
    if not _read_token(pki):
        _write_atomic(pki.token_path, secrets.token_urlsafe(32).encode() + b"\n", 0o600)
        issued.append(Issued("admin.token", "missing"))
    for item in issued:
        log.debug("issued %s (%s)", item.name, item.reason)
    return issued


def ensure_service_account_key(pki: Pki) -> ec.EllipticCurvePrivateKey:
    """The key that signs ServiceAccount tokens, `sa.key`; made on first use, never renewed.

    A new key would invalidate every token already handed out (legacy Secret tokens never
    expire), so only a missing or unreadable key is replaced.
    """
    path = pki.key_path("sa")
    if path.exists():
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError, TypeError):
            key = None
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key
        log.warning("%s is unreadable or not an EC key: the new one invalidates old tokens", path)
    _make_private_dir(pki.dir)
    fresh = _new_key()
    _write_atomic(path, _key_pem(fresh), 0o600)
    return fresh


def _read_token(pki: Pki) -> str:
    try:
        return pki.admin_token()
    except (OSError, UnicodeDecodeError):
        return ""


async def renew_periodically(
    pki: Pki,
    names: Callable[[], ServingNames],
    *,
    interval: float = 3600,
    on_renew: Callable[[], None],
) -> None:
    """Re-run `ensure_pki` every `interval` seconds; call `on_renew` when something changed.

    `names` is called each time so that a new node address is picked up. The check runs in a
    worker thread: key generation and file syncs must not stall the loop.
    """
    while True:
        await asyncio.sleep(interval)
        try:
            issued = await asyncio.to_thread(lambda: ensure_pki(pki, names()))
        except OSError:
            # A full or read-only disk: keep serving the current certificates and retry later.
            log.exception("certificate renewal check failed")
            continue
        if issued:
            on_renew()


# ---------------------------------------------------------------------------------------------
# TLS


def server_ssl_context(pki: Pki) -> ssl.SSLContext:
    """The API server's TLS context: serves `serving.crt`, asks for a client certificate.

    A client certificate is optional (token and anonymous clients must get through to answer
    401), but when one is sent it must chain to our CA, or the handshake fails.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.load_verify_locations(cafile=pki.cert_path("ca"))
    ctx.load_cert_chain(pki.cert_path("serving"), pki.key_path("serving"))
    return ctx


def reload_server_ssl_context(ctx: ssl.SSLContext, pki: Pki) -> None:
    """Load renewed certificates into a context in use; new handshakes get them.

    Connections already open keep their certificate. A renewed CA is added beside the old one
    (OpenSSL cannot remove a trusted CA), so client certificates of the old CA keep working
    until the next restart.
    """
    ctx.load_verify_locations(cafile=pki.cert_path("ca"))
    ctx.load_cert_chain(pki.cert_path("serving"), pki.key_path("serving"))
