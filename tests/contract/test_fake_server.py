"""The fake Temps server itself: auth, state, contract validation and fault injection, over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.faketemps import FakeTemps

TOKEN = "tk_test_token"


def project_request(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "directory": ".", "main_branch": "main", "preset": "dockerfile",
            "storage_service_ids": [], **extra}


@pytest.fixture
def fake() -> Iterator[FakeTemps]:
    with FakeTemps(token=TOKEN) as server:
        yield server


@pytest.fixture
def client(fake: FakeTemps) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5) as c:
        yield c


def make_project(client: httpx.Client, name: str = "My App") -> int:
    response = client.post("/projects", json=project_request(name))
    assert response.status_code == 200, response.text
    return int(response.json()["id"])


def make_environment(client: httpx.Client, project_id: int, name: str = "production") -> int:
    response = client.post(f"/projects/{project_id}/environments", json={"name": name, "branch": "main"})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_bearer_token_is_required_and_can_be_rotated(fake: FakeTemps, client: httpx.Client) -> None:
    assert httpx.get(f"{fake.url}/projects").status_code == 401
    wrong = httpx.get(f"{fake.url}/projects", headers={"Authorization": "Bearer tk_wrong"})
    assert wrong.status_code == 401
    assert {"title", "extensions", "status", "detail"} <= wrong.json().keys()
    assert client.get("/projects").status_code == 200

    fake.token = "tk_new"
    assert client.get("/projects").status_code == 401
    rotated = httpx.get(f"{fake.url}/projects", headers={"Authorization": "Bearer tk_new"})
    assert rotated.status_code == 200
    assert fake.violations == []


def test_project_create_get_update_delete(fake: FakeTemps, client: httpx.Client) -> None:
    created = client.post("/projects", json=project_request(
        "Web Shop", git_url="https://git.example.com/shop.git", build_command="npm run build", exposed_port=3000))
    assert created.status_code == 200
    project = created.json()
    assert project["slug"] == "web-shop"
    assert project["deployment_config"]["exposedPort"] == 3000
    assert fake.project_request(project["id"])["git_url"] == "https://git.example.com/shop.git"
    assert client.get(f"/projects/{project['id']}").json() == project

    updated = client.put(f"/projects/{project['id']}", json=project_request(
        "Web Shop", main_branch="release", exposed_port=8080, automatic_deploy=True, output_dir="dist"))
    assert updated.status_code == 200
    assert updated.json()["main_branch"] == "release"
    assert updated.json()["deployment_config"]["exposedPort"] == 8080
    assert updated.json()["deployment_config"]["automaticDeploy"] is True
    assert fake.project_request(project["id"])["output_dir"] == "dist"
    assert fake.projects[project["id"]] == updated.json()

    assert client.delete(f"/projects/{project['id']}").status_code == 204
    gone = client.get(f"/projects/{project['id']}")
    assert gone.status_code == 404
    assert gone.json()["title"] == "Not Found"
    assert fake.projects == {}
    assert fake.violations == []


def test_projects_are_paginated(client: httpx.Client, fake: FakeTemps) -> None:
    for i in range(5):
        make_project(client, f"app {i}")
    page = client.get("/projects", params={"page": 2, "per_page": 2}).json()
    assert [p["slug"] for p in page["projects"]] == ["app-2", "app-3"]
    assert (page["total"], page["page"], page["per_page"]) == (5, 2, 2)
    assert client.get("/projects", params={"per_page": 500}).json()["per_page"] == 100
    assert fake.violations == []


def test_slug_lookup_and_duplicate_slug_conflict(fake: FakeTemps, client: httpx.Client) -> None:
    project_id = make_project(client, "My App")
    found = client.get("/projects/by-slug/my-app")
    assert found.status_code == 200 and found.json()["id"] == project_id

    duplicate = client.post("/projects", json=project_request("my  APP!!"))
    assert duplicate.status_code == 409
    assert "my-app" in duplicate.json()["detail"]
    assert list(fake.projects) == [project_id]
    assert client.get("/projects/by-slug/other").status_code == 404
    assert fake.violations == []


def test_off_contract_requests_are_refused_and_recorded(fake: FakeTemps, client: httpx.Client) -> None:
    body = project_request("No Preset")
    del body["preset"]
    refused = client.post("/projects", json=body)
    assert refused.status_code == 400
    assert "preset" in refused.json()["detail"]
    assert fake.projects == {}
    assert len(fake.violations) == 1 and "preset" in fake.violations[0]

    assert client.get("/projects", params={"page": "two"}).status_code == 400
    assert client.get("/projects/1/status").status_code == 404  # on the page, not implemented by the fake
    assert len(fake.violations) == 3
    assert "no such route" in fake.violations[2]


def test_preset_config_is_accepted_despite_the_documents_overlapping_one_of(
        fake: FakeTemps, client: httpx.Client) -> None:
    body = project_request("Docker App", preset_config={"dockerfilePath": "docker/Dockerfile", "buildContext": "."})
    assert client.post("/projects", json=body).status_code == 200
    assert fake.project_request(1)["preset_config"]["dockerfilePath"] == "docker/Dockerfile"
    assert fake.violations == []


def test_responses_are_validated_too(fake: FakeTemps, client: httpx.Client) -> None:
    project_id = make_project(client)
    assert fake.violations == []
    fake.edit_project(project_id, name=42)  # a state the schema forbids: the answer must be flagged
    client.get(f"/projects/{project_id}")
    assert len(fake.violations) == 1
    assert fake.violations[0].startswith(f"response 200 to GET /projects/{project_id}")


def test_env_vars_filter_by_environment(fake: FakeTemps, client: httpx.Client) -> None:
    project_id = make_project(client)
    prod = make_environment(client, project_id, "production")
    staging = make_environment(client, project_id, "staging")
    for key, envs in (("ONLY_PROD", [prod]), ("ONLY_STAGING", [staging]), ("BOTH", [prod, staging])):
        response = client.post(f"/projects/{project_id}/env-vars",
                               json={"key": key, "value": key.lower(), "environment_ids": envs})
        assert response.status_code == 201

    def keys(env_id: int) -> list[str]:
        response = client.get(f"/projects/{project_id}/env-vars", params={"environment_id": env_id})
        return [v["key"] for v in response.json()]

    assert keys(prod) == ["ONLY_PROD", "BOTH"]
    assert keys(staging) == ["ONLY_STAGING", "BOTH"]
    both = client.get(f"/projects/{project_id}/env-vars").json()[2]
    assert [e["name"] for e in both["environments"]] == ["production", "staging"]

    clash = client.post(f"/projects/{project_id}/env-vars",
                        json={"key": "BOTH", "value": "x", "environment_ids": [staging]})
    assert clash.status_code == 409
    assert fake.violations == []


def test_primary_domain_drives_main_url(fake: FakeTemps, client: httpx.Client) -> None:
    project_id = make_project(client, "Shop")
    env_id = make_environment(client, project_id, "Production")
    env_url = f"/projects/{project_id}/environments/{env_id}"
    assert client.get(env_url).json()["main_url"] == "https://shop-production.temps.local"

    client.post(f"{env_url}/domains", json={"domain": "www.shop.test", "is_primary": False})
    assert client.get(env_url).json()["main_url"] == "https://shop-production.temps.local"
    primary = client.post(f"{env_url}/domains", json={"domain": "shop.test", "is_primary": True}).json()
    assert client.get(env_url).json()["main_url"] == "https://shop.test"
    assert fake.domain_is_primary(primary["id"])
    assert client.post(f"{env_url}/domains", json={"domain": "shop.test", "is_primary": False}).status_code == 409

    assert client.delete(f"{env_url}/domains/{primary['id']}").status_code == 204
    assert client.get(env_url).json()["main_url"] == "https://shop-production.temps.local"
    assert [d["domain"] for d in client.get(f"{env_url}/domains").json()] == ["www.shop.test"]
    assert fake.violations == []


def test_image_deploy_creates_the_current_completed_deployment(fake: FakeTemps, client: httpx.Client) -> None:
    project_id = make_project(client)
    env_id = make_environment(client, project_id)
    deploy_url = f"/projects/{project_id}/environments/{env_id}/deploy/image"

    first = client.post(deploy_url, json={"image": "ghcr.io/acme/web:1.0"})
    assert first.status_code == 201
    assert first.json()["status"] == "completed" and first.json()["is_current"] is True
    second = client.post(deploy_url, json={"image": "ghcr.io/acme/web:1.1"}).json()

    env = client.get(f"/projects/{project_id}/environments/{env_id}").json()
    assert env["current_deployment_id"] == second["id"]
    assert fake.environment_image(env_id) == "ghcr.io/acme/web:1.1"
    old = client.get(f"/projects/{project_id}/deployments/{first.json()['id']}").json()
    assert old["is_current"] is False
    assert fake.calls[-3].documented is False and fake.calls[-3].template.endswith("/deploy/image")
    assert fake.violations == []

    assert client.post(deploy_url, json={"image": ""}).status_code == 400
    assert len(fake.deployments) == 2
    assert len(fake.violations) == 1 and "image" in fake.violations[0]


def test_deployments_stay_pending_for_deploy_seconds(fake: FakeTemps, client: httpx.Client) -> None:
    fake.deploy_seconds = 0.3
    project_id = make_project(client)
    env_id = make_environment(client, project_id)
    deployment = client.post(f"/projects/{project_id}/environments/{env_id}/deploy/image",
                             json={"image": "nginx:1.27"}).json()
    assert deployment["status"] == "pending" and deployment["is_current"] is False
    time.sleep(0.4)
    done = client.get(f"/projects/{project_id}/deployments/{deployment['id']}").json()
    assert done["status"] == "completed" and done["is_current"] is True
    assert fake.violations == []


def test_teardown_by_delete_and_by_page_post(fake: FakeTemps, client: httpx.Client) -> None:
    project_id = make_project(client)
    env_id = make_environment(client, project_id)
    deploy_url = f"/projects/{project_id}/environments/{env_id}/deploy/image"
    first = client.post(deploy_url, json={"image": "nginx:1"}).json()["id"]
    second = client.post(deploy_url, json={"image": "nginx:2"}).json()["id"]

    assert client.delete(f"/projects/{project_id}/deployments/{first}/teardown").status_code == 204
    assert client.post(f"/projects/{project_id}/deployments/{second}/teardown").status_code == 204
    assert {d["status"] for d in fake.deployments.values()} == {"stopped"}
    assert fake.environments[env_id]["current_deployment_id"] is None
    assert [c.documented for c in fake.calls[-2:]] == [True, False]
    assert fake.violations == []


def test_external_services_and_links(fake: FakeTemps, client: httpx.Client) -> None:
    project_id = make_project(client)
    created = client.post("/external-services", json={
        "name": "Main DB", "service_type": "postgres", "parameters": {"docker_image": "postgres:16"}})
    assert created.status_code == 201 and created.json()["status"] == "running"
    service_id = created.json()["id"]
    assert client.post("/external-services", json={
        "name": "main db", "service_type": "redis", "parameters": {}}).status_code == 409
    details = client.get("/external-services/by-slug/main-db").json()
    assert details["service"]["id"] == service_id and details["current_parameters"]["docker_image"] == "postgres:16"

    assert client.post(f"/external-services/{service_id}/stop").json()["status"] == "stopped"
    assert client.post(f"/external-services/{service_id}/start").json()["status"] == "running"
    upgraded = client.post(f"/external-services/{service_id}/upgrade", json={"docker_image": "postgres:17.2"})
    assert upgraded.json()["version"] == "17.2"

    assert client.post(f"/external-services/{service_id}/projects", json={"project_id": project_id}).status_code == 201
    linked = client.get(f"/external-services/{service_id}/projects").json()
    assert [link["project"]["id"] for link in linked] == [project_id]
    assert client.delete(f"/external-services/{service_id}").status_code == 400  # still linked
    assert client.delete(f"/external-services/{service_id}/projects/{project_id}").status_code == 204
    assert client.delete(f"/external-services/{service_id}").status_code == 204
    assert fake.services == {} and fake.links == {}
    assert fake.violations == []


def test_monitors_follow_the_environment_and_report_status(fake: FakeTemps, client: httpx.Client) -> None:
    project_id = make_project(client, "Shop")
    env_id = make_environment(client, project_id)
    monitor = client.post(f"/projects/{project_id}/monitors",
                          json={"name": "web", "monitor_type": "http", "environment_id": env_id})
    assert monitor.status_code == 201
    monitor_id = monitor.json()["id"]
    assert monitor.json()["monitor_url"] == "https://shop-production.temps.local"

    status = client.get(f"/monitors/{monitor_id}/current-status").json()
    assert (status["current_status"], status["uptime_percentage"], status["avg_response_time_ms"]) == ("up", 100, 42)
    fake.set_monitor_status(monitor_id, "down", 87.5, 1200)
    status = client.get(f"/monitors/{monitor_id}/current-status").json()
    assert (status["current_status"], status["uptime_percentage"], status["avg_response_time_ms"]) == (
        "down", 87.5, 1200.0)

    assert client.delete(f"/projects/{project_id}").status_code == 204
    assert client.get(f"/monitors/{monitor_id}").status_code == 404
    assert fake.monitors == {} and fake.environments == {}
    assert fake.violations == []


def test_seeded_error_rate_is_deterministic(fake: FakeTemps, client: httpx.Client) -> None:
    def statuses() -> list[int]:
        return [client.get("/projects").status_code for _ in range(20)]

    fake.faults.set(error_rate=0.3, error_status=503, seed=1)
    first = statuses()
    fake.faults.set(seed=1)
    assert statuses() == first
    assert set(first) == {200, 503}
    faulted = [c for c in fake.calls if c.status == 503]
    assert faulted and all(c.fault == "error" for c in faulted)
    assert fake.violations == []


def test_faulted_requests_do_not_change_state(fake: FakeTemps, client: httpx.Client) -> None:
    fake.faults.set(error_rate=1.0, only=("POST", "/projects"))
    refused = client.post("/projects", json=project_request("App"))
    assert refused.status_code == 503 and refused.json()["title"] == "Service Unavailable"
    assert client.get("/projects").status_code == 200  # outside the filter
    assert fake.projects == {}
    assert fake.mutating_calls() == []
    fake.faults.clear()
    make_project(client)
    assert [c.status for c in fake.mutating_calls()] == [200]


def test_every_nth_request_is_rate_limited_with_retry_after(fake: FakeTemps, client: httpx.Client) -> None:
    fake.faults.set(rate_limit_every=3, retry_after=2)
    responses = [client.get("/projects") for _ in range(6)]
    assert [r.status_code for r in responses] == [200, 200, 429, 200, 200, 429]
    assert responses[2].headers["Retry-After"] == "2"
    assert [c.fault for c in fake.calls] == [None, None, "rate_limit"] * 2
    assert fake.violations == []


def test_dropped_connection_raises_in_the_client(fake: FakeTemps, client: httpx.Client) -> None:
    fake.faults.set(drop_rate=1.0)
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/projects", json=project_request("App"))
    assert (fake.calls[-1].status, fake.calls[-1].fault) == (0, "drop")
    assert fake.projects == {}
    fake.faults.clear()
    assert client.get("/projects").status_code == 200


def test_latency_slows_answers_and_times_out_clients(fake: FakeTemps, client: httpx.Client) -> None:
    fake.faults.set(latency=0.3)
    started = time.monotonic()
    assert client.get("/projects").status_code == 200
    assert time.monotonic() - started >= 0.3

    # The client gives up, but the server still does the work: a retry must not create a second project.
    with pytest.raises(httpx.ReadTimeout):
        client.post("/projects", json=project_request("Slow"), timeout=0.1)
    deadline = time.monotonic() + 3
    while not fake.projects and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [p["slug"] for p in fake.projects.values()] == ["slow"]


def test_reset_clears_state_calls_violations_and_faults(fake: FakeTemps, client: httpx.Client) -> None:
    make_project(client)
    client.get("/nowhere")
    fake.faults.set(error_rate=1.0)
    assert fake.projects and fake.calls and fake.violations

    fake.reset()
    assert (fake.projects, fake.calls, fake.violations) == ({}, [], [])
    assert fake.faults.settings.error_rate == 0
    assert make_project(client) == 1  # ids start again


def test_request_in_flight_across_a_reset_leaves_no_trace(fake: FakeTemps, client: httpx.Client) -> None:
    fake.faults.set(latency=0.3)
    with pytest.raises(httpx.ReadTimeout):
        client.post("/projects", json=project_request("Straggler"), timeout=0.1)
    fake.reset()
    time.sleep(0.5)
    assert (fake.projects, fake.calls, fake.violations) == ({}, [], [])
