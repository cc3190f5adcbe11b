"""TempsConnection: where a Temps instance is and how to authenticate to it (cluster-scoped)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from .base import KubeModel
from .common import DNS_LABEL, DNS_SUBDOMAIN, CommonStatus


class SecretKeyReference(KubeModel):
    """A key of a Secret in a given namespace."""

    namespace: Annotated[str, StringConstraints(min_length=1, max_length=63, pattern=DNS_LABEL)]
    """Namespace of the Secret."""
    name: Annotated[str, StringConstraints(min_length=1, max_length=253, pattern=DNS_SUBDOMAIN)]
    """Name of the Secret."""
    key: Annotated[str, StringConstraints(min_length=1, max_length=253, pattern=r"^[-._a-zA-Z0-9]+$")] = "token"
    """Key holding the API token (tk_...)."""


class TempsConnectionSpec(KubeModel):
    """Desired state of a TempsConnection."""

    url: Annotated[str, StringConstraints(max_length=2048, pattern=r"^https?://[^\s/]+(/[^\s]*)?$")]
    """Base URL of the Temps API, including /api (for example https://temps.example.com/api)."""
    token_secret_ref: SecretKeyReference
    """Secret key holding the API token. Read on every reconcile, so a rotated token is picked up."""
    ca_bundle: Annotated[str, StringConstraints(max_length=65536)] | None = None
    """PEM CA certificates to trust for the Temps URL, in addition to none: when set, only these are trusted."""
    insecure_skip_tls_verify: bool = False
    """Skip TLS verification. Only for tests; never in production."""
    timeout_seconds: Annotated[int, Field(ge=1, le=300)] = 30
    """Per-call timeout in seconds (1-300)."""
    max_concurrency: Annotated[int, Field(ge=1, le=64)] = 8
    """Calls in flight towards this Temps instance at most (1-64)."""


class TempsConnectionStatus(CommonStatus):
    """Observed state of a TempsConnection."""
