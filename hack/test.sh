#!/usr/bin/env bash
# The whole test suite, from a fresh clone (after `npm ci`): Node 24, the test control plane
# (kube-apiserver, etcd, kubectl built from Go modules and cached), the type check, then vitest.
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
npx tsc -p tsconfig.json --noEmit
npx vitest run "$@"
