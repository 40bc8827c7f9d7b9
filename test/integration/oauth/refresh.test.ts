import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTokenKeeper } from '../../../src/proxy/oauth/index.ts';
import { ConsentRequiredError } from '../../../src/proxy/upstream/credentials.ts';
import { completeConsent } from '../../support/oidc-provider.ts';
import { CLIENT_ID, CLIENT_SECRET, callWhoami, registration, startHarness, type Harness, type RelayHost } from './harness.ts';

let h: Harness;
let replica: RelayHost;
const gw = () =>
  registration('refreshing', {
    url: h.upstream.resource,
    auth_type: 'oauth',
    oauth_config: { issuer: h.op.issuer, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scopes: ['read'], resource: h.upstream.resource },
  });

beforeAll(async () => {
  h = await startHarness();
  h.gateways.set(gw().id, gw());
  replica = await h.startReplica();
});
afterAll(async () => {
  await h?.stop();
});

async function consent(user: string): Promise<void> {
  const link = await h.primary.relay.consentUrl(gw().id, user);
  const { response } = await completeConsent(link, user, { signIn: h.primary.signInLink(user) });
  expect(response!.status).toBe(200);
}

/** Makes the stored access token look expired, keeping its refresh token (what time would do). */
async function expire(user: string): Promise<void> {
  const ref = { namespace: 'mcp', gatewayId: gw().id, user };
  const entry = await h.primary.vault.get(ref);
  await h.primary.vault.put(ref, { ...entry!.tokens, expiresAt: Date.now() - 1_000 });
}

describe('refresh with rotating refresh tokens (oidc-provider rotateRefreshToken: true)', () => {
  it('two replicas refreshing the same user at the same moment, many rounds: one refresh per round, zero invalid_grant, no token lost', async () => {
    await consent('alice');
    const alice = { user: 'alice', groups: [] };
    const rounds = 12;
    const refreshesBefore = h.op.events.grants.refresh_token ?? 0;
    let previous = '';
    for (let round = 0; round < rounds; round++) {
      await expire('alice');
      const callers = [h.primary, replica, h.primary, replica, replica, h.primary];
      const headers = await Promise.all(callers.map((r) => r.relay.credentials.headersFor(gw(), alice)));
      // Everyone got the same, new token: the losers waited for the winner's refresh and re-read it.
      expect(new Set(headers.map((x) => x.authorization)).size).toBe(1);
      expect(headers[0]!.authorization).not.toBe(previous);
      previous = headers[0]!.authorization!;
      if (round % 4 === 3) expect(await callWhoami(h.upstream.resource, headers[0]!)).toBe('alice');
    }
    expect(h.op.events.errors.invalid_grant ?? 0).toBe(0);
    expect((h.op.events.grants.refresh_token ?? 0) - refreshesBefore).toBe(rounds);
    const stored = await replica.vault.get({ namespace: 'mcp', gatewayId: gw().id, user: 'alice' });
    expect(stored?.tokens.reconnectNeeded).toBe(false);
    expect(stored?.tokens.lastRefreshedAt).toBeGreaterThan(stored!.tokens.obtainedAt - 1);
    expect(`Bearer ${stored!.tokens.accessToken}`).toBe(previous);
  });

  it('a refresh token spent elsewhere: invalid_grant → "reconnect needed" in plain words, the user gets a consent link, re-consent restores', async () => {
    await consent('bob');
    const bob = { user: 'bob', groups: [] };
    const ref = { namespace: 'mcp', gatewayId: gw().id, user: 'bob' };
    const stolen = (await h.primary.vault.get(ref))!.tokens.refreshToken!;
    // Someone else presents bob's refresh token first (the provider rotates it)...
    const rogue = await fetch(`${h.op.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: stolen, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, resource: h.upstream.resource }),
    });
    expect(rogue.status).toBe(200);
    // ...so ours is dead; the provider revokes the whole chain when it sees it again.
    await expire('bob');
    const before = await h.primary.relay.authorizedUsers(gw());
    const error = await h.primary.relay.credentials.headersFor(gw(), bob).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConsentRequiredError);
    expect((error as Error).message).toMatch(/needs to be renewed \(the provider rejected the refresh token \(invalid_grant\)/);
    expect((error as Error).message).not.toContain(stolen);
    const marked = await h.primary.vault.get(ref);
    expect(marked?.tokens).toMatchObject({ reconnectNeeded: true, lastError: expect.stringContaining('invalid_grant') });
    expect(await h.primary.relay.authorizedUsers(gw())).toBe(before - 1);
    // No second attempt with the dead token: the next call answers the link at once.
    const errorsNow = h.op.events.errors.invalid_grant ?? 0;
    await expect(replica.relay.credentials.headersFor(gw(), bob)).rejects.toBeInstanceOf(ConsentRequiredError);
    expect(h.op.events.errors.invalid_grant ?? 0).toBe(errorsNow);

    const { response } = await completeConsent((error as ConsentRequiredError).consentUrl, 'bob', { signIn: h.primary.signInLink('bob') });
    expect(response!.status).toBe(200);
    expect(await callWhoami(h.upstream.resource, await replica.relay.credentials.headersFor(gw(), bob))).toBe('bob');
    expect(await h.primary.relay.authorizedUsers(gw())).toBe(before);
  });

  it('the token keeper refreshes idle users’ tokens once, even with every replica running it', async () => {
    await consent('kim');
    const ref = { namespace: 'mcp', gatewayId: gw().id, user: 'kim' };
    const stored = await h.primary.vault.get(ref);
    const eightDaysAgo = Date.now() - 8 * 24 * 3600_000;
    // Idle for 8 days: access token still unexpired-looking, refresh token unused since consent.
    await h.primary.vault.put(ref, { ...stored!.tokens, obtainedAt: eightDaysAgo, lastRefreshedAt: undefined, expiresAt: Date.now() + 3_600_000 });
    const keepers = [h.primary, replica].map((r) => startTokenKeeper({ credentials: r.relay.credentials, vault: r.vault, gateways: () => [gw()], intervalMs: 0 }));
    const refreshesBefore = h.op.events.grants.refresh_token ?? 0;
    const invalidBefore = h.op.events.errors.invalid_grant ?? 0;
    const results = await Promise.all(keepers.map((k) => k.runOnce()));
    expect((h.op.events.grants.refresh_token ?? 0) - refreshesBefore).toBe(1);
    expect(h.op.events.errors.invalid_grant ?? 0).toBe(invalidBefore);
    expect(results.every((r) => r.failed === 0 && r.reconnectNeeded === 0)).toBe(true);
    const after = await replica.vault.get(ref);
    expect(after!.tokens.refreshToken).not.toBe(stored!.tokens.refreshToken);
    expect(after!.tokens.lastRefreshedAt).toBeGreaterThan(eightDaysAgo);
    // Fresh now: another pass does nothing; the token works.
    expect(await keepers[0]!.runOnce()).toEqual({ refreshed: 0, reconnectNeeded: 0, failed: 0 });
    expect(await callWhoami(h.upstream.resource, await replica.relay.credentials.headersFor(gw(), { user: 'kim', groups: [] }))).toBe('kim');
    await Promise.all(keepers.map((k) => k.stop()));
  });

  it('no secret in the logs of the whole run', () => {
    const all = h.logs.join('\n');
    expect(all).not.toContain(CLIENT_SECRET);
    for (const a of h.upstream.accepted) expect(all).not.toContain(a.token);
    expect(all).toContain('oauth token refreshed');
  });
});
