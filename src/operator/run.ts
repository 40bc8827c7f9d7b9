/**
 * `runOperator(options)`: the control plane in one call. Wires the Manager (caches, indexes, queue,
 * leader election, probes, metrics) with one controller per kind — each the shared reconcile
 * pipeline (controller.ts) around a small kind adapter (kinds/) — and the reconcile targets
 * (targets/), then starts it.
 *
 * @example
 * const op = await runOperator({ kubeconfig, proxyUrl: [proxy.adminUrl], adminToken, metricsBindAddress: '127.0.0.1:0' });
 * // …
 * await op.stop();
 */
import { randomUUID } from 'node:crypto';
import pino, { type Logger as Pino } from 'pino';
import { gatewayId, serverId } from '../api/ids.ts';
import { SYSTEM_NAMESPACE } from '../config/env.ts';
import type { Kind } from '../api/names.ts';
import { referencedGateways, referencedSecrets } from '../reconcile/desired.ts';
import type { McpGateway, VirtualServer } from '../reconcile/resources.ts';
import type { ReconcileTarget } from '../reconcile/target.ts';
import type { Logger } from './logger.ts';
import { queueKey, ResourceController, type KindAdapter, type PipelineDeps, type ResourcePolicy } from './controller.ts';
import { KubeEventRecorder, type EventRecorder } from './events.ts';
import { KubeClient } from '../kube/client.ts';
import type { Informer } from './kube/informer.ts';
import type { ChangeType } from './kube/reflector.ts';
import { McpGatewayAdapter, secretLookup, tenantGuardRails } from './kinds/mcp-gateway.ts';
import { ALLOW_REFERENCE_SELECTOR } from '../reconcile/secret-opt-in.ts';
import { VirtualServerAdapter } from './kinds/virtual-server.ts';
import { Manager, type Controller, type Watch } from './manager.ts';
import { countProxyWrite, createMetrics, type OperatorMetrics } from './metrics.ts';
import { collectionPath, trimResource, trimSecret, type RawResource, type SecretObject } from './objects.ts';
import { OperatorOptions, type OperatorOptionsInput } from './options.ts';
import type { AdminTls } from '../contract/client.ts';
import { EndpointSliceReplicas, StaticReplicas, type ReplicaSource } from './replicas.ts';
import { TargetSync } from './target-sync.ts';
import { contextforgeTarget } from './targets/contextforge.ts';
import { ProxyReplicasTarget } from './targets/proxy-replicas.ts';

export interface OperatorHandle {
  /** Stops everything; a leader releases its Lease. */
  stop(): Promise<void>;
  readonly isLeader: boolean;
  /** `http://host:port` of `/metrics`, when enabled. */
  readonly metricsUrl: string | undefined;
  /** `http://host:port` of `/healthz` and `/readyz`, when enabled. */
  readonly probesUrl: string | undefined;
  readonly metrics: OperatorMetrics;
  /** Writes this operator made: to proxies (PUT/DELETE/POST synced), to status, to the Kubernetes API in total. */
  writes(): { proxy: number; status: number; kube: number };
  /** Resolves when the work queue has nothing waiting or running. */
  idle(): Promise<void>;
  /**
   * Drops every watch connection as if the network broke (tests); the reflectors resume by
   * themselves — from `resumeFrom` when given (a compacted resourceVersion forces a 410 and a relist).
   */
  breakWatches(resumeFrom?: string): void;
  /** Reflector counters per cache (lists, watches, 410s, stalls, errors). */
  watchStats(): Record<string, { lists: number; watches: number; gone: number; stalls: number; errors: number }>;
}

export interface RunOperatorExtras {
  /** A pino logger; defaults to one at `info` on stdout. */
  logger?: Pino;
  /** Called when leadership is lost (the CLI exits, like controller-runtime). */
  onLostLeadership?: () => void;
  /** Admission policies run on every valid resource before its desired state (tenant guard-rails). */
  policies?: ResourcePolicy[];
}

/**
 * How the replicas' admin certificates are checked, when their admin listeners serve TLS: against
 * the CA of `--proxy-admin-ca-file`, for `--proxy-admin-server-name` (default: the proxy Service's
 * in-cluster name, the name a certificate for it carries; pod IPs change).
 */
function adminTlsOf(o: OperatorOptions): AdminTls | undefined {
  if (o.proxyAdminCa === undefined) return undefined;
  const [ns, name] = (o.proxyService ?? '').split('/');
  const servername = o.proxyAdminServerName ?? (ns && name ? `${name}.${ns}.svc` : undefined);
  return { ca: o.proxyAdminCa, ...(servername ? { servername } : {}) };
}

/** The admin token: config/operator.ts reads it (file or environment); programmatic callers pass it. */
function adminTokenOf(o: OperatorOptions): string {
  if (o.adminToken) return o.adminToken;
  throw new Error('the proxy admin token is required: --admin-token-file FILE or env MCP_GITOPS_ADMIN_TOKEN');
}

/**
 * A change that concerns the object itself: a new generation (spec) or deletion — not our own
 * status or finalizer writes (controller-runtime's GenerationChangedPredicate, plus deletion).
 * Dependents are re-queued on any change (a gateway's status is what its servers depend on).
 */
function needsReconcile(type: ChangeType, obj: RawResource, old: RawResource | undefined): boolean {
  return type !== 'MODIFIED' || !old || old.metadata.generation !== obj.metadata.generation || old.metadata.deletionTimestamp !== obj.metadata.deletionTimestamp;
}

const nsOf = (obj: { metadata: { namespace?: string } }): string => obj.metadata.namespace ?? 'default';

/** The gateways a cached VirtualServer references; none while its spec is not even shaped right (it stalls). */
function referencedGatewaysOf(obj: RawResource): string[] {
  try {
    return referencedGateways(obj as unknown as VirtualServer).filter((g) => typeof g === 'string');
  } catch {
    return []; // a malformed spec: the reconcile reports it (Stalled/InvalidSpec); it references nothing
  }
}

/** The operator's caches and their indexes (who references a Secret, who uses a gateway, which registration ids exist). */
function caches(mgr: Manager, namespace: string | undefined) {
  const gateways = mgr.informer<RawResource>('gateways', { path: collectionPath('McpGateway', namespace), transform: trimResource });
  const servers = mgr.informer<RawResource>('servers', { path: collectionPath('VirtualServer', namespace), transform: trimResource });
  const secrets = mgr.informer<SecretObject>('secrets', {
    path: namespace ? `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets` : '/api/v1/secrets',
    // Service-account tokens and Helm releases are never referenced by a gateway.
    fieldSelector: 'type!=kubernetes.io/service-account-token,type!=helm.sh/release.v1',
    transform: trimSecret,
    // Only Secrets that opt in are ever read or resolved (reconcile/secret-opt-in.ts).
    labelSelector: ALLOW_REFERENCE_SELECTOR,
  });
  gateways.addIndex('secrets', (o) => referencedSecrets(o as unknown as McpGateway).map((s) => `${nsOf(o)}/${s}`));
  gateways.addIndex('registration', (o) => [`gateway/${gatewayId(nsOf(o), o.metadata.name)}`]);
  servers.addIndex('gateways', (o) => referencedGatewaysOf(o).map((g) => `${nsOf(o)}/${g}`));
  servers.addIndex('registration', (o) => [`server/${serverId(nsOf(o), o.metadata.name)}`]);
  return { gateways, servers, secrets };
}

type Caches = ReturnType<typeof caches>;

/** Queue keys of the objects of `kind` in `informer`'s index `index` under `value`. */
function keysBy(kind: Kind, informer: Informer<RawResource>, index: string, value: string): string[] {
  return informer.byIndex(index, value).map((k) => `${kind}/${k}`);
}

/** The watch of a kind's own cache. */
function selfWatch(kind: Kind, informer: Informer<RawResource>): Watch {
  return { informer, map: (type: ChangeType, obj: RawResource, old?: RawResource) => (needsReconcile(type, obj, old) ? [queueKey(kind, nsOf(obj), obj.metadata.name)] : []) };
}

function controllerOf<T, K extends 'gateway' | 'server'>(adapter: KindAdapter<T, K>, cache: Informer<RawResource>, deps: PipelineDeps, watches: Watch[]): Controller {
  const c = new ResourceController(adapter, cache, deps);
  return { kind: c.kind, watches, reconcile: (key) => c.reconcile(key), settled: () => c.settled(), keys: () => c.keys(), hasPendingWork: (key) => c.hasPendingWork(key) };
}

/** Registers the McpGateway and VirtualServer controllers. */
function registerControllers(mgr: Manager, o: OperatorOptions, c: Caches, deps: PipelineDeps): void {
  mgr.register(
    controllerOf(new McpGatewayAdapter(secretLookup(c.secrets), (ns, name) => c.servers.byIndex('gateways', `${ns}/${name}`).map((k) => k.slice(k.indexOf('/') + 1))), c.gateways, deps, [
      selfWatch('McpGateway', c.gateways),
      { informer: c.secrets, map: (_t: ChangeType, s: SecretObject) => keysBy('McpGateway', c.gateways, 'secrets', `${nsOf(s)}/${s.metadata.name}`) },
    ]),
  );
  const servers = new VirtualServerAdapter({ gateways: c.gateways, resyncMs: o.resyncPeriod * 1000, endpointBase: o.proxyPublicUrl });
  mgr.register(
    controllerOf(servers, c.servers, deps, [
      selfWatch('VirtualServer', c.servers),
      { informer: c.gateways, map: (_t: ChangeType, g: RawResource) => keysBy('VirtualServer', c.servers, 'gateways', `${nsOf(g)}/${g.metadata.name}`) },
    ]),
  );
}

/**
 * The proxy replicas as a reconcile target. A replica that stops answering is reported within
 * seconds: a log line, `mcp_gitops_operator_proxy_replica_up{replica} 0`, and (with
 * `--proxy-service`) a Warning `ReplicaUnresponsive` on the Service; answering again is a Normal
 * `ReplicaResponsive`.
 */
function proxyTarget(o: OperatorOptions, client: KubeClient, metrics: OperatorMetrics, log: Logger, events: EventRecorder): ReconcileTarget {
  const token = adminTokenOf(o);
  const tls = adminTlsOf(o);
  const replicas: ReplicaSource = o.proxyService
    ? new EndpointSliceReplicas({ client, service: o.proxyService, token, portName: o.proxyAdminPortName, adminPort: o.proxyAdminPort, log, ...(tls ? { tls } : {}) })
    : new StaticReplicas(o.proxyUrl, token, undefined, tls);
  const [svcNamespace, svcName] = (o.proxyService ?? '').split('/');
  const service = svcNamespace && svcName ? { apiVersion: 'v1', kind: 'Service', metadata: { namespace: svcNamespace, name: svcName } } : undefined;
  return new ProxyReplicasTarget({
    replicas,
    onWrite: (verb, resource) => countProxyWrite(metrics, verb, resource),
    onMemberHealth: (replica, up, lastError) => {
      metrics.replicaUp.set({ replica }, up ? 1 : 0);
      log(up ? 'info' : 'warn', up ? 'proxy replica answers again' : 'proxy replica does not answer; its circuit is open', { replica, lastError });
      if (service) events.record(service, up ? 'Normal' : 'Warning', up ? 'ReplicaResponsive' : 'ReplicaUnresponsive', up ? `proxy replica ${replica} answers again` : `proxy replica ${replica} does not answer (${lastError}); resources report it in status.replicas until it does`);
    },
  });
}

function managerOf(o: OperatorOptions, client: KubeClient, metrics: OperatorMetrics, log: Logger, extras: RunOperatorExtras): Manager {
  return new Manager({
    client,
    log,
    metrics,
    concurrency: o.concurrent,
    metricsBindAddress: o.metricsBindAddress,
    healthProbeBindAddress: o.healthProbeBindAddress,
    onLostLeadership: extras.onLostLeadership,
    leaderElection: o.leaderElect
      ? {
          client,
          namespace: o.leaderElectionNamespace ?? SYSTEM_NAMESPACE,
          name: o.leaderElectionId,
          leaseDurationSeconds: Math.ceil(o.leaderElectLeaseDuration),
          renewDeadlineMs: o.leaderElectRenewDeadline * 1000,
          retryPeriodMs: o.leaderElectRetryPeriod * 1000,
          identity: o.podName ? `${o.podName}_${randomUUID()}` : undefined,
        }
      : undefined,
  });
}

export async function runOperator(input: OperatorOptionsInput, extras: RunOperatorExtras = {}): Promise<OperatorHandle> {
  const o = OperatorOptions.parse(input);
  const logger = extras.logger ?? pino({ name: 'operator' });
  const log: Logger = (level, msg, fields) => logger[level](fields ?? {}, msg);
  const metrics = createMetrics();
  let kubeWrites = 0;
  const client = await KubeClient.connect(o.kubeconfig, { inCluster: o.inCluster, onWrite: () => kubeWrites++ });
  const events = new KubeEventRecorder(client, o.podName ?? 'operator', log);
  const targets = [o.target === 'contextforge' ? contextforgeTarget(o, client, metrics) : proxyTarget(o, client, metrics, log, events)];
  const mgr = managerOf(o, client, metrics, log, extras);
  const c = caches(mgr, o.namespace);
  const sync = new TargetSync({
    targets,
    enqueue: (key) => mgr.enqueue(key),
    enqueueAll: () => mgr.enqueueAll(),
    isKnown: (kind, id) => (kind === 'gateway' ? c.gateways : c.servers).byIndex('registration', `${kind}/${id}`).length > 0,
    settled: () => mgr.settled(),
    pollIntervalMs: o.proxyPollInterval * 1000,
    log,
    namespace: o.namespace,
  });
  const deps: PipelineDeps = { client, targets, sync, events, metrics, log, now: () => new Date(), finalizerTimeoutMs: o.finalizerTimeout * 1000, progressMs: o.progressInterval * 1000, policies: [tenantGuardRails({ allowPrivateNetworkNamespaces: o.allowPrivateNetworkNamespace, allowPlainHttpNamespaces: o.allowPlainHttpNamespace }), ...(extras.policies ?? [])] };
  registerControllers(mgr, o, c, deps);
  for (const t of targets) mgr.add(t);
  mgr.add({ start: () => {}, stop: () => events.flush().then(() => undefined) });
  mgr.add({ leaderOnly: true, start: () => sync.start(), stop: () => sync.stop() });
  await mgr.start();
  return handleOf(mgr, c, metrics, client, () => kubeWrites);
}

function handleOf(mgr: Manager, c: Caches, metrics: OperatorMetrics, client: KubeClient, kubeWrites: () => number): OperatorHandle {
  const all = [c.gateways, c.servers, c.secrets] as const;
  return {
    get isLeader() {
      return mgr.isLeader;
    },
    metricsUrl: mgr.metricsUrl,
    probesUrl: mgr.probesUrl,
    metrics,
    writes: () => ({ proxy: metrics.totals.proxyWrites, status: metrics.totals.statusWrites, kube: kubeWrites() }),
    idle: () => mgr.idle(),
    breakWatches: (resumeFrom) => {
      for (const i of all) i.breakWatch(resumeFrom);
    },
    watchStats: () => ({ gateways: { ...c.gateways.stats }, servers: { ...c.servers.stats }, secrets: { ...c.secrets.stats } }),
    async stop() {
      await mgr.stop();
      await client.close();
    },
  };
}
