"""TempsService: Temps mode syncs it to /external-services; Direct mode (a StatefulSet) is not built yet."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..effective import parse_spec
from ..kube import TEMPS_SERVICE, Manifest, ResourceType
from ..models import TempsServiceSpec
from ..status import Outcome, Verdict
from ..temps.sync.context import SyncContext
from ..temps.sync.service import delete_service, sync_service
from .base import Reconciler


@dataclass
class ServiceReconciler(Reconciler):
    rtype: ResourceType = field(init=False, default=TEMPS_SERVICE)

    def observe(self, body: Manifest) -> Outcome:
        spec = parse_spec(TempsServiceSpec, body)
        connection = self.connections.choose(spec.connection_ref.name if spec.connection_ref else None)
        if connection is None:
            return Outcome(Verdict("stalled", "DirectModeUnsupported",
                                   "spec.connectionRef: Direct-mode services are not supported yet; "
                                   "set a TempsConnection"), {"mode": "Direct"})
        outcome = sync_service(self.context(connection, body), spec)
        outcome.fields["connection"] = connection
        return outcome

    def delete_remote(self, ctx: SyncContext) -> None:
        delete_service(ctx, parse_spec(TempsServiceSpec, ctx.body))

    def connection_of(self, body: Manifest) -> str | None:
        ref = (body.get("spec") or {}).get("connectionRef") or {}
        return self.connections.choose(ref.get("name"))
