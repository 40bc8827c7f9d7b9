// The operator's memory budget (issue 12 item 3, docs/operator.md "Memory"): ≤ 80 MiB idle. Importing
// @kubernetes/client-node alone takes a bare node from 44 to 124 MiB, so neither the operator nor the
// proxy may load it at run time (type-only imports are fine: they vanish); the operator does not load
// the npm undici either (+17 MiB with its WebAssembly parser; node's own http client is in the binary),
// and a pod (in-cluster access) does not load the kubeconfig parser or its YAML library. The check runs
// the real entry points in a child node and lists every module it loads. The image's bundle must be
// ASCII: one non-ASCII character makes node hold the whole 3.5 MB source as UTF-16
// (7 MB of heap in every process).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

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

  it('the image’s bundle (build:bundle) is ASCII, so node keeps its source one byte per character', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
    try {
      const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['build:bundle']!;
      execFileSync('sh', ['-c', script.replace(/--outfile=\S+/, `--outfile=${join(dir, 'cli.js')}`)], { cwd: ROOT, env: { ...process.env, PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH}` } });
      const bundle = readFileSync(join(dir, 'cli.js'));
      const offsets = bundle.reduce<number[]>((at, byte, i) => (byte > 0x7f && at.length < 3 ? [...at, i] : at), []);
      expect(offsets.map((i) => bundle.subarray(Math.max(0, i - 60), i + 20).toString('utf8'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
