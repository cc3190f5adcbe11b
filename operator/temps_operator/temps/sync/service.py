"""TempsService <-> /external-services: adopt by slug, create, parameters, start/stop, upgrade, project links."""

from __future__ import annotations

from collections.abc import Callable

from ...errors import DependencyMissing
from ...kube import TEMPS_PROJECT, TEMPS_SERVICE
from ...models import TempsServiceSpec
from ...status import Outcome, Verdict
from .. import wire
from ..errors import Conflict
from .context import SyncContext, twin_slug

IMAGES = {"postgres": "postgres", "redis": "redis", "mongodb": "mongo", "s3": "minio/minio"}


def project_slugs(ctx: SyncContext, spec: TempsServiceSpec) -> dict[str, int]:
    """Temps slug -> id of each linked project; every one must be synced first."""
    out: dict[str, int] = {}
    for index, ref in enumerate(spec.project_refs):
        project = ctx.kube.get(TEMPS_PROJECT, ctx.meta["namespace"], ref.name)
        status = (project or {}).get("status") or {}
        if status.get("projectId") is None:
            raise DependencyMissing("ProjectNotSynced", f"spec.projectRefs[{index}].name: TempsProject "
                                    f"{ref.name!r} has no Temps project yet")
        out[str(status["slug"])] = int(status["projectId"])
    return out


def claim(ctx: SyncContext) -> Callable[[wire.ServiceDetails], None]:
    return lambda found: ctx.unclaimed(TEMPS_SERVICE, "serviceId", found.service.id, "spec.slug")


def sync_service(ctx: SyncContext, spec: TempsServiceSpec) -> Outcome:
    client = ctx.client
    slug = twin_slug(spec.slug, ctx.meta["namespace"], ctx.meta["name"])
    projects = project_slugs(ctx, spec)
    details = ctx.find("serviceId", client.get_service, lambda: client.service_by_slug(slug),
                       lambda found: f"Temps service {slug!r} (id {found.service.id})", claim(ctx))
    if details is None:
        try:
            created = ctx.call(client.create_service(wire.ServiceCreate(
                name=slug, service_type=spec.type, version=spec.version, parameters=dict(spec.parameters))))
            ctx.changed(f"Temps service {slug!r} (id {created.id})", "", created=True)
        except Conflict:
            pass
        details = ctx.call(client.service_by_slug(slug))
        if details is None:
            raise DependencyMissing("ServiceNotFound", f"Temps service {slug!r} vanished after creation")
    service = details.service
    current = details.current_parameters or {}
    changed = next((k for k, v in spec.parameters.items() if str(current.get(k)) != v), None)
    if changed:
        ctx.call(client.update_service(service.id, wire.ServiceUpdate(parameters=dict(spec.parameters))))
        ctx.changed(f"Temps service {slug!r}", f"parameters.{changed}")
    if spec.version and service.version != spec.version:
        image = f"{IMAGES[spec.type]}:{spec.version}"
        ctx.call(client.upgrade_service(service.id, wire.ServiceUpgrade(docker_image=image)))
        ctx.changed(f"Temps service {slug!r}", f"version ({service.version} -> {spec.version})")
    stopped = service.status.lower() == "stopped"
    if spec.stopped != stopped:
        ctx.call(client.service_action(service.id, "stop" if spec.stopped else "start"))
        ctx.record(ctx.body, "Normal", "Stopped" if spec.stopped else "Started", f"Temps service {slug!r}")

    linked = {link.project.slug for link in ctx.call(client.list_service_links(service.id))}
    for project_slug, project_id in projects.items():
        if project_slug not in linked:
            ctx.call(client.link_project(service.id, project_id))
            ctx.record(ctx.body, "Normal", "Linked", f"Temps service {slug!r} linked to project {project_slug!r}")
    previous = set(ctx.status.get("linkedProjects") or [])
    for project_slug in (previous - set(projects)) & linked:
        links = ctx.call(client.list_service_links(service.id))
        for link in links:
            if link.project.slug == project_slug:
                ctx.delete(client.unlink_project(service.id, link.project.id))
                ctx.record(ctx.body, "Normal", "Unlinked", f"project {project_slug!r} unlinked from {slug!r}")

    refreshed = ctx.call(client.get_service(service.id))
    state = (refreshed.service if refreshed else service).status
    wanted = "stopped" if spec.stopped else "running"
    verdict = (Verdict("ready", "Synced", f"Temps service {slug!r} (id {service.id}) is {state}")
               if state.lower() == wanted else
               Verdict("progressing", "Progressing", f"Temps service {slug!r} is {state}, want {wanted}"))
    return Outcome(verdict, {
        "mode": "Temps", "serviceId": service.id, "state": state,
        "version": (refreshed.service if refreshed else service).version, "linkedProjects": sorted(projects),
    })


def delete_service(ctx: SyncContext, spec: TempsServiceSpec) -> None:
    slug = twin_slug(spec.slug, ctx.meta["namespace"], ctx.meta["name"])
    ctx.delete_twin("serviceId", ctx.client.get_service, lambda: ctx.client.service_by_slug(slug), claim(ctx),
                    lambda found: ctx.client.delete_service(found.service.id))
