"""ServiceAccounts: a `default` account in every namespace, and tokens for legacy Secrets.

`ServiceAccountController` (k8s `pkg/controller/serviceaccount/serviceaccounts_controller.go`)
keeps a `default` ServiceAccount in every active namespace, and makes it again if it is deleted.

`TokenController` (`tokens_controller.go`) serves the pre-1.24 way of getting a token, still
honoured: a Secret of type `kubernetes.io/service-account-token` whose
`kubernetes.io/service-account.name` annotation names an account gets `data.token` (a
non-expiring token), `data.ca.crt` and `data.namespace`, and the account's uid as an annotation.
When that account goes, or is replaced by one with another uid, the Secret is deleted, which
also revokes its token (the API server checks the Secret on every use).
"""

from __future__ import annotations

import base64
import logging

from minikube_py import security, tokens
from minikube_py.apiserver.errors import ApiError
from minikube_py.client import Client, delete_if_present, object_key
from minikube_py.controllers import Controller
from minikube_py.resources import Obj, Registry, clone

log = logging.getLogger(__name__)

DEFAULT_ACCOUNT = "default"


class ServiceAccountController(Controller):
    """Ensures the `default` ServiceAccount of each namespace; keys are namespace names."""

    name = "serviceaccount-controller"

    def __init__(self, client: Client, registry: Registry) -> None:
        super().__init__(client, registry)
        self.accounts_resource = self.resource("", "v1", "serviceaccounts")
        self.namespaces = self.watch(self.resource("", "v1", "namespaces"))
        self.accounts = self.watch(self.accounts_resource)
        self.namespaces.add_handler(self._on_namespace)
        self.accounts.add_handler(self._on_account)

    def _on_namespace(self, event: str, obj: Obj, old: Obj | None) -> None:
        if event != "DELETED":
            self.queue.add(obj["metadata"]["name"])

    def _on_account(self, event: str, obj: Obj, old: Obj | None) -> None:
        if event == "DELETED" and obj["metadata"]["name"] == DEFAULT_ACCOUNT:
            self.queue.add(obj["metadata"]["namespace"])

    async def reconcile(self, key: str) -> None:
        namespace = self.namespaces.get(key)
        if namespace is None or namespace["metadata"].get("deletionTimestamp"):
            return
        if self.accounts.get(f"{key}/{DEFAULT_ACCOUNT}") is not None:
            return
        account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}
        try:
            await self.client.create(self.accounts_resource, key, account)
        except ApiError as exc:
            # Made meanwhile (the cache lags), or the namespace began terminating: both fine.
            if exc.reason not in ("AlreadyExists", "Forbidden", "NotFound"):
                raise


class TokenController(Controller):
    """Fills and revokes ServiceAccount token Secrets; keys are `namespace/name` of Secrets."""

    name = "serviceaccount-token-controller"

    def __init__(self, client: Client, registry: Registry) -> None:
        super().__init__(client, registry)
        self.secrets_resource = self.resource("", "v1", "secrets")
        self.accounts_resource = self.resource("", "v1", "serviceaccounts")
        self.secrets = self.watch(
            self.secrets_resource, field_selector=f"type={tokens.SERVICE_ACCOUNT_TOKEN_TYPE}"
        )
        self.accounts = self.watch(self.accounts_resource)
        self.secrets.add_handler(self._on_secret)
        self.accounts.add_handler(self._on_account)

    async def start(self) -> None:
        pki = security.Pki.in_data_dir(self.settings.data_dir)
        self.signer = tokens.Signer(security.ensure_service_account_key(pki))
        self.root_ca = pki.cert_path("ca").read_bytes()
        await super().start()

    def _on_secret(self, event: str, obj: Obj, old: Obj | None) -> None:
        if event != "DELETED":
            self.queue.add(object_key(obj))

    def _on_account(self, event: str, obj: Obj, old: Obj | None) -> None:
        """A changed or deleted account: look again at every Secret that names it."""
        meta = obj["metadata"]
        for secret in self.secrets.list(meta["namespace"]):
            if _account_name(secret) == meta["name"]:
                self.queue.add(object_key(secret))

    async def reconcile(self, key: str) -> None:
        secret = self.secrets.get(key)
        if secret is None or secret["metadata"].get("deletionTimestamp"):
            return
        account = await self._account(secret)
        if account is None:
            await self._delete(secret)
            return
        filled = self._filled(secret, account)
        if filled != secret:
            await self.client.update(self.secrets_resource, filled["metadata"]["namespace"], filled)

    async def _account(self, secret: Obj) -> Obj | None:
        """The account the Secret names, with the uid it recorded; asks the API on a cache miss
        so that a lagging cache never revokes a token."""
        namespace = secret["metadata"]["namespace"]
        name = _account_name(secret)
        account = self.accounts.get(f"{namespace}/{name}")
        if account is None:
            try:
                account = await self.client.get(self.accounts_resource, namespace, name)
            except ApiError as exc:
                if exc.reason != "NotFound":
                    raise
                return None
        recorded_uid = _annotations(secret).get(tokens.SERVICE_ACCOUNT_UID_ANNOTATION)
        if recorded_uid and recorded_uid != account["metadata"].get("uid"):
            return None  # the account was deleted and made again: not the one this token named
        return account

    def _filled(self, secret: Obj, account: Obj) -> Obj:
        """The Secret with whatever token, CA and namespace it lacks (a copy)."""
        filled = clone(secret)
        meta = filled["metadata"]
        data = filled.get("data") or {}
        filled["data"] = data
        if _decoded(data.get("ca.crt")) != self.root_ca:
            data["ca.crt"] = _encoded(self.root_ca)
        if not data.get("namespace"):
            data["namespace"] = _encoded(meta["namespace"].encode())
        if not data.get("token"):
            claims = tokens.legacy_claims(
                namespace=meta["namespace"],
                account=tokens.Ref.of(account),
                secret_name=meta["name"],
            )
            data["token"] = _encoded(self.signer.sign(claims).encode())
        annotations = meta.setdefault("annotations", {})
        annotations[tokens.SERVICE_ACCOUNT_UID_ANNOTATION] = account["metadata"]["uid"]
        return filled

    async def _delete(self, secret: Obj) -> None:
        meta = secret["metadata"]
        log.info("DELETE secrets %s: its ServiceAccount is gone", object_key(secret))
        await delete_if_present(self.client, self.secrets_resource, meta["namespace"], meta["name"])


def _annotations(obj: Obj) -> dict[str, str]:
    return obj["metadata"].get("annotations") or {}


def _account_name(secret: Obj) -> str:
    return _annotations(secret).get(tokens.SERVICE_ACCOUNT_NAME_ANNOTATION, "")


def _encoded(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _decoded(text: object) -> bytes:
    try:
        return base64.b64decode(str(text or ""))
    except ValueError:
        return b""
