// Prints a CycloneDX 1.5 SBOM of the npm packages an esbuild bundle was made from: every package
// with at least one file among the metafile's inputs, with its name, version, license and purl.
// This lists what the image really carries (the bundle), not what package.json declares.
// Usage: node hack/image/bundle-sbom.mjs META.json   (esbuild --metafile=META.json)
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

const meta = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const app = JSON.parse(readFileSync('package.json', 'utf8'));

/** The package directory of a bundled file: up to the last node_modules/<name> or <@scope/name>. */
function packageDir(input) {
  const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  return m?.[1];
}

const dirs = new Set(Object.keys(meta.inputs).map(packageDir).filter(Boolean));
const byRef = new Map();
for (const dir of dirs) {
  const pkg = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8'));
  const purl = `pkg:npm/${pkg.name.replace(/^@/, '%40')}@${pkg.version}`;
  const license = typeof pkg.license === 'string' ? [{ expression: pkg.license }] : undefined;
  byRef.set(purl, { type: 'library', 'bom-ref': purl, name: pkg.name, version: pkg.version, purl, ...(license && { licenses: license }) });
}
const bom = {
  bomFormat: 'CycloneDX',
  specVersion: '1.5',
  serialNumber: `urn:uuid:${randomUUID()}`,
  version: 1,
  metadata: {
    timestamp: new Date().toISOString(),
    component: { type: 'application', 'bom-ref': `pkg:npm/${app.name}@${app.version}`, name: app.name, version: app.version, purl: `pkg:npm/${app.name}@${app.version}` },
  },
  components: [...byRef.values()].sort((a, b) => a.name.localeCompare(b.name)),
};
process.stdout.write(`${JSON.stringify(bom, null, 2)}\n`);
