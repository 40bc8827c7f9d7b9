/**
 * Which proxy replicas the operator converges: every endpoint of the proxy Service, found through
 * its EndpointSlices (ready or not — a replica that is not ready yet is exactly the one that needs
 * its first sync — each with whether it is ready, i.e. serves agents), or a fixed list of admin URLs
 * (`--proxy-url`, all counted as serving).
 */
import { AdminClient, type AdminTls } from '../contract/client.ts';
import type { KubeClient } from '../kube/client.ts';
import { Reflector } from './kube/reflector.ts';

/** One proxy replica as the operator reaches it. */
export interface ProxyReplica {
  /** Admin base URL, e.g. `http://10.0.0.7:4445`; also its name in status. */
  endpoint: string;
  admin: AdminClient;
  /** In the Service's rotation (EndpointSlice `ready`); absent = serving (a fixed list). */
  ready?: boolean;
}

export interface ReplicaSource {
  /** The current replicas, sorted by endpoint. */
  list(): ProxyReplica[];
  /** Resolves once the first list is known. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Called after the set of replicas, or the readiness of one, changed. */
  onChange(listener: () => void): void;
}

/**
 * The URL to connect to for `endpoint`. Names under `.localhost` are the loopback address (RFC 6761
 * §6.3: resolvers SHOULD answer them with loopback; glibc does not, so we do). The API server
 * refuses loopback IPs in EndpointSlices, so an FQDN slice such as `proxy-1.localhost` is how a
 * Service can point at a proxy on the same host (local clusters, tests).
 */
export function connectUrl(endpoint: string): string {
  const u = new URL(endpoint);
  if (u.hostname === 'localhost' || u.hostname.endsWith('.localhost')) u.hostname = '127.0.0.1';
  return u.origin;
}

/**
 * Deadline of one admin call to a replica. Short on purpose: a replica that does not answer within
 * it counts toward opening its circuit (targets/replica-guard.ts), and a reconcile never waits longer.
 */
export const ADMIN_TIMEOUT_MS = 3_000;

/** Keeps one AdminClient per endpoint, closing those that went away. */
class ClientPool {
  readonly #clients = new Map<string, ProxyReplica>();
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #tls: AdminTls | undefined;

  constructor(token: string, timeoutMs: number, tls?: AdminTls) {
    this.#token = token;
    this.#timeoutMs = timeoutMs;
    this.#tls = tls;
  }

  /** Sets the endpoints (and whether each is ready); returns true when either changed. */
  set(endpoints: ReplicaEndpoint[]): boolean {
    const want = new Map(endpoints.map((e) => [e.endpoint, e.ready]));
    let changed = false;
    for (const [ep, r] of this.#clients) {
      if (!want.has(ep)) {
        void r.admin.close().catch(() => undefined); // a replica that left: its connections die with it either way
        this.#clients.delete(ep);
        changed = true;
      }
    }
    for (const [ep, ready] of want) {
      const have = this.#clients.get(ep);
      if (!have) {
        this.#clients.set(ep, { endpoint: ep, ready, admin: new AdminClient({ baseUrl: connectUrl(ep), token: this.#token, timeoutMs: this.#timeoutMs, ...(this.#tls ? { tls: this.#tls } : {}) }) });
        changed = true;
      } else if (have.ready !== ready) {
        have.ready = ready;
        changed = true;
      }
    }
    return changed;
  }

  list(): ProxyReplica[] {
    return [...this.#clients.values()].sort((a, b) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0));
  }

  async closeAll(): Promise<void> {
    // Shutdown: a client that fails to close holds only connections the process is about to drop.
    await Promise.all([...this.#clients.values()].map((r) => r.admin.close().catch(() => undefined)));
    this.#clients.clear();
  }
}

/** A fixed list of admin URLs (`--proxy-url`, repeatable). */
export class StaticReplicas implements ReplicaSource {
  readonly #pool: ClientPool;

  /** `tls`: how `https:` URLs' certificates are checked (`--proxy-admin-ca-file`). */
  constructor(urls: string[], token: string, timeoutMs = ADMIN_TIMEOUT_MS, tls?: AdminTls) {
    this.#pool = new ClientPool(token, timeoutMs, tls);
    this.#pool.set(urls.map((u) => ({ endpoint: new URL(u).origin, ready: true })));
  }

  list(): ProxyReplica[] {
    return this.#pool.list();
  }

  async start(): Promise<void> {}

  stop(): Promise<void> {
    return this.#pool.closeAll();
  }

  onChange(): void {}
}

/** Replicas known up front, e.g. the one in-process proxy of `mcp-gitops dev`. Never changes. */
export function fixedReplicas(replicas: ProxyReplica[]): ReplicaSource {
  const sorted = [...replicas].sort((a, b) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0));
  return { list: () => sorted, start: async () => {}, stop: async () => {}, onChange: () => {} };
}

interface EndpointSlice {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints?: { addresses: string[]; conditions?: { ready?: boolean; terminating?: boolean } }[];
  ports?: { name?: string; port?: number }[] | null;
}

export interface EndpointSliceReplicasOptions {
  client: KubeClient;
  /** The proxy Service as `namespace/name`. */
  service: string;
  token: string;
  /** Name of the Service port of the admin API. Defaults to `admin`; a slice without it uses `adminPort`. */
  portName?: string;
  /** Fallback admin port. Defaults to 4445. */
  adminPort?: number;
  timeoutMs?: number;
  /** The replicas' admin listeners serve TLS: connect with `https:` and check their certificate so. */
  tls?: AdminTls;
  log?: (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
}

/** One replica endpoint and whether it is in the Service's rotation. */
export interface ReplicaEndpoint {
  endpoint: string;
  ready: boolean;
}

/**
 * The admin URLs of every endpoint of the Service's EndpointSlices, ready or not, sorted;
 * terminating endpoints are left out (they are going away and will not serve agents again).
 * `ready` is the endpoint's condition (unset means ready, as the EndpointSlice API says).
 */
export function endpointsOf(slices: EndpointSlice[], portName = 'admin', fallbackPort = 4445, scheme: 'http' | 'https' = 'http'): ReplicaEndpoint[] {
  const out = new Map<string, boolean>();
  for (const s of slices) {
    const port = s.ports?.find((p) => p.name === portName)?.port ?? fallbackPort;
    for (const e of s.endpoints ?? []) {
      if (e.conditions?.terminating) continue;
      for (const a of e.addresses) {
        const endpoint = `${scheme}://${s.addressType === 'IPv6' ? `[${a}]` : a}:${port}`;
        out.set(endpoint, (out.get(endpoint) ?? false) || e.conditions?.ready !== false);
      }
    }
  }
  return [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([endpoint, ready]) => ({ endpoint, ready }));
}

export class EndpointSliceReplicas implements ReplicaSource {
  readonly #pool: ClientPool;
  readonly #reflector: Reflector<EndpointSlice>;
  readonly #listeners: (() => void)[] = [];
  readonly #o: EndpointSliceReplicasOptions;

  constructor(options: EndpointSliceReplicasOptions) {
    this.#o = options;
    const [ns, name] = options.service.split('/');
    if (!ns || !name) throw new Error(`--proxy-service "${options.service}" must be namespace/name`);
    this.#pool = new ClientPool(options.token, options.timeoutMs ?? ADMIN_TIMEOUT_MS, options.tls);
    this.#reflector = new Reflector<EndpointSlice>({
      client: options.client,
      path: `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(ns)}/endpointslices`,
      labelSelector: `kubernetes.io/service-name=${name}`,
      onChange: () => this.#refresh(),
      ...(options.log ? { log: options.log } : {}),
    });
  }

  #refresh(): void {
    const endpoints = endpointsOf(this.#reflector.list(), this.#o.portName, this.#o.adminPort, this.#o.tls ? 'https' : 'http');
    if (this.#pool.set(endpoints)) {
      this.#o.log?.('info', 'proxy replicas changed', { replicas: endpoints.map((e) => `${e.endpoint}${e.ready ? '' : ' (not ready)'}`) });
      for (const l of this.#listeners) l();
    }
  }

  list(): ProxyReplica[] {
    return this.#pool.list();
  }

  async start(): Promise<void> {
    await this.#reflector.start();
    this.#refresh();
  }

  async stop(): Promise<void> {
    await this.#reflector.stop();
    await this.#pool.closeAll();
  }

  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }
}
