/**
 * The Deployments in manifests/ start the CLI with flags it accepts: every container's args, with
 * Kubernetes' $(VAR) references expanded as the kubelet would, parse with the command's own flag
 * spec and schema (src/cli/*-command.ts). A flag the CLI does not know would crash-loop the pod.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseFlags } from '../../../src/cli/flags.ts';
import { MANIFESTS, SYSTEM_NAMESPACE } from './rendered.ts';

interface Container {
  args: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: { configMapKeyRef?: { key: string }; fieldRef?: { fieldPath: string } } }>;
}

const config = (parse(readFileSync(`${MANIFESTS}/config.yaml`, 'utf8')) as { data: Record<string, string> }).data;

/** The container's args with $(VAR) expanded from its env (ConfigMap keys and the downward API). */
function expandedArgs(file: string): string[] {
  const d = parse(readFileSync(`${MANIFESTS}/${file}`, 'utf8')) as { spec: { template: { spec: { containers: Container[] } } } };
  const [c] = d.spec.template.spec.containers;
  if (!c) throw new Error(`${file}: no container`);
  const env = new Map<string, string>();
  for (const e of c.env ?? []) {
    const ref = e.valueFrom;
    const value =
      e.value ??
      (ref?.configMapKeyRef ? config[ref.configMapKeyRef.key] : undefined) ??
      (ref?.fieldRef?.fieldPath === 'metadata.namespace' ? SYSTEM_NAMESPACE : ref?.fieldRef ? 'pod-0' : undefined);
    if (value === undefined) throw new Error(`${file}: env ${e.name} has no value the test can expand`);
    env.set(e.name, value);
  }
  return c.args.map((a) =>
    a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_, name: string) => {
      const v = env.get(name);
      if (v === undefined) throw new Error(`${file}: $(${name}) is not set in the container's env`);
      return v;
    }),
  );
}

/**
 * Flags the manifests need that the CLI does not parse yet, each with what is missing. Remove an
 * entry once the flag lands (the test then checks it like any other).
 */
const PENDING: Record<string, Record<string, string>> = {
  proxy: {},
  operator: {},
};

function withoutPending(command: string, args: string[]): string[] {
  const pending = PENDING[command] ?? {};
  return args.filter((a) => !Object.keys(pending).some((flag) => a === `--${flag}` || a.startsWith(`--${flag}=`)));
}

describe('the Deployments start the CLI with flags it accepts', () => {
  it('mcp-gitops proxy (manifests/proxy/deployment.yaml)', async () => {
    const args = expandedArgs('proxy/deployment.yaml');
    expect(args[0]).toBe('proxy');
    const { proxyFlagSpec, ProxyFlags } = await import('../../../src/cli/proxy-command.ts');
    for (const flag of Object.keys(PENDING.proxy ?? {})) {
      if (flag in proxyFlagSpec) console.warn(`cli-flags.test.ts: --${flag} has landed in the proxy CLI; remove it from PENDING`);
    }
    const { flags } = parseFlags(withoutPending('proxy', args.slice(1)), proxyFlagSpec, ProxyFlags);
    expect(flags).toMatchObject({
      port: 4444,
      adminPort: 4445,
      requireSync: true,
      vault: 'secret',
      vaultNamespace: SYSTEM_NAMESPACE,
      publicUrl: config['public-url'],
    });
  });

  it('mcp-gitops operator (manifests/operator/deployment.yaml)', async () => {
    const args = expandedArgs('operator/deployment.yaml');
    expect(args[0]).toBe('operator');
    const { operatorFlagSpec, OperatorOptions } = await import('../../../src/operator/options.ts');
    const { flags } = parseFlags(withoutPending('operator', args.slice(1)), operatorFlagSpec, OperatorOptions);
    expect(flags).toMatchObject({
      leaderElect: true,
      leaderElectionId: 'mcp-gitops-operator',
      proxyService: `${SYSTEM_NAMESPACE}/mcp-gitops-proxy`,
      proxyAdminPortName: 'admin',
      metricsBindAddress: ':8080',
      healthProbeBindAddress: ':8081',
      proxyPublicUrl: config['public-url'],
    });
  });
});
