/**
 * Starts a server as a child process and waits for its `LISTENING <port>` line on stderr. `args`
 * go to node, unless `command` names another program (a Python or Go server).
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ChildServer {
  readonly port: number;
  readonly child: ChildProcess;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

export async function startChild(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000, command = process.execPath): Promise<ChildServer> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // a child that missed its start-up deadline would otherwise outlive the test run
      reject(new Error(`child did not start within ${timeoutMs} ms: ${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /LISTENING (\d+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited with ${code}: ${stderr.slice(-2000)}`));
    });
  });
  child.stderr!.resume();
  return {
    port,
    child,
    kill: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
