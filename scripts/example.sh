#!/usr/bin/env bash
# The main job, locally: build examples/debian and publish it to ./images with the bundled CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/base-image.sh debian:bookworm
node dist/cli.js --context examples/debian --os-name debian --os-version 12 --destination ./images "$@"
