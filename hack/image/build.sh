#!/usr/bin/env bash
# Builds the project's image from the unchanged Dockerfile with podman, on the local bases of
# hack/image/build-base.sh, with layers cached in the project's test cache. Writes the SBOM (npm and
# Debian contents) to test-output/image/sbom.cdx.json and prints the image reference last.
#
#   hack/image/build.sh            # localhost/mcp-gitops:<version>, also tagged as manifests/ name it
#
# Root only (rootful podman, runc). The image's name is the one manifests/kustomization.yaml sets,
# tagged with package.json's version, so `kubectl apply -k manifests/` pulls exactly this build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source hack/image/env.sh
PATH="$(hack/ensure-node.sh):$PATH"

version=$(node -p 'require("./package.json").version')
name=$(node -e '
  const y = require("yaml"); const k = y.parse(require("fs").readFileSync("manifests/kustomization.yaml", "utf8"));
  console.log(k.images[0].name)')
ref="$name:$version"
mapfile -t bases < <(hack/image/build-base.sh)
runtime_base=${bases[0]} build_base=${bases[1]}

ca_args=()
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  # A TLS-inspecting proxy between npm and its registry: the same CA file inside the build.
  ca_args=(--volume "$NODE_EXTRA_CA_CERTS:/etc/mcp-gitops-build-ca.pem:ro" --build-arg NODE_EXTRA_CA_CERTS=/etc/mcp-gitops-build-ca.pem)
fi

start=$(date +%s)
# chroot isolation: RUN steps need no OCI runtime, cgroups nor network namespace (host network).
podman_ build --quiet --isolation chroot --layers \
  --build-arg NODE_IMAGE="$build_base" --build-arg RUNTIME_IMAGE="$runtime_base" "${ca_args[@]}" \
  --tag "$ref" --file Dockerfile . >/dev/null
took=$(( $(date +%s) - start ))

mkdir -p test-output/image
hack/image/sbom.sh "$ref" >test-output/image/sbom.cdx.json
size=$(podman_ image inspect --format '{{.Size}}' "$ref")
printf 'image %s: %s MB, built in %ss (base %s)\n' "$ref" "$(( size / 1000000 ))" "$took" "$runtime_base" >&2
echo "$ref"
