/**
 * The platform's guard-rails on what a gateway author may ask the proxy to reach (docs/security.md,
 * "Platform policy"). Set by whoever runs the operator (its flags), not by whoever writes the
 * McpGateway:
 *
 * - `spec.allowPrivateNetwork: true` (private, link-local and loopback upstreams and OAuth
 *   endpoints) only in the namespaces `allowPrivateNetworkNamespaces` lists;
 * - a plain `http:` `spec.url` only in the namespaces `allowPlainHttpNamespaces` lists;
 * - an OAuth gateway's `issuer`, `authorizationUrl` and `tokenUrl` must be `https:`; plain `http:`
 *   only in the namespaces `allowPlainHttpNamespaces` lists (where the proxy still accepts it only
 *   for loopback hosts, its own check).
 *
 * `*` in a list means every namespace. Pure: no I/O.
 *
 * @example
 *   const deny = gatewayPolicyViolation(gw, { allowPrivateNetworkNamespaces: ['platform'], allowPlainHttpNamespaces: [] });
 *   // deny?.reason === 'PolicyDenied', deny.path === 'spec.allowPrivateNetwork'
 */
import { ReconcileError } from './errors.ts';
import type { McpGateway } from './resources.ts';

export interface TenantPolicy {
  /** Namespaces whose McpGateways may set `spec.allowPrivateNetwork`; `*` = all. */
  allowPrivateNetworkNamespaces: readonly string[];
  /** Namespaces whose McpGateways may use plain `http:` (upstream and OAuth endpoints); `*` = all. */
  allowPlainHttpNamespaces: readonly string[];
}

/** The flags that set each list, named in every refusal so the reader knows whom to ask. */
export const POLICY_FLAGS = {
  privateNetwork: '--allow-private-network-namespace',
  plainHttp: '--allow-plain-http-namespace',
} as const;

/** A policy that allows everything (`mcp-gitops dev`, tests that reach loopback upstreams). */
export const ALLOW_ALL: TenantPolicy = { allowPrivateNetworkNamespaces: ['*'], allowPlainHttpNamespaces: ['*'] };

const allows = (list: readonly string[], namespace: string): boolean => list.includes('*') || list.includes(namespace);

const listed = (list: readonly string[]): string => (list.length === 0 ? 'none' : list.join(', '));

function denied(path: string, message: string): ReconcileError {
  return new ReconcileError('ERR_POLICY_DENIED', path, message);
}

/** The first rule `gw` breaks, as a `PolicyDenied` error naming the field and the flag; undefined when it breaks none. */
export function gatewayPolicyViolation(gw: McpGateway, policy: TenantPolicy): ReconcileError | undefined {
  const namespace = gw.metadata.namespace ?? 'default';
  const spec = gw.spec;
  if (spec.allowPrivateNetwork && !allows(policy.allowPrivateNetworkNamespaces, namespace)) {
    return denied(
      'spec.allowPrivateNetwork',
      `namespace ${namespace} may not reach private networks; the platform allows it only in the namespaces of the operator's ${POLICY_FLAGS.privateNetwork} (now: ${listed(policy.allowPrivateNetworkNamespaces)})`,
    );
  }
  if (allows(policy.allowPlainHttpNamespaces, namespace)) return undefined;
  const plain = (url: string | undefined): boolean => url !== undefined && url.toLowerCase().startsWith('http:');
  const httpRule = `the platform allows plain http only in the namespaces of the operator's ${POLICY_FLAGS.plainHttp} (now: ${listed(policy.allowPlainHttpNamespaces)})`;
  if (plain(spec.url)) return denied('spec.url', `must be https in namespace ${namespace}: ${httpRule}`);
  const oauth = spec.auth?.oauth;
  if (spec.auth?.type === 'OAuth' && oauth) {
    for (const field of ['issuer', 'authorizationUrl', 'tokenUrl'] as const) {
      if (plain(oauth[field])) return denied(`spec.auth.oauth.${field}`, `must be https: OAuth endpoints carry codes and tokens; ${httpRule}`);
    }
  }
  return undefined;
}
