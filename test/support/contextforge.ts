/**
 * A real IBM ContextForge for tests: `mcpgateway` from the venv hack/build-contextforge.sh installs
 * (path in env `MCP_GITOPS_CONTEXTFORGE`), on a free loopback port, with SQLite in a temp dir.
 * In front of it sits a counting reverse proxy on its own port: give `url` (the proxy) to the
 * operator and `writes()` tells how many writes (anything but GET/HEAD/OPTIONS) reached ContextForge
 * through it; `directUrl` bypasses the count (a test's own drift edits).
 *
 * `CONTEXTFORGE_TEST_LOG=INFO` (a ContextForge log level) copies its output to stderr.
 *
 * `restart()` stops ContextForge and starts it again on the same port and database (its registrations
 * survive, as with a pod restart on a volume); `stop()`/`start()` make an outage of any length.
 *
 * @example
 * const cf = await startContextForge();
 * const op = await startTestOperator(cp, { target: 'contextforge', contextforgeUrl: cf.url, contextforgeToken: cf.token });
 * expect(cf.writes()).toBe(0);
 * await cf.close();
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';

export const CONTEXTFORGE_ADMIN_EMAIL = 'admin@example.com';

/** The venv of hack/build-contextforge.sh, or undefined when the env does not name a usable one. */
export function contextforgeVenv(): string | undefined {
  const dir = process.env.MCP_GITOPS_CONTEXTFORGE;
  return dir && existsSync(join(dir, 'bin', 'mcpgateway')) ? dir : undefined;
}

export interface ContextForge {
  /** Base URL through the counting proxy (what the operator is given). */
  readonly url: string;
  /** Base URL of ContextForge itself (not counted). */
  readonly directUrl: string;
  /** An admin JWT (`create_jwt_token --admin`), valid for a day. */
  readonly token: string;
  /** The JWT signing secret, to mint other users' tokens. */
  readonly jwtSecret: string;
  /** Writes that reached ContextForge through `url` since start or the last `resetWrites()`, as `METHOD path`. */
  writes(): number;
  writeLog(): string[];
  resetWrites(): void;
  /** Mints a JWT for `email` (an admin when `admin`). */
  mintToken(email: string, options?: { admin?: boolean; minutes?: number }): string;
  /** Calls the admin API directly (not counted). */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startContextForge(options: { env?: Record<string, string> } = {}): Promise<ContextForge> {
  const venv = contextforgeVenv();
  if (!venv) throw new Error('MCP_GITOPS_CONTEXTFORGE does not name a ContextForge venv: run hack/build-contextforge.sh');
  const dir = mkdtempSync(join(tmpdir(), 'mcp-gitops-cf-'));
  const port = await freePort();
  const jwtSecret = randomBytes(32).toString('hex');
  const env: Record<string, string> = {
    ...Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('VITEST') && e[0] !== 'NODE_OPTIONS')),
    HOST: '127.0.0.1',
    PORT: String(port),
    MCG_HOST: '127.0.0.1',
    MCG_PORT: String(port),
    DATABASE_URL: `sqlite:///${join(dir, 'mcp.db')}`,
    JWT_SECRET_KEY: jwtSecret,
    AUTH_ENCRYPTION_SECRET: randomBytes(32).toString('hex'),
    PLATFORM_ADMIN_EMAIL: CONTEXTFORGE_ADMIN_EMAIL,
    PLATFORM_ADMIN_PASSWORD: `Adm1n-${randomBytes(12).toString('hex')}`,
    MCPGATEWAY_ADMIN_API_ENABLED: 'true',
    MCPGATEWAY_UI_ENABLED: 'false',
    SSRF_ALLOW_LOCALHOST: 'true',
    RATE_LIMITING_ENABLED: 'false',
    CACHE_TYPE: 'database',
    EXPOSE_ERROR_DETAILS: 'true',
    DEV_MODE: 'true',
    APP_DOMAIN: `http://127.0.0.1:${port}`,
    LOG_LEVEL: process.env.CONTEXTFORGE_TEST_LOG ?? 'ERROR',
    HEALTH_CHECK_INTERVAL: '5',
    UNHEALTHY_THRESHOLD: '1',
    PYTHONUNBUFFERED: '1',
    ...options.env,
  };
  const directUrl = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let output = '';

  const start = async (): Promise<void> => {
    output = '';
    child = spawn(join(venv, 'bin', 'mcpgateway'), ['--host', '127.0.0.1', '--port', String(port)], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => {
      if (process.env.CONTEXTFORGE_TEST_LOG) process.stderr.write(d);
      output = (output + d.toString()).slice(-8000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const started = child;
    const deadline = Date.now() + 240_000; // ~15 s on an idle machine; minutes on a loaded one
    for (;;) {
      if (started.exitCode !== null) throw new Error(`ContextForge exited with ${started.exitCode}: ${output.slice(-3000)}`);
      const ok = await fetch(`${directUrl}/health`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`ContextForge did not answer /health within 240 s: ${output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };

  await start();
  const mintToken = (email: string, o: { admin?: boolean; minutes?: number } = {}): string => {
    const args = ['-m', 'mcpgateway.utils.create_jwt_token', '-u', email, '--exp', String(o.minutes ?? 1440), '--secret', jwtSecret, ...(o.admin ? ['--admin'] : [])];
    const r = spawnSync(join(venv, 'bin', 'python'), args, { cwd: dir, env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`create_jwt_token failed: ${r.stderr}`);
    const token = r.stdout.trim().split('\n').pop()!.trim();
    return token;
  };
  const token = mintToken(CONTEXTFORGE_ADMIN_EMAIL, { admin: true });

  const log: string[] = [];
  const proxy = await countingProxy(port, (method, path) => {
    if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') log.push(`${method} ${path}`);
  });
  const proxyPort = (proxy.address() as { port: number }).port;

  return {
    url: `http://127.0.0.1:${proxyPort}`,
    directUrl,
    token,
    jwtSecret,
    writes: () => log.length,
    writeLog: () => [...log],
    resetWrites: () => {
      log.length = 0;
    },
    mintToken,
    async api<T>(method: string, path: string, body?: unknown) {
      const r = await fetch(`${directUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await r.text();
      return { status: r.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    stop,
    start,
    async restart() {
      await stop();
      await start();
    },
    async close() {
      await stop();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      proxy.closeAllConnections();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A loopback reverse proxy to `port` that reports each request's method and path. */
function countingProxy(port: number, onRequest: (method: string, path: string) => void): Promise<Server> {
  const server = createServer((req, res) => {
    onRequest(req.method ?? 'GET', req.url ?? '/');
    const up = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => {
      // ContextForge is down: the caller sees the connection fail, as it would without the proxy.
      req.socket.destroy();
    });
    req.pipe(up);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
