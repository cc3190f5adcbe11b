"""The Temps API client against the fake Temps server, which validates every request and response
against the OpenAPI document (a real Temps server cannot run here)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import httpx
import pytest

from temps_operator import metrics
from temps_operator.temps import wire
from temps_operator.temps.client import TempsClient
from temps_operator.temps.errors import Conflict, NotFound, Unauthorized, Unavailable

from ..conftest import TEMPS_TOKEN as TOKEN
from ..faketemps import FakeTemps

T = TypeVar("T")


@pytest.fixture
def fake(fake_server: FakeTemps) -> Iterator[FakeTemps]:
    fake_server.reset()
    yield fake_server
    assert fake_server.violations == [], "the client sent, or the fake answered, something off-contract"


def run(fake: FakeTemps, work: Callable[[TempsClient], Awaitable[T]], **options: Any) -> T:
    async def main() -> T:
        client = TempsClient(fake.url, options.pop("token", TOKEN), backoff_base=0.01, **options)
        try:
            return await work(client)
        finally:
            await client.aclose()

    return asyncio.run(main())


def project(name: str = "shop", **fields: Any) -> wire.ProjectRequest:
    return wire.ProjectRequest(**{"name": name, "directory": ".", "main_branch": "main", "preset": "auto", **fields})


def test_project_lifecycle(fake: FakeTemps) -> None:
    async def work(client: TempsClient) -> None:
        created = await client.create_project(project(git_url="https://git.example.com/shop.git", exposed_port=8080))
        assert created.slug == "shop"
        assert (await client.project_by_slug("shop")) == created
        updated = await client.update_project(created.id, project(main_branch="release", exposed_port=9090))
        assert updated.main_branch == "release"
        assert updated.deployment_config and updated.deployment_config.exposed_port == 9090
        await client.delete_project(created.id)
        assert await client.get_project(created.id) is None
        assert await client.project_by_slug("shop") is None

    run(fake, work)
    assert [c.method for c in fake.calls] == ["POST", "GET", "PUT", "DELETE", "GET", "GET"]


def test_duplicate_slug_is_a_conflict(fake: FakeTemps) -> None:
    async def work(client: TempsClient) -> None:
        await client.create_project(project())
        with pytest.raises(Conflict):
            await client.create_project(project())

    run(fake, work)


def test_wrong_token_is_unauthorized_and_not_retried(fake: FakeTemps) -> None:
    with pytest.raises(Unauthorized):
        run(fake, lambda c: c.probe(), token="tk_wrong")
    assert len(fake.calls) == 1


def test_idempotent_calls_are_retried_through_503(fake: FakeTemps) -> None:
    run(fake, lambda c: c.create_project(project()))
    fake.faults.set(error_rate=0.3, error_status=503, seed=7)

    async def lookups(client: TempsClient) -> list[wire.Project | None]:
        return [await client.project_by_slug("shop") for _ in range(10)]

    found = run(fake, lookups)
    assert all(p is not None and p.slug == "shop" for p in found)
    assert any(c.fault for c in fake.calls), "the fault injection did not fire"


def test_create_is_not_retried_on_503_so_it_cannot_duplicate(fake: FakeTemps) -> None:
    fake.faults.set(error_rate=1.0, error_status=503, only=("POST", "/projects"))
    with pytest.raises(Unavailable):
        run(fake, lambda c: c.create_project(project()))
    assert len([c for c in fake.calls if c.method == "POST"]) == 1
    fake.faults.clear()
    assert fake.projects == {}


def test_rate_limit_is_retried_honouring_retry_after(fake: FakeTemps, monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def recording_sleep(delay: float) -> None:
        waits.append(delay)
        fake.faults.clear()  # Temps recovers while the client waits
        await real_sleep(0)

    monkeypatch.setattr(asyncio, "sleep", recording_sleep)
    fake.faults.set(rate_limit_every=1, retry_after=2, only=("POST", "/projects"))

    async def work(client: TempsClient) -> wire.Project:
        return await client.create_project(project())

    created = run(fake, work)
    assert created.slug == "shop"
    assert waits[0] == 2.0
    assert [c.status for c in fake.calls if c.method == "POST"] == [429, 200]


def test_timeouts_are_retried_then_reported(fake: FakeTemps) -> None:
    fake.faults.set(latency=1.0)
    with pytest.raises(Unavailable) as error:
        run(fake, lambda c: c.probe(), timeout=0.2, max_attempts=2)
    assert error.value.title == "Timeout"


def test_dropped_connection_is_unavailable(fake: FakeTemps) -> None:
    fake.faults.set(drop_rate=1.0)
    with pytest.raises(Unavailable):
        run(fake, lambda c: c.probe(), max_attempts=2)


@pytest.mark.parametrize(("limit", "most"), [(2, 2), (6, 6)])
def test_concurrency_towards_one_instance_is_bounded(fake: FakeTemps, limit: int, most: int) -> None:
    fake.faults.set(latency=0.3)
    run(fake, lambda c: asyncio.gather(*(c.probe() for _ in range(6))), max_concurrency=limit)
    assert fake.max_in_flight == most


def test_paged_list_reads_every_page(fake: FakeTemps) -> None:
    async def work(client: TempsClient) -> list[wire.Project]:
        for index in range(130):
            await client.create_project(project(f"p{index}"))
        return await client.list_projects()

    listed = run(fake, work)
    assert len({p.slug for p in listed}) == 130
    pages = [c.query.get("page") for c in fake.calls if c.method == "GET"]
    assert pages == ["1", "2"]


def test_bare_array_lists_and_environment_resources(fake: FakeTemps) -> None:
    async def work(client: TempsClient) -> None:
        created = await client.create_project(project())
        env = await client.create_environment(created.id, wire.EnvironmentCreate(name="production", branch="main"))
        assert [e.name for e in await client.list_environments(created.id)] == ["production"]
        await client.update_environment_settings(created.id, env.id, wire.EnvironmentSettings(
            replicas=3, cpu_limit=1000, memory_limit=512, exposed_port=8080))
        settings = await client.get_environment(created.id, env.id)
        assert settings and settings.deployment_config and settings.deployment_config.replicas == 3
        await client.create_env_var(created.id, wire.EnvVarWrite(key="A", value="1", environment_ids=[env.id]))
        assert [v.key for v in await client.list_env_vars(created.id, env.id)] == ["A"]
        await client.add_domain(created.id, env.id, wire.DomainCreate(domain="shop.example.com", is_primary=True))
        assert [d.domain for d in await client.list_domains(created.id, env.id)] == ["shop.example.com"]
        deployment_id = await client.deploy_image(created.id, env.id, "registry.example/shop:1")
        assert deployment_id is not None
        deployment = await client.get_deployment(created.id, deployment_id)
        assert deployment is not None and deployment.status == "completed"
        env_after = await client.get_environment(created.id, env.id)
        assert env_after and env_after.main_url == "https://shop.example.com"
        assert env_after.current_deployment_id == deployment_id
        await client.teardown(created.id, deployment_id)
        with pytest.raises(NotFound):
            await client.delete_env_var(created.id, 999)

    run(fake, work)
    image_deploy = next(c for c in fake.calls if c.template.endswith("/deploy/image"))
    assert image_deploy.documented is False and image_deploy.request_json == {"image": "registry.example/shop:1"}


def test_services_links_and_monitors(fake: FakeTemps) -> None:
    async def work(client: TempsClient) -> None:
        created = await client.create_project(project())
        env = await client.create_environment(created.id, wire.EnvironmentCreate(name="production", branch="main"))
        service = await client.create_service(wire.ServiceCreate(name="shop-db", service_type="postgres",
                                                                 version="16", parameters={"database": "shop"}))
        details = await client.service_by_slug("shop-db")
        assert details is not None and details.service.id == service.id
        await client.link_project(service.id, created.id)
        assert [link.project.slug for link in await client.list_service_links(service.id)] == ["shop"]
        await client.upgrade_service(service.id, wire.ServiceUpgrade(docker_image="postgres:17"))
        await client.service_action(service.id, "stop")
        stopped = await client.get_service(service.id)
        assert stopped and stopped.service.status == "stopped" and stopped.service.version == "17"
        await client.unlink_project(service.id, created.id)
        monitor = await client.create_monitor(created.id, wire.MonitorCreate(
            name="uptime", monitor_type="http", environment_id=env.id, check_interval_seconds=60))
        status = await client.monitor_status(monitor.id)
        assert status.current_status == "up" and status.uptime_percentage == 100.0

    run(fake, work)


def test_calls_are_counted_by_operation_and_status(fake: FakeTemps) -> None:
    def count(status: str) -> float:
        value = metrics.TEMPS_API_CALLS.labels("GET /projects/by-slug/{slug}", status)._value.get()
        return float(value)

    before_200, before_404 = count("200"), count("404")
    run(fake, lambda c: c.create_project(project()))
    run(fake, lambda c: asyncio.gather(c.project_by_slug("shop"), c.project_by_slug("none")))
    assert (count("200") - before_200, count("404") - before_404) == (1, 1)


def test_page_shaped_lists_are_read() -> None:
    """The reference page's ``{"items", "total"}`` list shape, which the OpenAPI-conformant fake never serves,
    is answered here by an httpx MockTransport."""
    pages = {"1": {"items": [{"id": 1, "project_id": 1, "name": "uptime", "monitor_type": "http",
                              "check_interval_seconds": 60}], "total": 2},
             "2": {"items": [{"id": 2, "project_id": 1, "name": "api", "monitor_type": "tcp",
                              "check_interval_seconds": 30}], "total": 2}}

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.params.get("page", "1")])

    async def main() -> list[wire.Monitor]:
        client = TempsClient("http://temps.invalid/api", TOKEN, transport=httpx.MockTransport(answer))
        try:
            return await client.list_monitors(1)
        finally:
            await client.aclose()

    assert [m.name for m in asyncio.run(main())] == ["uptime", "api"]
