/**
 * Kubeconfig `exec` credential plugins (client.authentication.k8s.io, as `gke-gcloud-auth-plugin`,
 * `aws eks get-token`, `kubelogin` are used): run the command, read the `ExecCredential` it prints,
 * use `status.token` until `status.expirationTimestamp` (10 s early), then run it again. Concurrent
 * requests share one run. Plugins that answer with a client certificate are refused (the connection
 * pool's TLS identity is fixed at start); interactive plugins get no terminal (`interactive: false`).
 */
import { execFile } from 'node:child_process';
import { isAbsolute, resolve } from 'node:path';
import { childEnvironment } from '../config/env.ts';

export interface ExecConfig {
  apiVersion?: string;
  command?: string;
  args?: string[];
  env?: { name: string; value: string }[] | null;
  installHint?: string;
  provideClusterInfo?: boolean;
}

const RUN_TIMEOUT_MS = 60_000;
const EARLY_MS = 10_000;

/** A token source running `exec`; `where` names the kubeconfig user in errors. */
export function execCredentialSource(exec: ExecConfig, at: { dir: string; where: string; server: string }): () => Promise<string> {
  const { command } = exec;
  if (!command) throw new Error(`${at.where}: exec.command is required`);
  const apiVersion = exec.apiVersion ?? 'client.authentication.k8s.io/v1';
  // client-go: a command with a path separator is relative to the kubeconfig's directory; a bare name is looked up on PATH.
  const program = command.includes('/') && !isAbsolute(command) ? resolve(at.dir, command) : command;
  const info = { apiVersion, kind: 'ExecCredential', spec: { interactive: false, ...(exec.provideClusterInfo ? { cluster: { server: at.server } } : {}) } };
  const env = childEnvironment({ ...Object.fromEntries((exec.env ?? []).map((e) => [e.name, e.value])), KUBERNETES_EXEC_INFO: JSON.stringify(info) });
  let cached: { token: string; expiresAt: number } | undefined;
  let running: Promise<string> | undefined;

  const run = (): Promise<string> =>
    new Promise((ok, fail) => {
      execFile(program, exec.args ?? [], { env, timeout: RUN_TIMEOUT_MS, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
        if (err) {
          const hint = (err as NodeJS.ErrnoException).code === 'ENOENT' && exec.installHint ? ` (${exec.installHint.trim()})` : '';
          const detail = String(stderr).trim().split('\n')[0]?.slice(0, 200) || (err as Error).message.split('\n')[0];
          return fail(new Error(`${at.where}: exec plugin ${command} failed: ${detail}${hint}`));
        }
        let status: { token?: unknown; expirationTimestamp?: unknown; clientCertificateData?: unknown } | undefined;
        try {
          status = (JSON.parse(String(stdout)) as { status?: typeof status }).status;
        } catch {
          return fail(new Error(`${at.where}: exec plugin ${command} did not print an ExecCredential (JSON)`));
        }
        if (status?.clientCertificateData !== undefined) return fail(new Error(`${at.where}: exec plugin ${command} answered with a client certificate, which is not supported; use a plugin that returns a token`));
        if (typeof status?.token !== 'string' || status.token === '') return fail(new Error(`${at.where}: exec plugin ${command} returned no status.token`));
        const expires = typeof status.expirationTimestamp === 'string' ? Date.parse(status.expirationTimestamp) : NaN;
        cached = { token: status.token, expiresAt: Number.isNaN(expires) ? Infinity : expires - EARLY_MS };
        ok(status.token);
      });
    });

  return () => {
    if (cached && Date.now() < cached.expiresAt) return Promise.resolve(cached.token);
    running ??= run().finally(() => {
      running = undefined;
    });
    return running;
  };
}
