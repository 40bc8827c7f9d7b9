/**
 * What each service account of the install must and must not be able to do, as `kubectl auth can-i`
 * questions: [verb, resource, namespace ('*' = all namespaces, '' = cluster-scoped)].
 *
 * The operator: its two kinds everywhere (read; patch/update only for its finalizer), their status,
 * read-only Secrets everywhere (referenced client secrets), events, and in its own namespace the
 * EndpointSlices of the proxy Service and its leader-election Lease.
 * The proxy: Secrets in its own namespace (the token vault and its keyring), nothing else.
 */
import { SYSTEM_NAMESPACE as SYS } from './rendered.ts';

export type Question = readonly [verb: string, resource: string, namespace: string];

export const OPERATOR_SA = `system:serviceaccount:${SYS}:mcp-gitops-operator`;
export const PROXY_SA = `system:serviceaccount:${SYS}:mcp-gitops-proxy`;

export const OPERATOR_ALLOWED: readonly Question[] = [
  ['get', 'mcpgateways.mcp-gitops.dev', 'mcp'],
  ['list', 'mcpgateways.mcp-gitops.dev', '*'],
  ['watch', 'mcpgateways.mcp-gitops.dev', '*'],
  ['patch', 'mcpgateways.mcp-gitops.dev', 'mcp'],
  ['list', 'virtualservers.mcp-gitops.dev', '*'],
  ['watch', 'virtualservers.mcp-gitops.dev', '*'],
  ['update', 'virtualservers.mcp-gitops.dev', 'mcp'],
  ['update', 'mcpgateways.mcp-gitops.dev/status', 'mcp'],
  ['patch', 'mcpgateways.mcp-gitops.dev/status', 'mcp'],
  ['update', 'virtualservers.mcp-gitops.dev/status', 'mcp'],
  ['patch', 'virtualservers.mcp-gitops.dev/status', 'mcp'],
  ['update', 'mcpgateways.mcp-gitops.dev/finalizers', 'mcp'],
  ['update', 'virtualservers.mcp-gitops.dev/finalizers', 'mcp'],
  ['get', 'secrets', 'mcp'],
  ['list', 'secrets', '*'],
  ['watch', 'secrets', '*'],
  ['create', 'events', 'mcp'],
  ['patch', 'events', 'mcp'],
  ['get', 'endpointslices.discovery.k8s.io', SYS],
  ['list', 'endpointslices.discovery.k8s.io', SYS],
  ['watch', 'endpointslices.discovery.k8s.io', SYS],
  ['get', 'leases.coordination.k8s.io/mcp-gitops-operator', SYS],
  ['create', 'leases.coordination.k8s.io', SYS],
  ['update', 'leases.coordination.k8s.io/mcp-gitops-operator', SYS],
  ['watch', 'leases.coordination.k8s.io/mcp-gitops-operator', SYS],
];

export const OPERATOR_DENIED: readonly Question[] = [
  ['create', 'mcpgateways.mcp-gitops.dev', 'mcp'],
  ['delete', 'mcpgateways.mcp-gitops.dev', 'mcp'],
  ['delete', 'virtualservers.mcp-gitops.dev', 'mcp'],
  ['create', 'secrets', 'mcp'],
  ['update', 'secrets', 'mcp'],
  ['delete', 'secrets', SYS],
  ['list', 'endpointslices.discovery.k8s.io', '*'],
  ['get', 'endpointslices.discovery.k8s.io', 'default'],
  ['create', 'leases.coordination.k8s.io', 'kube-system'],
  ['delete', 'leases.coordination.k8s.io', SYS],
  ['update', 'leases.coordination.k8s.io/another-controller', SYS],
  ['get', 'leases.coordination.k8s.io/another-controller', SYS],
  ['get', 'configmaps', SYS],
  ['list', 'pods', '*'],
  ['create', 'pods', SYS],
  ['list', 'namespaces', ''],
  ['create', 'customresourcedefinitions.apiextensions.k8s.io', ''],
  ['create', 'clusterrolebindings.rbac.authorization.k8s.io', ''],
  ['impersonate', 'serviceaccounts', SYS],
];

export const PROXY_ALLOWED: readonly Question[] = [
  ['get', 'secrets', SYS],
  ['list', 'secrets', SYS],
  ['watch', 'secrets', SYS],
  ['create', 'secrets', SYS],
  ['update', 'secrets', SYS],
  ['delete', 'secrets', SYS],
];

export const PROXY_DENIED: readonly Question[] = [
  ['get', 'secrets', 'default'],
  ['get', 'secrets', 'mcp'],
  ['get', 'secrets', 'kube-system'],
  ['list', 'secrets', '*'],
  ['create', 'secrets', 'mcp'],
  ['get', 'mcpgateways.mcp-gitops.dev', 'mcp'],
  ['list', 'virtualservers.mcp-gitops.dev', '*'],
  ['get', 'configmaps', SYS],
  ['list', 'endpointslices.discovery.k8s.io', SYS],
  ['create', 'leases.coordination.k8s.io', SYS],
  ['list', 'namespaces', ''],
  ['create', 'pods', SYS],
  ['create', 'events', SYS],
];

/** `kubectl auth can-i` arguments for a question, asked as `user`. */
export function canIArgs(user: string, [verb, resource, namespace]: Question): string[] {
  const where = namespace === '*' ? ['--all-namespaces'] : namespace === '' ? [] : ['-n', namespace];
  return ['auth', 'can-i', verb, resource, ...where, `--as=${user}`, `--as-group=system:serviceaccounts`, `--as-group=system:serviceaccounts:${SYS}`];
}
