"""The scheduler's parts; `minikube_py/sched.py` wires them to the API.

How a pod is placed, as in kube-scheduler's framework:

    informers ─▶ cache (per-node allocatable and requested sums, host ports, owners; updated
        incrementally from pod and node events) and queue (active by priority, backoff,
        unschedulable pods parked until the cluster changes)
    queue.pop ─▶ PodInfo (requests, tolerations, affinity: parsed once per attempt)
        ─▶ filters (pre-filter once per pod, then one cheap check per node)
        ─▶ scores (normalised 0-100, weighted like the default profile; owner spreading breaks
        ties) ─▶ assume the pod on the chosen node ─▶ bind in the background

- `podinfo.py`: what the plugins need to know about a pod, computed once per attempt.
- `cache.py`: what they need to know about each node, kept up to date incrementally.
- `plugins.py`: the filter and score plugins, one class each.
- `framework.py`: runs the plugins over the nodes and words the failure as kube-scheduler does.
- `queue.py`: the scheduling queue.

This module stays import-light: the command line reads the strategy names from it.
"""

from __future__ import annotations

MOST_ALLOCATED = "MostAllocated"  # bin-packing: fill the busiest node that fits
LEAST_ALLOCATED = "LeastAllocated"  # spreading: the emptiest node first
SCORING_STRATEGIES = (MOST_ALLOCATED, LEAST_ALLOCATED)
