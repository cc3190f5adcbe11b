"""Bad input is refused by the API server itself, from the generated CRD schema, naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Cluster

pytestmark = pytest.mark.cluster


def env(namespace: str, name: str = "web-prod", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "temps.sh/v1alpha1", "kind": "TempsEnvironment",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"projectRef": {"name": "web"}, **spec}}


@pytest.mark.parametrize(("spec", "field", "text"), [
    ({"domains": [{"name": "Bad_Domain!"}]}, "spec.domains[0].name", "should match"),
    ({"domains": [{"name": "a.example.com", "primary": True}, {"name": "b.example.com", "primary": True}]},
     "spec.domains", "at most one domain may be primary"),
    ({"port": 70000}, "spec.port", "less than or equal to 65535"),
    ({"replicas": -1}, "spec.replicas", "greater than or equal to 0"),
    ({"resources": {"cpu": {"request": 2000, "limit": 1000}}}, "spec.resources.cpu.request",
     "request must not exceed limit"),
    ({"resources": {"memory": {"limit": 1}}}, "spec.resources.memory.limit", "greater than or equal to 16"),
    ({"env": [{"name": "1BAD", "value": "x"}]}, "spec.env[0].name", "should match"),
    ({"env": [{"name": "BOTH", "value": "x", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]},
     "spec.env[0]", "exactly one of value or valueFrom"),
    ({"healthPath": "healthz"}, "spec.healthPath", "should match"),
    ({"domains": [{"name": "dup.example.com"}, {"name": "dup.example.com"}]}, "spec.domains[1]", "Duplicate value"),
    ({"replicass": 2}, "spec.replicass", "unknown field"),
])
def test_invalid_environment_is_refused_naming_the_field(
    cluster: Cluster, namespace: str, spec: dict[str, Any], field: str, text: str,
) -> None:
    result = cluster.apply(env(namespace, **spec), check=False)
    assert result.returncode != 0, "the API server accepted an invalid spec"
    assert field in result.stderr and text in result.stderr, result.stderr


def test_project_needs_exactly_one_source(cluster: Cluster, namespace: str) -> None:
    base = {"apiVersion": "temps.sh/v1alpha1", "kind": "TempsProject",
            "metadata": {"name": "p", "namespace": namespace}}
    neither = cluster.apply({**base, "spec": {}}, check=False)
    both = cluster.apply({**base, "spec": {"image": "registry.example/a:1",
                                           "git": {"repository": "https://git.example.com/a.git"}}}, check=False)
    for result in (neither, both):
        assert result.returncode != 0
        assert "exactly one of spec.git or spec.image must be set" in result.stderr


def test_environment_name_must_fit_a_service_name(cluster: Cluster, namespace: str) -> None:
    result = cluster.apply(env(namespace, name="x" * 64), check=False)
    assert result.returncode != 0
    assert "metadata.name must be a DNS label" in result.stderr


def test_project_ref_is_immutable(cluster: Cluster, namespace: str) -> None:
    cluster.apply(env(namespace))
    moved = env(namespace)
    moved["spec"]["projectRef"] = {"name": "other"}
    result = cluster.apply(moved, check=False)
    assert result.returncode != 0
    assert "spec.projectRef" in result.stderr and "projectRef is immutable" in result.stderr


def test_service_type_is_an_enum(cluster: Cluster, namespace: str) -> None:
    result = cluster.apply({"apiVersion": "temps.sh/v1alpha1", "kind": "TempsService",
                            "metadata": {"name": "db", "namespace": namespace}, "spec": {"type": "mysql"}},
                           check=False)
    assert result.returncode != 0
    assert "spec.type" in result.stderr and "Unsupported value" in result.stderr

