/**
 * The proxy process's configuration: flags (declared once below, help and defaults included), the
 * secret files they name, and the environment, validated into one typed `ProxyConfig`.
 *
 * @example
 *   const config = await loadProxyConfig(process.argv.slice(3), readEnvironment());
 */
import { z } from 'zod';
import { parseFlags, UsageError } from './flags.ts';
import { podNamespace, type Environment } from './env.ts';
import { defineOptions } from './options.ts';
import { secretInput } from './secret-input.ts';
import { HS256_DEFAULT_AUDIENCE, HS256_DEFAULT_ISSUER } from '../proxy/agent-auth/options.ts';

const port = z.coerce.number().int().min(0).max(65535);

export const proxyOptions = defineOptions({
  port: { arg: 'N', help: 'agent port', schema: port.default(4444) },
  adminPort: { arg: 'N', help: 'admin API port; equal to --port = one listener', schema: port.default(4445) },
  host: { arg: 'ADDR', help: 'bind address', schema: z.string().default('0.0.0.0') },
  adminTlsCertFile: { arg: 'FILE', help: 'serve the admin port over TLS with this certificate (PEM; with --admin-tls-key-file)', schema: z.string().min(1).optional() },
  adminTlsKeyFile: { arg: 'FILE', help: "that certificate's private key (PEM)", schema: z.string().min(1).optional() },
  adminTokenFile: { arg: 'FILE', help: 'the admin credential (or env MCP_GITOPS_ADMIN_TOKEN)', schema: z.string().optional() },
  adminIdentity: { arg: 'USER', help: 'the user POST /tools/invoke acts as when called with the admin\ntoken (audited as such)', schema: z.string().min(1).default('admin') },
  agentHs256SecretFile: { arg: 'FILE', help: 'shared secret for HS256 agent tokens, dev and small installs (or env\nMCP_GITOPS_AGENT_HS256_SECRET); prefer --oidc-issuer', schema: z.string().optional() },
  agentHs256Issuer: { arg: 'ISS', help: "the iss HS256 agent tokens must carry ('mcp-gitops token --iss')", schema: z.string().min(1).default(HS256_DEFAULT_ISSUER) },
  agentHs256Audience: { arg: 'AUD', help: "the aud HS256 agent tokens must carry ('mcp-gitops token --aud')", schema: z.string().min(1).default(HS256_DEFAULT_AUDIENCE) },
  oidcIssuer: { arg: 'URL', help: "verify agent JWTs against this issuer's JWKS instead", schema: z.url().optional() },
  oidcAudience: { arg: 'AUD', help: 'the audience agent JWTs must carry (with --oidc-issuer)', schema: z.string().optional() },
  oidcAuthorizedParty: {
    arg: 'CLIENT',
    multiple: true,
    help: "a client id allowed in an agent JWT's azp or client_id (repeatable); tokens the\nissuer minted for other apps are refused",
    defaultText: 'any',
    schema: z.array(z.string().min(1)).optional(),
  },
  oidcTokenType: {
    arg: 'TYP',
    multiple: true,
    help: 'a JOSE typ agent JWTs may carry (repeatable); a token without typ is accepted',
    defaultText: 'at+jwt and JWT',
    schema: z.array(z.string().min(1)).optional(),
  },
  insecureNoAgentAuth: { help: 'serve agents without authentication (never in production)', schema: z.boolean().default(false) },
  requireSync: { help: 'answer /ready 503 until the operator has converged this replica', schema: z.boolean().default(false) },
  publicUrl: { arg: 'URL', help: 'external base URL (endpoints, consent links, OAuth redirect_uri)', schema: z.url().optional() },
  allowedOrigin: { arg: 'ORIGIN', multiple: true, help: 'an Origin allowed to call MCP endpoints from a browser (repeatable)', schema: z.array(z.string()).optional() },
  allowedHost: {
    arg: 'HOST',
    multiple: true,
    help: 'a Host name agents may reach MCP endpoints by: exact, *.suffix, or * for any\n(repeatable); others get 403, against DNS rebinding',
    defaultText: 'loopback names, the --public-url host, IP literals, in-cluster names',
    schema: z.array(z.string()).optional(),
  },
  vault: { arg: 'secret|file', help: 'where user tokens are stored', defaultText: 'secret in-cluster, else file', schema: z.enum(['secret', 'file']).optional() },
  vaultNamespace: { arg: 'NS', help: 'namespace of token Secrets', defaultText: "the pod's namespace, else mcp-gitops-system", schema: z.string().optional() },
  vaultKeyFile: { arg: 'FILE', help: 'the key ring (JSON, mode 0600) for AES-256-GCM token encryption', schema: z.string().optional() },
  vaultKeySecret: { arg: 'NAME', help: 'Secret with the key ring (keys.json) when --vault=secret', schema: z.string().default('mcp-gitops-vault-key') },
  oauthAllowedHost: {
    arg: 'HOST',
    multiple: true,
    help: 'OAuth provider/metadata hosts allowed, exact or *.suffix (repeatable)',
    defaultText: 'any public host',
    schema: z.array(z.string()).optional(),
  },
  oauthAllowLoopback: { help: 'allow OAuth providers on loopback addresses (dev and tests only)', schema: z.boolean().default(false) },
  dataDir: { arg: 'DIR', help: 'file vault location', schema: z.string().default('.data/proxy') },
  connectionsClientId: {
    arg: 'ID',
    help: 'serve the /connections page; users sign in at --oidc-issuer as this\nclient (register <public-url>/connections/login/callback there)',
    schema: z.string().min(1).optional(),
  },
  connectionsClientSecretFile: { arg: 'FILE', help: "that client's secret (or env MCP_GITOPS_CONNECTIONS_CLIENT_SECRET)", schema: z.string().optional() },
  connectionsScope: { arg: 'SCOPE', multiple: true, help: 'scopes to request at sign-in (repeatable)', defaultText: 'openid', schema: z.array(z.string()).optional() },
});

export const ProxyFlags = proxyOptions.schema;
export type ProxyFlags = z.output<typeof ProxyFlags>;
export const proxyFlagSpec = proxyOptions.spec;

/** How agents authenticate: exactly one of the three. */
export type AgentAuthChoice =
  | { kind: 'hs256'; secret: string; issuer: string; audience: string }
  | { kind: 'oidc'; issuer: string; audience: string; authorizedParties: string[] | undefined; tokenTypes: string[] | undefined }
  | { kind: 'none' };

export interface ProxyConfig {
  flags: ProxyFlags;
  adminToken: string;
  /** The admin listener's TLS certificate and key, when --admin-tls-cert-file is given. */
  adminTls: { cert: string; key: string } | undefined;
  agentAuth: AgentAuthChoice;
  /** The connections page's sign-in client, when --connections-client-id is given. */
  connectionsLogin: { issuer: string; clientId: string; clientSecret: string | undefined; scopes: string[] | undefined } | undefined;
  vault: { backend: 'file'; dataDir: string; keyFile: string | undefined } | { backend: 'secret'; namespace: string; keySecretName: string; keyFile: string | undefined; inCluster: boolean };
  logLevel: Environment['MCP_GITOPS_LOG_LEVEL'];
}

async function agentAuthOf(flags: ProxyFlags, env: Environment): Promise<AgentAuthChoice> {
  const secret = await secretInput(flags.agentHs256SecretFile, env.MCP_GITOPS_AGENT_HS256_SECRET, '--agent-hs256-secret-file');
  const chosen = [secret !== undefined, flags.oidcIssuer !== undefined, flags.insecureNoAgentAuth].filter(Boolean).length;
  if (chosen !== 1) {
    throw new UsageError('choose exactly one agent authentication: --agent-hs256-secret-file, --oidc-issuer, or --insecure-no-agent-auth');
  }
  if (flags.insecureNoAgentAuth) return { kind: 'none' };
  if (secret !== undefined) {
    if (flags.oidcAuthorizedParty || flags.oidcTokenType) throw new UsageError('--oidc-authorized-party and --oidc-token-type need --oidc-issuer, not --agent-hs256-secret-file');
    return { kind: 'hs256', secret, issuer: flags.agentHs256Issuer, audience: flags.agentHs256Audience };
  }
  if (!flags.oidcAudience) throw new UsageError('--oidc-issuer needs --oidc-audience (the aud agent tokens must carry)');
  return { kind: 'oidc', issuer: flags.oidcIssuer!, audience: flags.oidcAudience, authorizedParties: flags.oidcAuthorizedParty, tokenTypes: flags.oidcTokenType };
}

/**
 * The connections page signs users in at the agents' OIDC issuer, as the client `--connections-client-id`;
 * without both it is not served (shared-secret agent auth has no identity provider to sign in with).
 */
async function connectionsLoginOf(flags: ProxyFlags, env: Environment): Promise<ProxyConfig['connectionsLogin']> {
  if (!flags.connectionsClientId) return undefined;
  if (!flags.oidcIssuer) throw new UsageError('--connections-client-id needs --oidc-issuer (users sign in where agent tokens come from)');
  const clientSecret = await secretInput(flags.connectionsClientSecretFile, env.MCP_GITOPS_CONNECTIONS_CLIENT_SECRET, '--connections-client-secret-file');
  return { issuer: flags.oidcIssuer, clientId: flags.connectionsClientId, clientSecret, scopes: flags.connectionsScope };
}

async function adminTlsOf(flags: ProxyFlags): Promise<ProxyConfig['adminTls']> {
  if (flags.adminTlsCertFile === undefined && flags.adminTlsKeyFile === undefined) return undefined;
  if (flags.adminTlsCertFile === undefined || flags.adminTlsKeyFile === undefined) throw new UsageError('--admin-tls-cert-file and --admin-tls-key-file go together');
  if (flags.adminPort === flags.port) throw new UsageError('--admin-tls-cert-file needs its own admin listener: --admin-port other than --port');
  const cert = (await secretInput(flags.adminTlsCertFile, undefined, '--admin-tls-cert-file'))!;
  const key = (await secretInput(flags.adminTlsKeyFile, undefined, '--admin-tls-key-file'))!;
  return { cert, key };
}

/** Parses `argv`, reads the secret files, and checks the combination; a bad one is a UsageError naming the flag. */
export async function loadProxyConfig(argv: string[], env: Environment): Promise<ProxyConfig> {
  const { flags } = parseFlags(argv, proxyFlagSpec, ProxyFlags);
  const adminToken = await secretInput(flags.adminTokenFile, env.MCP_GITOPS_ADMIN_TOKEN, '--admin-token-file');
  if (!adminToken) throw new UsageError('the admin credential is required: --admin-token-file FILE or env MCP_GITOPS_ADMIN_TOKEN');
  const backend = flags.vault ?? (env.KUBERNETES_SERVICE_HOST ? 'secret' : 'file');
  return {
    flags,
    adminToken,
    adminTls: await adminTlsOf(flags),
    agentAuth: await agentAuthOf(flags, env),
    connectionsLogin: await connectionsLoginOf(flags, env),
    vault:
      backend === 'file'
        ? { backend, dataDir: flags.dataDir, keyFile: flags.vaultKeyFile }
        : { backend, namespace: flags.vaultNamespace ?? podNamespace(env), keySecretName: flags.vaultKeySecret, keyFile: flags.vaultKeyFile, inCluster: env.KUBERNETES_SERVICE_HOST !== undefined },
    logLevel: env.MCP_GITOPS_LOG_LEVEL,
  };
}
