"""TempsService: a backing service (postgres, redis, mongodb, s3) linked to projects."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from .base import KubeModel, cel, rules, validated
from .common import CONNECTION_RULE, CommonStatus, DeletionPolicy, LocalObjectReference, Slug, immutable

ServiceType = Literal["postgres", "redis", "mongodb", "s3"]


class TempsServiceSpec(KubeModel):
    """Desired state of a TempsService."""

    model_config = validated(CONNECTION_RULE)

    type: ServiceType = Field(json_schema_extra=rules(
        cel("self == oldSelf", "type is immutable; create a new service instead"),
    ))
    """Kind of service: postgres, redis, mongodb or s3. Immutable."""
    version: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z][-0-9A-Za-z.]*$")] \
        | None = None
    """Engine version (for example 16 for postgres); the type's default when unset."""
    parameters: dict[str, Annotated[str, StringConstraints(max_length=4096)]] = Field(
        default_factory=dict, max_length=64)
    """Type-specific parameters (for example database, max_connections)."""
    project_refs: list[LocalObjectReference] = Field(default_factory=list, max_length=100, json_schema_extra={
        "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
    })
    """Projects whose environments receive this service's connection variables."""
    stopped: bool = False
    """Stop the service without deleting it or its data."""
    storage_mib: Annotated[int, Field(ge=64, le=4194304)] = 1024
    """Size of the data volume in MiB (Direct mode)."""
    connection_ref: LocalObjectReference | None = Field(default=None, json_schema_extra=immutable("connectionRef"))
    """A TempsConnection: the service lives in that Temps instance (Temps mode). Immutable."""
    slug: Slug | None = Field(default=None, json_schema_extra=immutable("slug"))
    """Slug (and name) of the Temps service; <namespace>-<name> when unset. An existing one is adopted. Immutable."""
    deletion_policy: DeletionPolicy = "Delete"
    """Temps mode: Delete removes the Temps service (and its data) when this resource is deleted; Orphan leaves it."""


class TempsServiceStatus(CommonStatus):
    """Observed state of a TempsService."""

    endpoint: str | None = None
    """host:port where the service answers."""
    secret_name: str | None = None
    """Secret holding the connection variables (its values are never copied into status)."""
    service_id: int | None = None
    """Temps mode: id of the Temps service."""
    state: str | None = None
    """Temps mode: the service's state as Temps reports it (for example running, stopped)."""
    version: str | None = None
    """The running version."""
    linked_projects: list[str] | None = None
    """Temps mode: TempsProjects the operator linked the service to."""
