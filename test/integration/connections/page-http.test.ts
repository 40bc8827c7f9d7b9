// The connections page's security contract over plain HTTP (no browser needed): cookies, CSRF,
// cross-site refusals, login CSRF, one-time dev links, idle timeout, bounded sessions, escaping,
// and no secret in any page or log line. Real proxy, real OAuth server, real vault.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieNames } from '../../../src/proxy/connections/cookies.ts';
import { Jar } from '../../support/cookie-jar.ts';
import { completeConsent } from '../../support/oidc-provider.ts';
import { ROVO, startConnectionsWorld, TRACKER, type ConnectionsWorld } from './setup.ts';

describe('connections page with dev sign-in links', () => {
  let world: ConnectionsWorld;
  let now = Date.now();
  const base = () => world.proxy.url;

  beforeAll(async () => {
    world = await startConnectionsWorld({ login: { dev: {} }, sessions: { idleMs: 15 * 60_000, maxSessions: 3, now: () => now } });
  });
  afterAll(async () => world?.stop());

  async function signedIn(user: string): Promise<Jar> {
    const jar = new Jar();
    const res = await jar.fetch(world.page.devLoginUrl(user));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/connections');
    return jar;
  }

  it('a dev link signs in once, with an HttpOnly SameSite=Lax cookie (no __Host- prefix on plain http)', async () => {
    const link = world.page.devLoginUrl('alice');
    const jar = new Jar();
    const res = await jar.fetch(link);
    const setCookie = res.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/^mcp-gitops-session=[\w-]{43}\.[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax$/m);
    expect(await jar.page(`${base()}/connections`)).toContain('Signed in as <strong>alice</strong>');
    const again = await new Jar().fetch(link);
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('ERR_CONNECTIONS_DEV_LINK');
  });

  it('over https the cookies are __Host- prefixed and Secure', () => {
    expect(cookieNames('https://mcp.example.com')).toEqual({ session: '__Host-mcp-gitops-session', login: '__Host-mcp-gitops-login', returnTo: '__Host-mcp-gitops-return', secure: true });
  });

  it('every page carries the strict headers, including errors', async () => {
    for (const res of [await fetch(`${base()}/connections`), await fetch(`${base()}/connections/nope`)]) {
      expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'sha256-[^']+'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('another session’s CSRF token is refused; so is a post from another origin, even with the right token', async () => {
    const alice = await signedIn('alice');
    const mallory = await signedIn('mallory');
    await world.vault.put({ namespace: 'mcp', gatewayId: ROVO, user: 'alice' }, { accessToken: 'a-token', obtainedAt: Date.now() });

    const foreign = await alice.post(`${base()}/connections/disconnect`, { gateway: ROVO, csrf: await mallory.csrf(base()) });
    expect(foreign.status).toBe(403);
    expect(await foreign.text()).toContain('ERR_CONNECTIONS_CSRF');

    const token = await alice.csrf(base());
    const crossOrigin: Array<Record<string, string>> = [{ 'sec-fetch-site': 'same-site' }, { 'sec-fetch-site': 'cross-site' }, { origin: 'http://127.0.0.1:1' }, { origin: 'null' }];
    for (const headers of crossOrigin) {
      const res = await alice.post(`${base()}/connections/disconnect`, { gateway: ROVO, csrf: token }, headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(await res.text()).toContain('ERR_CONNECTIONS_CROSS_ORIGIN');
    }
    expect(await world.vault.get({ namespace: 'mcp', gatewayId: ROVO, user: 'alice' })).toBeDefined();

    // The real thing works, and deletes only alice's record.
    await world.vault.put({ namespace: 'mcp', gatewayId: ROVO, user: 'mallory' }, { accessToken: 'm-token', obtainedAt: Date.now() });
    const ok = await alice.post(`${base()}/connections/disconnect`, { gateway: ROVO, csrf: token });
    expect(ok.status).toBe(303);
    expect(await world.vault.get({ namespace: 'mcp', gatewayId: ROVO, user: 'alice' })).toBeUndefined();
    expect(await world.vault.get({ namespace: 'mcp', gatewayId: ROVO, user: 'mallory' })).toBeDefined();
    expect(await alice.page(`${base()}/connections`)).toContain('Disconnected rovo-like.');
  });

  it('Connect started by another site is refused; from the page it goes to the relay and comes back here', async () => {
    const alice = await signedIn('alice');
    const crossSite = await alice.fetch(`${base()}/connections/connect/${ROVO}`, { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.status).toBe(403);
    const res = await alice.fetch(`${base()}/connections/connect/${ROVO}`, { headers: { 'sec-fetch-site': 'same-origin' } });
    expect(res.status).toBe(303);
    const relayLink = res.headers.get('location')!;
    expect(relayLink).toMatch(new RegExp(`^${base()}/oauth/authorize/${ROVO}\\?ticket=`));
    const { response } = await completeConsent(relayLink, 'alice', { signIn: world.page.devLoginUrl('alice') });
    expect(response?.status ?? 0).toBeLessThan(400);
    expect(await world.vault.get({ namespace: 'mcp', gatewayId: ROVO, user: 'alice' })).toBeDefined();
  });

  it('a gateway outside the user’s access list cannot be connected, and is not shown', async () => {
    const bob = await signedIn('bob');
    const res = await bob.fetch(`${base()}/connections/connect/${TRACKER}`, { headers: { 'sec-fetch-site': 'same-origin' } });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('ERR_CONNECTIONS_GATEWAY');
    expect(await bob.page(`${base()}/connections`)).not.toContain('tracker');
  });

  it('values from registrations are escaped', async () => {
    const page = await (await signedIn('alice')).page(`${base()}/connections`);
    expect(page).toContain('Jira &#38; Confluence &#60;b&#62;through&#60;/b&#62; Rovo');
    expect(page).not.toContain('<b>through');
  });

  it('a session ends after the idle timeout', async () => {
    const alice = await signedIn('alice');
    now += 16 * 60_000;
    const page = await alice.page(`${base()}/connections`);
    expect(page).toContain('>Sign in</a>');
    now = Date.now();
  });

  it('sessions are bounded: past the limit the least recently used one is dropped', async () => {
    // Sessions are shared vault documents: "least recently used" is by their last-use time.
    const first = await signedIn('u1');
    now += 1000;
    await signedIn('u2');
    now += 1000;
    await signedIn('u3');
    now += 1000;
    await signedIn('u4'); // limit 3: u1's session is dropped
    expect(await first.page(`${base()}/connections`)).toContain('>Sign in</a>');
  });

  it('no token or session id appears in the proxy’s log lines', async () => {
    const logs = JSON.stringify(world.proxy.logs);
    for (const secret of ['a-token', 'm-token']) expect(logs).not.toContain(secret);
    const alice = await signedIn('alice');
    expect(logs).not.toContain(alice.cookies.get('mcp-gitops-session'));
  });
});

describe('connections page with OIDC sign-in', () => {
  let world: ConnectionsWorld;
  beforeAll(async () => {
    world = await startConnectionsWorld();
  });
  afterAll(async () => world?.stop());

  it('a sign-in callback carried to another browser signs no one in (login CSRF); in the starting browser it does', async () => {
    const victim = new Jar();
    const attacker = new Jar();
    const start = await attacker.fetch(`${world.proxy.url}/connections/login`);
    expect(start.status).toBe(303);
    const { url: callback } = await completeConsent(start.headers.get('location')!, 'mallory', { stopAt: `${world.proxy.url}/connections/login/callback` });

    const planted = await victim.fetch(callback.href);
    expect(planted.status).toBe(400);
    expect(await planted.text()).toContain('ERR_CONNECTIONS_LOGIN_STATE');
    expect(victim.cookies.has('mcp-gitops-session')).toBe(false);

    // The browser that started it signs in (its own account: harmless), once: a replay is refused.
    const own = await attacker.fetch(callback.href);
    expect(own.status).toBe(303);
    expect(attacker.cookies.has('mcp-gitops-session')).toBe(true);
    const replay = await attacker.fetch(callback.href);
    expect(replay.status).toBe(400);
  });

  it('the OIDC sign-in (code + PKCE + nonce) starts a session for the provider’s subject', async () => {
    const jar = new Jar();
    const start = await jar.fetch(`${world.proxy.url}/connections/login`);
    const location = new URL(start.headers.get('location')!);
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('nonce')).toBeTruthy();
    const { url: callback } = await completeConsent(location.href, 'carol', { stopAt: `${world.proxy.url}/connections/login/callback` });
    const done = await jar.fetch(callback.href);
    expect(done.status).toBe(303);
    expect(jar.cookies.has('mcp-gitops-login')).toBe(false);
    expect(await jar.page(`${world.proxy.url}/connections`)).toContain('Signed in as <strong>carol</strong>');
  });
});
