/**
 * Starts `@modelcontextprotocol/server-everything` (the MCP reference server) over Streamable HTTP
 * as a child process: the real upstream behind `mcp-gitops dev`'s example gateway.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { childEnvironment } from '../config/env.ts';

export interface EverythingServer {
  /** The MCP endpoint, `http://127.0.0.1:<port>/mcp`. */
  readonly url: string;
  readonly process: ChildProcess;
  close(): Promise<void>;
}

/** Path of the package's CLI; throws a clear error when the package is not installed. */
function everythingCli(): string {
  try {
    const pkg = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/package.json');
    return join(dirname(pkg), 'dist', 'index.js');
  } catch {
    throw new Error('@modelcontextprotocol/server-everything is not installed: run `npm ci` (it is a dev dependency)');
  }
}

/**
 * Spawns the server on `port` and resolves once it answers HTTP. Rejects when it exits first
 * (e.g. the port is taken) or does not answer within `timeoutMs` (default 15 s).
 */
export async function startEverything(port: number, options: { timeoutMs?: number; quiet?: boolean } = {}): Promise<EverythingServer> {
  const child = spawn(process.execPath, [everythingCli(), 'streamableHttp'], {
    env: childEnvironment({ PORT: String(port) }),
    stdio: ['ignore', options.quiet === false ? 'inherit' : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}/mcp`;
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let up = false;
  while (!up && Date.now() < deadline) {
    const raced = await Promise.race([exited.then((code) => ({ code })), sleep(100).then(() => undefined)]);
    if (raced) throw new Error(`server-everything exited (code ${raced.code}) before serving on port ${port}: ${stderr.trim()}`);
    up = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(1000) }).then(
      () => true,
      () => false,
    );
  }
  if (!up) {
    child.kill('SIGKILL');
    throw new Error(`server-everything did not answer on ${url} within ${options.timeoutMs ?? 15_000} ms`);
  }
  return {
    url,
    process: child,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killed = await Promise.race([exited.then(() => true), sleep(3000).then(() => false)]);
      if (!killed) child.kill('SIGKILL');
    },
  };
}
