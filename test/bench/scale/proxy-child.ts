/**
 * One proxy process for the scale benchmark, built from the source tree given as its argument (this
 * checkout, or the baseline commit extracted by `baseline.ts`), so "before" and "after" run side by
 * side in one bench run. Agent auth (HS256) and the audit log are on, as in production; logs go to
 * /dev/null asynchronously.
 *
 *   node proxy-child.ts <source root>      (forked by `startProxyChild`)
 *
 * IPC: `cpu` → `{ cpuMicros }` (user + system); `heap` → `process.memoryUsage()` after two full
 * GCs (`heapUsed`, `rss`, `external`, `arrayBuffers`); `snapshot:<file>` → a heap snapshot written
 * to that file after two full GCs (for `heap-diff.ts`), answered `{}` when written.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { deployedEnv } from '../../support/deployed-process.ts';

export const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
export const AGENT_SECRET = 'bench-agent-secret-0123456789abcdef0123456789';

export interface Memory {
  heapUsed: number;
  /** The V8 heap as reserved (used + free space in its pages): what the heap adds to RSS. */
  heapTotal: number;
  rss: number;
  /** Memory of C++ objects bound to JS objects (includes `arrayBuffers`). */
  external: number;
  /** ArrayBuffers and Buffers (sockets' and TLS buffers, undici's). */
  arrayBuffers: number;
  /** Open file descriptors (sockets, mostly). */
  fds: number;
  /** V8 heap spaces: size reserved and used, by space. */
  spaces: Record<string, { size: number; used: number }>;
}

export interface ProxyChild {
  readonly label: string;
  readonly url: string;
  readonly pid: number;
  ask(what: 'cpu' | 'heap' | `snapshot:${string}`): Promise<{ cpuMicros: number } & Memory>;
  /** Admin API call; throws on a non-2xx answer. */
  admin(method: string, path: string, body?: unknown): Promise<unknown>;
  /** SIGKILL by default; SIGINT exits gracefully, so `--cpu-prof` writes its profile. */
  stop(signal?: 'SIGKILL' | 'SIGINT'): Promise<void>;
}

/**
 * Starts the proxy of `sourceRoot` with the process environment its Deployment sets
 * (`NODE_OPTIONS`, `MALLOC_ARENA_MAX` in manifests/proxy/deployment.yaml, when the tree has one),
 * so a replica is measured as it runs.
 */
export async function startProxyChild(label: string, sourceRoot: string, execArgv: string[] = []): Promise<ProxyChild> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [sourceRoot], { execArgv: ['--expose-gc', ...execArgv], env: { ...process.env, ...deployedEnv(sourceRoot) }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-4000)));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`proxy ${label} exited ${code}: ${stderr}`)));
  });
  let queue = Promise.resolve();
  const ask = (what: string) => {
    const answer = queue.then(() => new Promise<{ cpuMicros: number } & Memory>((resolve) => {
      child.once('message', (m) => resolve(m as { cpuMicros: number } & Memory));
      child.send(what);
    }));
    queue = answer.then(() => undefined);
    return answer;
  };
  return {
    label,
    url,
    pid: child.pid!,
    ask,
    admin: async (method, path, body) => {
      // GET and PUT are idempotent: retried when a keep-alive connection closes under the request
      // (the server's keep-alive timeout racing a reused socket, frequent on a loaded machine).
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
          const text = await res.text();
          if (res.status === 408 && attempt < 3) continue; // the server's request timeout on a starved machine
          if (!res.ok) throw new Error(`${label}: ${method} ${path} → ${res.status} ${text.slice(0, 300)}`);
          return text ? JSON.parse(text) : undefined;
        } catch (err) {
          if (attempt >= 3 || (err as Error).message !== 'fetch failed' || child.exitCode !== null) throw err;
        }
      }
    },
    stop: (signal = 'SIGKILL') => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    }),
  };
}

async function serve(sourceRoot: string): Promise<void> {
  const { startProxy } = (await import(pathToFileURL(join(sourceRoot, 'src/proxy/start.ts')).href)) as typeof import('../../../src/proxy/start.ts');
  const { pino } = await import('pino');
  const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false, minLength: 4096 }));
  const proxy = await startProxy({ port: 0, adminToken: ADMIN_TOKEN, agentAuth: { hs256Secret: AGENT_SECRET }, logger, maxSessions: 1_000_000 });
  process.on('message', (m) => {
    if (m === 'cpu') {
      const u = process.cpuUsage();
      process.send!({ cpuMicros: u.user + u.system });
    } else if (m === 'heap') {
      globalThis.gc?.();
      globalThis.gc?.();
      const mem = process.memoryUsage();
      process.send!({ heapUsed: mem.heapUsed, heapTotal: mem.heapTotal, rss: mem.rss, external: mem.external, arrayBuffers: mem.arrayBuffers, fds: readdirSync('/proc/self/fd').length, spaces: Object.fromEntries(getHeapSpaceStatistics().map((x) => [x.space_name, { size: x.space_size, used: x.space_used_size }])) });
    } else if (typeof m === 'string' && m.startsWith('snapshot:')) {
      globalThis.gc?.();
      globalThis.gc?.();
      writeHeapSnapshot(m.slice('snapshot:'.length));
      process.send!({});
    }
  });
  // A graceful exit on SIGINT lets `--cpu-prof` write its profile (SIGKILL, as `stop` sends, would not).
  process.on('SIGINT', () => process.exit(0));
  process.send!({ url: proxy.url });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2]) await serve(process.argv[2]);

export { deployedEnv, deployedNodeFlags } from '../../support/deployed-process.ts';
