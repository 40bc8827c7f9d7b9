/**
 * Kubernetes Events (core/v1) for state changes, with client-go's EventCorrelator in front:
 *
 * - dedup: one Event per (object, type, reason, message); a repeat bumps `count` and
 *   `lastTimestamp` on the same Event instead of creating another;
 * - aggregate: from the 10th distinct message of one (object, type, reason) within 10 minutes on,
 *   they share one Event, "(combined from similar events): <latest message>", whose count grows;
 * - spam filter: at most 25 writes per object at once, then one per 5 minutes (a token bucket,
 *   client-go's defaults) — a flapping object cannot flood the API server or the alerting on it.
 *
 * Recording never throws: an Event is a courtesy to the user, never a reason for a reconcile to fail.
 * Writes wait in a bounded queue (`KubeEventRecorder`), so a bulk apply cannot pile up memory.
 */
import { randomBytes } from 'node:crypto';
import type { KubeClient } from '../kube/client.ts';
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

export interface CorrelatorOptions {
  /** Writes an object may make at once. Default 25. */
  burst?: number;
  /** One more write per this many ms. Default 300000 (5 min). */
  refillMs?: number;
  /** Distinct messages of one (object, type, reason) before they are combined. Default 10. */
  similarLimit?: number;
  /** How long distinct messages are counted towards combining. Default 600000 (10 min). */
  similarWindowMs?: number;
  /** Objects and keys remembered (least recently used are forgotten). Default 4096. */
  maxEntries?: number;
  now?: () => number;
}

/** What to write for one recorded event: the dedup key (same key = same Event) and its message, or nothing. */
export type Correlation = { emit: true; key: string; message: string } | { emit: false };

/** A Map that forgets its least recently used entries beyond `max`. */
class Lru<K, V> extends Map<K, V> {
  readonly #max: number;
  constructor(max: number) {
    super();
    this.#max = max;
  }
  touch(key: K, make: () => V): V {
    let v = super.get(key);
    if (v === undefined) v = make();
    else super.delete(key);
    super.set(key, v);
    if (this.size > this.#max) this.delete(this.keys().next().value as K);
    return v;
  }
}

/** client-go's EventCorrelator (aggregate + spam filter; dedup is the key it returns). Pure apart from the clock. */
export class EventCorrelator {
  readonly #o: Required<CorrelatorOptions>;
  readonly #buckets: Lru<string, { tokens: number; at: number }>;
  readonly #similar: Lru<string, { messages: Set<string>; since: number }>;

  constructor(options: CorrelatorOptions = {}) {
    this.#o = { burst: 25, refillMs: 300_000, similarLimit: 10, similarWindowMs: 600_000, maxEntries: 4096, now: () => Date.now(), ...options };
    this.#buckets = new Lru(this.#o.maxEntries);
    this.#similar = new Lru(this.#o.maxEntries);
  }

  correlate(object: string, type: EventType, reason: string, message: string): Correlation {
    const now = this.#o.now();
    const group = `${object}|${type}|${reason}`;
    const similar = this.#similar.touch(group, () => ({ messages: new Set<string>(), since: now }));
    if (now - similar.since > this.#o.similarWindowMs) {
      similar.messages.clear();
      similar.since = now;
    }
    similar.messages.add(message);
    const combined = similar.messages.size >= this.#o.similarLimit;
    const bucket = this.#buckets.touch(object, () => ({ tokens: this.#o.burst, at: now }));
    bucket.tokens = Math.min(this.#o.burst, bucket.tokens + Math.floor((now - bucket.at) / this.#o.refillMs));
    if (now - bucket.at >= this.#o.refillMs) bucket.at = now;
    if (bucket.tokens < 1) return { emit: false };
    bucket.tokens--;
    return combined ? { emit: true, key: `${group}|combined`, message: `(combined from similar events): ${message}` } : { emit: true, key: `${group}|${message}`, message };
  }
}

/** An Event write waiting to be sent: the Event's first write (`create`: POST) or a repeat (PATCH of count). */
interface PendingWrite {
  namespace: string;
  create?: { involvedObject: Record<string, unknown>; type: EventType; reason: string; firstTimestamp: string };
  count: number;
  lastTimestamp: string;
  message: string;
}

export interface RecorderLimits {
  /** Event writes waiting at most (client-go's `maxQueuedEvents`); beyond, new Events are dropped. Default 1000. */
  maxQueued?: number;
  /** Writes in flight at once. Default 1, as client-go's broadcaster: Events never compete with status writes for the API server. */
  concurrency?: number;
}

/**
 * Writes Events through a bounded queue, as client-go's broadcaster does (one write at a time,
 * 1,000 waiting, then new ones are dropped): a bulk apply of thousands of objects must not hold one
 * pending write — and the object it names — per transition in memory while the API server catches
 * up. Writes of one Event never overlap (a repeat waits for the write that creates it), and a repeat
 * recorded while its Event's last write still waits is folded into it (count and message of the latest).
 */
export class KubeEventRecorder implements EventRecorder {
  readonly #client: KubeClient;
  readonly #seen = new Lru<string, { name: string; count: number }>(4096);
  readonly #correlator: EventCorrelator;
  readonly #host: string;
  /** Writes not sent yet, by Event name, oldest first. */
  readonly #queue = new Map<string, PendingWrite>();
  /** Event names being written now. */
  readonly #inFlight = new Set<string>();
  readonly #maxQueued: number;
  readonly #concurrency: number;
  #idleWaiters: (() => void)[] = [];
  /** Events the spam filter or the full queue dropped (tests, metrics). */
  dropped = 0;

  readonly #log: Logger | undefined;

  /** `host` is the Events' `source.host`: this replica's pod name. A failed write is logged at debug on `log`. */
  constructor(client: KubeClient, host = 'operator', log?: Logger, correlator = new EventCorrelator(), limits: RecorderLimits = {}) {
    this.#client = client;
    this.#host = host;
    this.#log = log;
    this.#correlator = correlator;
    this.#maxQueued = limits.maxQueued ?? 1000;
    this.#concurrency = limits.concurrency ?? 1;
  }

  record(obj: EventTarget, type: EventType, reason: string, text: string): void {
    const namespace = obj.metadata.namespace ?? 'default';
    const c = this.#correlator.correlate(obj.metadata.uid ?? `${namespace}/${obj.metadata.name}`, type, reason, text.slice(0, 1024));
    if (!c.emit) {
      this.dropped++;
      return;
    }
    const { key, message } = c;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    // Registered now, not when the write runs: a repeat recorded before the first POST went out
    // must become part of that write or a PATCH of that Event, not a second Event.
    const prev = this.#seen.get(key);
    const name = prev?.name ?? `${obj.metadata.name}.${randomBytes(8).toString('hex')}`;
    const waiting = this.#queue.get(name);
    if (!waiting && this.#queue.size >= this.#maxQueued) {
      this.dropped++;
      return;
    }
    const seen = this.#seen.touch(key, () => ({ name, count: 0 }));
    const count = ++seen.count;
    if (waiting) {
      waiting.count = count;
      waiting.lastTimestamp = now;
      waiting.message = message;
      return;
    }
    const write: PendingWrite = { namespace, count, lastTimestamp: now, message };
    if (!prev) {
      const involvedObject = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion };
      write.create = { involvedObject, type, reason, firstTimestamp: now };
    }
    this.#queue.set(name, write);
    this.#pump();
  }

  /** Starts waiting writes while fewer than `concurrency` are in flight, never two of one Event. */
  #pump(): void {
    for (const [name, write] of this.#queue) {
      if (this.#inFlight.size >= this.#concurrency) return;
      if (this.#inFlight.has(name)) continue;
      this.#queue.delete(name);
      this.#inFlight.add(name);
      // An Event is a courtesy (never a reason to fail a reconcile); a lost one is logged, the state is in status.
      void this.#send(name, write)
        .catch((err: unknown) => this.#log?.('debug', 'could not record an Event', { reason: write.create?.reason, event: `${write.namespace}/${name}`, error: (err as Error).message }))
        .finally(() => {
          this.#inFlight.delete(name);
          this.#pump();
          if (this.#inFlight.size === 0 && this.#queue.size === 0) for (const w of this.#idleWaiters.splice(0)) w();
        });
    }
  }

  async #send(name: string, w: PendingWrite): Promise<void> {
    const base = `/api/v1/namespaces/${encodeURIComponent(w.namespace)}/events`;
    if (!w.create) {
      await this.#client.request('PATCH', `${base}/${name}`, { body: { count: w.count, lastTimestamp: w.lastTimestamp, message: w.message }, contentType: 'application/merge-patch+json' });
      return;
    }
    await this.#client.request('POST', base, {
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace: w.namespace },
        involvedObject: w.create.involvedObject,
        type: w.create.type,
        reason: w.create.reason,
        message: w.message.slice(0, 1024),
        source: { component: EVENT_SOURCE, host: this.#host },
        reportingComponent: EVENT_SOURCE,
        reportingInstance: this.#host,
        action: w.create.reason,
        firstTimestamp: w.create.firstTimestamp,
        lastTimestamp: w.lastTimestamp,
        count: w.count,
      },
    });
  }

  /** Resolves when every recorded Event was sent (or failed). */
  flush(): Promise<void> {
    if (this.#inFlight.size === 0 && this.#queue.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }
}
