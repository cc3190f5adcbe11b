"""Project defaults flow into environments; the environment's own fields win."""

from __future__ import annotations

from typing import Any

import pytest

from temps_operator.effective import resolve
from temps_operator.errors import SpecError


def body(kind: str, spec: dict[str, Any], name: str = "x") -> dict[str, Any]:
    return {"kind": kind, "metadata": {"name": name, "namespace": "ns", "uid": "u-1", "generation": 4},
            "spec": spec}


PROJECT = body("TempsProject", {
    "image": "registry.example/app:1",
    "defaults": {
        "port": 8080, "replicas": 3, "healthPath": "/ready",
        "resources": {"cpu": {"request": 100, "limit": 500}, "memory": {"request": 128, "limit": 256}},
        "env": [{"name": "A", "value": "project"}, {"name": "B", "value": "project"}],
    },
}, name="app")


def env(**spec: Any) -> dict[str, Any]:
    return body("TempsEnvironment", {"projectRef": {"name": "app"}, **spec}, name="app-prod")


def test_environment_inherits_every_default() -> None:
    eff = resolve(env(), PROJECT)
    assert (eff.image, eff.port, eff.replicas, eff.health_path) == ("registry.example/app:1", 8080, 3, "/ready")
    assert eff.resources.cpu is not None and (eff.resources.cpu.request, eff.resources.cpu.limit) == (100, 500)
    assert [(v.name, v.value) for v in eff.env] == [("A", "project"), ("B", "project")]
    assert (eff.uid, eff.generation, eff.project) == ("u-1", 4, "app")


def test_environment_overrides_field_by_field() -> None:
    eff = resolve(env(image="registry.example/app:2", replicas=0, port=9000,
                      resources={"memory": {"limit": 1024}},
                      env=[{"name": "B", "value": "env"}, {"name": "C", "value": "env"}]), PROJECT)
    assert (eff.image, eff.replicas, eff.port) == ("registry.example/app:2", 0, 9000)
    assert eff.resources.memory is not None
    assert (eff.resources.memory.request, eff.resources.memory.limit) == (128, 1024)
    assert [(v.name, v.value) for v in eff.env] == [("A", "project"), ("B", "env"), ("C", "env")]


def test_builtin_defaults_without_project_defaults() -> None:
    eff = resolve(env(), body("TempsProject", {"image": "registry.example/app:1"}))
    assert (eff.port, eff.replicas, eff.health_path) == (3000, 1, None)
    assert eff.resources.cpu is None and eff.resources.memory is None


def test_inherited_limit_below_own_request_names_the_field() -> None:
    with pytest.raises(SpecError) as error:
        resolve(env(resources={"cpu": {"request": 800}}), PROJECT)
    assert error.value.message.startswith("spec.resources.cpu.request:")


def test_invalid_spec_names_the_field() -> None:
    with pytest.raises(SpecError) as error:
        resolve(env(port=70000), PROJECT)
    assert error.value.field == "spec.port"


def test_primary_domain_only_when_marked() -> None:
    assert resolve(env(domains=[{"name": "a.example.com"}]), PROJECT).primary_domain is None
    marked = resolve(env(domains=[{"name": "a.example.com"}, {"name": "b.example.com", "primary": True}]), PROJECT)
    assert marked.primary_domain == "b.example.com"
