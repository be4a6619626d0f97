"""Start-up order and clean shutdown of the one-process cluster.

Each component starts in turn and prints one line; a failure a user can cause (busy port,
unwritable data dir, missing dockerd, incompatible store) ends start-up with a one-line
`error: ...` and a non-zero exit, never a traceback. Components stop in reverse order.
"""

from __future__ import annotations

import asyncio
import errno
import gc
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from minikube_py.aio import cancel
from minikube_py.cli import ServerConfig

if TYPE_CHECKING:  # the modules themselves load lazily, after the flags are checked
    import ssl

    from minikube_py.apiserver.rest import RestStorage
    from minikube_py.security import Pki
    from minikube_py.store import Store

log = logging.getLogger("minikube_py")
DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock"
SLOW_CALLBACK_SECONDS = 0.02
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


class StartupError(Exception):
    """A start-up failure the user can fix; its message says how."""


def say(component: str, message: str) -> None:
    print(f"{component + ':':<13} {message}", flush=True)


@dataclass
class Cluster:
    """The running components, stopped in reverse order of start."""

    config: ServerConfig
    stops: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def start(self) -> None:
        started = time.monotonic()
        config = self.config
        check_data_dir(config.data_dir)
        await self._check_runtime()
        pki, ssl_context = await self._start_security()
        store = await self._start_store()
        rest = await self._start_api(store, pki, ssl_context)
        await self._start_controllers(rest)
        await self._start_scheduler(rest)
        if config.kubelet and config.runtime == "simulated":
            await self._start_nodes(rest)
        self._announce_missing_components()
        elapsed_ms = (time.monotonic() - started) * 1000
        say("ready", f"in {elapsed_ms:.0f} ms; kubeconfig: {self.kubeconfig_path}")
        say("try", f"kubectl --kubeconfig {self.kubeconfig_path} get namespaces")

    @property
    def kubeconfig_path(self) -> Path:
        return self.config.data_dir / "kubeconfig.yaml"

    async def stop(self) -> None:
        for stop in reversed(self.stops):
            try:
                await stop()
            except Exception:
                log.exception("error while stopping")
        self.stops.clear()

    async def _check_runtime(self) -> None:
        config = self.config
        if not config.kubelet or config.runtime != "docker":
            return
        if os.geteuid() != 0:
            raise StartupError(
                "the Docker runtime and pod networking need root: run as root (sudo), or use "
                "--runtime simulated, or --no-kubelet for the control plane alone"
            )
        socket_path = docker_socket()
        if not await docker_reachable(socket_path):
            raise StartupError(
                f"dockerd is not reachable at {socket_path}: start it (`systemctl start "
                "docker`, or `dockerd &`), or use --runtime simulated"
            )

    async def _start_security(self) -> tuple[Pki, ssl.SSLContext]:
        from minikube_py import security

        config = self.config
        pki = security.Pki.in_data_dir(config.data_dir)
        names = security.ServingNames(
            node_name=config.node_name,
            addresses=tuple(security.node_addresses()),
            service_ip=str(config.first_service_ip),
            cluster_domain=config.cluster_domain,
        )
        issued = await asyncio.to_thread(security.ensure_pki, pki, names)
        ssl_context = security.server_ssl_context(pki)
        what = ", ".join(f"{i.name} ({i.reason})" for i in issued) or "up to date"
        say("certificates", f"{pki.dir}: {what}")

        def reload() -> None:
            security.reload_server_ssl_context(ssl_context, pki)
            self._write_kubeconfigs(pki)  # a renewed CA must reach the clients too
            say("certificates", "renewed; new connections use them")

        renewer = asyncio.create_task(
            security.renew_periodically(pki, lambda: names, on_renew=reload)
        )
        self.stops.append(lambda: cancel(renewer))
        return pki, ssl_context

    async def _start_store(self) -> Store:
        from minikube_py.store import Store, StoreOpenError

        path = self.config.data_dir / "state.db"
        events = event_key_prefixes()
        try:
            # Events are many and rarely read (no controller caches them): kept as bytes.
            store = await Store.open(
                path,
                bytes_only_prefixes=events,
                ttl_by_prefix=dict.fromkeys(events, self.config.event_ttl),
            )
        except StoreOpenError as exc:
            raise StartupError(str(exc)) from None
        self.stops.append(store.close)
        say("store", f"{path} at revision {store.revision}")
        return store

    async def _start_api(self, store: Store, pki: Pki, ssl_context: ssl.SSLContext) -> RestStorage:
        from aiohttp import web

        from minikube_py import security, tokens
        from minikube_py.api import ApiServer
        from minikube_py.apiserver import subresources
        from minikube_py.apiserver.bootstrap import ensure_kubernetes_service, ensure_namespaces
        from minikube_py.apiserver.builtin import builtin_resources
        from minikube_py.reconcilers.volumes import DefaultStorageClass
        from minikube_py.resources import Registry

        config = self.config
        registry = Registry(builtin_resources())
        authenticator = security.Authenticator.from_pki(pki)
        server = ApiServer(
            store,
            registry,
            authenticator,
            server_address=self.server_url.removeprefix("https://"),
            service_cidr=config.service_cidr,
        )
        service_account_tokens = tokens.ServiceAccountTokens(
            tokens.Signer(security.ensure_service_account_key(pki)),
            issuer=tokens.api_audience(config.cluster_domain),
            lookup=tokens.store_lookup(server.rest),
        )
        authenticator.token_validators.append(service_account_tokens.authenticate)
        server.rest.preparers[("", "PersistentVolumeClaim")] = DefaultStorageClass(store, registry)
        await ensure_namespaces(server.rest, SYSTEM_NAMESPACES)
        await ensure_kubernetes_service(server.rest, str(config.first_service_ip), config.port)
        app = server.application()
        app[subresources.TOKENS] = service_account_tokens
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(
            runner, config.bind_address, config.port, ssl_context=ssl_context, reuse_address=True
        )
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise StartupError(_listen_error(config, exc)) from None
        self.stops.append(runner.cleanup)
        self._write_kubeconfigs(pki)
        say("api server", f"{self.server_url} ({len(list(registry))} resources)")
        return server.rest

    async def _start_controllers(self, rest: RestStorage) -> None:
        from minikube_py.client import LocalClient
        from minikube_py.controllers import ControllerManager, ControllerSettings
        from minikube_py.reconcilers.nodelifecycle import NodeLifecycleController

        NodeLifecycleController.grace_period = self.config.node_monitor_grace_period
        manager = ControllerManager(
            LocalClient(rest, "kube-controller-manager"),
            rest.registry,
            ControllerSettings(data_dir=self.config.data_dir),
        )
        await manager.start()
        self.stops.append(manager.stop)
        names = ", ".join(c.name for c in manager.controllers)
        say("controllers", names)

    async def _start_scheduler(self, rest: RestStorage) -> None:
        """Always on: without it every pod would stay Pending with no word of why."""
        from minikube_py.client import LocalClient
        from minikube_py.sched import SCHEDULER_NAME, Scheduler

        scoring = self.config.scheduler_scoring
        scheduler = Scheduler(LocalClient(rest, SCHEDULER_NAME), rest.registry, scoring=scoring)
        await scheduler.start()
        self.stops.append(scheduler.stop)
        say("scheduler", f"{SCHEDULER_NAME}, {scoring} scoring")

    async def _start_nodes(self, rest: RestStorage) -> None:
        from minikube_py.client import LocalClient
        from minikube_py.kubelet.nodestatus import SIMULATED_ANNOTATION
        from minikube_py.node import start_nodes
        from minikube_py.runtime import RUNTIME_VERSION

        config = self.config
        started = time.monotonic()
        stop = await start_nodes(LocalClient(rest, "kubelet"), rest.registry, config)
        self.stops.append(stop)
        elapsed_ms = (time.monotonic() - started) * 1000
        count = config.simulated_nodes
        names = f"{config.node_name}-sim-0..{count - 1}" if count else "none yet"
        say(
            "node",
            f"{count} simulated ({names}; {RUNTIME_VERSION}) Ready in {elapsed_ms:.0f} ms; "
            f"Nodes annotated {SIMULATED_ANNOTATION}=true join them",
        )

    @property
    def server_url(self) -> str:
        config = self.config
        host = "127.0.0.1" if config.bind_address in ("0.0.0.0", "::") else config.bind_address
        return f"https://{host}:{config.port}"

    def _write_kubeconfigs(self, pki: Pki) -> None:
        from minikube_py import security

        # A distinct user name: merging must not clobber an `admin` of another cluster.
        kubeconfig = security.kubeconfig_dict(self.server_url, pki, user="minikube-py-admin")
        security.write_kubeconfig(self.kubeconfig_path, kubeconfig, merge=False)
        if self.config.write_kubeconfig:
            security.write_kubeconfig(self.config.write_kubeconfig, kubeconfig, merge=True)

    def _announce_missing_components(self) -> None:
        """Say plainly what this build does not run yet, and which flags wait for it."""
        config = self.config
        nodes_run = config.kubelet and config.runtime == "simulated"
        if config.kubelet and not nodes_run:
            say(
                "node",
                f"none yet: the {config.runtime} runtime is not in this build; use --runtime "
                "simulated, or --no-kubelet for the control plane only",
            )
        waiting = [
            flag
            for flag, used in (
                ("--pod-cidr", not nodes_run and str(config.pod_cidr) != "10.244.0.0/16"),
                ("--cluster-dns", config.cluster_dns != config.service_cidr.network_address + 10),
                ("--simulated-nodes", not nodes_run and config.simulated_nodes > 0),
                ("--offline", config.offline),
            )
            if used
        ]
        if waiting:
            say("note", f"{', '.join(waiting)} take effect once nodes run; not in this build")


def event_key_prefixes() -> tuple[str, ...]:
    """Where both Event resources (core/v1 and events.k8s.io/v1) keep their objects."""
    from minikube_py.apiserver.builtin import EVENT_RESOURCES, builtin_resources

    return tuple(
        r.key_prefix() for r in builtin_resources() if (r.group, r.plural) in EVENT_RESOURCES
    )


def check_data_dir(data_dir: Path) -> None:
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        probe = data_dir / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise StartupError(
            f"the data dir {data_dir} is not writable ({exc.strerror}): fix its permissions "
            "or choose another with --data-dir"
        ) from None


def docker_socket() -> str:
    """dockerd's socket: DOCKER_HOST when it names a unix socket, as the docker CLI does."""
    host = os.environ.get("DOCKER_HOST", "")
    return host.removeprefix("unix://") if host.startswith("unix://") else DEFAULT_DOCKER_SOCKET


async def docker_reachable(socket_path: str) -> bool:
    from aiohttp import ClientError, ClientSession, ClientTimeout, UnixConnector

    if not Path(socket_path).exists():
        return False
    try:
        async with (
            ClientSession(
                connector=UnixConnector(path=socket_path), timeout=ClientTimeout(total=3)
            ) as session,
            session.get("http://docker/_ping") as response,
        ):
            return response.status == 200
    except (ClientError, OSError, TimeoutError):
        return False


def _listen_error(config: ServerConfig, exc: OSError) -> str:
    where = f"{config.bind_address}:{config.port}"
    if exc.errno == errno.EADDRINUSE:
        return (
            f"cannot listen on {where}: the address is already in use (another minikube_py or "
            "API server?): stop it or choose another --port"
        )
    if exc.errno == errno.EACCES:
        return f"cannot listen on {where}: permission denied (ports below 1024 need root)"
    return f"cannot listen on {where}: {exc.strerror or exc}"


async def serve(config: ServerConfig) -> int:
    cluster = Cluster(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if config.log_level == "debug":
        # asyncio then logs every callback that holds the loop longer than this: a bug here
        loop.set_debug(True)
        loop.slow_callback_duration = SLOW_CALLBACK_SECONDS
    try:
        await cluster.start()
    except StartupError as exc:
        await cluster.stop()
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    # Everything built during start-up lives for the whole run: keep it out of the collector's
    # full passes, which otherwise stall the loop for 100+ ms once the store holds many objects.
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    await stop.wait()
    say("shutdown", "stopping components")
    await cluster.stop()
    say("shutdown", "done; the store is flushed")
    return 0


def run(config: ServerConfig) -> int:
    logging.basicConfig(
        level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return asyncio.run(serve(config))
