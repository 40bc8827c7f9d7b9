// Shared set-up for the OAuth integration suites: a protected upstream, a real OAuth server, a file
// vault, the relay and a connections page with dev sign-in links (consent needs a signed-in
// browser) mounted on a small loopback HTTP server, captured logs, and gateway registrations.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { pino, type Logger } from 'pino';
import { gatewayId } from '../../../src/api/ids.ts';
import { specHash } from '../../../src/contract/digest.ts';
import { GatewayCreate } from '../../../src/contract/wire.ts';
import { createConnectionsPage } from '../../../src/proxy/connections/index.ts';
import { createOAuthRelay, type OAuthRelay, type OAuthRelayOptions } from '../../../src/proxy/oauth/index.ts';
import type { AgentIdentity, GatewayRegistration } from '../../../src/proxy/registry/types.ts';
import { EncryptedTokenVault, FileRecordStore, Keyring, type RecordStore, type TokenVault } from '../../../src/vault/index.ts';
import { startOidcProvider, type OidcProviderOptions, type RunningOidcProvider } from '../../support/oidc-provider.ts';
import { startProtectedUpstream, type ProtectedUpstream } from '../../support/protected-upstream.ts';

export const CLIENT_ID = 'mcp-gitops-relay';
/** The gateways the suites register with {@link CLIENT_ID} (their callbacks are registered at the provider). */
const GATEWAY_NAMES = ['refreshing', 'refusals', 'rovo-issuer', 'rovo-static', 'secret-backed', 'shared', 'shared-private', 'rovo-mcp', 'mixup-honest'];
export const CLIENT_SECRET = `client-secret-${randomBytes(12).toString('hex')}`;

export function registration(name: string, body: Record<string, unknown>, namespace = 'mcp'): GatewayRegistration {
  const spec = GatewayCreate.parse({ name, namespace, transport: 'STREAMABLEHTTP', ...body });
  const now = new Date().toISOString();
  return { id: gatewayId(namespace, name), slug: name, spec, specHash: specHash(body), createdAt: now, updatedAt: now };
}

export interface RelayHost {
  url: string;
  relay: OAuthRelay;
  vault: TokenVault;
  discoveries: Array<{ gatewayId: string; user: AgentIdentity }>;
  /** A one-time link that signs `user` in on this host (pass it to `completeConsent` as `signIn`). */
  signInLink(user: string): string;
  stop(): Promise<void>;
}

export interface Harness {
  upstream: ProtectedUpstream;
  op: RunningOidcProvider;
  dataDir: string;
  keyring: Keyring;
  relayKey: Uint8Array;
  logs: string[];
  logger: Logger;
  gateways: Map<string, GatewayRegistration>;
  primary: RelayHost;
  /** Another replica: its own relay and vault instance over the same data dir and keys, same public URL. */
  startReplica(overrides?: Partial<OAuthRelayOptions>): Promise<RelayHost>;
  stop(): Promise<void>;
}

/** Mounts a relay's routes on a loopback server, like the proxy's agent listener does. */
async function hostRelay(h: Omit<Harness, 'primary' | 'startReplica' | 'stop'> & { makeStore: () => RecordStore }, overrides: Partial<OAuthRelayOptions>, fixedPort?: number, publicUrl?: string): Promise<RelayHost> {
  const vault = new EncryptedTokenVault({ store: h.makeStore(), keyring: h.keyring });
  const relay = createOAuthRelay({ vault, relayKey: h.relayKey, policy: { allowLoopback: true }, logger: h.logger, ...overrides });
  const page = createConnectionsPage({ vault, relay, login: { dev: {} }, logger: h.logger });
  const routes = [...relay.routes, ...page.routes];
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = routes.find((r) => r.method === req.method && url.pathname.startsWith(r.pathPrefix));
    if (!route) return void res.writeHead(404).end();
    await route.handler(req, res, url);
  });
  await new Promise<void>((resolve) => server.listen(fixedPort ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const discoveries: RelayHost['discoveries'] = [];
  relay.bind({
    publicUrl: publicUrl ?? url,
    getGateway: (id) => h.gateways.get(id),
    refreshGateway: async (id, user) => void discoveries.push({ gatewayId: id, user }),
    signIn: page.signIn,
  });
  page.bind({ publicUrl: publicUrl ?? url, registrations: () => ({ gateways: [...h.gateways.values()], servers: [] }) });
  return {
    url,
    relay,
    vault,
    discoveries,
    signInLink: (user) => page.devLoginUrl(user).replace(publicUrl ?? url, url),
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export interface HarnessOptions {
  /** The vault backend of every replica. Defaults to files under the harness's data dir. */
  store?: () => RecordStore;
  /** More settings of the OAuth server. */
  provider?: Partial<OidcProviderOptions>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const upstream = await startProtectedUpstream();
  const dataDir = await mkdtemp(join(tmpdir(), 'oauth-it-'));
  const makeStore = options.store ?? (() => new FileRecordStore({ dataDir }));
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } }));
  const base = { upstream, dataDir, keyring: Keyring.generate(), relayKey: randomBytes(32), logs, logger, gateways: new Map<string, GatewayRegistration>() };
  // The relay's callback URL must be registered at the provider before it starts: reserve the port.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const op = await startOidcProvider({
    ...options.provider,
    resource: upstream.resource,
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      // Each gateway has its own callback (/oauth/callback/<namespace>/<name>): the suites' gateways.
      redirect_uris: GATEWAY_NAMES.map((name) => `http://127.0.0.1:${port}/oauth/callback/mcp/${name}`),
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    }],
  });
  upstream.trust(op.issuer, op.jwksUri);
  const h = { ...base, op, makeStore };
  const primary = await hostRelay(h, {}, port);
  const replicas: RelayHost[] = [];
  return {
    ...h,
    primary,
    async startReplica(overrides = {}) {
      const replica = await hostRelay(h, overrides, undefined, primary.url);
      replicas.push(replica);
      return replica;
    },
    async stop() {
      for (const r of [primary, ...replicas]) await r.stop();
      await op.stop();
      await upstream.stop();
      await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

/** Calls the upstream's `whoami` with the SDK client as the proxy would, carrying `headers`. */
export async function callWhoami(resource: string, headers: Record<string, string>): Promise<string> {
  const client = new Client({ name: 'oauth-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(resource), { requestInit: { headers } }));
  try {
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    return (result.content as Array<{ text: string }>)[0]!.text;
  } finally {
    await client.close();
  }
}
