"""The CronJob controller (k8s `pkg/controller/cronjob`, v2) and its cron schedules.

Schedules are parsed as robfig/cron v3's standard parser does, because that is what Kubernetes
uses: five fields (minute, hour, day of month, month, day of week) of lists, ranges, steps and
names, `?` for `*`, the `@hourly`-style descriptors and `@every <duration>`, and a `CRON_TZ=` /
`TZ=` prefix. Day of month and day of week match either one, unless one of them is `*`, in which
case both must match (Vixie cron's rule). Times without a zone are the controller's, UTC here.

Each sync of a CronJob looks at its Jobs (those it controls): finished ones leave
`status.active` (`SawCompletedJob`) and are trimmed to the history limits; then, unless it is
suspended, the most recent schedule time that has passed and was not run yet starts a Job named
`<cronjob>-<minutes since the epoch>` (the name doubles as a lock against running twice), if
startingDeadlineSeconds and the concurrency policy allow. The key is requeued for the next time.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from email.utils import format_datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from minikube_py.apiserver.errors import ApiError
from minikube_py.client import Client, EventRecorder, object_key
from minikube_py.controllers import Controller
from minikube_py.reconcilers.job import finished
from minikube_py.reconcilers.podcontrol import (
    OwnedIndex,
    controller_of,
    controller_ref,
    format_time,
    is_conflict,
    parse_time,
)
from minikube_py.resources import Obj, Registry, clone

KIND = "CronJob"
SCHEDULED_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp"
NEXT_SCHEDULE_DELTA = timedelta(milliseconds=100)  # requeue just after the schedule time
MANY_MISSED = 100
RETRY_SECONDS = 0.2


# ---- schedules -------------------------------------------------------------------------------


class ScheduleError(ValueError):
    """A schedule robfig/cron would not parse; the message says why."""


@dataclass(frozen=True, slots=True)
class Field:
    low: int
    high: int
    names: dict[str, int]


_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun"), start=1)} | {
    m: i for i, m in enumerate(("jul", "aug", "sep", "oct", "nov", "dec"), start=7)
}
_DAYS = {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
FIELDS = (
    Field(0, 59, {}),  # minute
    Field(0, 23, {}),  # hour
    Field(1, 31, {}),  # day of month
    Field(1, 12, _MONTHS),
    Field(0, 6, _DAYS),  # day of week, Sunday = 0
)
DESCRIPTORS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_GO_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)")
_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def _number(text: str, names: dict[str, int]) -> int:
    if text.lower() in names:
        return names[text.lower()]
    if not text.isdigit():
        raise ScheduleError(f"failed to parse int from {text}")
    return int(text)


def parse_field(text: str, field: Field) -> tuple[frozenset[int], bool]:
    """The values a field allows, and whether it is a star (`*` or `?`, step 1)."""
    values: set[int] = set()
    star = False
    for part in text.split(","):
        range_text, _, step_text = part.partition("/")
        if range_text in ("*", "?"):
            low, high, part_star = field.low, field.high, True
        else:
            low_text, dash, high_text = range_text.partition("-")
            low = _number(low_text, field.names)
            high = _number(high_text, field.names) if dash else low
            part_star = False
        step = 1
        if step_text:
            step = _number(step_text, {})
            if not dash_or_star(range_text):
                high = field.high  # "N/step" means "N-max/step"
            part_star = part_star and step == 1
        if low < field.low:
            raise ScheduleError(f"beginning of range ({low}) below minimum ({field.low}): {part}")
        if high > field.high:
            raise ScheduleError(f"end of range ({high}) above maximum ({field.high}): {part}")
        if low > high:
            raise ScheduleError(f"beginning of range ({low}) beyond end of range ({high}): {part}")
        if step == 0:
            raise ScheduleError(f"step of range should be a positive number: {part}")
        values.update(range(low, high + 1, step))
        star = star or part_star
    return frozenset(values), star


def dash_or_star(range_text: str) -> bool:
    return "-" in range_text or range_text in ("*", "?")


@dataclass(frozen=True, slots=True)
class Schedule:
    """A parsed 5-field schedule in a zone (robfig SpecSchedule with seconds = 0)."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    days_star: bool
    weekdays_star: bool
    zone: tzinfo = UTC

    def day_matches(self, moment: datetime) -> bool:
        day = moment.day in self.days
        weekday = (moment.weekday() + 1) % 7 in self.weekdays
        if self.days_star or self.weekdays_star:
            return day and weekday
        return day or weekday

    def next(self, after: datetime) -> datetime | None:
        """The first matching time after `after`, or None for five years (SpecSchedule.Next)."""
        t = after.astimezone(self.zone).replace(microsecond=0) + timedelta(seconds=1)
        year_limit = t.year + 5
        while t.year <= year_limit:
            if t.month not in self.months:
                t = _next_month(t)
                continue
            if not self.day_matches(t):
                t = _wall(t.replace(hour=0, minute=0, second=0) + timedelta(days=1))
                continue
            if t.hour not in self.hours:
                t = _add(t.replace(minute=0, second=0), timedelta(hours=1))
                continue
            if t.minute not in self.minutes:
                t = _add(t.replace(second=0), timedelta(minutes=1))
                continue
            if t.second != 0:
                t = _add(t.replace(second=0), timedelta(minutes=1))
                continue
            return t.astimezone(after.tzinfo or UTC)
        return None


def _wall(moment: datetime) -> datetime:
    """Normalise a wall-clock time in its zone (a time in a DST gap moves forward)."""
    return moment.astimezone(UTC).astimezone(moment.tzinfo)


def _add(moment: datetime, delta: timedelta) -> datetime:
    """Absolute (not wall-clock) addition, as Go's Time.Add."""
    return (moment.astimezone(UTC) + delta).astimezone(moment.tzinfo)


def _next_month(moment: datetime) -> datetime:
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return _wall(moment.replace(year=year, month=month, day=1, hour=0, minute=0, second=0))


@dataclass(frozen=True, slots=True)
class Every:
    """`@every <duration>` (robfig ConstantDelaySchedule): whole seconds, at least one."""

    seconds: int

    def next(self, after: datetime) -> datetime | None:
        return after.replace(microsecond=0) + timedelta(seconds=self.seconds)


CronSchedule = Schedule | Every


def parse_schedule(text: str, zone: tzinfo = UTC) -> CronSchedule:
    """cron.ParseStandard, with `zone` for a schedule that names none."""
    spec = text.strip()
    if spec.startswith(("TZ=", "CRON_TZ=")):
        name, _, spec = spec.partition("=")[2].partition(" ")
        zone = load_zone(name)
        spec = spec.strip()
    if spec.startswith("@every "):
        return Every(max(int(parse_go_duration(spec.removeprefix("@every ").strip())), 1))
    if spec.startswith("@"):
        if spec not in DESCRIPTORS:
            raise ScheduleError(f"unrecognized descriptor: {spec}")
        spec = DESCRIPTORS[spec]
    parts = spec.split()
    if len(parts) != len(FIELDS):
        raise ScheduleError(f"expected exactly 5 fields, found {len(parts)}: {parts}")
    parsed = [parse_field(part, field) for part, field in zip(parts, FIELDS, strict=True)]
    return Schedule(
        minutes=parsed[0][0],
        hours=parsed[1][0],
        days=parsed[2][0],
        months=parsed[3][0],
        weekdays=parsed[4][0],
        days_star=parsed[2][1],
        weekdays_star=parsed[4][1],
        zone=zone,
    )


def parse_go_duration(text: str) -> float:
    """Seconds in a Go duration such as `1h30m` or `90s`."""
    if not text or _GO_DURATION.sub("", text):
        raise ScheduleError(f"failed to parse duration {text}")
    return sum(float(n) * _UNITS[unit] for n, unit in _GO_DURATION.findall(text))


def load_zone(name: str) -> tzinfo:
    if name in ("", "UTC", "Local"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"provided bad location {name}: unknown time zone {name}") from None


# ---- when to run: pure -----------------------------------------------------------------------


class Missed(enum.Enum):
    NONE = "none"
    FEW = "few"
    MANY = "many"


@dataclass(frozen=True, slots=True)
class Recent:
    """mostRecentScheduleTime's answer."""

    earliest: datetime  # the last schedule time, or the CronJob's creation
    most_recent: datetime | None  # the latest schedule time not after now, if any passed
    missed: Missed


def most_recent_schedule(
    cronjob: Obj, now: datetime, schedule: CronSchedule, *, with_deadline: bool
) -> Recent:
    """The latest passed schedule time since the last run, estimating across long gaps."""
    status = cronjob.get("status") or {}
    earliest = parse_time(status.get("lastScheduleTime")) or parse_time(
        cronjob["metadata"].get("creationTimestamp")
    )
    earliest = earliest or now
    deadline = cronjob["spec"].get("startingDeadlineSeconds")
    if with_deadline and deadline is not None:
        earliest = max(earliest, now - timedelta(seconds=int(deadline)))
    first = schedule.next(earliest)
    second = schedule.next(first) if first is not None else None
    if first is None or now < first:
        return Recent(earliest, None, Missed.NONE)
    if second is None or now < second:
        return Recent(earliest, first, Missed.NONE)
    interval = round((second - first).total_seconds())
    if interval < 1:
        raise ScheduleError("time difference between two schedules is less than 1 second")
    missed_count = int((now - first).total_seconds()) // interval + 1
    probe = schedule.next(first + timedelta(seconds=(missed_count - 2) * interval))
    latest = None
    while probe is not None and probe <= now:
        latest, probe = probe, schedule.next(probe)
    missed = Missed.MANY if missed_count > MANY_MISSED else Missed.FEW
    return Recent(earliest, latest, missed)


def next_schedule_delay(cronjob: Obj, now: datetime, schedule: CronSchedule) -> timedelta | None:
    """How long until the sync after the next schedule time (nextScheduleTimeDuration)."""
    recent = most_recent_schedule(cronjob, now, schedule, with_deadline=False)
    base = recent.most_recent or recent.earliest
    upcoming = schedule.next(base)
    if upcoming is None:
        return None
    return upcoming + NEXT_SCHEDULE_DELTA - now


def job_name(cronjob: Obj, scheduled: datetime) -> str:
    """`<cronjob>-<minutes since the epoch>`: deterministic, so a retry cannot run twice."""
    return f"{cronjob['metadata']['name']}-{int(scheduled.timestamp()) // 60}"


def job_from_template(cronjob: Obj, scheduled: datetime, zone: tzinfo) -> Obj:
    """getJobFromTemplate2: the template's metadata and spec, named and owned."""
    template = cronjob["spec"].get("jobTemplate") or {}
    meta = template.get("metadata") or {}
    annotations = {
        **(meta.get("annotations") or {}),
        SCHEDULED_ANNOTATION: scheduled.astimezone(zone).isoformat().replace("+00:00", "Z"),
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": job_name(cronjob, scheduled),
            "namespace": cronjob["metadata"]["namespace"],
            "labels": dict(meta.get("labels") or {}),
            "annotations": annotations,
            "ownerReferences": [controller_ref(cronjob)],
        },
        "spec": clone(template.get("spec") or {}),
    }


def job_reference(job: Obj) -> Obj:
    meta = job["metadata"]
    return {
        "kind": "Job",
        "namespace": meta["namespace"],
        "name": meta["name"],
        "uid": meta["uid"],
        "apiVersion": "batch/v1",
        "resourceVersion": meta.get("resourceVersion", ""),
    }


def surplus_jobs(jobs: list[Obj], limit: int) -> list[Obj]:
    """The oldest finished Jobs beyond a history limit (byJobStartTime; unstarted ones last)."""
    ordered = sorted(
        jobs,
        key=lambda j: (
            (j.get("status") or {}).get("startTime") is None,
            str((j.get("status") or {}).get("startTime") or ""),
            j["metadata"]["name"],
        ),
    )
    return ordered[: max(len(ordered) - limit, 0)]


# ---- the controller --------------------------------------------------------------------------


class CronJobController(Controller):
    """Starts each CronJob's Jobs on schedule and keeps its history."""

    name = "cronjob-controller"

    def __init__(self, client: Client, registry: Registry) -> None:
        super().__init__(client, registry)
        self.cronjobs_resource = self.resource("batch", "v1", "cronjobs")
        self.jobs_resource = self.resource("batch", "v1", "jobs")
        self.cronjobs = self.watch(self.cronjobs_resource)
        self.cronjobs.add_handler(lambda event, obj, old: self.queue.add(object_key(obj)))
        jobs = self.watch(self.jobs_resource)
        self.job_index = jobs.index(OwnedIndex)
        jobs.add_handler(self._on_job)
        self.events = EventRecorder(client, self.resource("", "v1", "events"), self.name)
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def _on_job(self, event: str, obj: Obj, old: Obj | None) -> None:
        ref = controller_of(obj)
        if ref is not None and ref.get("kind") == KIND:
            self.queue.add(f"{obj['metadata']['namespace']}/{ref['name']}")

    async def reconcile(self, key: str) -> None:
        cronjob = self.cronjobs.get(key)
        if cronjob is None:
            return
        try:
            await self.sync(cronjob)
        except ApiError as exc:
            if not is_conflict(exc):
                raise
            self.queue.add_after(key, RETRY_SECONDS)

    async def sync(self, cronjob: Obj) -> None:
        jobs = self.job_index.owned_by(cronjob["metadata"]["uid"])
        working = {**cronjob, "status": clone(cronjob.get("status") or {})}
        await self._trim_history(working, jobs)
        delay = await self._sync_schedule(working, jobs)
        if working["status"] != (cronjob.get("status") or {}):
            await self.client.update(
                self.cronjobs_resource,
                cronjob["metadata"]["namespace"],
                working,
                subresource="status",
            )
        if delay is not None:
            self.queue.add_after(object_key(cronjob), max(delay.total_seconds(), 0.0))

    async def _trim_history(self, cronjob: Obj, jobs: list[Obj]) -> None:
        """cleanupFinishedJobs: keep the newest successful and failed Jobs up to the limits."""
        spec = cronjob["spec"]
        for kind, limit_field in (
            ("Complete", "successfulJobsHistoryLimit"),
            ("Failed", "failedJobsHistoryLimit"),
        ):
            limit = spec.get(limit_field)
            if limit is None:
                continue
            done = [j for j in jobs if finished(j) == kind]
            for job in surplus_jobs(done, int(limit)):
                await self._delete_job(cronjob, job)

    async def _delete_job(self, cronjob: Obj, job: Obj) -> bool:
        try:
            await self.client.delete(
                self.jobs_resource,
                job["metadata"]["namespace"],
                job["metadata"]["name"],
                propagation_policy="Background",
            )
        except ApiError as exc:
            if exc.reason != "NotFound":
                await self.events.record(cronjob, "Warning", "FailedDelete", f"Deleted job: {exc}")
                return False
        _drop_active(cronjob, job["metadata"]["uid"])
        await self.events.record(
            cronjob, "Normal", "SuccessfulDelete", f"Deleted job {job['metadata']['name']}"
        )
        return True

    async def _sync_schedule(self, cronjob: Obj, jobs: list[Obj]) -> timedelta | None:
        """syncCronJob: reconcile `status.active`, then start the due Job if allowed."""
        await self._reconcile_active(cronjob, jobs)
        if cronjob["metadata"].get("deletionTimestamp") or cronjob["spec"].get("suspend"):
            return None
        schedule, zone = await self._schedule(cronjob)
        if schedule is None:
            return None
        now = self.clock()
        recent = most_recent_schedule(cronjob, now, schedule, with_deadline=True)
        if recent.missed is Missed.MANY:
            await self.events.record(
                cronjob,
                "Warning",
                "TooManyMissedTimes",
                "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or "
                "check clock skew",
            )
        scheduled = recent.most_recent
        if scheduled is None or not await self._may_start(cronjob, scheduled, now):
            return next_schedule_delay(cronjob, now, schedule)
        await self._start(cronjob, scheduled, zone)
        return next_schedule_delay(cronjob, now, schedule)

    async def _reconcile_active(self, cronjob: Obj, jobs: list[Obj]) -> None:
        status = cronjob["status"]
        active_uids = {ref.get("uid") for ref in status.get("active") or []}
        for job in jobs:
            uid = job["metadata"]["uid"]
            kind = finished(job)
            if not kind and uid not in active_uids:
                await self.events.record(
                    cronjob,
                    "Warning",
                    "UnexpectedJob",
                    f"Saw a job that the controller did not create or forgot: "
                    f"{job['metadata']['name']}",
                )
            elif kind and uid in active_uids:
                _drop_active(cronjob, uid)
                await self.events.record(
                    cronjob,
                    "Normal",
                    "SawCompletedJob",
                    f"Saw completed job: {job['metadata']['name']}, condition: {kind}",
                )
            if kind == "Complete":
                completed = parse_time((job.get("status") or {}).get("completionTime"))
                last = parse_time(status.get("lastSuccessfulTime"))
                if completed is not None and (last is None or completed > last):
                    status["lastSuccessfulTime"] = job["status"]["completionTime"]
        known = {j["metadata"]["uid"] for j in jobs}
        for ref in list(status.get("active") or []):
            if ref.get("uid") not in known and not await self._job_exists(ref):
                _drop_active(cronjob, ref.get("uid", ""))
                await self.events.record(
                    cronjob, "Normal", "MissingJob", f"Active job went missing: {ref.get('name')}"
                )

    async def _job_exists(self, ref: Obj) -> bool:
        """Ask the API: a job our cache has not seen yet must not be forgotten."""
        try:
            await self.client.get(self.jobs_resource, ref.get("namespace"), ref.get("name", ""))
        except ApiError as exc:
            if exc.reason == "NotFound":
                return False
            raise
        return True

    async def _schedule(self, cronjob: Obj) -> tuple[CronSchedule | None, tzinfo]:
        spec = cronjob["spec"]
        zone: tzinfo = UTC
        if spec.get("timeZone") is not None:
            try:
                zone = load_zone(str(spec["timeZone"]))
            except ScheduleError as exc:
                await self.events.record(
                    cronjob,
                    "Warning",
                    "UnknownTimeZone",
                    f'invalid timeZone: "{spec["timeZone"]}": {exc}',
                )
                return None, zone
        text = str(spec.get("schedule") or "")
        if "TZ" in text:
            await self.events.record(
                cronjob,
                "Warning",
                "UnsupportedSchedule",
                f'CRON_TZ or TZ used in schedule "{text}" is not officially supported, see '
                "https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more "
                "details",
            )
        try:
            return parse_schedule(text, zone), zone
        except ScheduleError as exc:
            await self.events.record(
                cronjob, "Warning", "UnparseableSchedule", f'unparseable schedule: "{text}" : {exc}'
            )
            return None, zone

    async def _may_start(self, cronjob: Obj, scheduled: datetime, now: datetime) -> bool:
        """The starting deadline, the schedule time not run yet, and the concurrency policy."""
        spec, status = cronjob["spec"], cronjob["status"]
        deadline = spec.get("startingDeadlineSeconds")
        if deadline is not None and scheduled + timedelta(seconds=int(deadline)) < now:
            await self.events.record(
                cronjob,
                "Warning",
                "MissSchedule",
                "Missed scheduled time to start a job: "
                + format_datetime(scheduled.astimezone(UTC)),
            )
            return False
        name = job_name(cronjob, scheduled)
        if any(ref.get("name") == name for ref in status.get("active") or []) or (
            parse_time(status.get("lastScheduleTime")) == scheduled
        ):
            return False
        if spec.get("concurrencyPolicy") == "Forbid" and status.get("active"):
            await self.events.record(
                cronjob,
                "Normal",
                "JobAlreadyActive",
                "Not starting job because prior execution is running and concurrency policy is "
                "Forbid",
            )
            return False
        if spec.get("concurrencyPolicy") == "Replace":
            for ref in list(status.get("active") or []):
                await self._delete_job(cronjob, {"metadata": dict(ref)})
        return True

    async def _start(self, cronjob: Obj, scheduled: datetime, zone: tzinfo) -> None:
        body = job_from_template(cronjob, scheduled, zone)
        namespace = cronjob["metadata"]["namespace"]
        try:
            job = await self.client.create(self.jobs_resource, namespace, body)
            await self.events.record(
                cronjob, "Normal", "SuccessfulCreate", f"Created job {job['metadata']['name']}"
            )
        except ApiError as exc:
            if exc.reason != "AlreadyExists":
                await self.events.record(
                    cronjob, "Warning", "FailedCreate", f"Error creating job: {exc}"
                )
                raise
            job = await self.client.get(self.jobs_resource, namespace, body["metadata"]["name"])
            ours = (controller_of(job) or {}).get("uid") == cronjob["metadata"]["uid"]
            listed = any(
                r.get("uid") == job["metadata"]["uid"]
                for r in cronjob["status"].get("active") or []
            )
            if not ours or listed:
                return
        cronjob["status"].setdefault("active", []).append(job_reference(job))
        cronjob["status"]["lastScheduleTime"] = format_time(scheduled)


def _drop_active(cronjob: Obj, uid: str) -> None:
    status = cronjob["status"]
    remaining = [ref for ref in status.get("active") or [] if ref.get("uid") != uid]
    if remaining:
        status["active"] = remaining
    else:
        status.pop("active", None)
