"""An async client of the Temps REST API on httpx.

Retries: 429, 502, 503, 504, timeouts and broken connections are retried with jittered exponential
backoff, honouring Retry-After. A POST that creates something is retried only when Temps cannot have
acted on it (429, or a connection that never opened); otherwise the error goes up and the next reconcile
looks the object up before creating it again, so a lost answer never duplicates a remote object.
"""

from __future__ import annotations

import asyncio
import random
import ssl
import time
from collections.abc import Mapping
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from .. import metrics
from . import wire
from .errors import NotFound, RateLimited, TempsError, Unavailable, error_for

M = TypeVar("M", bound=BaseModel)

RETRYABLE_STATUS = {429, 502, 503, 504}
MAX_INLINE_WAIT = 10.0  # a longer Retry-After is handed to the reconciler's requeue instead of blocking
PER_PAGE = 100


class TempsClient:
    def __init__(
        self, base_url: str, token: str, *, verify: ssl.SSLContext | bool = True, timeout: float = 30.0,
        max_concurrency: int = 8, max_attempts: int = 5, backoff_base: float = 0.5, backoff_cap: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), verify=verify, timeout=httpx.Timeout(timeout), transport=transport,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )
        self._slots = asyncio.Semaphore(max_concurrency)
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- transport ------------------------------------------------------------------------------------------
    async def call(
        self, method: str, template: str, params: Mapping[str, Any] | None = None, *,
        body: wire.Request | None = None, query: Mapping[str, Any] | None = None,
    ) -> Any:
        """One API call with retries. ``template`` (e.g. ``/projects/{id}``) names the operation in metrics."""
        path = template.format(**(params or {}))
        operation = f"{method} {template}"
        creating = method == "POST"
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._once(method, path, operation, body, query)
            except TempsError as exc:
                if not exc.retryable or attempt >= self.max_attempts:
                    raise
                if creating and not isinstance(exc, RateLimited) and not (
                        isinstance(exc, Unavailable) and exc.never_sent):
                    raise
                wait = getattr(exc, "retry_after", None)
                if wait is not None and wait > MAX_INLINE_WAIT:
                    raise
                await asyncio.sleep(wait if wait is not None else self._backoff(attempt))

    def _backoff(self, attempt: int) -> float:
        return float(min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)) * random.uniform(0.5, 1.5))

    async def _once(self, method: str, path: str, operation: str, body: wire.Request | None,
                    query: Mapping[str, Any] | None) -> Any:
        started = time.monotonic()
        outcome = "error"
        try:
            async with self._slots:
                response = await self._http.request(
                    method, path, json=body.body() if body is not None else None,
                    params={k: v for k, v in (query or {}).items() if v is not None} or None,
                )
            outcome = str(response.status_code)
        except httpx.TimeoutException as exc:
            outcome = "timeout"
            raise Unavailable(0, "Timeout", type(exc).__name__, operation) from None
        except httpx.TransportError as exc:
            outcome = "connection-error"
            raise Unavailable(0, "Connection failed", type(exc).__name__, operation,
                              never_sent=isinstance(exc, httpx.ConnectError)) from None
        finally:
            metrics.TEMPS_API_CALLS.labels(operation, outcome).inc()
            metrics.TEMPS_API_DURATION.labels(operation).observe(time.monotonic() - started)
        if response.status_code >= 400:
            raise error_for(response.status_code, response.content, operation, response.headers.get("Retry-After"))
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def _get(self, model: type[M], template: str, **params: Any) -> M:
        return model.model_validate(await self.call("GET", template, params))

    async def _find(self, model: type[M], template: str, **params: Any) -> M | None:
        try:
            return await self._get(model, template, **params)
        except NotFound:
            return None

    async def _list(self, model: type[M], template: str, key: str, params: Mapping[str, Any] | None = None,
                    query: Mapping[str, Any] | None = None, paged: bool = False) -> list[M]:
        """Every item of a list in any of Temps' three shapes: a bare array, ``{"items", "total"}`` as the
        page shows, or ``{"<resource>": [...], "total", "page", "per_page"}`` as the OpenAPI document has it.
        Paging parameters go only where the document has them, or once an answer shows it is paged.
        """
        items: list[Any] = []
        page = 1
        while True:
            paging = {"page": page, "per_page": PER_PAGE} if paged or page > 1 else {}
            data = await self.call("GET", template, params, query={**(query or {}), **paging})
            if isinstance(data, list):
                items.extend(data)
                break
            batch: list[Any] = (data.get(key) or data.get("items") or []) if isinstance(data, dict) else []
            items.extend(batch)
            total = data.get("total") if isinstance(data, dict) else None
            if not batch or total is None or len(items) >= int(total):
                break
            page += 1
        return [model.model_validate(item) for item in items]

    # --- projects -------------------------------------------------------------------------------------------
    async def list_projects(self) -> list[wire.Project]:
        return await self._list(wire.Project, "/projects", "projects", paged=True)

    async def probe(self) -> None:
        """The cheapest authenticated read: one project at most."""
        await self.call("GET", "/projects", query={"page": 1, "per_page": 1})

    async def get_project(self, project_id: int) -> wire.Project | None:
        return await self._find(wire.Project, "/projects/{id}", id=project_id)

    async def project_by_slug(self, slug: str) -> wire.Project | None:
        return await self._find(wire.Project, "/projects/by-slug/{slug}", slug=slug)

    async def create_project(self, request: wire.ProjectRequest) -> wire.Project:
        return wire.Project.model_validate(await self.call("POST", "/projects", body=request))

    async def update_project(self, project_id: int, request: wire.ProjectRequest) -> wire.Project:
        return wire.Project.model_validate(await self.call("PUT", "/projects/{id}", {"id": project_id}, body=request))

    async def delete_project(self, project_id: int) -> None:
        await self.call("DELETE", "/projects/{id}", {"id": project_id})

    async def trigger_pipeline(self, project_id: int, request: wire.TriggerPipeline) -> None:
        await self.call("POST", "/projects/{id}/trigger-pipeline", {"id": project_id}, body=request)

    # --- environments ---------------------------------------------------------------------------------------
    async def list_environments(self, project_id: int) -> list[wire.Environment]:
        return await self._list(wire.Environment, "/projects/{project_id}/environments", "environments",
                                {"project_id": project_id})

    async def get_environment(self, project_id: int, env_id: int) -> wire.Environment | None:
        return await self._find(wire.Environment, "/projects/{project_id}/environments/{env_id}",
                                project_id=project_id, env_id=env_id)

    async def create_environment(self, project_id: int, request: wire.EnvironmentCreate) -> wire.Environment:
        data = await self.call("POST", "/projects/{project_id}/environments", {"project_id": project_id},
                               body=request)
        return wire.Environment.model_validate(data)

    async def update_environment_settings(self, project_id: int, env_id: int,
                                          request: wire.EnvironmentSettings) -> wire.Environment:
        data = await self.call("PUT", "/projects/{project_id}/environments/{env_id}/settings",
                               {"project_id": project_id, "env_id": env_id}, body=request)
        return wire.Environment.model_validate(data)

    async def delete_environment(self, project_id: int, env_id: int) -> None:
        await self.call("DELETE", "/projects/{project_id}/environments/{env_id}",
                        {"project_id": project_id, "env_id": env_id})

    # --- env vars -------------------------------------------------------------------------------------------
    async def list_env_vars(self, project_id: int, environment_id: int | None = None) -> list[wire.EnvVar]:
        return await self._list(wire.EnvVar, "/projects/{project_id}/env-vars", "env_vars",
                                {"project_id": project_id}, {"environment_id": environment_id})

    async def create_env_var(self, project_id: int, request: wire.EnvVarWrite) -> None:
        await self.call("POST", "/projects/{project_id}/env-vars", {"project_id": project_id}, body=request)

    async def update_env_var(self, project_id: int, var_id: int, request: wire.EnvVarWrite) -> None:
        await self.call("PUT", "/projects/{project_id}/env-vars/{var_id}",
                        {"project_id": project_id, "var_id": var_id}, body=request)

    async def delete_env_var(self, project_id: int, var_id: int) -> None:
        await self.call("DELETE", "/projects/{project_id}/env-vars/{var_id}",
                        {"project_id": project_id, "var_id": var_id})

    # --- domains --------------------------------------------------------------------------------------------
    async def list_domains(self, project_id: int, env_id: int) -> list[wire.Domain]:
        return await self._list(wire.Domain, "/projects/{project_id}/environments/{env_id}/domains", "domains",
                                {"project_id": project_id, "env_id": env_id})

    async def add_domain(self, project_id: int, env_id: int, request: wire.DomainCreate) -> None:
        await self.call("POST", "/projects/{project_id}/environments/{env_id}/domains",
                        {"project_id": project_id, "env_id": env_id}, body=request)

    async def remove_domain(self, project_id: int, env_id: int, domain_id: int) -> None:
        await self.call("DELETE", "/projects/{project_id}/environments/{env_id}/domains/{domain_id}",
                        {"project_id": project_id, "env_id": env_id, "domain_id": domain_id})

    # --- deployments ----------------------------------------------------------------------------------------
    async def get_deployment(self, project_id: int, deployment_id: int) -> wire.Deployment | None:
        return await self._find(wire.Deployment, "/projects/{project_id}/deployments/{deployment_id}",
                                project_id=project_id, deployment_id=deployment_id)

    async def deploy_image(self, project_id: int, env_id: int, image: str) -> int | None:
        """The page's image deploy (absent from the OpenAPI document): the one place its body is decided."""
        data = await self.call("POST", "/projects/{project_id}/environments/{env_id}/deploy/image",
                               {"project_id": project_id, "env_id": env_id}, body=wire.ImageDeploy(image=image))
        if isinstance(data, dict):
            found = data.get("id", data.get("deployment_id"))
            return int(found) if found is not None else None
        return None

    async def deployment_action(self, project_id: int, deployment_id: int, action: str) -> None:
        """rollback, cancel, pause or resume."""
        await self.call("POST", f"/projects/{{project_id}}/deployments/{{deployment_id}}/{action}",
                        {"project_id": project_id, "deployment_id": deployment_id})

    async def teardown(self, project_id: int, deployment_id: int) -> None:
        """The document says DELETE, the page says POST: try the document first, then the page."""
        params = {"project_id": project_id, "deployment_id": deployment_id}
        template = "/projects/{project_id}/deployments/{deployment_id}/teardown"
        try:
            await self.call("DELETE", template, params)
        except TempsError as exc:
            if exc.status not in (404, 405):
                raise
            await self.call("POST", template, params)

    # --- external services ----------------------------------------------------------------------------------
    async def service_by_slug(self, slug: str) -> wire.ServiceDetails | None:
        return await self._find(wire.ServiceDetails, "/external-services/by-slug/{slug}", slug=slug)

    async def get_service(self, service_id: int) -> wire.ServiceDetails | None:
        return await self._find(wire.ServiceDetails, "/external-services/{id}", id=service_id)

    async def create_service(self, request: wire.ServiceCreate) -> wire.Service:
        return wire.Service.model_validate(await self.call("POST", "/external-services", body=request))

    async def update_service(self, service_id: int, request: wire.ServiceUpdate) -> None:
        await self.call("PUT", "/external-services/{id}", {"id": service_id}, body=request)

    async def delete_service(self, service_id: int) -> None:
        await self.call("DELETE", "/external-services/{id}", {"id": service_id})

    async def service_action(self, service_id: int, action: str) -> None:
        """start or stop."""
        await self.call("POST", f"/external-services/{{id}}/{action}", {"id": service_id})

    async def upgrade_service(self, service_id: int, request: wire.ServiceUpgrade) -> None:
        await self.call("POST", "/external-services/{id}/upgrade", {"id": service_id}, body=request)

    async def list_service_links(self, service_id: int) -> list[wire.ServiceLink]:
        return await self._list(wire.ServiceLink, "/external-services/{id}/projects", "projects", {"id": service_id})

    async def link_project(self, service_id: int, project_id: int) -> None:
        await self.call("POST", "/external-services/{id}/projects", {"id": service_id},
                        body=wire.LinkProject(project_id=project_id))

    async def unlink_project(self, service_id: int, project_id: int) -> None:
        await self.call("DELETE", "/external-services/{id}/projects/{project_id}",
                        {"id": service_id, "project_id": project_id})

    # --- monitors -------------------------------------------------------------------------------------------
    async def list_monitors(self, project_id: int) -> list[wire.Monitor]:
        return await self._list(wire.Monitor, "/projects/{project_id}/monitors", "monitors",
                                {"project_id": project_id})

    async def get_monitor(self, monitor_id: int) -> wire.Monitor | None:
        return await self._find(wire.Monitor, "/monitors/{monitor_id}", monitor_id=monitor_id)

    async def create_monitor(self, project_id: int, request: wire.MonitorCreate) -> wire.Monitor:
        data = await self.call("POST", "/projects/{project_id}/monitors", {"project_id": project_id}, body=request)
        return wire.Monitor.model_validate(data)

    async def delete_monitor(self, monitor_id: int) -> None:
        await self.call("DELETE", "/monitors/{monitor_id}", {"monitor_id": monitor_id})

    async def monitor_status(self, monitor_id: int) -> wire.MonitorStatus:
        return await self._get(wire.MonitorStatus, "/monitors/{monitor_id}/current-status", monitor_id=monitor_id)
