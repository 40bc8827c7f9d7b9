/**
 * What a reconciler needs, handed over by the manager: caches, the proxy replicas, and where to
 * record what happened. Reconcilers hold no state of their own beyond this.
 */
import type { Kind } from '../api/names.ts';
import type { EventRecorder } from './events.ts';
import type { KubeClient } from './kube/client.ts';
import type { Reflector } from './kube/reflector.ts';
import type { OperatorMetrics } from './metrics.ts';
import type { RawResource } from './objects.ts';
import type { ReconcileTarget } from '../reconcile/target.ts';
import type { TargetSync } from './target-sync.ts';

export interface SecretObject {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  data?: Record<string, string>;
}

export type Logger = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export interface ReconcileContext {
  client: KubeClient;
  gateways: Reflector<RawResource>;
  servers: Reflector<RawResource>;
  secrets: Reflector<SecretObject>;
  /** Where registrations are converged (the port of src/reconcile/target.ts). */
  targets: ReconcileTarget[];
  sync: TargetSync;
  events: EventRecorder;
  metrics: OperatorMetrics;
  log: Logger;
  /** Work-queue keys reconciled at least once since start (for TargetSync's `settled`). */
  settled: Set<string>;
  /** When the first failed finalizer attempt of a key happened. */
  finalizingSince: Map<string, number>;
  /** How long to retry removing registrations before removing the finalizer anyway. */
  finalizerTimeoutMs: number;
  /** Period of the health observation requeue for VirtualServers (gateways use their own interval). */
  resyncMs: number;
  /** First requeue delay while waiting for the proxy's first health check of an upstream (doubles per attempt). */
  progressMs: number;
  /** Progress requeues per key since it last settled. */
  progressAttempts: Map<string, number>;
  /** Public base URL of the proxy for `status.endpoint`. */
  endpointBase?: string;
  now: () => Date;
}

/** Work-queue key: `Kind/namespace/name`. */
export function queueKey(kind: Kind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export function parseQueueKey(key: string): { kind: Kind; namespace: string; name: string } {
  const [kind, namespace, name] = key.split('/') as [Kind, string, string];
  return { kind, namespace, name };
}
