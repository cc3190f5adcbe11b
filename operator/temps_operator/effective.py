"""An environment as it runs: its own fields, falling back to its project's defaults, then to built-ins.

Both backends start from this, so inheritance is decided in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import SpecError
from .models import Domain, EnvVar, Resources, TempsEnvironmentSpec, TempsProjectSpec
from .models.common import CpuResources, MemoryResources

SpecT = TypeVar("SpecT", bound=BaseModel)
QuantityT = TypeVar("QuantityT", CpuResources, MemoryResources)

DEFAULT_PORT = 3000
DEFAULT_REPLICAS = 1


@dataclass(frozen=True)
class EffectiveEnvironment:
    name: str
    namespace: str
    uid: str
    generation: int
    project: str
    image: str | None
    branch: str | None
    replicas: int
    port: int
    resources: Resources
    health_path: str | None
    env: tuple[EnvVar, ...]
    domains: tuple[Domain, ...]

    @property
    def primary_domain(self) -> str | None:
        return next((d.name for d in self.domains if d.primary), None)


def parse_spec(model: type[SpecT], body: Mapping[str, Any]) -> SpecT:
    """Validate a live object's spec; a failure names the first field at fault."""
    try:
        return model.model_validate(body.get("spec") or {})
    except ValidationError as exc:
        error = exc.errors()[0]
        field = "spec." + ".".join(str(part) for part in error["loc"])
        raise SpecError(field, error["msg"]) from None


def merge_resources(project: Resources | None, env: Resources | None) -> Resources:
    """Field-by-field: the environment's request or limit wins, the project's fills the gaps."""
    p, e = project or Resources(), env or Resources()

    def pick(kind: type[QuantityT], a: QuantityT | None, b: QuantityT | None) -> QuantityT | None:
        if a is None and b is None:
            return None
        a_, b_ = a or kind(), b or kind()
        return kind(request=b_.request if b_.request is not None else a_.request,
                    limit=b_.limit if b_.limit is not None else a_.limit)

    merged = Resources(cpu=pick(CpuResources, p.cpu, e.cpu), memory=pick(MemoryResources, p.memory, e.memory))
    for name, quantity in (("cpu", merged.cpu), ("memory", merged.memory)):
        if quantity and quantity.request is not None and quantity.limit is not None \
                and quantity.request > quantity.limit:
            raise SpecError(f"spec.resources.{name}.request",
                            f"{quantity.request} exceeds the limit {quantity.limit} inherited from the project")
    return merged


def merge_env(project: tuple[EnvVar, ...] | list[EnvVar], env: list[EnvVar]) -> tuple[EnvVar, ...]:
    """Project vars first, in their order; an environment var of the same name replaces it in place."""
    own = {var.name: var for var in env}
    merged = [own.pop(var.name, var) for var in project]
    merged.extend(var for var in env if var.name in own)
    return tuple(merged)


def resolve(env_body: Mapping[str, Any], project_body: Mapping[str, Any]) -> EffectiveEnvironment:
    env = parse_spec(TempsEnvironmentSpec, env_body)
    project = parse_spec(TempsProjectSpec, project_body)
    defaults = project.defaults
    meta = env_body["metadata"]

    def inherit(own: Any, default_field: str, builtin: Any) -> Any:
        if own is not None:
            return own
        inherited = getattr(defaults, default_field, None) if defaults else None
        return builtin if inherited is None else inherited

    return EffectiveEnvironment(
        name=meta["name"],
        namespace=meta["namespace"],
        uid=meta.get("uid", ""),
        generation=int(meta.get("generation", 0)),
        project=env.project_ref.name,
        image=env.image or project.image,
        branch=env.branch or (project.git.branch if project.git else None),
        replicas=inherit(env.replicas, "replicas", DEFAULT_REPLICAS),
        port=inherit(env.port, "port", DEFAULT_PORT),
        resources=merge_resources(defaults.resources if defaults else None, env.resources),
        health_path=inherit(env.health_path, "health_path", None),
        env=merge_env(defaults.env if defaults else [], env.env),
        domains=tuple(env.domains),
    )
