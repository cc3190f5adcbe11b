#!/usr/bin/env bash
# Idempotent set-up on a fresh machine: a virtualenv with the operator and its test tools, and the local
# control plane's binaries (built from Go modules into a cache outside the repository).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  "$python" -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)
if [[ ! -f "$stamp" ]]; then
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -e '.[test]'
  rm -f .venv/.installed-* && touch "$stamp"
fi
if ! command -v openssl >/dev/null; then
  apt-get update -qq && apt-get install -y -qq openssl
fi
command -v go >/dev/null || { echo "go is required to build the local control plane" >&2; exit 1; }
bash hack/build-controlplane.sh >/dev/null
