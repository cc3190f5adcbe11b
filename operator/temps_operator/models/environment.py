"""TempsEnvironment: one running instance of a project (production, staging, a preview)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from .base import KubeModel, cel, rules, validated
from .common import (
    DNS_SUBDOMAIN,
    HTTP_PATH,
    CommonStatus,
    DeletionPolicy,
    EnvVar,
    LocalObjectReference,
    Port,
    Resources,
)
from .project import Image


class Domain(KubeModel):
    """A host name routed to the environment."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=253, pattern=DNS_SUBDOMAIN)]
    """Fully qualified host name, lower case (for example app.example.com)."""
    primary: bool = False
    """The domain shown as the environment's URL; at most one domain is primary."""


class TempsEnvironmentSpec(KubeModel):
    """Desired state of a TempsEnvironment. Unset fields inherit the project's defaults."""

    model_config = validated(
            cel("!has(self.domains) || self.domains.filter(d, has(d.primary) && d.primary).size() <= 1",
                "at most one domain may be primary", field_path=".domains"),
    )

    project_ref: LocalObjectReference = Field(json_schema_extra=rules(
        cel("self == oldSelf", "projectRef is immutable; create a new environment instead"),
    ))
    """The TempsProject this environment belongs to, in the same namespace. Immutable."""
    branch: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    """Git branch to deploy (Temps mode); defaults to the project's branch."""
    image: Image | None = None
    """Container image; defaults to the project's image."""
    replicas: Annotated[int, Field(ge=0, le=100)] | None = None
    """Number of replicas (0-100)."""
    port: Port | None = None
    """Port the application listens on (1-65535)."""
    resources: Resources | None = None
    """CPU (millicores) and memory (MiB) of each replica."""
    health_path: Annotated[str, StringConstraints(max_length=1024, pattern=HTTP_PATH)] | None = None
    """HTTP path of the readiness probe, starting with /."""
    env: list[EnvVar] = Field(default_factory=list, max_length=200, json_schema_extra={
        "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
    })
    """Env vars: a literal value, or a key of a Secret or ConfigMap. Overrides the project's of the same name."""
    domains: list[Domain] = Field(default_factory=list, max_length=50, json_schema_extra={
        "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
    })
    """Host names routed to the environment: one Ingress rule per domain."""
    paused: bool = False
    """Temps mode: pause the current deployment (true) or resume it (false)."""
    deletion_policy: DeletionPolicy = "Delete"
    """Temps mode: Delete removes the Temps environment when this resource is deleted; Orphan leaves it."""


class TempsEnvironmentStatus(CommonStatus):
    """Observed state of a TempsEnvironment."""

    url: str | None = None
    """Where the environment answers: https://<primary domain>, else the in-cluster Service URL."""
    image: str | None = None
    """The image being rolled out."""
    replicas: int | None = None
    """Desired replicas."""
    ready_replicas: int | None = None
    """Replicas that passed their readiness probe."""
    project_id: int | None = None
    """Temps mode: id of the Temps project the environment belongs to."""
    environment_id: int | None = None
    """Temps mode: id of the Temps environment."""
    deployment_id: int | None = None
    """Temps mode: id of the current deployment."""
    deployment_status: str | None = None
    """Temps mode: state of the current deployment as Temps reports it."""
    managed_env_vars: list[str] | None = None
    """Temps mode: keys of the env vars the operator manages (others on the Temps side are left alone)."""
    managed_domains: list[str] | None = None
    """Temps mode: domains the operator manages (others on the Temps side are left alone)."""
    actions: dict[str, str] | None = None
    """Temps mode: the last value of each action annotation (redeploy, rollback-to, cancel, teardown) acted on."""
