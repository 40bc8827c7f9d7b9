/**
 * The typed client of the proxy admin API, used by the operator and `dev` to converge one proxy
 * replica. One keep-alive connection pool per client; every call is a replace or a read, so a
 * reconcile never does read-modify-write.
 *
 * @example
 * const admin = new AdminClient({ baseUrl: 'http://10.0.0.7:4445', token });
 * await admin.putGateway(id, { name: 'atlassian-rovo', url: 'https://mcp.atlassian.com/v1/mcp', transport: 'STREAMABLEHTTP' });
 * const { digest } = await admin.getState();
 */
import { OriginPool } from '../net/origin-pool.ts';
import { jsonOrUndefined } from '../net/json-body.ts';
import { StateRead, type DeleteRead, type ErrorRead, type GatewayBody, type GatewayRead, type ServerBody, type ServerRead, type ToolRead } from './wire.ts';

export interface AdminClientOptions {
  /** Origin of the admin listener, e.g. `http://127.0.0.1:4445`. A path is ignored. */
  baseUrl: string;
  /** The admin token (sent as `Authorization: Bearer`). */
  token: string;
  /** Prefix of every route. Defaults to `/v1`. */
  basePath?: string;
  /** Per-request deadline in ms (headers and body). Defaults to 10000. */
  timeoutMs?: number;
  /** For an `https:` admin listener: the CA (PEM) its certificate chains to, and the name it is checked against. */
  tls?: AdminTls;
}

/** How the admin listener's TLS certificate is checked: against `ca` (PEM), for the DNS name `servername` (default: the URL's host). */
export interface AdminTls {
  ca?: string;
  servername?: string;
}

/** A non-2xx answer of the admin API, a transport failure (`status` 0), or a 2xx answer that breaks the contract (`ERR_BAD_ANSWER`). */
export class AdminApiError extends Error {
  override name = 'AdminApiError';
  /** HTTP status; 0 when the request never got an answer. */
  readonly status: number;
  /** The server's stable code (`ERR_VALIDATION`, …), `ERR_ADMIN_UNREACHABLE` or `ERR_BAD_ANSWER`. */
  readonly code: string;
  readonly details: { path: string; message: string }[];
  readonly method: string;
  readonly path: string;

  constructor(init: { status: number; code: string; message: string; method: string; path: string; details?: { path: string; message: string }[]; cause?: unknown }) {
    super(`${init.method} ${init.path}: ${init.status === 0 ? '' : `${init.status} `}${init.message}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.details = init.details ?? [];
    this.method = init.method;
    this.path = init.path;
  }
}

/** Result of `markSynced`: whether the replica accepted the digest, and its own digest. */
export interface SyncedResult {
  synced: boolean;
  digest: string;
}

export class AdminClient {
  readonly #pool: OriginPool;
  readonly #auth: string;
  readonly #base: string;
  readonly #timeoutMs: number;

  constructor(options: AdminClientOptions) {
    const origin = new URL(options.baseUrl).origin;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#pool = new OriginPool(origin, { maxSockets: 4, idleTimeoutMs: 30_000, ...(options.tls ? { tls: options.tls } : {}) });
    this.#auth = `Bearer ${options.token}`;
    this.#base = (options.basePath ?? '/v1').replace(/\/$/, '');
  }

  /** Creates or replaces the gateway `id` (idempotent). */
  putGateway(id: string, body: GatewayBody): Promise<GatewayRead> {
    return this.#call('PUT', `/gateways/${enc(id)}`, { ...body, id });
  }

  /** Deletes the gateway `id`. Resolves `false` when it did not exist (404 counts as done). */
  deleteGateway(id: string): Promise<boolean> {
    return this.#delete(`/gateways/${enc(id)}`);
  }

  listGateways(): Promise<GatewayRead[]> {
    return this.#call('GET', '/gateways');
  }

  /** The gateway `id` (or name), or `undefined` when absent. */
  getGateway(id: string): Promise<GatewayRead | undefined> {
    return this.#maybe(`/gateways/${enc(id)}`);
  }

  /** Re-lists the gateway's tools now. */
  refreshGateway(id: string): Promise<GatewayRead> {
    return this.#call('POST', `/gateways/${enc(id)}/tools/refresh`, {});
  }

  /** Creates or replaces the virtual server `id` (idempotent). */
  putServer(id: string, body: ServerBody): Promise<ServerRead> {
    return this.#call('PUT', `/servers/${enc(id)}`, { ...body, id });
  }

  /** Deletes the virtual server `id`. Resolves `false` when it did not exist. */
  deleteServer(id: string): Promise<boolean> {
    return this.#delete(`/servers/${enc(id)}`);
  }

  listServers(): Promise<ServerRead[]> {
    return this.#call('GET', '/servers');
  }

  getServer(id: string): Promise<ServerRead | undefined> {
    return this.#maybe(`/servers/${enc(id)}`);
  }

  /** The tools of one server, named as the server serves them. */
  listServerTools(id: string): Promise<ToolRead[]> {
    return this.#call('GET', `/servers/${enc(id)}/tools`);
  }

  /** All discovered tools, optionally of one gateway. */
  listTools(gatewayId?: string): Promise<ToolRead[]> {
    return this.#call('GET', gatewayId ? `/tools?gateway_id=${enc(gatewayId)}` : '/tools');
  }

  /** The replica's registrations as spec hashes, its digest and readiness. */
  async getState(): Promise<StateRead> {
    const answer = await this.#call<unknown>('GET', '/state');
    const parsed = StateRead.safeParse(answer);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map(String).join('.') || '(root)';
    throw new AdminApiError({ status: 200, code: 'ERR_BAD_ANSWER', message: `the answer is not a StateRead (docs/admin-api.md): ${path}: ${issue.message}`, method: 'GET', path: `${this.#base}/state`, details: [{ path, message: issue.message }] });
  }

  /** Tells the replica the caller converged it to `digest`; it becomes ready when the digest is its own. */
  async markSynced(digest: string): Promise<SyncedResult> {
    try {
      const r = await this.#call<{ digest: string }>('POST', '/state/synced', { digest });
      return { synced: true, digest: r.digest };
    } catch (err) {
      if (err instanceof AdminApiError && err.status === 409 && err.code === 'ERR_DIGEST_MISMATCH') {
        const own = /[0-9a-f]{64}/.exec(err.details.find((d) => d.path === 'digest')?.message ?? '')?.[0] ?? '';
        return { synced: false, digest: own };
      }
      throw err;
    }
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    this.#pool.close();
  }

  async #delete(path: string): Promise<boolean> {
    try {
      await this.#call<DeleteRead>('DELETE', path);
      return true;
    } catch (err) {
      if (err instanceof AdminApiError && err.status === 404) return false;
      throw err;
    }
  }

  async #maybe<T>(path: string): Promise<T | undefined> {
    try {
      return await this.#call<T>('GET', path);
    } catch (err) {
      if (err instanceof AdminApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async #call<T>(method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const fullPath = this.#base + path;
    // One deadline for the whole exchange, headers and body.
    const signal = AbortSignal.timeout(this.#timeoutMs);
    let res;
    let text: string;
    try {
      res = await this.#pool.request({
        method,
        path: fullPath,
        headers: body === undefined ? { authorization: this.#auth, accept: 'application/json' } : { authorization: this.#auth, accept: 'application/json', 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
      text = await res.text();
    } catch (cause) {
      throw new AdminApiError({ status: 0, code: 'ERR_ADMIN_UNREACHABLE', message: `no answer: ${(cause as Error).message}`, method, path: fullPath, cause });
    }
    const json = jsonOrUndefined(text);
    if (res.status >= 200 && res.status < 300) return json as T;
    const e = (json ?? {}) as Partial<ErrorRead>;
    throw new AdminApiError({
      status: res.status,
      code: typeof e.code === 'string' ? e.code : `HTTP_${res.status}`,
      message: typeof e.message === 'string' ? e.message : text.slice(0, 200) || `HTTP ${res.status}`,
      method,
      path: fullPath,
      ...(Array.isArray(e.details) ? { details: e.details } : {}),
    });
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}
