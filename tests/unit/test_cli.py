"""The CLI: offline render of the examples, CRD output, version."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from temps_operator import __version__
from temps_operator.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_render_examples_offline(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", *map(str, sorted(EXAMPLES.glob("*.yaml"))), "--ingress-class", "nginx"]) == 0
    docs = list(yaml.safe_load_all(capsys.readouterr().out))
    kinds = sorted((d["kind"], d["metadata"]["name"]) for d in docs)
    assert kinds == sorted([(k, n) for n in ("web-production", "web-staging")
                            for k in ("Deployment", "Service", "Ingress")])
    staging = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "web-staging")
    container = staging["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "ghcr.io/acme/web:1.5.0-rc.1"
    assert {"name": "LOG_LEVEL", "value": "debug"} in container["env"]
    assert all(d["spec"]["ingressClassName"] == "nginx" for d in docs if d["kind"] == "Ingress")
    assert "change-me" not in yaml.safe_dump_all(docs), "render must not read Secret values"


def test_render_reports_missing_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lonely = tmp_path / "env.yaml"
    lonely.write_text((EXAMPLES / "03-production.yaml").read_text())
    assert main(["render", str(lonely)]) == 1
    assert "spec.projectRef.name" in capsys.readouterr().err


def test_crds_command_writes_files(tmp_path: Path) -> None:
    assert main(["crds", "--output-dir", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "temps.sh_tempsconnections.yaml", "temps.sh_tempsenvironments.yaml", "temps.sh_tempsmonitors.yaml",
        "temps.sh_tempsprojects.yaml", "temps.sh_tempsservices.yaml",
    ]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert __version__ in capsys.readouterr().out
