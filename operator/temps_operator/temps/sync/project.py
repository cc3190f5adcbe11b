"""TempsProject <-> /projects: adopt by slug, create, correct drift, trigger pipelines, delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...kube import TEMPS_PROJECT
from ...models import TempsProjectSpec
from ...status import Outcome, Verdict
from .. import wire
from ..errors import Conflict
from .context import REDEPLOY_ANNOTATION, SyncContext, twin_slug


def desired_project(spec: TempsProjectSpec, slug: str) -> wire.ProjectRequest:
    git, build, defaults = spec.git, spec.build, spec.defaults
    return wire.ProjectRequest(
        name=slug,
        directory=git.directory if git else ".",
        main_branch=git.branch if git else "main",
        preset=build.preset if build else "auto",
        git_url=git.repository if git else None,
        install_command=build.install_command if build else None,
        build_command=build.build_command if build else None,
        output_dir=build.output_dir if build else None,
        exposed_port=defaults.port if defaults else None,
        automatic_deploy=spec.automatic_deploy,
    )


def project_difference(desired: wire.ProjectRequest, remote: wire.Project) -> str | None:
    """The first field Temps reports that differs from the spec (Temps does not echo git URL or commands)."""
    config = remote.deployment_config or wire.DeploymentConfig()
    pairs: list[tuple[str, Any, Any]] = [
        ("name", desired.name, remote.name),
        ("directory", desired.directory, remote.directory),
        ("main_branch", desired.main_branch, remote.main_branch),
        ("automatic_deploy", desired.automatic_deploy, config.automatic_deploy),
    ]
    if desired.preset != "auto":  # Temps resolves "auto" to the preset it detects
        pairs.append(("preset", desired.preset, remote.preset))
    if desired.exposed_port is not None:
        pairs.append(("exposed_port", desired.exposed_port, config.exposed_port))
    return next((name for name, want, have in pairs if want != have), None)


def claim(ctx: SyncContext) -> Callable[[wire.Project], None]:
    return lambda found: ctx.unclaimed(TEMPS_PROJECT, "projectId", found.id, "spec.slug")


def sync_project(ctx: SyncContext, spec: TempsProjectSpec, environments: int) -> Outcome:
    slug = twin_slug(spec.slug, ctx.meta["namespace"], ctx.meta["name"])
    desired = desired_project(spec, slug)
    remote = ctx.find("projectId", ctx.client.get_project, lambda: ctx.client.project_by_slug(slug),
                      lambda found: f"Temps project {slug!r} (id {found.id})", claim(ctx))
    if remote is None:
        try:
            remote = ctx.call(ctx.client.create_project(desired))
            ctx.changed(f"Temps project {slug!r} (id {remote.id})", "", created=True)
        except Conflict:
            remote = ctx.call(ctx.client.project_by_slug(slug))
            if remote is None:
                raise
            ctx.adopted(f"Temps project {slug!r} (id {remote.id})")
    else:
        field = project_difference(desired, remote) or ("spec" if ctx.spec_changed else None)
        if field:
            remote = ctx.call(ctx.client.update_project(remote.id, desired))
            ctx.changed(f"Temps project {slug!r}", field)

    # A new revision: a spec change of a synced git project, or a new value of the redeploy annotation.
    # Without environments there is nothing to deploy to (Temps refuses the trigger).
    redeployed = ctx.status.get("redeployed")
    wanted = ctx.annotation(REDEPLOY_ANNOTATION)
    new_revision = bool(spec.git) and ctx.spec_changed and ctx.status.get("projectId") is not None
    if (new_revision or (wanted and wanted != redeployed)) and environments:
        ctx.call(ctx.client.trigger_pipeline(remote.id, wire.TriggerPipeline(branch=desired.main_branch)))
        ctx.record(ctx.body, "Normal", "PipelineTriggered", f"triggered the pipeline of Temps project {slug!r}")
    redeployed = wanted or redeployed
    return Outcome(
        Verdict("ready", "Synced", f"Temps project {slug!r} (id {remote.id})"),
        {"mode": "Temps", "projectId": remote.id, "slug": remote.slug, "redeployed": redeployed},
    )


def delete_project(ctx: SyncContext, spec: TempsProjectSpec) -> None:
    slug = twin_slug(spec.slug, ctx.meta["namespace"], ctx.meta["name"])
    ctx.delete_twin("projectId", ctx.client.get_project, lambda: ctx.client.project_by_slug(slug), claim(ctx),
                    lambda found: ctx.client.delete_project(found.id))
