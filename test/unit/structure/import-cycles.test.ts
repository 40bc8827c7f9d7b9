// The module structure rules of issue 9: no import cycle in src/ (type-only imports count too), and
// only the CLI entry imports the CLI. A new cycle fails here with the files it ties together.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph } from '../../support/import-graph.ts';

const SRC = join(import.meta.dirname, '../../../src');

describe('the import graph of src/', () => {
  const graph = importGraph(SRC);

  it('has no cycle, type-only imports included', () => {
    const cycles = importCycles(graph).map((c) => c.example.join(' -> '));
    expect(cycles).toEqual([]);
  });

  it('has nothing but src/cli.ts import cli/ (dev/, proxy/, operator/ are libraries the CLI uses)', () => {
    const offenders = [...graph].flatMap(([file, imports]) => (file.startsWith('cli/') || file === 'cli.ts' ? [] : imports.filter((i) => i.startsWith('cli/')).map((i) => `${file} -> ${i}`)));
    expect(offenders).toEqual([]);
  });

  it('reads enough of the tree to mean something', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('proxy/runtime.ts')).toContain('proxy/options.ts');
  });
});

describe('the cycle finder', () => {
  it('finds a cycle made of type-only imports, re-exports and dynamic imports', () => {
    const root = mkdtempSync(join(tmpdir(), 'import-graph-'));
    mkdirSync(join(root, 'a'));
    writeFileSync(join(root, 'a/one.ts'), "import type { Two } from './two.ts';\nexport type One = Two;\n");
    writeFileSync(join(root, 'a/two.ts'), "export { three } from '../three.ts';\nexport type Two = string;\n");
    writeFileSync(join(root, 'three.ts'), "export const three = () => import('./a/one.ts');\n");
    writeFileSync(join(root, 'alone.ts'), "import { three } from './three.ts';\nexport const x = three;\n");
    expect(importCycles(importGraph(root))).toEqual([
      { files: ['a/one.ts', 'a/two.ts', 'three.ts'], example: ['a/one.ts', 'a/two.ts', 'three.ts', 'a/one.ts'] },
    ]);
  });
});
