"""Validation of the batch/v1 kinds: jobs and cron jobs.

Includes the cron schedule parser Kubernetes uses (robfig/cron/v3 `ParseStandard`), so that a
bad schedule gets the same message, and the time zone checks.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping

from minikube_py.apiserver.specs._checks import (
    Obj,
    Out,
    _dict,
    _enum,
    _go_map,
    _go_selector,
    _int,
    _invalid,
    _nonnegative,
    _normalized,
    _required,
    _selector_matches,
    _str,
    _strmap,
    _template_matches,
    _unsupported,
    _validate_selector,
)
from minikube_py.apiserver.specs.pods import validate_pod_template_spec
from minikube_py.apiserver.validation import GoText, go_quote

_JOB_LABELS = ("controller-uid", "job-name")


def _job_spec(spec: Obj, path: str, out: Out) -> None:
    """validateJobSpec."""
    for key in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit"):
        _nonnegative(spec.get(key), f"{path}.{key}", out)
    for key in ("ttlSecondsAfterFinished", "backoffLimitPerIndex", "maxFailedIndexes"):
        _nonnegative(spec.get(key), f"{path}.{key}", out)
    mode = spec.get("completionMode")
    if mode is not None and mode not in ("NonIndexed", "Indexed"):
        _unsupported(out, f"{path}.completionMode", mode, ("NonIndexed", "Indexed"))
    if mode == "Indexed" and spec.get("completions") is None:
        _required(out, f"{path}.completions", "when completion mode is Indexed")
    if mode != "Indexed":
        for key in ("backoffLimitPerIndex", "maxFailedIndexes"):
            if _int(spec.get(key)) is not None:
                _invalid(out, f"{path}.{key}", spec[key], "requires indexed completion mode")
    replacement = spec.get("podReplacementPolicy")
    if replacement is not None:
        allowed = (
            ("Failed",)
            if spec.get("podFailurePolicy") is not None
            else ("Failed", "TerminatingOrFailed")
        )
        if replacement not in allowed:
            _unsupported(out, f"{path}.podReplacementPolicy", replacement, allowed)
    template = _dict(spec.get("template"))
    validate_pod_template_spec(template, f"{path}.template", out)
    restart = _dict(template.get("spec")).get("restartPolicy")
    p = f"{path}.template.spec.restartPolicy"
    if restart in ("Always", "", None):
        _required(out, p, 'valid values: "OnFailure", "Never"')
    elif restart not in ("OnFailure", "Never"):
        _unsupported(out, p, restart, ("OnFailure", "Never"))
    elif spec.get("podFailurePolicy") is not None and restart != "Never":
        _invalid(out, p, restart, 'only "Never" is supported when podFailurePolicy is specified')


def _generated_selector(obj: Obj, out: Out) -> None:
    """validateGeneratedSelector: the labels PrepareForCreate put on the template are intact."""
    spec, meta = _dict(obj.get("spec")), _dict(obj.get("metadata"))
    if spec.get("manualSelector") is True or spec.get("selector") is None:
        return
    uid, name = _str(meta.get("uid")), _str(meta.get("name"))
    if not uid:
        _required(out, "metadata.uid")
    labels = _strmap(_dict(_dict(spec.get("template")).get("metadata")).get("labels"))
    expected = {}
    for prefix in ("", "batch.kubernetes.io/"):
        for key, value in zip(_JOB_LABELS, (uid, name), strict=True):
            expected[prefix + key] = value
            p = f"spec.template.metadata.labels[{prefix}{key}]"
            if prefix + key not in labels:
                _required(out, p, f"must be '{value}'")
            elif labels[prefix + key] != value:
                _invalid(out, p, _go_map(labels), f"must be '{value}'")
    if not _selector_matches(spec.get("selector"), expected):
        _invalid(
            out,
            "spec.selector",
            _go_selector(spec.get("selector")),
            "`selector` not auto-generated",
        )


def validate_job(obj: Obj, old: Obj | None) -> Out:
    out: Out = []
    if old is None:
        _generated_selector(obj, out)
    spec = _dict(obj.get("spec"))
    _job_spec(spec, "spec", out)
    selector = spec.get("selector")
    if not isinstance(selector, dict):
        _required(out, "spec.selector")
    if not isinstance(selector, dict) or _validate_selector(selector, "spec.selector", out):
        _template_matches(selector, _dict(spec.get("template")), "spec.template", out)
    if old is not None:
        _job_update(spec, _dict(old.get("spec")), out)
    return out


def _job_update(spec: Obj, old: Obj, out: Out) -> None:
    if spec.get("completionMode") != "Indexed" and spec.get("completions") != old.get(
        "completions"
    ):
        _invalid(out, "spec.completions", spec.get("completions"), "field is immutable")
    if _normalized(spec.get("selector")) != _normalized(old.get("selector")):
        _invalid(out, "spec.selector", _go_selector(spec.get("selector")), "field is immutable")
    new_tpl, old_tpl = _dict(spec.get("template")), _dict(old.get("template"))
    if old.get("suspend") is True:  # suspended, never-started jobs may change scheduling hints
        new_tpl, old_tpl = _without_scheduling(new_tpl), _without_scheduling(old_tpl)
    if _normalized(new_tpl) != _normalized(old_tpl):
        _invalid(out, "spec.template", GoText("core.PodTemplateSpec{...}"), "field is immutable")
    for key in (
        "completionMode",
        "podFailurePolicy",
        "backoffLimitPerIndex",
        "managedBy",
        "successPolicy",
    ):
        if _normalized(spec.get(key)) != _normalized(old.get(key)):
            _invalid(out, f"spec.{key}", spec.get(key), "field is immutable")


def _without_scheduling(template: Obj) -> Obj:
    spec = {
        k: v
        for k, v in _dict(template.get("spec")).items()
        if k not in ("nodeSelector", "tolerations", "affinity", "schedulingGates")
    }
    meta = {
        k: v
        for k, v in _dict(template.get("metadata")).items()
        if k not in ("labels", "annotations")
    }
    return {"metadata": meta, "spec": spec}


def validate_cron_job(obj: Obj, old: Obj | None) -> Out:
    out: Out = []
    spec = _dict(obj.get("spec"))
    schedule = _str(spec.get("schedule"))
    if not schedule:
        _required(out, "spec.schedule")
    else:
        if error := cron_schedule_error(schedule):
            _invalid(out, "spec.schedule", schedule, error)
        allow_tz = old is not None and "TZ" in _str(_dict(old.get("spec")).get("schedule"))
        if "TZ" in schedule and not allow_tz:
            detail = "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
            _invalid(out, "spec.schedule", schedule, detail)
        elif "TZ" in schedule and spec.get("timeZone") is not None:
            detail = "cannot use both timeZone field and TZ or CRON_TZ in schedule"
            _invalid(out, "spec.schedule", schedule, detail)
    _nonnegative(spec.get("startingDeadlineSeconds"), "spec.startingDeadlineSeconds", out)
    if old is None or spec.get("timeZone") != _dict(old.get("spec")).get("timeZone"):
        _time_zone(spec.get("timeZone"), out)
    _enum(
        spec.get("concurrencyPolicy"), "spec.concurrencyPolicy", ("Allow", "Forbid", "Replace"), out
    )
    job_spec = _dict(_dict(spec.get("jobTemplate")).get("spec"))
    _job_spec(job_spec, "spec.jobTemplate.spec", out)
    if job_spec.get("selector") is not None:
        selector = _go_selector(job_spec["selector"])
        _invalid(
            out, "spec.jobTemplate.spec.selector", selector, "`selector` will be auto-generated"
        )
    if job_spec.get("manualSelector") is True:
        _unsupported(out, "spec.jobTemplate.spec.manualSelector", True, ("nil", "false"))
    for key in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        _nonnegative(spec.get(key), f"spec.{key}", out)
    return out


def _time_zone(zone: object, out: Out) -> None:
    if zone is None:
        return
    text = _str(zone)
    if not text:
        _invalid(out, "spec.timeZone", text, "timeZone must be nil or non-empty string")
        return
    parts_ok = all(
        p not in (".", "..")
        and not p.startswith("-")
        and re.fullmatch(r"[A-Za-z.\-_0-9+]{1,14}", p)
        for p in text.split("/")
    )
    if not parts_ok:
        _invalid(out, "spec.timeZone", text, f"unknown time zone {text}")
        return
    if text.lower() == "local":
        detail = (
            "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"
        )
        _invalid(out, "spec.timeZone", text, detail)
    elif not _known_zone(text):
        _invalid(out, "spec.timeZone", text, f"unknown time zone {text}")


def _known_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


# ---- cron schedules (robfig/cron/v3 ParseStandard, which Kubernetes uses) ----------------------

_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {m: i + 1 for i, m in enumerate(_MONTH_NAMES)}
_DAYS = {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
_CRON_BOUNDS = ((0, 59, None), (0, 23, None), (1, 31, None), (1, 12, _MONTHS), (0, 6, _DAYS))
_DESCRIPTORS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_DURATION_RE = re.compile(r"[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)")


def _atoi(text: str) -> int:
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise ValueError(
            f"failed to parse int from {text}: "
            f"strconv.Atoi: parsing {go_quote(text)}: invalid syntax"
        )
    number = int(text)
    if number < 0:
        raise ValueError(f"negative number ({number}) not allowed: {text}")
    return number


def _cron_range(expr: str, low: int, high: int, names: Mapping[str, int] | None) -> None:
    range_and_step = expr.split("/")
    low_high = range_and_step[0].split("-")

    def number(text: str) -> int:
        return names[text.lower()] if names and text.lower() in names else _atoi(text)

    if low_high[0] in ("*", "?"):
        start, end = low, high
    else:
        start = number(low_high[0])
        if len(low_high) > 2:
            raise ValueError(f"too many hyphens: {expr}")
        end = number(low_high[1]) if len(low_high) == 2 else start
    step = 1
    if len(range_and_step) > 2:
        raise ValueError(f"too many slashes: {expr}")
    if len(range_and_step) == 2:
        step = _atoi(range_and_step[1])
        if len(low_high) == 1:  # "N/step" means "N-max/step"
            end = high
    if start < low:
        raise ValueError(f"beginning of range ({start}) below minimum ({low}): {expr}")
    if end > high:
        raise ValueError(f"end of range ({end}) above maximum ({high}): {expr}")
    if start > end:
        raise ValueError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise ValueError(f"step of range should be a positive number: {expr}")


def cron_schedule_error(schedule: str) -> str | None:
    """cron.ParseStandard's error message for a CronJob schedule, or None when it parses."""
    spec = schedule
    if not spec:
        return "empty spec string"
    if spec.startswith(("TZ=", "CRON_TZ=")):
        space = spec.find(" ")
        zone = spec[spec.find("=") + 1 : space if space >= 0 else len(spec)]
        if space < 0 or not _known_zone(zone):
            return f"provided bad location {zone}: unknown time zone {zone}"
        spec = spec[space:].strip()
    if spec.startswith("@"):
        if spec in _DESCRIPTORS:
            return None
        if spec.startswith("@every "):
            duration = spec[len("@every ") :]
            if not _DURATION_RE.fullmatch(duration):
                return (
                    f"failed to parse duration {spec}: time: invalid duration {go_quote(duration)}"
                )
            return None
        return f"unrecognized descriptor: {spec}"
    fields = spec.split()
    if len(fields) != 5:
        return f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]"
    try:
        for field, (low, high, names) in zip(fields, _CRON_BOUNDS, strict=True):
            for expr in filter(None, field.split(",")):
                _cron_range(expr, low, high, names)
    except ValueError as err:
        return str(err)
    return None
