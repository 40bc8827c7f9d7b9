/**
 * Stored tokens at scale, against a real kube-apiserver: `users` × `gateways` token Secrets are
 * written through the vault, then a separate process — the proxy's token vault as the proxy opens
 * it (`openTokenVault`, Secret backend, default read cache) and nothing else, so its RSS is the
 * vault's — looks every token up once, then measures:
 *
 * - RSS growth over the empty vault after every token was looked up (the vault keeps no Secret
 *   cache or informer: each lookup is one GET, remembered for its read-cache time, 10,000 at most);
 * - a warm lookup (a token looked up moments ago: the read cache), p50;
 * - a lookup that reaches the API server (read cache off: one GET of one Secret), p50.
 *
 * Then the same again in a second process whose kube client reuses one connection pool
 * (`pooled`): @kubernetes/client-node 2.0.1 builds a new undici Agent — a new TLS connection — for
 * every request, which is what the first figures pay.
 *
 *   node tokens.ts <kubeconfig> <namespace> <keyFile> <users> <gateways>   (the measuring child)
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeClient } from '../../../src/kube/client.ts';
import { startControlPlane } from '../../support/control-plane.ts';
import { EncryptedTokenVault, Keyring, SecretRecordStore, writeKeyringFile, openTokenVault, type TokenRef } from '../../../src/vault/index.ts';
import { percentile } from './stats.ts';

const NAMESPACE = 'mcp-gitops';
const refOf = (u: number, g: number): TokenRef => ({ namespace: 'team', gatewayId: `gw-${g}`, user: `user-${u}@example.com` });

export interface TokenResult {
  tokens: number;
  /** The same measurements with one pooled kube client connection pool. */
  pooled?: Omit<TokenResult, 'pooled' | 'tokens' | 'writeSeconds'>;
  rssEmpty: number;
  rssGrowth: number;
  heapGrowth: number;
  warmP50Ms: number;
  apiServerP50Ms: number;
  writeSeconds: number;
}

export async function measureTokens(users: number, gateways: number, log: (m: string) => void): Promise<TokenResult> {
  const cp = await startControlPlane({ startTimeoutMs: 240_000 });
  const dir = await mkdtemp(join(tmpdir(), 'scale-tokens-'));
  try {
    await cp.kubectl(['create', 'namespace', NAMESPACE], { check: true });
    const keyFile = join(dir, 'keys.json');
    const keyring = Keyring.generate();
    await writeKeyringFile(keyFile, keyring);
    const vault = new EncryptedTokenVault({ store: new SecretRecordStore({ kube: await KubeClient.connect(cp.kubeconfigPath), secretNamespace: NAMESPACE }), keyring });
    const t0 = performance.now();
    const all = users * gateways;
    let next = 0;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (next < all) {
        const i = next++;
        await vault.put(refOf(Math.floor(i / gateways), i % gateways), { accessToken: `at-${i}-${'x'.repeat(600)}`, refreshToken: `rt-${i}-${'y'.repeat(100)}`, expiresAt: Date.now() + 3600_000, obtainedAt: Date.now() });
        if (i % 5000 === 0) log(`tokens: ${i}/${all} written`);
      }
    }));
    const writeSeconds = (performance.now() - t0) / 1000;
    const measure = async (pooled: boolean) => {
      const child = fork(fileURLToPath(import.meta.url), [cp.kubeconfigPath, NAMESPACE, keyFile, String(users), String(gateways), pooled ? 'pooled' : 'as-is'], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const result = await new Promise<Omit<TokenResult, 'writeSeconds' | 'tokens' | 'pooled'>>((resolve, reject) => {
        child.once('message', (m) => resolve(m as Omit<TokenResult, 'writeSeconds' | 'tokens' | 'pooled'>));
        child.once('exit', (code) => reject(new Error(`token child exited ${code}`)));
      });
      child.kill();
      return result;
    };
    log('tokens: lookups as the proxy opens the vault');
    const asIs = await measure(false);
    log('tokens: lookups with one pooled kube client');
    return { tokens: all, writeSeconds, ...asIs, pooled: await measure(true) };
  } finally {
    await cp.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function memory(): { rss: number; heapUsed: number } {
  globalThis.gc?.();
  globalThis.gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
}

async function child(kubeconfig: string, secretNamespace: string, keyFile: string, users: number, gateways: number, pooled: boolean): Promise<void> {
  // The vault's KubeClient (src/kube/client.ts) keeps one connection pool itself: "as-is" and "pooled" are the same client now.
  void pooled;
  const core = await KubeClient.connect(kubeconfig);
  const { vault } = await openTokenVault({ backend: 'secret', secretNamespace, keyFile, kube: core });
  const { vault: uncached } = await openTokenVault({ backend: 'secret', secretNamespace, keyFile, kube: core, readCacheMs: 0 });
  for (let i = 0; i < 50; i++) await uncached.get(refOf(i, 0)); // code paths and connections warm
  const empty = memory();
  let next = 0;
  const all = users * gateways;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < all) {
      const i = next++;
      if (!(await vault.get(refOf(Math.floor(i / gateways), i % gateways)))) throw new Error(`token ${i} not found`);
    }
  }));
  const full = memory();
  const warm: number[] = [];
  const api: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const u = users - 1 - (i % Math.min(1000, users)); // among the most recently looked-up, so in the read cache
    const ref = refOf(u, i % gateways);
    await vault.get(ref);
    let t = performance.now();
    await vault.get(ref);
    warm.push(performance.now() - t);
    t = performance.now();
    await uncached.get(refOf(i * 7 % users, i % gateways));
    api.push(performance.now() - t);
  }
  process.send!({ rssEmpty: empty.rss, rssGrowth: full.rss - empty.rss, heapGrowth: full.heapUsed - empty.heapUsed, warmP50Ms: percentile(warm, 50), apiServerP50Ms: percentile(api, 50) });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.length >= 7) {
  const [kubeconfig, ns, keyFile, users, gateways, mode] = process.argv.slice(2) as [string, string, string, string, string, string];
  await child(kubeconfig, ns, keyFile, Number(users), Number(gateways), mode === 'pooled');
}
