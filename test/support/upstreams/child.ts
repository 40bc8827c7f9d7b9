/**
 * Starts a server as a child process and waits for its `LISTENING <port>` line on stderr (several
 * ports on one line for a child serving several listeners). `args`
 * go to node, unless `command` names another program (a Python or Go server).
 *
 * A child never outlives its test file: `killAllChildren` (run after every file by
 * test/support/setup-children.ts, a vitest setup file) kills those still running. Without it, an
 * `afterAll` that threw before its `kill()` left the server running after the suite (seen once per
 * CI run: an orphaned server-everything). vitest ends a worker with a signal, so a process 'exit'
 * handler would not run.
 */
import { spawn, type ChildProcess } from 'node:child_process';

const running = new Set<ChildProcess>();

/** Kills every child started here that is still running, and waits for them to exit. */
export async function killAllChildren(): Promise<void> {
  await Promise.all([...running].map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  })));
}

export interface ChildServer {
  /** The first port of its `LISTENING` line. */
  readonly port: number;
  /** Every port of its `LISTENING <port> [<port>…]` line (a child serving several listeners). */
  readonly ports: readonly number[];
  readonly child: ChildProcess;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

export async function startChild(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000, command = process.execPath): Promise<ChildServer> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  const ports = await new Promise<number[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // a child that missed its start-up deadline would otherwise outlive the test run
      reject(new Error(`child did not start within ${timeoutMs} ms: ${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /LISTENING (\d+(?: \d+)*)\n/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!.split(' ').map(Number));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited with ${code}: ${stderr.slice(-2000)}`));
    });
  });
  child.stderr!.resume();
  return {
    port: ports[0]!,
    ports,
    child,
    kill: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
