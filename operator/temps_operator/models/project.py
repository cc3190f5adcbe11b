"""TempsProject: an application, its source, and the defaults its environments inherit."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from .base import KubeModel, cel, validated
from .common import (
    CONNECTION_RULE,
    HTTP_PATH,
    CommonStatus,
    DeletionPolicy,
    EnvVar,
    LocalObjectReference,
    Port,
    Resources,
    Slug,
    immutable,
)

GIT_URL = r"^(https?://|ssh://|git@)[^\s]+$"
IMAGE_REF = r"^[a-z0-9]([-a-z0-9._/:@]*[a-zA-Z0-9])?$"
Image = Annotated[str, StringConstraints(min_length=1, max_length=512, pattern=IMAGE_REF)]


class GitSource(KubeModel):
    """A git repository that Temps builds from."""

    repository: Annotated[str, StringConstraints(max_length=2048, pattern=GIT_URL)]
    """Clone URL (https://, ssh:// or git@host:owner/repo)."""
    branch: Annotated[str, StringConstraints(min_length=1, max_length=255)] = "main"
    """Main branch; environments may override it."""
    directory: Annotated[str, StringConstraints(max_length=1024)] = "."
    """Directory of the application inside the repository."""


class BuildSettings(KubeModel):
    """How Temps builds the source; ignored in Direct mode, which runs images only."""

    preset: Annotated[str, StringConstraints(max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")] = "auto"
    """Build preset (for example nextjs, vite, dockerfile); auto lets Temps detect it."""
    install_command: Annotated[str, StringConstraints(max_length=1024)] | None = None
    """Overrides the preset's install command."""
    build_command: Annotated[str, StringConstraints(max_length=1024)] | None = None
    """Overrides the preset's build command."""
    output_dir: Annotated[str, StringConstraints(max_length=1024)] | None = None
    """Directory holding the build output, for static presets."""


class EnvironmentDefaults(KubeModel):
    """Values each environment of the project inherits unless it sets its own."""

    port: Port | None = None
    """Port the application listens on (1-65535); 3000 when neither project nor environment says."""
    replicas: Annotated[int, Field(ge=0, le=100)] | None = None
    """Replicas of each environment (0-100); 1 when neither says."""
    resources: Resources | None = None
    """CPU (millicores) and memory (MiB) of each replica; merged field by field with the environment's."""
    health_path: Annotated[str, StringConstraints(max_length=1024, pattern=HTTP_PATH)] | None = None
    """HTTP path of the readiness probe, starting with /; no probe when unset."""
    env: list[EnvVar] = Field(default_factory=list, max_length=200, json_schema_extra={
        "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
    })
    """Env vars of every environment; an environment's var of the same name wins."""


class TempsProjectSpec(KubeModel):
    """Desired state of a TempsProject."""

    model_config = validated(
            cel("has(self.git) != has(self.image)", "exactly one of spec.git or spec.image must be set",
                reason="FieldValueInvalid"),
            CONNECTION_RULE,
    )

    git: GitSource | None = None
    """Git source, built by Temps. Exactly one of git or image."""
    image: Image | None = None
    """Container image to run (for example ghcr.io/acme/web:1.4). Exactly one of git or image."""
    build: BuildSettings | None = None
    """Build preset and commands for a git source."""
    automatic_deploy: bool = True
    """Whether Temps deploys on every push to the branch."""
    defaults: EnvironmentDefaults | None = None
    """Defaults for the project's environments."""
    connection_ref: LocalObjectReference | None = Field(default=None, json_schema_extra=immutable("connectionRef"))
    """A TempsConnection: the project and its environments are synced to that Temps instance (Temps mode).
    Unset means the operator's default connection if it has one, else Direct mode. Immutable."""
    slug: Slug | None = Field(default=None, json_schema_extra=immutable("slug"))
    """Slug of the Temps project (Temps mode); <namespace>-<name> when unset. An existing Temps project with
    this slug is adopted, not duplicated. Immutable."""
    deletion_policy: DeletionPolicy = "Delete"
    """Temps mode: Delete removes the Temps project when this resource is deleted; Orphan leaves it."""


class TempsProjectStatus(CommonStatus):
    """Observed state of a TempsProject."""

    environments: int | None = None
    """Number of TempsEnvironments in the namespace that belong to this project."""
    project_id: int | None = None
    """Temps mode: id of the Temps project."""
    slug: str | None = None
    """Temps mode: slug of the Temps project."""
    redeployed: str | None = None
    """Temps mode: the last temps.sh/redeploy annotation value acted on."""
