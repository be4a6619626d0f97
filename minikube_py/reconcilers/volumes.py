"""Persistent volumes: the default StorageClass, the claim binder and a local-path provisioner.

Three parts, as in Kubernetes and k3s:
- `DefaultStorageClass` is the DefaultStorageClass admission plugin, run by the API as a
  create hook: a claim that names no class (storageClassName absent; "" means "no class") gets
  the default one.
- `PersistentVolumeController` (k8s `pkg/controller/volume/persistentvolume`) binds each
  Pending claim to the smallest Available volume that fits (capacity, access modes, class,
  volume mode, selector, and for WaitForFirstConsumer classes the node the scheduler chose);
  when none fits and the class has a provisioner, it asks for one by annotating the claim.
  A volume whose claim is gone is Released and then reclaimed: Retain keeps it; Delete leaves
  it to its provisioner, and fails a hand-made volume that no provisioner can delete.
- `LocalPathProvisioner` (after k3s' local-path-provisioner) serves `minikube-py.io/local-path`:
  a directory `<data dir>/volumes/<pv name>` pinned to the node the claim's first pod was
  scheduled to (`volume.kubernetes.io/selected-node`, set by the scheduler), or to the first
  node for Immediate classes; it deletes volume and directory once a Delete volume is Released.
  It also makes the default `local-path` class at start if there is none of that name.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Iterable
from pathlib import Path

from minikube_py.apiserver.errors import ApiError, Cause
from minikube_py.apiserver.rest import now_rfc3339
from minikube_py.apiserver.selectors import LabelSelector
from minikube_py.apiserver.specs import parse_quantity
from minikube_py.client import Client, EventRecorder, delete_if_present, object_key
from minikube_py.controllers import Controller
from minikube_py.resources import Obj, Registry, Resource, clone
from minikube_py.scheduling.podinfo import node_selector_matches
from minikube_py.store import Store

log = logging.getLogger(__name__)

PROVISIONER = "minikube-py.io/local-path"
DEFAULT_CLASS = "local-path"
IS_DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"
BETA_IS_DEFAULT_CLASS = "storageclass.beta.kubernetes.io/is-default-class"
SELECTED_NODE = "volume.kubernetes.io/selected-node"
STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
HOSTNAME_LABEL = "kubernetes.io/hostname"
CLAIM_PREFIX, VOLUME_PREFIX = "claim:", "volume:"  # the two kinds of work-queue key


def default_storage_class_body() -> Obj:
    """`local-path`, as k3s ships it: the default class, provisioning on first use."""
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": DEFAULT_CLASS, "annotations": {IS_DEFAULT_CLASS: "true"}},
        "provisioner": PROVISIONER,
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "WaitForFirstConsumer",
    }


def default_class(classes: Iterable[Obj]) -> str | None:
    """The default StorageClass: the newest of those marked default (ties: by name)."""
    marked = [c for c in classes if _marked_default(c)]
    if not marked:
        return None
    marked.sort(key=lambda c: str(c["metadata"]["name"]))
    marked.sort(key=lambda c: str(c["metadata"].get("creationTimestamp", "")), reverse=True)
    return str(marked[0]["metadata"]["name"])


def _marked_default(storage_class: Obj) -> bool:
    annotations = storage_class["metadata"].get("annotations") or {}
    return "true" in (annotations.get(IS_DEFAULT_CLASS), annotations.get(BETA_IS_DEFAULT_CLASS))


def _names_no_class(claim: Obj) -> bool:
    """Neither storageClassName nor the beta annotation is set (nil, not "")."""
    annotations = claim["metadata"].get("annotations") or {}
    return (
        claim.get("spec", {}).get("storageClassName") is None
        and "volume.beta.kubernetes.io/storage-class" not in annotations
    )


class DefaultStorageClass:
    """The DefaultStorageClass admission plugin, as a `rest.Preparer` of claims."""

    def __init__(self, store: Store, registry: Registry) -> None:
        self.store = store
        classes = registry.get("storage.k8s.io", "v1", "storageclasses")
        assert classes is not None
        self.prefix = classes.key_prefix()

    def prepare_for_create(self, obj: Obj) -> list[Cause]:
        if _names_no_class(obj):
            entries = self.store.list(self.prefix).entries
            name = default_class(e.value for e in entries)
            if name is not None:
                obj.setdefault("spec", {})["storageClassName"] = name
        return []

    def prepare_for_update(self, obj: Obj, old: Obj) -> list[Cause]:
        return []


# ---- matching --------------------------------------------------------------------------------


def claim_class(claim: Obj) -> str:
    return str(claim.get("spec", {}).get("storageClassName") or "")


def _request(claim: Obj) -> str | None:
    requests = claim.get("spec", {}).get("resources", {}).get("requests") or {}
    storage = requests.get("storage")
    return str(storage) if storage is not None else None


def _capacity(volume: Obj) -> str:
    return str((volume.get("spec", {}).get("capacity") or {}).get("storage", "0"))


def bound_to(volume: Obj, claim: Obj) -> bool:
    """The volume's claimRef names the claim (IsVolumeBoundToClaim): by name, and by uid if set."""
    ref = volume.get("spec", {}).get("claimRef")
    meta = claim["metadata"]
    if not ref or ref.get("name") != meta["name"] or ref.get("namespace") != meta["namespace"]:
        return False
    return not ref.get("uid") or ref["uid"] == meta.get("uid")


def node_affinity_allows(volume: Obj, node: Obj) -> bool:
    """The volume's required node affinity: any term whose expressions and fields all match."""
    required = (volume.get("spec", {}).get("nodeAffinity") or {}).get("required")
    return node_selector_matches(required, node)


def find_volume(
    claim: Obj, volumes: Iterable[Obj], *, delayed: bool, node: Obj | None
) -> Obj | None:
    """The volume a claim should bind to (FindMatchingVolume): one pre-bound to it, else the
    smallest Available one that fits. With delayed binding and no node yet, only pre-bound."""
    spec = claim.get("spec", {})
    request = parse_quantity(_request(claim) or "0")
    modes = set(spec.get("accessModes") or [])
    selector = spec.get("selector")
    best: Obj | None = None
    for volume in volumes:
        volume_spec = volume.get("spec", {})
        if volume_spec.get("volumeMode", "Filesystem") != spec.get("volumeMode", "Filesystem"):
            continue
        if volume["metadata"].get("deletionTimestamp"):
            continue
        if parse_quantity(_capacity(volume)) < request:
            continue
        fits_node = node is None or node_affinity_allows(volume, node)
        if bound_to(volume, claim):
            return volume if fits_node else None
        if (delayed and node is None) or not fits_node:
            continue
        if volume.get("status", {}).get("phase") != "Available" or volume_spec.get("claimRef"):
            continue
        if selector is not None and not LabelSelector.from_label_selector(selector).matches(
            volume["metadata"].get("labels")
        ):
            continue
        if str(volume_spec.get("storageClassName") or "") != claim_class(claim):
            continue
        if not modes <= set(volume_spec.get("accessModes") or []):
            continue
        if best is None or parse_quantity(_capacity(volume)) < parse_quantity(_capacity(best)):
            best = volume
    return best


def claim_ref(claim: Obj) -> Obj:
    meta = claim["metadata"]
    return {
        "kind": "PersistentVolumeClaim",
        "namespace": meta["namespace"],
        "name": meta["name"],
        "uid": meta.get("uid", ""),
        "apiVersion": "v1",
        "resourceVersion": meta.get("resourceVersion", ""),
    }


def _annotations(obj: Obj) -> dict[str, str]:
    return obj["metadata"].get("annotations") or {}


def _phase(obj: Obj) -> str:
    return str(obj.get("status", {}).get("phase") or "")


# ---- the binder ------------------------------------------------------------------------------


class _VolumeController(Controller):
    """Informers on claims, volumes, classes and nodes; keys are `claim:ns/name`, `volume:name`."""

    def __init__(self, client: Client, registry: Registry) -> None:
        super().__init__(client, registry)
        self.claims_resource = self.resource("", "v1", "persistentvolumeclaims")
        self.volumes_resource = self.resource("", "v1", "persistentvolumes")
        self.classes_resource = self.resource("storage.k8s.io", "v1", "storageclasses")
        self.claims = self.watch(self.claims_resource)
        self.volumes = self.watch(self.volumes_resource)
        self.classes = self.watch(self.classes_resource)
        self.nodes = self.watch(self.resource("", "v1", "nodes"))
        self.events = EventRecorder(client, self.resource("", "v1", "events"), self.name)

    async def reconcile(self, key: str) -> None:
        if key.startswith(CLAIM_PREFIX):
            claim = self.claims.get(key.removeprefix(CLAIM_PREFIX))
            if claim is not None and not claim["metadata"].get("deletionTimestamp"):
                await self.sync_claim(claim)
        else:
            volume = self.volumes.get(key.removeprefix(VOLUME_PREFIX))
            if volume is not None:
                await self.sync_volume(volume)

    async def sync_claim(self, claim: Obj) -> None:
        raise NotImplementedError

    async def sync_volume(self, volume: Obj) -> None:
        raise NotImplementedError

    def storage_class(self, claim: Obj) -> Obj | None:
        name = claim_class(claim)
        return self.classes.get(name) if name else None

    def pending_claims(self) -> list[Obj]:
        return [c for c in self.claims.list() if not c.get("spec", {}).get("volumeName")]

    async def set_phase(self, resource: Resource, obj: Obj, phase: str, message: str = "") -> Obj:
        """Write status.phase (and PVs' lastPhaseTransitionTime) if it changed."""
        if _phase(obj) == phase:
            return obj
        updated = clone(obj)
        status = updated.setdefault("status", {})
        status["phase"] = phase
        if message:
            status["message"] = message
        if resource is self.volumes_resource:
            status["lastPhaseTransitionTime"] = now_rfc3339()
        namespace = obj["metadata"].get("namespace")
        return await self.client.update(resource, namespace, updated, subresource="status")


class PersistentVolumeController(_VolumeController):
    """Binds claims to volumes, asks provisioners for new ones, releases and reclaims."""

    name = "persistentvolume-binder-controller"

    def __init__(self, client: Client, registry: Registry) -> None:
        super().__init__(client, registry)
        self.claims.add_handler(self._on_claim)
        self.volumes.add_handler(self._on_volume)
        self.classes.add_handler(self._on_class_or_node)
        self.nodes.add_handler(self._on_class_or_node)

    def _on_claim(self, event: str, obj: Obj, old: Obj | None) -> None:
        if volume_name := obj.get("spec", {}).get("volumeName"):
            self.queue.add(VOLUME_PREFIX + volume_name)
        if event != "DELETED":
            self.queue.add(CLAIM_PREFIX + object_key(obj))

    def _on_volume(self, event: str, obj: Obj, old: Obj | None) -> None:
        ref = obj.get("spec", {}).get("claimRef")
        if ref and ref.get("namespace") and ref.get("name"):
            self.queue.add(f"{CLAIM_PREFIX}{ref['namespace']}/{ref['name']}")
        if event != "DELETED":
            self.queue.add(VOLUME_PREFIX + obj["metadata"]["name"])
        for claim in self.pending_claims():
            self.queue.add(CLAIM_PREFIX + object_key(claim))  # a new volume may fit one

    def _on_class_or_node(self, event: str, obj: Obj, old: Obj | None) -> None:
        if (
            event == "MODIFIED"
            and old
            and old["metadata"].get("labels") == obj["metadata"].get("labels")
        ):
            return  # a node heartbeat: nothing a volume's node affinity looks at
        for claim in self.pending_claims():
            self.queue.add(CLAIM_PREFIX + object_key(claim))

    # ---- claims ----------------------------------------------------------------------------

    async def sync_claim(self, claim: Obj) -> None:
        volume_name = claim.get("spec", {}).get("volumeName")
        if not volume_name:
            await self._sync_unbound_claim(claim)
            return
        volume = self.volumes.get(volume_name)
        if volume is None:
            if _phase(claim) == "Bound":
                await self.set_phase(self.claims_resource, claim, "Lost")
                await self.events.record(
                    claim,
                    "Warning",
                    "ClaimLost",
                    "Bound claim has lost its PersistentVolume. Data on the volume is lost!",
                )
            return
        if bound_to(volume, claim) or not volume.get("spec", {}).get("claimRef"):
            await self._bind(claim, volume)

    async def _sync_unbound_claim(self, claim: Obj) -> None:
        if _names_no_class(claim):
            # RetroactiveDefaultStorageClass: claims made before there was a default get it.
            name = default_class(self.classes.list())
            if name is not None:
                updated = clone(claim)
                updated.setdefault("spec", {})["storageClassName"] = name
                await self.client.update(self.claims_resource, _ns(claim), updated)
                return
        storage_class = self.storage_class(claim)
        delayed = (storage_class or {}).get("volumeBindingMode") == "WaitForFirstConsumer"
        node_name = _annotations(claim).get(SELECTED_NODE)
        node = self.nodes.get(node_name) if node_name else None
        volume = find_volume(claim, self.volumes.list(), delayed=delayed, node=node)
        if volume is not None:
            await self._bind(claim, volume)
        elif delayed and not node_name:
            await self.events.record(
                claim,
                "Normal",
                "WaitForFirstConsumer",
                "waiting for first consumer to be created before binding",
            )
        elif storage_class is not None and storage_class.get("provisioner"):
            await self._ask_provisioner(claim, str(storage_class["provisioner"]))
        else:
            await self.events.record(
                claim,
                "Normal",
                "FailedBinding",
                "no persistent volumes available for this claim and no storage class is set",
            )

    async def _ask_provisioner(self, claim: Obj, provisioner: str) -> None:
        """Mark the claim for its class's provisioner, as the real controller does for
        external provisioners."""
        if _annotations(claim).get(STORAGE_PROVISIONER) == provisioner:
            return
        updated = clone(claim)
        annotations = updated["metadata"].setdefault("annotations", {})
        annotations[STORAGE_PROVISIONER] = annotations[BETA_STORAGE_PROVISIONER] = provisioner
        await self.client.update(self.claims_resource, _ns(claim), updated)
        await self.events.record(
            claim,
            "Normal",
            "ExternalProvisioning",
            "Waiting for a volume to be created either by the external provisioner "
            f'"{provisioner}" or manually by the system administrator. If volume creation is '
            "delayed, please "
            "verify that the provisioner is running and correctly registered.",
        )

    async def _bind(self, claim: Obj, volume: Obj) -> None:
        """Bind both halves, each write only if needed: volume first, then claim (bind.go)."""
        if not bound_to(volume, claim) or not volume["spec"]["claimRef"].get("uid"):
            updated = clone(volume)
            if not updated["spec"].get("claimRef"):
                updated["metadata"].setdefault("annotations", {})[BOUND_BY_CONTROLLER] = "yes"
            updated["spec"]["claimRef"] = claim_ref(claim)
            volume = await self.client.update(self.volumes_resource, None, updated)
        volume = await self.set_phase(self.volumes_resource, volume, "Bound")
        if claim["spec"].get("volumeName") != volume["metadata"]["name"] or not _annotations(
            claim
        ).get(BIND_COMPLETED):
            updated = clone(claim)
            annotations = updated["metadata"].setdefault("annotations", {})
            annotations[BIND_COMPLETED] = "yes"
            if not updated["spec"].get("volumeName"):
                annotations[BOUND_BY_CONTROLLER] = "yes"
            updated["spec"]["volumeName"] = volume["metadata"]["name"]
            claim = await self.client.update(self.claims_resource, _ns(claim), updated)
        await self._claim_status_bound(claim, volume)

    async def _claim_status_bound(self, claim: Obj, volume: Obj) -> None:
        status = {
            **claim.get("status", {}),
            "phase": "Bound",
            "accessModes": volume["spec"].get("accessModes", []),
            "capacity": volume["spec"].get("capacity", {}),
        }
        if status != claim.get("status"):
            updated = {**clone(claim), "status": status}
            await self.client.update(
                self.claims_resource, _ns(claim), updated, subresource="status"
            )

    # ---- volumes ---------------------------------------------------------------------------

    async def sync_volume(self, volume: Obj) -> None:
        ref = volume.get("spec", {}).get("claimRef")
        if not ref or not ref.get("uid"):
            await self.set_phase(self.volumes_resource, volume, "Available")
            return
        claim = await self._claim_of(ref)
        if claim is None or claim["metadata"].get("uid") != ref["uid"]:
            await self._release(volume)
        elif not claim.get("spec", {}).get("volumeName"):
            self.queue.add(CLAIM_PREFIX + object_key(claim))  # the claim side completes binding
        elif claim["spec"]["volumeName"] != volume["metadata"]["name"] and _annotations(volume).get(
            BOUND_BY_CONTROLLER
        ):
            updated = clone(volume)  # the claim went to another volume: free this one
            updated["spec"].pop("claimRef")
            await self.client.update(self.volumes_resource, None, updated)

    async def _claim_of(self, ref: Obj) -> Obj | None:
        """The claim a volume names; asks the API on a cache miss, so that a lagging cache never
        releases (and maybe deletes) a volume in use."""
        claim = self.claims.get(f"{ref['namespace']}/{ref['name']}")
        if claim is not None:
            return claim
        try:
            return await self.client.get(self.claims_resource, ref["namespace"], ref["name"])
        except ApiError as exc:
            if exc.reason != "NotFound":
                raise
            return None

    async def _release(self, volume: Obj) -> None:
        if _phase(volume) == "Failed":
            return
        volume = await self.set_phase(self.volumes_resource, volume, "Released")
        policy = volume["spec"].get("persistentVolumeReclaimPolicy", "Retain")
        if policy == "Retain" or PROVISIONED_BY in _annotations(volume):
            return  # kept, or its provisioner deletes it
        message = (
            f'error getting deleter volume plugin for volume "{volume["metadata"]["name"]}": '
            "no deletable volume plugin matched"
        )
        await self.set_phase(self.volumes_resource, volume, "Failed", message)
        await self.events.record(volume, "Warning", "VolumeFailedDelete", message)


# ---- the provisioner -------------------------------------------------------------------------


class LocalPathProvisioner(_VolumeController):
    """Provisions and deletes `minikube-py.io/local-path` volumes (directories on the node)."""

    name = "local-path-provisioner"

    def __init__(self, client: Client, registry: Registry) -> None:
        super().__init__(client, registry)
        self.claims.add_handler(self._on_claim)
        self.volumes.add_handler(self._on_volume)
        self.nodes.add_handler(self._on_node)

    @property
    def root(self) -> Path:
        return self.settings.data_dir / "volumes"

    async def start(self) -> None:
        try:
            await self.client.create(self.classes_resource, None, default_storage_class_body())
        except ApiError as exc:
            if exc.reason != "AlreadyExists":
                raise
        await super().start()

    def _on_claim(self, event: str, obj: Obj, old: Obj | None) -> None:
        if event != "DELETED" and _annotations(obj).get(STORAGE_PROVISIONER) == PROVISIONER:
            self.queue.add(CLAIM_PREFIX + object_key(obj))

    def _on_volume(self, event: str, obj: Obj, old: Obj | None) -> None:
        if event != "DELETED" and _annotations(obj).get(PROVISIONED_BY) == PROVISIONER:
            self.queue.add(VOLUME_PREFIX + obj["metadata"]["name"])

    def _on_node(self, event: str, obj: Obj, old: Obj | None) -> None:
        if event == "ADDED":  # an Immediate claim may have been waiting for any node
            for claim in self.pending_claims():
                self._on_claim("ADDED", claim, None)

    async def sync_claim(self, claim: Obj) -> None:
        storage_class = self.storage_class(claim)
        if (
            claim.get("spec", {}).get("volumeName")
            or _annotations(claim).get(STORAGE_PROVISIONER) != PROVISIONER
            or storage_class is None
            or storage_class.get("provisioner") != PROVISIONER
        ):
            return
        name = f"pvc-{claim['metadata']['uid']}"
        if self.volumes.get(name) is not None:
            return  # provisioned already; the binder binds it
        node = self._node_for(claim, storage_class)
        request = _request(claim)
        if node is None or request is None:
            return
        path = self.root / name
        await asyncio.to_thread(path.mkdir, mode=0o777, parents=True, exist_ok=True)
        hostname = ((self.nodes.get(node) or {}).get("metadata", {}).get("labels") or {}).get(
            HOSTNAME_LABEL, node
        )
        body = _volume_body(
            claim, storage_class, name=name, path=path, hostname=hostname, size=request
        )
        try:
            await self.client.create(self.volumes_resource, None, body)
        except ApiError as exc:
            if exc.reason != "AlreadyExists":
                raise
            return
        log.info("PROVISION %s for %s on %s", name, object_key(claim), node)
        await self.events.record(
            claim, "Normal", "ProvisioningSucceeded", f"Successfully provisioned volume {name}"
        )

    def _node_for(self, claim: Obj, storage_class: Obj) -> str | None:
        """WaitForFirstConsumer: the scheduler's choice; Immediate: the first node."""
        selected = _annotations(claim).get(SELECTED_NODE)
        if selected or storage_class.get("volumeBindingMode") == "WaitForFirstConsumer":
            return selected
        names = sorted(str(n["metadata"]["name"]) for n in self.nodes.list())
        return names[0] if names else None

    async def sync_volume(self, volume: Obj) -> None:
        """Delete a Released volume of ours, directory first (a crash repeats, never leaks)."""
        spec = volume.get("spec", {})
        if (
            _phase(volume) != "Released"
            or spec.get("persistentVolumeReclaimPolicy") != "Delete"
            or _annotations(volume).get(PROVISIONED_BY) != PROVISIONER
        ):
            return
        path = Path((spec.get("hostPath") or {}).get("path", ""))
        if path.parent == self.root:  # never remove anything outside our own directory
            await asyncio.to_thread(shutil.rmtree, path, ignore_errors=True)
        await delete_if_present(
            self.client, self.volumes_resource, None, volume["metadata"]["name"]
        )
        log.info("DELETE volume %s and %s", volume["metadata"]["name"], path)


def _volume_body(
    claim: Obj, storage_class: Obj, *, name: str, path: Path, hostname: str, size: str
) -> Obj:
    spec = claim.get("spec", {})
    affinity = {"key": HOSTNAME_LABEL, "operator": "In", "values": [hostname]}
    volume_spec: Obj = {
        "capacity": {"storage": size},
        "accessModes": spec.get("accessModes", []),
        "persistentVolumeReclaimPolicy": storage_class.get("reclaimPolicy") or "Delete",
        "storageClassName": storage_class["metadata"]["name"],
        "volumeMode": spec.get("volumeMode", "Filesystem"),
        "claimRef": claim_ref(claim),
        "hostPath": {"path": str(path), "type": "DirectoryOrCreate"},
        "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [affinity]}]}},
    }
    if storage_class.get("mountOptions"):
        volume_spec["mountOptions"] = storage_class["mountOptions"]
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name, "annotations": {PROVISIONED_BY: PROVISIONER}},
        "spec": volume_spec,
    }


def _ns(obj: Obj) -> str:
    return str(obj["metadata"]["namespace"])
