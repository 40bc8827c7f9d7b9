/**
 * A keyed work queue in the style of client-go's workqueue as controller-runtime uses it:
 *
 * - one entry per key: adding a key that is already waiting does nothing;
 * - never two workers on one key: a key added while it is being reconciled is marked dirty and runs
 *   exactly once more after the current run ends;
 * - what happens after a run is decided by its outcome (`errors.ts`): success resets the key's
 *   backoff and honours `requeueAfterMs`; a `StallingError` is not retried; a `WaitingError` runs
 *   again after its delay without touching the backoff; any other throw is retried with per-key
 *   exponential backoff, 5 ms → 1000 s by default;
 * - the earliest pending schedule of a key wins;
 * - two priorities, as controller-runtime's priority queue: `add` (a change, a due requeue) runs
 *   before `addLow` (a full resync: every key when this replica starts leading or a proxy replica
 *   joins), so after a failover a change made meanwhile does not wait behind 20,000 unchanged
 *   objects; a key added both ways runs once, at the higher priority;
 * - at most `concurrency` reconciles at once.
 *
 * The reconcile function receives only the key and reads current state itself (level-based).
 */

import { DelayedKeys } from './delays.ts';
import { outcomeOf, type Outcome } from './errors.ts';

export type OutcomeResult = Outcome['result'];

/** What a reconcile asks for on success. */
export interface ReconcileResult {
  /** Run this key again after this many ms (periodic health observation). */
  requeueAfterMs?: number;
}

export interface WorkQueueOptions {
  /** Reconciles one key. What a throw means is decided by `outcomeOf` (errors.ts). */
  reconcile: (key: string) => Promise<ReconcileResult | void>;
  /** Parallel reconciles (`--concurrent`). Defaults to 4. */
  concurrency?: number;
  /** First retry delay. Defaults to 5 ms. */
  baseDelayMs?: number;
  /** Longest retry delay. Defaults to 1,000,000 ms (1000 s). */
  maxDelayMs?: number;
  /** Called after every reconcile with its outcome and duration (metrics, logs). */
  onDone?: (key: string, outcome: OutcomeResult, durationMs: number, err?: unknown) => void;
}

export class WorkQueue {
  readonly #opts: Required<Omit<WorkQueueOptions, 'onDone'>> & Pick<WorkQueueOptions, 'onDone'>;
  /** Keys waiting to run, in arrival order (a Set keeps one entry per key). */
  readonly #ready = new Set<string>();
  /** Keys of a full resync waiting to run, after every key of `#ready`; never also in `#ready`. */
  readonly #low = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  /** Keys scheduled for later (requeues, retries), one timer for all. */
  readonly #later = new DelayedKeys((key) => {
    if (this.#running) this.add(key);
  });
  #running = false;
  #idleWaiters: (() => void)[] = [];

  constructor(options: WorkQueueOptions) {
    this.#opts = {
      reconcile: options.reconcile,
      concurrency: Math.max(1, options.concurrency ?? 4),
      baseDelayMs: options.baseDelayMs ?? 5,
      maxDelayMs: options.maxDelayMs ?? 1_000_000,
      onDone: options.onDone,
    };
  }

  /** Keys waiting to run (not counting those running or scheduled for later). */
  get depth(): number {
    return this.#ready.size + this.#low.size;
  }

  /** Keys running now. */
  get active(): number {
    return this.#processing.size;
  }

  /** Starts the workers. Keys added before `start` wait. */
  start(): void {
    this.#running = true;
    this.#pump();
  }

  /** Stops taking new work and cancels scheduled requeues. Resolves when running reconciles finished. */
  stop(): Promise<void> {
    this.#running = false;
    this.#later.clear();
    return this.idle();
  }

  /** Queues `key` to run as soon as a worker is free (before every key of a resync). */
  add(key: string): void {
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    this.#low.delete(key);
    this.#ready.add(key);
    this.#pump();
  }

  /** Queues `key` for a full resync: it runs when no key added with `add` is waiting. */
  addLow(key: string): void {
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#ready.has(key)) return;
    this.#low.add(key);
    this.#pump();
  }

  /** Queues `key` after `ms`. An earlier pending schedule for the key is kept; a later one is replaced. */
  addAfter(key: string, ms: number): void {
    if (ms <= 0) return this.add(key);
    this.#later.schedule(key, Date.now() + ms);
  }

  /** Forgets a key's failure history (e.g. after its object was deleted). */
  forget(key: string): void {
    this.#failures.delete(key);
    this.#later.cancel(key);
  }

  /** The delay the next failure of `key` would get. */
  nextBackoffMs(key: string): number {
    const n = this.#failures.get(key) ?? 0;
    return Math.min(this.#opts.maxDelayMs, this.#opts.baseDelayMs * 2 ** n);
  }

  /**
   * Resolves when nothing is waiting or running (scheduled requeues do not count); once stopped,
   * when nothing is running. For shutdown, tests and benchmarks.
   */
  idle(): Promise<void> {
    if (this.#processing.size === 0 && (this.depth === 0 || !this.#running)) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #pump(): void {
    if (!this.#running) {
      if (this.#processing.size === 0) this.#wakeIdle();
      return;
    }
    while (this.#processing.size < this.#opts.concurrency && this.depth > 0) {
      const lane = this.#ready.size > 0 ? this.#ready : this.#low;
      const key = lane.values().next().value as string;
      lane.delete(key);
      this.#processing.add(key);
      void this.#work(key);
    }
    if (this.depth === 0 && this.#processing.size === 0) this.#wakeIdle();
  }

  #wakeIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  async #work(key: string): Promise<void> {
    const started = performance.now();
    let outcome: Outcome = { result: 'success' };
    let error: unknown;
    let result: ReconcileResult | void = undefined;
    try {
      result = await this.#opts.reconcile(key);
    } catch (err) {
      error = err;
      outcome = outcomeOf(err);
    }
    const duration = performance.now() - started;
    this.#processing.delete(key);
    try {
      this.#opts.onDone?.(key, outcome.result, duration, error);
    } catch {
      /* observers never break the queue */
    }
    this.#after(key, outcome, result);
    this.#pump();
  }

  #after(key: string, outcome: Outcome, result: ReconcileResult | void): void {
    if (outcome.result === 'error') {
      const delay = this.nextBackoffMs(key);
      this.#failures.set(key, (this.#failures.get(key) ?? 0) + 1);
      if (this.#dirty.delete(key)) this.add(key);
      else this.#retryAfter(key, delay);
      return;
    }
    if (outcome.result !== 'waiting') this.#failures.delete(key);
    if (this.#dirty.delete(key)) this.add(key);
    else if (outcome.result === 'waiting') this.#retryAfter(key, outcome.afterMs);
    else if (result?.requeueAfterMs !== undefined && result.requeueAfterMs > 0) this.addAfter(key, result.requeueAfterMs);
  }

  /** A failure retry replaces any later schedule, so backoff is never delayed by a health requeue. */
  #retryAfter(key: string, ms: number): void {
    this.#later.cancel(key);
    this.addAfter(key, ms);
  }
}
