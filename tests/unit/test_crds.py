"""The CRDs under crds/ are exactly what the models generate, and every field explains itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from temps_operator.crds import crd, render_all
from temps_operator.models import KINDS

CRDS = Path(__file__).resolve().parents[2] / "crds"


def test_crds_directory_matches_the_models() -> None:
    generated = render_all()
    on_disk = {p.name: p.read_text() for p in CRDS.glob("*.yaml")}
    assert set(on_disk) == set(generated), "run `temps-operator crds` to regenerate crds/"
    for name, text in generated.items():
        assert on_disk[name] == text, f"crds/{name} drifted from the models: run `temps-operator crds`"


def walk(schema: dict[str, Any], path: str) -> list[str]:
    """Paths of properties without a description."""
    missing = []
    for name, prop in (schema.get("properties") or {}).items():
        here = f"{path}.{name}"
        if name not in ("apiVersion", "kind", "metadata") and not prop.get("description"):
            missing.append(here)
        missing += walk(prop, here)
    if isinstance(schema.get("items"), dict):
        missing += walk(schema["items"], path + "[]")
    return missing


def test_every_field_has_a_description() -> None:
    for kind in KINDS:
        schema = crd(kind)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
        assert walk(schema, kind.kind) == []


def test_schemas_are_structural() -> None:
    """No $ref, anyOf or null types: the API server refuses non-structural schemas."""
    for text in render_all().values():
        for bad in ("$ref", "anyOf", "oneOf", "allOf", "'null'", "title:"):
            assert bad not in text, bad


def test_names_categories_status_and_columns() -> None:
    for kind in KINDS:
        spec = yaml.safe_load(render_all()[f"temps.sh_{kind.plural}.yaml"])["spec"]
        assert spec["scope"] == ("Cluster" if kind.kind == "TempsConnection" else "Namespaced")
        assert spec["names"]["categories"] == ["temps"]
        assert spec["names"]["shortNames"]
        version = spec["versions"][0]
        assert version["name"] == "v1alpha1" and version["subresources"] == {"status": {}}
        columns = [c["name"] for c in version["additionalPrinterColumns"]]
        assert "Ready" in columns and "Age" in columns
