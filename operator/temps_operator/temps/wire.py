"""Request and response bodies of the Temps API that the operator uses, as in the OpenAPI document.

Responses ignore fields the operator does not read, so a newer Temps adding fields breaks nothing.
Requests leave out unset optional fields.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Response(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def body(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, mode="json")


# --- projects -------------------------------------------------------------------------------------------------
class DeploymentConfig(Response):
    automatic_deploy: bool | None = Field(default=None, alias="automaticDeploy")
    cpu_limit: int | None = Field(default=None, alias="cpuLimit")
    cpu_request: int | None = Field(default=None, alias="cpuRequest")
    memory_limit: int | None = Field(default=None, alias="memoryLimit")
    memory_request: int | None = Field(default=None, alias="memoryRequest")
    exposed_port: int | None = Field(default=None, alias="exposedPort")
    replicas: int | None = None


class Project(Response):
    id: int
    slug: str
    name: str
    directory: str
    main_branch: str
    preset: str | None = None
    deployment_config: DeploymentConfig | None = None


class ProjectRequest(Request):
    """CreateProjectRequest: POST /projects and PUT /projects/{id} both take it whole."""

    name: str
    directory: str
    main_branch: str
    preset: str
    storage_service_ids: list[int] = Field(default_factory=list)
    git_url: str | None = None
    build_command: str | None = None
    install_command: str | None = None
    output_dir: str | None = None
    exposed_port: int | None = None
    automatic_deploy: bool | None = None


class TriggerPipeline(Request):
    branch: str | None = None
    environment_id: int | None = None


# --- environments ---------------------------------------------------------------------------------------------
class Environment(Response):
    id: int
    project_id: int
    name: str
    slug: str
    main_url: str
    branch: str | None = None
    current_deployment_id: int | None = None
    deployment_config: DeploymentConfig | None = None


class EnvironmentCreate(Request):
    name: str
    branch: str


class EnvironmentSettings(Request):
    """UpdateEnvironmentSettingsRequest: absent fields are left unchanged by Temps."""

    cpu_request: int | None = None
    cpu_limit: int | None = None
    memory_request: int | None = None
    memory_limit: int | None = None
    replicas: int | None = None
    exposed_port: int | None = None
    branch: str | None = None
    automatic_deploy: bool | None = None


class EnvironmentRef(Response):
    id: int
    name: str


class EnvVar(Response):
    id: int
    key: str
    value: str = Field(repr=False)
    include_in_preview: bool = False
    environments: list[EnvironmentRef] = Field(default_factory=list)

    @property
    def environment_ids(self) -> list[int]:
        return sorted(e.id for e in self.environments)


class EnvVarWrite(Request):
    key: str
    value: str = Field(repr=False)
    environment_ids: list[int]
    include_in_preview: bool = False


class Domain(Response):
    id: int
    domain: str
    environment_id: int


class DomainCreate(Request):
    domain: str
    is_primary: bool


class Deployment(Response):
    id: int
    status: str
    environment_id: int | None = None
    is_current: bool = False
    url: str | None = None


class ImageDeploy(Request):
    """The page's image deploy; its body is not in the OpenAPI document, so it is kept minimal."""

    image: str


# --- external services ----------------------------------------------------------------------------------------
class Service(Response):
    id: int
    name: str
    service_type: str
    status: str
    version: str | None = None


class ServiceDetails(Response):
    service: Service
    current_parameters: dict[str, Any] | None = None


class ServiceCreate(Request):
    name: str
    service_type: str
    version: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)


class ServiceUpdate(Request):
    parameters: dict[str, Any]


class ServiceUpgrade(Request):
    docker_image: str


class LinkedProject(Response):
    id: int
    slug: str


class ServiceLink(Response):
    id: int
    project: LinkedProject


class LinkProject(Request):
    project_id: int


# --- monitors -------------------------------------------------------------------------------------------------
class Monitor(Response):
    id: int
    project_id: int
    name: str
    monitor_type: str
    check_interval_seconds: int
    environment_id: int | None = None
    monitor_url: str | None = None


class MonitorCreate(Request):
    name: str
    monitor_type: str
    environment_id: int
    check_interval_seconds: int | None = None


class MonitorStatus(Response):
    current_status: str
    uptime_percentage: float
    avg_response_time_ms: float | None = None
    last_check_at: str | None = None
