#!/usr/bin/env bash
# Installs a pinned IBM ContextForge (`mcp-contextforge-gateway` from PyPI) into a venv, for the
# tests and benchmarks that reconcile into a real ContextForge, and prints the venv as the LAST line
# of stdout:
#
#   export MCP_GITOPS_CONTEXTFORGE="$(hack/build-contextforge.sh | tail -n1)"
#   "$MCP_GITOPS_CONTEXTFORGE/bin/mcpgateway" --host 127.0.0.1 --port 4444
#
# * The version is pinned in hack/contextforge/requirements.txt; every transitive dependency is
#   pinned in hack/contextforge/constraints.txt (a `pip freeze` of a good install), so two installs
#   get the same packages. To move to another release: change requirements.txt, install without
#   constraints into a scratch venv, `pip freeze --exclude-editable > constraints.txt`, run the tests.
# * Cached in ${MCP_GITOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-gitops}/contextforge/<hash of
#   the pins and the Python version>/: a second run with the same pins only prints the directory.
# * Needs python3 >= 3.11 with venv (1.0.7.post20260921 runs on 3.11; newer releases may need newer).
#   Set PYTHON to choose the interpreter.
set -euo pipefail

log() { printf '[build-contextforge] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/hack/contextforge"
CACHE="${MCP_GITOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-gitops}"
# shellcheck source=lib/cached-build.sh
source "$ROOT/hack/lib/cached-build.sh"
PY="${PYTHON:-python3}"

command -v "$PY" >/dev/null || die "$PY is not on PATH (Python >= 3.11 is needed for ContextForge)"
"$PY" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || die "$PY is older than 3.11 or has no venv module"

hash="$(cat "$SRC/requirements.txt" "$SRC/constraints.txt" <("$PY" -c 'import sys; print(sys.version)') | sha256sum | cut -c1-16)"
OUT="$CACHE/contextforge/$hash"

usable() { # $1 = venv
  [ -f "$1/.done" ] && [ -x "$1/bin/python" ] && [ -x "$1/bin/mcpgateway" ] || return 1
  # find_spec, not import: importing mcpgateway's settings refuses to run without real secrets.
  "$1/bin/python" -c 'import importlib.util as u, sys; sys.exit(0 if u.find_spec("mcpgateway.utils.create_jwt_token") else 1)' 2>/dev/null || return 1
}

cached_build_begin contextforge "$OUT"

# Built in place: a venv records its own path.
"$PY" -m venv "$OUT"
log "installing $(grep -v '^#' "$SRC/requirements.txt" | tr '\n' ' ')from PyPI into $OUT (a few minutes the first time)"
"$OUT/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: \
  -r "$SRC/requirements.txt" -c "$SRC/constraints.txt" >&2
"$OUT/bin/python" -m pip check >&2 || die "the pins in hack/contextforge/constraints.txt do not fit together"
cached_build_done "$OUT"
