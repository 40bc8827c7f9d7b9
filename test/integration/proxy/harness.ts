/**
 * Shared set-up of the proxy integration tests: a proxy on a free loopback port with an admin
 * token and HS256 agent auth, its log lines captured, agent tokens minted, an SDK client as agent.
 */
import { Writable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import { startProxy, type ProxyHandle, type ProxyOptions } from '../../../src/proxy/start.ts';
import { streamWatchingFetch, type ConnectOptions } from '../../support/mcp-agent.ts';

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
export const AGENT_SECRET = 'agent-hs256-secret-for-tests-0123456789abcdef';

export interface TestProxy extends ProxyHandle {
  /** Parsed log lines the proxy wrote. */
  readonly logs: Record<string, unknown>[];
  /** fetch against the admin listener with the admin token. */
  admin(path: string, init?: { method?: string; body?: unknown; token?: string | null; headers?: Record<string, string> }): Promise<{ status: number; body: any; text: string }>;
}

export async function startTestProxy(options: Partial<ProxyOptions> = {}): Promise<TestProxy> {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line));
      cb();
    },
  });
  const proxy = await startProxy({ port: 0, host: '127.0.0.1', adminToken: ADMIN_TOKEN, agentAuth: { hs256Secret: AGENT_SECRET }, logger: pino({ level: 'info' }, sink), ...options });
  return {
    ...proxy,
    logs,
    async admin(path, init = {}) {
      const token = init.token === undefined ? ADMIN_TOKEN : init.token;
      const res = await fetch(proxy.adminUrl + path, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
        ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
      });
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      return { status: res.status, body, text };
    },
  };
}

/** An HS256 agent token for `sub` (and `groups`). */
export function agentToken(sub: string, groups: string[] = []): Promise<string> {
  return new SignJWT({ groups }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuer('mcp-gitops').setAudience('mcp-gitops').setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(AGENT_SECRET));
}

/** An SDK client connected to a virtual server through the proxy as `sub`. */
export async function connectAgent(proxyUrl: string, serverId: string, sub = 'alice', transport: 'streamable-http' | 'sse' = 'streamable-http', options: ConnectOptions = {}): Promise<Client> {
  const headers = { authorization: `Bearer ${await agentToken(sub)}` };
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  const watch = streamWatchingFetch();
  const t =
    transport === 'sse'
      ? new SSEClientTransport(new URL(`${proxyUrl}/servers/${serverId}/sse`), { requestInit: { headers }, eventSourceInit: { fetch: (u, i) => fetch(u, { ...i, headers: { ...(i?.headers as Record<string, string>), ...headers } }) } })
      : new StreamableHTTPClientTransport(new URL(`${proxyUrl}/servers/${serverId}/mcp`), { requestInit: { headers }, fetch: watch.fetch });
  await client.connect(t);
  if (options.listening && transport === 'streamable-http') await watch.listening();
  return client;
}

/** Polls `probe` until it returns a truthy value (or throws after `timeoutMs`). Not a timing assertion. */
export async function eventually<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
