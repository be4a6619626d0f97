"""The PKI, TLS contexts, authentication and kubeconfig files of `minikube_py.security`."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import ssl
import stat
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from cryptography import x509
from kubernetes import client as kclient
from kubernetes import config as kconfig

from minikube_py.security import (
    ADMIN,
    Authenticator,
    Issued,
    Pki,
    ServingNames,
    User,
    addresses,
    ensure_pki,
    kubeconfig_dict,
    node_addresses,
    reload_server_ssl_context,
    renew_periodically,
    server_ssl_context,
    write_kubeconfig,
)

NAMES = ServingNames("node1", ("192.0.2.10", "2001:db8::10"), "10.43.0.1")
ALL_FILES = {
    "ca.crt",
    "ca.key",
    "serving.crt",
    "serving.key",
    "admin.crt",
    "admin.key",
    "admin.token",
}


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    pki = Pki.in_data_dir(tmp_path / "data")
    ensure_pki(pki, NAMES)
    return pki


def cert(pki: Pki, name: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pki.cert_path(name).read_bytes())


def serials(pki: Pki) -> dict[str, int]:
    return {name: cert(pki, name).serial_number for name in ("ca", "serving", "admin")}


def later(**delta: float) -> datetime:
    return datetime.now(UTC) + timedelta(**delta)


# ---------------------------------------------------------------------------------------------
# The PKI


def test_first_start_creates_every_file_private_ones_0600(tmp_path: Path) -> None:
    """The first call issues everything; keys and token are 0600, the directory 0700."""
    pki = Pki.in_data_dir(tmp_path)
    issued = ensure_pki(pki, NAMES)
    assert [i.name for i in issued] == ["ca", "serving", "admin", "admin.token"]
    assert {p.name for p in pki.dir.iterdir()} == ALL_FILES  # no temp files left
    assert stat.S_IMODE(pki.dir.stat().st_mode) == 0o700
    for path in pki.dir.iterdir():
        private = path.suffix in (".key", ".token")
        assert stat.S_IMODE(path.stat().st_mode) == (0o600 if private else 0o644), path
    assert len(pki.admin_token()) >= 43


def test_second_call_changes_nothing(pki: Pki) -> None:
    """An intact, current PKI is left byte for byte as it is."""
    before = {p.name: p.read_bytes() for p in pki.dir.iterdir()}
    assert ensure_pki(pki, NAMES) == []
    assert {p.name: p.read_bytes() for p in pki.dir.iterdir()} == before


def test_ca_signs_the_leaves(pki: Pki) -> None:
    """Serving and admin certificates chain to the CA, with the right subjects and usages."""
    ca = cert(pki, "ca")
    assert ca.subject.rfc4514_string().startswith("CN=minikube-py-ca@")
    for name in ("serving", "admin"):
        cert(pki, name).verify_directly_issued_by(ca)
    admin = cert(pki, "admin")
    assert admin.subject.rfc4514_string() == "CN=system:admin,O=system:masters"
    usage = admin.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]


def test_serving_sans(pki: Pki) -> None:
    """The serving certificate names every way a client reaches the API server."""
    sans = cert(pki, "serving").extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert set(sans.value.get_values_for_type(x509.DNSName)) == {
        "node1",
        "localhost",
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
    }
    assert set(sans.value.get_values_for_type(x509.IPAddress)) == set(
        map(ipaddress.ip_address, ["127.0.0.1", "::1", "192.0.2.10", "2001:db8::10", "10.43.0.1"])
    )


def test_new_node_address_reissues_serving_only(pki: Pki) -> None:
    """A changed SAN list re-issues the serving certificate and nothing else."""
    before = serials(pki)
    moved = ServingNames("node1", ("192.0.2.99",), "10.43.0.1")
    assert ensure_pki(pki, moved) == [Issued("serving", "names changed")]
    after = serials(pki)
    assert after["serving"] != before["serving"]
    assert (after["ca"], after["admin"]) == (before["ca"], before["admin"])
    assert ensure_pki(pki, moved) == []


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        pytest.param(lambda p: p.key_path("admin").unlink(), "missing", id="missing-key"),
        pytest.param(lambda p: p.cert_path("admin").write_text("junk"), "unreadable", id="junk"),
        pytest.param(
            lambda p: p.key_path("admin").write_bytes(p.key_path("serving").read_bytes()),
            "key mismatch",
            id="torn-pair",
        ),
    ],
)
def test_damaged_leaf_is_reissued(pki: Pki, damage: Any, reason: str) -> None:
    """A missing, unreadable or mismatched cert/key pair is issued again with the same CA."""
    ca_serial = serials(pki)["ca"]
    damage(pki)
    assert ensure_pki(pki, NAMES) == [Issued("admin", reason)]
    assert serials(pki)["ca"] == ca_serial
    cert(pki, "admin").verify_directly_issued_by(cert(pki, "ca"))


def test_leaf_signed_by_another_ca_is_reissued(pki: Pki, tmp_path: Path) -> None:
    """A leaf that no longer chains to the CA on disk is replaced."""
    other = Pki.in_data_dir(tmp_path / "other")
    ensure_pki(other, NAMES)
    for suffix in ("crt", "key"):
        (pki.dir / f"serving.{suffix}").write_bytes((other.dir / f"serving.{suffix}").read_bytes())
    assert ensure_pki(pki, NAMES) == [Issued("serving", "not signed by the CA")]


def test_leaves_renewed_before_expiry_with_same_ca(pki: Pki) -> None:
    """At 200 days a leaf is kept; at 300 days (65 left) it is renewed and the CA kept."""
    before = serials(pki)
    assert ensure_pki(pki, NAMES, now=later(days=200)) == []
    renewed = ensure_pki(pki, NAMES, now=later(days=300))
    assert renewed == [Issued("serving", "expiring"), Issued("admin", "expiring")]
    after = serials(pki)
    assert after["ca"] == before["ca"]
    assert after["serving"] != before["serving"] and after["admin"] != before["admin"]
    assert ensure_pki(pki, NAMES, now=later(days=300)) == []


def test_ca_renewed_in_its_last_year_with_all_leaves(pki: Pki) -> None:
    """At 9.5 years the CA is renewed, and every leaf with it; the token is kept."""
    before, token = serials(pki), pki.admin_token()
    renewed = ensure_pki(pki, NAMES, now=later(days=365 * 9.5))
    assert renewed == [
        Issued("ca", "expiring"),
        Issued("serving", "new CA"),
        Issued("admin", "new CA"),
    ]
    after = serials(pki)
    assert all(after[name] != before[name] for name in after)
    assert pki.admin_token() == token
    cert(pki, "serving").verify_directly_issued_by(cert(pki, "ca"))


async def test_renew_periodically_calls_back_on_change(pki: Pki) -> None:
    """The periodic check is quiet while nothing changes and calls back once something did."""
    current = [NAMES]
    renewed = asyncio.Event()
    task = asyncio.create_task(
        renew_periodically(pki, lambda: current[0], interval=0.01, on_renew=renewed.set)
    )
    try:
        await asyncio.sleep(0.1)
        assert not renewed.is_set()
        current[0] = ServingNames("node1", ("192.0.2.77",), "10.43.0.1")
        await asyncio.wait_for(renewed.wait(), 5)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert ensure_pki(pki, current[0]) == []


# ---------------------------------------------------------------------------------------------
# TLS


@asynccontextmanager
async def tls_server(ctx: ssl.SSLContext) -> AsyncIterator[tuple[int, list[Any]]]:
    """A TLS echo-less server that records each client's verified certificate."""
    seen: list[Any] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(writer.get_extra_info("peercert"))
        writer.write(b"hello\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=ctx)
    async with server:
        yield server.sockets[0].getsockname()[1], seen


def client_context(ca: Pki, identity: tuple[Pki, str] | None = None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=ca.cert_path("ca"))
    if identity:
        pki, name = identity
        ctx.load_cert_chain(pki.cert_path(name), pki.key_path(name))
    return ctx


async def connect(port: int, ctx: ssl.SSLContext) -> tuple[bytes, int]:
    """The server's first line (b"" if it hung up) and its certificate's serial."""
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=ctx, server_hostname="127.0.0.1"
    )
    der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    try:
        line = await reader.readline()
    except (ssl.SSLError, ConnectionResetError):
        line = b""
    writer.close()
    with contextlib.suppress(ssl.SSLError, ConnectionResetError):
        await writer.wait_closed()
    return line, x509.load_der_x509_certificate(der).serial_number


async def test_tls_client_certificate_authenticates(pki: Pki) -> None:
    """A client presenting admin.crt is verified by the TLS layer and becomes system:admin."""
    auth = Authenticator.from_pki(pki)
    async with tls_server(server_ssl_context(pki)) as (port, seen):
        line, serial = await connect(port, client_context(pki, (pki, "admin")))
    assert line == b"hello\n"
    assert serial == serials(pki)["serving"]
    assert auth.authenticate(seen[0], None) == ADMIN


async def test_tls_without_client_certificate_is_anonymous(pki: Pki) -> None:
    """No client certificate: the handshake succeeds, authentication does not (401)."""
    auth = Authenticator.from_pki(pki)
    async with tls_server(server_ssl_context(pki)) as (port, seen):
        line, _ = await connect(port, client_context(pki))
    assert line == b"hello\n"
    assert seen == [None]
    assert auth.authenticate(seen[0], None) is None
    assert auth.authenticate(seen[0], f"Bearer {pki.admin_token()}") == ADMIN


@pytest.mark.parametrize(
    "foreign", [pytest.param(True, id="other-CA"), pytest.param(False, id="server-cert")]
)
async def test_tls_rejects_unfit_client_certificates(
    pki: Pki, tmp_path: Path, foreign: bool
) -> None:
    """A certificate of another CA, or one not made for clients, fails the handshake."""
    other = Pki.in_data_dir(tmp_path / "other")
    ensure_pki(other, NAMES)
    identity = (other, "admin") if foreign else (pki, "serving")
    async with tls_server(server_ssl_context(pki)) as (port, seen):
        with contextlib.suppress(ssl.SSLError, ConnectionResetError):
            line, _ = await connect(port, client_context(pki, identity))
            assert line == b""
    assert seen == []


async def test_reload_serves_renewed_certificate(pki: Pki) -> None:
    """After renewal and a reload, new connections get the new serving certificate."""
    ctx = server_ssl_context(pki)
    async with tls_server(ctx) as (port, _):
        _, first = await connect(port, client_context(pki))
        ensure_pki(pki, ServingNames("node1", ("192.0.2.55",), "10.43.0.1"))
        reload_server_ssl_context(ctx, pki)
        _, second = await connect(port, client_context(pki))
    assert first != second
    assert second == serials(pki)["serving"]


# ---------------------------------------------------------------------------------------------
# Authentication


def peercert(*subject: tuple[str, str]) -> dict[str, Any]:
    """What `getpeercert()` returns: one RDN per attribute."""
    return {"subject": tuple(((key, value),) for key, value in subject)}


@pytest.mark.parametrize(
    ("subject", "user"),
    [
        pytest.param(
            [("organizationName", "dev"), ("organizationName", "ops"), ("commonName", "jane")],
            User("jane", ("dev", "ops", "system:authenticated")),
            id="groups",
        ),
        pytest.param(
            [("commonName", "bot")], User("bot", ("system:authenticated",)), id="no-groups"
        ),
        pytest.param([("organizationName", "dev")], None, id="no-common-name"),
    ],
)
def test_certificate_subject_to_user(subject: list[tuple[str, str]], user: User | None) -> None:
    """CN is the user, each O a group, plus system:authenticated; no CN is refused."""
    assert Authenticator("t").authenticate(peercert(*subject), None) == user


@pytest.mark.parametrize(
    ("header", "user"),
    [
        pytest.param("Bearer admintoken", ADMIN, id="admin"),
        pytest.param("bearer admintoken", ADMIN, id="scheme-case"),
        pytest.param("Bearer wrong", None, id="wrong"),
        pytest.param("Bearer admintokenX", None, id="longer"),
        pytest.param("Bearer ", None, id="empty"),
        pytest.param("Basic admintoken", None, id="other-scheme"),
        pytest.param("Bearer adm\u00efntoken", None, id="non-ascii"),
        pytest.param(None, None, id="none"),
    ],
)
def test_bearer_tokens(header: str | None, user: User | None) -> None:
    """Only the exact admin token, as a Bearer credential, is the admin."""
    assert Authenticator("admintoken").authenticate(None, header) == user


def test_extra_token_validators_and_certificate_precedence() -> None:
    """Registered validators see unknown tokens; a verified certificate wins over a token."""
    robot = User("system:serviceaccount:default:robot", ("system:serviceaccounts",), uid="u1")
    auth = Authenticator("admintoken")
    auth.token_validators.append(lambda token: robot if token == "sa-token" else None)
    assert auth.authenticate(None, "Bearer sa-token") == robot
    assert auth.authenticate(None, "Bearer nope") is None
    jane = peercert(("commonName", "jane"))
    assert auth.authenticate(jane, "Bearer admintoken") == User("jane", ("system:authenticated",))


# ---------------------------------------------------------------------------------------------
# Kubeconfig


async def test_kubeconfig_works_with_the_kubernetes_client(pki: Pki, tmp_path: Path) -> None:
    """The official client loads the kubeconfig and authenticates over TLS as system:admin."""
    auth = Authenticator.from_pki(pki)
    users: list[User | None] = []

    async def version(request: web.Request) -> web.Response:
        assert request.transport is not None
        users.append(auth.authenticate(request.transport.get_extra_info("peercert"), None))
        fields = ("buildDate", "compiler", "gitCommit", "gitTreeState", "goVersion", "platform")
        return web.json_response(
            {"major": "1", "minor": "32", "gitVersion": "v1.32.0"} | dict.fromkeys(fields, "x")
        )

    app = web.Application()
    app.router.add_get("/version/", version)  # the client asks for /version/
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_ssl_context(pki))
    await site.start()
    try:
        port = runner.addresses[0][1]
        path = tmp_path / "data" / "kubeconfig.yaml"
        write_kubeconfig(path, kubeconfig_dict(f"https://127.0.0.1:{port}", pki), merge=False)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        cfg = kclient.Configuration()
        kconfig.load_kube_config(str(path), client_configuration=cfg)  # type: ignore[no-untyped-call]
        api = kclient.VersionApi(kclient.ApiClient(cfg))
        info = await asyncio.to_thread(api.get_code)
    finally:
        await runner.cleanup()
    assert info.git_version == "v1.32.0"
    assert users == [ADMIN]


def test_merge_keeps_other_clusters(pki: Pki, tmp_path: Path) -> None:
    """Merging replaces our entries, keeps everyone else's, and switches current-context."""
    path = tmp_path / "home" / ".kube" / "config"
    path.parent.mkdir(parents=True)
    other = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "prod", "cluster": {"server": "https://prod:6443"}}],
        "users": [{"name": "ops", "user": {"token": "t"}}],
        "contexts": [{"name": "prod", "context": {"cluster": "prod", "user": "ops"}}],
        "current-context": "prod",
    }
    path.write_text(yaml.safe_dump(other))
    for port in (6443, 7443):  # the second write replaces the first, without duplicates
        write_kubeconfig(path, kubeconfig_dict(f"https://127.0.0.1:{port}", pki, user="mkp"))
    merged = yaml.safe_load(path.read_text())
    assert [c["name"] for c in merged["clusters"]] == ["prod", "minikube-py"]
    assert merged["clusters"][1]["cluster"]["server"] == "https://127.0.0.1:7443"
    assert [u["name"] for u in merged["users"]] == ["ops", "mkp"]
    assert [c["name"] for c in merged["contexts"]] == ["prod", "minikube-py"]
    assert merged["current-context"] == "minikube-py"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    contexts, active = kconfig.list_kube_config_contexts(str(path))  # type: ignore[no-untyped-call]
    assert active["name"] == "minikube-py" and len(contexts) == 2


def test_merge_refuses_a_file_that_is_not_a_kubeconfig(pki: Pki, tmp_path: Path) -> None:
    """A file that does not parse as a mapping is left alone."""
    path = tmp_path / "config"
    path.write_text("- just\n- a list\n")
    with pytest.raises(ValueError, match="not a kubeconfig"):
        write_kubeconfig(path, kubeconfig_dict("https://127.0.0.1:6443", pki))
    assert path.read_text() == "- just\n- a list\n"


def test_write_through_symlink_keeps_the_link(pki: Pki, tmp_path: Path) -> None:
    """A symlinked kubeconfig (dotfiles) is updated at its target."""
    target = tmp_path / "dotfiles" / "kubeconfig"
    target.parent.mkdir()
    target.write_text("{}")
    link = tmp_path / "config"
    link.symlink_to(target)
    write_kubeconfig(link, kubeconfig_dict("https://127.0.0.1:6443", pki))
    assert link.is_symlink()
    assert yaml.safe_load(target.read_text())["current-context"] == "minikube-py"


# ---------------------------------------------------------------------------------------------
# Node addresses

FIB_TRIE = """\
Main:
  +-- 0.0.0.0/0 3 0 4
     +-- 127.0.0.0/8 2 0 2
           |-- 127.0.0.1
              /32 host LOCAL
     +-- 192.0.2.0/24 2 0 2
           |-- 192.0.2.0
              /24 link UNICAST
           |-- 192.0.2.2
              /32 host LOCAL
        |-- 192.0.2.255
           /32 link BROADCAST
Local:
     +-- 192.0.2.0/24 2 0 2
           |-- 192.0.2.2
              /32 host LOCAL
"""

IF_INET6 = """\
20010db8000000000000000000000002 02 40 00 80     eth0
20010db8000000000000000000000099 02 40 00 01     eth0
fe8000000000000000fc00fffe000001 02 40 20 80     eth0
00000000000000000000000000000001 01 80 10 80       lo
"""


def test_parse_proc_files() -> None:
    """Local IPv4 trie leaves; global, stable IPv6 addresses only."""
    assert addresses._parse_fib_trie(FIB_TRIE) == ["127.0.0.1", "192.0.2.2", "192.0.2.2"]
    assert addresses._parse_if_inet6(IF_INET6) == ["2001:db8::2"]


def test_node_addresses_are_global_unicast() -> None:
    """This host's addresses: parseable, sorted, without loopback or link-local ones."""
    found = node_addresses()
    ips = [ipaddress.ip_address(a) for a in found]
    assert not any(ip.is_loopback or ip.is_link_local for ip in ips)
    assert ips == sorted(ips, key=lambda ip: (ip.version, ip))
    assert len(set(found)) == len(found)
