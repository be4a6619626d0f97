#!/usr/bin/env bash
# README command one: set up this machine and start a cluster in the foreground.
# Extra arguments go to `python -m minikube_py server` (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m minikube_py server "$@"
