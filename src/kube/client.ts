/**
 * A small typed HTTP client for the Kubernetes API over `@kubernetes/client-node`'s KubeConfig
 * (authentication, TLS, the cached per-cluster dispatcher), shared by the operator and the proxy's
 * token vault. Both talk to a handful of paths (the two kinds, Secrets, EndpointSlices, Leases,
 * Events), so a path-based client is smaller and more explicit than the generated APIs, it keeps one
 * connection pool per process (the generated APIs open a TLS connection per request), and every
 * patch carries its Content-Type explicitly.
 */
import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { fetch, type Dispatcher } from 'undici';

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

export class KubeClient {
  readonly config: KubeConfig;
  readonly #server: string;
  #onWrite: WriteCounter | undefined;
  #dispatcher: Dispatcher | undefined;

  constructor(config: KubeConfig, options: { onWrite?: WriteCounter } = {}) {
    this.config = config;
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.#server = cluster.server.replace(/\/$/, '');
    this.#onWrite = options.onWrite;
  }

  /**
   * Loads `kubeconfigPath`, else (with `inCluster`, which the config loader sets in a pod) the
   * service account, else the default (`$KUBECONFIG`, `~/.kube/config`).
   */
  static load(kubeconfigPath?: string, options: { onWrite?: WriteCounter; inCluster?: boolean } = {}): KubeClient {
    const kc = new KubeConfig();
    if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
    else if (options.inCluster) kc.loadFromCluster();
    else kc.loadFromDefault();
    return new KubeClient(kc, options);
  }

  /**
   * Authentication headers for one request, and the one dispatcher (connection pool) this client
   * reuses. client-node 2.0.1 builds a new undici Agent on every `applySecurityAuthentication`
   * call, so using its dispatcher per request means a new TLS connection per request (CPU on both
   * ends, and memory until GC); we keep the first one for the client's lifetime instead.
   */
  async authorize(url: string, method: HttpMethod): Promise<{ headers: Record<string, string>; dispatcher: Dispatcher | undefined }> {
    const ctx = new RequestContext(url, method);
    await this.config.applySecurityAuthentication(ctx);
    this.#dispatcher ??= ctx.getDispatcher();
    return { headers: ctx.getHeaders() as Record<string, string>, dispatcher: this.#dispatcher };
  }

  /** Closes the reused connection pool. */
  async close(): Promise<void> {
    await this.#dispatcher?.close().catch(() => undefined); // closing at shutdown: a pool that fails to close holds nothing we still use
    this.#dispatcher = undefined;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  async request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(this.#server + path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const auth = await this.authorize(url.toString(), HttpMethod[method]);
    const headers: Record<string, string> = { ...auth.headers, accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    if (method !== 'GET') this.#onWrite?.(method, path);
    let res;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        dispatcher: auth.dispatcher,
        signal: options.signal ?? AbortSignal.timeout(30_000),
      });
    } catch (cause) {
      throw new KubeApiError({ status: 0, reason: 'Unreachable', message: (cause as Error).message, method, path, cause });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (res.ok) return json as T;
    const status = (json ?? {}) as { reason?: string; message?: string };
    throw new KubeApiError({ status: res.status, reason: status.reason ?? res.statusText, message: status.message ?? text.slice(0, 300), method, path });
  }
}

/**
 * Opens a watch (`?watch=true`) on `path` and calls `onEvent` for each JSON line. Resolves when
 * the server ends the stream (server-side timeout), rejects on HTTP errors and transport failures.
 * Aborting `signal` ends it (resolves). Lines that are not JSON reject: a corrupt stream is a
 * broken stream, not something to skip silently.
 */
export async function watchStream(
  client: KubeClient,
  path: string,
  query: Query,
  onEvent: (event: { type: string; object: unknown }) => void,
  signal: AbortSignal,
): Promise<void> {
  const url = new URL(client.config.getCurrentCluster()!.server.replace(/\/$/, '') + path);
  url.searchParams.set('watch', 'true');
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
  const auth = await client.authorize(url.toString(), HttpMethod.GET);
  let res;
  try {
    res = await fetch(url, { headers: { ...auth.headers, accept: 'application/json' }, dispatcher: auth.dispatcher, signal });
  } catch (cause) {
    if (signal.aborted) return;
    throw new KubeApiError({ status: 0, reason: 'Unreachable', message: (cause as Error).message, method: 'WATCH', path, cause });
  }
  if (!res.ok) {
    const text = await res.text().catch(() => ''); // the body only enriches the error thrown below; the status is the error
    let reason = res.statusText;
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
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
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
