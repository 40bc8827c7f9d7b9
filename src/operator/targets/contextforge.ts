/**
 * The operator's ContextForge target (`--target contextforge`): the adapter of `src/contextforge/`
 * with its admin credential read from a Kubernetes Secret (`--contextforge-token-secret ns/name`,
 * key `token`), re-read at most every 10 s so a rotated credential is used without a restart.
 * Writes are counted in the same metric as proxy writes (`mcp_gitops_operator_proxy_writes_total`).
 */
import { ContextForgeClient } from '../../contextforge/client.ts';
import { ContextForgeTarget } from '../../contextforge/target.ts';
import type { ReconcileTarget } from '../../reconcile/target.ts';
import type { KubeClient } from '../../kube/client.ts';
import { countProxyWrite, type OperatorMetrics } from '../metrics.ts';
import type { OperatorOptions } from '../options.ts';

const TOKEN_TTL_MS = 10_000;

/** Reads the admin credential from `ns/name` (key `key`), cached for 10 s. Errors name the Secret, never its value. */
export function secretToken(client: KubeClient, ref: string, key: string): () => Promise<string> {
  const [namespace, name] = ref.split('/') as [string, string];
  let cached: { value: string; at: number } | undefined;
  return async () => {
    if (cached && Date.now() - cached.at < TOKEN_TTL_MS) return cached.value;
    let secret: { data?: Record<string, string> };
    try {
      secret = await client.get(`/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`);
    } catch (err) {
      const status = (err as { status?: number }).status;
      throw new Error(status === 404 ? `the ContextForge admin credential Secret ${ref} does not exist` : `reading the ContextForge admin credential Secret ${ref} failed (HTTP ${status ?? 'no answer'})`);
    }
    const encoded = secret.data?.[key];
    if (!encoded) throw new Error(`the ContextForge admin credential Secret ${ref} has no key "${key}"`);
    const value = Buffer.from(encoded, 'base64').toString('utf8').trim();
    cached = { value, at: Date.now() };
    return value;
  };
}

export function contextforgeTarget(o: OperatorOptions, client: KubeClient, metrics: OperatorMetrics): ReconcileTarget {
  const url = o.contextforgeUrl!;
  const fixed = o.contextforgeToken;
  const token = fixed ? () => fixed : secretToken(client, o.contextforgeTokenSecret!, o.contextforgeTokenSecretKey);
  const cf = new ContextForgeClient({ baseUrl: url, token, onWrite: (verb, resource) => countProxyWrite(metrics, verb, `contextforge-${resource}`) });
  return new ContextForgeTarget({ client: cf, token, ...(o.contextforgePublicUrl ? { publicUrl: o.contextforgePublicUrl } : {}) });
}
