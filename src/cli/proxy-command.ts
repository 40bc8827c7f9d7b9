import { readEnvironment } from '../config/env.ts';
import { loadProxyConfig, type ProxyConfig } from '../config/proxy.ts';
import { bearerChallenge, createOidcAgentVerifier, protectedResourceRoutes, resolveJwksUri } from '../proxy/agent-auth/index.ts';
import { createConnectionsPage } from '../proxy/connections/index.ts';
import { createOAuthRelay, startTokenKeeper } from '../proxy/oauth/index.ts';
import { startProxy, type AgentAuthOptions } from '../proxy/start.ts';
import { openTokenVault } from '../vault/index.ts';
import { runUntilSignal } from './flags.ts';
import { processLogger } from './logger.ts';

function agentAuth(choice: ProxyConfig['agentAuth']): AgentAuthOptions {
  if (choice.kind === 'none') return { insecureNoAuth: true };
  if (choice.kind === 'hs256') return { hs256Secret: choice.secret, issuer: choice.issuer, audience: choice.audience };
  const { issuer, audience, authorizedParties, tokenTypes } = choice;
  return { verify: createOidcAgentVerifier({ issuer, audience, ...(authorizedParties ? { authorizedParties } : {}), ...(tokenTypes ? { tokenTypes } : {}) }) };
}

/** `mcp-gitops proxy`: the data plane. */
export async function run(argv: string[]): Promise<number> {
  const config = await loadProxyConfig(argv, readEnvironment());
  const { flags } = config;
  const { vault, keyring } = await openTokenVault(
    config.vault.backend === 'file'
      ? { backend: 'file', dataDir: config.vault.dataDir, keyFile: config.vault.keyFile }
      : { backend: 'secret', secretNamespace: config.vault.namespace, keySecretName: config.vault.keySecretName, keyFile: config.vault.keyFile, inCluster: config.vault.inCluster },
  );
  const logger = processLogger('mcp-gitops-proxy', config.logLevel);
  const relay = createOAuthRelay({
    logger,
    vault,
    relayKey: keyring.deriveKey('consent-ticket'),
    policy: { allowLoopback: flags.oauthAllowLoopback, allowedHosts: flags.oauthAllowedHost },
  });
  // With an OIDC issuer, agents discover it through RFC 9728 metadata named in every 401.
  let publicUrl = flags.publicUrl ?? '';
  const oidc = flags.oidcIssuer
    ? { wwwAuthenticate: bearerChallenge(() => publicUrl), routes: protectedResourceRoutes({ publicUrl: () => publicUrl, authorizationServers: [flags.oidcIssuer] }) }
    : undefined;
  const login = config.connectionsLogin;
  const page = login ? createConnectionsPage({ vault, relay, login: { oidc: login }, pageKey: keyring.deriveKey('connections-page'), logger }) : undefined;
  const proxy = await startProxy({
    logger,
    // Upstreams on loopback or private addresses only where the McpGateway opts in (allowPrivateNetwork).
    upstreamUrlPolicy: {},
    credentials: relay.credentials,
    extraRoutes: [...relay.routes, ...(oidc?.routes ?? []), ...(page?.routes ?? [])],
    wwwAuthenticate: oidc?.wwwAuthenticate,
    port: flags.port,
    adminPort: flags.adminPort,
    host: flags.host,
    ...(config.adminTls ? { adminTls: config.adminTls } : {}),
    adminToken: config.adminToken,
    adminIdentity: flags.adminIdentity,
    agentAuth: agentAuth(config.agentAuth),
    requireSync: flags.requireSync,
    // Any replica serves any agent session: replicas share the vault keyring, so they share this key.
    sessionKeys: keyring.deriveKeys('agent-session'),
    shutdownGraceMs: 15_000,
    publicUrl: flags.publicUrl,
    allowedOrigins: flags.allowedOrigin,
    allowedHosts: flags.allowedHost,
  });
  publicUrl ||= proxy.url;
  relay.bind({ publicUrl, getGateway: (id) => proxy.getGateway(id), refreshGateway: (id, user) => proxy.refreshGateway(id, user), signIn: page?.signIn });
  page?.bind({ publicUrl, registrations: () => proxy.registrations() });
  if (!page) logger.warn('connections page off (it needs --oidc-issuer and --connections-client-id): per-user OAuth consent links are refused, since no one can sign in to prove who opens them');
  // An issuer that does not answer (the manifests' placeholder, a typo) is said once at start too, not
  // only in each agent's 401; the verifier keeps trying on every request.
  if (config.agentAuth.kind === 'oidc') {
    resolveJwksUri({ issuer: config.agentAuth.issuer }).catch((error: Error) =>
      logger.warn(`${error.message}: agents are refused with 401 until it answers (--oidc-issuer; in the manifests, oidc-issuer of ConfigMap mcp-gitops-config)`),
    );
  }
  // Keeps idle users' refresh tokens alive (providers expire unused ones); unref'd timer, lease-protected.
  startTokenKeeper({ credentials: relay.credentials, vault, gateways: () => proxy.registrations().gateways, logger });
  console.error(`mcp-gitops proxy: agents on ${proxy.url}, admin API on ${proxy.adminUrl}`);
  return runUntilSignal(proxy, 'mcp-gitops proxy');
}
