#!/usr/bin/env bash
# Installs the MCP servers no one here wrote that the tests run as real upstreams, and prints the
# directory holding them as the LAST line of stdout:
#
#   export MCP_GITOPS_TEST_UPSTREAMS="$(hack/build-test-upstreams.sh | tail -n1)"
#
#   <dir>/python-mcp1/bin/python   a venv with mcp 1.x from PyPI (hack/upstreams/python/requirements-mcp1.txt)
#   <dir>/python-mcp2/bin/python   a venv with mcp 2.x from PyPI (hack/upstreams/python/requirements-mcp2.txt)
#   <dir>/mcp-go-upstream          hack/upstreams/go built with the Go SDK from the Go module proxy
#
# The servers themselves are hack/upstreams/python/server.py and hack/upstreams/go/main.go.
# * Cached in ${MCP_GITOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-gitops}/test-upstreams/<hash of
#   the lock files and sources>/: a second run with the same pins only prints the directory.
# * Needs python3 (>= 3.10, with venv) and go (>= 1.25) on PATH; pip reaches PyPI, go the module proxy.
set -euo pipefail

log() { printf '[build-test-upstreams] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/hack/upstreams"
CACHE="${MCP_GITOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-gitops}"
# shellcheck source=lib/cached-build.sh
source "$ROOT/hack/lib/cached-build.sh"
PY="${PYTHON:-python3}"

command -v "$PY" >/dev/null || die "$PY is not on PATH (Python >= 3.10 is needed for the mcp package)"
command -v go >/dev/null || die "go is not on PATH (Go >= 1.25 is needed for the Go SDK)"
"$PY" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || die "$PY is older than 3.10 or has no venv module"

hash="$(cat "$SRC/python/requirements-mcp1.txt" "$SRC/python/requirements-mcp2.txt" "$SRC/go/go.mod" "$SRC/go/go.sum" "$SRC/go/main.go" \
  <("$PY" -c 'import sys; print(sys.version)') <(go env GOVERSION) | sha256sum | cut -c1-16)"
OUT="$CACHE/test-upstreams/$hash"

usable() { # $1 = dir
  [ -f "$1/.done" ] && [ -x "$1/python-mcp1/bin/python" ] && [ -x "$1/python-mcp2/bin/python" ] && [ -x "$1/mcp-go-upstream" ] || return 1
  "$1/python-mcp1/bin/python" -c 'import mcp.server.fastmcp' 2>/dev/null || return 1
  "$1/python-mcp2/bin/python" -c 'import mcp.server.mcpserver' 2>/dev/null || return 1
}

cached_build_begin test-upstreams "$OUT"

# Built in place: venvs record their own path.
mkdir -p "$OUT"
for line in mcp1 mcp2; do
  log "installing $(grep '^mcp==' "$SRC/python/requirements-$line.txt") from PyPI into a venv"
  "$PY" -m venv "$OUT/python-$line"
  "$OUT/python-$line/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    -r "$SRC/python/requirements-$line.txt" >&2
  "$OUT/python-$line/bin/python" -m pip check >&2 || die "the pins in requirements-$line.txt do not fit together"
done
log "building hack/upstreams/go with $(go env GOVERSION)"
(cd "$SRC/go" && GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0 go build -trimpath -o "$OUT/mcp-go-upstream" .) >&2
cached_build_done "$OUT"
