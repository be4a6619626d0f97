"""The workload and cluster controllers, one module each; `controllers.py` runs them.

Each controller subclasses `minikube_py.controllers.Controller` and is listed in
`CONTROLLER_CLASSES`, in the order the controller manager starts them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from minikube_py.controllers import Controller


def controller_classes() -> list[type[Controller]]:
    """Imported here, lazily, because each module imports `controllers` for its base class."""
    from minikube_py.reconcilers import (
        cronjob,
        daemonset,
        deployment,
        endpoints,
        job,
        nodelifecycle,
        replicaset,
        serviceaccount,
        statefulset,
        volumes,
    )

    return [
        serviceaccount.ServiceAccountController,
        serviceaccount.TokenController,
        endpoints.EndpointsController,
        endpoints.EndpointSliceController,
        volumes.PersistentVolumeController,
        volumes.LocalPathProvisioner,
        nodelifecycle.NodeLifecycleController,
        replicaset.ReplicaSetController,
        replicaset.ReplicationManager,
        deployment.DeploymentController,
        statefulset.StatefulSetController,
        daemonset.DaemonSetController,
        job.JobController,
        cronjob.CronJobController,
    ]
