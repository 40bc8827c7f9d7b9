// Attacker test for issue 11 finding 8 (agent tokens). HS256 agent tokens are signed with a secret
// every replica and every minting tool holds: on the old proxy a token without `exp` worked forever
// and one without `iss`/`aud` (minted for another service sharing the secret) was accepted. On the
// OIDC path the JOSE `typ` was not checked (a DPoP proof or logout token of the same issuer, or an
// ID-token-like JWT, passes signature, iss and aud checks) and `azp` was ignored.
// All real: the proxy's agent listener, oidc-provider as the issuer, a JWKS server on loopback.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverId } from '../../../src/api/ids.ts';
import { createOidcAgentVerifier } from '../../../src/proxy/agent-auth/index.ts';
import { mintAgentToken } from '../../../src/proxy/agent-auth/mint-token.ts';
import { clientCredentialsClient, clientCredentialsToken, startOidcProvider, type RunningOidcProvider } from '../../support/oidc-provider.ts';
import { startProxyProcess, type ProxyProcess } from '../install/proxy-process.ts';
import { AGENT_SECRET, startTestProxy, type TestProxy } from '../proxy/harness.ts';

const VS = serverId('mcp', 'claims');
const key = new TextEncoder().encode(AGENT_SECRET);
const hs256 = (claims: { exp?: boolean; iss?: string; aud?: string }) => {
  let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('mallory').setIssuedAt();
  if (claims.exp !== false) jwt = jwt.setExpirationTime('1h');
  if (claims.iss !== undefined) jwt = jwt.setIssuer(claims.iss);
  if (claims.aud !== undefined) jwt = jwt.setAudience(claims.aud);
  return jwt.sign(key);
};

/** The HTTP status of an MCP initialize on the virtual server with `token`. */
async function initializeStatus(base: string, token: string): Promise<number> {
  const res = await fetch(`${base}/servers/${VS}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
  });
  await res.body?.cancel();
  return res.status;
}

describe('attacker: HS256 agent tokens need exp, iss and aud', () => {
  let proxy: TestProxy;
  beforeAll(async () => {
    proxy = await startTestProxy();
    await proxy.admin(`/servers/${VS}`, { method: 'PUT', body: { name: 'claims', namespace: 'mcp', tool_selectors: [] } });
  });
  afterAll(async () => {
    await proxy?.close();
  });

  const status = (token: string) => initializeStatus(proxy.url, token);

  it.each([
    ['no exp (valid forever)', { iss: 'mcp-gitops', aud: 'mcp-gitops', exp: false }],
    ['no iss', { aud: 'mcp-gitops' }],
    ['no aud', { iss: 'mcp-gitops' }],
    ['another service’s audience', { iss: 'mcp-gitops', aud: 'billing-service' }],
    ['another issuer', { iss: 'ci-bot', aud: 'mcp-gitops' }],
  ] as const)('refused: %s', async (_, claims) => {
    expect(await status(await hs256(claims))).toBe(401);
  });

  it('accepted: what `mcp-gitops token` mints (exp, iss, aud)', async () => {
    expect(await status(await mintAgentToken(AGENT_SECRET, { sub: 'alice' }))).toBe(200);
  });
});

describe('attacker: OIDC agent tokens — typ and azp', () => {
  let op: RunningOidcProvider;
  let jwks: Server;
  let jwksUri = '';
  const signer = generateKeyPair('ES256');
  const ISSUER = 'https://login.example.test';

  beforeAll(async () => {
    op = await startOidcProvider({
      resource: 'urn:mcp-gitops:agents',
      clients: ['agent-app', 'other-app'].map(clientCredentialsClient),
    });
    const publicJwk = { ...(await exportJWK((await signer).publicKey)), kid: 'k1', alg: 'ES256' };
    jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] })));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    jwksUri = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
  });
  afterAll(async () => {
    await op?.stop();
    await new Promise<void>((resolve) => (jwks ? jwks.close(() => resolve()) : resolve()));
  });

  const signed = async (typ: string | undefined) => {
    const header = { alg: 'ES256', kid: 'k1', ...(typ ? { typ } : {}) };
    return new SignJWT({}).setProtectedHeader(header).setIssuer(ISSUER).setAudience('mcp-gitops').setSubject('mallory').setExpirationTime('5m').sign((await signer).privateKey);
  };
  const outcome = (verify: (t: string) => Promise<unknown>, token: string) => verify(token).then(() => 'accepted', (e: Error) => e.message);

  it.each([
    ['dpop+jwt', 'refused'],
    ['logout+jwt', 'refused'],
    ['secevent+jwt', 'refused'],
    ['at+jwt', 'accepted'],
    ['application/at+jwt', 'accepted'],
    ['JWT', 'accepted'],
  ] as const)('typ %s: %s', async (typ, expected) => {
    const verify = createOidcAgentVerifier({ issuer: ISSUER, audience: 'mcp-gitops', jwksUri });
    const result = await outcome(verify, await signed(typ));
    if (expected === 'accepted') expect(result).toBe('accepted');
    else expect(result).toMatch(/has typ/);
  });

  it('azp / client_id: a token the issuer minted for another app is refused when the agent clients are named', async () => {
    const token = (clientId: string) => clientCredentialsToken(op.issuer, clientId, 'urn:mcp-gitops:agents');
    const verify = createOidcAgentVerifier({ issuer: op.issuer, audience: 'urn:mcp-gitops:agents', authorizedParties: ['agent-app'] });
    expect(await outcome(verify, await token('agent-app'))).toBe('accepted');
    expect(await outcome(verify, await token('other-app'))).toMatch(/issued to client "other-app"/);
  });
});

describe('the platform’s choices reach the verifier: `mcp-gitops proxy` flags, as a real process', () => {
  let dir: string;
  let op: RunningOidcProvider;
  const ADMIN = 'claims-admin-token-0123456789abcdef';
  const started: ProxyProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claims-flags-'));
    await writeFile(join(dir, 'admin'), ADMIN, { mode: 0o600 });
    await writeFile(join(dir, 'agent'), AGENT_SECRET, { mode: 0o600 });
    op = await startOidcProvider({
      resource: 'urn:mcp-gitops:agents',
      clients: ['agent-app', 'other-app'].map(clientCredentialsClient),
    });
  });
  afterAll(async () => {
    for (const p of started) await p.stop();
    await op?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** `mcp-gitops proxy` with `flags`, a file vault and one virtual server to initialize against. */
  async function proxyWith(flags: string[]): Promise<(token: string) => Promise<number>> {
    const p = await startProxyProcess({ args: ['--port=0', '--admin-port=0', `--admin-token-file=${join(dir, 'admin')}`, '--vault=file', `--data-dir=${dir}`, ...flags], mounts: {}, kubeconfig: join(dir, 'none'), namespace: 'mcp-gitops-system' });
    started.push(p);
    const put = await fetch(`${p.adminUrl}/servers/${VS}`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'claims', namespace: 'mcp', tool_selectors: [] }) });
    expect(put.ok).toBe(true);
    return (token) => initializeStatus(p.url, token);
  }

  it('--agent-hs256-issuer / --agent-hs256-audience: only tokens minted for this installation pass', async () => {
    const status = await proxyWith([`--agent-hs256-secret-file=${join(dir, 'agent')}`, '--agent-hs256-issuer=corp-mcp', '--agent-hs256-audience=mcp-prod']);
    expect(await status(await mintAgentToken(AGENT_SECRET, { sub: 'alice' }))).toBe(401);
    expect(await status(await mintAgentToken(AGENT_SECRET, { sub: 'alice', issuer: 'corp-mcp', audience: 'mcp-staging' }))).toBe(401);
    expect(await status(await mintAgentToken(AGENT_SECRET, { sub: 'alice', issuer: 'corp-mcp', audience: 'mcp-prod' }))).toBe(200);
  });

  it('--oidc-authorized-party and --oidc-token-type: a token the issuer minted for another app is refused', async () => {
    const status = await proxyWith([`--oidc-issuer=${op.issuer}`, '--oidc-audience=urn:mcp-gitops:agents', '--oidc-authorized-party=agent-app', '--oidc-token-type=at+jwt']);
    const token = (clientId: string) => clientCredentialsToken(op.issuer, clientId, 'urn:mcp-gitops:agents');
    expect(await status(await token('other-app'))).toBe(401);
    expect(await status(await token('agent-app'))).toBe(200);
  });
});
