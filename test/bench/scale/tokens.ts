/**
 * Stored tokens at scale, against a real kube-apiserver: `users` × `gateways` token Secrets are
 * written through the vault, then a separate process — the proxy's token vault as the proxy opens
 * it (`openTokenVault`, Secret backend, default read cache) and nothing else, so its RSS is the
 * vault's — looks every token up once, then measures:
 *
 * - RSS growth over the empty vault after every token was looked up (the vault keeps no Secret
 *   cache or informer: each lookup is one GET on the process's pooled kube client, remembered in a
 *   read cache bounded in entries and bytes), with the V8 heap reserved and the young generation;
 * - a warm lookup (a token looked up moments ago: the read cache), p50;
 * - a lookup that reaches the API server (read cache off: one GET of one Secret), p50;
 * - a token keeper's pass over one gateway's users (every record listed a page at a time and
 *   opened): its time and the RSS after it.
 *
 * The child runs with the process environment of the proxy's Deployment (`NODE_OPTIONS`,
 * `MALLOC_ARENA_MAX`), as the proxy does.
 *
 *   node tokens.ts <kubeconfig> <namespace> <keyFile> <users> <gateways>   (the measuring child)
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getHeapSpaceStatistics } from 'node:v8';
import { KubeClient } from '../../../src/kube/client.ts';
import { startControlPlane } from '../../support/control-plane.ts';
import { EncryptedTokenVault, Keyring, SecretRecordStore, writeKeyringFile, openTokenVault, type TokenRef } from '../../../src/vault/index.ts';
import { deployedEnv } from './proxy-child.ts';
import { percentile } from './stats.ts';

const ROOT = join(fileURLToPath(import.meta.url), '../../../..');

const NAMESPACE = 'mcp-gitops';
const refOf = (u: number, g: number): TokenRef => ({ namespace: 'team', gatewayId: `gw-${g}`, user: `user-${u}@example.com` });

export interface TokenResult {
  tokens: number;
  heapTotalGrowth: number;
  /** V8 young generation reserved after the lookups. */
  youngGeneration: number;
  /** Read cache after the lookups: entries and approximate bytes. */
  cached: { entries: number; bytes: number };
  /** A keeper-style pass over one gateway's users (paged): seconds, records, RSS growth over empty after it. */
  keeperPass: { seconds: number; records: number; rssGrowth: number };
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
        // Create-only (ifVersion null): one POST, no read first.
        await vault.put(refOf(Math.floor(i / gateways), i % gateways), { accessToken: `at-${i}-${'x'.repeat(600)}`, refreshToken: `rt-${i}-${'y'.repeat(100)}`, expiresAt: Date.now() + 3600_000, obtainedAt: Date.now() }, { ifVersion: null });
        if (i % 5000 === 0) log(`tokens: ${i}/${all} written`);
      }
    }));
    const writeSeconds = (performance.now() - t0) / 1000;
    log('tokens: lookups as the proxy opens the vault');
    const child = fork(fileURLToPath(import.meta.url), [cp.kubeconfigPath, NAMESPACE, keyFile, String(users), String(gateways)], { execArgv: ['--expose-gc'], env: { ...process.env, ...deployedEnv(ROOT) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const result = await new Promise<Omit<TokenResult, 'writeSeconds' | 'tokens'>>((resolve, reject) => {
      child.once('message', (m) => resolve(m as Omit<TokenResult, 'writeSeconds' | 'tokens'>));
      child.once('exit', (code) => reject(new Error(`token child exited ${code}`)));
    });
    child.kill();
    return { tokens: all, writeSeconds, ...result };
  } finally {
    await cp.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function memory(): { rss: number; heapUsed: number; heapTotal: number } {
  globalThis.gc?.();
  globalThis.gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal };
}

async function child(kubeconfig: string, secretNamespace: string, keyFile: string, users: number, gateways: number): Promise<void> {
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
  const cached = (vault as EncryptedTokenVault).cached;
  const t0 = performance.now();
  let records = 0;
  for await (const _ of vault.entriesByGateway('team', 'gw-0')) records++;
  const seconds = (performance.now() - t0) / 1000;
  const afterPass = memory();
  process.send!({
    rssEmpty: empty.rss,
    rssGrowth: full.rss - empty.rss,
    heapGrowth: full.heapUsed - empty.heapUsed,
    heapTotalGrowth: full.heapTotal - empty.heapTotal,
    youngGeneration: getHeapSpaceStatistics().find((x) => x.space_name === 'new_space')?.space_size ?? 0,
    cached,
    keeperPass: { seconds, records, rssGrowth: afterPass.rss - empty.rss },
    warmP50Ms: percentile(warm, 50),
    apiServerP50Ms: percentile(api, 50),
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.length >= 7) {
  const [kubeconfig, ns, keyFile, users, gateways] = process.argv.slice(2) as [string, string, string, string, string];
  await child(kubeconfig, ns, keyFile, Number(users), Number(gateways));
}
