#!/usr/bin/env bash
# One command on a fresh machine: install minqing, build the demo region, serve it on http://127.0.0.1:8000/
set -euo pipefail
cd "$(dirname "$0")"
scripts/install.sh
exec .venv/bin/minqing demo "$@"
