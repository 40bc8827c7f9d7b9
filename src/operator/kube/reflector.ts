/**
 * A reflector: keeps a local copy of one kind of object in sync with the API server through
 * list + watch, and tells a handler about every change. Written here instead of using client-node's
 * informer because of its pitfalls (research/operator-engineering.md §1.2):
 *
 * - watches ask for bookmarks (`allowWatchBookmarks`) and a server-side timeout of 5–10 min
 *   (random, so many watches do not reconnect together);
 * - a watch that ends or breaks resumes from the last resourceVersion seen (bookmarks included),
 *   so nothing is missed and nothing is replayed;
 * - 410 Gone / `Expired` (the resourceVersion was compacted away) relists; the relist diff emits a
 *   DELETED for every object that vanished meanwhile;
 * - an API server that is down or restarting (no answer, 5xx, 429) is retried every ≤ 1.25 s (jittered
 *   0.25 s → 1 s), so a watch resumes within about a second of the server coming back; other
 *   failures (403, 404, …) back off 0.5 s → 30 s, jittered;
 * - a watchdog aborts a watch that has received nothing (not even a bookmark) for `stallTimeoutMs`;
 * - a handler that throws is logged and never stops the reflector or the process.
 */
import { isGone, KubeApiError, watchStream } from '../../kube/client.ts';
import type { KubeClient } from '../../kube/client.ts';

/** The fields of a Kubernetes object the reflector reads. */
export interface KubeObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ReflectorOptions<T extends KubeObject> {
  client: KubeClient;
  /** Collection path, e.g. `/apis/mcp-gitops.dev/v1alpha1/mcpgateways` or a namespaced one. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Called for every change, after the store is updated. `old` is the previous copy, if any. */
  onChange: (type: ChangeType, obj: T, old: T | undefined) => void;
  /** Where handler failures and reconnects are reported. Defaults to nothing. */
  log?: (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  /** Abort a watch that received nothing for this long. Defaults to 120000 ms (bookmarks arrive about every minute). */
  stallTimeoutMs?: number;
  /** Server-side watch timeout range in seconds. Defaults to [300, 600]. */
  watchTimeoutSeconds?: [number, number];
  /** Page size of the list. Defaults to 500. */
  pageSize?: number;
  /**
   * Applied to every object before it is stored (client-go's `SetTransform`): drop what no one
   * reads — `managedFields`, the last-applied annotation (a second copy of the spec) — so the cache
   * holds one small copy per object. Must keep `metadata.name/namespace/resourceVersion`.
   */
  transform?: (obj: T) => T;
}

/** The store key of an object: `namespace/name`, or `name` for cluster-scoped ones. */
export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata?.name ?? ''}` : (obj.metadata?.name ?? '');
}

export class Reflector<T extends KubeObject> {
  readonly #opts: ReflectorOptions<T>;
  readonly #store = new Map<string, T>();
  #rv: string | undefined;
  #stopped = false;
  #current: AbortController | undefined;
  #synced: Promise<void>;
  #resolveSynced!: () => void;
  #loop: Promise<void> | undefined;
  /** Counters, for tests and metrics. */
  readonly stats = { lists: 0, watches: 0, gone: 0, stalls: 0, errors: 0 };

  constructor(options: ReflectorOptions<T>) {
    this.#opts = options;
    this.#synced = new Promise((resolve) => {
      this.#resolveSynced = resolve;
    });
  }

  /** Starts list + watch. Resolves once the first list is in the store (`hasSynced`). */
  start(): Promise<void> {
    this.#loop ??= this.#run();
    return this.#synced;
  }

  /** Stops watching; the store keeps its last contents. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#current?.abort();
    this.#resolveSynced();
    await this.#loop;
  }

  get hasSynced(): boolean {
    return this.#rv !== undefined || this.stats.lists > 0;
  }

  /** The last resourceVersion seen (list, event or bookmark). */
  get resourceVersion(): string | undefined {
    return this.#rv;
  }

  get(key: string): T | undefined {
    return this.#store.get(key);
  }

  list(): T[] {
    return [...this.#store.values()];
  }

  get size(): number {
    return this.#store.size;
  }

  /**
   * Aborts the current watch as if the connection dropped (tests; the reflector resumes by itself),
   * optionally resuming from `resumeFrom` instead of the last resourceVersion seen.
   */
  breakWatch(resumeFrom?: string): void {
    if (resumeFrom !== undefined) this.#rv = resumeFrom;
    this.#current?.abort();
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopped) {
      try {
        if (this.#rv === undefined) await this.#relist();
        this.#resolveSynced();
        const received = await this.#watchOnce();
        if (received) failures = 0;
      } catch (err) {
        if (this.#stopped) break;
        if (isGone(err)) {
          this.stats.gone++;
          this.#log('info', 'watch expired (410): relisting', { path: this.#opts.path });
          this.#rv = undefined;
          continue;
        }
        this.stats.errors++;
        failures++;
        const delay = jitteredBackoff(failures, serverUnavailable(err));
        this.#log('warn', 'list/watch failed; retrying', { path: this.#opts.path, error: (err as Error).message, retryInMs: Math.round(delay) });
        await sleep(delay, () => this.#stopped);
      }
    }
  }

  async #relist(): Promise<void> {
    const fresh = new Map<string, T>();
    let cont: string | undefined;
    let rv: string | undefined;
    do {
      const page = await this.#opts.client.get<{ metadata: { resourceVersion: string; continue?: string }; items: T[] }>(this.#opts.path, {
        limit: this.#opts.pageSize ?? 500,
        continue: cont,
        labelSelector: this.#opts.labelSelector,
        fieldSelector: this.#opts.fieldSelector,
      });
      for (const item of page.items) fresh.set(objectKey(item), this.#opts.transform ? this.#opts.transform(item) : item);
      cont = page.metadata.continue || undefined;
      rv = page.metadata.resourceVersion;
    } while (cont);
    this.stats.lists++;
    const old = new Map(this.#store);
    this.#store.clear();
    for (const [k, obj] of fresh) this.#store.set(k, obj);
    this.#rv = rv;
    for (const [k, obj] of fresh) {
      const prev = old.get(k);
      if (!prev) this.#emit('ADDED', obj, undefined);
      else if (prev.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.#emit('MODIFIED', obj, prev);
    }
    for (const [k, prev] of old) if (!fresh.has(k)) this.#emit('DELETED', prev, prev);
  }

  /** One watch connection. Resolves true when it received anything, false when it ended empty. */
  async #watchOnce(): Promise<boolean> {
    const [lo, hi] = this.#opts.watchTimeoutSeconds ?? [300, 600];
    const controller = new AbortController();
    this.#current = controller;
    const stallMs = this.#opts.stallTimeoutMs ?? 120_000;
    let received = false;
    let stalled = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stalled = true;
        controller.abort();
      }, stallMs);
      timer.unref();
    };
    arm();
    this.stats.watches++;
    let gone: KubeApiError | undefined;
    try {
      await watchStream(
        this.#opts.client,
        this.#opts.path,
        {
          resourceVersion: this.#rv,
          allowWatchBookmarks: true,
          timeoutSeconds: Math.floor(lo + Math.random() * (hi - lo)),
          labelSelector: this.#opts.labelSelector,
          fieldSelector: this.#opts.fieldSelector,
        },
        (event) => {
          arm();
          received = true;
          if (gone) return;
          const obj = event.object as T & { code?: number; reason?: string; message?: string };
          switch (event.type) {
            case 'BOOKMARK':
              if (obj.metadata?.resourceVersion) this.#rv = obj.metadata.resourceVersion;
              return;
            case 'ERROR':
              gone = new KubeApiError({ status: obj.code ?? 500, reason: obj.reason ?? 'Error', message: obj.message ?? 'watch error', method: 'WATCH', path: this.#opts.path });
              controller.abort();
              return;
            case 'ADDED':
            case 'MODIFIED':
            case 'DELETED':
              this.#apply(event.type, obj);
              return;
          }
        },
        controller.signal,
      );
    } finally {
      clearTimeout(timer);
      this.#current = undefined;
    }
    if (gone) throw gone;
    if (stalled) {
      this.stats.stalls++;
      this.#log('warn', 'watch stalled: nothing received; reconnecting', { path: this.#opts.path, stallTimeoutMs: stallMs });
    }
    return received;
  }

  #apply(type: ChangeType, received: T): void {
    const obj = this.#opts.transform ? this.#opts.transform(received) : received;
    const key = objectKey(obj);
    const prev = this.#store.get(key);
    if (obj.metadata?.resourceVersion) this.#rv = obj.metadata.resourceVersion;
    if (type === 'DELETED') this.#store.delete(key);
    else this.#store.set(key, obj);
    this.#emit(type === 'ADDED' && prev ? 'MODIFIED' : type, obj, prev);
  }

  #emit(type: ChangeType, obj: T, old: T | undefined): void {
    try {
      this.#opts.onChange(type, obj, old);
    } catch (err) {
      this.#log('error', 'event handler failed (ignored)', { path: this.#opts.path, key: objectKey(obj), error: (err as Error).message });
    }
  }

  #log(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void {
    try {
      this.#opts.log?.(level, msg, fields);
    } catch {
      /* a logger must not break the loop */
    }
  }
}

/**
 * The API server did not answer, answered 5xx, or 429 — which a (re)starting server answers with
 * `retryAfterSeconds: 1` ("storage is (re)initializing"): it is coming back, not refusing us.
 */
function serverUnavailable(err: unknown): boolean {
  return err instanceof KubeApiError && (err.status === 0 || err.status === 429 || err.status >= 500);
}

/**
 * The delay before retry `failures` (1, 2, …). While the server is unavailable: 0.25 s · 2^(n-1)
 * capped at 1 s, ±25 % jitter — a handful of watches retrying about once a second is nothing for an
 * API server, and it bounds how long a change waits after a restart. Otherwise (the server refused):
 * 0.5 s · 2^(n-1) capped at 30 s, ±50 % jitter.
 */
export function jitteredBackoff(failures: number, unavailable = false): number {
  const n = Math.max(0, failures - 1);
  if (unavailable) return Math.min(1_000, 250 * 2 ** n) * (0.75 + Math.random() * 0.5);
  return Math.min(30_000, 500 * 2 ** n) * (0.5 + Math.random());
}

function sleep(ms: number, cancelled: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    const poll = setInterval(() => {
      if (cancelled()) {
        clearTimeout(t);
        clearInterval(poll);
        resolve();
      }
    }, 100);
    setTimeout(() => clearInterval(poll), ms + 1);
  });
}
