"""One scheduling decision: filter the nodes, score the feasible ones, pick the best.

Only as many feasible nodes are looked for as kube-scheduler's adaptive
percentageOfNodesToScore asks (every node below 100; 42% of 1,000), starting where the previous
pod stopped, so that a large cluster costs each pod a bounded number of checks.

A pod that fits nowhere gets kube-scheduler's message (FitError.Error() and the preemption
plugin's summary), e.g. `0/3 nodes are available: 1 node(s) had untolerated taint
{dedicated: gpu}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not
helpful for scheduling, 2 No preemption victims found for incoming pod.`. This scheduler does
not preempt: every node where evicting pods could help is reported as having no victims.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from minikube_py.scheduling.cache import NodeInfo
from minikube_py.scheduling.plugins import FilterPlugin, NodeFilter, Rejection, ScorePlugin
from minikube_py.scheduling.podinfo import PodInfo

NO_NODES = "no nodes available to schedule pods"
MIN_FEASIBLE_NODES = 100
MIN_FEASIBLE_PERCENT = 5
BASE_FEASIBLE_PERCENT = 50
MIN_CHUNK = 32  # nodes filtered together once a search needs only a few more feasible ones
MESSAGE_LIMIT = 1024  # an Event note's limit; kube-scheduler truncates to it


@dataclass(frozen=True, slots=True)
class Unschedulable:
    message: str


class Framework:
    """The default profile's filters and scores, run for one pod at a time."""

    def __init__(self, filters: Sequence[FilterPlugin], scores: Sequence[ScorePlugin]) -> None:
        self.filters = filters
        self.scores = scores
        self._next_start = 0  # where the next pod's search starts, so all nodes get their turn

    def schedule(self, pod: PodInfo, nodes: Sequence[NodeInfo]) -> NodeInfo | Unschedulable:
        if not nodes:
            return Unschedulable(NO_NODES)
        found = self.find_feasible(pod, nodes)
        if isinstance(found, Rejection):
            return Unschedulable(fit_error(pod, node_count=len(nodes), pre_filter=found))
        feasible, rejections = found
        if not feasible:
            return Unschedulable(fit_error(pod, node_count=len(nodes), rejections=rejections))
        if len(feasible) == 1:
            return feasible[0]
        return self._best(pod, feasible)

    def find_feasible(
        self, pod: PodInfo, nodes: Sequence[NodeInfo]
    ) -> tuple[list[NodeInfo], list[Rejection]] | Rejection:
        """Nodes the pod fits, from where the last pod's search stopped until enough are
        found, and why each other node looked at does not fit; or the pre-filter's rejection
        of the pod on every node."""
        filters: list[NodeFilter] = []
        for plugin in self.filters:
            outcome = plugin.pre_filter(pod)
            if isinstance(outcome, Rejection):
                return outcome
            if outcome is not None:
                filters.append(outcome)
        count = len(nodes)
        if not count:
            return [], []
        wanted = feasible_nodes_to_find(count)
        start = self._next_start % count
        ordered = [*nodes[start:], *nodes[:start]]
        feasible: list[NodeInfo] = []
        rejections: list[Rejection] = []
        processed = 0
        while processed < count and len(feasible) < wanted:
            chunk = ordered[processed : processed + max(wanted - len(feasible), MIN_CHUNK)]
            processed += len(chunk)
            for node_filter in filters:
                chunk, rejected = node_filter(chunk)
                rejections += rejected
            feasible += chunk
        self._next_start = (start + processed) % count
        return feasible[:wanted], rejections

    def _best(self, pod: PodInfo, nodes: list[NodeInfo]) -> NodeInfo:
        totals = [0.0] * len(nodes)
        for plugin in self.scores:
            scores = plugin.score(pod, nodes)
            if scores is not None:
                weight = plugin.weight
                totals = [t + weight * s for t, s in zip(totals, scores, strict=True)]
        owner = pod.owner
        if not owner:
            return nodes[max(range(len(nodes)), key=totals.__getitem__)]
        # Ties go to the node running the fewest pods of the same controller (SelectorSpread's
        # intent, weighted so that it never outvotes bin-packing).
        best = max(range(len(nodes)), key=lambda i: (totals[i], -nodes[i].owners.get(owner, 0)))
        return nodes[best]


def feasible_nodes_to_find(count: int) -> int:
    """numFeasibleNodesToFind with the adaptive percentage (percentageOfNodesToScore unset)."""
    if count < MIN_FEASIBLE_NODES:
        return count
    percent = max(BASE_FEASIBLE_PERCENT - count // 125, MIN_FEASIBLE_PERCENT)
    return max(count * percent // 100, MIN_FEASIBLE_NODES)


def fit_error(
    pod: PodInfo,
    *,
    node_count: int,
    pre_filter: Rejection | None = None,
    rejections: Sequence[Rejection] = (),
) -> str:
    """FitError.Error(): the pre-filter's reason or a sorted histogram of the nodes' reasons,
    then what preemption concluded."""
    message = f"0/{node_count} nodes are available:"
    if pre_filter is not None:
        message += f" {', '.join(pre_filter.reasons)}."
    else:
        counts = Counter(reason for r in rejections for reason in r.reasons)
        histogram = sorted(f"{n} {reason}" for reason, n in counts.items())
        message += f" {', '.join(histogram)}."
    resolvable = sum(1 for r in rejections if r.resolvable)
    message += " " + preemption_summary(pod, node_count=node_count, resolvable=resolvable)
    if len(message) > MESSAGE_LIMIT:
        message = message[: MESSAGE_LIMIT - 4] + " ..."
    return message


def preemption_summary(pod: PodInfo, *, node_count: int, resolvable: int) -> str:
    """The DefaultPreemption plugin's verdict when it finds no candidate."""
    if pod.preemption_policy == "Never":
        return "preemption: not eligible due to preemptionPolicy=Never."
    parts = []
    if unresolvable := node_count - resolvable:
        parts.append(f"{unresolvable} Preemption is not helpful for scheduling")
    if resolvable:
        parts.append(f"{resolvable} No preemption victims found for incoming pod")
    return f"preemption: 0/{node_count} nodes are available: {', '.join(sorted(parts))}."
