/**
 * A small client of ContextForge's admin REST API (`/v1/...`; snake_case in, camelCase out; see
 * docs/contextforge.md). Only what the reconcile target needs: gateways, servers, and the tools,
 * resources and prompts ContextForge discovered.
 *
 * Every call has a timeout. A failure is a `ContextForgeError` whose message is safe for status and
 * events: the method, the path, the HTTP status and ContextForge's own one-line reason — never a
 * request body (it may carry an upstream's credential) and never the admin token.
 */

/** ContextForge answered with an error, or did not answer (`status` 0). */
export class ContextForgeError extends Error {
  readonly status: number;
  constructor(status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ContextForgeError';
    this.status = status;
  }
  /** ContextForge refused the admin credential (401) or its permissions (403). */
  get unauthorized(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export interface CfTag {
  id: string;
  label: string;
}

/** The fields of ContextForge's `GatewayRead` the target uses. */
export interface CfGateway {
  id: string;
  name: string;
  slug: string;
  url: string;
  description: string | null;
  transport: string;
  authType: string | null;
  authHeaders?: { key: string; value: string }[] | null;
  oauthConfig: Record<string, unknown> | null;
  tags: CfTag[];
  visibility: string;
  enabled: boolean;
  reachable: boolean;
  lastSeen: string | null;
  lastError: string | null;
  updatedAt: string | null;
  toolCount?: number;
  promptCount?: number;
  resourceCount?: number;
}

/** The fields of `ServerRead` the target uses. */
export interface CfServer {
  id: string;
  name: string;
  description: string | null;
  enabled: boolean;
  associatedToolIds: string[];
  associatedResources: string[];
  associatedPrompts: string[];
  tags: CfTag[];
  visibility: string;
}

/** A discovered tool, resource or prompt (the fields the selectors need). */
export interface CfTool {
  id: string;
  name: string;
  originalName: string;
  gatewayId: string | null;
  enabled: boolean;
}
export interface CfResource {
  id: string;
  uri: string;
  uriTemplate?: string | null;
  gatewayId: string | null;
  enabled: boolean;
}
export interface CfPrompt {
  id: string;
  name: string;
  originalName: string;
  gatewayId: string | null;
  enabled: boolean;
}

export interface ContextForgeClientOptions {
  /** Base URL of ContextForge, e.g. `http://contextforge.mcp.svc:4444` (no `/v1`). */
  baseUrl: string;
  /** The admin credential (a JWT or API token), asked for on every call so a rotated Secret is used at once. */
  token: () => Promise<string> | string;
  /** Per-request timeout of reads. Default 10 s. */
  timeoutMs?: number;
  /** Per-request timeout of writes: ContextForge connects to the upstream and lists its tools before it answers a gateway write. Default 30 s. */
  writeTimeoutMs?: number;
  /** Called before each write (POST, PUT, DELETE) with its method and resource. */
  onWrite?: (verb: 'POST' | 'PUT' | 'DELETE', resource: string) => void;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export class ContextForgeClient {
  readonly baseUrl: string;
  readonly #o: ContextForgeClientOptions;

  constructor(options: ContextForgeClientOptions) {
    this.#o = options;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  listGateways(): Promise<CfGateway[]> {
    return this.#call('GET', '/v1/gateways?limit=0&include_inactive=true');
  }
  getGateway(id: string): Promise<CfGateway | undefined> {
    return this.#maybe(this.#call('GET', `/v1/gateways/${id}`));
  }
  createGateway(body: Record<string, unknown>): Promise<CfGateway> {
    return this.#call('POST', '/v1/gateways', body, 'gateways');
  }
  updateGateway(id: string, body: Record<string, unknown>): Promise<CfGateway> {
    return this.#call('PUT', `/v1/gateways/${id}`, body, 'gateways');
  }
  /** Enables a gateway someone disabled. */
  activateGateway(id: string): Promise<unknown> {
    return this.#call('POST', `/v1/gateways/${id}/state?activate=true`, undefined, 'gateways');
  }
  deleteGateway(id: string): Promise<void> {
    return this.#gone(this.#call('DELETE', `/v1/gateways/${id}`, undefined, 'gateways'));
  }

  listServers(): Promise<CfServer[]> {
    return this.#call('GET', '/v1/servers?limit=0&include_inactive=true');
  }
  getServer(id: string): Promise<CfServer | undefined> {
    return this.#maybe(this.#call('GET', `/v1/servers/${id}`));
  }
  createServer(server: Record<string, unknown>, visibility: string): Promise<CfServer> {
    // POST /servers embeds the body (several Body parameters); the top-level visibility wins.
    return this.#call('POST', '/v1/servers', { server, visibility }, 'servers');
  }
  updateServer(id: string, body: Record<string, unknown>): Promise<CfServer> {
    return this.#call('PUT', `/v1/servers/${id}`, body, 'servers');
  }
  activateServer(id: string): Promise<unknown> {
    return this.#call('POST', `/v1/servers/${id}/state?activate=true`, undefined, 'servers');
  }
  deleteServer(id: string): Promise<void> {
    return this.#gone(this.#call('DELETE', `/v1/servers/${id}`, undefined, 'servers'));
  }

  listTools(gatewayId: string): Promise<CfTool[]> {
    return this.#call('GET', `/v1/tools?limit=0&gateway_id=${encodeURIComponent(gatewayId)}`);
  }
  /** Every resource and prompt (ContextForge filters these lists by gateway only on tools). */
  listResources(): Promise<CfResource[]> {
    return this.#call('GET', '/v1/resources?limit=0');
  }
  listPrompts(): Promise<CfPrompt[]> {
    return this.#call('GET', '/v1/prompts?limit=0');
  }

  /** A 404 as `undefined`. */
  async #maybe<T>(p: Promise<T>): Promise<T | undefined> {
    try {
      return await p;
    } catch (err) {
      if (err instanceof ContextForgeError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** A 404 on delete is success: it is gone. */
  async #gone(p: Promise<unknown>): Promise<void> {
    await this.#maybe(p);
  }

  async #call<T>(method: Method, path: string, body?: unknown, resource?: string): Promise<T> {
    if (method !== 'GET') this.#o.onWrite?.(method, resource ?? path);
    const what = `${method} ${path.replace(/\?.*$/, '')}`;
    const token = await this.#o.token();
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(method === 'GET' ? (this.#o.timeoutMs ?? 10_000) : (this.#o.writeTimeoutMs ?? 30_000)),
      });
    } catch (err) {
      const cause = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      throw new ContextForgeError(0, `ContextForge at ${this.baseUrl} does not answer (${what}: ${cause})`, { cause: err });
    }
    const text = await res.text();
    if (!res.ok) throw new ContextForgeError(res.status, describeFailure(this.baseUrl, what, res.status, text));
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

/** One line for status: what was called, the status, and ContextForge's reason (`message` or `detail`). */
function describeFailure(base: string, what: string, status: number, text: string): string {
  let reason = '';
  try {
    const b = JSON.parse(text) as { message?: unknown; detail?: unknown };
    const d = b.message ?? b.detail;
    if (typeof d === 'string') reason = d;
    else if (Array.isArray(d)) reason = d.map((e: { loc?: unknown[]; msg?: string }) => `${(e.loc ?? []).slice(1).join('.')}: ${e.msg ?? ''}`).join('; ');
  } catch {
    // not JSON: no reason
  }
  if (status === 401) return `ContextForge at ${base} rejected the admin credential (HTTP 401${reason ? `: ${reason}` : ''}); check the token the operator was given`;
  if (status === 403) return `ContextForge at ${base} refused the admin credential's permissions for ${what} (HTTP 403${reason ? `: ${reason}` : ''}); the token needs platform-admin rights (create_jwt_token --admin)`;
  return `ContextForge ${what} answered HTTP ${status}${reason ? `: ${reason.replace(/\s+/g, ' ').slice(0, 240)}` : ''}`;
}
