"""TempsProject: validate the source and report how many environments belong to the project."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..effective import parse_spec
from ..kube import TEMPS_ENVIRONMENT, TEMPS_PROJECT, Manifest, ResourceType
from ..models import TempsProjectSpec
from ..status import Verdict
from .base import Outcome, Reconciler


def environments_of(environments: list[Manifest], project: str) -> list[str]:
    return sorted(
        e["metadata"]["name"] for e in environments
        if ((e.get("spec") or {}).get("projectRef") or {}).get("name") == project
    )


@dataclass
class ProjectReconciler(Reconciler):
    rtype: ResourceType = field(init=False, default=TEMPS_PROJECT)

    def observe(self, body: Manifest) -> Outcome:
        spec = parse_spec(TempsProjectSpec, body)
        meta = body["metadata"]
        names = environments_of(self.kube.list(TEMPS_ENVIRONMENT, meta["namespace"]), meta["name"])
        source = spec.image if spec.image else f"git {spec.git.repository if spec.git else ''}"
        return Outcome(
            Verdict("ready", "Accepted", f"source {source}; {len(names)} environment(s)"),
            {"environments": len(names)},
        )

    def environment_names(self, namespace: str, project: str) -> list[str]:
        return environments_of(self.kube.list(TEMPS_ENVIRONMENT, namespace), project)
