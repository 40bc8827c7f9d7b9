/**
 * The config loaders (src/config/): flags, secret files and the environment become one typed config
 * per process; "the pod's namespace" has one default; secrets come from a file or the environment.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { podNamespace, readEnvironment, SYSTEM_NAMESPACE } from '../../../src/config/env.ts';
import { UsageError } from '../../../src/config/flags.ts';
import { loadOperatorConfig } from '../../../src/config/operator.ts';
import { loadProxyConfig } from '../../../src/config/proxy.ts';
import { OperatorOptions } from '../../../src/operator/options.ts';

const dir = mkdtempSync(join(tmpdir(), 'config-'));
const file = (name: string, content: string) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
const NO_SA = join(dir, 'no-service-account');

describe('the environment', () => {
  it('treats blank as unset, trims, and rejects an unknown log level naming the variable (not the value of anything secret)', () => {
    const env = readEnvironment({ MCP_GITOPS_ADMIN_TOKEN: '  t0ken \n', POD_NAME: '   ' });
    expect(env.MCP_GITOPS_ADMIN_TOKEN).toBe('t0ken');
    expect(env.POD_NAME).toBeUndefined();
    expect(env.MCP_GITOPS_LOG_LEVEL).toBe('info');
    expect(() => readEnvironment({ MCP_GITOPS_LOG_LEVEL: 'loud', MCP_GITOPS_ADMIN_TOKEN: 'sekrit' })).toThrow(/^MCP_GITOPS_LOG_LEVEL must be one of fatal, error/);
    expect(() => readEnvironment({ MCP_GITOPS_LOG_LEVEL: 'loud', MCP_GITOPS_ADMIN_TOKEN: 'sekrit' })).not.toThrow(/sekrit/);
  });

  it("the pod's namespace: POD_NAMESPACE, else the service account's namespace file, else mcp-gitops-system", () => {
    expect(podNamespace(readEnvironment({ POD_NAMESPACE: 'team-a' }), NO_SA)).toBe('team-a');
    expect(podNamespace(readEnvironment({}), file('sa-namespace', 'from-sa\n'))).toBe('from-sa');
    expect(podNamespace(readEnvironment({}), NO_SA)).toBe(SYSTEM_NAMESPACE);
  });
});

describe('the proxy config', () => {
  const auth = ['--insecure-no-agent-auth'];

  it('takes the admin credential from its file, else from MCP_GITOPS_ADMIN_TOKEN, and refuses to start without one', async () => {
    expect((await loadProxyConfig([...auth, '--admin-token-file', file('admin', 'from-file\n')], readEnvironment({ MCP_GITOPS_ADMIN_TOKEN: 'from-env' }))).adminToken).toBe('from-file');
    expect((await loadProxyConfig(auth, readEnvironment({ MCP_GITOPS_ADMIN_TOKEN: 'from-env' }))).adminToken).toBe('from-env');
    await expect(loadProxyConfig(auth, readEnvironment({}))).rejects.toThrow(UsageError);
    await expect(loadProxyConfig([...auth, '--admin-token-file', file('empty', '\n')], readEnvironment({}))).rejects.toThrow('--admin-token-file: ');
  });

  it('admin TLS: certificate and key together, on an admin listener of its own', async () => {
    const env = readEnvironment({ MCP_GITOPS_ADMIN_TOKEN: 'a' });
    // The loader reads the files as text (TLS parses them later): placeholders, not key material.
    const [cert, key] = [file('tls.crt', 'certificate placeholder\nx\n'), file('tls.key', 'key placeholder\ny\n')];
    expect((await loadProxyConfig(auth, env)).adminTls).toBeUndefined();
    expect((await loadProxyConfig([...auth, '--admin-tls-cert-file', cert, '--admin-tls-key-file', key], env)).adminTls).toEqual({ cert: 'certificate placeholder\nx', key: 'key placeholder\ny' });
    await expect(loadProxyConfig([...auth, '--admin-tls-cert-file', cert], env)).rejects.toThrow('--admin-tls-cert-file and --admin-tls-key-file go together');
    await expect(loadProxyConfig([...auth, '--admin-tls-cert-file', cert, '--admin-tls-key-file', key, '--admin-port', '4444'], env)).rejects.toThrow('its own admin listener');
  });

  it('chooses exactly one agent authentication; the HS256 secret may come from the environment', async () => {
    const env = readEnvironment({ MCP_GITOPS_ADMIN_TOKEN: 'a', MCP_GITOPS_AGENT_HS256_SECRET: 's3cret' });
    expect((await loadProxyConfig([], env)).agentAuth).toEqual({ kind: 'hs256', secret: 's3cret', issuer: 'mcp-gitops', audience: 'mcp-gitops' });
    expect((await loadProxyConfig(['--agent-hs256-issuer', 'corp', '--agent-hs256-audience', 'prod'], env)).agentAuth).toMatchObject({ kind: 'hs256', issuer: 'corp', audience: 'prod' });
    await expect(loadProxyConfig(['--oidc-authorized-party', 'agent-app'], env)).rejects.toThrow('--oidc-authorized-party and --oidc-token-type need --oidc-issuer');
    const oidc = ['--oidc-issuer', 'https://idp.example.com', '--oidc-audience', 'mcp', '--oidc-authorized-party', 'a', '--oidc-authorized-party', 'b', '--oidc-token-type', 'at+jwt'];
    expect((await loadProxyConfig(oidc, readEnvironment({ MCP_GITOPS_ADMIN_TOKEN: 'a' }))).agentAuth).toEqual({ kind: 'oidc', issuer: 'https://idp.example.com', audience: 'mcp', authorizedParties: ['a', 'b'], tokenTypes: ['at+jwt'] });
    await expect(loadProxyConfig(auth, env)).rejects.toThrow('choose exactly one agent authentication');
    await expect(loadProxyConfig(['--oidc-issuer', 'https://idp.example.com'], readEnvironment({ MCP_GITOPS_ADMIN_TOKEN: 'a' }))).rejects.toThrow('--oidc-audience');
  });

  it('in a cluster stores tokens in Secrets of the pod namespace; else in files', async () => {
    const inCluster = await loadProxyConfig(auth, readEnvironment({ MCP_GITOPS_ADMIN_TOKEN: 'a', KUBERNETES_SERVICE_HOST: '10.0.0.1', POD_NAMESPACE: 'gw' }));
    expect(inCluster.vault).toMatchObject({ backend: 'secret', namespace: 'gw', keySecretName: 'mcp-gitops-vault-key' });
    const local = await loadProxyConfig(auth, readEnvironment({ MCP_GITOPS_ADMIN_TOKEN: 'a' }));
    expect(local.vault).toMatchObject({ backend: 'file', dataDir: '.data/proxy' });
  });
});

describe('the operator config', () => {
  const flags = ['--proxy-url', 'http://127.0.0.1:4445', '--leader-elect'];

  it('adds the admin token, the pod name and the Lease namespace from the environment', async () => {
    const o = await loadOperatorConfig(flags, readEnvironment({ MCP_GITOPS_ADMIN_TOKEN: 'tok', POD_NAME: 'op-0', POD_NAMESPACE: 'sys', KUBERNETES_SERVICE_HOST: '10.0.0.1' }));
    expect(o).toMatchObject({ adminToken: 'tok', podName: 'op-0', leaderElectionNamespace: 'sys', inCluster: true, leaderElect: true });
    expect((await loadOperatorConfig(flags, readEnvironment({ MCP_GITOPS_ADMIN_TOKEN: 'tok', HOSTNAME: 'host-1' }))).podName).toBe('host-1');
    await expect(loadOperatorConfig(flags, readEnvironment({}))).rejects.toThrow('the proxy admin token is required');
  });

  it('the platform policy: no namespace may use private networks or plain http unless its flags list it', async () => {
    const env = readEnvironment({ MCP_GITOPS_ADMIN_TOKEN: 'tok' });
    expect(await loadOperatorConfig(flags, env)).toMatchObject({ allowPrivateNetworkNamespace: [], allowPlainHttpNamespace: [] });
    const listed = await loadOperatorConfig([...flags, '--allow-private-network-namespace', 'team-a', '--allow-private-network-namespace', 'team-b', '--allow-plain-http-namespace', '*'], env);
    expect(listed).toMatchObject({ allowPrivateNetworkNamespace: ['team-a', 'team-b'], allowPlainHttpNamespace: ['*'] });
    await expect(loadOperatorConfig([...flags, '--allow-plain-http-namespace', 'Team_A'], env)).rejects.toThrow(/allow-plain-http-namespace.*must be a namespace name or \*/);
  });

  it('reads the admin TLS CA from --proxy-admin-ca-file', async () => {
    const o = await loadOperatorConfig([...flags, '--proxy-admin-ca-file', file('ca.pem', 'ca placeholder\n')], readEnvironment({ MCP_GITOPS_ADMIN_TOKEN: 'tok' }));
    expect(o.proxyAdminCa).toBe('ca placeholder');
    await expect(loadOperatorConfig([...flags, '--proxy-admin-ca-file', join(dir, 'missing.pem')], readEnvironment({ MCP_GITOPS_ADMIN_TOKEN: 'tok' }))).rejects.toThrow('--proxy-admin-ca-file: cannot read');
  });

  it('the Lease namespace defaults like the proxy vault namespace: one default for the pod namespace', async () => {
    const env = readEnvironment({ MCP_GITOPS_ADMIN_TOKEN: 'tok', POD_NAMESPACE: 'same', KUBERNETES_SERVICE_HOST: '10.0.0.1' });
    const operator = await loadOperatorConfig(flags, env);
    const proxy = await loadProxyConfig(['--insecure-no-agent-auth'], env);
    expect(proxy.vault.backend === 'secret' && proxy.vault.namespace).toBe(operator.leaderElectionNamespace);
  });

  it('the defaults --help prints are the schema defaults (e.g. --progress-interval 0.1)', async () => {
    const { operatorHelp } = await import('../../../src/cli/help.ts');
    const defaults = OperatorOptions.parse({ proxyUrl: ['http://x'] });
    expect(operatorHelp).toMatch(new RegExp(`--progress-interval SECONDS[\\s\\S]*?\\(default ${defaults.progressInterval}\\)`));
    expect(operatorHelp).toContain(`(default ${defaults.resyncPeriod})`);
  });
});
