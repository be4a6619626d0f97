"""The EventRecorder counts repeats on one Event, as client-go's correlator does."""

from __future__ import annotations

from pathlib import Path

from minikube_py.client import EventRecorder
from tests.unit.inprocess import in_process_api


async def test_a_repeated_event_is_one_event_counted(tmp_path: Path) -> None:
    async with in_process_api(tmp_path) as api:
        events = api.resource("", "events")
        configmaps = api.resource("", "configmaps")
        body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}}
        subject = await api.client.create(configmaps, "ns", body)
        recorder = EventRecorder(api.client, events, "test-controller")
        for _ in range(3):
            await recorder.record(subject, "Normal", "Synced", "all in order")
        await recorder.record(subject, "Warning", "Failed", "something broke")
        listed = (await api.client.list(events, "ns")).items
        counted = {(e["type"], e["reason"]): e["count"] for e in listed}
        assert counted == {("Normal", "Synced"): 3, ("Warning", "Failed"): 1}
        synced = next(e for e in listed if e["reason"] == "Synced")
        assert synced["involvedObject"]["name"] == "cm"
        assert synced["firstTimestamp"] <= synced["lastTimestamp"]
        assert synced["source"] == {"component": "test-controller"}


async def test_a_repeat_of_an_event_that_is_gone_records_a_fresh_one(tmp_path: Path) -> None:
    async with in_process_api(tmp_path) as api:
        events = api.resource("", "events")
        configmaps = api.resource("", "configmaps")
        body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}}
        subject = await api.client.create(configmaps, "ns", body)
        recorder = EventRecorder(api.client, events, "test-controller")
        await recorder.record(subject, "Normal", "Synced", "all in order")
        [first] = (await api.client.list(events, "ns")).items
        await api.client.delete(events, "ns", first["metadata"]["name"])  # as --event-ttl does
        await recorder.record(subject, "Normal", "Synced", "all in order")
        [fresh] = (await api.client.list(events, "ns")).items
        assert (fresh["reason"], fresh["count"]) == ("Synced", 1)
        await recorder.record(subject, "Normal", "Synced", "all in order")
        [counted] = (await api.client.list(events, "ns")).items
        assert (counted["metadata"]["name"], counted["count"]) == (fresh["metadata"]["name"], 2)
