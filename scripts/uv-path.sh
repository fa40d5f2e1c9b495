#!/usr/bin/env bash
# Prints the uv to use: the one on PATH, else the project's own copy that scripts/setup.sh installs.
cd "$(dirname "$0")/.."
command -v uv 2>/dev/null || echo "$PWD/.tools/bin/uv"
