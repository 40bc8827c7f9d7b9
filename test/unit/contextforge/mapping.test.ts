import { describe, expect, it } from 'vitest';
import type { CfGateway, CfTool } from '../../../src/contextforge/client.ts';
import { gatewayBody, gatewayDrift, ownedId, resolveSelectors, specOf, type DiscoveredGateway } from '../../../src/contextforge/mapping.ts';

const owner = { id: 'a'.repeat(32), namespace: 'mcp', name: 'atlassian-rovo', uid: 'ABC-123' };
const rovo = {
  name: 'atlassian-rovo',
  url: 'https://mcp.atlassian.com/v1/mcp',
  transport: 'STREAMABLEHTTP' as const,
  auth_type: 'oauth' as const,
  oauth_config: { grant_type: 'authorization_code' as const, issuer: 'https://auth.atlassian.com', client_id: 'cid', client_secret: 'hunter2', scopes: ['read:jira-work'], discovery: 'issuer' as const },
};

function live(body: Record<string, unknown>, over: Partial<CfGateway> = {}): CfGateway {
  return {
    id: 'f'.repeat(32),
    name: body.name as string,
    slug: body.name as string,
    url: body.url as string,
    description: body.description as string,
    transport: body.transport as string,
    authType: body.auth_type as string,
    oauthConfig: { ...(body.oauth_config as object), client_secret: '*****' },
    tags: (body.tags as string[]).map((t) => ({ id: t.toLowerCase(), label: t })),
    visibility: 'public',
    enabled: true,
    reachable: true,
    lastSeen: null,
    lastError: null,
    updatedAt: null,
    ...over,
  };
}

describe('ContextForge mapping', () => {
  it('tags every object with its owner and a keyed spec digest that reveals nothing of the secret', () => {
    const body = gatewayBody(rovo, owner, 'key-1', 'https://mcf.example.com/oauth/callback');
    const tags = body.tags as string[];
    expect(tags).toEqual(expect.arrayContaining(['mcp-gitops.dev:owned', `mcp-gitops.dev:id:${owner.id}`, 'mcp-gitops.dev:namespace:mcp', 'mcp-gitops.dev:name:atlassian-rovo', 'mcp-gitops.dev:uid:abc-123']));
    expect(JSON.stringify(tags)).not.toContain('hunter2');
    expect(ownedId(tags.map((id) => ({ id, label: id })))).toBe(owner.id);
    // The discovery hint is ours, not ContextForge's; the secret travels in the body only.
    // ContextForge's own callback: its /oauth/authorize fails (HTTP 500, KeyError redirect_uri) without one.
    expect(body.oauth_config).toEqual({
      grant_type: 'authorization_code',
      issuer: 'https://auth.atlassian.com',
      client_id: 'cid',
      client_secret: 'hunter2',
      scopes: ['read:jira-work'],
      redirect_uri: 'https://mcf.example.com/oauth/callback',
    });
    const rotated = gatewayBody({ ...rovo, oauth_config: { ...rovo.oauth_config, client_secret: 'rotated' } }, owner, 'key-1', 'https://mcf.example.com/oauth/callback');
    expect(specOf(rotated)).not.toBe(specOf(body));
    expect(specOf(gatewayBody(rovo, owner, 'key-2', 'https://mcf.example.com/oauth/callback'))).not.toBe(specOf(body));
  });

  it('compares the way ContextForge stores: 127.0.0.1 as localhost, HTML-free descriptions, masked secrets', () => {
    const body = gatewayBody({ ...rovo, url: 'http://127.0.0.1:3001/mcp', description: 'Jira <b>and</b> Confluence' }, owner, 'k');
    expect(gatewayDrift(live(body, { url: 'http://localhost:3001/mcp', description: 'Jira and Confluence' }), body)).toEqual([]);
    expect(gatewayDrift(live(body, { description: 'edited', oauthConfig: { ...(body.oauth_config as object), scopes: ['x'] }, enabled: false }), body)).toEqual([
      'description',
      'oauth_config.scopes',
      'enabled',
    ]);
  });

  it('resolves selectors over upstream and ContextForge tool names; reports what matched nothing and renames it cannot express', () => {
    const tool = (name: string, id: string): CfTool => ({ id, name: `everything-${name}`, originalName: name, gatewayId: 'g', enabled: true });
    const gw: DiscoveredGateway = { gateway: live(gatewayBody(rovo, owner, 'k'), { slug: 'everything' }), tools: [tool('echo', '1'), tool('get-sum', '2'), tool('get-env', '3')], resources: [], prompts: [] };
    const r = resolveSelectors(
      {
        name: 's',
        tool_selectors: [
          { gateway_id: 'gw1', include: ['everything-get-*', 'echo', 'missing'], exclude: ['get-env'], rename: { echo: 'say' } },
          { gateway_id: 'gw2' },
        ],
      },
      new Map([['gw1', gw]]),
    );
    expect(r.toolIds).toEqual(['1', '2']);
    expect(r.unmatched).toEqual([
      'tools[0]: include "missing" matched no tool of gateway everything',
      'tools[0]: rename "echo" → "say" cannot be expressed in ContextForge (a tool has one name on every server: <gateway-slug>-<tool-slug>); served as "everything-echo"',
      'tools[1]: gateway gw2 is not registered in ContextForge',
    ]);
  });
});
