/**
 * Kubernetes Events (core/v1) for state changes, in the style of client-go's EventRecorder: one
 * Event per (object, type, reason, message); a repeat within the process bumps `count` and
 * `lastTimestamp` on the same Event instead of creating another. Recording never throws: an Event
 * is a courtesy to the user, never a reason for a reconcile to fail.
 */
import { randomBytes } from 'node:crypto';
import type { KubeClient } from './kube/client.ts';
import type { Logger } from './logger.ts';

export interface EventTarget {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  /** Records an event about `obj`. `message` must not contain secrets. */
  record(obj: EventTarget, type: EventType, reason: string, message: string): void;
}

/** Source component name on every Event. */
export const EVENT_SOURCE = 'mcp-gitops-operator';

export class KubeEventRecorder implements EventRecorder {
  readonly #client: KubeClient;
  readonly #seen = new Map<string, { name: string; count: number }>();
  readonly #host: string;
  #pending: Promise<unknown> = Promise.resolve();

  readonly #log: Logger | undefined;

  /** `host` is the Events' `source.host`: this replica's pod name. A failed write is logged at debug on `log`. */
  constructor(client: KubeClient, host = 'operator', log?: Logger) {
    this.#client = client;
    this.#host = host;
    this.#log = log;
  }

  record(obj: EventTarget, type: EventType, reason: string, message: string): void {
    const namespace = obj.metadata.namespace ?? 'default';
    const key = `${obj.metadata.uid ?? `${namespace}/${obj.metadata.name}`}|${type}|${reason}|${message}`;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const prev = this.#seen.get(key);
    const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`;
    const write = async (): Promise<void> => {
      if (prev) {
        prev.count++;
        await this.#client.request('PATCH', `${base}/${prev.name}`, { body: { count: prev.count, lastTimestamp: now }, contentType: 'application/merge-patch+json' });
        return;
      }
      const name = `${obj.metadata.name}.${randomBytes(8).toString('hex')}`;
      this.#seen.set(key, { name, count: 1 });
      if (this.#seen.size > 10_000) this.#seen.delete(this.#seen.keys().next().value as string);
      await this.#client.request('POST', base, {
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace },
          involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion },
          type,
          reason,
          message: message.slice(0, 1024),
          source: { component: EVENT_SOURCE, host: this.#host },
          reportingComponent: EVENT_SOURCE,
          reportingInstance: this.#host,
          action: reason,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    };
    // An Event is a courtesy (never a reason to fail a reconcile); a lost one is logged, the state is in status.
    this.#pending = this.#pending.then(write).catch((err: unknown) => this.#log?.('debug', 'could not record an Event', { reason, object: `${namespace}/${obj.metadata.name}`, error: (err as Error).message }));
  }

  /** Resolves when every recorded Event was sent (or failed). */
  flush(): Promise<unknown> {
    return this.#pending;
  }
}
