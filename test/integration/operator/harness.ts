/**
 * Shared parts of the operator's integration suites: a real kube-apiserver with the CRDs installed,
 * real proxies (`startProxy`) and a real upstream MCP server of our own, plus small helpers.
 */
import { join } from 'node:path';
import pino from 'pino';
import { CRDS, crdFileName } from '../../../src/api/crd.ts';
import { CRD_DIR } from '../../../src/api/generate-crds.ts';
import { AdminClient } from '../../../src/contract/client.ts';
import type { ProxyOptions } from '../../../src/proxy/options.ts';
import { startProxy, type ProxyHandle } from '../../../src/proxy/start.ts';
import { runOperator, type OperatorHandle } from '../../../src/operator/run.ts';
import type { OperatorOptionsInput } from '../../../src/operator/options.ts';
import { startControlPlane, type ControlPlane } from '../../support/control-plane.ts';

export const ADMIN_TOKEN = 'operator-test-admin-token-0123456789';
export const AGENT_SECRET = 'operator-test-agent-secret-0123456789abcdef';
export const quiet = () => pino({ level: process.env.OPERATOR_TEST_LOG ?? 'silent' });

export async function startCluster(): Promise<ControlPlane> {
  const cp = await startControlPlane();
  const files = CRDS.map((s) => join(CRD_DIR, crdFileName(s)));
  await cp.kubectl(['apply', '--server-side', ...files.flatMap((f) => ['-f', f])], { check: true });
  await cp.kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...CRDS.map((s) => `crd/${s.names.plural}.mcp-gitops.dev`)], { check: true });
  return cp;
}

export interface TestProxy {
  handle: ProxyHandle;
  admin: AdminClient;
  adminUrl: string;
  adminPort: number;
}

/** A real proxy on loopback; `adminPort` lets a restarted proxy come back at the same address. */
export async function startTestProxy(adminPort = 0, extra: Partial<ProxyOptions> = {}): Promise<TestProxy> {
  const handle = await startProxy({ port: 0, adminPort, adminToken: ADMIN_TOKEN, agentAuth: { hs256Secret: AGENT_SECRET }, requireSync: true, logger: quiet(), ...extra });
  const url = new URL(handle.adminUrl);
  return { handle, admin: new AdminClient({ baseUrl: handle.adminUrl, token: ADMIN_TOKEN }), adminUrl: url.origin, adminPort: Number(url.port) };
}

export async function stopTestProxy(p: TestProxy): Promise<void> {
  await p.admin.close();
  await p.handle.close();
}

/**
 * The platform policy of the tests' operators: every namespace may use plain http and private
 * networks, because the test upstreams listen on http://127.0.0.1 (the shipped default allows
 * neither anywhere; test/integration/security/platform-policy.test.ts tests the policy itself).
 */
export const TESTS_REACH_LOOPBACK = { allowPrivateNetworkNamespace: ['*'], allowPlainHttpNamespace: ['*'] } satisfies Partial<OperatorOptionsInput>;

export function startTestOperator(cp: ControlPlane, options: Partial<OperatorOptionsInput>): Promise<OperatorHandle> {
  return runOperator(
    {
      kubeconfig: cp.kubeconfigPath,
      adminToken: ADMIN_TOKEN,
      metricsBindAddress: '127.0.0.1:0',
      healthProbeBindAddress: '127.0.0.1:0',
      proxyPollInterval: 1,
      finalizerTimeout: 3,
      ...TESTS_REACH_LOOPBACK,
      ...options,
    },
    { logger: quiet() },
  );
}

/** Polls `check` until it returns a truthy value (or throws the last failure after `timeoutMs`). */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function kubectlJson<T>(cp: ControlPlane, args: string[]): Promise<T> {
  const r = await cp.kubectl([...args, '-o', 'json'], { check: true });
  return JSON.parse(r.stdout) as T;
}

export async function apply(cp: ControlPlane, doc: object): Promise<void> {
  await cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(doc), check: true });
}

export function gatewayDoc(ns: string, name: string, url: string, extra: Record<string, unknown> = {}) {
  return { apiVersion: 'mcp-gitops.dev/v1alpha1', kind: 'McpGateway', metadata: { name, namespace: ns }, spec: { url, transport: 'StreamableHTTP', allowPrivateNetwork: true, ...extra } };
}

export function serverDoc(ns: string, name: string, tools: unknown[], extra: Record<string, unknown> = {}) {
  return { apiVersion: 'mcp-gitops.dev/v1alpha1', kind: 'VirtualServer', metadata: { name, namespace: ns }, spec: { tools, ...extra } };
}

export interface Cond {
  type: string;
  status: string;
  reason: string;
  message: string;
}

export function condition(obj: { status?: { conditions?: Cond[] } }, type: string): Cond | undefined {
  return obj.status?.conditions?.find((c) => c.type === type);
}

/**
 * The operator in a child process, shut down as `mcp-gitops operator` is: `kill()` is SIGKILL (a
 * crashed pod), `terminate()` is SIGTERM (a pod deleted in a rolling update: the CLI's signal
 * handler stops it gracefully).
 */
export async function startOperatorProcess(cp: ControlPlane, options: Partial<OperatorOptionsInput>): Promise<{ kill(): Promise<void>; terminate(): Promise<number | null> }> {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const run = fileURLToPath(new URL('../../../src/operator/run.ts', import.meta.url));
  const flags = fileURLToPath(new URL('../../../src/cli/flags.ts', import.meta.url));
  const opts = { kubeconfig: cp.kubeconfigPath, adminToken: ADMIN_TOKEN, metricsBindAddress: '0', healthProbeBindAddress: '0', ...TESTS_REACH_LOOPBACK, ...options };
  const code = `
    import pino from 'pino';
    import { runOperator } from ${JSON.stringify(run)};
    import { runUntilSignal } from ${JSON.stringify(flags)};
    const op = await runOperator(JSON.parse(process.env.TEST_OPERATOR_OPTIONS), { logger: pino({ level: 'silent' }) });
    await runUntilSignal({ close: () => op.stop() }, 'test operator');
    process.stdout.write('STARTED\\n');
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    // Not the test worker's NODE_OPTIONS / VITEST_* (they make a child behave like a worker).
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !k.startsWith('VITEST'))), TEST_OPERATOR_OPTIONS: JSON.stringify(opts) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('operator process did not start within 60 s')), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('STARTED')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (c) => reject(new Error(`operator process exited ${c}`)));
  });
  return {
    kill: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
    terminate: () =>
      new Promise<number | null>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}
