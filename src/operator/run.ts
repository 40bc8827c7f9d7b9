/**
 * `runOperator(options)`: the control plane in one call. Starts the caches (reflectors for both
 * kinds, Secrets, and the proxy Service's EndpointSlices), the probes and metrics, and — once this
 * replica leads (or at once without `leaderElect`) — the work queue and the replica poller.
 *
 * @example
 * const op = await runOperator({ kubeconfig, proxyUrl: [proxy.adminUrl], adminToken, metricsBindAddress: '127.0.0.1:0' });
 * // …
 * await op.stop();
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pino, { type Logger as Pino } from 'pino';
import { gatewayId, serverId } from '../api/ids.ts';
import { referencedGateways, referencedSecrets } from '../reconcile/desired.ts';
import type { McpGateway, VirtualServer } from '../reconcile/resources.ts';
import { parseQueueKey, queueKey } from './context.ts';
import type { Logger, ReconcileContext, SecretObject } from './context.ts';
import { KubeEventRecorder } from './events.ts';
import { reconcileGateway } from './gateway-reconciler.ts';
import { KubeClient } from './kube/client.ts';
import { Reflector, type ChangeType } from './kube/reflector.ts';
import { LeaderElector } from './leader.ts';
import { countProxyWrite, createMetrics, type OperatorMetrics } from './metrics.ts';
import { collectionPath } from './objects.ts';
import type { RawResource } from './objects.ts';
import { OperatorOptions, type OperatorOptionsInput } from './options.ts';
import { TargetSync } from './target-sync.ts';
import { ProxyReplicasTarget } from './targets/proxy-replicas.ts';
import { EndpointSliceReplicas, StaticReplicas, type ReplicaSource } from './replicas.ts';
import { WorkQueue } from './queue.ts';
import { parseBindAddress, serveMetrics, serveProbes, type Listener } from './serve.ts';
import { reconcileServer } from './server-reconciler.ts';

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
}

function podNamespace(): string | undefined {
  if (process.env.POD_NAMESPACE) return process.env.POD_NAMESPACE;
  try {
    return readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function adminTokenOf(o: OperatorOptions): string {
  if (o.adminToken) return o.adminToken;
  if (o.adminTokenFile) {
    const t = readFileSync(o.adminTokenFile, 'utf8').trim();
    if (!t) throw new Error(`--admin-token-file ${o.adminTokenFile} is empty`);
    return t;
  }
  const env = process.env.MCP_GITOPS_ADMIN_TOKEN;
  if (env) return env.trim();
  throw new Error('the proxy admin token is required: --admin-token-file FILE or env MCP_GITOPS_ADMIN_TOKEN');
}

export async function runOperator(input: OperatorOptionsInput, extras: RunOperatorExtras = {}): Promise<OperatorHandle> {
  const o = OperatorOptions.parse(input);
  const logger = extras.logger ?? pino({ name: 'operator' });
  const log: Logger = (level, msg, fields) => logger[level](fields ?? {}, msg);
  const metrics = createMetrics();
  let kubeWrites = 0;
  const client = KubeClient.load(o.kubeconfig, { onWrite: () => kubeWrites++ });
  const token = adminTokenOf(o);

  const replicas: ReplicaSource = o.proxyService
    ? new EndpointSliceReplicas({ client, service: o.proxyService, token, portName: o.proxyAdminPortName, adminPort: o.proxyAdminPort, log })
    : new StaticReplicas(o.proxyUrl, token);

  // Indexes: which gateways use a Secret, which VirtualServers use a gateway.
  const gatewaysBySecret = new Map<string, Set<string>>();
  const serversByGateway = new Map<string, Set<string>>();
  const knownIds = new Map<string, string>(); // `kind/id` → queue key
  const reindex = (index: Map<string, Set<string>>, key: string, refs: string[]): void => {
    for (const [ref, set] of index) {
      set.delete(key);
      if (set.size === 0) index.delete(ref);
    }
    for (const ref of refs) {
      let set = index.get(ref);
      if (!set) index.set(ref, (set = new Set()));
      set.add(key);
    }
  };

  let queue: WorkQueue;
  const enqueue = (key: string): void => queue.add(key);
  const enqueueAll = (): void => {
    for (const g of ctx.gateways.list()) enqueue(queueKey('McpGateway', g.metadata.namespace ?? 'default', g.metadata.name));
    for (const s of ctx.servers.list()) enqueue(queueKey('VirtualServer', s.metadata.namespace ?? 'default', s.metadata.name));
  };

  /**
   * Self re-queue only for changes that matter: a new generation (spec) or deletion — not our own
   * status or finalizer writes (controller-runtime's GenerationChangedPredicate, plus deletion).
   * Dependents are re-queued on any change (a gateway's status is what its servers depend on).
   */
  const needsReconcile = (type: ChangeType, obj: RawResource, old: RawResource | undefined): boolean =>
    type !== 'MODIFIED' || !old || old.metadata.generation !== obj.metadata.generation || old.metadata.deletionTimestamp !== obj.metadata.deletionTimestamp;

  const gateways = new Reflector<RawResource>({
    client,
    path: collectionPath('McpGateway', o.namespace),
    log,
    onChange: (type, obj, old) => {
      const ns = obj.metadata.namespace ?? 'default';
      const key = queueKey('McpGateway', ns, obj.metadata.name);
      const secrets = type === 'DELETED' ? [] : referencedSecrets(obj as unknown as McpGateway).map((s) => `${ns}/${s}`);
      reindex(gatewaysBySecret, key, secrets);
      if (type === 'DELETED') knownIds.delete(`gateway/${gatewayId(ns, obj.metadata.name)}`);
      else knownIds.set(`gateway/${gatewayId(ns, obj.metadata.name)}`, key);
      if (needsReconcile(type, obj, old)) enqueue(key);
      for (const vs of serversByGateway.get(`${ns}/${obj.metadata.name}`) ?? []) enqueue(vs);
    },
  });
  const servers = new Reflector<RawResource>({
    client,
    path: collectionPath('VirtualServer', o.namespace),
    log,
    onChange: (type, obj, old) => {
      const ns = obj.metadata.namespace ?? 'default';
      const key = queueKey('VirtualServer', ns, obj.metadata.name);
      const spec = obj.spec as VirtualServer['spec'] | undefined;
      const refs = type === 'DELETED' || !Array.isArray(spec?.tools) ? [] : referencedGateways(obj as unknown as VirtualServer).map((g) => `${ns}/${g}`);
      reindex(serversByGateway, key, refs);
      if (type === 'DELETED') knownIds.delete(`server/${serverId(ns, obj.metadata.name)}`);
      else knownIds.set(`server/${serverId(ns, obj.metadata.name)}`, key);
      if (needsReconcile(type, obj, old)) enqueue(key);
    },
  });
  const secrets = new Reflector<SecretObject>({
    client,
    path: o.namespace ? `/api/v1/namespaces/${encodeURIComponent(o.namespace)}/secrets` : '/api/v1/secrets',
    // Service-account tokens and Helm releases are never referenced by a gateway.
    fieldSelector: 'type!=kubernetes.io/service-account-token,type!=helm.sh/release.v1',
    log,
    onChange: (_type, obj) => {
      for (const gw of gatewaysBySecret.get(`${obj.metadata.namespace ?? 'default'}/${obj.metadata.name}`) ?? []) enqueue(gw);
    },
  });

  const settled = new Set<string>();
  const targets = [new ProxyReplicasTarget({ replicas, onWrite: (verb, resource) => countProxyWrite(metrics, verb, resource) })];
  const sync = new TargetSync({
    targets,
    enqueue,
    enqueueAll,
    isKnown: (kind, id) => knownIds.has(`${kind}/${id}`),
    settled: () => gateways.hasSynced && servers.hasSynced && gateways.size + servers.size <= settled.size && [...knownIds.values()].every((k) => settled.has(k)),
    pollIntervalMs: o.proxyPollInterval * 1000,
    log,
    ...(o.namespace ? { namespace: o.namespace } : {}),
  });

  const events = new KubeEventRecorder(client);
  const ctx: ReconcileContext = {
    client,
    gateways,
    servers,
    secrets,
    targets,
    sync,
    events,
    metrics,
    log,
    settled,
    finalizingSince: new Map(),
    finalizerTimeoutMs: o.finalizerTimeout * 1000,
    resyncMs: o.resyncPeriod * 1000,
    progressMs: o.progressInterval * 1000,
    progressAttempts: new Map(),
    now: () => new Date(),
    ...(o.proxyPublicUrl ? { endpointBase: o.proxyPublicUrl } : {}),
  };

  queue = new WorkQueue({
    concurrency: o.concurrent,
    reconcile: async (key) => {
      const { kind, namespace, name } = parseQueueKey(key);
      return kind === 'McpGateway' ? reconcileGateway(ctx, namespace, name) : reconcileServer(ctx, namespace, name);
    },
    onDone: (key, outcome, ms, err) => {
      const kind = key.slice(0, key.indexOf('/'));
      metrics.reconcileTotal.inc({ kind, result: outcome });
      metrics.reconcileDuration.observe({ kind }, ms / 1000);
      if (outcome !== 'success') {
        metrics.reconcileErrors.inc({ kind });
        log(outcome === 'terminal' ? 'error' : 'warn', 'reconcile failed', { key, error: err instanceof Error ? err.message : String(err) });
      }
    },
  });

  // Listeners first, so /healthz answers and /readyz says "caches not synced" while the caches fill
  // (e.g. when the CRDs are not installed yet: the reflectors retry and log why). Every replica
  // keeps its caches warm, like controller-runtime; only the leader acts.
  let metricsListener: Listener | undefined;
  let probesListener: Listener | undefined;
  const mb = parseBindAddress(o.metricsBindAddress);
  if (mb) metricsListener = await serveMetrics(metrics.registry, mb);
  const pb = parseBindAddress(o.healthProbeBindAddress);
  if (pb) probesListener = await serveProbes(() => gateways.hasSynced && servers.hasSynced && secrets.hasSynced, pb);
  await Promise.all([gateways.start(), servers.start(), secrets.start(), ...targets.map((t) => t.start())]);

  let leading = false;
  const depthTimer = setInterval(() => metrics.queueDepth.set({ kind: 'all' }, queue.depth), 1000);
  depthTimer.unref();
  const startWork = (): void => {
    leading = true;
    metrics.isLeader.set(1);
    log('info', 'starting workers', { concurrent: o.concurrent, members: targets.flatMap((t) => t.members()) });
    queue.start();
    enqueueAll();
    sync.start();
  };
  const stopWork = async (): Promise<void> => {
    if (!leading) return;
    leading = false;
    metrics.isLeader.set(0);
    await Promise.all([queue.stop(), sync.stop()]);
  };

  let elector: LeaderElector | undefined;
  if (o.leaderElect) {
    elector = new LeaderElector({
      client,
      namespace: o.leaderElectionNamespace ?? podNamespace() ?? o.namespace ?? 'default',
      name: o.leaderElectionId,
      leaseDurationSeconds: Math.ceil(o.leaderElectLeaseDuration),
      renewDeadlineMs: o.leaderElectRenewDeadline * 1000,
      retryPeriodMs: o.leaderElectRetryPeriod * 1000,
      ...(process.env.POD_NAME ? { identity: `${process.env.POD_NAME}_${randomUUID()}` } : {}),
      log,
      onStartedLeading: () => {
        log('info', 'became leader', { lease: o.leaderElectionId });
        startWork();
      },
      onStoppedLeading: () => {
        void stopWork();
        extras.onLostLeadership?.();
      },
    });
    elector.start();
  } else {
    startWork();
  }

  return {
    get isLeader() {
      return leading;
    },
    metricsUrl: metricsListener?.url,
    probesUrl: probesListener?.url,
    metrics,
    writes: () => ({ proxy: metrics.totals.proxyWrites, status: metrics.totals.statusWrites, kube: kubeWrites }),
    idle: () => queue.idle(),
    breakWatches: (resumeFrom) => {
      gateways.breakWatch(resumeFrom);
      servers.breakWatch(resumeFrom);
      secrets.breakWatch(resumeFrom);
    },
    watchStats: () => ({ gateways: { ...gateways.stats }, servers: { ...servers.stats }, secrets: { ...secrets.stats } }),
    async stop() {
      clearInterval(depthTimer);
      await elector?.stop();
      await stopWork();
      await events.flush();
      await Promise.all([gateways.stop(), servers.stop(), secrets.stop()]);
      await Promise.all(targets.map((t) => t.stop()));
      await client.close();
      await metricsListener?.close();
      await probesListener?.close();
    },
  };
}

