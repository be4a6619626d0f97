"""Jobs (`minikube_py.reconcilers.job`): counting, backoff, indexes, the controller."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from minikube_py.reconcilers import job as jobs
from minikube_py.reconcilers.job import Backoff
from minikube_py.resources import Obj, clone
from tests.unit.inprocess import Api, eventually, in_process_api

NOW = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("failures", "seconds"),
    [
        pytest.param(0, 0, id="none"),
        pytest.param(1, 10, id="first"),
        pytest.param(2, 20, id="doubles"),
        pytest.param(4, 80, id="fourth"),
        pytest.param(7, 360, id="capped"),
        pytest.param(30, 360, id="stays-capped"),
    ],
)
def test_backoff_delay(failures: int, seconds: int) -> None:
    """10 s after the first failure, doubling, at most six minutes."""
    assert jobs.backoff_delay(failures) == timedelta(seconds=seconds)


def finished_pod(uid: str, phase: str, at: datetime) -> Obj:
    terminated = {"finishedAt": at.strftime("%Y-%m-%dT%H:%M:%SZ")}
    return {
        "metadata": {"uid": uid, "name": uid},
        "status": {"phase": phase, "containerStatuses": [{"state": {"terminated": terminated}}]},
    }


def test_backoff_record_counts_failures_since_last_success() -> None:
    """Failures add up; a success resets the count to the failures after it."""
    t = NOW
    record = Backoff().after([], [finished_pod("a", "Failed", t)], t)
    assert record == Backoff(1, t)
    record = record.after([], [finished_pod("b", "Failed", t + timedelta(seconds=5))], t)
    assert record.failures == 2
    assert record.remaining(t + timedelta(seconds=15)) == timedelta(seconds=10)
    assert record.remaining(t + timedelta(seconds=60)) == timedelta(0)
    later = t + timedelta(seconds=30)
    reset = record.after(
        [finished_pod("c", "Succeeded", later)],
        [finished_pod("d", "Failed", later + timedelta(seconds=1))],
        t,
    )
    assert reset == Backoff(1, later + timedelta(seconds=1))
    assert record.after([finished_pod("e", "Succeeded", later)], [], t) == Backoff()


@pytest.mark.parametrize(
    ("spec", "succeeded", "active", "want"),
    [
        pytest.param({"completions": 3, "parallelism": 2}, 0, 0, 2, id="parallelism"),
        pytest.param({"completions": 3, "parallelism": 2}, 2, 1, 1, id="remaining"),
        pytest.param({"completions": 3, "parallelism": 2}, 3, 0, 0, id="done"),
        pytest.param({"parallelism": 2}, 0, 1, 2, id="work-queue"),
        pytest.param({"parallelism": 2}, 1, 1, 1, id="work-queue-draining"),
    ],
)
def test_wanted_active(spec: Obj, succeeded: int, active: int, want: int) -> None:
    assert jobs.wanted_active({"spec": spec}, succeeded=succeeded, active=active) == want


@pytest.mark.parametrize(
    ("indexes", "text"),
    [
        pytest.param([], "", id="empty"),
        pytest.param([0, 1, 2, 5, 7, 8], "0-2,5,7-8", id="ranges"),
        pytest.param([3], "3", id="single"),
    ],
)
def test_index_text_round_trip(indexes: list[int], text: str) -> None:
    assert jobs.format_indexes(indexes) == text
    assert jobs.parse_indexes(text, 10) == set(indexes)


def test_parse_indexes_drops_out_of_range() -> None:
    assert jobs.parse_indexes("1-4,9", 3) == {1, 2}


def test_move_counted_needs_the_finalizer_gone() -> None:
    """An uncounted uid becomes a count only once its pod lost the finalizer."""
    status = {"succeeded": 1, "uncountedTerminatedPods": {"succeeded": ["a", "b"], "failed": ["c"]}}
    assert jobs.move_counted(status, {"b"})
    assert status == {"succeeded": 2, "failed": 1, "uncountedTerminatedPods": {"succeeded": ["b"]}}
    assert not jobs.move_counted(status, {"b"})


def test_indexed_pod() -> None:
    """Indexed pods carry their index as annotation, label, env and hostname."""
    job = job_body(completionMode="Indexed")
    job["metadata"]["uid"] = "job-uid"
    pod = jobs.new_pod(job, 2)
    assert pod["metadata"]["annotations"][jobs.INDEX_KEY] == "2"
    assert pod["metadata"]["labels"][jobs.INDEX_KEY] == "2"
    assert pod["metadata"]["generateName"] == "pi-2-"
    assert pod["metadata"]["finalizers"] == [jobs.TRACKING_FINALIZER]
    assert pod["spec"]["hostname"] == "pi-2"
    env = pod["spec"]["containers"][0]["env"]
    assert env[-1]["name"] == "JOB_COMPLETION_INDEX"


def test_ttl_remaining() -> None:
    job = job_body(ttlSecondsAfterFinished=60)
    job["status"] = {
        "completionTime": "2025-01-01T00:00:00Z",
        "conditions": [{"type": "Complete", "status": "True"}],
    }
    assert jobs.ttl_remaining(job, NOW + timedelta(seconds=20)) == timedelta(seconds=40)
    assert jobs.ttl_remaining(job_body(), NOW) is None


# ---- the controller, in process --------------------------------------------------------------


def job_body(**spec: object) -> Obj:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "pi", "namespace": "ns"},
        "spec": {
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "pi", "image": "perl"}],
                }
            },
            **spec,
        },
    }


def live_pods(api: Api) -> list[Obj]:
    return [e.value for e in api.rest.list(api.resource("", "pods"), "ns").entries]


async def finish(api: Api, pod: Obj, phase: str) -> None:
    current = clone(await api.client.get(api.resource("", "pods"), "ns", pod["metadata"]["name"]))
    current["status"]["phase"] = phase
    await api.client.update(api.resource("", "pods"), "ns", current, subresource="status")


def job_status(api: Api) -> Obj:
    resource = api.rest.registry.get("batch", "v1", "jobs")
    assert resource is not None
    entry = api.rest.store.get(resource.key("ns", "pi"))
    return dict(entry.value.get("status") or {}) if entry else {}


def condition_types(api: Api) -> list[str]:
    return [c["type"] for c in job_status(api).get("conditions") or []]


async def start(api: Api, body: Obj) -> jobs.JobController:
    resource = api.rest.registry.get("batch", "v1", "jobs")
    assert resource is not None
    await api.client.create(resource, "ns", body)
    controller = await api.run(jobs.JobController)
    assert isinstance(controller, jobs.JobController)
    return controller


async def test_job_completes_with_parallelism(tmp_path: Path) -> None:
    """completions 3, parallelism 2: two pods, then one; each success counted once, the
    tracking finalizers released, SuccessCriteriaMet then Complete."""
    async with in_process_api(tmp_path) as api:
        await start(api, job_body(completions=3, parallelism=2))
        await eventually(lambda: len(live_pods(api)) == 2)
        assert all(jobs.has_finalizer(p) for p in live_pods(api))
        for pod in live_pods(api):
            await finish(api, pod, "Succeeded")
        await eventually(lambda: len(live_pods(api)) == 3)
        await eventually(lambda: job_status(api).get("succeeded") == 2)
        running = [p for p in live_pods(api) if p["status"]["phase"] == "Pending"]
        assert len(running) == 1
        await finish(api, running[0], "Succeeded")
        await eventually(lambda: "Complete" in condition_types(api))
        status = job_status(api)
        assert condition_types(api) == ["SuccessCriteriaMet", "Complete"]
        assert status["succeeded"] == 3 and "active" not in status
        assert status["completionTime"] and status["startTime"]
        assert status["uncountedTerminatedPods"] == {}
        assert not any(jobs.has_finalizer(p) for p in live_pods(api))


async def test_job_fails_past_backoff_limit(tmp_path: Path) -> None:
    """backoffLimit 0: the first failure fails the Job (FailureTarget, then Failed)."""
    async with in_process_api(tmp_path) as api:
        await start(api, job_body(backoffLimit=0))
        await eventually(lambda: len(live_pods(api)) == 1)
        await finish(api, live_pods(api)[0], "Failed")
        await eventually(lambda: "Failed" in condition_types(api))
        status = job_status(api)
        assert condition_types(api) == ["FailureTarget", "Failed"]
        assert status["conditions"][-1]["reason"] == "BackoffLimitExceeded"
        assert status["failed"] == 1
        assert len(live_pods(api)) == 1  # failed pods stay for their logs


async def test_failure_waits_for_backoff(tmp_path: Path) -> None:
    """After a failure the replacement waits for the backoff (here: a clock moved by hand)."""
    async with in_process_api(tmp_path) as api:
        controller = await start(api, job_body(backoffLimit=3))
        await eventually(lambda: len(live_pods(api)) == 1)
        await finish(api, live_pods(api)[0], "Failed")
        await eventually(lambda: job_status(api).get("failed") == 1)
        assert len(live_pods(api)) == 1
        controller.clock = lambda: datetime.now(UTC) + timedelta(seconds=11)
        controller.queue.add("ns/pi")
        await eventually(lambda: len(live_pods(api)) == 2)


async def test_indexed_job_completes_each_index(tmp_path: Path) -> None:
    async with in_process_api(tmp_path) as api:
        await start(api, job_body(completions=3, parallelism=3, completionMode="Indexed"))
        await eventually(lambda: len(live_pods(api)) == 3)
        indexes = sorted(p["metadata"]["annotations"][jobs.INDEX_KEY] for p in live_pods(api))
        assert indexes == ["0", "1", "2"]
        for pod in live_pods(api):
            await finish(api, pod, "Succeeded")
        await eventually(lambda: "Complete" in condition_types(api))
        assert job_status(api)["completedIndexes"] == "0-2"


async def test_deleted_job_releases_its_pods(tmp_path: Path) -> None:
    """Deleting a running Job leaves no pod stuck on the tracking finalizer."""
    async with in_process_api(tmp_path) as api:
        await start(api, job_body())
        await eventually(lambda: len(live_pods(api)) == 1)
        resource = api.rest.registry.get("batch", "v1", "jobs")
        assert resource is not None
        await api.client.delete(resource, "ns", "pi", propagation_policy="Background")
        await eventually(lambda: not any(jobs.has_finalizer(p) for p in live_pods(api)))


async def test_active_deadline_fails_the_job(tmp_path: Path) -> None:
    """Past activeDeadlineSeconds the running pods go and the Job fails with DeadlineExceeded."""
    async with in_process_api(tmp_path) as api:
        controller = await start(api, job_body(activeDeadlineSeconds=30))
        await eventually(lambda: len(live_pods(api)) == 1)
        controller.clock = lambda: datetime.now(UTC) + timedelta(seconds=31)
        controller.queue.add("ns/pi")
        await eventually(lambda: "Failed" in condition_types(api))
        assert condition_types(api) == ["FailureTarget", "Failed"]
        assert job_status(api)["conditions"][-1]["reason"] == "DeadlineExceeded"
        assert live_pods(api) == [] and job_status(api)["failed"] == 1


async def test_suspend_and_resume(tmp_path: Path) -> None:
    """A suspended Job has no pods and a Suspended condition; resuming starts them."""
    async with in_process_api(tmp_path) as api:
        await start(api, job_body(suspend=True, parallelism=2, completions=2))
        await eventually(lambda: "Suspended" in condition_types(api))
        assert live_pods(api) == [] and "startTime" not in job_status(api)
        resource = api.rest.registry.get("batch", "v1", "jobs")
        assert resource is not None
        current = clone(await api.client.get(resource, "ns", "pi"))
        current["spec"]["suspend"] = False
        await api.client.update(resource, "ns", current)
        await eventually(lambda: len(live_pods(api)) == 2)
        suspended = job_status(api)["conditions"][0]
        assert (suspended["status"], suspended["reason"]) == ("False", "JobResumed")


async def test_ttl_deletes_finished_job(tmp_path: Path) -> None:
    """ttlSecondsAfterFinished removes the Job once it has passed."""
    async with in_process_api(tmp_path) as api:
        controller = await start(api, job_body(ttlSecondsAfterFinished=60))
        await eventually(lambda: len(live_pods(api)) == 1)
        await finish(api, live_pods(api)[0], "Succeeded")
        await eventually(lambda: "Complete" in condition_types(api))
        controller.clock = lambda: datetime.now(UTC) + timedelta(seconds=61)
        controller.queue.add("ns/pi")
        resource = api.rest.registry.get("batch", "v1", "jobs")
        assert resource is not None

        def deleting() -> bool:  # in the foreground: the garbage collector (not run) finishes
            entry = api.rest.store.get(resource.key("ns", "pi"))
            return entry is None or bool(entry.value["metadata"].get("deletionTimestamp"))

        await eventually(deleting)
