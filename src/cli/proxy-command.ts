import { z } from 'zod';
import { bearerChallenge, createOidcAgentVerifier, protectedResourceRoutes } from '../proxy/agent-auth/index.ts';
import { createConnectionsPage, type OidcLoginOptions } from '../proxy/connections/index.ts';
import { createOAuthRelay, startTokenKeeper } from '../proxy/oauth/index.ts';
import { startProxy, type AgentAuthOptions } from '../proxy/start.ts';
import { openTokenVault } from '../vault/index.ts';
import { parseFlags, runUntilSignal, UsageError } from './flags.ts';
import { processLogger } from './logger.ts';
import { secretInput } from './secret-input.ts';

const port = z.coerce.number().int().min(0).max(65535);

export const ProxyFlags = z.object({
  port: port.default(4444),
  adminPort: port.default(4445),
  host: z.string().default('0.0.0.0'),
  adminTokenFile: z.string().optional(),
  agentHs256SecretFile: z.string().optional(),
  oidcIssuer: z.url().optional(),
  oidcAudience: z.string().optional(),
  insecureNoAgentAuth: z.boolean().default(false),
  requireSync: z.boolean().default(false),
  publicUrl: z.url().optional(),
  allowedOrigin: z.array(z.string()).optional(),
  allowedHost: z.array(z.string()).optional(),
  vault: z.enum(['secret', 'file']).optional(),
  vaultNamespace: z.string().optional(),
  vaultKeyFile: z.string().optional(),
  vaultKeySecret: z.string().default('mcp-gitops-vault-key'),
  oauthAllowedHost: z.array(z.string()).optional(),
  oauthAllowLoopback: z.boolean().default(false),
  dataDir: z.string().default('.data/proxy'),
  connectionsClientId: z.string().min(1).optional(),
  connectionsClientSecretFile: z.string().optional(),
  connectionsScope: z.array(z.string()).optional(),
});
export type ProxyFlags = z.output<typeof ProxyFlags>;

export const proxyFlagSpec = {
  port: { type: 'string' },
  'admin-port': { type: 'string' },
  host: { type: 'string' },
  'admin-token-file': { type: 'string' },
  'agent-hs256-secret-file': { type: 'string' },
  'oidc-issuer': { type: 'string' },
  'oidc-audience': { type: 'string' },
  'insecure-no-agent-auth': { type: 'boolean' },
  'require-sync': { type: 'boolean' },
  'public-url': { type: 'string' },
  'allowed-origin': { type: 'string', multiple: true },
  'allowed-host': { type: 'string', multiple: true },
  vault: { type: 'string' },
  'vault-namespace': { type: 'string' },
  'vault-key-file': { type: 'string' },
  'vault-key-secret': { type: 'string' },
  'oauth-allowed-host': { type: 'string', multiple: true },
  'oauth-allow-loopback': { type: 'boolean' },
  'data-dir': { type: 'string' },
  'connections-client-id': { type: 'string' },
  'connections-client-secret-file': { type: 'string' },
  'connections-scope': { type: 'string', multiple: true },
} as const;

async function agentAuth(flags: ProxyFlags): Promise<AgentAuthOptions> {
  const secret = await secretInput(flags.agentHs256SecretFile, 'MCP_GITOPS_AGENT_HS256_SECRET', '--agent-hs256-secret-file');
  const chosen = [secret !== undefined, flags.oidcIssuer !== undefined, flags.insecureNoAgentAuth].filter(Boolean).length;
  if (chosen !== 1) {
    throw new UsageError('choose exactly one agent authentication: --agent-hs256-secret-file, --oidc-issuer, or --insecure-no-agent-auth');
  }
  if (flags.insecureNoAgentAuth) return { insecureNoAuth: true };
  if (secret !== undefined) return { hs256Secret: secret };
  if (!flags.oidcAudience) throw new UsageError('--oidc-issuer needs --oidc-audience (the aud agent tokens must carry)');
  return { verify: createOidcAgentVerifier({ issuer: flags.oidcIssuer!, audience: flags.oidcAudience }) };
}

/**
 * The connections page signs users in at the agents' OIDC issuer, as the client `--connections-client-id`;
 * without both it is not served (shared-secret agent auth has no identity provider to sign in with).
 */
async function connectionsLogin(flags: ProxyFlags): Promise<OidcLoginOptions | undefined> {
  if (!flags.connectionsClientId) return undefined;
  if (!flags.oidcIssuer) throw new UsageError('--connections-client-id needs --oidc-issuer (users sign in where agent tokens come from)');
  const secret = await secretInput(flags.connectionsClientSecretFile, 'MCP_GITOPS_CONNECTIONS_CLIENT_SECRET', '--connections-client-secret-file');
  return {
    issuer: flags.oidcIssuer,
    clientId: flags.connectionsClientId,
    ...(secret ? { clientSecret: secret } : {}),
    ...(flags.connectionsScope ? { scopes: flags.connectionsScope } : {}),
  };
}

/** `mcp-gitops proxy`: the data plane. */
export async function run(argv: string[]): Promise<number> {
  const { flags } = parseFlags(argv, proxyFlagSpec, ProxyFlags);
  const adminToken = await secretInput(flags.adminTokenFile, 'MCP_GITOPS_ADMIN_TOKEN', '--admin-token-file');
  if (!adminToken) throw new UsageError('the admin credential is required: --admin-token-file FILE or env MCP_GITOPS_ADMIN_TOKEN');
  const backend = flags.vault ?? (process.env.KUBERNETES_SERVICE_HOST ? 'secret' : 'file');
  const { vault, keyring } = await openTokenVault({
    backend,
    dataDir: flags.dataDir,
    keySecretName: flags.vaultKeySecret,
    ...(flags.vaultKeyFile ? { keyFile: flags.vaultKeyFile } : {}),
    ...(backend === 'secret' ? { secretNamespace: flags.vaultNamespace ?? process.env.POD_NAMESPACE ?? 'mcp-gitops-system' } : {}),
  });
  const logger = processLogger('mcp-gitops-proxy');
  const relay = createOAuthRelay({
    logger,
    vault,
    relayKey: keyring.deriveKey('consent-ticket'),
    policy: { allowLoopback: flags.oauthAllowLoopback, ...(flags.oauthAllowedHost ? { allowedHosts: flags.oauthAllowedHost } : {}) },
  });
  // With an OIDC issuer, agents discover it through RFC 9728 metadata named in every 401.
  let publicUrl = flags.publicUrl ?? '';
  const oidc = flags.oidcIssuer
    ? { wwwAuthenticate: bearerChallenge(() => publicUrl), routes: protectedResourceRoutes({ publicUrl: () => publicUrl, authorizationServers: [flags.oidcIssuer] }) }
    : undefined;
  const login = await connectionsLogin(flags);
  const page = login ? createConnectionsPage({ vault, relay, login: { oidc: login }, logger }) : undefined;
  const proxy = await startProxy({
    logger,
    // Upstreams on loopback or private addresses only where the McpGateway opts in (allowPrivateNetwork).
    upstreamUrlPolicy: {},
    credentials: relay.credentials,
    extraRoutes: [...relay.routes, ...(oidc?.routes ?? []), ...(page?.routes ?? [])],
    ...(oidc ? { wwwAuthenticate: oidc.wwwAuthenticate } : {}),
    port: flags.port,
    adminPort: flags.adminPort,
    host: flags.host,
    adminToken,
    agentAuth: await agentAuth(flags),
    requireSync: flags.requireSync,
    // Any replica serves any agent session: replicas share the vault keyring, so they share this key.
    sessionKeys: keyring.deriveKeys('agent-session'),
    shutdownGraceMs: 15_000,
    ...(flags.publicUrl ? { publicUrl: flags.publicUrl } : {}),
    ...(flags.allowedOrigin ? { allowedOrigins: flags.allowedOrigin } : {}),
    ...(flags.allowedHost ? { allowedHosts: flags.allowedHost } : {}),
  });
  publicUrl ||= proxy.url;
  relay.bind({ publicUrl, getGateway: (id) => proxy.getGateway(id), refreshGateway: (id, user) => proxy.refreshGateway(id, user), ...(page ? { signIn: page.signIn } : {}) });
  page?.bind({ publicUrl, registrations: () => proxy.registrations() });
  if (!page) logger.warn('connections page off (it needs --oidc-issuer and --connections-client-id): per-user OAuth consent links are refused, since no one can sign in to prove who opens them');
  // Keeps idle users' refresh tokens alive (providers expire unused ones); unref'd timer, lease-protected.
  startTokenKeeper({ credentials: relay.credentials, vault, gateways: () => proxy.registrations().gateways, logger });
  console.error(`mcp-gitops proxy: agents on ${proxy.url}, admin API on ${proxy.adminUrl}`);
  return runUntilSignal(proxy, 'mcp-gitops proxy');
}
