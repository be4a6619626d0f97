"""OpenAPI documents: schema conversion, paths and operations, protobuf encoding, HTTP caching."""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator, Iterator
from typing import Any

import orjson
import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from minikube_py.apiserver import openapi, openapi_v2_proto
from minikube_py.apiserver.builtin import builtin_resources
from minikube_py.resources import Registry, Resource

DEPLOYMENT_GVK = {"group": "apps", "version": "v1", "kind": "Deployment"}
DEPLOYMENT_ITEM = "/apis/apps/v1/namespaces/{namespace}/deployments/{name}"
PATCH_TYPES = {
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
}


@pytest.fixture(scope="module")
def v3() -> dict[str, Any]:
    """Group-version -> its parsed OpenAPI 3 document."""
    docs = openapi.build_v3(builtin_resources())
    return {key: orjson.loads(doc.body) for key, doc in docs.group_versions.items()}


@pytest.fixture(scope="module")
def v2() -> dict[str, Any]:
    return openapi.v2_document(builtin_resources())


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _operations(doc: dict[str, Any], method: str) -> Iterator[dict[str, Any]]:
    for item in doc["paths"].values():
        if method in item:
            yield item[method]


# ---- schema conversion -----------------------------------------------------------------------


def test_a_ref_with_siblings_is_wrapped_in_all_of_in_v3_only() -> None:
    node = {"$ref": "#/$defs/io.k8s.api.apps.v1.DeploymentSpec", "description": "The spec."}
    assert openapi.convert_schema(node, openapi.OPENAPI_V3) == {
        "allOf": [{"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec"}],
        "description": "The spec.",
    }
    assert openapi.convert_schema(node, openapi.OPENAPI_V2) == {
        "$ref": "#/definitions/io.k8s.api.apps.v1.DeploymentSpec",
        "description": "The spec.",
    }


def test_a_bare_ref_stays_a_ref() -> None:
    node = {"type": ["array", "null"], "items": {"$ref": "#/$defs/io.k8s.api.core.v1.Container"}}
    assert openapi.convert_schema(node, openapi.OPENAPI_V3) == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/io.k8s.api.core.v1.Container"},
    }


def test_nullable_types_collapse_to_the_type() -> None:
    node = {
        "type": ["object", "null"],
        "additionalProperties": {"type": ["string", "null"]},
        "properties": {"n": {"type": ["integer", "null"], "format": "int32"}},
    }
    assert openapi.convert_schema(node, openapi.OPENAPI_V2) == {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "properties": {"n": {"type": "integer", "format": "int32"}},
    }


def test_only_the_added_enums_of_api_version_and_kind_are_dropped() -> None:
    node = {
        "properties": {
            "apiVersion": {"type": "string", "enum": ["apps/v1"]},
            "kind": {"type": "string", "enum": ["Deployment"]},
            "policy": {"type": "string", "enum": ["Always", "Never"]},
        }
    }
    converted = openapi.convert_schema(node, openapi.OPENAPI_V3)["properties"]
    assert converted["apiVersion"] == {"type": "string"}
    assert converted["kind"] == {"type": "string"}
    assert converted["policy"]["enum"] == ["Always", "Never"]


def test_a_property_named_ref_is_a_property(v3: dict[str, Any]) -> None:
    props = v3["apis/apiextensions.k8s.io/v1"]["components"]["schemas"][
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps"
    ]["properties"]
    assert props["$ref"] == {"type": "string"}


def test_deployment_schema_in_v3(v3: dict[str, Any]) -> None:
    schemas = v3["apis/apps/v1"]["components"]["schemas"]
    deployment = schemas["io.k8s.api.apps.v1.Deployment"]
    assert deployment["type"] == "object"
    assert deployment["x-kubernetes-group-version-kind"] == [
        {"group": "apps", "kind": "Deployment", "version": "v1"}
    ]
    assert deployment["properties"]["apiVersion"]["type"] == "string"
    assert "enum" not in deployment["properties"]["kind"]
    spec = deployment["properties"]["spec"]
    assert spec["allOf"] == [{"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec"}]
    assert spec["description"]
    containers = schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["x-kubernetes-patch-strategy"] == "merge"
    assert containers["x-kubernetes-list-type"] == "map"
    assert "containers" in schemas["io.k8s.api.core.v1.PodSpec"]["required"]


def test_int_or_string_and_quantity_in_each_version(v3: dict[str, Any], v2: dict[str, Any]) -> None:
    schemas = v3["api/v1"]["components"]["schemas"]
    int_or_string = schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]
    assert int_or_string["format"] == "int-or-string"
    assert int_or_string["oneOf"] == [{"type": "integer"}, {"type": "string"}]
    quantity = schemas["io.k8s.apimachinery.pkg.api.resource.Quantity"]
    assert quantity["oneOf"] == [{"type": "string"}, {"type": "number"}]
    definitions = v2["definitions"]
    int_or_string = definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]
    assert (int_or_string["type"], int_or_string["format"]) == ("string", "int-or-string")
    assert definitions["io.k8s.apimachinery.pkg.api.resource.Quantity"]["type"] == "string"


def test_every_document_is_closed_and_plain_openapi(v3: dict[str, Any], v2: dict[str, Any]) -> None:
    prefixed = [(doc, "#/components/schemas/", doc["components"]["schemas"]) for doc in v3.values()]
    prefixed.append((v2, "#/definitions/", v2["definitions"]))
    for doc, prefix, schemas in prefixed:
        for ref in _refs(doc):
            assert ref.startswith(prefix), ref
            assert ref.removeprefix(prefix) in schemas, ref
        text = orjson.dumps(doc).decode()
        assert '"null"' not in text
        assert "$defs" not in text


def test_a_document_holds_only_the_schemas_its_kinds_reach(v3: dict[str, Any]) -> None:
    schemas = v3["apis/apps/v1"]["components"]["schemas"]
    assert "io.k8s.api.core.v1.PodSpec" in schemas
    assert "io.k8s.api.autoscaling.v1.Scale" in schemas  # the scale subresource's kind
    assert "io.k8s.apimachinery.pkg.apis.meta.v1.Status" in schemas
    assert "io.k8s.api.batch.v1.Job" not in schemas
    assert "io.k8s.api.core.v1.Pod" not in schemas


# ---- paths and operations --------------------------------------------------------------------


def test_every_patch_operation_offers_field_validation(
    v3: dict[str, Any], v2: dict[str, Any]
) -> None:
    """What kubectl's query-parameter verifier looks for, or it validates on the client side."""
    count = 0
    for doc in v3.values():
        for op in _operations(doc, "patch"):
            assert set(op["x-kubernetes-group-version-kind"]) == {"group", "version", "kind"}
            assert "fieldValidation" in [p["name"] for p in op["parameters"]]
            assert set(op["requestBody"]["content"]) == PATCH_TYPES
            count += 1
    v2_patches = list(_operations(v2, "patch"))
    assert count == len(v2_patches) > 30
    for op in v2_patches:
        assert isinstance(op["x-kubernetes-group-version-kind"], dict)
        assert "fieldValidation" in [p["name"] for p in op["parameters"] if p["in"] == "query"]
        assert set(op["consumes"]) == PATCH_TYPES


def test_deployment_paths(v3: dict[str, Any]) -> None:
    paths = v3["apis/apps/v1"]["paths"]
    collection = paths["/apis/apps/v1/namespaces/{namespace}/deployments"]
    assert {m: op["x-kubernetes-action"] for m, op in collection.items() if m != "parameters"} == {
        "get": "list",
        "post": "post",
        "delete": "deletecollection",
    }
    item = paths[DEPLOYMENT_ITEM]
    assert [p["name"] for p in item["parameters"]] == ["name", "namespace"]
    assert {m: op["x-kubernetes-action"] for m, op in item.items() if m != "parameters"} == {
        "get": "get",
        "put": "put",
        "patch": "patch",
        "delete": "delete",
    }
    for method in ("get", "put", "patch", "delete"):
        assert item[method]["x-kubernetes-group-version-kind"] == DEPLOYMENT_GVK
    every = paths["/apis/apps/v1/deployments"]["get"]
    assert every["operationId"] == "listAppsV1DeploymentForAllNamespaces"
    assert item["patch"]["operationId"] == "patchAppsV1NamespacedDeployment"
    status = paths[DEPLOYMENT_ITEM + "/status"]
    assert set(status) == {"get", "put", "patch", "parameters"}
    assert status["patch"]["x-kubernetes-group-version-kind"] == DEPLOYMENT_GVK
    scale = paths[DEPLOYMENT_ITEM + "/scale"]["put"]
    assert scale["x-kubernetes-group-version-kind"] == {
        "group": "autoscaling",
        "version": "v1",
        "kind": "Scale",
    }
    body = scale["requestBody"]["content"]["*/*"]["schema"]
    assert body == {"$ref": "#/components/schemas/io.k8s.api.autoscaling.v1.Scale"}


def test_cluster_scoped_and_special_paths(v3: dict[str, Any]) -> None:
    paths = v3["api/v1"]["paths"]
    assert "/api/v1/nodes/{name}" in paths
    assert not any("/namespaces/{namespace}/nodes" in path for path in paths)
    assert set(paths["/api/v1/namespaces/{namespace}/bindings"]) == {"post", "parameters"}
    assert "/api/v1/bindings" not in paths  # bindings cannot be listed
    execute = paths["/api/v1/namespaces/{namespace}/pods/{name}/exec"]
    assert {execute["get"]["x-kubernetes-action"], execute["post"]["x-kubernetes-action"]} == {
        "connect"
    }
    log = paths["/api/v1/namespaces/{namespace}/pods/{name}/log"]["get"]
    assert log["responses"]["200"]["content"]["application/json"]["schema"] == {"type": "string"}
    eviction = paths["/api/v1/namespaces/{namespace}/pods/{name}/eviction"]["post"]
    assert eviction["x-kubernetes-group-version-kind"]["group"] == "policy"
    assert "/api/v1/namespaces/{name}/finalize" in paths


def test_a_kind_without_a_definition_gets_generic_schemas() -> None:
    """Custom resources: no Go type, so no strategic merge patch and no named schema."""
    widget = Resource("example.com", "v1", "Widget", "widgets", "widget", namespaced=True)
    doc = orjson.loads(openapi.build_v3([widget]).group_versions["apis/example.com/v1"].body)
    patch = doc["paths"]["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"]["patch"]
    assert set(patch["requestBody"]["content"]) == PATCH_TYPES - {
        "application/strategic-merge-patch+json"
    }
    assert "fieldValidation" in [p["name"] for p in patch["parameters"]]
    assert patch["responses"]["200"]["content"]["application/json"]["schema"] == {"type": "object"}
    v2 = openapi.v2_document([widget])
    assert set(v2["definitions"]) == {
        "io.k8s.apimachinery.pkg.apis.meta.v1." + name
        for name in (
            "DeleteOptions",
            "Patch",
            "Status",
            "ListMeta",
            "StatusDetails",
            "StatusCause",
            "Preconditions",
        )
    }
    assert _one(openapi_v2_proto.encode_document(v2), 1) == b"2.0"


def test_root_lists_each_group_version_with_its_hash() -> None:
    docs = openapi.build_v3(builtin_resources())
    root = orjson.loads(docs.root)
    served = {
        f"apis/{r.group}/{r.version}" if r.group else f"api/{r.version}"
        for r in builtin_resources()
    }
    assert set(root["paths"]) == served == set(docs.group_versions)
    for key, entry in root["paths"].items():
        assert entry == {
            "serverRelativeURL": f"/openapi/v3/{key}?hash={docs.group_versions[key].hash}"
        }


def test_a_changed_group_version_gets_a_new_hash() -> None:
    resources = builtin_resources()
    before = openapi.build_v3(resources).group_versions
    without = [r for r in resources if (r.group, r.plural) != ("apps", "statefulsets")]
    after = openapi.build_v3(without).group_versions
    assert after["apis/apps/v1"].hash != before["apis/apps/v1"].hash
    assert after["api/v1"].hash == before["api/v1"].hash


# ---- protobuf --------------------------------------------------------------------------------


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """A message's (field number, value) pairs: an int for a varint, bytes otherwise."""
    fields: list[tuple[int, int | bytes]] = []
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 1:
            value, i = data[i : i + 8], i + 8
        else:
            assert wire == 2, wire
            length, i = _varint(data, i)
            value, i = data[i : i + length], i + length
        fields.append((number, value))
    assert i == len(data)
    return fields


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def _all(data: bytes, number: int) -> list[Any]:
    return [value for n, value in _fields(data) if n == number]


def _one(data: bytes, number: int) -> Any:
    (value,) = _all(data, number)
    return value


def _named(data: bytes, number: int) -> dict[str, bytes]:
    """Repeated Named* entries {name = 1, value = 2} at `number`."""
    return {_one(entry, 1).decode(): _one(entry, 2) for entry in _all(data, number)}


def _extensions(data: bytes, number: int) -> dict[str, Any]:
    """Vendor extensions: NamedAny entries whose Any holds YAML in its field 2."""
    return {name: yaml.safe_load(_one(value, 2)) for name, value in _named(data, number).items()}


@pytest.fixture(scope="module")
def protobuf(v2: dict[str, Any]) -> bytes:
    return openapi_v2_proto.encode_document(v2)


def test_protobuf_document_has_every_path_and_definition(
    protobuf: bytes, v2: dict[str, Any]
) -> None:
    assert _one(protobuf, 1) == b"2.0"
    info = _one(protobuf, 2)
    assert _one(info, 1) == b"Kubernetes"
    assert list(_named(_one(protobuf, 9), 1)) == list(v2["definitions"])
    assert list(_named(_one(protobuf, 8), 2)) == list(v2["paths"])


def test_protobuf_definition_carries_its_kind_and_fields(protobuf: bytes) -> None:
    """What `kubectl explain` (1.27, 1.28) reads."""
    deployment = _named(_one(protobuf, 9), 1)["io.k8s.api.apps.v1.Deployment"]
    assert _extensions(deployment, 31)["x-kubernetes-group-version-kind"] == [
        {"group": "apps", "kind": "Deployment", "version": "v1"}
    ]
    assert _all(_one(deployment, 22), 1) == [b"object"]  # TypeItem
    assert _one(deployment, 4).startswith(b"Deployment enables")
    spec = _named(_one(deployment, 25), 1)["spec"]
    assert _one(spec, 1) == b"#/definitions/io.k8s.api.apps.v1.DeploymentSpec"
    assert _one(spec, 4)  # the description beside the ref
    containers = _named(_one(_named(_one(protobuf, 9), 1)["io.k8s.api.core.v1.PodSpec"], 25), 1)[
        "containers"
    ]
    assert _extensions(containers, 31)["x-kubernetes-patch-merge-key"] == "name"
    items = _one(containers, 23)  # ItemsItem
    assert _one(_one(items, 1), 1) == b"#/definitions/io.k8s.api.core.v1.Container"


def test_protobuf_patch_operation_offers_field_validation(protobuf: bytes) -> None:
    """What the query-parameter verifier of kubectl 1.27 and 1.28 reads."""
    item = _named(_one(protobuf, 8), 2)[DEPLOYMENT_ITEM]
    patch = _one(item, 8)
    assert _extensions(patch, 13)["x-kubernetes-group-version-kind"] == {
        "group": "apps",
        "kind": "Deployment",
        "version": "v1",
    }
    assert {c.decode() for c in _all(patch, 7)} == PATCH_TYPES  # consumes
    query = []
    for entry in _all(patch, 8):  # ParametersItem -> Parameter
        parameter = _one(entry, 1)
        if _all(parameter, 2):  # NonBodyParameter -> QueryParameterSubSchema
            sub = _one(_one(parameter, 2), 3)
            assert _one(sub, 2) == b"query"
            query.append(_one(sub, 4).decode())
        else:  # BodyParameter
            body = _one(parameter, 1)
            assert (
                _one(_one(body, 5), 1)
                == b"#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch"
            )
    assert "fieldValidation" in query
    path_parameters = [_one(_one(_one(entry, 1), 2), 4) for entry in _all(item, 9)]
    assert [_one(p, 4) for p in path_parameters] == [b"name", b"namespace"]
    assert all(_one(p, 1) == 1 for p in path_parameters)  # required


def test_protobuf_scalars() -> None:
    document = {
        "definitions": {
            "X": {
                "maxLength": 300,
                "minItems": -1,
                "minimum": -1.5,
                "additionalProperties": False,
                "readOnly": True,
            }
        }
    }
    x = _named(_one(openapi_v2_proto.encode_document(document), 9), 1)["X"]
    assert _one(x, 11) == 300
    assert _one(x, 15) == (1 << 64) - 1  # int64 -1: ten bytes of two's complement
    assert struct.unpack("<d", _one(x, 9)) == (-1.5,)
    assert _fields(_one(x, 21)) == [(2, 0)]
    assert _one(x, 27) == 1


def test_protobuf_rejects_what_gnostic_cannot_carry() -> None:
    with pytest.raises(ValueError, match="oneOf"):
        openapi_v2_proto.encode_document({"definitions": {"X": {"oneOf": []}}})


# ---- HTTP ------------------------------------------------------------------------------------


@pytest.fixture
async def client() -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = web.Application()
    openapi.OpenApi(Registry(builtin_resources())).add_routes(app.router)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def test_hash_named_documents_are_immutable(
    client: TestClient[web.Request, web.Application],
) -> None:
    root = await (await client.get("/openapi/v3")).json()
    url = root["paths"]["apis/apps/v1"]["serverRelativeURL"]
    response = await client.get(url)
    assert response.status == 200
    assert response.content_type == "application/json"
    assert response.headers["Cache-Control"] == "public, immutable"
    assert response.headers["Expires"].endswith("GMT")
    etag = response.headers["ETag"]
    assert etag == f'"{url.rpartition("=")[2]}"'
    doc = await response.json()
    assert DEPLOYMENT_ITEM in doc["paths"]
    unhashed = await client.get("/openapi/v3/apis/apps/v1")
    assert unhashed.headers["Cache-Control"] == "no-cache, private"
    again = await client.get(url, headers={"If-None-Match": etag})
    assert again.status == 304


async def test_a_stale_hash_redirects_to_the_current_document(
    client: TestClient[web.Request, web.Application],
) -> None:
    response = await client.get("/openapi/v3/api/v1?hash=0123", allow_redirects=False)
    assert response.status == 301
    assert response.headers["Location"].startswith("/openapi/v3/api/v1?hash=")


async def test_v2_in_json_or_protobuf(client: TestClient[web.Request, web.Application]) -> None:
    as_json = await client.get("/openapi/v2", headers={"Accept": "application/json"})
    assert as_json.content_type == "application/json"
    assert (await as_json.json())["swagger"] == "2.0"
    accept = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
    for path in ("/openapi/v2", "/swagger-2.0.0.pb-v1"):
        response = await client.get(path, headers={"Accept": accept})
        assert response.status == 200
        assert response.content_type == openapi.V2_PROTOBUF
        assert _one(await response.read(), 1) == b"2.0"


async def test_registry_changes_rebuild_the_documents() -> None:
    registry = Registry(builtin_resources())
    app = web.Application()
    openapi.OpenApi(registry).add_routes(app.router)
    async with TestClient(TestServer(app)) as test_client:
        before = await (await test_client.get("/openapi/v3")).json()
        registry.remove("apps", "v1", "statefulsets")
        after = await (await test_client.get("/openapi/v3")).json()
    url = "serverRelativeURL"
    assert after["paths"]["apis/apps/v1"][url] != before["paths"]["apis/apps/v1"][url]
    assert after["paths"]["api/v1"][url] == before["paths"]["api/v1"][url]
