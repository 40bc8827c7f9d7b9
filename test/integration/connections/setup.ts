// Shared set-up of the connections-page suites, all real parts on loopback: an OAuth-protected MCP
// upstream, the OAuth server (oidc-provider: the organisation's identity provider for sign-in AND
// the upstream's authorization server), a file vault, the OAuth relay, the connections page and
// the proxy serving both. Two per-user OAuth gateways: `rovo-like` (virtual server `team-tools`,
// open to every user) and `tracker` (virtual server `alice-only`, access list [alice]).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { gatewayId, serverId } from '../../../src/api/ids.ts';
import { AdminClient } from '../../../src/contract/client.ts';
import { createConnectionsPage, type ConnectionsPage, type ConnectionsPageOptions } from '../../../src/proxy/connections/index.ts';
import { createOAuthRelay, type OAuthRelay } from '../../../src/proxy/oauth/index.ts';
import { KubeClient } from '../../../src/kube/client.ts';
import { EncryptedTokenVault, FileRecordStore, Keyring, SecretRecordStore, type TokenVault } from '../../../src/vault/index.ts';
import type { ControlPlane } from '../../support/control-plane.ts';
import { startOidcProvider, type RunningOidcProvider } from '../../support/oidc-provider.ts';
import { freePort } from '../../support/ports.ts';
import { startProtectedUpstream, type ProtectedUpstream } from '../../support/protected-upstream.ts';
import { ADMIN_TOKEN, startTestProxy, type TestProxy } from '../proxy/harness.ts';

export const ROVO = gatewayId('mcp', 'rovo-like');
export const TRACKER = gatewayId('mcp', 'tracker');
export const TEAM_TOOLS = serverId('mcp', 'team-tools');
export const ALICE_ONLY = serverId('mcp', 'alice-only');
export const LOGIN_CLIENT_ID = 'connections-page';
export const LOGIN_CLIENT_SECRET = `login-secret-${randomBytes(12).toString('hex')}`;

export interface ConnectionsWorld {
  upstream: ProtectedUpstream;
  op: RunningOidcProvider;
  vault: TokenVault;
  relay: OAuthRelay;
  page: ConnectionsPage;
  proxy: TestProxy;
  admin: AdminClient;
  /** Log lines of the page and the relay (the proxy's own are in `proxy.logs`). */
  logs: string[];
  stop(): Promise<void>;
}

/** A vault on Secrets of `namespace` (created here) on the test control plane, as the proxy keeps it in-cluster. */
export async function vaultOnSecrets(cp: ControlPlane, namespace: string): Promise<TokenVault> {
  await cp.kubectl(['create', 'namespace', namespace], { check: true });
  return new EncryptedTokenVault({ store: new SecretRecordStore({ kube: await KubeClient.connect(cp.kubeconfigPath), secretNamespace: namespace }), keyring: Keyring.generate() });
}

/** `overrides.vault`: another vault (e.g. Secrets on a real API server) instead of a file vault in a temp dir. */
export async function startConnectionsWorld(overrides: Partial<Pick<ConnectionsPageOptions, 'login' | 'sessions' | 'vault'>> = {}): Promise<ConnectionsWorld> {
  const upstream = await startProtectedUpstream();
  // The sign-in redirect URI must be registered before the provider starts: reserve the proxy's port.
  const port = await freePort();
  const op = await startOidcProvider({
    resource: upstream.resource,
    clients: [{
      client_id: LOGIN_CLIENT_ID,
      client_secret: LOGIN_CLIENT_SECRET,
      redirect_uris: [`http://127.0.0.1:${port}/connections/login/callback`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    }],
  });
  upstream.trust(op.issuer, op.jwksUri);
  const dataDir = await mkdtemp(join(tmpdir(), 'connections-it-'));
  const vault = overrides.vault ?? new EncryptedTokenVault({ store: new FileRecordStore({ dataDir }), keyring: Keyring.generate() });
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } }));
  const relay = createOAuthRelay({ vault, relayKey: randomBytes(32), policy: { allowLoopback: true }, logger });
  const page = createConnectionsPage({
    vault,
    relay,
    logger,
    login: overrides.login ?? { oidc: { issuer: op.issuer, clientId: LOGIN_CLIENT_ID, clientSecret: LOGIN_CLIENT_SECRET } },
    ...(overrides.sessions ? { sessions: overrides.sessions } : {}),
  });
  const proxy = await startTestProxy({ port, credentials: relay.credentials, extraRoutes: [...relay.routes, ...page.routes] });
  relay.bind({ publicUrl: proxy.url, getGateway: (id) => proxy.getGateway(id), refreshGateway: (id, user) => proxy.refreshGateway(id, user), signIn: page.signIn });
  page.bind({ publicUrl: proxy.url, registrations: () => proxy.registrations() });
  const admin = new AdminClient({ baseUrl: proxy.adminUrl, token: ADMIN_TOKEN });
  await admin.putGateway(ROVO, {
    name: 'rovo-like',
    namespace: 'mcp',
    description: 'Jira & Confluence <b>through</b> Rovo',
    url: upstream.resource,
    transport: 'STREAMABLEHTTP',
    auth_type: 'oauth',
    oauth_config: { discovery: 'mcp', scopes: ['read'] },
  });
  await admin.putGateway(TRACKER, { name: 'tracker', namespace: 'mcp', url: upstream.resource, transport: 'STREAMABLEHTTP', auth_type: 'oauth', oauth_config: { discovery: 'mcp', scopes: ['read', 'write'] } });
  await admin.putServer(TEAM_TOOLS, { name: 'team-tools', namespace: 'mcp', tool_selectors: [{ gateway_id: ROVO }] });
  await admin.putServer(ALICE_ONLY, { name: 'alice-only', namespace: 'mcp', tool_selectors: [{ gateway_id: TRACKER }], access: { users: ['alice'] } });
  return {
    upstream,
    op,
    vault,
    relay,
    page,
    proxy,
    admin,
    logs,
    async stop() {
      await admin.close();
      await proxy.close();
      await op.stop();
      await upstream.stop();
      await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}
