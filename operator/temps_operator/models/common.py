"""Types shared by several kinds: references, env vars, compute resources, conditions."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from .base import JsonDict, KubeModel, cel, rules, validated

DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
DNS_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
ENV_VAR_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
HTTP_PATH = r"^/[^\s]*$"

DeletionPolicy = Literal["Delete", "Orphan"]
Slug = Annotated[str, StringConstraints(min_length=1, max_length=63, pattern=DNS_LABEL)]

ObjectName = Annotated[str, StringConstraints(min_length=1, max_length=253, pattern=DNS_SUBDOMAIN)]
ResourceName = Annotated[str, StringConstraints(min_length=1, max_length=63, pattern=DNS_LABEL)]
Port = Annotated[int, Field(ge=1, le=65535)]
Millicores = Annotated[int, Field(ge=10, le=64000)]
Mebibytes = Annotated[int, Field(ge=16, le=262144)]


class LocalObjectReference(KubeModel):
    """A reference to an object of a known kind in the same namespace."""

    name: ObjectName
    """Name of the referenced object, in the namespace of the referring resource."""


def immutable(description: str) -> JsonDict:
    return rules(cel("self == oldSelf", f"{description} is immutable"))


CONNECTION_RULE = cel(
    "has(self.connectionRef) == has(oldSelf.connectionRef)",
    "connectionRef cannot be added or removed: a resource does not move between Direct and Temps mode",
    field_path=".connectionRef",
)


class KeySelector(KubeModel):
    """Selects one key of a Secret or ConfigMap in the same namespace."""

    name: ObjectName
    """Name of the Secret or ConfigMap."""
    key: Annotated[str, StringConstraints(min_length=1, max_length=253, pattern=r"^[-._a-zA-Z0-9]+$")]
    """Key within its data."""


class EnvVarSource(KubeModel):
    """Where an env var's value comes from, when it is not a literal."""

    model_config = validated(
            cel("has(self.secretKeyRef) != has(self.configMapKeyRef)",
                "exactly one of secretKeyRef or configMapKeyRef must be set"),
    )

    secret_key_ref: KeySelector | None = None
    """A key of a Secret; the value is never copied into status, events or logs."""
    config_map_key_ref: KeySelector | None = None
    """A key of a ConfigMap."""


class EnvVar(KubeModel):
    """An environment variable given to the application."""

    model_config = validated(
            cel("has(self.value) != has(self.valueFrom)", "exactly one of value or valueFrom must be set"),
    )

    name: Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=ENV_VAR_NAME)]
    """Variable name: letters, digits and underscores, not starting with a digit."""
    value: Annotated[str, StringConstraints(max_length=32768)] | None = None
    """Literal value. Use valueFrom for anything secret."""
    value_from: EnvVarSource | None = None
    """Value read from a key of a Secret or ConfigMap."""
    include_in_preview: bool = False
    """Temps mode: also give the variable to the project's preview environments."""


class Quantity(KubeModel):
    """A request and a limit; the limit must not be below the request."""

    model_config = validated(
            cel("!has(self.request) || !has(self.limit) || self.request <= self.limit",
                "request must not exceed limit", field_path=".request"),
    )


class CpuResources(Quantity):
    """CPU in millicores (1000 = one core), as in Temps' environment settings."""

    request: Millicores | None = None
    """Guaranteed CPU in millicores (10-64000)."""
    limit: Millicores | None = None
    """Maximum CPU in millicores (10-64000)."""


class MemoryResources(Quantity):
    """Memory in MiB, as in Temps' environment settings."""

    request: Mebibytes | None = None
    """Guaranteed memory in MiB (16-262144)."""
    limit: Mebibytes | None = None
    """Maximum memory in MiB (16-262144)."""


class Resources(KubeModel):
    """Compute resources of each replica."""

    cpu: CpuResources | None = None
    """CPU request and limit in millicores."""
    memory: MemoryResources | None = None
    """Memory request and limit in MiB."""


ConditionStatus = Literal["True", "False", "Unknown"]


class Condition(KubeModel):
    """A condition as the Kubernetes API conventions (metav1.Condition) define it."""

    type: str
    """Condition type: Ready, Reconciling or Stalled."""
    status: ConditionStatus
    """True, False or Unknown."""
    reason: str
    """One CamelCase word saying why the condition is in its status."""
    message: str = ""
    """Human-readable detail, naming the field at fault where there is one."""
    last_transition_time: str
    """When the status last changed (RFC 3339); reasons and messages changing do not move it."""
    observed_generation: int | None = None
    """The metadata.generation the condition was computed for."""


class CommonStatus(KubeModel):
    """Status fields every kind reports: kstatus reads exactly these."""

    model_config = ConfigDict(extra="ignore")

    observed_generation: int | None = None
    """The metadata.generation the operator last acted on."""
    conditions: list[Condition] = Field(default_factory=list, json_schema_extra={
        "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"],
    })
    """Ready, Reconciling and Stalled, as kstatus and the Kubernetes API conventions define them."""
    mode: str | None = None
    """Direct or Temps: how the resource is realised."""
    connection: str | None = None
    """Temps mode: the TempsConnection in use (kept so that deletion works even after the reference is gone)."""
