"""In-memory Temps: projects, environments, env vars, domains, deployments, external services, links and monitors.

Each stored object's ``body`` is exactly what the API returns for it (its OpenAPI response schema), so an answer is a
deep copy. What Temps keeps but does not return (a domain's ``is_primary``, the image an environment runs, a
service's slug and parameters, a project's build settings) lives beside the body in ``extra``. Fields that depend on
other objects (``main_url``, ``is_current``, an env var's ``environments``, a link's copies) are recomputed after
every operation. Failures are raised as :class:`ApiError` and become RFC 7807 answers.
"""

from __future__ import annotations

import copy
import functools
import threading
import time
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from .store import JSON, ApiError, Stored, Table, image_tag, paging, parameter_text, rfc3339, slug_of, unix_now

# Deployment and service status strings.
PENDING = "pending"
COMPLETED = "completed"
FAILED = "failed"
CANCELLED = "cancelled"
PAUSED = "paused"
STOPPED = "stopped"
RUNNING = "running"

# UpdateEnvironmentSettingsRequest field -> DeploymentConfig key.
SETTINGS_TO_CONFIG = {
    "automatic_deploy": "automaticDeploy",
    "cpu_limit": "cpuLimit",
    "cpu_request": "cpuRequest",
    "exposed_port": "exposedPort",
    "memory_limit": "memoryLimit",
    "memory_request": "memoryRequest",
    "performance_metrics_enabled": "performanceMetricsEnabled",
    "replicas": "replicas",
    "security": "security",
    "session_recording_enabled": "sessionRecordingEnabled",
}

SERVICE_PORTS = {"postgres": 5432, "redis": 6379, "mongodb": 27017, "s3": 9000}

DEFAULT_MONITOR_STATUS: JSON = {"current_status": "up", "uptime_percentage": 100.0, "avg_response_time_ms": 42.0}


P = ParamSpec("P")
R = TypeVar("R")


def _atomic(method: Callable[Concatenate[State, P], R]) -> Callable[Concatenate[State, P], R]:
    """Run a public operation under the lock, with deployments advanced before and derived fields recomputed after.

    Operations return the stored bodies themselves; the recomputation updates them in place and the caller gets a
    deep copy, so nothing outside the lock ever holds live state.
    """

    @functools.wraps(method)
    def run(self: State, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self.lock:
            self._advance()
            result = method(self, *args, **kwargs)
            self._refresh()
            return copy.deepcopy(result)

    return run


class State:
    """All objects of one fake Temps instance, and the rules the API applies to them."""

    def __init__(self, deploy_seconds: float = 0.0) -> None:
        self.lock = threading.RLock()
        self.deploy_seconds = deploy_seconds
        self.projects = Table("Project")
        self.environments = Table("Environment")
        self.env_vars = Table("Environment variable")
        self.domains = Table("Domain")
        self.deployments = Table("Deployment")
        self.services = Table("External service")
        self.links = Table("Service link")
        self.monitors = Table("Monitor")

    def reset(self) -> None:
        """Forget everything; ids start at 1 again."""
        with self.lock:
            fresh = State(self.deploy_seconds)
            for name in ("projects", "environments", "env_vars", "domains", "deployments", "services", "links",
                         "monitors"):
                setattr(self, name, getattr(fresh, name))

    # --- projects ----------------------------------------------------------------------------------------------

    @_atomic
    def list_projects(self, page: int | None, per_page: int | None) -> JSON:
        page, per_page = paging(page, per_page)
        rows = [p.body for p in self.projects]
        start = (page - 1) * per_page
        return {"projects": rows[start:start + per_page], "total": len(rows), "page": page, "per_page": per_page}

    @_atomic
    def create_project(self, request: JSON) -> JSON:
        slug = slug_of(request["name"])
        if any(p.body["slug"] == slug for p in self.projects):
            raise ApiError(409, f"A project with slug '{slug}' already exists")
        now = unix_now()
        body: JSON = {
            "id": self.projects.new_id(), "slug": slug, "created_at": now, "updated_at": now, "last_deployment": None,
            "attack_mode": False, "enable_preview_environments": False,
            "deployment_config": {
                "automaticDeploy": False, "replicas": 1, "exposedPort": None, "cpuLimit": None, "cpuRequest": None,
                "memoryLimit": None, "memoryRequest": None, "performanceMetricsEnabled": False,
                "sessionRecordingEnabled": False, "security": None,
            },
        }
        self._apply_project_request(body, request)
        return self.projects.add(body, request=copy.deepcopy(request)).body

    @_atomic
    def get_project(self, project_id: int) -> JSON:
        return self.projects.get(project_id).body

    @_atomic
    def get_project_by_slug(self, slug: str) -> JSON:
        return self._project_by_slug(slug).body

    @_atomic
    def update_project(self, project_id: int, request: JSON) -> JSON:
        """PUT with a CreateProjectRequest. The slug stays: it is the project's identity for lookups."""
        project = self.projects.get(project_id)
        self._apply_project_request(project.body, request)
        project.body["updated_at"] = unix_now()
        project.extra["request"] = copy.deepcopy(request)
        return project.body

    @_atomic
    def delete_project(self, project_id: int) -> None:
        self.projects.get(project_id)
        for env in self.environments:
            if env.body["project_id"] == project_id:
                self._delete_environment(env)
        for var in self.env_vars:
            if var.extra["project_id"] == project_id:
                self.env_vars.remove(var.id)
        for monitor in self.monitors:
            if monitor.body["project_id"] == project_id:
                self.monitors.remove(monitor.id)
        for link in self.links:
            if link.extra["project_id"] == project_id:
                self.links.remove(link.id)
        self.projects.remove(project_id)

    @_atomic
    def trigger_pipeline(self, project_id: int, payload: JSON) -> JSON:
        project = self.projects.get(project_id)
        env_id = payload.get("environment_id")
        if env_id is not None:
            env = self._environment(project_id, env_id)
        else:
            envs = [e for e in self.environments if e.body["project_id"] == project_id]
            if not envs:
                raise ApiError(400, f"Project {project_id} has no environment to deploy to")
            env = envs[0]
        branch = payload.get("branch") or env.body.get("branch") or project.body["main_branch"]
        deployment = self._start_deployment(env, branch=branch, commit=payload.get("commit"),
                                            tag=payload.get("tag"), image=None)
        return {
            "message": f"Pipeline triggered: deployment {deployment.id}", "project_id": project_id,
            "environment_id": env.id, "branch": branch, "commit": payload.get("commit"), "tag": payload.get("tag"),
        }

    # --- environments ------------------------------------------------------------------------------------------

    @_atomic
    def list_environments(self, project_id: int) -> list[JSON]:
        self.projects.get(project_id)
        return [e.body for e in self.environments if e.body["project_id"] == project_id]

    @_atomic
    def create_environment(self, project_id: int, request: JSON) -> JSON:
        project = self.projects.get(project_id)
        slug = slug_of(request["name"])
        if any(e.body["project_id"] == project_id and e.body["slug"] == slug for e in self.environments):
            raise ApiError(409, f"Environment '{request['name']}' already exists in project {project_id}")
        now = unix_now()
        body: JSON = {
            "id": self.environments.new_id(), "project_id": project_id, "name": request["name"], "slug": slug,
            "main_url": "", "created_at": now, "updated_at": now, "is_preview": bool(request.get("set_as_preview")),
            "branch": request["branch"], "current_deployment_id": None,
            "deployment_config": copy.deepcopy(project.body["deployment_config"]),
        }
        return self.environments.add(body, image=None).body

    @_atomic
    def get_environment(self, project_id: int, env_id: int) -> JSON:
        return self._environment(project_id, env_id).body

    @_atomic
    def delete_environment(self, project_id: int, env_id: int) -> None:
        self._delete_environment(self._environment(project_id, env_id))

    @_atomic
    def update_environment_settings(self, project_id: int, env_id: int, request: JSON) -> JSON:
        """Null or absent fields leave the current value alone."""
        env = self._environment(project_id, env_id)
        config = env.body["deployment_config"]
        for name, key in SETTINGS_TO_CONFIG.items():
            if request.get(name) is not None:
                config[key] = copy.deepcopy(request[name])
        if request.get("branch") is not None:
            env.body["branch"] = request["branch"]
        env.body["updated_at"] = unix_now()
        return env.body

    # --- environment variables ---------------------------------------------------------------------------------

    @_atomic
    def list_env_vars(self, project_id: int, environment_id: int | None) -> list[JSON]:
        self.projects.get(project_id)
        if environment_id is not None:
            self._environment(project_id, environment_id)
        return [v.body for v in self.env_vars if v.extra["project_id"] == project_id
                and (environment_id is None or environment_id in v.extra["environment_ids"])]

    @_atomic
    def create_env_var(self, project_id: int, request: JSON) -> JSON:
        self.projects.get(project_id)
        env_ids = self._var_environments(project_id, request, None)
        now = unix_now()
        body: JSON = {"id": self.env_vars.new_id(), "key": request["key"], "value": request["value"],
                      "created_at": now, "updated_at": now, "environments": [],
                      "include_in_preview": bool(request.get("include_in_preview", False))}
        return self.env_vars.add(body, project_id=project_id, environment_ids=env_ids).body

    @_atomic
    def update_env_var(self, project_id: int, var_id: int, request: JSON) -> JSON:
        var = self._env_var(project_id, var_id)
        var.extra["environment_ids"] = self._var_environments(project_id, request, var_id)
        var.body.update(key=request["key"], value=request["value"], updated_at=unix_now(),
                        include_in_preview=bool(request.get("include_in_preview", False)))
        return var.body

    @_atomic
    def delete_env_var(self, project_id: int, var_id: int) -> None:
        self.env_vars.remove(self._env_var(project_id, var_id).id)

    # --- domains -----------------------------------------------------------------------------------------------

    @_atomic
    def list_domains(self, project_id: int, env_id: int) -> list[JSON]:
        self._environment(project_id, env_id)
        return [d.body for d in self.domains if d.body["environment_id"] == env_id]

    @_atomic
    def add_domain(self, project_id: int, env_id: int, request: JSON) -> JSON:
        self._environment(project_id, env_id)
        domain = request["domain"].strip()
        if not domain:
            raise ApiError(400, "Domain must not be empty")
        if any(d.body["domain"].lower() == domain.lower() for d in self.domains):
            raise ApiError(409, f"Domain {domain} is already in use")
        if request["is_primary"]:
            for other in self.domains:
                if other.body["environment_id"] == env_id:
                    other.extra["is_primary"] = False
        body: JSON = {"id": self.domains.new_id(), "environment_id": env_id, "domain": domain,
                      "created_at": unix_now(), "url": f"https://{domain}"}
        return self.domains.add(body, is_primary=bool(request["is_primary"])).body

    @_atomic
    def delete_domain(self, project_id: int, env_id: int, domain_id: int) -> None:
        self._environment(project_id, env_id)
        domain = self.domains.get(domain_id)
        if domain.body["environment_id"] != env_id:
            raise ApiError(404, f"Domain {domain_id} not found in environment {env_id}")
        self.domains.remove(domain_id)

    # --- deployments -------------------------------------------------------------------------------------------

    @_atomic
    def list_deployments(self, project_id: int, page: int | None, per_page: int | None,
                         environment_id: int | None) -> JSON:
        """Newest first, like a deployment history."""
        self.projects.get(project_id)
        if environment_id is not None:
            self._environment(project_id, environment_id)
        page, per_page = paging(page, per_page)
        rows = [d.body for d in reversed(list(self.deployments)) if d.body["project_id"] == project_id
                and (environment_id is None or d.body["environment_id"] == environment_id)]
        start = (page - 1) * per_page
        return {"deployments": rows[start:start + per_page], "total": len(rows), "page": page, "per_page": per_page}

    @_atomic
    def get_deployment(self, project_id: int, deployment_id: int) -> JSON:
        return self._deployment(project_id, deployment_id).body

    @_atomic
    def deploy_image(self, project_id: int, env_id: int, image: str) -> JSON:
        env = self._environment(project_id, env_id)
        return self._start_deployment(env, branch=None, commit=None, tag=None, image=image).body

    @_atomic
    def rollback(self, project_id: int, deployment_id: int) -> JSON:
        """A new deployment of what ``deployment_id`` ran; it becomes current once it completes."""
        target = self._deployment(project_id, deployment_id)
        if target.body["status"] not in (COMPLETED, STOPPED):
            raise ApiError(400, f"Cannot roll back to deployment {deployment_id}: it is {target.body['status']}")
        env = self.environments.get(target.body["environment_id"])
        return self._start_deployment(
            env, branch=target.body["branch"], commit=target.body["commit_hash"], tag=target.body["tag"],
            image=target.extra["image"], metadata={"isRollback": True, "rolledBackFromId": deployment_id},
        ).body

    @_atomic
    def cancel(self, project_id: int, deployment_id: int) -> JSON:
        deployment = self._deployment(project_id, deployment_id)
        self._require_status(deployment, (PENDING, PAUSED), "cancelled")
        deployment.body.update(status=CANCELLED, finished_at=unix_now(), cancelled_reason="Cancelled through the API")
        deployment.extra["ready_at"] = None
        return self._state_answer(deployment, "Deployment cancelled")

    @_atomic
    def pause(self, project_id: int, deployment_id: int) -> JSON:
        deployment = self._deployment(project_id, deployment_id)
        self._require_status(deployment, (PENDING,), "paused")
        deployment.body["status"] = PAUSED
        deployment.extra["ready_at"] = None
        return self._state_answer(deployment, "Deployment paused")

    @_atomic
    def resume(self, project_id: int, deployment_id: int) -> JSON:
        """Back to pending, with the full deploy time ahead again."""
        deployment = self._deployment(project_id, deployment_id)
        self._require_status(deployment, (PAUSED,), "resumed")
        deployment.body["status"] = PENDING
        deployment.extra["ready_at"] = time.time() + self.deploy_seconds
        self._advance()
        return self._state_answer(deployment, "Deployment resumed")

    @_atomic
    def teardown(self, project_id: int, deployment_id: int) -> None:
        """Stop the deployment's containers; an environment whose current deployment it was has none afterwards."""
        deployment = self._deployment(project_id, deployment_id)
        deployment.body["status"] = STOPPED
        deployment.body["finished_at"] = deployment.body["finished_at"] or unix_now()
        deployment.extra["ready_at"] = None
        env = self.environments.get(deployment.body["environment_id"])
        if env.body["current_deployment_id"] == deployment_id:
            env.body["current_deployment_id"] = None

    # --- external services -------------------------------------------------------------------------------------

    @_atomic
    def list_services(self) -> list[JSON]:
        return [s.body for s in self.services]

    @_atomic
    def create_service(self, request: JSON) -> JSON:
        slug = slug_of(request["name"])
        if any(s.extra["slug"] == slug for s in self.services):
            raise ApiError(409, f"An external service with slug '{slug}' already exists")
        parameters = {str(k): parameter_text(v) for k, v in request["parameters"].items()}
        image = parameters.get("docker_image")
        now = rfc3339(time.time())
        kind = request["service_type"]
        version = request.get("version") or (image_tag(image) if image else None)
        body: JSON = {
            "id": self.services.new_id(), "name": request["name"], "service_type": kind, "status": RUNNING,
            "created_at": now, "updated_at": now, "version": version,
            "connection_info": f"{kind}://{slug}.temps.local:{SERVICE_PORTS.get(kind, 0)}",
        }
        return self.services.add(body, slug=slug, parameters=parameters, docker_image=image).body

    @_atomic
    def get_service(self, service_id: int) -> JSON:
        return self._service_details(self.services.get(service_id))

    @_atomic
    def get_service_by_slug(self, slug: str) -> JSON:
        for service in self.services:
            if service.extra["slug"] == slug:
                return self._service_details(service)
        raise ApiError(404, f"External service with slug '{slug}' not found")

    @_atomic
    def update_service(self, service_id: int, request: JSON) -> JSON:
        """Given parameters replace the ones of the same name; the others stay."""
        service = self.services.get(service_id)
        service.extra["parameters"].update({str(k): parameter_text(v) for k, v in request["parameters"].items()})
        if request.get("docker_image"):
            self._set_image(service, request["docker_image"])
        service.body["updated_at"] = rfc3339(time.time())
        return service.body

    @_atomic
    def delete_service(self, service_id: int) -> None:
        self.services.get(service_id)
        linked = sorted(link.extra["project_id"] for link in self.links if link.extra["service_id"] == service_id)
        if linked:
            raise ApiError(400, f"External service {service_id} is still linked to projects {linked}")
        self.services.remove(service_id)

    @_atomic
    def set_service_running(self, service_id: int, running: bool) -> JSON:
        service = self.services.get(service_id)
        service.body.update(status=RUNNING if running else STOPPED, updated_at=rfc3339(time.time()))
        return service.body

    @_atomic
    def upgrade_service(self, service_id: int, request: JSON) -> JSON:
        service = self.services.get(service_id)
        self._set_image(service, request["docker_image"])
        service.body["updated_at"] = rfc3339(time.time())
        return service.body

    @_atomic
    def list_links(self, service_id: int) -> list[JSON]:
        self.services.get(service_id)
        return [link.body for link in self.links if link.extra["service_id"] == service_id]

    @_atomic
    def link(self, service_id: int, project_id: int) -> JSON:
        self.services.get(service_id)
        self.projects.get(project_id)
        if self._find_link(service_id, project_id) is not None:
            raise ApiError(409, f"External service {service_id} is already linked to project {project_id}")
        body: JSON = {"id": self.links.new_id(), "project": {}, "service": {}}
        return self.links.add(body, service_id=service_id, project_id=project_id).body

    @_atomic
    def unlink(self, service_id: int, project_id: int) -> None:
        self.services.get(service_id)
        link = self._find_link(service_id, project_id)
        if link is None:
            raise ApiError(404, f"External service {service_id} is not linked to project {project_id}")
        self.links.remove(link.id)

    # --- monitors ----------------------------------------------------------------------------------------------

    @_atomic
    def list_monitors(self, project_id: int, environment_id: int | None) -> list[JSON]:
        self.projects.get(project_id)
        return [m.body for m in self.monitors if m.body["project_id"] == project_id
                and (environment_id is None or m.body["environment_id"] == environment_id)]

    @_atomic
    def create_monitor(self, project_id: int, request: JSON) -> JSON:
        env = self._environment(project_id, request["environment_id"])
        now = rfc3339(time.time())
        body: JSON = {
            "id": self.monitors.new_id(), "project_id": project_id, "environment_id": env.id, "name": request["name"],
            "monitor_type": request["monitor_type"], "monitor_url": "",
            "check_interval_seconds": request.get("check_interval_seconds") or 60, "is_active": True,
            "created_at": now, "updated_at": now,
        }
        return self.monitors.add(body, status=dict(DEFAULT_MONITOR_STATUS)).body

    @_atomic
    def get_monitor(self, monitor_id: int) -> JSON:
        return self.monitors.get(monitor_id).body

    @_atomic
    def delete_monitor(self, monitor_id: int) -> None:
        self.monitors.get(monitor_id)
        self.monitors.remove(monitor_id)

    @_atomic
    def monitor_status(self, monitor_id: int) -> JSON:
        monitor = self.monitors.get(monitor_id)
        return {"monitor_id": monitor_id, **monitor.extra["status"], "last_check_at": rfc3339(time.time())}

    # --- changes made outside the API (the dashboard, the platform itself) -------------------------------------

    @_atomic
    def edit_project(self, /, project_id: int, **fields: Any) -> JSON:
        """Set ProjectResponse fields; ``deployment_config`` is merged key by key into the current one."""
        project = self.projects.get(project_id)
        unknown = set(fields) - (set(project.body) - {"id", "created_at"})
        if unknown:
            raise TypeError(f"not editable ProjectResponse fields: {sorted(unknown)}")
        for name, value in fields.items():
            if name == "deployment_config":
                project.body["deployment_config"].update(copy.deepcopy(value))
            else:
                project.body[name] = copy.deepcopy(value)
        project.body["updated_at"] = unix_now()
        return project.body

    @_atomic
    def edit_environment_settings(self, /, project_id: int, env_id: int, **fields: Any) -> JSON:
        """Set DeploymentConfig values (snake_case as in the request, or camelCase) and ``branch``.

        Unlike the API, ``None`` is stored: a dashboard can clear a limit.
        """
        env = self._environment(project_id, env_id)
        config_keys = set(SETTINGS_TO_CONFIG.values())
        unknown = set(fields) - set(SETTINGS_TO_CONFIG) - config_keys - {"branch"}
        if unknown:
            raise TypeError(f"not environment settings: {sorted(unknown)}")
        for name, value in fields.items():
            if name == "branch":
                env.body["branch"] = value
            else:
                env.body["deployment_config"][SETTINGS_TO_CONFIG.get(name, name)] = copy.deepcopy(value)
        env.body["updated_at"] = unix_now()
        return env.body

    @_atomic
    def set_deployment_status(self, deployment_id: int, status: str) -> JSON:
        """Put a deployment in any status and stop its clock; ``completed`` makes it current."""
        deployment = self.deployments.get(deployment_id)
        deployment.extra["ready_at"] = None
        if status == COMPLETED:
            self._complete(deployment)
        else:
            deployment.body["status"] = status
            if status in (FAILED, CANCELLED, STOPPED):
                deployment.body["finished_at"] = deployment.body["finished_at"] or unix_now()
        return deployment.body

    @_atomic
    def set_monitor_status(self, monitor_id: int, current_status: str, uptime_percentage: float,
                           avg_response_time_ms: float | None) -> JSON:
        monitor = self.monitors.get(monitor_id)
        monitor.extra["status"] = {
            "current_status": current_status, "uptime_percentage": float(uptime_percentage),
            "avg_response_time_ms": None if avg_response_time_ms is None else float(avg_response_time_ms),
        }
        return {"monitor_id": monitor_id, **monitor.extra["status"]}

    @_atomic
    def snapshot(self, kind: str) -> dict[int, JSON]:
        table: Table = getattr(self, kind)
        return {row.id: row.body for row in table}

    @_atomic
    def extra(self, kind: str, id_: int) -> JSON:
        """What Temps keeps about an object without returning it (see the module docstring)."""
        table: Table = getattr(self, kind)
        return table.get(id_).extra

    # --- internals (called with the lock held) -----------------------------------------------------------------

    def _apply_project_request(self, body: JSON, request: JSON) -> None:
        for name in ("name", "directory", "main_branch", "preset"):
            body[name] = request[name]
        for name in ("repo_name", "repo_owner", "git_provider_connection_id"):
            body[name] = request.get(name)
        config = body["deployment_config"]
        for name in ("automatic_deploy", "exposed_port", "performance_metrics_enabled"):
            if request.get(name) is not None:
                config[SETTINGS_TO_CONFIG[name]] = request[name]

    def _project_by_slug(self, slug: str) -> Stored:
        for project in self.projects:
            if project.body["slug"] == slug:
                return project
        raise ApiError(404, f"Project with slug '{slug}' not found")

    def _environment(self, project_id: int, env_id: int) -> Stored:
        self.projects.get(project_id)
        env = self.environments.get(env_id)
        if env.body["project_id"] != project_id:
            raise ApiError(404, f"Environment {env_id} not found in project {project_id}")
        return env

    def _delete_environment(self, env: Stored) -> None:
        for table in (self.domains, self.deployments, self.monitors):
            for row in table:
                if row.body["environment_id"] == env.id:
                    table.remove(row.id)
        for var in self.env_vars:
            var.extra["environment_ids"] = [i for i in var.extra["environment_ids"] if i != env.id]
        self.environments.remove(env.id)

    def _env_var(self, project_id: int, var_id: int) -> Stored:
        self.projects.get(project_id)
        var = self.env_vars.get(var_id)
        if var.extra["project_id"] != project_id:
            raise ApiError(404, f"Environment variable {var_id} not found in project {project_id}")
        return var

    def _var_environments(self, project_id: int, request: JSON, var_id: int | None) -> list[int]:
        """The environments a variable applies to; one key can be set once per environment."""
        env_ids = list(dict.fromkeys(request["environment_ids"]))
        for env_id in env_ids:
            self._environment(project_id, env_id)
        for other in self.env_vars:
            if other.id == var_id or other.extra["project_id"] != project_id or other.body["key"] != request["key"]:
                continue
            shared = sorted(set(env_ids) & set(other.extra["environment_ids"]))
            if shared:
                raise ApiError(409, f"Variable {request['key']} already exists in environment {shared[0]}")
        return env_ids

    def _deployment(self, project_id: int, deployment_id: int) -> Stored:
        self.projects.get(project_id)
        deployment = self.deployments.get(deployment_id)
        if deployment.body["project_id"] != project_id:
            raise ApiError(404, f"Deployment {deployment_id} not found in project {project_id}")
        return deployment

    def _start_deployment(self, env: Stored, *, branch: str | None, commit: str | None, tag: str | None,
                          image: str | None, metadata: JSON | None = None) -> Stored:
        project = self.projects.get(env.body["project_id"])
        deployment_id = self.deployments.new_id()
        now = time.time()
        snapshot = {k: v for k, v in copy.deepcopy(env.body["deployment_config"]).items() if k != "security"}
        snapshot["environmentVariables"] = {
            v.body["key"]: v.body["value"] for v in self.env_vars if env.id in v.extra["environment_ids"]}
        body: JSON = {
            "id": deployment_id, "project_id": project.id, "environment_id": env.id, "environment": {},
            "status": PENDING, "url": f"https://{project.body['slug']}-{env.body['slug']}-{deployment_id}.temps.local",
            "created_at": int(now), "started_at": int(now), "finished_at": None, "is_current": False,
            "branch": branch, "commit_hash": commit, "commit_message": None, "commit_author": None,
            "commit_date": None, "tag": tag, "cancelled_reason": None, "screenshot_location": None,
            "deployment_config": snapshot, "metadata": metadata,
        }
        deployment = self.deployments.add(body, image=image, ready_at=now + self.deploy_seconds)
        self._advance()
        return deployment

    def _complete(self, deployment: Stored) -> None:
        """A finished deployment takes the environment's traffic, and the environment now runs its image."""
        deployment.body.update(status=COMPLETED, finished_at=unix_now())
        deployment.extra["ready_at"] = None
        env = self.environments.rows.get(deployment.body["environment_id"])
        if env is not None:
            env.body["current_deployment_id"] = deployment.id
            if deployment.extra["image"]:
                env.extra["image"] = deployment.extra["image"]

    def _advance(self) -> None:
        """Complete the pending deployments whose deploy time is up (``deploy_seconds`` after they started)."""
        now = time.time()
        for deployment in self.deployments:
            ready_at = deployment.extra["ready_at"]
            if deployment.body["status"] == PENDING and ready_at is not None and ready_at <= now:
                self._complete(deployment)

    @staticmethod
    def _require_status(deployment: Stored, allowed: tuple[str, ...], action: str) -> None:
        status = deployment.body["status"]
        if status not in allowed:
            raise ApiError(400, f"Deployment {deployment.id} cannot be {action}: it is {status}")

    @staticmethod
    def _state_answer(deployment: Stored, message: str) -> JSON:
        return {"id": deployment.id, "state": deployment.body["status"], "message": message}

    def _service_details(self, service: Stored) -> JSON:
        return {
            "service": service.body,
            "current_parameters": service.extra["parameters"],
            "parameter_schema": {"type": "object", "additionalProperties": {"type": "string"}},
        }

    @staticmethod
    def _set_image(service: Stored, image: str) -> None:
        service.extra["docker_image"] = image
        service.body["version"] = image_tag(image)

    def _find_link(self, service_id: int, project_id: int) -> Stored | None:
        for link in self.links:
            if link.extra["service_id"] == service_id and link.extra["project_id"] == project_id:
                return link
        return None

    def _main_url(self, env: Stored) -> str:
        for domain in self.domains:
            if domain.body["environment_id"] == env.id and domain.extra["is_primary"]:
                return f"https://{domain.body['domain']}"
        project = self.projects.get(env.body["project_id"])
        return f"https://{project.body['slug']}-{env.body['slug']}.temps.local"

    def _refresh(self) -> None:
        """Recompute every field that mirrors another object, in place."""
        for env in self.environments:
            env.body["main_url"] = self._main_url(env)
        for deployment in self.deployments:
            env = self.environments.get(deployment.body["environment_id"])
            deployment.body["is_current"] = env.body["current_deployment_id"] == deployment.id
            deployment.body["environment"] = {
                "id": env.id, "name": env.body["name"], "slug": env.body["slug"],
                "domains": [d.body["domain"] for d in self.domains if d.body["environment_id"] == env.id],
            }
        for var in self.env_vars:
            var.body["environments"] = [
                {"id": e.id, "name": e.body["name"], "main_url": e.body["main_url"],
                 "current_deployment_id": e.body["current_deployment_id"]}
                for e in (self.environments.rows.get(i) for i in var.extra["environment_ids"]) if e is not None
            ]
        for link in self.links:
            project = self.projects.get(link.extra["project_id"])
            link.body["project"] = {"id": project.id, "slug": project.body["slug"],
                                    "created_at": rfc3339(project.body["created_at"])}
            link.body["service"] = copy.deepcopy(self.services.get(link.extra["service_id"]).body)
        for monitor in self.monitors:
            watched = self.environments.rows.get(monitor.body["environment_id"])
            if watched is not None:
                monitor.body["monitor_url"] = watched.body["main_url"]
        for project in self.projects:
            started = [d.body["created_at"] for d in self.deployments if d.body["project_id"] == project.id]
            project.body["last_deployment"] = max(started) if started else None
