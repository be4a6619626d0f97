"""CronJobs (`minikube_py.reconcilers.cronjob`): cron parsing, next runs, the controller."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from minikube_py.reconcilers import cronjob
from minikube_py.reconcilers.cronjob import Missed, ScheduleError
from minikube_py.resources import Obj, clone
from tests.unit.inprocess import Api, eventually, in_process_api


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("spec", "after", "expected"),
    [
        pytest.param(
            "*/1 * * * *", "2025-01-01T10:05:00", "2025-01-01T10:06:00", id="every-minute"
        ),
        pytest.param("*/1 * * * *", "2025-01-01T10:05:30", "2025-01-01T10:06:00", id="mid-minute"),
        pytest.param("*/15 * * * *", "2025-01-01T10:05:00", "2025-01-01T10:15:00", id="step"),
        pytest.param("5 * * * *", "2025-01-01T10:05:00", "2025-01-01T11:05:00", id="hourly-at-5"),
        pytest.param("@hourly", "2025-01-01T10:05:00", "2025-01-01T11:00:00", id="at-hourly"),
        pytest.param("@daily", "2025-01-01T10:05:00", "2025-01-02T00:00:00", id="at-daily"),
        pytest.param("@weekly", "2025-01-01T10:05:00", "2025-01-05T00:00:00", id="at-weekly"),
        pytest.param("@monthly", "2025-01-31T10:05:00", "2025-02-01T00:00:00", id="at-monthly"),
        pytest.param("@yearly", "2025-03-01T00:00:00", "2026-01-01T00:00:00", id="at-yearly"),
        pytest.param(
            "0 9-17/4 * * *", "2025-01-01T10:00:00", "2025-01-01T13:00:00", id="range-step"
        ),
        pytest.param(
            "30 2 * * mon-fri", "2025-01-03T03:00:00", "2025-01-06T02:30:00", id="weekdays"
        ),
        pytest.param("0 0 1 jan,jul *", "2025-02-01T00:00:00", "2025-07-01T00:00:00", id="months"),
        pytest.param("0 0 13 * 5", "2025-01-01T00:00:00", "2025-01-03T00:00:00", id="dom-or-dow"),
        pytest.param("0 0 13 * *", "2025-01-01T00:00:00", "2025-01-13T00:00:00", id="dom-only"),
        pytest.param("0 0 * * 5", "2025-01-01T00:00:00", "2025-01-03T00:00:00", id="dow-only"),
        pytest.param("0 0 29 2 *", "2025-01-01T00:00:00", "2028-02-29T00:00:00", id="leap-day"),
        pytest.param("0 0 ? * SUN", "2025-01-01T00:00:00", "2025-01-05T00:00:00", id="question"),
        pytest.param("10/20 * * * *", "2025-01-01T10:00:00", "2025-01-01T10:10:00", id="n-slash"),
        pytest.param("@every 90s", "2025-01-01T10:00:00", "2025-01-01T10:01:30", id="every"),
        pytest.param("0 0 31 2 *", "2025-01-01T00:00:00", None, id="never"),
    ],
)
def test_next(spec: str, after: str, expected: str | None) -> None:
    """robfig/cron's standard parser and Next, field by field."""
    got = cronjob.parse_schedule(spec).next(at(after))
    assert got == (at(expected) if expected else None)


def test_time_zones() -> None:
    """A zone from timeZone, or from a CRON_TZ= prefix, places the schedule in local time."""
    tokyo = ZoneInfo("Asia/Tokyo")
    got = cronjob.parse_schedule("0 9 * * *", tokyo).next(at("2025-01-01T00:00:00"))
    assert got == at("2025-01-02T00:00:00")  # 09:00 in Tokyo is midnight UTC
    prefixed = cronjob.parse_schedule("CRON_TZ=Asia/Tokyo 0 9 * * *")
    assert prefixed.next(at("2025-01-01T00:00:00")) == got


def test_daylight_saving_gap() -> None:
    """A time that does not exist on a spring-forward day is not invented."""
    berlin = ZoneInfo("Europe/Berlin")
    schedule = cronjob.parse_schedule("30 2 * * *", berlin)
    got = schedule.next(datetime(2025, 3, 29, 12, tzinfo=berlin))
    assert got is not None and got.astimezone(berlin).hour in (2, 3)
    assert got.astimezone(berlin).day in (30, 31)


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param("* * * *", id="four-fields"),
        pytest.param("* * * * * *", id="six-fields"),
        pytest.param("60 * * * *", id="minute-too-big"),
        pytest.param("* * * * 7", id="weekday-seven"),
        pytest.param("* * 0 * *", id="day-zero"),
        pytest.param("5-1 * * * *", id="backwards"),
        pytest.param("*/0 * * * *", id="zero-step"),
        pytest.param("@fortnightly", id="descriptor"),
        pytest.param("x * * * *", id="word"),
        pytest.param("TZ=Mars/Olympus * * * * *", id="zone"),
    ],
)
def test_bad_schedules(spec: str) -> None:
    with pytest.raises(ScheduleError):
        cronjob.parse_schedule(spec)


def cron(**spec: object) -> Obj:
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {
            "name": "hello",
            "namespace": "ns",
            "uid": "cj-uid",
            "creationTimestamp": "2025-01-01T10:00:30Z",
        },
        "spec": {
            "schedule": "*/1 * * * *",
            "concurrencyPolicy": "Allow",
            "jobTemplate": {
                "metadata": {"labels": {"team": "a"}},
                "spec": {
                    "template": {
                        "spec": {
                            "restartPolicy": "OnFailure",
                            "containers": [{"name": "hello", "image": "busybox"}],
                        }
                    }
                },
            },
            **spec,
        },
        "status": {},
    }


def test_most_recent_schedule() -> None:
    """Nothing before the first time; then the latest passed time; many missed are flagged."""
    schedule = cronjob.parse_schedule("*/1 * * * *")
    before = cronjob.most_recent_schedule(
        cron(), at("2025-01-01T10:00:59"), schedule, with_deadline=True
    )
    assert before.most_recent is None
    due = cronjob.most_recent_schedule(
        cron(), at("2025-01-01T10:01:10"), schedule, with_deadline=True
    )
    assert (due.most_recent, due.missed) == (at("2025-01-01T10:01:00"), Missed.NONE)
    late = cronjob.most_recent_schedule(
        cron(), at("2025-01-01T10:05:10"), schedule, with_deadline=True
    )
    assert (late.most_recent, late.missed) == (at("2025-01-01T10:05:00"), Missed.FEW)
    days = cronjob.most_recent_schedule(
        cron(), at("2025-01-03T10:05:10"), schedule, with_deadline=True
    )
    assert (days.most_recent, days.missed) == (at("2025-01-03T10:05:00"), Missed.MANY)
    bounded = cronjob.most_recent_schedule(
        cron(startingDeadlineSeconds=30), at("2025-01-03T10:05:10"), schedule, with_deadline=True
    )
    assert (bounded.most_recent, bounded.missed) == (at("2025-01-03T10:05:00"), Missed.NONE)


def test_next_delay_and_job_name() -> None:
    schedule = cronjob.parse_schedule("*/1 * * * *")
    delay = cronjob.next_schedule_delay(cron(), at("2025-01-01T10:00:40"), schedule)
    assert delay == timedelta(seconds=20, milliseconds=100)
    scheduled = at("2025-01-01T10:01:00")
    assert cronjob.job_name(cron(), scheduled) == f"hello-{int(scheduled.timestamp()) // 60}"
    job = cronjob.job_from_template(cron(), scheduled, UTC)
    assert job["metadata"]["annotations"][cronjob.SCHEDULED_ANNOTATION] == "2025-01-01T10:01:00Z"
    assert job["metadata"]["labels"] == {"team": "a"}
    assert job["metadata"]["ownerReferences"][0]["uid"] == "cj-uid"


def test_surplus_jobs_oldest_first() -> None:
    jobs = [
        {"metadata": {"name": n}, "status": {"startTime": t}}
        for n, t in (("b", "2025-01-02T00:00:00Z"), ("a", "2025-01-01T00:00:00Z"), ("c", None))
    ]
    assert [j["metadata"]["name"] for j in cronjob.surplus_jobs(jobs, 1)] == ["a", "b"]


# ---- the controller with an injected clock ---------------------------------------------------


def jobs_of(api: Api) -> list[Obj]:
    resource = api.rest.registry.get("batch", "v1", "jobs")
    assert resource is not None
    return [e.value for e in api.rest.list(resource, "ns").entries]


def cron_status(api: Api) -> Obj:
    resource = api.rest.registry.get("batch", "v1", "cronjobs")
    assert resource is not None
    entry = api.rest.store.get(resource.key("ns", "hello"))
    assert entry is not None
    return dict(entry.value.get("status") or {})


async def start(api: Api, body: Obj, clock_offset: timedelta) -> cronjob.CronJobController:
    """Create the CronJob and run the controller with a clock `clock_offset` ahead."""
    resource = api.rest.registry.get("batch", "v1", "cronjobs")
    assert resource is not None
    body = clone(body)
    for field in ("uid", "creationTimestamp"):
        body["metadata"].pop(field)
    await api.client.create(resource, "ns", body)
    controller = await api.run(cronjob.CronJobController)
    assert isinstance(controller, cronjob.CronJobController)
    controller.clock = lambda: datetime.now(UTC) + clock_offset
    controller.queue.add("ns/hello")
    return controller


async def test_controller_starts_the_due_job(tmp_path: Path) -> None:
    """Two minutes on, the latest missed time starts one Job; active and lastScheduleTime say so."""
    async with in_process_api(tmp_path) as api:
        await start(api, cron(), timedelta(minutes=2))
        await eventually(lambda: len(jobs_of(api)) == 1)
        job = jobs_of(api)[0]
        scheduled = cronjob.parse_time(job["metadata"]["annotations"][cronjob.SCHEDULED_ANNOTATION])
        assert scheduled is not None
        assert job["metadata"]["name"] == f"hello-{int(scheduled.timestamp()) // 60}"
        await eventually(lambda: bool(cron_status(api).get("active")))
        status = cron_status(api)
        assert status["active"][0]["name"] == job["metadata"]["name"]
        assert cronjob.parse_time(status["lastScheduleTime"]) == scheduled


async def test_suspended_and_forbid(tmp_path: Path) -> None:
    """A suspended CronJob starts nothing; Forbid waits while a Job is active."""
    async with in_process_api(tmp_path) as api:
        controller = await start(api, cron(suspend=True), timedelta(minutes=2))
        await eventually(lambda: len(controller.queue) == 0)
        assert jobs_of(api) == []
        resource = api.rest.registry.get("batch", "v1", "cronjobs")
        assert resource is not None
        current = clone(await api.client.get(resource, "ns", "hello"))
        current["spec"].update(suspend=False, concurrencyPolicy="Forbid")
        await api.client.update(resource, "ns", current)
        await eventually(lambda: len(jobs_of(api)) == 1)
        controller.clock = lambda: datetime.now(UTC) + timedelta(minutes=5)
        controller.queue.add("ns/hello")
        await eventually(lambda: len(controller.queue) == 0)
        assert len(jobs_of(api)) == 1


async def test_completed_job_leaves_active_and_history_is_trimmed(tmp_path: Path) -> None:
    """A finished Job leaves status.active; Jobs beyond the history limit are deleted."""
    async with in_process_api(tmp_path) as api:
        controller = await start(api, cron(successfulJobsHistoryLimit=1), timedelta(minutes=2))
        await eventually(lambda: len(jobs_of(api)) == 1)
        jobs = api.rest.registry.get("batch", "v1", "jobs")
        assert jobs is not None
        for minutes in (3, 4):
            for job in jobs_of(api):
                if not job.get("status", {}).get("conditions"):
                    done = clone(job)
                    done["status"] = {
                        "startTime": job["metadata"]["creationTimestamp"],
                        "completionTime": job["metadata"]["creationTimestamp"],
                        "conditions": [{"type": "Complete", "status": "True"}],
                    }
                    await api.client.update(jobs, "ns", done, subresource="status")
            await eventually(lambda: not cron_status(api).get("active"))
            controller.clock = lambda m=minutes: datetime.now(UTC) + timedelta(minutes=m)
            controller.queue.add("ns/hello")
            await eventually(lambda: bool(cron_status(api).get("active")))
        await eventually(lambda: len(jobs_of(api)) == 2)  # one kept in history, one running
        assert cron_status(api)["lastSuccessfulTime"]
