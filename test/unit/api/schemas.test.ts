import { describe, expect, it } from 'vitest';
import { parseResource, type Resource } from '../../../src/api/resources.ts';
import { resolveDiscovery, type McpGateway } from '../../../src/api/mcp-gateway.ts';
import type { VirtualServer } from '../../../src/api/virtual-server.ts';
import { badResources, gateway, goodResources, virtualServer } from './fixtures.ts';

function parsed(obj: unknown): Resource {
  const r = parseResource(obj);
  if (!r.ok) throw new Error(`expected a valid resource, got: ${JSON.stringify(r.problems)}`);
  return r.resource;
}

describe('resource schemas: good resources', () => {
  it.each(Object.entries(goodResources))('accepts %s', (_, resource) => {
    expect(parseResource(resource)).toMatchObject({ ok: true });
  });

  it('applies the defaults the CRD declares, so the operator never has to write spec', () => {
    const gw = parsed(gateway({ url: 'https://mcp.example.com/mcp' })) as McpGateway;
    expect(gw.spec).toEqual({
      url: 'https://mcp.example.com/mcp',
      transport: 'StreamableHTTP',
      auth: { type: 'None' },
      healthCheck: { intervalSeconds: 30, timeoutSeconds: 10 },
      toolRefresh: { intervalSeconds: 300 },
      allowPrivateNetwork: false,
    });
    const vs = parsed(virtualServer({ tools: [{ gateway: 'gw' }] })) as VirtualServer;
    expect(vs.spec.naming).toBe('Prefixed');
    expect(vs.spec.access).toEqual({});
  });

  it('defaults the OAuth grant to AuthorizationCode and discovery to Auto', () => {
    const gw = parsed(goodResources['DESIGN.md McpGateway (OAuth, issuer discovery)']) as McpGateway;
    expect(gw.spec.auth.oauth).toMatchObject({ grantType: 'AuthorizationCode', discovery: 'Auto' });
  });

  it('keeps metadata the API server adds (labels, uid, resourceVersion)', () => {
    const obj = gateway({ url: 'https://mcp.example.com/mcp' });
    obj.metadata = { name: 'gw', namespace: 'mcp', uid: 'u-1', resourceVersion: '42', generation: 3, labels: { team: 'a' }, managedFields: [] };
    expect(parsed(obj).metadata).toMatchObject({ uid: 'u-1', resourceVersion: '42', generation: 3, labels: { team: 'a' }, managedFields: [] });
  });
});

describe('resolveDiscovery', () => {
  it.each([
    [{ discovery: 'Auto', issuer: 'https://i' }, 'Issuer'],
    [{ discovery: 'Auto', tokenUrl: 'https://t' }, 'Static'],
    [{ discovery: 'Auto', authorizationUrl: 'https://a', tokenUrl: 'https://t' }, 'Static'],
    [{ discovery: 'Auto' }, 'MCP'],
    [{ discovery: 'MCP', issuer: 'https://i' }, 'MCP'],
    [{ discovery: 'Static', issuer: 'https://i', tokenUrl: 'https://t' }, 'Static'],
  ] as const)('%o resolves to %s', (oauth, expected) => {
    expect(resolveDiscovery(oauth)).toBe(expected);
  });
});

describe('resource schemas: bad resources name the field and the problem', () => {
  it.each(Object.entries(badResources))('rejects %s', (_, bad) => {
    const r = parseResource(bad.resource);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const atPath = r.problems.filter((p) => p.path === bad.path);
    expect(atPath, `problems: ${JSON.stringify(r.problems)}`).not.toHaveLength(0);
    expect(atPath.map((p) => p.message).join('\n')).toContain(bad.message);
  });

  it('reports every problem of a resource, not just the first', () => {
    const r = parseResource(gateway({ url: 'ftp://x', transport: 'Carrier-Pigeon', auth: { type: 'Bearer' } }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path).sort()).toEqual(['spec.auth.bearer', 'spec.transport', 'spec.url']);
  });

  it('rejects unknown fields (a typo would otherwise silently drop a setting)', () => {
    const r = parseResource(gateway({ url: 'https://mcp.example.com/mcp', healthcheck: { intervalSeconds: 60 } }));
    expect(r).toEqual({ ok: false, problems: [{ path: 'spec.healthcheck', message: expect.stringContaining('unknown field') }] });
  });

  it('refuses inline secrets and never echoes their value', () => {
    const secret = 'sk-live-DO-NOT-LEAK-123';
    const r = parseResource(gateway({ url: `https://u:${secret}@example.com/mcp`, auth: { type: 'Bearer', bearer: { token: secret } } }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path)).toEqual(expect.arrayContaining(['spec.url', 'spec.auth.bearer.token']));
    expect(JSON.stringify(r.problems)).not.toContain(secret);
  });

  it('names a missing required field as required', () => {
    const r = parseResource(gateway({}));
    expect(r).toEqual({ ok: false, problems: [{ path: 'spec.url', message: 'is required (string)' }] });
  });

  it('rejects other kinds, unserved versions and non-objects with the field named', () => {
    expect(parseResource({ ...gateway({ url: 'https://x.example.com' }), kind: 'McpServer' })).toMatchObject({ ok: false, problems: [{ path: 'kind' }] });
    expect(parseResource({ ...gateway({ url: 'https://x.example.com' }), apiVersion: 'mcp-gitops.dev/v1' })).toMatchObject({
      ok: false,
      problems: [{ path: 'apiVersion', message: 'version is not served: use mcp-gitops.dev/v1alpha1' }],
    });
    expect(parseResource('McpGateway')).toMatchObject({ ok: false, problems: [{ path: '' }] });
  });

  it('stamps where on every problem when the caller says where the object came from', () => {
    const r = parseResource(gateway({ url: 'ftp://x' }), 'gw.yaml#1');
    expect(r).toMatchObject({ ok: false, problems: [{ where: 'gw.yaml#1', path: 'spec.url' }] });
  });
});
