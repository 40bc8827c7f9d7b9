import { readFile, writeFile } from 'node:fs/promises';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueTicket, VaultPendingStore, type PendingAuthorization } from '../../../src/proxy/oauth/index.ts';
import { PENDING_GATEWAY, PENDING_NAMESPACE } from '../../../src/proxy/oauth/vault-pending-store.ts';
import { TICKET_AUDIENCE, TICKET_ISSUER } from '../../../src/proxy/oauth/ticket.ts';
import { ConsentRequiredError, UpstreamAuthError } from '../../../src/proxy/upstream/credentials.ts';
import { FileRecordStore, userHash } from '../../../src/vault/index.ts';
import { completeConsent } from '../../support/oidc-provider.ts';
import { CLIENT_ID, CLIENT_SECRET, callWhoami, registration, startHarness, type Harness } from './harness.ts';

let h: Harness;
const alice = { user: 'alice', groups: [] };
const bob = { user: 'bob', groups: [] };

function issuerGateway() {
  return registration('rovo-issuer', {
    url: h.upstream.resource,
    auth_type: 'oauth',
    oauth_config: { issuer: h.op.issuer, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scopes: ['read'], resource: h.upstream.resource },
  });
}

async function consentLinkFor(gw: ReturnType<typeof registration>, user: typeof alice): Promise<string> {
  const error = await h.primary.relay.credentials.headersFor(gw, user).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConsentRequiredError);
  const consent = error as ConsentRequiredError;
  expect(consent.gatewayId).toBe(gw.id);
  expect(consent.message).toContain(consent.consentUrl);
  return consent.consentUrl;
}

async function consent(gw: ReturnType<typeof registration>, user: typeof alice): Promise<Response> {
  const { response } = await completeConsent(await consentLinkFor(gw, user), user.user, { signIn: h.primary.signInLink(user.user) });
  return response!;
}

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe('consent flow (issuer discovery) against oidc-provider', () => {
  it('authorize → login/consent → callback → sealed vault record → the user’s own token reaches the upstream', async () => {
    const gw = issuerGateway();
    h.gateways.set(gw.id, gw);
    const page = await consent(gw, alice);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('You have authorized <strong>rovo-issuer</strong>');

    const stored = await h.primary.vault.get({ namespace: 'mcp', gatewayId: gw.id, user: 'alice' });
    expect(stored?.tokens.refreshToken).toBeTruthy();
    expect(html).not.toContain(stored!.tokens.accessToken);
    // On disk: sealed, no token, no user name.
    const file = new FileRecordStore({ dataDir: h.dataDir }).describe({ namespace: 'mcp', gatewayId: gw.id, userHash: userHash('alice', h.keyring) });
    const raw = await readFile(file, 'utf8');
    expect(raw).not.toContain(stored!.tokens.accessToken);
    expect(raw).not.toContain(stored!.tokens.refreshToken!);
    expect(raw).not.toContain('alice');

    const headers = await h.primary.relay.credentials.headersFor(gw, alice);
    expect(headers).toEqual({ authorization: `Bearer ${stored!.tokens.accessToken}` });
    expect(await callWhoami(h.upstream.resource, headers)).toBe('alice');
    // Tools are discovered with the first valid token of that user.
    expect(h.primary.discoveries).toContainEqual({ gatewayId: gw.id, user: alice });
    expect(await h.primary.relay.authorizedUsers(gw)).toBe(1);
  });

  it('two users: each call carries its own token; B cannot use A’s; a moved ciphertext fails to open', async () => {
    const gw = issuerGateway();
    await consent(gw, bob);
    const aliceHeaders = await h.primary.relay.credentials.headersFor(gw, alice);
    const bobHeaders = await h.primary.relay.credentials.headersFor(gw, bob);
    expect(aliceHeaders.authorization).not.toBe(bobHeaders.authorization);
    expect(await callWhoami(h.upstream.resource, bobHeaders)).toBe('bob');
    expect(await callWhoami(h.upstream.resource, aliceHeaders)).toBe('alice');
    expect(await h.primary.relay.authorizedUsers(gw)).toBe(2);
    // A user without consent gets a link, never someone else's token.
    await expect(h.primary.relay.credentials.headersFor(gw, { user: 'carol', groups: [] })).rejects.toBeInstanceOf(ConsentRequiredError);

    // Copy alice's sealed tokens into bob's record: bob's next call must fail, not act as alice.
    const store = new FileRecordStore({ dataDir: h.dataDir });
    const path = (u: string) => store.describe({ namespace: 'mcp', gatewayId: gw.id, userHash: userHash(u, h.keyring) });
    const bobBefore = await readFile(path('bob'), 'utf8');
    const moved = { ...JSON.parse(bobBefore), tokens: JSON.parse(await readFile(path('alice'), 'utf8')).tokens };
    await writeFile(path('bob'), JSON.stringify(moved));
    await expect(h.primary.relay.credentials.headersFor(gw, bob)).rejects.toMatchObject({ code: 'ERR_VAULT_DECRYPT' });
    await writeFile(path('bob'), bobBefore);
    expect(await callWhoami(h.upstream.resource, await h.primary.relay.credentials.headersFor(gw, bob))).toBe('bob');
  });

  it('without a user (proxy discovery after restart) uses a consented user’s token', async () => {
    const gw = issuerGateway();
    const headers = await h.primary.relay.credentials.headersFor(gw, undefined);
    expect(['alice', 'bob']).toContain(await callWhoami(h.upstream.resource, headers));
  });
});

describe('MCP authorization spec: RFC 9728 metadata, dynamic client registration, resource on every request', () => {
  it('discovers the AS from the upstream’s 401, registers a client, and the token works', async () => {
    const gw = registration('rovo-mcp', { url: h.upstream.resource, auth_type: 'oauth', oauth_config: { discovery: 'mcp', scopes: ['read'] } });
    h.gateways.set(gw.id, gw);
    const link = await consentLinkFor(gw, alice);
    const { url: atProvider } = await completeConsent(link, 'alice', { stopAt: h.op.issuer, signIn: h.primary.signInLink('alice') });
    expect(atProvider.searchParams.get('resource')).toBe(h.upstream.resource);
    expect(atProvider.searchParams.get('code_challenge_method')).toBe('S256');
    expect(atProvider.searchParams.get('client_id')).not.toBe(CLIENT_ID); // dynamically registered
    const { response } = await completeConsent(await consentLinkFor(gw, alice), 'alice', { signIn: h.primary.signInLink('alice') });
    expect(response!.status).toBe(200);
    expect(await callWhoami(h.upstream.resource, await h.primary.relay.credentials.headersFor(gw, alice))).toBe('alice');
  });

  it('every replica uses the one registered client: another replica refreshes the token this one obtained', async () => {
    const gw = [...h.gateways.values()].find((g) => g.spec.name === 'rovo-mcp')!;
    const replica = await h.startReplica();
    const ref = { namespace: 'mcp', gatewayId: gw.id, user: 'alice' };
    const entry = await h.primary.vault.get(ref);
    await h.primary.vault.put(ref, { ...entry!.tokens, expiresAt: Date.now() - 1 });
    const errorsBefore = h.op.events.errors.invalid_grant ?? 0;
    const headers = await replica.relay.credentials.headersFor(gw, alice);
    expect(headers.authorization).not.toBe(`Bearer ${entry!.tokens.accessToken}`);
    expect(await callWhoami(h.upstream.resource, headers)).toBe('alice');
    expect(h.op.events.errors.invalid_grant ?? 0).toBe(errorsBefore);
    // The stored registration is neither a user nor counted as one.
    expect((await replica.vault.listByGateway('mcp', gw.id)).entries.map((e) => e.ref.user)).toEqual(['alice']);
    expect(await replica.relay.authorizedUsers(gw)).toBe(1);
  });
});

describe('static endpoints (the seed’s authorization_url / token_url)', () => {
  it('keeps query parameters already on authorization_url and adds audience and prompt=consent', async () => {
    const gw = registration('rovo-static', {
      url: h.upstream.resource,
      auth_type: 'oauth',
      oauth_config: {
        issuer: h.op.issuer,
        authorization_url: `${h.op.issuer}/auth?tenant=acme`,
        token_url: `${h.op.issuer}/token`,
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        audience: 'api.example.test',
        scopes: ['read'],
      },
    });
    h.gateways.set(gw.id, gw);
    const link = await consentLinkFor(gw, alice);
    const { url } = await completeConsent(link, 'alice', { stopAt: h.op.issuer, signIn: h.primary.signInLink('alice') });
    expect(url.searchParams.get('tenant')).toBe('acme');
    expect(url.searchParams.getAll('audience')).toEqual(['api.example.test']);
    expect(url.searchParams.get('prompt')).toBe('consent');
    const { response } = await completeConsent(await consentLinkFor(gw, alice), 'alice', { signIn: h.primary.signInLink('alice') });
    expect(response!.status).toBe(200);
    expect(await callWhoami(h.upstream.resource, await h.primary.relay.credentials.headersFor(gw, alice))).toBe('alice');
  });
});

describe('refused, with a clear error, nothing stored, nothing leaked', () => {
  async function errorPage(res: Response): Promise<{ status: number; code: string; html: string }> {
    const html = await res.text();
    return { status: res.status, code: /<code>([A-Z_]+)<\/code>/.exec(html)?.[1] ?? '', html };
  }
  const gwFor = () => {
    const gw = registration('refusals', { url: h.upstream.resource, auth_type: 'oauth', oauth_config: { issuer: h.op.issuer, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scopes: ['read'], resource: h.upstream.resource } });
    h.gateways.set(gw.id, gw);
    return gw;
  };

  it('expired ticket', async () => {
    const gw = gwFor();
    const expired = await new SignJWT({ gw: gw.id })
      .setProtectedHeader({ alg: 'HS256', typ: 'mcp-gitops-consent+jwt' })
      .setSubject('mallory')
      .setAudience(TICKET_AUDIENCE)
      .setIssuer(TICKET_ISSUER)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 1200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 600)
      .sign(h.relayKey);
    const page = await errorPage(await fetch(`${h.primary.url}/oauth/authorize/${gw.id}?ticket=${expired}`, { redirect: 'manual' }));
    expect(page).toMatchObject({ status: 400, code: 'ERR_OAUTH_TICKET_EXPIRED' });
    expect(page.html).toContain('expired');
  });

  it('forged, missing or other-gateway ticket', async () => {
    const gw = gwFor();
    const forged = await issueTicket({ gatewayId: gw.id, user: 'alice' }, new Uint8Array(32).fill(1));
    expect(await errorPage(await fetch(`${h.primary.url}/oauth/authorize/${gw.id}?ticket=${forged}`, { redirect: 'manual' }))).toMatchObject({ status: 400, code: 'ERR_OAUTH_TICKET_INVALID' });
    expect(await errorPage(await fetch(`${h.primary.url}/oauth/authorize/${gw.id}`, { redirect: 'manual' }))).toMatchObject({ status: 400, code: 'ERR_OAUTH_TICKET_INVALID' });
    const other = await issueTicket({ gatewayId: 'f'.repeat(32), user: 'alice' }, h.relayKey);
    expect(await errorPage(await fetch(`${h.primary.url}/oauth/authorize/${gw.id}?ticket=${other}`, { redirect: 'manual' }))).toMatchObject({ status: 400, code: 'ERR_OAUTH_TICKET_MISMATCH' });
    expect(await errorPage(await fetch(`${h.primary.url}/oauth/authorize/${'e'.repeat(32)}?ticket=${other}`, { redirect: 'manual' }))).toMatchObject({ status: 404, code: 'ERR_OAUTH_GATEWAY_UNKNOWN' });
  });

  it('replayed state: the second callback is refused and changes nothing', async () => {
    const gw = gwFor();
    const link = await h.primary.relay.consentUrl(gw.id, 'dave');
    const { url: callback, cookie } = await completeConsent(link, 'dave', { stopAt: `${h.primary.url}/oauth/callback`, signIn: h.primary.signInLink('dave') });
    expect((await fetch(callback, { headers: { cookie } })).status).toBe(200);
    const first = await h.primary.vault.get({ namespace: 'mcp', gatewayId: gw.id, user: 'dave' });
    const replay = await errorPage(await fetch(callback, { headers: { cookie } }));
    expect(replay).toMatchObject({ status: 400, code: 'ERR_OAUTH_STATE_INVALID' });
    expect((await h.primary.vault.get({ namespace: 'mcp', gatewayId: gw.id, user: 'dave' }))?.version).toBe(first?.version);
  });

  it('a flow started on one replica finishes on another (shared single-use state); a replay on either is refused', async () => {
    const gw = gwFor();
    const replica = await h.startReplica();
    const link = (await replica.relay.consentUrl(gw.id, 'gina')).replace(h.primary.url, replica.url);
    const { url: callback, cookie } = await completeConsent(link, 'gina', { stopAt: `${h.primary.url}/oauth/callback`, signIn: replica.signInLink('gina') });
    expect((await fetch(callback, { headers: { cookie } })).status).toBe(200); // primary finishes what the replica started
    expect((await h.primary.vault.get({ namespace: 'mcp', gatewayId: gw.id, user: 'gina' }))?.tokens.accessToken).toBeTruthy();
    for (const base of [h.primary.url, replica.url]) {
      expect(await errorPage(await fetch(callback.href.replace(h.primary.url, base), { headers: { cookie } }))).toMatchObject({ status: 400, code: 'ERR_OAUTH_STATE_INVALID' });
    }
    // Of the finished flow only a used marker is left (no verifier, no user); expired entries are swept.
    const store = new VaultPendingStore(h.primary.vault);
    const left = await h.primary.vault.listDocuments(PENDING_NAMESPACE, PENDING_GATEWAY);
    expect(left.filter((d) => (d.value as PendingAuthorization).user === 'gina')).toEqual([]);
    expect(left.filter((d) => (d.value as { used?: boolean }).used === true).map((d) => Object.keys(d.value as object).sort())).toContainEqual(['expiresAt', 'gatewayId', 'used']);
    await h.primary.vault.putDocument(PENDING_NAMESPACE, PENDING_GATEWAY, 'flow:abandoned', { gatewayId: gw.id, user: 'x', expiresAt: Date.now() - 1 });
    await store.sweep();
    expect((await h.primary.vault.listDocuments(PENDING_NAMESPACE, PENDING_GATEWAY)).map((d) => d.name)).not.toContain('flow:abandoned');
  });

  it('mismatched PKCE verifier: the provider refuses the code, nothing is stored', async () => {
    const gw = gwFor();
    // A replica whose pending store hands back another verifier than the one behind the challenge.
    const entries = new Map<string, PendingAuthorization>();
    const tampered = await h.startReplica({
      pending: {
        claim: async (id, pending) => {
          entries.set(id, { ...pending, codeVerifier: 'x'.repeat(43) });
          return true;
        },
        take: async (id) => {
          const pending = entries.get(id);
          entries.delete(id);
          return pending;
        },
      },
    });
    // The replica serves both ends of the flow (links name the shared public URL: point them at it).
    const link = (await tampered.relay.consentUrl(gw.id, 'erin')).replace(h.primary.url, tampered.url);
    const { url: callback, cookie } = await completeConsent(link, 'erin', { stopAt: `${h.primary.url}/oauth/callback`, signIn: tampered.signInLink('erin') });
    const page = await errorPage(await fetch(callback.href.replace(h.primary.url, tampered.url), { headers: { cookie } }));
    expect(page).toMatchObject({ status: 502, code: 'ERR_OAUTH_EXCHANGE_FAILED' });
    expect(page.html).toContain('PKCE');
    expect(await h.primary.vault.get({ namespace: 'mcp', gatewayId: gw.id, user: 'erin' })).toBeUndefined();
  });

  it('the user denies consent at the provider', async () => {
    const gw = gwFor();
    const { response } = await completeConsent(await h.primary.relay.consentUrl(gw.id, 'frank'), 'frank', { deny: true, signIn: h.primary.signInLink('frank') });
    expect(await errorPage(response!)).toMatchObject({ status: 400, code: 'ERR_OAUTH_PROVIDER_DENIED' });
    expect(await h.primary.vault.get({ namespace: 'mcp', gatewayId: gw.id, user: 'frank' })).toBeUndefined();
  });

  it('provider hosts outside the allowlist, and loopback unless enabled', async () => {
    const gw = gwFor();
    for (const policy of [{ allowLoopback: true, allowedHosts: ['*.atlassian.com'] }, {}]) {
      const replica = await h.startReplica({ policy });
      const link = (await replica.relay.consentUrl(gw.id, 'alice')).replace(h.primary.url, replica.url);
      const page = await errorPage(await fetch(link, { redirect: 'manual' }));
      expect(page).toMatchObject({ status: 403, code: 'ERR_OAUTH_URL_REFUSED' });
      expect(page.html).toMatch(policy.allowedHosts ? /not in the allowlist/ : /loopback/);
    }
  });
});

describe('client credentials', () => {
  it('one shared token, cached, accepted by the upstream', async () => {
    const gw = registration('shared', { url: h.upstream.resource, auth_type: 'oauth', oauth_config: { grant_type: 'client_credentials', token_url: `${h.op.issuer}/token`, issuer: h.op.issuer, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, resource: h.upstream.resource, scopes: ['read'] } });
    const before = h.op.events.grants.client_credentials ?? 0;
    const a = await h.primary.relay.credentials.headersFor(gw, alice);
    const b = await h.primary.relay.credentials.headersFor(gw, bob);
    expect(a).toEqual(b);
    expect(h.op.events.grants.client_credentials).toBe(before + 1);
    expect(await callWhoami(h.upstream.resource, a)).toBe(CLIENT_ID);
  });

  it('a token URL the guard refuses is a clear upstream-auth error (the tool call fails with the reason)', async () => {
    const gw = registration('shared-private', { url: h.upstream.resource, auth_type: 'oauth', oauth_config: { grant_type: 'client_credentials', token_url: 'https://10.1.2.3/token', client_id: CLIENT_ID, client_secret: CLIENT_SECRET } });
    const error = await h.primary.relay.credentials.headersFor(gw, alice).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamAuthError);
    expect((error as Error).message).toMatch(/oauth_config.token_url https:\/\/10.1.2.3 is refused: it resolves to a private or link-local address \(set allow_private_network/);
    expect((error as Error).message).not.toContain(CLIENT_SECRET);
  });
});

describe('no plaintext secret in logs', () => {
  it('captured logs hold no token, refresh token or client secret', async () => {
    const secrets = [CLIENT_SECRET];
    for (const gwName of ['rovo-issuer', 'rovo-mcp', 'rovo-static', 'refusals']) {
      const gw = [...h.gateways.values()].find((g) => g.spec.name === gwName);
      if (!gw) continue;
      const { entries } = await h.primary.vault.listByGateway('mcp', gw.id);
      for (const e of entries) secrets.push(e.tokens.accessToken, ...(e.tokens.refreshToken ? [e.tokens.refreshToken] : []));
    }
    for (const token of h.upstream.accepted.map((a) => a.token)) secrets.push(token);
    expect(secrets.length).toBeGreaterThan(5);
    expect(h.logs.length).toBeGreaterThan(5);
    const all = h.logs.join('\n');
    for (const s of secrets) expect(all.includes(s), 'a secret value appears in the logs').toBe(false);
  });
});
