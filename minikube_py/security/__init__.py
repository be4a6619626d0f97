"""Certificates, TLS and authentication.

The package: `pki` (the CA, the serving and admin certificates, their renewal, the API server's
TLS context, the ServiceAccount signing key), `authn` (`Authenticator`: a request's client
certificate or bearer token to a `User`), `kubeconfig` (admin kubeconfig files) and `addresses`
(the node's own IPs, which the serving certificate names). This module re-exports their public
names. The helpers that `pki` and `kubeconfig` share (atomic writes, the private directory) live
in the private `_files` and keep their underscores; no module here imports an underscored name
from a public module.
"""

from __future__ import annotations

from minikube_py.security.addresses import node_addresses
from minikube_py.security.authn import (
    ADMIN,
    ADMIN_USER,
    AUTHENTICATED_GROUP,
    MASTERS_GROUP,
    Authenticator,
    TokenValidator,
    User,
)
from minikube_py.security.kubeconfig import kubeconfig_dict, write_kubeconfig
from minikube_py.security.pki import (
    BACKDATE,
    CA_LIFETIME,
    CA_RENEW_BEFORE,
    LEAF_LIFETIME,
    LEAF_RENEW_MIN,
    Issued,
    IssuerKey,
    Pki,
    ServingNames,
    ensure_pki,
    ensure_service_account_key,
    reload_server_ssl_context,
    renew_periodically,
    server_ssl_context,
)

__all__ = [
    "ADMIN",
    "ADMIN_USER",
    "AUTHENTICATED_GROUP",
    "BACKDATE",
    "CA_LIFETIME",
    "CA_RENEW_BEFORE",
    "LEAF_LIFETIME",
    "LEAF_RENEW_MIN",
    "MASTERS_GROUP",
    "Authenticator",
    "Issued",
    "IssuerKey",
    "Pki",
    "ServingNames",
    "TokenValidator",
    "User",
    "ensure_pki",
    "ensure_service_account_key",
    "kubeconfig_dict",
    "node_addresses",
    "reload_server_ssl_context",
    "renew_periodically",
    "server_ssl_context",
    "write_kubeconfig",
]
