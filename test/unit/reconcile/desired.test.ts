import { describe, expect, it } from 'vitest';
import { gatewayId, serverId } from '../../../src/api/ids.ts';
import { specHash } from '../../../src/contract/digest.ts';
import { GatewayCreate, ServerSpec } from '../../../src/contract/wire.ts';
import { desiredGateway, desiredServer, referencedGateways, referencedSecrets } from '../../../src/reconcile/desired.ts';
import { ReconcileError } from '../../../src/reconcile/errors.ts';
import { McpGateway, VirtualServer } from '../../../src/api/index.ts';

const secrets = new Map<string, Record<string, string>>([['mcp/atlassian-oauth', { clientSecret: 's3cr3t-value' }]]);
const lookup = (ns: string, name: string) => secrets.get(`${ns}/${name}`);

const gwOf = (o: { metadata: Record<string, unknown>; spec: unknown }): McpGateway => McpGateway.parse({ apiVersion: 'mcp-gitops.dev/v1alpha1', kind: 'McpGateway', ...o });
const vsOf = (o: { metadata: Record<string, unknown>; spec: unknown }): VirtualServer => VirtualServer.parse({ apiVersion: 'mcp-gitops.dev/v1alpha1', kind: 'VirtualServer', ...o });

function rovo(): McpGateway {
  return gwOf({
    metadata: { name: 'atlassian-rovo', namespace: 'mcp', generation: 1 },
    spec: {
      url: 'https://mcp.atlassian.com/v1/mcp',
      transport: 'StreamableHTTP',
      description: 'Atlassian Rovo',
      auth: {
        type: 'OAuth',
        oauth: {
          grantType: 'AuthorizationCode',
          issuer: 'https://auth.atlassian.com',
          audience: 'api.atlassian.com',
          scopes: ['read:jira-work'],
          clientId: 'my-client-id',
          clientSecretRef: { name: 'atlassian-oauth', key: 'clientSecret' },
        },
      },
    },
  });
}

describe('desiredGateway', () => {
  it('builds the admin PUT body with the Secret value resolved and a deterministic id', () => {
    const { id, body, hash } = desiredGateway(rovo(), lookup);
    expect(id).toBe(gatewayId('mcp', 'atlassian-rovo'));
    expect(body).toMatchObject({
      id,
      name: 'atlassian-rovo',
      namespace: 'mcp',
      url: 'https://mcp.atlassian.com/v1/mcp',
      transport: 'STREAMABLEHTTP',
      auth_type: 'oauth',
      oauth_config: { grant_type: 'authorization_code', discovery: 'issuer', client_id: 'my-client-id', client_secret: 's3cr3t-value', audience: 'api.atlassian.com', scopes: ['read:jira-work'] },
    });
    expect(hash).toBe(specHash(body));
    // The proxy accepts exactly this body.
    expect(GatewayCreate.safeParse(body).success).toBe(true);
  });

  it('gives the same hash for the same inputs and a new one when the Secret rotates', () => {
    const a = desiredGateway(rovo(), lookup).hash;
    expect(desiredGateway(rovo(), lookup).hash).toBe(a);
    const rotated = desiredGateway(rovo(), () => ({ clientSecret: 'rotated' })).hash;
    expect(rotated).not.toBe(a);
  });

  it('names the field and the Secret when the Secret is missing, without any secret value', () => {
    let err: unknown;
    try {
      desiredGateway(rovo(), () => undefined);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ReconcileError);
    expect(err).toMatchObject({ code: 'ERR_SECRET_NOT_FOUND', path: 'spec.auth.oauth.clientSecretRef', reason: 'SecretNotFound' });
    expect((err as Error).message).toContain('Secret mcp/atlassian-oauth not found');
  });

  it('names the key when the Secret lacks it', () => {
    expect(() => desiredGateway(rovo(), () => ({ other: 'x' }))).toThrow(/spec\.auth\.oauth\.clientSecretRef: Secret mcp\/atlassian-oauth has no key "clientSecret"/);
  });

  it('maps bearer and header auth from Secrets', () => {
    const gw = gwOf({
      metadata: { name: 'h', namespace: 'mcp' },
      spec: { url: 'http://127.0.0.1:3001/mcp', auth: { type: 'Headers', headers: [{ name: 'X-Api-Key', secretRef: { name: 'atlassian-oauth', key: 'clientSecret' } }] } },
    });
    const { body } = desiredGateway(gw, lookup);
    expect(body.auth_type).toBe('authheaders');
    expect(body.auth_headers).toEqual([{ key: 'X-Api-Key', value: 's3cr3t-value' }]);
    expect(referencedSecrets(gw)).toEqual(['atlassian-oauth']);
    const bearer = desiredGateway(gwOf({ metadata: { name: 'b', namespace: 'mcp' }, spec: { url: 'http://x/mcp', auth: { type: 'Bearer', bearer: { secretRef: { name: 'atlassian-oauth', key: 'clientSecret' } } } } }), lookup);
    expect(bearer.body).toMatchObject({ auth_type: 'bearer', auth_token: 's3cr3t-value' });
  });

  it('passes health check interval and timeout and private-network opt-in through', () => {
    const { body } = desiredGateway(gwOf({ metadata: { name: 'everything', namespace: 'default' }, spec: { url: 'http://127.0.0.1:3001/mcp', allowPrivateNetwork: true, healthCheck: { intervalSeconds: 15, timeoutSeconds: 4 } } }), lookup);
    expect(body).toMatchObject({ auth_type: 'none', allow_private_network: true, health_check_interval_seconds: 15, health_check_timeout_seconds: 4, refresh_interval_seconds: 300, transport: 'STREAMABLEHTTP' });
  });
});

describe('desiredServer', () => {
  const vs = vsOf({
    metadata: { name: 'admin-atlassian', namespace: 'mcp', generation: 3 },
    spec: {
      description: 'Atlassian tools',
      tools: [{ gateway: 'atlassian-rovo', include: ['*Jira*', 'getConfluencePage'], exclude: ['deleteJiraIssue'], rename: { searchJiraIssuesUsingJql: 'search_issues' } }],
    },
  });

  it('turns gateway names into gateway ids of the same namespace', () => {
    const { id, body, hash } = desiredServer(vs);
    expect(id).toBe(serverId('mcp', 'admin-atlassian'));
    expect(body).toEqual({
      id,
      name: 'admin-atlassian',
      description: 'Atlassian tools',
      namespace: 'mcp',
      naming: 'Prefixed',
      tool_selectors: [{ gateway_id: gatewayId('mcp', 'atlassian-rovo'), include: ['*Jira*', 'getConfluencePage'], exclude: ['deleteJiraIssue'], rename: { searchJiraIssuesUsingJql: 'search_issues' } }],
    });
    expect(hash).toBe(specHash(body));
    expect(ServerSpec.safeParse(body).success).toBe(true);
    expect(referencedGateways(vs)).toEqual(['atlassian-rovo']);
  });

  it('carries access lists only when set', () => {
    const { body } = desiredServer(vsOf({ metadata: vs.metadata, spec: { ...vs.spec, access: { users: ['alice'] } } }));
    expect(body.access).toEqual({ users: ['alice'], groups: [] });
  });
});
