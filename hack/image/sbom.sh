#!/usr/bin/env bash
# Prints one CycloneDX 1.5 SBOM of an image built by hack/image/build.sh: the npm packages the
# bundle was built from (npm sbom, written into the image at build time) and the base image's
# Debian packages and Node.js (its /usr/share/mcp-gitops/base-packages.tsv, or dpkg's status file
# on a Debian-based public base).
# Usage: hack/image/sbom.sh IMAGE_REF
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source hack/image/env.sh
PATH="$(hack/ensure-node.sh):$PATH"
ref=$1
work=$(mktemp -d)
ctr=$(podman_ create "$ref")
trap 'podman_ rm -f "$ctr" >/dev/null; rm -rf "$work"' EXIT
podman_ cp "$ctr:/app/dist/sbom.npm.cdx.json" "$work/npm.json"
podman_ cp "$ctr:/usr/share/mcp-gitops/base-packages.tsv" "$work/base.tsv" 2>/dev/null \
  || podman_ cp "$ctr:/var/lib/dpkg/status" "$work/dpkg-status" 2>/dev/null || true
node hack/image/merge-sbom.mjs "$work" "$ref"
