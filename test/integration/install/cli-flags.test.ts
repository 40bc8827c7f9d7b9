/**
 * The Deployments in manifests/ start the CLI with flags it accepts: every container's args, with
 * Kubernetes' $(VAR) references expanded as the kubelet would, parse with the command's own flag
 * spec and schema (src/cli/*-command.ts). A flag the CLI does not know would crash-loop the pod.
 */
import { describe, expect, it } from 'vitest';
import { parseFlags } from '../../../src/config/flags.ts';
import { expandedArgs, installConfig as config } from './deployment-args.ts';
import { SYSTEM_NAMESPACE } from './rendered.ts';

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
    const { proxyFlagSpec, ProxyFlags } = await import('../../../src/config/proxy.ts');
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
      oidcIssuer: config['oidc-issuer'],
      oidcAudience: config['oidc-audience'],
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
