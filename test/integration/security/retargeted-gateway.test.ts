// Attacker test for issue 11 finding 2: stored tokens are bound to where they were issued.
//
// The attack: anyone who may edit an McpGateway (a namespace editor, a git committer, a CI job)
// changes its `url` and `tokenUrl` to a server they control. On the old proxy every consented
// user's access token went to the new url (the proxy's own discovery uses a consented user's token;
// so does each user's next call), and the token keeper posted their refresh tokens to the new token
// endpoint. No user had to do anything.
//
// All real: a kube-apiserver with the CRDs, the operator, a proxy with the OAuth relay, a file vault
// and the connections page, the authorization server (oidc-provider) and an OAuth-protected MCP
// upstream. The attacker is a loopback HTTP server that records every request it receives.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId } from '../../../src/api/ids.ts';
import { createConnectionsPage, describeConnection } from '../../../src/proxy/connections/index.ts';
import { createOAuthRelay, startTokenKeeper, type OAuthRelay } from '../../../src/proxy/oauth/index.ts';
import type { OperatorHandle } from '../../../src/operator/run.ts';
import { ConsentRequiredError } from '../../../src/proxy/upstream/credentials.ts';
import { EncryptedTokenVault, FileRecordStore, Keyring } from '../../../src/vault/index.ts';
import { assetsDir, controlPlaneAvailable, type ControlPlane } from '../../support/control-plane.ts';
import { completeConsent, startOidcProvider, type RunningOidcProvider } from '../../support/oidc-provider.ts';
import { freePort } from '../../support/ports.ts';
import { startProtectedUpstream, type ProtectedUpstream } from '../../support/protected-upstream.ts';
import { apply, condition, eventually, gatewayDoc, kubectlJson, startCluster, startTestOperator, type Cond } from '../operator/harness.ts';
import { ADMIN_TOKEN, startTestProxy, type TestProxy } from '../proxy/harness.ts';

const available = controlPlaneAvailable();
if (!available) console.warn(`retargeted-gateway.test.ts skipped: no control plane in ${assetsDir()}`);

const NS = 'mcp';
const GW = gatewayId(NS, 'jira');
const CLIENT_ID = 'mcp-gitops-public';

/** A server the attacker controls: answers everything, records everything. */
async function startAttacker(): Promise<{ url: string; seen: string[]; stop(): Promise<void> }> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url}\n${JSON.stringify(req.headers)}\n${Buffer.concat(chunks).toString('utf8')}`);
      if (req.url?.startsWith('/token')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'attacker-at', token_type: 'Bearer', refresh_token: 'attacker-rt', expires_in: 3600 }));
      } else res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

describe.skipIf(!available)('attacker: an McpGateway retargeted on the API server gets no user token', () => {
  let cp: ControlPlane;
  let upstream: ProtectedUpstream;
  let op: RunningOidcProvider;
  let proxy: TestProxy;
  let operator: OperatorHandle;
  let relay: OAuthRelay;
  let vault: EncryptedTokenVault;
  let attacker: Awaited<ReturnType<typeof startAttacker>>;
  let dataDir: string;

  const jira = (url: string, authorizationUrl: string, tokenUrl: string) =>
    gatewayDoc(NS, 'jira', url, { auth: { type: 'OAuth', oauth: { discovery: 'Static', authorizationUrl, tokenUrl, clientId: CLIENT_ID, resource: upstream.resource, scopes: ['read', 'offline_access'] } } });

  beforeAll(async () => {
    cp = await startCluster();
    await cp.kubectl(['create', 'namespace', NS], { check: true });
    upstream = await startProtectedUpstream();
    const port = await freePort();
    op = await startOidcProvider({
      resource: upstream.resource,
      clients: [{ client_id: CLIENT_ID, redirect_uris: [`http://127.0.0.1:${port}/oauth/callback/${NS}/jira`], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' }],
    });
    upstream.trust(op.issuer, op.jwksUri);
    attacker = await startAttacker();
    dataDir = await mkdtemp(join(tmpdir(), 'retarget-'));
    vault = new EncryptedTokenVault({ store: new FileRecordStore({ dataDir }), keyring: Keyring.generate() });
    relay = createOAuthRelay({ vault, relayKey: randomBytes(32), policy: { allowLoopback: true } });
    const page = createConnectionsPage({ vault, relay, login: { dev: {} } });
    proxy = await startTestProxy({ port, credentials: relay.credentials, extraRoutes: [...relay.routes, ...page.routes] });
    relay.bind({ publicUrl: proxy.url, getGateway: (id) => proxy.getGateway(id), refreshGateway: (id, user) => proxy.refreshGateway(id, user), signIn: page.signIn });
    page.bind({ publicUrl: proxy.url, registrations: () => proxy.registrations() });
    operator = await startTestOperator(cp, { proxyUrl: [new URL(proxy.adminUrl).origin], adminToken: ADMIN_TOKEN });

    await apply(cp, jira(upstream.resource, `${op.issuer}/auth`, `${op.issuer}/token`));
    await eventually(() => proxy.getGateway(GW), 20_000, 'gateway registered on the proxy');
    const { response } = await completeConsent(await relay.consentUrl(GW, 'alice'), 'alice', { signIn: page.devLoginUrl('alice') });
    expect(response!.status).toBe(200);
  });

  afterAll(async () => {
    await operator?.stop();
    await proxy?.close();
    await attacker?.stop();
    await op?.stop();
    await upstream?.stop();
    await cp?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
  });

  it('before: alice’s token works against the real upstream', async () => {
    const headers = await relay.credentials.headersFor(proxy.getGateway(GW)!, { user: 'alice', groups: [] });
    expect(headers.authorization).toMatch(/^Bearer /);
  });

  it('after url and tokenUrl point at the attacker: no access token and no refresh token reach it; alice must reconnect, and status and her page say why', async () => {
    const stored = (await vault.get({ namespace: NS, gatewayId: GW, user: 'alice' }))!.tokens;
    expect(stored.refreshToken).toBeDefined();

    await apply(cp, jira(`${attacker.url}/mcp`, `${attacker.url}/authorize`, `${attacker.url}/token`));
    await eventually(() => proxy.getGateway(GW)?.spec.url === `${attacker.url}/mcp`, 20_000, 'retargeted spec on the proxy');
    const gateway = proxy.getGateway(GW)!;

    // alice's next call: refused with a reconnect link, nothing sent.
    const refusal = await relay.credentials.headersFor(gateway, { user: 'alice', groups: [] }).then(() => undefined, (e: unknown) => e);
    expect(refusal).toBeInstanceOf(ConsentRequiredError);
    expect((refusal as Error).message).toContain('retargeted');

    // The token keeper's pass (refresh everything now): nothing posted to the new token endpoint.
    const keeper = startTokenKeeper({ credentials: relay.credentials, vault, gateways: () => proxy.registrations().gateways, refreshAfterMs: 0, intervalMs: 0 });
    await keeper.runOnce();
    await keeper.stop();
    // The proxy's own discovery of the retargeted upstream (it would use a consented user's token).
    await proxy.refreshGateway(GW).catch(() => {});

    const after = (await vault.get({ namespace: NS, gatewayId: GW, user: 'alice' }))!.tokens;
    expect(after.reconnectNeeded).toBe(true);
    expect(after.lastError).toMatch(/changed: .*token endpoint.*upstream origin/);
    const row = describeConnection(gateway, [], await vault.get({ namespace: NS, gatewayId: GW, user: 'alice' }), Date.now());
    expect(row).toMatchObject({ status: 'reconnect-needed', problem: expect.stringContaining('retargeted') });

    const status = await eventually(async () => {
      const gw = await kubectlJson<{ status?: { conditions?: Cond[] } }>(cp, ['get', '-n', NS, 'mcpgateway', 'jira']);
      const authorized = condition(gw, 'Authorized');
      return authorized?.message.includes('must reconnect') ? authorized : undefined;
    }, 30_000, 'status naming the reconnect');
    expect(status.message).toContain('retargeted');

    const everything = attacker.seen.join('\n');
    expect(everything).not.toContain(stored.accessToken);
    expect(everything).not.toContain(stored.refreshToken!);
    expect(everything).not.toMatch(/authorization: ?bearer/i);
    expect(everything).not.toContain('refresh_token');
  });
});
