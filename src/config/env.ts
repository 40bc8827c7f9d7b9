/**
 * The process environment, read in this one place and validated once. Every other module gets
 * what it needs from its process's loaded config (config/proxy.ts, config/operator.ts, config/dev.ts);
 * test/unit/structure fails on a `process.env` read anywhere else in src/.
 *
 * Variables (all optional):
 *   MCP_GITOPS_LOG_LEVEL                  fatal|error|warn|info|debug|trace|silent (default info)
 *   MCP_GITOPS_ADMIN_TOKEN                the admin credential, when no --admin-token-file is given
 *   MCP_GITOPS_AGENT_HS256_SECRET         the agent HS256 secret, when no --agent-hs256-secret-file
 *   MCP_GITOPS_CONNECTIONS_CLIENT_SECRET  the connections client secret, when no file is given
 *   MCPGATEWAY_BEARER_TOKEN               ContextForge's admin credential for `dev --target contextforge`
 *                                         (the seed's variable), when no --contextforge-token-file is given
 *   POD_NAMESPACE, POD_NAME               the Downward API (the Deployments in manifests/)
 *   HOSTNAME                              the pod name when POD_NAME is not set
 *   KUBERNETES_SERVICE_HOST               set by the kubelet: we run in a cluster
 *   KUBERNETES_SERVICE_PORT               set by the kubelet: the API server's port (in-cluster access)
 *   KUBECONFIG, HOME                      where kubeconfig files are looked for out of a cluster
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The namespace the manifests install into, and the pod namespace when nothing says otherwise. */
export const SYSTEM_NAMESPACE = 'mcp-gitops-system';

/** Unset, empty and blank are the same: not given. Values are trimmed. */
const given = z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined), z.string().optional());

export const Environment = z.object({
  MCP_GITOPS_LOG_LEVEL: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined),
    z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  ),
  MCP_GITOPS_ADMIN_TOKEN: given,
  MCP_GITOPS_AGENT_HS256_SECRET: given,
  MCP_GITOPS_CONNECTIONS_CLIENT_SECRET: given,
  MCPGATEWAY_BEARER_TOKEN: given,
  POD_NAMESPACE: given,
  POD_NAME: given,
  HOSTNAME: given,
  KUBERNETES_SERVICE_HOST: given,
  KUBERNETES_SERVICE_PORT: given,
  KUBECONFIG: given,
  HOME: given,
});
export type Environment = z.output<typeof Environment>;

/** Validates `source` (default: this process's environment). Throws naming the variable, never its value. */
export function readEnvironment(source: Record<string, string | undefined> = process.env): Environment {
  const result = Environment.safeParse(source);
  if (!result.success) throw new Error(result.error.issues.map((i) => `${String(i.path[0])} ${i.message}`).join('; '));
  return result.data;
}

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/**
 * The namespace this process runs in: `POD_NAMESPACE`, else (in a cluster) the service account's
 * namespace file, else `mcp-gitops-system`. The one default for every "the pod's namespace".
 */
export function podNamespace(env: Environment, serviceAccountFile = SERVICE_ACCOUNT_NAMESPACE): string {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    const ns = readFileSync(serviceAccountFile, 'utf8').trim();
    if (ns) return ns;
  } catch {
    // Out of a cluster, or no service account mounted: the default below holds.
  }
  return SYSTEM_NAMESPACE;
}

/** The environment of a child process we start: ours (PATH, HOME, proxies) plus `extra`. */
export function childEnvironment(extra: Record<string, string>): Record<string, string | undefined> {
  return { ...process.env, ...extra };
}
