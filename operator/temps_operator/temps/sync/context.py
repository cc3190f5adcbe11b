"""What every Temps sync needs: the API client, the bridge to its event loop, Events, the live object."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from ...errors import SpecError
from ...events import EventRecorder
from ...kube import KubeClient, Manifest, ResourceType
from ..client import TempsClient
from ..errors import NotFound
from ..runner import LoopRunner

T = TypeVar("T")

REDEPLOY_ANNOTATION = "temps.sh/redeploy"


def slugify(text: str) -> str:
    """Temps' slug rule: lower case, runs of other characters become one dash."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def twin_slug(slug: str | None, namespace: str, name: str) -> str:
    """The slug of a resource's Temps twin: its own, else <namespace>-<name> (unique across namespaces)."""
    return slug or slugify(f"{namespace}-{name}")


@dataclass
class SyncContext:
    kube: KubeClient
    client: TempsClient
    runner: LoopRunner
    record: EventRecorder
    body: Manifest

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(coro)

    def delete(self, coro: Coroutine[Any, Any, None]) -> None:
        """A remote delete; already gone counts as done."""
        with contextlib.suppress(NotFound):
            self.runner.run(coro)

    @property
    def meta(self) -> Mapping[str, Any]:
        return self.body["metadata"]  # type: ignore[no-any-return]

    @property
    def status(self) -> Mapping[str, Any]:
        return self.body.get("status") or {}

    @property
    def spec_changed(self) -> bool:
        """The user changed the spec since the last reconcile (otherwise a difference is drift)."""
        return self.status.get("observedGeneration") != self.meta.get("generation")

    def annotation(self, key: str) -> str | None:
        return (self.meta.get("annotations") or {}).get(key)

    def changed(self, what: str, field: str, created: bool = False) -> None:
        """An Event for a remote change: creation, adoption, a spec change, or a corrected drift."""
        if created:
            self.record(self.body, "Normal", "Created", f"created {what}")
        elif self.spec_changed:
            self.record(self.body, "Normal", "Updated", f"updated {what}: {field}")
        else:
            self.record(self.body, "Normal", "DriftCorrected",
                        f"{what}: {field} was changed outside Kubernetes; restored")

    def find(self, id_field: str, by_id: Callable[[int], Coroutine[Any, Any, T | None]],
             by_key: Callable[[], Coroutine[Any, Any, T | None]],
             describe: Callable[[T], str] | None = None,
             claim: Callable[[T], None] | None = None) -> T | None:
        """The remote twin: by the id in status, then by its slug or name, which adopts one created before a
        crash (or by hand) instead of creating a duplicate. ``claim`` vets a twin found by slug or name before
        it is used; ``describe`` names it in the Adopted Event."""
        known = self.status.get(id_field)
        found = self.call(by_id(int(known))) if known is not None else None
        if found is None:
            found = self.call(by_key())
            if found is not None and claim is not None:
                claim(found)
            if found is not None and known is None and describe is not None:
                self.adopted(describe(found))
        return found

    def delete_twin(self, id_field: str, by_id: Callable[[int], Coroutine[Any, Any, T | None]],
                    by_key: Callable[[], Coroutine[Any, Any, T | None]], claim: Callable[[T], None],
                    delete: Callable[[T], Coroutine[Any, Any, None]]) -> None:
        """Delete the twin found by id or slug, including one created just before a crash; a twin another
        resource owns is not this one's to delete."""
        try:
            found = self.find(id_field, by_id, by_key, claim=claim)
        except SpecError:
            return
        if found is not None:
            self.delete(delete(found))

    def unclaimed(self, rtype: ResourceType, id_field: str, remote_id: int, field: str) -> None:
        """Refuse a twin found by slug that another resource already owns: two resources whose default slugs
        collide (``a-b/c`` and ``a/b-c``) must not share, update or delete one Temps object."""
        for obj in self.kube.list(rtype, None):
            if obj["metadata"]["uid"] != self.meta["uid"] and (obj.get("status") or {}).get(id_field) == remote_id:
                owner = f"{obj['metadata']['namespace']}/{obj['metadata']['name']}"
                raise SpecError(field, f"the Temps object it names (id {remote_id}) belongs to {rtype.kind} {owner}; "
                                "choose another slug")

    def adopted(self, what: str) -> None:
        self.record(self.body, "Normal", "Adopted", f"adopted existing {what}")
