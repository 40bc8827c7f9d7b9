/**
 * The Manager, after controller-runtime's: it owns the shared caches (informers with their
 * indexes), the work queue, leader election, the probes and the metrics endpoint, and runs the
 * controllers registered with it.
 *
 * - A controller registers `{ kind, watches, reconcile(key) }`: each watch maps a change in some
 *   cache to the queue keys to reconcile (the object itself, its dependents through an index).
 * - Every replica keeps its caches warm; only the leader runs the queue and the leader-only
 *   runnables (TargetSync). Losing the Lease stops them and calls `onLostLeadership`.
 * - `/healthz` answers at once; `/readyz` is 503 until every cache has synced (e.g. while the CRDs
 *   are not installed yet).
 *
 * @example
 * const mgr = new Manager({ client, log, metrics, concurrency: 4 });
 * const gateways = mgr.informer<RawResource>('gateways', { path: collectionPath('McpGateway') });
 * mgr.register({ kind: 'McpGateway', watches: [{ informer: gateways, map: (_t, o) => [keyOf(o)] }], reconcile, settled, keys });
 * await mgr.start();
 */
import type { Kind } from '../api/names.ts';
import type { Logger } from './logger.ts';
import type { OutcomeResult } from './queue.ts';
import type { KubeClient } from '../kube/client.ts';
import { Informer } from './kube/informer.ts';
import type { KubeObject, ReflectorOptions, ChangeType } from './kube/reflector.ts';
import { LeaderElector, type LeaderElectionOptions } from './leader.ts';
import type { OperatorMetrics } from './metrics.ts';
import { WorkQueue, type ReconcileResult } from './queue.ts';
import { parseBindAddress, serveMetrics, serveProbes, type Listener } from './serve.ts';

/** A change in `informer` that concerns the queue keys `map` returns. */
export interface Watch {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  informer: Informer<any>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  map: (type: ChangeType, obj: any, old: any) => Iterable<string>;
}

/** What a controller registers. Its queue keys start with `${kind}/`. */
export interface Controller {
  readonly kind: Kind;
  readonly watches: Watch[];
  reconcile(key: string): Promise<ReconcileResult>;
  /** Every cached object was reconciled at least once since start. */
  settled(): boolean;
  /** The queue keys of every cached object (re-queued when the leader starts or a target changes). */
  keys(): string[];
  /** The key's object has work no reconcile has done yet (a resync queues it with the changes). */
  hasPendingWork(key: string): boolean;
}

/** Something the manager starts and stops: with the caches, or only while leading. */
export interface Runnable {
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
  leaderOnly?: boolean;
}

export interface ManagerOptions {
  /** The client every informer lists and watches with. */
  client: KubeClient;
  log: Logger;
  metrics: OperatorMetrics;
  /** Parallel reconciles. Defaults to 4. */
  concurrency?: number;
  /** `host:port` for `/metrics`; `0` or undefined = off. */
  metricsBindAddress?: string;
  /** `host:port` for `/healthz` and `/readyz`; `0` or undefined = off. */
  healthProbeBindAddress?: string;
  /** Leader election (without it this replica acts at once). */
  leaderElection?: Omit<LeaderElectionOptions, 'onStartedLeading' | 'onStoppedLeading' | 'log'>;
  /** Called when leadership is lost (the CLI exits, like controller-runtime). */
  onLostLeadership?: () => void;
}

export class Manager {
  readonly #o: ManagerOptions;
  readonly #informers = new Map<string, Informer<KubeObject>>();
  readonly #controllers = new Map<Kind, Controller>();
  readonly #runnables: Runnable[] = [];
  readonly #queue: WorkQueue;
  readonly #listeners: Listener[] = [];
  #elector: LeaderElector | undefined;
  #leading = false;
  /** stop() was called: losing the Lease from here on is our own doing, not a loss. */
  #stopping = false;
  #depthTimer: NodeJS.Timeout | undefined;
  metricsUrl: string | undefined;
  probesUrl: string | undefined;

  constructor(options: ManagerOptions) {
    this.#o = options;
    this.#queue = new WorkQueue({
      concurrency: options.concurrency ?? 4,
      reconcile: (key) => this.#dispatch(key),
      onDone: (key, outcome, ms, err) => this.#observe(key, outcome, ms, err),
    });
  }

  /** A shared cache of one collection, started with the manager. */
  informer<T extends KubeObject>(name: string, options: Omit<ReflectorOptions<T>, 'onChange' | 'log' | 'client'>): Informer<T> {
    const informer = new Informer<T>({ ...options, client: this.#o.client, log: this.#o.log });
    this.#informers.set(name, informer as unknown as Informer<KubeObject>);
    return informer;
  }

  register(controller: Controller): void {
    this.#controllers.set(controller.kind, controller);
    for (const w of controller.watches) {
      w.informer.onChange((type, obj, old) => {
        for (const key of w.map(type, obj, old)) this.enqueue(key);
      });
    }
  }

  add(runnable: Runnable): void {
    this.#runnables.push(runnable);
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  enqueue(key: string): void {
    this.#queue.add(key);
  }

  /**
   * Every key, as a full resync (low priority): after the change events already waiting, except
   * keys whose object has work pending (a generation not yet observed, a deletion), which rank with
   * changes — on a new leader those are the changes made while no one led.
   */
  enqueueAll(): void {
    for (const c of this.#controllers.values()) {
      for (const key of c.keys()) {
        if (c.hasPendingWork(key)) this.#queue.add(key);
        else this.#queue.addLow(key);
      }
    }
  }

  /** Every cache synced and every controller settled (TargetSync may collect garbage). */
  settled(): boolean {
    return this.#cachesSynced() && [...this.#controllers.values()].every((c) => c.settled());
  }

  /** Resolves when the queue has nothing waiting or running. */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  informers(): ReadonlyMap<string, Informer<KubeObject>> {
    return this.#informers;
  }

  #cachesSynced(): boolean {
    return [...this.#informers.values()].every((i) => i.hasSynced);
  }

  #dispatch(key: string): Promise<ReconcileResult> {
    const kind = key.slice(0, key.indexOf('/')) as Kind;
    const c = this.#controllers.get(kind);
    if (!c) throw new Error(`no controller for ${kind}`);
    return c.reconcile(key);
  }

  #observe(key: string, outcome: OutcomeResult, ms: number, err: unknown): void {
    const kind = key.slice(0, key.indexOf('/'));
    const m = this.#o.metrics;
    m.reconcileTotal.inc({ kind, result: outcome });
    m.reconcileDuration.observe({ kind }, ms / 1000);
    if (outcome === 'success') return;
    if (outcome === 'waiting') {
      this.#o.log('debug', 'reconcile waiting', { key, reason: err instanceof Error ? err.message : String(err) });
      return;
    }
    m.reconcileErrors.inc({ kind });
    const error = err instanceof Error ? err.message : String(err);
    this.#o.log(outcome === 'stalled' ? 'info' : 'warn', outcome === 'stalled' ? 'reconcile stalled' : 'reconcile failed', { key, error });
  }

  /**
   * Serves probes and metrics, starts the caches and the non-leader runnables (resolves once they
   * synced), then campaigns for the Lease (or leads at once without leader election).
   */
  async start(): Promise<void> {
    await this.#listen();
    await Promise.all([...[...this.#informers.values()].map((i) => i.start()), ...this.#runnables.filter((r) => !r.leaderOnly).map((r) => r.start())]);
    this.#depthTimer = setInterval(() => this.#o.metrics.queueDepth.set({ kind: 'all' }, this.#queue.depth), 1000);
    this.#depthTimer.unref();
    const le = this.#o.leaderElection;
    if (!le) return this.#startLeading();
    this.#elector = new LeaderElector({
      ...le,
      log: this.#o.log,
      onStartedLeading: () => {
        if (this.#stopping) return;
        this.#o.log('info', 'became leader', { lease: le.name });
        void this.#startLeading();
      },
      onStoppedLeading: () => {
        if (this.#stopping) return;
        void this.#stopLeading();
        this.#o.onLostLeadership?.();
      },
    });
    this.#elector.start();
  }

  async #listen(): Promise<void> {
    const mb = parseBindAddress(this.#o.metricsBindAddress ?? '0');
    if (mb) {
      const l = await serveMetrics(this.#o.metrics.registry, mb);
      this.#listeners.push(l);
      this.metricsUrl = l.url;
    }
    const pb = parseBindAddress(this.#o.healthProbeBindAddress ?? '0');
    if (pb) {
      const l = await serveProbes(() => this.#cachesSynced(), pb);
      this.#listeners.push(l);
      this.probesUrl = l.url;
    }
  }

  async #startLeading(): Promise<void> {
    this.#leading = true;
    this.#o.metrics.isLeader.set(1);
    this.#o.log('info', 'starting workers', { concurrent: this.#o.concurrency ?? 4, controllers: [...this.#controllers.keys()] });
    this.#queue.start();
    this.enqueueAll();
    for (const r of this.#runnables) if (r.leaderOnly) await r.start();
  }

  async #stopLeading(): Promise<void> {
    if (!this.#leading) return;
    this.#leading = false;
    this.#o.metrics.isLeader.set(0);
    await Promise.all([this.#queue.stop(), ...this.#runnables.filter((r) => r.leaderOnly).map((r) => r.stop())]);
  }

  /**
   * Stops the workers (reconciles in flight finish) and the leader-only runnables, then releases the
   * Lease — so a successor never overlaps with our last writes and need not wait the Lease out —
   * then stops the other runnables, caches and listeners.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#depthTimer);
    await this.#stopLeading();
    await this.#elector?.stop();
    await Promise.all(this.#runnables.filter((r) => !r.leaderOnly).map((r) => r.stop()));
    await Promise.all([...this.#informers.values()].map((i) => i.stop()));
    await Promise.all(this.#listeners.map((l) => l.close()));
  }
}
