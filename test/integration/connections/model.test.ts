// The page's pure policy: which gateways a user is shown (the agent path's access rule) and how a
// vault record reads in words. No servers needed.
import { describe, expect, it } from 'vitest';
import { gatewayId, serverId } from '../../../src/api/ids.ts';
import { specHash } from '../../../src/contract/digest.ts';
import { GatewayCreate, ServerSpec } from '../../../src/contract/wire.ts';
import { describeConnection, reachableGateways, type RegistrationsView } from '../../../src/proxy/connections/model.ts';
import type { GatewayRegistration, ServerRegistration } from '../../../src/proxy/registry/types.ts';
import { VaultError, StoredTokenSet } from '../../../src/vault/index.ts';

const now = Date.parse('2026-11-25T12:00:00Z');

function gateway(name: string, body: Record<string, unknown>): GatewayRegistration {
  const spec = GatewayCreate.parse({ name, namespace: 'mcp', url: 'https://example.com/mcp', transport: 'STREAMABLEHTTP', ...body });
  return { id: gatewayId('mcp', name), slug: name, spec, specHash: specHash(body), createdAt: '', updatedAt: '' };
}
function server(name: string, body: Record<string, unknown>): ServerRegistration {
  return { id: serverId('mcp', name), spec: ServerSpec.parse({ name, namespace: 'mcp', ...body }), specHash: '', createdAt: '', updatedAt: '' };
}

const perUser = gateway('jira', { auth_type: 'oauth', oauth_config: { grant_type: 'authorization_code', issuer: 'https://auth.example.com', client_id: 'c' } });
const shared = gateway('wiki', { auth_type: 'oauth', oauth_config: { grant_type: 'client_credentials', issuer: 'https://auth.example.com', client_id: 'c' } });
const plain = gateway('everything', { auth_type: 'none' });
const secret = gateway('payroll', { auth_type: 'oauth', oauth_config: { grant_type: 'authorization_code', issuer: 'https://auth.example.com', client_id: 'c' } });

const view: RegistrationsView = {
  gateways: [perUser, shared, plain, secret],
  servers: [
    { server: server('everyone', {}), gatewayIds: [perUser.id, shared.id, plain.id] },
    { server: server('finance', { access: { groups: ['finance'] } }), gatewayIds: [secret.id, perUser.id] },
    { server: server('gone', {}), gatewayIds: ['0'.repeat(32)] },
  ],
};

describe('which gateways a user is shown', () => {
  it('only per-user OAuth gateways, through servers whose access admits the user, with those servers named', () => {
    expect(reachableGateways(view, { user: 'alice', groups: [] }).map((r) => [r.gateway.spec.name, r.servers])).toEqual([['jira', ['everyone']]]);
    expect(reachableGateways(view, { user: 'bob', groups: ['finance'] }).map((r) => [r.gateway.spec.name, r.servers])).toEqual([
      ['jira', ['everyone', 'finance']],
      ['payroll', ['finance']],
    ]);
  });
});

describe('a record in words', () => {
  const tokens = (input: Record<string, unknown>) => StoredTokenSet.parse({ accessToken: 'at', obtainedAt: now - 60_000, ...input });
  const entry = (input: Record<string, unknown>) => ({ ref: { namespace: 'mcp', gatewayId: perUser.id, user: 'alice' }, tokens: tokens(input), version: '1', kid: 'k', generation: 1 });

  it('states, never a token', () => {
    expect(describeConnection(perUser, [], undefined, now).status).toBe('not-connected');
    const connected = describeConnection(perUser, [], entry({ refreshToken: 'rt', expiresAt: now + 3600_000, scopes: ['read'] }), now);
    expect(connected).toMatchObject({ status: 'connected', expiresAt: now + 3600_000, scopes: ['read'] });
    expect(JSON.stringify(connected)).not.toMatch(/"at"|"rt"/);
    expect(describeConnection(perUser, [], entry({ expiresAt: now - 1 }), now).status).toBe('expired');
    // Expired but renewable: still connected (the next call refreshes it).
    expect(describeConnection(perUser, [], entry({ refreshToken: 'rt', expiresAt: now - 1 }), now).status).toBe('connected');
    expect(describeConnection(perUser, [], new VaultError('ERR_VAULT_DECRYPT', 'x'), now)).toMatchObject({ status: 'unreadable', problem: expect.stringContaining('Connect again') });
  });

  it('reconnect needed with the reason in plain words; a transient refresh failure is a note, not a state', () => {
    const dead = describeConnection(perUser, [], entry({ reconnectNeeded: true, lastError: 'the provider rejected the refresh token (invalid_grant): it expired, was revoked, or the user removed access' }), now);
    expect(dead.status).toBe('reconnect-needed');
    expect(dead.problem).toBe('Reason: the provider refused to renew it. It may have expired, been revoked, or access was removed in your account settings at the provider.');
    const flaky = describeConnection(perUser, [], entry({ refreshToken: 'rt', lastError: 'refresh failed: the provider answered HTTP 503' }), now);
    expect(flaky.status).toBe('connected');
    expect(flaky.problem).toContain('HTTP 503');
  });
});
