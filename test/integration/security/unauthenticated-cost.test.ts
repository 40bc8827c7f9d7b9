// Attacker test for issue 11 finding 4 (MEDIUM): requests anyone can send, without logging in,
// cost the operator's Kubernetes API server nothing and create no Secret. The real kube-apiserver
// (its own request counter, `apiserver_request_total{resource="secrets"}`), the token vault on
// Secrets there, the real OAuth server, relay, connections page and proxy.
//
// The attacks: `/oauth/callback?state=<random>` (one Secret read each before the HMAC-signed state,
// de7b181); `/connections/login` (each created a Secret holding the sign-in in progress, c3ffdd3);
// `/connections/login/callback?state=<random>` and `/connections` with a made-up session cookie
// (each one Secret read).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPlaneAvailable, startControlPlane, type ControlPlane } from '../../support/control-plane.ts';
import { heapAfterGc, MiB } from '../../support/heap.ts';
import { ROVO, startConnectionsWorld, vaultOnSecrets, type ConnectionsWorld } from '../connections/setup.ts';

const available = controlPlaneAvailable();
if (!available) console.warn('unauthenticated-cost.test.ts skipped: no test control plane (docs/test-control-plane.md)');

const NS = 'mcp-gitops-system';
const N = 300;

describe.skipIf(!available)('attacker: unauthenticated requests cost no API call and no Secret', () => {
  let cp: ControlPlane;
  let world: ConnectionsWorld;

  beforeAll(async () => {
    cp = await startControlPlane();
    const vault = await vaultOnSecrets(cp, NS);
    world = await startConnectionsWorld({ vault });
    // The provider's discovery document is fetched once, on the first sign-in.
    expect((await fetch(`${world.proxy.url}/connections/login`, { redirect: 'manual' })).status).toBe(303);
  }, 120_000);
  afterAll(async () => {
    await world?.stop();
    await cp?.stop();
  });

  /**
   * Requests the API server has served on Secrets, every verb but WATCH (the API server's own
   * informers re-open theirs on a timer), from its own metrics.
   */
  async function secretRequests(): Promise<number> {
    const text = (await cp.kubectl(['get', '--raw', '/metrics'], { check: true })).stdout;
    let sum = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith('apiserver_request_total{') && line.includes('resource="secrets"') && !line.includes('verb="WATCH"')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  }
  const secretCount = async () => (JSON.parse((await cp.kubectl(['-n', NS, 'get', 'secrets', '-o', 'json'], { check: true })).stdout) as { items: unknown[] }).items.length;
  const status = async (url: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url, { redirect: 'manual', headers });
    await res.arrayBuffer();
    return res.status;
  };
  const random = () => randomBytes(32).toString('base64url');

  it(`${N} of each: /oauth/callback, /connections/login, its callback, /connections with a made-up cookie`, async () => {
    const base = world.proxy.url;
    // Counted before the counter is read, and after: our own LIST of Secrets is not in the difference.
    const before = { secrets: await secretCount(), requests: await secretRequests(), heap: await heapAfterGc() };
    const statuses: Record<string, number[]> = { oauthCallback: [], oauthForgedMac: [], login: [], loginCallback: [], page: [] };
    for (let i = 0; i < N; i++) {
      statuses.oauthCallback!.push(await status(`${base}/oauth/callback?code=x&state=${random()}`));
      statuses.oauthForgedMac!.push(await status(`${base}/oauth/callback?code=x&state=${ROVO}.${random().slice(0, 22)}.${random()}`));
      statuses.login!.push(await status(`${base}/connections/login`));
      statuses.loginCallback!.push(await status(`${base}/connections/login/callback?code=x&state=${Date.now() + 60_000}.${random()}`, { cookie: `mcp-gitops-login=${random()}` }));
      statuses.page!.push(await status(`${base}/connections`, { cookie: `mcp-gitops-session=${random()}.${random()}` }));
    }
    const after = { requests: await secretRequests(), secrets: await secretCount(), heap: await heapAfterGc() };
    console.log(`unauthenticated hammer: ${N} × 5 requests → API server Secret requests +${after.requests - before.requests}, Secrets ${before.secrets} → ${after.secrets}, heap after GC ${((after.heap - before.heap) / MiB).toFixed(2)} MiB`);
    expect(new Set(statuses.oauthCallback)).toEqual(new Set([400]));
    expect(new Set(statuses.oauthForgedMac)).toEqual(new Set([400]));
    expect(new Set(statuses.login)).toEqual(new Set([303]));
    expect(new Set(statuses.loginCallback)).toEqual(new Set([400]));
    expect(new Set(statuses.page)).toEqual(new Set([200]));
    expect(after.requests - before.requests).toBe(0);
    expect(after.secrets).toBe(before.secrets);
    expect(after.heap - before.heap).toBeLessThan(4 * MiB);
  }, 300_000);
});
