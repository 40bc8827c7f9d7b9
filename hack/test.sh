#!/usr/bin/env bash
# The whole test suite, from a fresh clone (after `npm ci`): Node 24, the test control plane
# (kube-apiserver, etcd, kubectl built from Go modules and cached), the MCP servers on other SDKs
# (Python mcp from PyPI, the Go SDK; hack/build-test-upstreams.sh, cached), ContextForge from PyPI
# (hack/build-contextforge.sh, cached), the type check, then vitest.
# Extra arguments go to vitest (e.g. `npm test -- test/unit`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PATH="$(hack/ensure-node.sh):$PATH"
export PATH
echo "node $(node --version)"
if [ -z "${KUBEBUILDER_ASSETS:-}" ]; then
  KUBEBUILDER_ASSETS="$(hack/build-control-plane.sh | tail -n 1)"
fi
export KUBEBUILDER_ASSETS
echo "control plane: $KUBEBUILDER_ASSETS"
hack/ensure-test-tools.sh
# The container image the manifests deploy, built from the Dockerfile with podman (cached layers:
# seconds when nothing changed); test/integration/image/ runs it.
hack/image/build.sh >/dev/null
if [ -z "${MCP_GITOPS_TEST_UPSTREAMS:-}" ]; then
  MCP_GITOPS_TEST_UPSTREAMS="$(hack/build-test-upstreams.sh | tail -n 1)"
fi
export MCP_GITOPS_TEST_UPSTREAMS
echo "test upstreams (Python mcp 1.x/2.x, Go SDK): $MCP_GITOPS_TEST_UPSTREAMS"
# IBM ContextForge from PyPI, pinned (hack/contextforge/), for the ContextForge target's tests.
if [ -z "${MCP_GITOPS_CONTEXTFORGE:-}" ]; then
  MCP_GITOPS_CONTEXTFORGE="$(hack/build-contextforge.sh | tail -n 1)"
fi
export MCP_GITOPS_CONTEXTFORGE
echo "ContextForge: $MCP_GITOPS_CONTEXTFORGE"
npx tsc -p tsconfig.json --noEmit
mkdir -p test-output
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json=test-output/vitest.json "$@"
code=$?
set -e
# One plain closing line for any reader of the log ("Tests: N passed, N failed, N skipped"); a skipped
# test fails the run unless MCP_GITOPS_ALLOW_SKIPS=1 (hack/check-skipped.mjs says why).
skips=0
node hack/check-skipped.mjs test-output/vitest.json "$@" || skips=$?
[ "$code" -ne 0 ] && exit $code
exit $skips
