"""The endpoints the fake serves: method, path template (after ``/api``) and what each one does to the state.

Templates are the OpenAPI document's, so a call's template names its operation. The two page-only routes (image
deploy, POST teardown) carry ``documented=False`` and their own body check in place of the document's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .state import State
from .store import ApiError


@dataclass(frozen=True)
class Incoming:
    """A request as a handler sees it: path parameters, query and the parsed JSON body."""

    params: Mapping[str, str]
    query: Mapping[str, str]
    body: Any

    def id(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise ApiError(400, f"Path parameter {name} must be an integer, not {self.params[name]!r}") from None

    def query_int(self, name: str) -> int | None:
        value = self.query.get(name)
        if value is None or value == "":
            return None
        try:
            return int(value)
        except ValueError:
            raise ApiError(400, f"Query parameter {name} must be an integer, not {value!r}") from None


@dataclass(frozen=True)
class Reply:
    """A handler's answer; ``body=None`` means an empty body."""

    status: int
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


Handler = Callable[[State, Incoming], Reply]


@dataclass(frozen=True)
class Route:
    """One endpoint. ``check`` (page-only routes) returns what is wrong with a request body, or None;
    ``response_schema`` names the component schema a page-only success body must still satisfy."""

    method: str
    template: str
    handler: Handler
    documented: bool = True
    check: Callable[[Any], str | None] | None = None
    response_schema: str | None = None
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = [f"(?P<{seg[1:-1]}>[^/]+)" if seg.startswith("{") else re.escape(seg)
                 for seg in self.template.split("/")]
        object.__setattr__(self, "pattern", re.compile("/".join(parts) + "$"))

    @property
    def variables(self) -> int:
        return self.template.count("{")


class Router:
    """Finds the route of a method and path; a literal segment beats a parameter, as in openapi-core."""

    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes

    def find(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        matches = [(route, m.groupdict()) for route in self.routes
                   if route.method == method and (m := route.pattern.match(path)) is not None]
        if not matches:
            return None
        return min(matches, key=lambda match: match[0].variables)


def ok(body: Any) -> Reply:
    return Reply(200, body)


def created(body: Any) -> Reply:
    return Reply(201, body)


def no_content(_: None = None) -> Reply:
    return Reply(204)


def image_body_problem(body: Any) -> str | None:
    """The page's image deploy takes ``{"image": "<reference>"}``; anything less is off-contract."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    image = body.get("image")
    if not isinstance(image, str) or not image.strip():
        return 'the body needs a non-empty string "image"'
    return None


DEPLOYMENT = "/projects/{project_id}/deployments/{deployment_id}"
ENVIRONMENT = "/projects/{project_id}/environments/{env_id}"


def _deployment_action(action: Callable[[State, int, int], Any]) -> Handler:
    return lambda s, r: ok(action(s, r.id("project_id"), r.id("deployment_id")))


ROUTES: list[Route] = [
    # projects
    Route("GET", "/projects", lambda s, r: ok(s.list_projects(r.query_int("page"), r.query_int("per_page")))),
    Route("POST", "/projects", lambda s, r: ok(s.create_project(r.body))),
    Route("GET", "/projects/by-slug/{slug}", lambda s, r: ok(s.get_project_by_slug(r.params["slug"]))),
    Route("GET", "/projects/{id}", lambda s, r: ok(s.get_project(r.id("id")))),
    Route("PUT", "/projects/{id}", lambda s, r: ok(s.update_project(r.id("id"), r.body))),
    Route("DELETE", "/projects/{id}", lambda s, r: no_content(s.delete_project(r.id("id")))),
    Route("POST", "/projects/{id}/trigger-pipeline", lambda s, r: ok(s.trigger_pipeline(r.id("id"), r.body))),
    # environments
    Route("GET", "/projects/{project_id}/environments",
          lambda s, r: ok(s.list_environments(r.id("project_id")))),
    Route("POST", "/projects/{project_id}/environments",
          lambda s, r: created(s.create_environment(r.id("project_id"), r.body))),
    Route("GET", ENVIRONMENT, lambda s, r: ok(s.get_environment(r.id("project_id"), r.id("env_id")))),
    Route("DELETE", ENVIRONMENT,
          lambda s, r: no_content(s.delete_environment(r.id("project_id"), r.id("env_id")))),
    Route("PUT", ENVIRONMENT + "/settings",
          lambda s, r: ok(s.update_environment_settings(r.id("project_id"), r.id("env_id"), r.body))),
    # environment variables
    Route("GET", "/projects/{project_id}/env-vars",
          lambda s, r: ok(s.list_env_vars(r.id("project_id"), r.query_int("environment_id")))),
    Route("POST", "/projects/{project_id}/env-vars",
          lambda s, r: created(s.create_env_var(r.id("project_id"), r.body))),
    Route("PUT", "/projects/{project_id}/env-vars/{var_id}",
          lambda s, r: ok(s.update_env_var(r.id("project_id"), r.id("var_id"), r.body))),
    Route("DELETE", "/projects/{project_id}/env-vars/{var_id}",
          lambda s, r: no_content(s.delete_env_var(r.id("project_id"), r.id("var_id")))),
    # domains
    Route("GET", ENVIRONMENT + "/domains", lambda s, r: ok(s.list_domains(r.id("project_id"), r.id("env_id")))),
    Route("POST", ENVIRONMENT + "/domains",
          lambda s, r: created(s.add_domain(r.id("project_id"), r.id("env_id"), r.body))),
    Route("DELETE", ENVIRONMENT + "/domains/{domain_id}",
          lambda s, r: no_content(s.delete_domain(r.id("project_id"), r.id("env_id"), r.id("domain_id")))),
    # deployments
    Route("GET", "/projects/{id}/deployments",
          lambda s, r: ok(s.list_deployments(r.id("id"), r.query_int("page"), r.query_int("per_page"),
                                             r.query_int("environment_id")))),
    Route("GET", DEPLOYMENT, _deployment_action(State.get_deployment)),
    Route("POST", DEPLOYMENT + "/rollback", _deployment_action(State.rollback)),
    Route("POST", DEPLOYMENT + "/cancel", _deployment_action(State.cancel)),
    Route("POST", DEPLOYMENT + "/pause", _deployment_action(State.pause)),
    Route("POST", DEPLOYMENT + "/resume", _deployment_action(State.resume)),
    Route("DELETE", DEPLOYMENT + "/teardown",
          lambda s, r: no_content(s.teardown(r.id("project_id"), r.id("deployment_id")))),
    # page-only: the reference page lists these; the OpenAPI document does not have them
    Route("POST", DEPLOYMENT + "/teardown", lambda s, r: no_content(s.teardown(r.id("project_id"),
                                                                                r.id("deployment_id"))),
          documented=False),
    Route("POST", ENVIRONMENT + "/deploy/image",
          lambda s, r: created(s.deploy_image(r.id("project_id"), r.id("env_id"), r.body["image"].strip())),
          documented=False, check=image_body_problem, response_schema="DeploymentResponse"),
    # external services
    Route("GET", "/external-services", lambda s, r: ok(s.list_services())),
    Route("POST", "/external-services", lambda s, r: created(s.create_service(r.body))),
    Route("GET", "/external-services/by-slug/{slug}", lambda s, r: ok(s.get_service_by_slug(r.params["slug"]))),
    Route("GET", "/external-services/{id}", lambda s, r: ok(s.get_service(r.id("id")))),
    Route("PUT", "/external-services/{id}", lambda s, r: ok(s.update_service(r.id("id"), r.body))),
    Route("DELETE", "/external-services/{id}", lambda s, r: no_content(s.delete_service(r.id("id")))),
    Route("POST", "/external-services/{id}/start", lambda s, r: ok(s.set_service_running(r.id("id"), True))),
    Route("POST", "/external-services/{id}/stop", lambda s, r: ok(s.set_service_running(r.id("id"), False))),
    Route("POST", "/external-services/{id}/upgrade", lambda s, r: ok(s.upgrade_service(r.id("id"), r.body))),
    Route("GET", "/external-services/{id}/projects", lambda s, r: ok(s.list_links(r.id("id")))),
    Route("POST", "/external-services/{id}/projects",
          lambda s, r: created(s.link(r.id("id"), r.body["project_id"]))),
    Route("DELETE", "/external-services/{id}/projects/{project_id}",
          lambda s, r: no_content(s.unlink(r.id("id"), r.id("project_id")))),
    # monitors
    Route("GET", "/projects/{project_id}/monitors",
          lambda s, r: ok(s.list_monitors(r.id("project_id"), r.query_int("environment_id")))),
    Route("POST", "/projects/{project_id}/monitors",
          lambda s, r: created(s.create_monitor(r.id("project_id"), r.body))),
    Route("GET", "/monitors/{monitor_id}", lambda s, r: ok(s.get_monitor(r.id("monitor_id")))),
    Route("DELETE", "/monitors/{monitor_id}", lambda s, r: no_content(s.delete_monitor(r.id("monitor_id")))),
    Route("GET", "/monitors/{monitor_id}/current-status", lambda s, r: ok(s.monitor_status(r.id("monitor_id")))),
]
