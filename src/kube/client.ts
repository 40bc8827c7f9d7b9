/**
 * A small typed HTTP client for the Kubernetes API, shared by the operator and the proxy's token
 * vault. Both talk to a handful of paths (the two kinds, Secrets, EndpointSlices, Leases, Events),
 * so a path-based client is smaller and more explicit than generated APIs; it keeps one keep-alive
 * connection pool per process (node's own https: src/net/origin-pool.ts), and every patch carries
 * its Content-Type explicitly.
 * How it reaches the server (URL, TLS, credentials) comes from access.ts — our own kubeconfig and
 * service-account loader, not `@kubernetes/client-node`, whose import alone costs ~100 MiB.
 *
 * @example
 * const kube = await KubeClient.connect(undefined, { inCluster: true });
 * const lease = await kube.get<Lease>('/apis/coordination.k8s.io/v1/namespaces/ns/leases/x');
 */
import { readEnvironment } from '../config/env.ts';
import { OriginPool, type PoolResponse } from '../net/origin-pool.ts';
import { jsonOrUndefined } from '../net/json-body.ts';
import type { ClusterAccess } from './access.ts';
import { resolveAccess, type KubeEnvironment } from './load-access.ts';

/** A non-2xx answer of the API server, with the `Status` object's reason when there is one. */
export class KubeApiError extends Error {
  override name = 'KubeApiError';
  /** HTTP status, 0 when the server never answered. */
  readonly status: number;
  /** `Status.reason`: `NotFound`, `Conflict`, `Expired`, `Gone`, `Invalid`, … */
  readonly reason: string;
  readonly method: string;
  readonly path: string;

  constructor(init: { status: number; reason: string; message: string; method: string; path: string; cause?: unknown }) {
    super(`${init.method} ${init.path}: ${init.status === 0 ? '' : `${init.status} ${init.reason}: `}${init.message}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.reason = init.reason;
    this.method = init.method;
    this.path = init.path;
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 404;
}

export function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 409;
}

/** 410 Gone / reason Expired: the resourceVersion is too old; relist. */
export function isGone(err: unknown): boolean {
  return err instanceof KubeApiError && (err.status === 410 || err.reason === 'Expired' || err.reason === 'Gone');
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Defaults to `application/json` when there is a body. Patches must say which kind they are. */
  contentType?: 'application/json' | 'application/merge-patch+json' | 'application/json-patch+json' | 'application/apply-patch+yaml';
  signal?: AbortSignal;
}

export const MERGE_PATCH = 'application/merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';

/** Counts of mutating requests by verb, for the "zero writes when nothing changed" tests and metrics. */
export type WriteCounter = (method: string, path: string) => void;

export interface ConnectOptions {
  onWrite?: WriteCounter;
  /** Use the pod's service account (the config loader sets it when KUBERNETES_SERVICE_HOST is set). */
  inCluster?: boolean;
  /** KUBECONFIG, HOME, KUBERNETES_SERVICE_HOST/PORT; defaults to this process's (config/env.ts). */
  env?: KubeEnvironment;
  /** The service account directory (tests); defaults to /var/run/secrets/kubernetes.io/serviceaccount. */
  serviceAccountDir?: string;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export class KubeClient {
  readonly access: ClusterAccess;
  readonly #pool: OriginPool;
  /** The server URL's path prefix (e.g. a Rancher cluster proxy's), '' for most. */
  readonly #prefix: string;
  readonly #onWrite: WriteCounter | undefined;

  constructor(access: ClusterAccess, options: { onWrite?: WriteCounter } = {}) {
    this.access = access;
    const url = new URL(access.server);
    this.#prefix = url.pathname.replace(/\/+$/, '');
    this.#pool = new OriginPool(url.origin, { tls: access.tls });
    this.#onWrite = options.onWrite;
  }

  /**
   * Connects with `kubeconfigPath`, else (with `inCluster`) the service account, else the default
   * (`$KUBECONFIG`, `~/.kube/config`, then the service account when in a pod). Throws naming the
   * file and entry when the configuration cannot be used; nothing is sent to the server yet.
   */
  static async connect(kubeconfigPath?: string, options: ConnectOptions = {}): Promise<KubeClient> {
    const env = options.env ?? readEnvironment();
    const access = await resolveAccess({ kubeconfig: kubeconfigPath, inCluster: options.inCluster, env, serviceAccountDir: options.serviceAccountDir });
    return new KubeClient(access, options);
  }

  /** Closes the connection pool (open watches end). */
  async close(): Promise<void> {
    this.#pool.close();
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  async request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    if (method !== 'GET') this.#onWrite?.(method, path);
    const res = await this.#send(method, path, options.query, headers, options.body === undefined ? undefined : JSON.stringify(options.body), options.signal ?? AbortSignal.timeout(30_000));
    let text: string;
    try {
      text = await res.text();
    } catch (cause) {
      throw new KubeApiError({ status: 0, reason: 'Unreachable', message: (cause as Error).message, method, path, cause });
    }
    const json = jsonOrUndefined(text);
    if (res.status >= 200 && res.status < 300) return json as T;
    const status = (json ?? {}) as { reason?: string; message?: string };
    throw new KubeApiError({ status: res.status, reason: status.reason ?? String(res.status), message: status.message ?? text.slice(0, 300), method, path });
  }

  /**
   * Sends one request with this client's credentials; the body of the answer is the caller's to
   * read (a watch reads it for minutes). Transport failures throw KubeApiError status 0.
   */
  async #send(method: Method | 'WATCH', path: string, query: Query | undefined, headers: Record<string, string>, body: string | undefined, signal: AbortSignal): Promise<PoolResponse> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
    const qs = params.size > 0 ? `?${params}` : '';
    let authorization: string | undefined;
    try {
      authorization = await this.access.authorization();
    } catch (cause) {
      throw new KubeApiError({ status: 0, reason: 'Unauthenticated', message: (cause as Error).message, method, path, cause });
    }
    try {
      return await this.#pool.request({
        method: method === 'WATCH' ? 'GET' : method,
        path: this.#prefix + path + qs,
        headers: authorization ? { ...headers, authorization } : headers,
        body,
        // A watch is quiet between events for minutes: no deadline, the reflector's watchdog aborts a stalled one.
        signal,
      });
    } catch (cause) {
      throw new KubeApiError({ status: 0, reason: 'Unreachable', message: (cause as Error).message, method, path, cause });
    }
  }

  /**
   * Opens a watch (`?watch=true`) on `path` and calls `onEvent` for each JSON line. Resolves when
   * the server ends the stream, rejects on HTTP errors and transport failures; aborting `signal`
   * ends it (resolves). A line that is not JSON rejects: a corrupt stream is a broken stream.
   */
  async watch(path: string, query: Query, onEvent: (event: { type: string; object: unknown }) => void, signal: AbortSignal): Promise<void> {
    let res;
    try {
      res = await this.#send('WATCH', path, { ...query, watch: true }, { accept: 'application/json' }, undefined, signal);
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    if (res.status < 200 || res.status >= 300) {
      const text = await res.text().catch(() => ''); // the body only enriches the error thrown below; the status is the error
      let reason = String(res.status);
      try {
        reason = (JSON.parse(text) as { reason?: string }).reason ?? reason;
      } catch {
        /* not a Status */
      }
      throw new KubeApiError({ status: res.status, reason, message: text.slice(0, 300), method: 'WATCH', path });
    }
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of res.body) {
        buffered += decoder.decode(chunk, { stream: true });
        let nl;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line !== '') onEvent(JSON.parse(line) as { type: string; object: unknown });
        }
      }
    } catch (cause) {
      if (signal.aborted) return;
      throw new KubeApiError({ status: 0, reason: 'StreamBroken', message: (cause as Error).message, method: 'WATCH', path, cause });
    }
  }
}

/** {@link KubeClient.watch} as a function (the reflector's seam). */
export function watchStream(
  client: KubeClient,
  path: string,
  query: Query,
  onEvent: (event: { type: string; object: unknown }) => void,
  signal: AbortSignal,
): Promise<void> {
  return client.watch(path, query, onEvent, signal);
}
