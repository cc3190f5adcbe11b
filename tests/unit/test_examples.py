"""Every shipped example parses with the models that generate the CRDs (CEL rules are checked in the cluster tier)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from temps_operator.models import KINDS

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SPECS = {kind.kind: kind.spec for kind in KINDS}


@pytest.mark.parametrize("path", sorted(EXAMPLES.rglob("*.yaml")), ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_example_specs_are_valid(path: Path) -> None:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    assert docs
    for doc in docs:
        if doc["apiVersion"].startswith("temps.sh/"):
            SPECS[doc["kind"]].model_validate(doc["spec"])
