"""Base classes shared by every spec and status model, and the resource-kind descriptor used for CRDs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

JsonDict = dict[str, Any]


class KubeModel(BaseModel):
    """Kubernetes field naming (camelCase) on the wire, snake_case in Python.

    Unknown fields are refused so that a typo is an error and not silently ignored; the CRD schema
    refuses them too (structural schemas prune unknown fields).
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
    )

    def to_kube(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


def cel(rule: str, message: str, *, field_path: str | None = None, reason: str | None = None) -> JsonDict:
    """One ``x-kubernetes-validations`` entry: a CEL rule checked by the API server at admission."""
    entry: JsonDict = {"rule": rule, "message": message}
    if field_path:
        entry["fieldPath"] = field_path
    if reason:
        entry["reason"] = reason
    return entry


def rules(*entries: JsonDict) -> JsonDict:
    """Schema extras carrying CEL rules, for a field's ``json_schema_extra``."""
    return {"x-kubernetes-validations": list(entries)}


def validated(*entries: JsonDict) -> ConfigDict:
    """Model config adding CEL rules on the whole object; pydantic merges it with the parent's config."""
    return ConfigDict(json_schema_extra=rules(*entries))


@dataclass(frozen=True)
class PrinterColumn:
    name: str
    json_path: str
    type: str = "string"
    description: str = ""
    priority: int = 0

    def to_kube(self) -> dict[str, Any]:
        column: dict[str, Any] = {"name": self.name, "type": self.type, "jsonPath": self.json_path}
        if self.description:
            column["description"] = self.description
        if self.priority:
            column["priority"] = self.priority
        return column


@dataclass(frozen=True)
class Kind:
    """What the CRD generator and kopf need to know about one custom resource kind."""

    kind: str
    plural: str
    short_names: tuple[str, ...]
    spec: type[BaseModel]
    status: type[BaseModel]
    description: str
    columns: tuple[PrinterColumn, ...] = field(default_factory=tuple)
    validations: tuple[JsonDict, ...] = ()
    scope: str = "Namespaced"
    """CEL rules on the whole object, for what the spec alone cannot say (such as the name's shape)."""
    categories: ClassVar[tuple[str, ...]] = ("temps",)

    @property
    def singular(self) -> str:
        return self.kind.lower()
