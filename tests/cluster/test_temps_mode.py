"""Temps mode end to end: the operator (``temps-operator run``) on the real control plane, syncing to the fake
Temps server, which validates every request and response against the OpenAPI document (a real Temps server
cannot run here)."""

from __future__ import annotations

import base64
import contextlib
import json
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client as k8s

from temps_operator.envtest import OperatorProcess
from temps_operator.kube import TEMPS_ENVIRONMENT, TEMPS_MONITOR, TEMPS_PROJECT, TEMPS_SERVICE, KubeClient, ResourceType

from ..conftest import TEMPS_TOKEN as TOKEN
from ..faketemps import FakeTemps
from .conftest import RESYNC_SECONDS, Cluster, wait_for

pytestmark = pytest.mark.cluster

SECRET_VALUE = "SENTINEL-secret-value-81d3e7"


@pytest.fixture
def fake(fake_server: FakeTemps) -> Iterator[FakeTemps]:
    fake_server.faults.clear()
    fake_server.token = TOKEN
    fake_server.deploy_seconds = 0
    yield fake_server
    fake_server.faults.clear()
    fake_server.deploy_seconds = 0
    assert fake_server.violations == [], "off-contract request or response"


@pytest.fixture(scope="module")
def temps_operator(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OperatorProcess]:
    process = OperatorProcess(cluster.operator_kubeconfig, tmp_path_factory.mktemp("temps-operator") / "operator.log",
                              ["tm-*"], "--resync-interval", str(RESYNC_SECONDS))
    try:
        yield process.start()
    finally:
        process.stop()


@pytest.fixture
def ns(cluster: Cluster, fake: FakeTemps) -> Iterator[str]:
    """A namespace with the API token Secret and a TempsConnection named after it."""
    name = f"tm-{uuid.uuid4().hex[:8]}"
    cluster.kubectl("create", "namespace", name)
    cluster.kubectl("-n", name, "create", "secret", "generic", "temps-token", f"--from-literal=token={TOKEN}")
    cluster.kubectl("-n", name, "create", "secret", "generic", "app-secrets", f"--from-literal=api-key={SECRET_VALUE}")
    cluster.apply(connection(name, fake.url))
    yield name
    cluster.kubectl("delete", "namespace", name, "--wait=false", check=False)
    cluster.kubectl("delete", "tempsconnection", name, "--wait=false", check=False)


def connection(name: str, url: str) -> dict[str, Any]:
    return {"apiVersion": "temps.sh/v1alpha1", "kind": "TempsConnection", "metadata": {"name": name},
            "spec": {"url": url, "tokenSecretRef": {"namespace": name, "name": "temps-token"}}}


def project(ns: str, name: str = "shop", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "temps.sh/v1alpha1", "kind": "TempsProject", "metadata": {"name": name, "namespace": ns},
            "spec": {"connectionRef": {"name": ns}, "git": {"repository": "https://git.example.com/acme/shop.git"},
                     "build": {"preset": "nextjs"}, "defaults": {"port": 3000}, **spec}}


def environment(ns: str, name: str, project_name: str = "shop", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "temps.sh/v1alpha1", "kind": "TempsEnvironment", "metadata": {"name": name, "namespace": ns},
            "spec": {"projectRef": {"name": project_name}, **spec}}


def production(ns: str) -> dict[str, Any]:
    return environment(ns, "production", image="registry.example/shop:1", replicas=2,
                       resources={"cpu": {"request": 250, "limit": 1000}, "memory": {"limit": 512}},
                       env=[{"name": "MODE", "value": "prod", "includeInPreview": True},
                            {"name": "API_KEY",
                             "valueFrom": {"secretKeyRef": {"name": "app-secrets", "key": "api-key"}}}],
                       domains=[{"name": f"{ns}.example.com", "primary": True}, {"name": f"www.{ns}.example.com"}])


def condition(obj: dict[str, Any] | None, type_: str = "Ready") -> dict[str, Any]:
    for item in ((obj or {}).get("status") or {}).get("conditions") or []:
        if item["type"] == type_:
            return dict(item)
    return {}


def ready(kube: KubeClient, rtype: ResourceType, ns: str, name: str) -> dict[str, Any] | None:
    obj = kube.get(rtype, ns, name)
    if obj and condition(obj).get("status") == "True" \
            and obj["status"].get("observedGeneration") == obj["metadata"]["generation"]:
        return obj
    return None


def wait_ready(kube: KubeClient, rtype: ResourceType, ns: str, name: str, timeout: float = 60) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        return ready(kube, rtype, ns, name)

    result: dict[str, Any] = wait_for(check, timeout=timeout, what=f"{rtype.kind} {name} Ready",
                                      describe=lambda: (kube.get(rtype, ns, name) or {}).get("status"))
    return result


def remote_project(fake: FakeTemps, slug: str) -> dict[str, Any]:
    matches = [p for p in fake.projects.values() if p["slug"] == slug]
    assert len(matches) == 1, f"expected one Temps project {slug}, found {len(matches)}"
    return matches[0]


def events(cluster: Cluster, ns: str) -> list[Any]:
    return list(k8s.CoreV1Api(cluster.api).list_namespaced_event(ns).items)


def test_project_with_two_environments_syncs_and_idles_quietly(
    cluster: Cluster, temps_operator: OperatorProcess, fake: FakeTemps, ns: str, kube: KubeClient,
) -> None:
    started = len(fake.calls)
    cluster.apply(project(ns), production(ns), environment(ns, "staging", image="registry.example/shop:2"))
    prod = wait_ready(kube, TEMPS_ENVIRONMENT, ns, "production")
    wait_ready(kube, TEMPS_ENVIRONMENT, ns, "staging")
    shop = wait_ready(kube, TEMPS_PROJECT, ns, "shop")
    first_sync = fake.calls[started:]
    print(f"\nTemps calls for the first sync of a project with two environments: {len(first_sync)} "
          f"({Counter(c.method for c in first_sync)})")

    remote = remote_project(fake, f"{ns}-shop")
    assert shop["status"]["projectId"] == remote["id"] and shop["status"]["mode"] == "Temps"
    envs = {e["name"]: e for e in fake.environments.values() if e["project_id"] == remote["id"]}
    assert set(envs) == {"production", "staging"}
    assert prod["status"]["environmentId"] == envs["production"]["id"]
    assert prod["status"]["url"] == f"https://{ns}.example.com"
    assert prod["status"]["deploymentStatus"] == "completed"
    config = envs["production"]["deployment_config"]
    assert (config["replicas"], config["cpuRequest"], config["cpuLimit"], config["memoryLimit"]) == (2, 250, 1000, 512)
    assert config["exposedPort"] == 3000
    values = {v["key"]: (v["value"], v["include_in_preview"]) for v in fake.env_vars.values()
              if envs["production"]["id"] in [e["id"] for e in v["environments"]]}
    assert values == {"MODE": ("prod", True), "API_KEY": (SECRET_VALUE, False)}
    assert sorted(d["domain"] for d in fake.domains.values() if d["environment_id"] == envs["production"]["id"]) \
        == [f"{ns}.example.com", f"www.{ns}.example.com"]
    image_deploys = [c for c in first_sync if c.template.endswith("/deploy/image")]
    assert sorted(c.request_json["image"] for c in image_deploys) == [
        "registry.example/shop:1", "registry.example/shop:2"]

    # Idle: resyncs read, but make no mutating call to Temps.
    time.sleep(1)
    before = len(fake.calls)
    mutating_before = len(fake.mutating_calls())
    time.sleep(RESYNC_SECONDS * 3 + 1)
    idle = fake.calls[before:]
    assert len(fake.mutating_calls()) == mutating_before, [f"{c.method} {c.path}" for c in fake.mutating_calls()]
    assert any(c.method == "GET" for c in idle), "no resync ran in the idle window"
    resyncs = max(1, sum(1 for c in idle if c.template == "/projects/{id}"))
    print(f"Temps calls per idle resync of the project and its two environments: {len(idle) / resyncs:.1f}")

    # The token and the secret value are nowhere but in Temps.
    exposed = {
        "operator log": temps_operator.read_log(),
        "events": " ".join(f"{e.reason} {e.message}" for e in events(cluster, ns)),
        "status": json.dumps([kube.get(t, ns, n) for t, n in ((TEMPS_PROJECT, "shop"),
                             (TEMPS_ENVIRONMENT, "production"), (TEMPS_ENVIRONMENT, "staging"))]),
        "metrics": temps_operator.metrics(),
    }
    for where, text in exposed.items():
        for sentinel in (TOKEN, SECRET_VALUE, base64.b64encode(SECRET_VALUE.encode()).decode()):
            assert sentinel not in text, f"a secret leaked into the {where}"
    assert 'temps_api_requests_total{operation="POST /projects",status="200"}' in exposed["metrics"]


def test_faults_converge_without_duplicates(
    cluster: Cluster, temps_operator: OperatorProcess, fake: FakeTemps, ns: str, kube: KubeClient,
) -> None:
    fake.faults.set(error_rate=0.3, error_status=503, rate_limit_every=7, retry_after=1, seed=11)
    cluster.apply(project(ns), production(ns), environment(ns, "staging", image="registry.example/shop:2"),
                  {"apiVersion": "temps.sh/v1alpha1", "kind": "TempsService",
                   "metadata": {"name": "db", "namespace": ns},
                   "spec": {"type": "postgres", "version": "16", "connectionRef": {"name": ns},
                            "projectRefs": [{"name": "shop"}]}})
    for rtype, name in ((TEMPS_PROJECT, "shop"), (TEMPS_ENVIRONMENT, "production"), (TEMPS_ENVIRONMENT, "staging"),
                        (TEMPS_SERVICE, "db")):
        wait_ready(kube, rtype, ns, name, timeout=120)
    assert any(c.fault for c in fake.calls), "no fault was injected"
    assert any(c.status == 429 for c in fake.calls)
    remote = remote_project(fake, f"{ns}-shop")
    names = [e["name"] for e in fake.environments.values() if e["project_id"] == remote["id"]]
    assert sorted(names) == ["production", "staging"]
    env_ids = {e["id"] for e in fake.environments.values() if e["project_id"] == remote["id"]}
    keys = [(e["id"], v["key"]) for v in fake.env_vars.values() for e in v["environments"] if e["id"] in env_ids]
    prod_id = next(e["id"] for e in fake.environments.values()
                   if e["project_id"] == remote["id"] and e["name"] == "production")
    assert sorted(keys) == sorted(set(keys)) == [(prod_id, "API_KEY"), (prod_id, "MODE")]
    domains = [d["domain"] for d in fake.domains.values() if d["environment_id"] in env_ids]
    assert sorted(domains) == [f"{ns}.example.com", f"www.{ns}.example.com"]
    assert [s["name"] for s in fake.services.values()].count(f"{ns}-db") == 1


def test_dashboard_edit_is_corrected_at_the_next_resync(
    cluster: Cluster, temps_operator: OperatorProcess, fake: FakeTemps, ns: str, kube: KubeClient,
) -> None:
    cluster.apply(project(ns), production(ns))
    wait_ready(kube, TEMPS_ENVIRONMENT, ns, "production")
    remote = remote_project(fake, f"{ns}-shop")
    env = next(e for e in fake.environments.values() if e["project_id"] == remote["id"])
    fake.edit_project(remote["id"], main_branch="hotfix")
    fake.edit_environment_settings(remote["id"], env["id"], replicas=9)
    wait_for(lambda: remote_project(fake, f"{ns}-shop")["main_branch"] == "main"
             and fake.environments[env["id"]]["deployment_config"]["replicas"] == 2,
             timeout=RESYNC_SECONDS * 5, what="drift corrected")

    def drift_events() -> list[str]:
        return [e.message for e in events(cluster, ns) if e.reason == "DriftCorrected"]

    # Events are posted asynchronously: wait for both rather than read them once.
    wait_for(lambda: any("main_branch" in m for m in drift_events()) and any("replicas" in m for m in drift_events()),
             timeout=15, what="DriftCorrected Events naming both fields", describe=drift_events)


def test_delete_removes_the_temps_project_and_orphan_keeps_it(
    cluster: Cluster, temps_operator: OperatorProcess, fake: FakeTemps, ns: str, kube: KubeClient,
) -> None:
    cluster.apply(project(ns, "deleted"), project(ns, "kept", deletionPolicy="Orphan"))
    wait_ready(kube, TEMPS_PROJECT, ns, "deleted")
    wait_ready(kube, TEMPS_PROJECT, ns, "kept")
    cluster.kubectl("-n", ns, "delete", "tempsproject", "deleted", "kept", "--timeout=60s")
    assert not [p for p in fake.projects.values() if p["slug"] == f"{ns}-deleted"]
    assert remote_project(fake, f"{ns}-kept")


def test_a_failing_remote_delete_is_reported_not_dropped(
    cluster: Cluster, temps_operator: OperatorProcess, fake: FakeTemps, ns: str, kube: KubeClient,
) -> None:
    cluster.apply(project(ns))
    wait_ready(kube, TEMPS_PROJECT, ns, "shop")
    fake.faults.set(error_rate=1.0, error_status=503, only=("DELETE", "/projects/{id}"))
    cluster.kubectl("-n", ns, "delete", "tempsproject", "shop", "--wait=false")
    stuck = wait_for(lambda: condition(kube.get(TEMPS_PROJECT, ns, "shop")).get("reason") == "DeletionFailed"
                     and kube.get(TEMPS_PROJECT, ns, "shop"), timeout=30, what="DeletionFailed")
    assert "503" in condition(stuck)["message"]
    assert remote_project(fake, f"{ns}-shop")
    fake.faults.clear()
    wait_for(lambda: kube.get(TEMPS_PROJECT, ns, "shop") is None, timeout=60, what="deletion completed")
    assert not [p for p in fake.projects.values() if p["slug"] == f"{ns}-shop"]


def test_existing_temps_project_is_adopted_not_duplicated(
    cluster: Cluster, temps_operator: OperatorProcess, fake: FakeTemps, ns: str, kube: KubeClient,
) -> None:
    """The state an operator leaves when it dies between the create call and the status write."""
    import httpx

    created = httpx.post(f"{fake.url}/projects", headers={"Authorization": f"Bearer {TOKEN}"}, json={
        "name": f"{ns}-shop", "directory": ".", "main_branch": "main", "preset": "nextjs", "storage_service_ids": [],
    }).json()
    cluster.apply(project(ns))
    shop = wait_ready(kube, TEMPS_PROJECT, ns, "shop")
    assert shop["status"]["projectId"] == created["id"]
    remote_project(fake, f"{ns}-shop")
    wait_for(lambda: "Adopted" in {e.reason for e in events(cluster, ns)}, timeout=15, what="an Adopted Event")


def crash_during_create(cluster: Cluster, fake: FakeTemps, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An operator that dies after Temps created the project, before it could write status. Returns the
    namespace, whose TempsProject 'shop' then has a Temps twin but no id in status."""
    name = f"crash-{uuid.uuid4().hex[:6]}"
    cluster.kubectl("create", "namespace", name)
    cluster.kubectl("-n", name, "create", "secret", "generic", "temps-token", f"--from-literal=token={TOKEN}")
    cluster.apply(connection(name, fake.url))
    victim = OperatorProcess(cluster.operator_kubeconfig, tmp_path_factory.mktemp("crash") / "operator.log", [name],
                             "--resync-interval", str(RESYNC_SECONDS)).start()
    # Temps creates the project but holds its answer: the operator dies while waiting for it.
    fake.faults.set(hold_after=30.0, only=("POST", "/projects"))
    try:
        cluster.apply(project(name))
        wait_for(lambda: any(p["slug"] == f"{name}-shop" for p in fake.projects.values()), timeout=30,
                 what="the create call to reach Temps")
        victim.kill()
    finally:
        victim.stop()
        fake.faults.clear()
    return name


@contextlib.contextmanager
def successor(cluster: Cluster, name: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OperatorProcess]:
    """The operator restarted after the crash; the crash namespace goes with it."""
    process = OperatorProcess(cluster.operator_kubeconfig, tmp_path_factory.mktemp("successor") / "operator.log",
                              [name], "--resync-interval", str(RESYNC_SECONDS)).start()
    try:
        yield process
    finally:
        process.stop()
        cluster.kubectl("delete", "namespace", name, "--wait=false", check=False)


def test_operator_killed_between_create_and_status_write_adopts_on_restart(
    cluster: Cluster, fake: FakeTemps, kube: KubeClient, tmp_path_factory: pytest.TempPathFactory,
) -> None:
    name = crash_during_create(cluster, fake, tmp_path_factory)
    assert "projectId" not in (kube.get(TEMPS_PROJECT, name, "shop") or {}).get("status", {})
    with successor(cluster, name, tmp_path_factory):
        shop = wait_ready(kube, TEMPS_PROJECT, name, "shop")
        assert shop["status"]["projectId"] == remote_project(fake, f"{name}-shop")["id"]
        assert len([c for c in fake.calls if c.method == "POST" and c.template == "/projects"
                    and c.path == "/projects" and c.request_json.get("name") == f"{name}-shop"]) == 1


def test_service_and_monitor_sync(
    cluster: Cluster, temps_operator: OperatorProcess, fake: FakeTemps, ns: str, kube: KubeClient,
) -> None:
    cluster.apply(project(ns), production(ns),
                  {"apiVersion": "temps.sh/v1alpha1", "kind": "TempsService",
                   "metadata": {"name": "db", "namespace": ns},
                   "spec": {"type": "postgres", "version": "16", "parameters": {"database": "shop"},
                            "connectionRef": {"name": ns}, "projectRefs": [{"name": "shop"}]}},
                  {"apiVersion": "temps.sh/v1alpha1", "kind": "TempsMonitor",
                   "metadata": {"name": "uptime", "namespace": ns},
                   "spec": {"environmentRef": {"name": "production"}, "intervalSeconds": 30}})
    service = wait_ready(kube, TEMPS_SERVICE, ns, "db")
    monitor = wait_ready(kube, TEMPS_MONITOR, ns, "uptime")
    remote = remote_project(fake, f"{ns}-shop")
    assert service["status"]["state"] == "running" and service["status"]["linkedProjects"] == [f"{ns}-shop"]
    assert [link["project"]["id"] for link in fake.links.values()
            if link["service"]["id"] == service["status"]["serviceId"]] == [remote["id"]]
    assert monitor["status"]["currentStatus"] == "up" and monitor["status"]["uptimePercentage"] == 100.0
    assert fake.monitors[monitor["status"]["monitorId"]]["check_interval_seconds"] == 30

    cluster.kubectl("-n", ns, "patch", "tempsservice", "db", "--type=merge", "-p",
                    '{"spec": {"version": "17", "stopped": true, "projectRefs": []}}')
    wait_for(lambda: (s := ready(kube, TEMPS_SERVICE, ns, "db")) and s["status"]["state"] == "stopped"
             and s["status"]["version"] == "17", timeout=30, what="service upgraded and stopped")
    assert not [link for link in fake.links.values() if link["service"]["id"] == service["status"]["serviceId"]]


def test_token_rotation_is_picked_up_without_restart(
    cluster: Cluster, temps_operator: OperatorProcess, fake: FakeTemps, ns: str, kube: KubeClient,
) -> None:
    cluster.apply(project(ns))
    wait_ready(kube, TEMPS_PROJECT, ns, "shop")
    fake.token = "tk_rotated_token"
    wait_for(lambda: condition(kube.get(TEMPS_PROJECT, ns, "shop")).get("reason") == "TempsUnauthorized",
             timeout=RESYNC_SECONDS * 5, what="TempsUnauthorized with the old token")
    cluster.kubectl("-n", ns, "delete", "secret", "temps-token")
    cluster.kubectl("-n", ns, "create", "secret", "generic", "temps-token", "--from-literal=token=tk_rotated_token")
    wait_for(lambda: ready(kube, TEMPS_PROJECT, ns, "shop"), timeout=RESYNC_SECONDS * 10, what="Ready again")


def test_actions_by_annotation_and_pause(
    cluster: Cluster, temps_operator: OperatorProcess, fake: FakeTemps, ns: str, kube: KubeClient,
) -> None:
    cluster.apply(project(ns), production(ns))
    wait_ready(kube, TEMPS_ENVIRONMENT, ns, "production")
    cluster.kubectl("-n", ns, "annotate", "tempsenvironment", "production", "temps.sh/redeploy=r1")
    wait_for(lambda: any(c.template == "/projects/{id}/trigger-pipeline" for c in fake.calls), timeout=30,
             what="trigger-pipeline")
    wait_for(lambda: ((kube.get(TEMPS_ENVIRONMENT, ns, "production") or {})["status"].get("actions")
                      == {"redeploy": "r1"}), timeout=30, what="the action recorded in status")
    time.sleep(RESYNC_SECONDS * 2)
    triggers = [c for c in fake.calls if c.template == "/projects/{id}/trigger-pipeline"]
    assert len(triggers) == 1, "an action annotation acts once per value"

    # A deployment still rolling out can be paused declaratively, and resumed.
    fake.deploy_seconds = 600
    cluster.apply(environment(ns, "preview", image="registry.example/shop:3"))
    wait_for(lambda: condition(kube.get(TEMPS_ENVIRONMENT, ns, "preview")).get("reason") == "Deploying",
             timeout=30, what="a deployment in progress")
    cluster.kubectl("-n", ns, "patch", "tempsenvironment", "preview", "--type=merge",
                    "-p", '{"spec": {"paused": true}}')
    paused = wait_for(lambda: (e := ready(kube, TEMPS_ENVIRONMENT, ns, "preview"))
                      and condition(e)["reason"] == "Paused" and e, timeout=30, what="paused",
                      describe=lambda: (kube.get(TEMPS_ENVIRONMENT, ns, "preview") or {}).get("status"))
    assert fake.deployments[paused["status"]["deploymentId"]]["status"] == "paused"
    cluster.kubectl("-n", ns, "patch", "tempsenvironment", "preview", "--type=merge",
                    "-p", '{"spec": {"paused": false}}')
    deploys = [c for c in fake.calls if c.template.endswith("/deploy/image") and c.request_json["image"].endswith(":3")]
    assert len(deploys) == 1, "an image is deployed once, not at every resync while it rolls out"

    # cancel, rollback and teardown act once per annotation value, on the right deployment.
    first = kube.get(TEMPS_ENVIRONMENT, ns, "production")["status"]["deploymentId"]  # type: ignore[index]
    cluster.kubectl("-n", ns, "annotate", "tempsenvironment", "preview", "temps.sh/cancel=c1")
    wait_for(lambda: fake.deployments[paused["status"]["deploymentId"]]["status"] == "cancelled", timeout=30,
             what="cancelled")
    fake.deploy_seconds = 0
    cluster.kubectl("-n", ns, "annotate", "tempsenvironment", "production", f"temps.sh/rollback-to={first}")
    wait_for(lambda: any(c.method == "POST" and c.path.endswith(f"/deployments/{first}/rollback")
                         for c in fake.calls), timeout=30, what="rollback")
    cluster.kubectl("-n", ns, "annotate", "tempsenvironment", "production", "temps.sh/teardown=t1")
    wait_for(lambda: any(c.template.endswith("/teardown") and c.method == "DELETE" for c in fake.calls),
             timeout=30, what="teardown")
    for action in ("cancel", "rollback", "teardown"):
        assert len([c for c in fake.calls if c.path.endswith(f"/{action}")]) == 1, action
    wait_for(lambda: fake.deployments[paused["status"]["deploymentId"]]["status"] != "paused", timeout=30,
             what="resumed")


def test_spec_change_during_an_outage_is_applied_once_temps_is_back(
    cluster: Cluster, temps_operator: OperatorProcess, fake: FakeTemps, ns: str, kube: KubeClient,
) -> None:
    """Temps does not echo build commands, so only observedGeneration tells that the spec changed."""
    cluster.apply(project(ns))
    shop = wait_ready(kube, TEMPS_PROJECT, ns, "shop")
    project_id = shop["status"]["projectId"]
    fake.faults.set(error_rate=1.0, error_status=503, only=("GET", "/projects/{id}"))
    cluster.kubectl("-n", ns, "patch", "tempsproject", "shop", "--type=merge",
                    "-p", '{"spec": {"build": {"preset": "nextjs", "buildCommand": "make site"}}}')
    wait_for(lambda: condition(kube.get(TEMPS_PROJECT, ns, "shop")).get("reason") == "TempsUnavailable",
             timeout=30, what="TempsUnavailable")
    assert (kube.get(TEMPS_PROJECT, ns, "shop") or {})["status"]["observedGeneration"] == 1
    fake.faults.clear()
    wait_for(lambda: fake.project_request(project_id).get("build_command") == "make site", timeout=60,
             what="the build command pushed once Temps is back")
    wait_ready(kube, TEMPS_PROJECT, ns, "shop")


def test_deleting_before_the_first_status_write_still_deletes_the_twin(
    cluster: Cluster, fake: FakeTemps, kube: KubeClient, tmp_path_factory: pytest.TempPathFactory,
) -> None:
    name = crash_during_create(cluster, fake, tmp_path_factory)
    cluster.kubectl("-n", name, "delete", "tempsproject", "shop", "--wait=false")
    with successor(cluster, name, tmp_path_factory):
        wait_for(lambda: kube.get(TEMPS_PROJECT, name, "shop") is None, timeout=60, what="deletion completed")
        assert not [p for p in fake.projects.values() if p["slug"] == f"{name}-shop"], "the Temps twin was orphaned"


def test_colliding_slugs_never_share_a_twin(
    cluster: Cluster, temps_operator: OperatorProcess, fake: FakeTemps, ns: str, kube: KubeClient,
) -> None:
    """<namespace>-<name> is not one-to-one: tm-x/a-shop and tm-x-a/shop both slug to tm-x-a-shop."""
    cluster.apply(project(ns, "a-shop"))
    first = wait_ready(kube, TEMPS_PROJECT, ns, "a-shop")
    other = f"{ns}-a"
    cluster.kubectl("create", "namespace", other)
    try:
        second = project(other, "shop")
        second["spec"]["connectionRef"] = {"name": ns}
        cluster.apply(second)
        refused = wait_for(lambda: (p := kube.get(TEMPS_PROJECT, other, "shop"))
                           and condition(p, "Stalled").get("status") == "True" and p, timeout=30, what="Stalled")
        assert condition(refused)["message"].startswith("spec.slug:")
        assert f"{ns}/a-shop" in condition(refused)["message"]
        cluster.kubectl("-n", other, "delete", "tempsproject", "shop", "--timeout=30s")
        assert remote_project(fake, f"{ns}-a-shop")["id"] == first["status"]["projectId"]
    finally:
        cluster.kubectl("delete", "namespace", other, "--wait=false", check=False)


def test_new_revision_and_redeploy_annotation_trigger_the_pipeline_once(
    cluster: Cluster, temps_operator: OperatorProcess, fake: FakeTemps, ns: str, kube: KubeClient,
) -> None:
    cluster.apply(project(ns), environment(ns, "production", image="registry.example/shop:1"))
    wait_ready(kube, TEMPS_ENVIRONMENT, ns, "production")
    project_id = wait_ready(kube, TEMPS_PROJECT, ns, "shop")["status"]["projectId"]

    def triggers() -> list[Any]:
        return [c for c in fake.calls if c.path == f"/projects/{project_id}/trigger-pipeline" and c.status == 200]

    assert triggers() == [], "creating a project deploys through Temps' own automatic deploy, not a trigger"
    revision = {"spec": {"git": {"repository": "https://git.example.com/acme/shop.git", "branch": "next"}}}
    cluster.kubectl("-n", ns, "patch", "tempsproject", "shop", "--type=merge", "-p", json.dumps(revision))
    wait_for(lambda: len(triggers()) == 1, timeout=30, what="a pipeline for the new revision")
    assert triggers()[0].request_json == {"branch": "next"}
    cluster.kubectl("-n", ns, "annotate", "tempsproject", "shop", "temps.sh/redeploy=p1")
    wait_for(lambda: (kube.get(TEMPS_PROJECT, ns, "shop") or {}).get("status", {}).get("redeployed") == "p1",
             timeout=30, what="the redeploy recorded")
    time.sleep(RESYNC_SECONDS * 2)
    assert len(triggers()) == 2, "each revision and each annotation value triggers exactly once"
