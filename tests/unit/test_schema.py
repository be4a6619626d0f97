"""Built-in schemas and the decoder's checks: unknown field paths and type errors in Go's words."""

from __future__ import annotations

import copy
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from minikube_py import schema

Obj = dict[str, Any]


def deployment() -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "default",
            "labels": {"app.kubernetes.io/name": "web", "tier": "front"},
            "annotations": {"example.com/any-key": "x", "another": "{}"},
        },
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app.kubernetes.io/name": "web"}},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1},
            },
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": "web"}},
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": "nginx:1.27",
                            "ports": [{"containerPort": 80, "name": "http"}],
                            "env": [
                                {"name": "A", "value": "b"},
                                {
                                    "name": "POD",
                                    "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}},
                                },
                            ],
                            "resources": {
                                "limits": {"cpu": "500m", "memory": "128Mi"},
                                "requests": {"cpu": 0.1},
                            },
                            "readinessProbe": {"httpGet": {"path": "/", "port": "http"}},
                            "livenessProbe": {"tcpSocket": {"port": 80}},
                        }
                    ],
                    "volumes": [{"name": "scratch", "emptyDir": {}}],
                    "nodeSelector": {"kubernetes.io/os": "linux"},
                },
            },
        },
        "status": {"replicas": 3, "conditions": [{"type": "Available", "status": "True"}]},
    }


def pod() -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "p",
            "managedFields": [
                {
                    "manager": "kubectl",
                    "operation": "Apply",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:spec": {"f:containers": {'k:{"name":"c"}': {".": {}}}}},
                }
            ],
        },
        "spec": {
            "containers": [{"name": "c", "image": "busybox", "command": ["sleep", "3600"]}],
            "restartPolicy": "Never",
        },
    }


def service() -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"app": "web"},
            "ports": [
                {"name": "http", "port": 80, "targetPort": "http"},
                {"name": "alt", "port": 8080, "targetPort": 8080, "protocol": "TCP"},
            ],
            "type": "ClusterIP",
        },
    }


def config_map() -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cfg"},
        "data": {"any.key": "v", "spec": "not a field", "nested/like": "{}"},
        "binaryData": {"blob": "AAEC"},
    }


def crd() -> Obj:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.n"}},
                    "additionalPrinterColumns": [
                        {"name": "N", "type": "integer", "jsonPath": ".spec.n"}
                    ],
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": {
                                    "type": "object",
                                    "x-kubernetes-preserve-unknown-fields": True,
                                    "required": ["n"],
                                    "properties": {
                                        "n": {"type": "integer", "default": 1, "minimum": 0},
                                        "port": {"x-kubernetes-int-or-string": True},
                                        "mode": {"type": "string", "enum": ["a", "b"]},
                                        "tags": {
                                            "type": "array",
                                            "items": {"type": "string"},
                                            "x-kubernetes-list-type": "set",
                                        },
                                        "labels": {
                                            "type": "object",
                                            "additionalProperties": {"type": "string"},
                                        },
                                        "open": {"type": "object", "additionalProperties": True},
                                        "tpl": {
                                            "type": "object",
                                            "x-kubernetes-embedded-resource": True,
                                            "x-kubernetes-preserve-unknown-fields": True,
                                        },
                                    },
                                    "x-kubernetes-validations": [
                                        {"rule": "self.n >= 0", "message": "n must be >= 0"}
                                    ],
                                },
                                "status": {"type": "object", "example": {"anything": [1, 2]}},
                            },
                        }
                    },
                }
            ],
        },
    }


@pytest.mark.parametrize("make", [deployment, pod, service, config_map, crd])
def test_valid_objects_have_no_unknown_fields_or_type_errors(make: Any) -> None:
    obj = make()
    assert schema.unknown_fields(obj["apiVersion"], obj["kind"], obj) == []
    assert schema.check(obj["apiVersion"], obj["kind"], obj) == schema.CheckResult([], [])


def test_unknown_fields_use_the_decoder_path_format_in_document_order() -> None:
    obj = deployment()
    obj["foo"] = 1
    obj["metadata"]["bogus"] = {"deep": 1}
    obj["spec"]["foo"] = None
    container = obj["spec"]["template"]["spec"]["containers"][0]
    container["bar"] = "x"
    container["ports"].append({"containerPort": 81, "containerPortZ": 1})
    obj["spec"]["template"]["spec"]["Containers"] = []  # matching is case-sensitive

    assert schema.unknown_fields("apps/v1", "Deployment", obj) == [
        "metadata.bogus",
        "spec.template.spec.containers[0].ports[1].containerPortZ",
        "spec.template.spec.containers[0].bar",
        "spec.template.spec.Containers",
        "spec.foo",
        "foo",
    ]


def test_map_values_that_are_structs_are_checked_under_their_key() -> None:
    # BasicDevice.attributes is map[QualifiedName]DeviceAttribute: the key joins the path.
    slice_ = {
        "apiVersion": "resource.k8s.io/v1beta1",
        "kind": "ResourceSlice",
        "metadata": {"name": "s"},
        "spec": {
            "driver": "d",
            "pool": {"name": "p", "generation": 1, "resourceSliceCount": 1},
            "allNodes": True,
            "devices": [
                {"name": "gpu0", "basic": {"attributes": {"model": {"string": "x", "oops": 1}}}}
            ],
        },
    }
    assert schema.unknown_fields("resource.k8s.io/v1beta1", "ResourceSlice", slice_) == [
        "spec.devices[0].basic.attributes.model.oops"
    ]


def test_opaque_objects_accept_anything() -> None:
    revision = {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {"name": "r"},
        "data": {"spec": {"template": {"whatever": [1, {"x": 2}]}}},  # RawExtension
        "revision": 1,
    }
    assert schema.unknown_fields("apps/v1", "ControllerRevision", revision) == []


def test_int_or_string_and_quantity_accept_both_forms() -> None:
    obj = deployment()
    obj["spec"]["strategy"]["rollingUpdate"] = {"maxSurge": 2, "maxUnavailable": "50%"}
    obj["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"] = 1
    assert schema.unknown_fields("apps/v1", "Deployment", obj) == []


def test_crd_schema_fields_are_checked_as_json_schema_props() -> None:
    obj = crd()
    props = obj["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]
    props["spec"]["properties"]["n"]["typo"] = "integer"
    assert schema.unknown_fields("apiextensions.k8s.io/v1", "CustomResourceDefinition", obj) == [
        "spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.n.typo"
    ]


def test_caller_schemas_honour_preserve_unknown_fields_and_embedded_resources() -> None:
    widget_schema = crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    widget = {
        "spec": {
            "n": 1,
            "port": "http",
            "extra": {"kept": True},
            "tpl": {"apiVersion": "v1", "kind": "Pod", "metadata": {}, "spec": {}},
        },
        "status": {"free": "form"},
    }
    assert schema.unknown_fields_in(widget_schema, widget) == []

    strict = {
        "type": "object",
        "properties": {
            "meta": {"$ref": "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
            "res": {
                "type": "object",
                "x-kubernetes-embedded-resource": True,
                "properties": {"spec": {"type": "object", "properties": {}}},
            },
        },
    }
    value = {
        "meta": {"name": "x", "nam": "y"},
        "res": {"apiVersion": "v1", "kind": "K", "metadata": {}, "spec": {"z": 1}, "w": 2},
    }
    assert schema.unknown_fields_in(strict, value) == ["meta.nam", "res.spec.z", "res.w"]


def test_at_most_one_hundred_paths_like_the_go_decoder() -> None:
    obj = config_map()
    obj.update({f"f{i}": i for i in range(150)})
    found = schema.unknown_fields("v1", "ConfigMap", obj)
    assert len(found) == 100
    assert found[0] == "f0"


def test_kinds_without_a_schema_give_nothing() -> None:
    assert schema.definition_for("example.com/v1", "Widget") is None
    assert schema.definition_for("apps/v1", "Pod") is None
    assert schema.unknown_fields("example.com/v1", "Widget", {"spec": {"anything": 1}}) == []


def test_definitions_are_indexed_by_group_version_kind() -> None:
    schema.preload()
    defs = schema.definitions()
    assert schema.definition_for("apps/v1", "Deployment") is defs["io.k8s.api.apps.v1.Deployment"]
    assert schema.gvk_index()[("", "v1", "Pod")] == "io.k8s.api.core.v1.Pod"
    containers = defs["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["x-kubernetes-patch-strategy"] == "merge"
    assert containers["x-kubernetes-list-map-keys"] == ["name"]


def test_checking_does_not_modify_the_object() -> None:
    obj = deployment()
    obj["spec"]["foo"] = 1
    obj["spec"]["replicas"] = "3"
    before = copy.deepcopy(obj)
    schema.check("apps/v1", "Deployment", obj)
    assert obj == before


def test_nothing_is_loaded_at_import() -> None:
    code = "import minikube_py.schema as s; assert s._loaded is None"
    repo = Path(__file__).resolve().parents[2]  # importable even before `pip install -e`
    subprocess.run([sys.executable, "-c", code], check=True, cwd=repo)


def test_check_speed_after_loading() -> None:
    schema.preload()
    obj = deployment()
    rounds = 200
    start = time.perf_counter()
    for _ in range(rounds):
        schema.check("apps/v1", "Deployment", obj)
    per_check_us = (time.perf_counter() - start) / rounds * 1e6
    # Measured ~90 µs per Deployment (budget: 1 ms); printed, not asserted, to stay unflaky.
    print(f"check(Deployment): {per_check_us:.0f} µs")


# Type errors: a value of the wrong JSON type fails decoding into the Go struct (a 400 whatever
# the fieldValidation mode), worded as encoding/json's UnmarshalTypeError with sigs.k8s.io/json's
# context: the innermost struct, then the json field names from the root (no indices, no keys).


def type_errors(obj: Obj) -> list[str]:
    return schema.check(obj["apiVersion"], obj["kind"], obj).type_errors


def set_at(obj: Obj, where: tuple[str | int, ...], value: Any) -> None:
    parent: Any = obj
    for step in where[:-1]:
        parent = parent[step]
    parent[where[-1]] = value


TEMPLATE = ("spec", "template", "spec")
WEB = (*TEMPLATE, "containers", 0)


@pytest.mark.parametrize(
    ("where", "value", "error"),
    [
        (("metadata", "labels", "a"), 1, ("number", "ObjectMeta.metadata.labels", "string")),
        (("metadata", "name"), 5, ("number", "ObjectMeta.metadata.name", "string")),
        (("spec", "replicas"), "3", ("string", "DeploymentSpec.spec.replicas", "int32")),
        (("spec", "replicas"), 1.5, ("number 1.5", "DeploymentSpec.spec.replicas", "int32")),
        # Go parses the literal `1.0` as an integer, and fails.
        (("spec", "replicas"), 1.0, ("number 1.0", "DeploymentSpec.spec.replicas", "int32")),
        (("spec", "replicas"), True, ("bool", "DeploymentSpec.spec.replicas", "int32")),
        (
            ("spec", "replicas"),
            2**31,
            ("number 2147483648", "DeploymentSpec.spec.replicas", "int32"),
        ),
        (("spec", "paused"), "true", ("string", "DeploymentSpec.spec.paused", "bool")),
        (
            ("spec", "selector", "matchLabels", "app"),
            {"name": "web"},
            ("object", "LabelSelector.spec.selector.matchLabels", "string"),
        ),
        (
            (*TEMPLATE, "containers"),
            {"name": "web"},
            ("object", "PodSpec.spec.template.spec.containers", "[]v1.Container"),
        ),
        (
            (*TEMPLATE, "nodeSelector"),
            ["linux"],
            ("array", "PodSpec.spec.template.spec.nodeSelector", "map[string]string"),
        ),
        (
            (*TEMPLATE, "securityContext"),
            "root",
            ("string", "PodSpec.spec.template.spec.securityContext", "v1.PodSecurityContext"),
        ),
        (
            (*WEB, "ports", 0, "containerPort"),
            "80",
            ("string", "ContainerPort.spec.template.spec.containers.ports.containerPort", "int32"),
        ),
        (
            (*WEB, "command"),
            "sleep 1",
            ("string", "Container.spec.template.spec.containers.command", "[]string"),
        ),
        (
            (*WEB, "env", 0),
            "A=b",
            ("string", "Container.spec.template.spec.containers.env", "v1.EnvVar"),
        ),
    ],
)
def test_wrong_types_are_named_by_struct_field_path_and_go_type(
    where: tuple[str | int, ...], value: Any, error: tuple[str, str, str]
) -> None:
    obj = deployment()
    set_at(obj, where, value)
    json_value, field, go_type = error
    assert type_errors(obj) == [
        f"json: cannot unmarshal {json_value} into Go struct field {field} of type {go_type}"
    ]
    assert schema.unknown_fields("apps/v1", "Deployment", obj) == []


def test_wrong_types_in_pods_and_config_maps() -> None:
    obj = pod()
    obj["spec"]["containers"] = "busybox"
    assert type_errors(obj) == [
        "json: cannot unmarshal string into Go struct field PodSpec.spec.containers "
        "of type []v1.Container"
    ]

    obj = config_map()
    obj["data"]["port"] = 8080
    obj["binaryData"]["blob"] = 1
    assert type_errors(obj) == [
        "json: cannot unmarshal number into Go struct field ConfigMap.data of type string",
        "json: cannot unmarshal number into Go struct field ConfigMap.binaryData of type []uint8",
    ]


def test_int64_fields_take_what_int32_fields_refuse() -> None:
    obj = deployment()
    obj["metadata"]["generation"] = 2**40
    obj["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = 2**63
    assert type_errors(obj) == [
        "json: cannot unmarshal number 9223372036854775808 into Go struct field "
        "PodSpec.spec.template.spec.terminationGracePeriodSeconds of type int64"
    ]


def test_numbers_take_integers_and_fractions() -> None:
    obj = crd()
    props = obj["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]
    props["spec"]["properties"]["n"].update(maximum=10, multipleOf=0.5)
    assert type_errors(obj) == []
    props["spec"]["properties"]["n"]["minimum"] = "0"
    assert type_errors(obj) == [
        "json: cannot unmarshal string into Go struct field JSONSchemaProps.spec.versions.schema"
        ".openAPIV3Schema.properties.properties.minimum of type float64"
    ]


def test_null_is_accepted_anywhere() -> None:
    obj = deployment()
    obj["metadata"]["labels"]["a"] = None
    obj["metadata"]["annotations"] = None
    obj["spec"]["replicas"] = None
    obj["spec"]["strategy"]["rollingUpdate"]["maxSurge"] = None
    obj["spec"]["template"]["spec"]["volumes"] = [None]
    obj["spec"]["template"]["spec"]["securityContext"] = None
    web = obj["spec"]["template"]["spec"]["containers"][0]
    web["ports"][0]["containerPort"] = None
    web["resources"]["limits"]["cpu"] = None
    web["command"] = [None]
    obj["status"] = None
    assert schema.check("apps/v1", "Deployment", obj) == schema.CheckResult([], [])


def test_int_or_string_takes_an_int32_or_a_string() -> None:
    obj = service()
    obj["spec"]["ports"][0]["targetPort"] = "http"
    obj["spec"]["ports"][1]["targetPort"] = 8080
    assert type_errors(obj) == []
    obj["spec"]["ports"][0]["targetPort"] = 80.5
    obj["spec"]["ports"][1]["targetPort"] = {"port": 1}
    assert type_errors(obj) == [
        "json: cannot unmarshal number 80.5 into Go struct field ServicePort.spec.ports.targetPort "
        "of type int32",
        "json: cannot unmarshal object into Go struct field ServicePort.spec.ports.targetPort "
        "of type int32",
    ]


@pytest.mark.parametrize("good", ["500m", "1.5Gi", " 2 ", "1e3", "1E-2", ".5", "+1k", 2, 0.25])
def test_quantities_take_numbers_and_quantity_strings(good: Any) -> None:
    obj = pod()
    obj["spec"]["containers"][0]["resources"] = {"limits": {"cpu": good}}
    assert type_errors(obj) == []


QUANTITY_FORMAT = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        (True, QUANTITY_FORMAT),
        ({"amount": 1}, QUANTITY_FORMAT),
        ("25%", QUANTITY_FORMAT),
        ("", QUANTITY_FORMAT),
        ("32MMi", "unable to parse quantity's suffix"),
        ("1e", "unable to parse quantity's suffix"),
    ],
)
def test_bad_quantities_fail_as_resource_quantity_parses_them(bad: Any, error: str) -> None:
    # Quantity's own UnmarshalJSON reports these, without the field.
    obj = pod()
    obj["spec"]["containers"][0]["resources"] = {"requests": {"memory": bad}}
    assert type_errors(obj) == [error]


def test_errors_of_types_with_their_own_decoder_come_first() -> None:
    # Go notes a plain type error and goes on, but a type's own UnmarshalJSON (int-or-string,
    # quantity, time) stops the decoder with its error: that one is reported.
    obj = deployment()
    obj["metadata"]["labels"]["a"] = 1
    obj["metadata"]["creationTimestamp"] = 1700000000
    obj["spec"]["strategy"]["rollingUpdate"]["maxSurge"] = True
    assert type_errors(obj) == [
        "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp "
        "of type string",
        "json: cannot unmarshal bool into Go struct field RollingUpdateDeployment.spec.strategy"
        ".rollingUpdate.maxSurge of type int32",
        "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels "
        "of type string",
    ]


def test_raw_json_fields_take_any_value() -> None:
    revision = {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {"name": "r"},
        "data": "any JSON",  # RawExtension keeps the raw bytes
        "revision": 1,
    }
    for data in ("any JSON", [1, "x"], 5, True, {"spec": {"x": [1]}}):
        revision["data"] = data
        assert schema.check("apps/v1", "ControllerRevision", revision) == schema.CheckResult([], [])
    revision["revision"] = "1"
    assert type_errors(revision) == [
        "json: cannot unmarshal string into Go struct field ControllerRevision.revision "
        "of type int64"
    ]


def test_a_wrongly_typed_subtree_is_not_searched_for_unknown_fields() -> None:
    obj = deployment()
    obj["spec"]["template"]["spec"]["containers"] = {"name": "web", "bogus": 1}
    result = schema.check("apps/v1", "Deployment", obj)
    assert result.unknown == []
    assert len(result.type_errors) == 1


def test_caller_schemas_preserve_unknown_fields_subtrees_take_anything() -> None:
    widget_schema = crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    widget = {
        "spec": {"n": 1, "port": 80, "extra": [1, {"kept": True}], "tpl": "anything"},
        "status": {"free": "form"},
    }
    assert schema.check_in(widget_schema, widget) == schema.CheckResult([], [])
    widget["spec"] = "not an object"  # the preserve-unknown-fields node itself takes any value
    assert schema.check_in(widget_schema, widget) == schema.CheckResult([], [])

    widget["spec"] = {"n": "1", "port": True, "tags": "a"}
    assert schema.check_in(widget_schema, widget).type_errors == [
        "json: cannot unmarshal string into Go struct field .spec.n of type int64",
        "json: cannot unmarshal bool into Go struct field .spec.port of type int32",
        "json: cannot unmarshal string into Go struct field .spec.tags of type []string",
    ]


def test_decode_error_message_is_the_api_servers_bad_request() -> None:
    obj = config_map()
    obj["metadata"]["labels"] = {"a": 1}
    assert schema.decode_error_message("v1", "ConfigMap", type_errors(obj)[0]) == (
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal '
        "number into Go struct field ObjectMeta.metadata.labels of type string"
    )
    assert schema.decode_error_message("apps/v1", "Deployment", "strict decoding error: x") == (
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: x'
    )


def test_drop_unknown_removes_every_unknown_field_even_past_the_reported_hundred() -> None:
    extra = {f"x{i}": i for i in range(150)}
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "bogus": 1},
        "spec": {"containers": [{"name": "c", "image": "nginx", "colour": "red"}], **extra},
    }
    result = schema.check("v1", "Pod", pod)
    assert len(result.unknown) == 100
    result.drop_unknown()
    assert pod == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
    }
    assert schema.check("v1", "Pod", pod).unknown == []
