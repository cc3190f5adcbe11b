"""The local control plane is a real one: garbage collection, scheduling, rollouts and CEL admission."""

from __future__ import annotations

import pytest
from kubernetes import client as k8s

from temps_operator.kube import DEPLOYMENT, KubeClient

from .conftest import Cluster, wait_for

pytestmark = pytest.mark.cluster

WIDGET_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.test"},
    "spec": {
        "group": "example.test",
        "scope": "Namespaced",
        "names": {"kind": "Widget", "plural": "widgets", "singular": "widget"},
        "versions": [{
            "name": "v1", "served": True, "storage": True,
            "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": {
                "type": "object",
                "properties": {"size": {"type": "integer"}, "max": {"type": "integer"}},
                "x-kubernetes-validations": [{"rule": "self.size <= self.max", "message": "size must not exceed max"}],
            }}}},
        }],
    },
}


def deployment(namespace: str, name: str, replicas: int, owner: dict[str, str] | None = None) -> dict[str, object]:
    meta: dict[str, object] = {"name": name, "namespace": namespace}
    if owner:
        meta["ownerReferences"] = [{**owner, "controller": True, "blockOwnerDeletion": True}]
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                         "spec": {"containers": [{"name": "app", "image": "registry.example/app:1"}]}},
        },
    }


@pytest.fixture(scope="module")
def widget_crd(cluster: Cluster) -> None:
    cluster.apply(WIDGET_CRD)
    cluster.kubectl("wait", "--for=condition=Established", "crd/widgets.example.test", "--timeout=60s")


def test_cel_rule_refuses_object_with_its_message(cluster: Cluster, namespace: str, widget_crd: None) -> None:
    bad = {"apiVersion": "example.test/v1", "kind": "Widget",
           "metadata": {"name": "big", "namespace": namespace}, "spec": {"size": 5, "max": 3}}
    result = cluster.apply(bad, check=False)
    assert result.returncode != 0
    assert "size must not exceed max" in result.stderr


def test_deployment_of_two_replicas_becomes_available(cluster: Cluster, namespace: str, kube: KubeClient) -> None:
    cluster.apply(deployment(namespace, "two", 2))
    cluster.kubectl("-n", namespace, "wait", "--for=condition=Available", "deployment/two", "--timeout=60s")
    live = kube.get(DEPLOYMENT, namespace, "two")
    assert live is not None
    assert live["status"]["readyReplicas"] == 2
    pods = k8s.CoreV1Api(cluster.api).list_namespaced_pod(namespace, label_selector="app=two").items
    assert len(pods) == 2
    assert all(p.status and p.status.phase == "Running" for p in pods)


def test_deleting_owner_garbage_collects_deployment(
    cluster: Cluster, namespace: str, kube: KubeClient, widget_crd: None,
) -> None:
    cluster.apply({"apiVersion": "example.test/v1", "kind": "Widget",
                   "metadata": {"name": "owner", "namespace": namespace}, "spec": {"size": 1, "max": 2}})
    owner = cluster.kubectl("-n", namespace, "get", "widget", "owner", "-o", "jsonpath={.metadata.uid}").stdout
    cluster.apply(deployment(namespace, "owned", 1,
                             {"apiVersion": "example.test/v1", "kind": "Widget", "name": "owner", "uid": owner}))
    assert kube.get(DEPLOYMENT, namespace, "owned") is not None
    cluster.kubectl("-n", namespace, "delete", "widget", "owner", "--wait=true")
    wait_for(lambda: kube.get(DEPLOYMENT, namespace, "owned") is None, timeout=60,
             what="the garbage collector to delete the owned Deployment")
