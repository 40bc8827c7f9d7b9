/**
 * The operator's Prometheus metrics (prom-client, its own registry). Names follow
 * controller-runtime's where one exists (`controller_runtime_reconcile_total` →
 * `mcp_gitops_operator_reconcile_total`).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface OperatorMetrics {
  registry: Registry;
  reconcileTotal: Counter<'kind' | 'result'>;
  reconcileErrors: Counter<'kind'>;
  reconcileDuration: Histogram<'kind'>;
  queueDepth: Gauge<'kind'>;
  proxyWrites: Counter<'verb' | 'resource'>;
  statusWrites: Counter<'kind'>;
  isLeader: Gauge;
  /** 1 while a proxy replica answers, 0 while its circuit is open (it neither answers nor refuses in time). */
  replicaUp: Gauge<'replica'>;
  /** Plain totals of the two write counters, readable synchronously (tests, benchmark). */
  totals: { proxyWrites: number; statusWrites: number };
}

/** Counts one admin API write to a proxy replica. */
export function countProxyWrite(m: OperatorMetrics, verb: 'PUT' | 'DELETE' | 'POST', resource: string): void {
  m.proxyWrites.inc({ verb, resource });
  m.totals.proxyWrites++;
}

/** Counts one status subresource write. */
export function countStatusWrite(m: OperatorMetrics, kind: string): void {
  m.statusWrites.inc({ kind });
  m.totals.statusWrites++;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): OperatorMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'mcp_gitops_operator_' });
  return {
    registry,
    reconcileTotal: new Counter({ name: 'mcp_gitops_operator_reconcile_total', help: 'Reconciles by kind and result (success, error, terminal).', labelNames: ['kind', 'result'], registers: [registry] }),
    reconcileErrors: new Counter({ name: 'mcp_gitops_operator_reconcile_errors_total', help: 'Reconciles that failed, by kind.', labelNames: ['kind'], registers: [registry] }),
    reconcileDuration: new Histogram({
      name: 'mcp_gitops_operator_reconcile_duration_seconds',
      help: 'Duration of one reconcile, by kind.',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    queueDepth: new Gauge({ name: 'mcp_gitops_operator_workqueue_depth', help: 'Keys waiting in the work queue, by kind.', labelNames: ['kind'], registers: [registry] }),
    proxyWrites: new Counter({ name: 'mcp_gitops_operator_proxy_writes_total', help: 'Admin API writes to proxy replicas (PUT, DELETE, POST synced), by verb and resource.', labelNames: ['verb', 'resource'], registers: [registry] }),
    statusWrites: new Counter({ name: 'mcp_gitops_operator_status_writes_total', help: 'Status subresource writes, by kind.', labelNames: ['kind'], registers: [registry] }),
    replicaUp: new Gauge({ name: 'mcp_gitops_operator_proxy_replica_up', help: '1 while a proxy replica answers the admin API, 0 while its circuit is open.', labelNames: ['replica'], registers: [registry] }),
    isLeader: new Gauge({ name: 'mcp_gitops_operator_leader', help: '1 while this replica holds the leader Lease.', registers: [registry] }),
    totals: { proxyWrites: 0, statusWrites: 0 },
  };
}
