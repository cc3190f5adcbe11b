"""Direct mode end to end: the operator (``temps-operator run``) against the real control plane."""

from __future__ import annotations

import time
from typing import Any

import pytest
from kubernetes import client as k8s

from temps_operator.envtest import OperatorProcess
from temps_operator.kube import DEPLOYMENT, INGRESS, SERVICE, TEMPS_ENVIRONMENT, TEMPS_PROJECT, KubeClient

from .conftest import REPO, RESYNC_SECONDS, Cluster, wait_for

pytestmark = pytest.mark.cluster

WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection"}


def project(namespace: str, name: str = "shop", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "temps.sh/v1alpha1", "kind": "TempsProject",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"image": "registry.example/shop:1", "defaults": {"port": 8080}, **spec}}


def environment(namespace: str, name: str = "shop-prod", project_name: str = "shop", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "temps.sh/v1alpha1", "kind": "TempsEnvironment",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"projectRef": {"name": project_name}, **spec}}


def condition(obj: dict[str, Any] | None, type_: str = "Ready") -> dict[str, Any]:
    for item in ((obj or {}).get("status") or {}).get("conditions") or []:
        if item["type"] == type_:
            return dict(item)
    return {}


def ready(kube: KubeClient, namespace: str, name: str) -> dict[str, Any] | None:
    env = kube.get(TEMPS_ENVIRONMENT, namespace, name)
    if env and condition(env).get("status") == "True" \
            and env["status"].get("observedGeneration") == env["metadata"]["generation"]:
        return env
    return None


def events(cluster: Cluster, namespace: str, name: str) -> list[Any]:
    items = k8s.CoreV1Api(cluster.api).list_namespaced_event(
        namespace, field_selector=f"involvedObject.name={name}").items
    return list(items)


def test_project_and_environment_become_deployment_service_ingress(
    cluster: Cluster, operator: OperatorProcess, namespace: str, kube: KubeClient,
) -> None:
    cluster.kubectl("-n", namespace, "create", "secret", "generic", "shop-secrets", "--from-literal=token=s3cr3t")
    cluster.apply(
        project(namespace, defaults={
            "port": 8080, "replicas": 2, "healthPath": "/healthz",
            "resources": {"cpu": {"request": 250, "limit": 1000}, "memory": {"request": 256, "limit": 512}},
            "env": [{"name": "MODE", "value": "project"}, {"name": "SHARED", "value": "1"}],
        }),
        environment(namespace, resources={"memory": {"limit": 2048}},
                    env=[{"name": "MODE", "value": "prod"},
                         {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "shop-secrets", "key": "token"}}}],
                    domains=[{"name": "shop.example.com", "primary": True}, {"name": "www.shop.example.com"}]),
    )
    env = wait_for(lambda: ready(kube, namespace, "shop-prod"), timeout=60, what="environment Ready")
    assert env["status"]["url"] == "http://shop.example.com"
    assert env["status"]["readyReplicas"] == 2
    cluster.kubectl("-n", namespace, "wait", "--for=condition=Ready", "tempsenvironment/shop-prod", "--timeout=10s")

    deployment = kube.get(DEPLOYMENT, namespace, "shop-prod")
    assert deployment is not None
    assert deployment["metadata"]["ownerReferences"][0]["uid"] == env["metadata"]["uid"]
    assert deployment["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "temps-operator"
    assert any(m["manager"] == "temps-operator" and m["operation"] == "Apply"
               for m in deployment["metadata"]["managedFields"])
    spec = deployment["spec"]
    assert spec["replicas"] == 2
    container = spec["template"]["spec"]["containers"][0]
    assert container["image"] == "registry.example/shop:1"
    assert container["ports"][0]["containerPort"] == 8080
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["resources"] == {"requests": {"cpu": "250m", "memory": "256Mi"},
                                      "limits": {"cpu": "1", "memory": "2Gi"}}
    env_vars = {v["name"]: v for v in container["env"]}
    assert env_vars["MODE"]["value"] == "prod"
    assert env_vars["SHARED"]["value"] == "1"
    assert env_vars["TOKEN"]["valueFrom"]["secretKeyRef"] == {"name": "shop-secrets", "key": "token"}

    service = kube.get(SERVICE, namespace, "shop-prod")
    assert service is not None
    assert service["spec"]["selector"] == {"temps.sh/environment": "shop-prod"}
    ingress = kube.get(INGRESS, namespace, "shop-prod")
    assert ingress is not None
    assert [r["host"] for r in ingress["spec"]["rules"]] == ["shop.example.com", "www.shop.example.com"]

    listing = cluster.kubectl("-n", namespace, "get", "temps").stdout
    assert "shop-prod" in listing and "http://shop.example.com" in listing and "True" in listing
    project_obj = wait_for(lambda: (p := kube.get(TEMPS_PROJECT, namespace, "shop"))
                           and p.get("status", {}).get("environments") == 1 and p, what="project status")
    assert condition(project_obj)["status"] == "True"
    assert "s3cr3t" not in str(env) + str(project_obj) + operator.read_log()


def test_not_ready_until_the_rollout_is_available(
    cluster: Cluster, operator: OperatorProcess, namespace: str, kube: KubeClient,
) -> None:
    # Two replicas of 64 cores each cannot both fit on the 64-core node: the rollout never completes.
    cluster.apply(project(namespace), environment(namespace, replicas=2, resources={"cpu": {"request": 64000}}))
    env = wait_for(lambda: (e := kube.get(TEMPS_ENVIRONMENT, namespace, "shop-prod"))
                   and "replicas available" in condition(e).get("message", "") and e, timeout=30,
                   what="a rollout in progress")
    assert condition(env)["status"] == "False"
    assert condition(env)["reason"] == "Progressing"
    assert condition(env, "Reconciling")["status"] == "True"
    time.sleep(RESYNC_SECONDS * 2)
    assert condition(kube.get(TEMPS_ENVIRONMENT, namespace, "shop-prod"))["status"] == "False"

    cluster.kubectl("-n", namespace, "patch", "tempsenvironment", "shop-prod", "--type=merge",
                    "-p", '{"spec": {"resources": {"cpu": {"request": 100}}}}')
    env = wait_for(lambda: ready(kube, namespace, "shop-prod"), timeout=60, what="Ready once pods fit")
    assert env["status"]["readyReplicas"] == 2
    assert condition(env, "Reconciling") == {}
    cluster.kubectl("-n", namespace, "wait", "--for=condition=Ready", "tempsenvironment/shop-prod", "--timeout=5s")


def test_spec_change_updates_deployment_and_advances_observed_generation(
    cluster: Cluster, operator: OperatorProcess, namespace: str, kube: KubeClient,
) -> None:
    cluster.apply(project(namespace), environment(namespace, replicas=1))
    env = wait_for(lambda: ready(kube, namespace, "shop-prod"), timeout=60, what="environment Ready")
    assert env["status"]["observedGeneration"] == 1
    first_transition = condition(env)["lastTransitionTime"]

    cluster.kubectl("-n", namespace, "patch", "tempsenvironment", "shop-prod", "--type=merge",
                    "-p", '{"spec": {"replicas": 3, "image": "registry.example/shop:2"}}')
    env = wait_for(lambda: ready(kube, namespace, "shop-prod"), timeout=60, what="Ready at generation 2")
    assert env["status"]["observedGeneration"] == 2
    assert env["status"]["readyReplicas"] == 3
    assert env["status"]["image"] == "registry.example/shop:2"
    deployment = kube.get(DEPLOYMENT, namespace, "shop-prod")
    assert deployment is not None
    assert deployment["spec"]["replicas"] == 3
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.example/shop:2"
    # The transition is on record: Ready went False (Progressing) and back to True, each with an Event.
    def reasons() -> set[str]:
        return {e.reason for e in events(cluster, namespace, "shop-prod")}

    wait_for(lambda: {"Progressing", "Available"} <= reasons(), timeout=15, what="transition Events",
             describe=reasons)
    assert condition(env)["lastTransitionTime"] >= first_transition


def test_idle_resync_writes_nothing(
    cluster: Cluster, operator: OperatorProcess, namespace: str, kube: KubeClient,
) -> None:
    cluster.apply(project(namespace), environment(namespace, domains=[{"name": "idle.example.com"}]))
    wait_for(lambda: ready(kube, namespace, "shop-prod"), timeout=60, what="environment Ready")
    time.sleep(1.0)  # let the last status write of the rollout land before counting
    since = time.time()
    time.sleep(RESYNC_SECONDS * 3 + 1)
    requests = [r for r in cluster.operator_requests(since) if r.get("objectRef", {}).get("namespace") == namespace]
    reads = [r for r in requests if r["verb"] == "get" and r["objectRef"].get("name") == "shop-prod"]
    writes = [f"{r['verb']} {r['objectRef'].get('resource')}/{r['objectRef'].get('name')}"
              for r in requests if r["verb"] in WRITE_VERBS]
    assert len(reads) >= 2, "the resync did not run during the idle window"
    assert writes == []


def test_drift_is_corrected_at_resync_with_an_event(
    cluster: Cluster, operator: OperatorProcess, namespace: str, kube: KubeClient,
) -> None:
    cluster.apply(project(namespace), environment(namespace, replicas=2))
    wait_for(lambda: ready(kube, namespace, "shop-prod"), timeout=60, what="environment Ready")
    cluster.kubectl("-n", namespace, "scale", "deployment/shop-prod", "--replicas=5")
    wait_for(lambda: (d := kube.get(DEPLOYMENT, namespace, "shop-prod")) and d["spec"]["replicas"] == 2,
             timeout=RESYNC_SECONDS * 5, what="replicas restored to 2")
    drift = wait_for(lambda: [e for e in events(cluster, namespace, "shop-prod") if e.reason == "DriftCorrected"],
                     timeout=10, what="DriftCorrected event")
    assert "spec.replicas" in drift[0].message


def test_deleting_environment_garbage_collects_children(
    cluster: Cluster, operator: OperatorProcess, namespace: str, kube: KubeClient,
) -> None:
    cluster.apply(project(namespace), environment(namespace, domains=[{"name": "gc.example.com"}]))
    wait_for(lambda: ready(kube, namespace, "shop-prod"), timeout=60, what="environment Ready")
    cluster.kubectl("-n", namespace, "delete", "tempsenvironment", "shop-prod", "--timeout=30s")
    gone = lambda: all(kube.get(rtype, namespace, "shop-prod") is None  # noqa: E731
                       for rtype in (DEPLOYMENT, SERVICE, INGRESS))
    wait_for(gone, timeout=60, what="Deployment, Service and Ingress garbage-collected")
    assert kube.get(TEMPS_PROJECT, namespace, "shop") is not None, "the project must not be touched"


def test_missing_project_then_ready_when_it_appears(
    cluster: Cluster, operator: OperatorProcess, namespace: str, kube: KubeClient,
) -> None:
    cluster.apply(environment(namespace))
    waiting = wait_for(lambda: condition(kube.get(TEMPS_ENVIRONMENT, namespace, "shop-prod")).get("reason")
                       == "ProjectNotFound" and kube.get(TEMPS_ENVIRONMENT, namespace, "shop-prod"),
                       timeout=30, what="ProjectNotFound")
    assert condition(waiting)["status"] == "False"
    assert "spec.projectRef.name" in condition(waiting)["message"]
    assert condition(waiting, "Reconciling")["status"] == "True"
    created = time.monotonic()
    cluster.apply(project(namespace))
    wait_for(lambda: ready(kube, namespace, "shop-prod"), timeout=60, what="Ready once the project exists")
    # Triggered by the project's appearance, not by the environment's own resync timer.
    assert time.monotonic() - created < 30


def test_project_change_rerenders_its_environments(
    cluster: Cluster, operator: OperatorProcess, namespace: str, kube: KubeClient,
) -> None:
    cluster.apply(project(namespace), environment(namespace), environment(namespace, name="shop-staging"))
    names = ("shop-prod", "shop-staging")
    wait_for(lambda: all(ready(kube, namespace, n) for n in names), timeout=60, what="both environments Ready")
    cluster.kubectl("-n", namespace, "patch", "tempsproject", "shop", "--type=merge",
                    "-p", '{"spec": {"image": "registry.example/shop:9"}}')

    def images() -> list[str]:
        deployments = [kube.get(DEPLOYMENT, namespace, n) or {} for n in names]
        return [d["spec"]["template"]["spec"]["containers"][0]["image"] for d in deployments]

    wait_for(lambda: images() == ["registry.example/shop:9"] * 2, timeout=30, what="both re-rendered")


def test_stalled_when_no_image_anywhere(
    cluster: Cluster, operator: OperatorProcess, namespace: str, kube: KubeClient,
) -> None:
    git_project = project(namespace)
    git_project["spec"] = {"git": {"repository": "https://git.example.com/acme/shop.git"}}
    cluster.apply(git_project, environment(namespace))
    env = wait_for(lambda: (e := kube.get(TEMPS_ENVIRONMENT, namespace, "shop-prod"))
                   and condition(e, "Stalled").get("status") == "True" and e, timeout=30, what="Stalled")
    assert condition(env)["reason"] == "InvalidSpec"
    assert condition(env)["message"].startswith("spec.image:")
    assert kube.get(DEPLOYMENT, namespace, "shop-prod") is None


def test_examples_become_ready(cluster: Cluster, operator: OperatorProcess, kube: KubeClient) -> None:
    """What the README's demo does: apply examples/ and see every environment Ready with its URL."""
    cluster.kubectl("apply", "-f", str(REPO / "examples"))
    try:
        cluster.kubectl("-n", "temps-demo", "wait", "--for=condition=Ready", "tempsenvironments", "--all",
                        "--timeout=60s")
        listing = cluster.kubectl("get", "temps", "-n", "temps-demo").stdout
        assert "http://www.example.com" in listing and "http://staging.example.com" in listing
    finally:
        cluster.kubectl("delete", "namespace", "temps-demo", "--wait=false", check=False)
