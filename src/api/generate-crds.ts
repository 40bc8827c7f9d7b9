/**
 * Writes `crds/<plural>.mcp-gitops.dev.yaml` for both kinds from the zod schemas.
 * Run: `npm run generate:crds` (or `node src/api/generate-crds.ts [OUT_DIR]`; OUT_DIR defaults to
 * the repository's `crds/`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRDS, crdFileName, renderCrd } from './crd.ts';

/** The repository's `crds/` directory. */
export const CRD_DIR = resolve(fileURLToPath(new URL('../../crds', import.meta.url)));

/** Writes every CRD into `dir`; returns the paths written. */
export function writeCrds(dir: string = CRD_DIR): string[] {
  mkdirSync(dir, { recursive: true });
  return CRDS.map((source) => {
    const path = join(dir, crdFileName(source));
    writeFileSync(path, renderCrd(source));
    return path;
  });
}

if (import.meta.main) {
  for (const path of writeCrds(process.argv[2] ?? CRD_DIR)) console.log(`wrote ${path}`);
}
