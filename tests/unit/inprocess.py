"""The API in process, for tests of controllers: a store, the REST layer and a LocalClient, as
a server's controllers see them, and a wait for what those controllers do asynchronously."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from minikube_py.apiserver.bootstrap import ensure_namespaces
from minikube_py.apiserver.builtin import builtin_resources
from minikube_py.apiserver.rest import RestStorage
from minikube_py.client import LocalClient
from minikube_py.controllers import Controller, ControllerSettings
from minikube_py.resources import Registry, Resource
from minikube_py.store import Store


@dataclass
class Api:
    """The API in process: what the controllers of a server see."""

    rest: RestStorage
    client: LocalClient
    data_dir: Path

    def resource(self, group: str, plural: str) -> Resource:
        found = self.rest.registry.get(group, "v1", plural)
        assert found is not None
        return found

    async def run(self, controller_class: type[Controller]) -> Controller:
        controller = controller_class(self.client, self.rest.registry)
        controller.settings = ControllerSettings(data_dir=self.data_dir)
        await controller.start()
        self._started.append(controller)
        return controller

    def __post_init__(self) -> None:
        self._started: list[Controller] = []


@contextlib.asynccontextmanager
async def in_process_api(tmp_path: Path) -> AsyncIterator[Api]:
    """A store, the REST layer and an in-process client; controllers stop at the end."""
    store = await Store.open(tmp_path / "state.db")
    rest = RestStorage(store, Registry(builtin_resources()))
    await ensure_namespaces(rest, ["default", "ns"])
    api = Api(rest, LocalClient(rest), tmp_path)
    try:
        yield api
    finally:
        for controller in reversed(api._started):
            await controller.stop()
        await store.close()


async def eventually(check: Callable[[], object], timeout: float = 10.0) -> None:
    """Wait until `check()` holds; controllers work asynchronously."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition not met"
        await asyncio.sleep(0.01)
