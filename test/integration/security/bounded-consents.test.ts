// Attacker test for issue 11 finding 4 (MEDIUM): one signed-in user grows the store without bound.
// Each Continue on /oauth/authorize created a Secret (the flow in progress, for up to 10 minutes)
// and each sign-in to /connections another (the session); nothing counted them per user, so one
// account could fill the namespace with Secrets. Now one user holds at most 10 flows in progress
// and 20 live sessions; beyond, a clear 429 with Retry-After, and nothing is written. The real
// kube-apiserver (the vault on its Secrets), the real OAuth server, relay, page and proxy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_PENDING_PER_USER } from '../../../src/proxy/oauth/relay.ts';
import { controlPlaneAvailable, startControlPlane, type ControlPlane } from '../../support/control-plane.ts';
import { Jar } from '../../support/cookie-jar.ts';
import { heapAfterGc, MiB } from '../../support/heap.ts';
import { ROVO, startConnectionsWorld, vaultOnSecrets, type ConnectionsWorld } from '../connections/setup.ts';

const available = controlPlaneAvailable();
if (!available) console.warn('bounded-consents.test.ts skipped: no test control plane (docs/test-control-plane.md)');

const NS = 'mcp-gitops-system';
const N = 40;
const SESSIONS_PER_USER = 20;

describe.skipIf(!available)('attacker: one signed-in user fills the namespace with consent flows and sessions', () => {
  let cp: ControlPlane;
  let world: ConnectionsWorld;
  const base = () => world.proxy.url;

  beforeAll(async () => {
    cp = await startControlPlane();
    const vault = await vaultOnSecrets(cp, NS);
    world = await startConnectionsWorld({ vault, login: { dev: {} } });
  }, 120_000);
  afterAll(async () => {
    await world?.stop();
    await cp?.stop();
  });

  const secretCount = async () => (JSON.parse((await cp.kubectl(['-n', NS, 'get', 'secrets', '-o', 'json'], { check: true })).stdout) as { items: unknown[] }).items.length;
  const signIn = async (user: string) => {
    const jar = new Jar();
    return { jar, res: await jar.fetch(world.page.devLoginUrl(user)) };
  };

  /** Opens a fresh consent link for `user` in `jar` and presses Continue; the answer. */
  async function continueConsent(jar: Jar, user: string): Promise<Response> {
    const link = await world.relay.consentUrl(ROVO, user);
    const interstitial = await jar.page(link);
    const csrf = /name="csrf" value="([^"]+)"/.exec(interstitial)![1]!;
    return jar.post(`${base()}/oauth/authorize/${ROVO}`, { ticket: new URL(link).searchParams.get('ticket')!, csrf });
  }

  it(`${N} Continues by one user: ${DEFAULT_MAX_PENDING_PER_USER} flows start, the rest are 429 with Retry-After and write nothing; another user still connects`, async () => {
    const alice = (await signIn('alice')).jar;
    // The provider is resolved (its client registered: a document) on the first interstitial.
    await jar0(alice);
    const before = { secrets: await secretCount(), heap: await heapAfterGc() };
    const statuses: number[] = [];
    let refused: Response | undefined;
    let refusedBody = '';
    for (let i = 0; i < N; i++) {
      const res = await continueConsent(alice, 'alice');
      statuses.push(res.status);
      if (res.status === 429) {
        refused = res;
        refusedBody = await res.text();
      } else await res.arrayBuffer();
    }
    const after = { secrets: await secretCount(), heap: await heapAfterGc() };
    console.log(`consent hammer: ${N} Continues by one user → ${statuses.filter((s) => s === 303).length} flows, Secrets ${before.secrets} → ${after.secrets}, heap after GC ${((after.heap - before.heap) / MiB).toFixed(2)} MiB`);
    expect(statuses.slice(0, DEFAULT_MAX_PENDING_PER_USER)).toEqual(Array(DEFAULT_MAX_PENDING_PER_USER).fill(303));
    expect(statuses.slice(DEFAULT_MAX_PENDING_PER_USER)).toEqual(Array(N - DEFAULT_MAX_PENDING_PER_USER).fill(429));
    // The flows end 10 minutes after they started: that is when a place frees up.
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(500);
    expect(Number(refused!.headers.get('retry-after'))).toBeLessThanOrEqual(600);
    expect(refusedBody).toContain('ERR_OAUTH_TOO_MANY_PENDING');
    expect(refusedBody).toContain(`you have ${DEFAULT_MAX_PENDING_PER_USER} authorizations in progress`);
    // One Secret per flow started, one for alice's count; none for the refused ones.
    expect(after.secrets).toBe(before.secrets + DEFAULT_MAX_PENDING_PER_USER + 1);
    expect(after.heap - before.heap).toBeLessThan(4 * MiB);

    const bob = (await signIn('bob')).jar;
    expect((await continueConsent(bob, 'bob')).status).toBe(303);
  }, 300_000);

  it(`${N} sign-ins of one user: ${SESSIONS_PER_USER} sessions, the rest are 429 with Retry-After and write nothing; another user still signs in`, async () => {
    const before = await secretCount();
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < N; i++) {
      const { res } = await signIn('mallory');
      statuses.push(res.status);
      if (res.status === 429) refused = res;
      await res.arrayBuffer();
    }
    expect(statuses.slice(0, SESSIONS_PER_USER)).toEqual(Array(SESSIONS_PER_USER).fill(303));
    expect(statuses.slice(SESSIONS_PER_USER)).toEqual(Array(N - SESSIONS_PER_USER).fill(429));
    // An idle session ends after 15 minutes: the first place frees up then.
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(await secretCount()).toBe(before + SESSIONS_PER_USER + 1);
    expect((await signIn('carol')).res.status).toBe(303);
  }, 300_000);

  /** The first interstitial of a session (resolves the provider once). */
  async function jar0(jar: Jar): Promise<void> {
    await jar.page(await world.relay.consentUrl(ROVO, 'alice'));
  }
});
