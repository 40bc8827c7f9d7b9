import { describe, expect, it } from 'vitest';
import { GatewayCreate, ServerCreate, ServerSpec, ToolInvoke } from '../../../src/contract/wire.ts';
import { seedGatewayFor } from '../../support/seed.ts';

const problems = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  r.success ? [] : r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

describe('GatewayCreate', () => {
  it('accepts the seed body as written and applies the documented defaults', () => {
    const seed = GatewayCreate.parse(seedGatewayFor('mcf.example'));
    expect(seed).toMatchObject({ transport: 'STREAMABLEHTTP', auth_type: 'oauth', namespace: 'default', health_check_interval_seconds: 30, refresh_interval_seconds: 300, allow_private_network: false, enabled: true });
    expect(GatewayCreate.parse({ name: 'x', url: 'http://h' })).toMatchObject({ transport: 'SSE', auth_type: 'none' });
  });

  it('accepts camelCase and lower-case transport like ContextForge, and normalises auth_type', () => {
    const g = GatewayCreate.parse({ name: 'x', url: 'http://h', transport: 'streamablehttp', authType: 'Bearer', authToken: 't', healthCheckIntervalSeconds: 5 });
    expect(g).toMatchObject({ transport: 'STREAMABLEHTTP', auth_type: 'bearer', auth_token: 't', health_check_interval_seconds: 5 });
    expect(GatewayCreate.parse({ name: 'x', url: 'http://h', auth_type: '' }).auth_type).toBe('none');
  });

  it('names every problem and its field', () => {
    expect(problems(GatewayCreate.safeParse({ name: '', url: 'javascript:alert(1)', transport: 'ws' }))).toEqual([
      'name: must not be empty',
      'url: must be an absolute http(s) URL without credentials',
      'transport: "WS" is not supported: use "STREAMABLEHTTP" (MCP Streamable HTTP) or "SSE" (the legacy HTTP+SSE transport); a stdio server needs an HTTP bridge in front of it',
    ]);
    expect(problems(GatewayCreate.safeParse({ name: 'x', url: 'https://user:pw@h' }))).toEqual(['url: must be an absolute http(s) URL without credentials']);
    expect(problems(GatewayCreate.safeParse({ name: 'x', url: 'http://h', auth_type: 'authheaders', auth_headers: [] }))).toEqual(['auth_headers: needs at least one {key, value} when auth_type is "authheaders"']);
    expect(problems(GatewayCreate.safeParse({ name: 'x', url: 'http://h', auth_type: 'oauth', oauth_config: { discovery: 'static', token_url: 'http://t' } }))).toEqual([
      'oauth_config.authorization_url: is required when discovery is "static"',
    ]);
  });
});

describe('servers and invoke', () => {
  it('takes the seed POST /servers body, normalising dashed ids, and a bare PUT body', () => {
    const s = ServerCreate.parse({ server: { name: 'admin-atlassian', associated_tools: ['6018CA46-0000-0000-0000-00000000000A'], visibility: 'private' } });
    expect(s.server).toMatchObject({ associated_tools: ['6018ca4600000000000000000000000a'], naming: 'Prefixed', access: { users: [], groups: [] } });
    expect(ServerSpec.parse({ name: 'vs', toolSelectors: [{ gatewayId: 'a'.repeat(32), include: ['*Jira*'] }] }).tool_selectors).toEqual([{ gateway_id: 'a'.repeat(32), include: ['*Jira*'] }]);
    expect(ServerSpec.parse({ name: 'vs', associated_tools: `${'a'.repeat(32)}, ${'b'.repeat(32)}` }).associated_tools).toHaveLength(2);
  });

  it('rejects associated tool names where ids belong', () => {
    expect(problems(ServerSpec.safeParse({ name: 'vs', associated_tools: ['searchJiraIssues'] }))).toEqual(['associated_tools.0: must be 32 hexadecimal characters (a UUID without dashes)']);
  });

  it('reads the seed invoke body', () => {
    expect(ToolInvoke.parse({ server_id: 'admin-atlassian', tool_name: 'search_issues', arguments: { jql: 'project = PROJ' } })).toEqual({ server_id: 'admin-atlassian', tool_name: 'search_issues', arguments: { jql: 'project = PROJ' } });
  });
});
