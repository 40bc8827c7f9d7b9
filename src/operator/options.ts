/**
 * The operator's options, validated once (the CLI parses flags into this schema; tests and
 * benchmarks pass the object directly). Flags are kubebuilder/Flux style; `operatorFlagSpec` is
 * the `node:util` parseArgs spec for them.
 */
import { z } from 'zod';

const bindAddress = z
  .string()
  .regex(/^(0|(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]*):\d{1,5})$/, 'must be host:port, :port, or 0 to disable');

const duration = (what: string, dflt: number) =>
  z.coerce.number().positive(`${what} must be a positive number of seconds`).default(dflt);

export const OperatorOptions = z
  .object({
    /** Kubeconfig file. Default: in-cluster, then `$KUBECONFIG`, then `~/.kube/config`. */
    kubeconfig: z.string().min(1).optional(),
    /** Watch one namespace. Default: all namespaces. */
    namespace: z.string().min(1).max(63).optional(),
    /** Elect a leader on a Lease before acting. Default false. */
    leaderElect: z.boolean().default(false),
    /** Namespace of the Lease. Default: the pod's namespace (in-cluster), else `--namespace`, else `default`. */
    leaderElectionNamespace: z.string().min(1).max(63).optional(),
    /** Name of the Lease. Default `mcp-gitops-operator`. */
    leaderElectionId: z.string().min(1).max(253).default('mcp-gitops-operator'),
    /** Seconds a Lease is valid without renewal; a dead leader is replaced after this. Default 15. */
    leaderElectLeaseDuration: duration('--leader-elect-lease-duration', 15),
    /** Seconds the leader keeps trying to renew before it gives up leading. Default 10. */
    leaderElectRenewDeadline: duration('--leader-elect-renew-deadline', 10),
    /** Seconds between acquire/renew attempts. Default 2. */
    leaderElectRetryPeriod: duration('--leader-elect-retry-period', 2),
    /** Reconciles in parallel. Default 4. */
    concurrent: z.coerce.number().int().min(1).max(1000).default(4),
    /** Prometheus `/metrics`. Default `:8080`; `0` disables. */
    metricsBindAddress: bindAddress.default(':8080'),
    /** `/healthz` and `/readyz`. Default `:8081`; `0` disables. */
    healthProbeBindAddress: bindAddress.default(':8081'),
    /** The proxy Service (`namespace/name`) whose EndpointSlices are the replicas. */
    proxyService: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be namespace/name of a Service')
      .optional(),
    /** Name of the proxy Service's admin port. Default `admin`. */
    proxyAdminPortName: z.string().min(1).default('admin'),
    /** Admin port when a slice has no port of that name. Default 4445. */
    proxyAdminPort: z.coerce.number().int().min(1).max(65535).default(4445),
    /** Fixed proxy admin URLs instead of a Service (repeatable). */
    proxyUrl: z.array(z.url({ protocol: /^https?$/ })).default([]),
    /** Public base URL of the proxy's agent listener, for `status.endpoint` of VirtualServers. */
    proxyPublicUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** File holding the proxy admin token. Else env `MCP_GITOPS_ADMIN_TOKEN`. */
    adminTokenFile: z.string().min(1).optional(),
    /** The admin token itself (programmatic use; never a flag, so it stays out of `ps`). */
    adminToken: z.string().min(1).optional(),
    /** Seconds between full re-reconciles of VirtualServers (gateways follow their own health interval). Default 300. */
    resyncPeriod: duration('--resync-period', 300),
    /** Seconds between `GET /state` polls of every replica. Default 5. */
    proxyPollInterval: duration('--proxy-poll-interval', 5),
    /** Seconds to keep retrying to deregister a deleted resource before removing its finalizer anyway. Default 30. */
    finalizerTimeout: duration('--finalizer-timeout', 30),
    /** First delay (seconds) before looking again while an upstream's first health check is pending; doubles per look, at most 5 s. Default 0.1. */
    progressInterval: duration('--progress-interval', 0.1),
  })
  .superRefine((o, ctx) => {
    if (!o.proxyService && o.proxyUrl.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['proxyService'], message: 'or --proxy-url is required: the operator needs proxy replicas to converge' });
    }
    if (o.leaderElectRenewDeadline >= o.leaderElectLeaseDuration) {
      ctx.addIssue({ code: 'custom', path: ['leaderElectRenewDeadline'], message: 'must be less than --leader-elect-lease-duration' });
    }
    if (o.leaderElectRetryPeriod >= o.leaderElectRenewDeadline) {
      ctx.addIssue({ code: 'custom', path: ['leaderElectRetryPeriod'], message: 'must be less than --leader-elect-renew-deadline' });
    }
    if (o.proxyService && o.proxyUrl.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['proxyUrl'], message: 'cannot be combined with --proxy-service; use one of them' });
    }
  });
export type OperatorOptions = z.output<typeof OperatorOptions>;
export type OperatorOptionsInput = z.input<typeof OperatorOptions>;

/** `node:util` parseArgs spec of the operator's flags (kebab-case). */
export const operatorFlagSpec = {
  kubeconfig: { type: 'string' },
  namespace: { type: 'string' },
  'leader-elect': { type: 'boolean' },
  'leader-election-namespace': { type: 'string' },
  'leader-election-id': { type: 'string' },
  'leader-elect-lease-duration': { type: 'string' },
  'leader-elect-renew-deadline': { type: 'string' },
  'leader-elect-retry-period': { type: 'string' },
  concurrent: { type: 'string' },
  'metrics-bind-address': { type: 'string' },
  'health-probe-bind-address': { type: 'string' },
  'proxy-service': { type: 'string' },
  'proxy-admin-port-name': { type: 'string' },
  'proxy-admin-port': { type: 'string' },
  'proxy-url': { type: 'string', multiple: true },
  'proxy-public-url': { type: 'string' },
  'admin-token-file': { type: 'string' },
  'resync-period': { type: 'string' },
  'proxy-poll-interval': { type: 'string' },
  'finalizer-timeout': { type: 'string' },
  'progress-interval': { type: 'string' },
} as const;
