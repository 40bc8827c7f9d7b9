// The operator's memory budget (issue 12 item 3, docs/operator.md "Memory"): ≤ 80 MiB idle. Importing
// @kubernetes/client-node alone takes a bare node from 44 to 124 MiB, so neither the operator nor the
// proxy may load it at run time (type-only imports are fine: they vanish); the operator does not load
// the npm undici either (+17 MiB with its WebAssembly parser; node's own http client is in the binary),
// and a pod (in-cluster access) does not load the kubeconfig parser or its YAML library. The check runs
// the real entry points in a child node and lists every module it loads. The image's bundle must be
// ASCII: one non-ASCII character makes node hold a whole file's source as UTF-16 (7 MB of heap in
// every process when it was one 3.5 MB file). It is split by command, so the operator does not parse
// the proxy's code (−3 MiB RSS idle, docs/operator.md "Memory limits").
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../../support/bundle.ts';

const ROOT = join(import.meta.dirname, '../../..');

/** Packages (node_modules/<name>) and src/ files a fresh node loads when it imports `entries`. */
function loadedBy(entries: string[]): { packages: string[]; sources: string[] } {
  const code = `
    import { registerHooks } from 'node:module';
    const seen = new Set();
    registerHooks({ load(url, context, next) { seen.add(url); return next(url, context); } });
    for (const e of ${JSON.stringify(entries)}) await import(e);
    process.stdout.write(JSON.stringify([...seen]));
  `;
  const urls = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' })) as string[];
  const packages = new Set<string>();
  const sources = new Set<string>();
  for (const u of urls) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1];
    if (pkg) packages.add(pkg);
    else if (u.startsWith(`file://${ROOT}/src/`)) sources.add(u.slice(`file://${ROOT}/`.length));
  }
  return { packages: [...packages].sort(), sources: [...sources].sort() };
}

describe('what the operator and the proxy load at start-up', () => {
  it('the operator command loads neither @kubernetes/client-node nor the kubeconfig parser and YAML', () => {
    const { packages, sources } = loadedBy(['./src/cli/operator-command.ts']);
    expect(sources).toContain('src/kube/client.ts'); // the check sees the Kubernetes client it means
    expect(sources).toContain('src/operator/run.ts');
    expect(packages).not.toContain('@kubernetes/client-node');
    expect(packages).not.toContain('undici');
    expect(packages).not.toContain('yaml');
    expect(sources).not.toContain('src/kube/kubeconfig.ts');
  });

  it('the proxy command does not load @kubernetes/client-node (its token vault shares src/kube/client.ts)', () => {
    const { packages, sources } = loadedBy(['./src/cli/proxy-command.ts']);
    expect(sources).toContain('src/vault/open-vault.ts');
    expect(packages).not.toContain('@kubernetes/client-node');
  });

  describe('the image’s bundle (build:bundle)', () => {
    let dir: string;
    let meta: Metafile;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'bundle-'));
      buildBundle(ROOT, join(dir, 'dist'), { metafile: join(dir, 'meta.json') });
      meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Metafile;
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('is ASCII, so node keeps its source one byte per character', () => {
      const files = readdirSync(join(dir, 'dist')).filter((f) => f.endsWith('.js'));
      expect(files).toContain('cli.js');
      for (const file of files) {
        const code = readFileSync(join(dir, 'dist', file));
        const offsets = code.reduce<number[]>((at, byte, i) => (byte > 0x7f && at.length < 3 ? [...at, i] : at), []);
        expect(offsets.map((i) => code.subarray(Math.max(0, i - 60), i + 20).toString('utf8')), file).toEqual([]);
      }
    });

    it('is split by command: the operator loads its own code, not the proxy’s MCP SDK, undici or OAuth client', () => {
      const entry = Object.keys(meta.outputs).find((o) => /\/operator-command-[^/]+\.js$/.test(o));
      expect(entry, 'the operator command is a chunk of its own').toBeDefined();
      const loaded = staticClosure(meta, entry!);
      const inputs = loaded.flatMap((o) => Object.keys(meta.outputs[o]!.inputs));
      expect(inputs.filter((i) => /node_modules\/(@modelcontextprotocol|undici|openid-client|oidc-token-hash|jose)\//.test(i))).toEqual([]);
      const bytes = (outputs: string[]) => outputs.reduce((sum, o) => sum + meta.outputs[o]!.bytes, 0);
      const all = Object.keys(meta.outputs).filter((o) => o.endsWith('.js'));
      expect(bytes(loaded) / bytes(all)).toBeLessThan(0.4); // 0.28 when written
    });
  });
});

interface Metafile {
  outputs: Record<string, { bytes: number; inputs: Record<string, unknown>; imports: Array<{ path: string; kind: string; external?: boolean }> }>;
}

/** The output files node loads when it imports `entry`: its static imports, transitively (dynamic imports load later, if ever). */
function staticClosure(meta: Metafile, entry: string): string[] {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const output = todo.pop()!;
    if (seen.has(output)) continue;
    seen.add(output);
    for (const i of meta.outputs[output]!.imports) if (i.kind === 'import-statement' && !i.external) todo.push(i.path);
  }
  return [...seen];
}
