/**
 * The operator's options, declared once (config/options.ts): the CLI parses flags into this schema
 * (config/operator.ts adds what comes from files and the environment), tests and benchmarks pass
 * the object directly, and `mcp-gitops operator --help` is generated from the same table. Flags are
 * kubebuilder/Flux style.
 */
import { z } from 'zod';
import { defineOptions } from '../config/options.ts';

const bindAddress = z
  .string()
  .regex(/^(0|(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]*):\d{1,5})$/, 'must be host:port, :port, or 0 to disable');

/** A namespace name, or `*` for every namespace. */
const namespaceOrAll = z.string().regex(/^(\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?)$/, 'must be a namespace name or *').max(63);

const seconds = (flag: string, dflt: number) => z.coerce.number().positive(`${flag} must be a positive number of seconds`).default(dflt);

export const operatorOptions = defineOptions({
  kubeconfig: { arg: 'FILE', help: 'the kubeconfig file', defaultText: 'in-cluster, then $KUBECONFIG, then ~/.kube/config', schema: z.string().min(1).optional() },
  namespace: { arg: 'NS', help: 'watch one namespace', defaultText: 'all', schema: z.string().min(1).max(63).optional() },
  leaderElect: { help: 'elect a leader on a Lease before acting', schema: z.boolean().default(false) },
  leaderElectionNamespace: {
    arg: 'NS',
    help: 'namespace of the Lease',
    defaultText: "the pod's namespace, else mcp-gitops-system",
    schema: z.string().min(1).max(63).optional(),
  },
  leaderElectionId: { arg: 'NAME', help: 'name of the Lease', schema: z.string().min(1).max(253).default('mcp-gitops-operator') },
  leaderElectLeaseDuration: { arg: 'S', help: 'how long a Lease is held without renewal', schema: seconds('--leader-elect-lease-duration', 15) },
  leaderElectRenewDeadline: { arg: 'S', help: 'how long the leader retries renewal before stepping down', schema: seconds('--leader-elect-renew-deadline', 10) },
  leaderElectRetryPeriod: { arg: 'S', help: 'how often candidates try to acquire or renew', schema: seconds('--leader-elect-retry-period', 2) },
  concurrent: { arg: 'N', help: 'reconciles in parallel', schema: z.coerce.number().int().min(1).max(1000).default(4) },
  metricsBindAddress: { arg: 'ADDR', help: 'Prometheus /metrics; 0 = off', schema: bindAddress.default(':8080') },
  healthProbeBindAddress: { arg: 'ADDR', help: '/healthz and /readyz; 0 = off', schema: bindAddress.default(':8081') },
  proxyService: {
    arg: 'NS/NAME',
    help: 'the proxy Service whose EndpointSlices are the replicas',
    schema: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be namespace/name of a Service')
      .optional(),
  },
  proxyAdminPortName: { arg: 'NAME', help: "the Service's admin port name", schema: z.string().min(1).default('admin') },
  proxyAdminPort: { arg: 'N', help: 'admin port when a slice names none', schema: z.coerce.number().int().min(1).max(65535).default(4445) },
  proxyAdminCaFile: {
    arg: 'FILE',
    help: "CA (PEM) of the replicas' admin TLS certificates: call them over https and check\nthe certificate (docs/security.md, 'Admin TLS')",
    schema: z.string().min(1).optional(),
  },
  proxyAdminServerName: {
    arg: 'NAME',
    help: 'the DNS name the admin certificates are checked against',
    defaultText: '<service>.<namespace>.svc of --proxy-service, else the URL host',
    schema: z.string().min(1).max(253).optional(),
  },
  proxyUrl: { arg: 'URL', multiple: true, help: 'a fixed proxy admin URL instead (repeatable)', schema: z.array(z.url({ protocol: /^https?$/ })).default([]) },
  proxyPublicUrl: { arg: 'URL', help: "agents' base URL of the proxy, for VirtualServer status.endpoint", schema: z.url({ protocol: /^https?$/ }).optional() },
  adminTokenFile: { arg: 'FILE', help: 'the proxy admin credential (or env MCP_GITOPS_ADMIN_TOKEN)', schema: z.string().min(1).optional() },
  allowPrivateNetworkNamespace: {
    arg: 'NS',
    multiple: true,
    help: 'a namespace whose McpGateways may set spec.allowPrivateNetwork (repeatable,\n* = all); others get Ready=False PolicyDenied (docs/security.md)',
    defaultText: 'none',
    schema: z.array(namespaceOrAll).default([]),
  },
  allowPlainHttpNamespace: {
    arg: 'NS',
    multiple: true,
    help: 'a namespace whose McpGateways may use plain http in spec.url and OAuth\nendpoints (repeatable, * = all); others get Ready=False PolicyDenied',
    defaultText: 'none',
    schema: z.array(namespaceOrAll).default([]),
  },
  resyncPeriod: { arg: 'SECONDS', help: 'full resync interval of VirtualServers (gateways follow their health interval)', schema: seconds('--resync-period', 300) },
  proxyPollInterval: { arg: 'SECONDS', help: "how often each replica's state digest is checked", schema: seconds('--proxy-poll-interval', 5) },
  finalizerTimeout: { arg: 'SECONDS', help: 'retry deregistration this long before letting a delete go', schema: seconds('--finalizer-timeout', 30) },
  progressInterval: {
    arg: 'SECONDS',
    help: "first delay before looking again while an upstream's first health check\nis pending; doubles per look, at most 5 s",
    schema: seconds('--progress-interval', 0.1),
  },
  target: {
    arg: 'proxy|contextforge',
    help: 'where registrations go: mcp-gitops proxy replicas, or a running IBM ContextForge\n(docs/contextforge.md)',
    schema: z.enum(['proxy', 'contextforge']).default('proxy'),
  },
  contextforgeUrl: { arg: 'URL', help: "ContextForge's base URL, e.g. http://contextforge.mcp.svc:4444 (with --target contextforge)", schema: z.url({ protocol: /^https?$/ }).optional() },
  contextforgePublicUrl: { arg: 'URL', help: "agents' base URL of ContextForge, for VirtualServer status.endpoint", defaultText: '--contextforge-url', schema: z.url({ protocol: /^https?$/ }).optional() },
  contextforgeTokenSecret: {
    arg: 'NS/NAME',
    help: "the Secret holding ContextForge's admin credential (a platform-admin JWT or API token)",
    schema: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be namespace/name of a Secret')
      .optional(),
  },
  contextforgeTokenSecretKey: { arg: 'KEY', help: 'the key of that Secret', schema: z.string().min(1).default('token') },
  /** The ContextForge admin credential itself (tests, benchmarks); never a flag. */
  contextforgeToken: { internal: true, help: 'the ContextForge admin credential', schema: z.string().min(1).optional() },
  /** The admin TLS CA itself (PEM): config/operator.ts reads it from --proxy-admin-ca-file; tests pass it. */
  proxyAdminCa: { internal: true, help: 'the admin TLS CA', schema: z.string().min(1).optional() },
  /** The admin token itself: config/operator.ts reads it from --admin-token-file or the environment; never a flag, so it stays out of `ps`. */
  adminToken: { internal: true, help: 'the proxy admin token', schema: z.string().min(1).optional() },
  /** This replica's pod name: the leader identity's prefix and the Events' source host. */
  podName: { internal: true, help: 'the pod name', schema: z.string().min(1).optional() },
  /** Load the in-cluster service account when no kubeconfig is given (config/operator.ts sets it in a pod). */
  inCluster: { internal: true, help: 'in a cluster', schema: z.boolean().default(false) },
});

export const OperatorOptions = operatorOptions.schema.superRefine((o, ctx) => {
  if (o.target === 'contextforge') {
    if (!o.contextforgeUrl) ctx.addIssue({ code: 'custom', path: ['contextforgeUrl'], message: 'is required with --target contextforge' });
    if (!o.contextforgeTokenSecret && !o.contextforgeToken) {
      ctx.addIssue({ code: 'custom', path: ['contextforgeTokenSecret'], message: "is required with --target contextforge: the Secret holding ContextForge's admin credential" });
    }
  } else if (!o.proxyService && o.proxyUrl.length === 0) {
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
export const operatorFlagSpec = operatorOptions.spec;
