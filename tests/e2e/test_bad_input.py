"""Bad input gets a Kubernetes Status with the right code and reason, never a 5xx."""

from __future__ import annotations

import http.client
import json
import ssl

import pytest

from tests.e2e.harness import Raw, ServerProcess


@pytest.fixture
def raw(server: ServerProcess) -> Raw:
    return Raw(server)


def _cm(name: str, **extra: object) -> str:
    return json.dumps(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, **extra}
    )


def test_unknown_field_with_strict_validation_names_the_field(raw: Raw, namespace: str) -> None:
    path = f"/api/v1/namespaces/{namespace}/configmaps?fieldValidation=Strict"
    status, body = raw("POST", path, _cm("strict", bogus=1, data={"a": "b"}))
    assert (status, body["reason"]) == (400, "BadRequest")
    assert 'unknown field "bogus"' in body["message"]


# No directive means Warn, as in kube-apiserver: clients that send none (the Python client)
# get their object, without the unknown field, and a warning.
@pytest.mark.parametrize("query", ["?fieldValidation=Warn", ""])
def test_unknown_field_with_warn_validation_is_stored_with_a_warning(
    server: ServerProcess, raw: Raw, namespace: str, query: str
) -> None:
    context = ssl.create_default_context(cafile=str(server.data_dir / "pki" / "ca.crt"))
    conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=context, timeout=10)
    token = (server.data_dir / "pki" / "admin.token").read_text().strip()
    conn.request(
        "POST",
        f"/api/v1/namespaces/{namespace}/configmaps{query}",
        body=_cm(f"warned{len(query)}", bogus=1),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    response = conn.getresponse()
    response.read()
    conn.close()
    assert response.status == 201
    assert response.getheader("Warning") == '299 - "unknown field \\"bogus\\""'
    status, stored = raw("GET", f"/api/v1/namespaces/{namespace}/configmaps/warned{len(query)}")
    assert status == 200
    assert "bogus" not in stored


def test_invalid_name_is_422_with_a_cause(raw: Raw, namespace: str) -> None:
    status, body = raw("POST", f"/api/v1/namespaces/{namespace}/configmaps", _cm("Not_Valid"))
    assert (status, body["reason"]) == (422, "Invalid")
    assert body["details"]["causes"][0]["field"] == "metadata.name"
    assert body["message"].startswith(
        'ConfigMap "Not_Valid" is invalid: metadata.name: Invalid value'
    )


def test_kind_not_matching_the_endpoint_is_400(raw: Raw, namespace: str) -> None:
    secret = json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}})
    status, body = raw("POST", f"/api/v1/namespaces/{namespace}/configmaps", secret)
    assert (status, body["reason"]) == (400, "BadRequest")


def test_stale_resource_version_is_409(raw: Raw, namespace: str) -> None:
    base = f"/api/v1/namespaces/{namespace}/configmaps"
    status, created = raw("POST", base, _cm("stale"))
    assert status == 201
    stale = dict(created, data={"v": "1"})
    assert raw("PUT", f"{base}/stale", json.dumps(stale))[0] == 200
    status, body = raw("PUT", f"{base}/stale", json.dumps(dict(created, data={"v": "2"})))
    assert (status, body["reason"]) == (409, "Conflict")
    assert "the object has been modified" in body["message"]


def test_missing_object_is_404_with_real_details(raw: Raw, namespace: str) -> None:
    status, body = raw("GET", f"/apis/apps/v1/namespaces/{namespace}/deployments/nope")
    assert status == 404
    assert body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'deployments.apps "nope" not found',
        "reason": "NotFound",
        "details": {"name": "nope", "group": "apps", "kind": "deployments"},
        "code": 404,
    }


MALFORMED_BODIES = [
    b"{",
    b"[1, 2",
    b"\xff\xfe\x00garbage",
    b"null",
    b"42",
    b'"a string"',
    b"[]",
    b'{"metadata": "not an object"}',
    b'{"metadata": {"name": 5}}',
    b'{"metadata": {"name": "x", "labels": {"a": 1}}}',
    b'{"metadata": {"name": "x", "labels": "nope"}}',
    b'{"metadata": {"name": "x"}, "data": "nope"}',
    b'{"metadata": {"name": "x"}, "data": {"k": 1}}',
    b'{"metadata": {"name": "x", "annotations": ["a"]}}',
    b'{"metadata": {"name": "x", "finalizers": "a"}}',
    b'{"metadata": {"name": "x", "ownerReferences": [1]}}',
    b"{}",
]


@pytest.mark.parametrize("body", MALFORMED_BODIES, ids=range(len(MALFORMED_BODIES)))
def test_malformed_bodies_are_4xx(raw: Raw, namespace: str, body: bytes) -> None:
    status, answer = raw(
        "POST", f"/api/v1/namespaces/{namespace}/configmaps", body, "application/json"
    )
    assert 400 <= status < 500, answer
    assert answer["kind"] == "Status"


MALFORMED_QUERIES = [
    "labelSelector=a%20in%20(",
    "labelSelector=%3D%3D%3D",
    "labelSelector=a%3D%3D%3D",
    "fieldSelector=spec.bogus%3Dx",
    "fieldSelector=metadata.name",
    "limit=abc",
    "limit=-5",
    "continue=not-a-token",
    "resourceVersion=abc",
    "resourceVersionMatch=Exact",
    "resourceVersion=0&resourceVersionMatch=Exact",
    "resourceVersionMatch=Sometimes&resourceVersion=1",
    "watch=true&resourceVersion=xyz",
    "watch=true&timeoutSeconds=abc",
]


@pytest.mark.parametrize("query", MALFORMED_QUERIES)
def test_malformed_query_strings_are_4xx(raw: Raw, namespace: str, query: str) -> None:
    status, answer = raw("GET", f"/api/v1/namespaces/{namespace}/configmaps?{query}")
    assert 400 <= status < 500, answer
    assert answer["kind"] == "Status"


def test_table_with_unknown_include_object_is_400(server: ServerProcess) -> None:
    context = ssl.create_default_context(cafile=str(server.data_dir / "pki" / "ca.crt"))
    conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=context, timeout=10)
    token = (server.data_dir / "pki" / "admin.token").read_text().strip()
    table = "application/json;as=Table;v=v1;g=meta.k8s.io"
    conn.request(
        "GET",
        "/api/v1/namespaces?includeObject=Everything",
        headers={"Authorization": f"Bearer {token}", "Accept": table},
    )
    response = conn.getresponse()
    body = json.loads(response.read())
    conn.close()
    assert (response.status, body["reason"]) == (400, "BadRequest")


def test_other_bad_requests(raw: Raw, namespace: str) -> None:
    base = f"/api/v1/namespaces/{namespace}/configmaps"
    assert raw("POST", base, _cm("x"), "application/x-unknown")[0] == 415
    assert raw("POST", base, b"x" * (3 * 1024 * 1024 + 10), "application/json")[0] == 413
    assert raw("GET", "/api/v1/namespaces/nope/configmaps/x")[0] == 404
    assert raw("POST", "/api/v1/namespaces/does-not-exist/configmaps", _cm("x"))[0] == 404
    assert raw("GET", "/apis/no.such.group/v1/things")[0] == 404
    assert raw("PATCH", "/api/v1/namespaces")[0] in (405, 415)
    assert raw("POST", f"{base}/x/status", _cm("x"))[0] in (404, 405)


def test_server_is_still_healthy(raw: Raw) -> None:
    for _ in range(3):
        assert raw("GET", "/api/v1/namespaces/default")[0] == 200
