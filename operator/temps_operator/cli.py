"""``temps-operator``: run the operator, render manifests offline, write the CRDs."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from . import __version__
from .crds import to_yaml, write_all
from .direct.render import render_environment
from .effective import resolve
from .errors import SpecError
from .kube import Manifest
from .settings import Settings


def _settings(args: argparse.Namespace, names: Iterable[str]) -> Settings:
    """Flags given on the command line override TEMPS_OPERATOR_* variables."""
    overrides = {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}
    return Settings(**overrides)


def cmd_run(args: argparse.Namespace) -> int:
    import kopf

    from .handlers import build_registry

    settings = _settings(args, (
        "namespaces", "resync_interval", "health_port", "metrics_port", "log_format", "log_level",
        "ingress_class", "tls_issuer", "default_connection",
    ))
    kopf.configure(
        verbose=settings.log_level == "DEBUG", quiet=settings.log_level in ("WARNING", "ERROR"),
        log_format=kopf.LogFormat.JSON if settings.log_format == "json" else kopf.LogFormat.FULL,
    )
    liveness = f"http://0.0.0.0:{settings.health_port}/healthz" if settings.health_port else None
    asyncio.run(kopf.operator(
        registry=build_registry(settings),
        clusterwide=not settings.namespaces,
        namespaces=settings.namespaces,
        standalone=True,
        liveness_endpoint=liveness,
    ))
    return 0


def load_manifests(paths: Sequence[Path]) -> list[Manifest]:
    docs: list[Manifest] = []
    for path in paths:
        text = sys.stdin.read() if str(path) == "-" else path.read_text()
        docs.extend(doc for doc in yaml.safe_load_all(text) if isinstance(doc, dict))
    return docs


def render_offline(docs: Sequence[Manifest], settings: Settings) -> list[Manifest]:
    """What Direct mode would apply for these manifests, with no cluster: Secrets are not read."""
    def key(doc: Manifest) -> tuple[str, str]:
        meta = doc.setdefault("metadata", {})
        meta.setdefault("namespace", "default")
        return meta["namespace"], meta.get("name", "")

    projects = {key(d): d for d in docs if d.get("kind") == "TempsProject"}
    out: list[Manifest] = []
    for doc in docs:
        if doc.get("kind") != "TempsEnvironment":
            continue
        namespace, name = key(doc)
        project_name = ((doc.get("spec") or {}).get("projectRef") or {}).get("name", "")
        project = projects.get((namespace, project_name))
        if project is None:
            raise SpecError(f"TempsEnvironment {namespace}/{name}: spec.projectRef.name",
                            f"TempsProject {project_name!r} is not among the given manifests")
        env = resolve(doc, project)
        if env.image is None:
            raise SpecError(f"TempsEnvironment {namespace}/{name}: spec.image",
                            "no image on the environment nor on its project")
        out.extend(render_environment(env, settings))
    return out


def cmd_render(args: argparse.Namespace) -> int:
    settings = _settings(args, ("ingress_class", "tls_issuer"))
    try:
        rendered = render_offline(load_manifests(args.files), settings)
    except SpecError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    sys.stdout.write("---\n".join(to_yaml(m) for m in rendered))
    return 0


def cmd_crds(args: argparse.Namespace) -> int:
    for path in write_all(args.output_dir):
        print(path)
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="temps-operator", description=__doc__)
    root.add_argument("--version", action="version", version=f"temps-operator {__version__}")
    sub = root.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the operator against the current kubeconfig or in-cluster config")
    run.add_argument("-n", "--namespace", dest="namespaces", action="append", metavar="NS",
                     help="watch this namespace (repeatable); all namespaces when omitted")
    run.add_argument("--resync-interval", type=float, metavar="SECONDS", help="seconds between resyncs")
    run.add_argument("--health-port", type=int, help="port of /healthz (0 disables)")
    run.add_argument("--metrics-port", type=int, help="port of /metrics (0 disables)")
    run.add_argument("--log-format", choices=["text", "json"])
    run.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    run.add_argument("--default-connection", metavar="NAME",
                     help="TempsConnection for resources that name none (Temps mode); Direct mode when unset")
    run.set_defaults(func=cmd_run)

    render = sub.add_parser("render", help="print, as YAML, the objects Direct mode would apply (offline)")
    render.add_argument("files", nargs="+", type=Path, metavar="FILE", help="manifests; - for stdin")
    render.set_defaults(func=cmd_render)

    for command in (run, render):
        command.add_argument("--ingress-class", help="ingressClassName of rendered Ingresses")
        command.add_argument("--tls-issuer", help="cert-manager ClusterIssuer for Ingress TLS")

    crds = sub.add_parser("crds", help="write the CRDs generated from the models")
    crds.add_argument("--output-dir", type=Path, default=Path("crds"))
    crds.set_defaults(func=cmd_crds)

    version = sub.add_parser("version", help="print the version")
    version.set_defaults(func=lambda _: print(f"temps-operator {__version__}") or 0)
    return root


def main(argv: Sequence[str] | None = None) -> Any:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
