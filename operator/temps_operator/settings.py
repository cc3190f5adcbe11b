"""Operator configuration: every setting is a ``temps-operator run`` flag and a ``TEMPS_OPERATOR_*`` variable."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

FIELD_MANAGER = "temps-operator"


class Settings(BaseSettings):
    """Flags win over environment variables, which win over these defaults."""

    model_config = SettingsConfigDict(env_prefix="TEMPS_OPERATOR_", frozen=True)

    namespaces: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Namespaces to watch; empty means all. Env: comma-separated."""
    resync_interval: float = Field(default=300.0, gt=0)
    """Seconds between resyncs of each resource: drift is corrected at this pace."""
    health_port: int = Field(default=8080, ge=0, le=65535)
    """Port of the liveness/readiness endpoint (/healthz); 0 disables it."""
    metrics_port: int = Field(default=9090, ge=0, le=65535)
    """Port of the Prometheus /metrics endpoint; 0 disables it."""
    log_format: Literal["text", "json"] = "text"
    """text for people, json for log pipelines."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    ingress_class: str | None = None
    """ingressClassName of the Ingresses Direct mode renders; the cluster default when unset."""
    tls_issuer: str | None = None
    """cert-manager ClusterIssuer; when set, Ingresses get TLS for every domain."""
    default_connection: str | None = None
    """TempsConnection for resources that name none; unset means such resources are realised Directly."""
    field_manager: str = FIELD_MANAGER
    """Field manager of the operator's server-side applies."""

    @field_validator("namespaces", mode="before")
    @classmethod
    def _split_namespaces(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value
