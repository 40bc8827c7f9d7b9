/**
 * `mcp-gitops proxy` as a real process, started the way the proxy Deployment starts it: its args
 * from manifests/proxy/deployment.yaml, the mounted key files at local paths, loopback ports, and the
 * service account's kubeconfig in place of the in-cluster one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { REPO } from './rendered.ts';

export interface ProxyProcess {
  /** Agent listener, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** Admin listener. */
  adminUrl: string;
  adminPort: number;
  /** Everything the process wrote so far: its JSON log (stdout) and its status lines (stderr). */
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves when it has exited. */
  stop(): Promise<void>;
}

export interface ProxyProcessOptions {
  /** The Deployment's args after `proxy`, expanded (deployment-args.ts). */
  args: string[];
  /** Container path → local path of the mounted Secret files. */
  mounts: Record<string, string>;
  /** The service account's kubeconfig. */
  kubeconfig: string;
  /** The pod's namespace (downward API). */
  namespace: string;
}

/** Starts the proxy and resolves once it listens (its "agents on …, admin API on …" line). */
export async function startProxyProcess(o: ProxyProcessOptions): Promise<ProxyProcess> {
  const args = o.args
    .map((a) => Object.entries(o.mounts).reduce((arg, [from, to]) => arg.replace(from, to), a))
    .map((a) => (a.startsWith('--port=') ? '--port=0' : a.startsWith('--admin-port=') ? '--admin-port=0' : a));
  const child: ChildProcess = spawn(process.execPath, [`${REPO}src/cli.ts`, 'proxy', ...args, '--host=127.0.0.1'], {
    env: { ...process.env, KUBECONFIG: o.kubeconfig, POD_NAMESPACE: o.namespace, KUBERNETES_SERVICE_HOST: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const listening = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mcp-gitops proxy did not start within 20 s:\n${log.slice(-4000)}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      log += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      const m = /agents on (http:\/\/[^\s,]+), admin API on (http:\/\/[^\s,]+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`mcp-gitops proxy exited with ${code}:\n${log.slice(-4000)}`));
    });
  });
  const adminUrl = listening[2]!;
  return {
    url: listening[1]!,
    adminUrl,
    adminPort: Number(new URL(adminUrl).port),
    output: () => log,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
