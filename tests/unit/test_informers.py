"""Informers shared by the users of one client, as client-go's SharedInformerFactory."""

from __future__ import annotations

from pathlib import Path

from minikube_py.client import Informer, LocalClient
from minikube_py.reconcilers.podcontrol import OwnedIndex
from minikube_py.resources import Obj
from tests.unit.inprocess import Api, eventually, in_process_api


def config_map(name: str) -> Obj:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {}}


def names_heard(informer: Informer) -> list[tuple[str, str]]:
    heard: list[tuple[str, str]] = []
    informer.add_handler(lambda event, obj, old: heard.append((event, obj["metadata"]["name"])))
    return heard


async def create(api: Api, name: str) -> None:
    await api.client.create(api.resource("", "configmaps"), "ns", config_map(name))


async def test_one_informer_per_resource_and_selectors(tmp_path: Path) -> None:
    async with in_process_api(tmp_path) as api:
        informers = api.client.informers
        configmaps = api.resource("", "configmaps")
        first = informers.informer(configmaps)
        assert informers.informer(configmaps) is first
        assert informers.informer(configmaps, "ns") is not first
        assert informers.informer(configmaps, field_selector="metadata.name=a") is not first
        other_client = LocalClient(api.rest, "another-component")
        assert other_client.informers.informer(configmaps) is not first


async def test_a_handler_added_late_hears_of_the_cached_objects_then_of_changes(
    tmp_path: Path,
) -> None:
    async with in_process_api(tmp_path) as api:
        informer = api.client.informers.informer(api.resource("", "configmaps"), "ns")
        early = names_heard(informer)
        informer.start()
        try:
            await informer.wait_synced()
            await create(api, "before")
            await eventually(lambda: early == [("ADDED", "before")])
            late = names_heard(informer)
            assert late == [("ADDED", "before")]
            await create(api, "after")
            await eventually(lambda: late == [("ADDED", "before"), ("ADDED", "after")])
            assert early == late
        finally:
            await informer.stop()


async def test_the_watch_ends_with_the_last_users_stop(tmp_path: Path) -> None:
    async with in_process_api(tmp_path) as api:
        informer = api.client.informers.informer(api.resource("", "configmaps"), "ns")
        heard = names_heard(informer)
        informer.start()
        informer.start()  # a second controller sharing it
        await informer.wait_synced()
        await informer.stop()
        await create(api, "still-watched")
        await eventually(lambda: heard == [("ADDED", "still-watched")])
        await informer.stop()
        # A witness on another client: once it has heard of the change, a running watch
        # would have too.
        witness = LocalClient(api.rest).informers.informer(informer.resource, "ns")
        witnessed = names_heard(witness)
        witness.start()
        try:
            await create(api, "unheard")
            await eventually(lambda: ("ADDED", "unheard") in witnessed)
        finally:
            await witness.stop()
        assert heard == [("ADDED", "still-watched")]


async def test_controllers_asking_for_an_index_share_one_that_knows_the_cache(
    tmp_path: Path,
) -> None:
    async with in_process_api(tmp_path) as api:
        informer = api.client.informers.informer(api.resource("", "configmaps"), "ns")
        informer.start()
        try:
            await informer.wait_synced()
            await create(api, "orphan")
            await eventually(lambda: informer.get("ns/orphan") is not None)
            index = informer.index(OwnedIndex)  # asked after the object was cached
            assert informer.index(OwnedIndex) is index
            assert [o["metadata"]["name"] for o in index.orphans("ns")] == ["orphan"]
        finally:
            await informer.stop()
