import { describe, expect, it } from 'vitest';
import type { GatewayRead, ServerRead } from '../../../src/contract/wire.ts';
import { ReconcileError } from '../../../src/reconcile/errors.ts';
import { McpGateway, VirtualServer, type Condition } from '../../../src/api/index.ts';
import { gatewayStatus, memberNounOf, serverStatus, statusEqual } from '../../../src/reconcile/status.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:05:00Z');

function gw(extra: Record<string, unknown> = {}): McpGateway {
  return McpGateway.parse({ apiVersion: 'mcp-gitops.dev/v1alpha1', kind: 'McpGateway', metadata: { name: 'everything', namespace: 'default', generation: 2 }, spec: { url: 'http://127.0.0.1:3001/mcp', ...extra } });
}

function gread(over: Partial<GatewayRead> = {}): GatewayRead {
  return {
    id: 'a'.repeat(32), name: 'everything', slug: 'everything', url: 'http://127.0.0.1:3001/mcp', transport: 'STREAMABLEHTTP', description: null,
    authType: 'none', oauthConfig: null, namespace: 'default', enabled: true, reachable: true, lastError: null, lastCheck: '2026-01-01T00:00:00Z',
    lastSeen: '2026-01-01T00:00:00Z', toolCount: 12, resourceCount: 0, resourceTemplateCount: 0, promptCount: 0, instructions: null, authorizedUsers: 0, specHash: 'h', createdAt: '', updatedAt: '', ...over,
  };
}

const cond = (s: { conditions?: Condition[] }, type: string) => s.conditions?.find((c) => c.type === type);

describe('gatewayStatus', () => {
  it('is Ready with tool count when every replica is synced and the upstream answers', () => {
    const s = gatewayStatus(gw(), { replicas: [{ endpoint: 'http://p1', synced: true, read: gread() }, { endpoint: 'http://p0', synced: true, read: gread() }] }, t0);
    expect(s.observedGeneration).toBe(2);
    expect(s.toolCount).toBe(12);
    expect(cond(s, 'Ready')).toMatchObject({ status: 'True', reason: 'Succeeded', observedGeneration: 2, message: '12 tools served by every ready proxy replica' });
    expect(cond(s, 'Reachable')).toMatchObject({ status: 'True' });
    expect(cond(s, 'ToolsDiscovered')).toMatchObject({ status: 'True' });
    expect(cond(s, 'Reconciling')).toBeUndefined();
    expect(s.replicas).toEqual([{ endpoint: 'http://p0', synced: true, ready: true }, { endpoint: 'http://p1', synced: true, ready: true }]);
    expect(cond(s, 'ReplicasSynced')).toMatchObject({ status: 'True' });
  });

  it('a replica that is starting (not ready) and not synced yet does not flip Ready; ReplicasSynced and status.replicas say so', () => {
    const ready = { endpoint: 'http://p0', synced: true, read: gread() };
    const before = gatewayStatus(gw(), { replicas: [ready] }, t0);
    const starting = { endpoint: 'http://p1', synced: false, serving: false, error: 'connect ECONNREFUSED', read: gread({ reachable: false, lastCheck: null, toolCount: 0 }) };
    const during = gatewayStatus({ ...gw(), status: before }, { replicas: [ready, starting] }, t1);
    expect(cond(during, 'Ready')).toEqual(cond(before, 'Ready'));
    expect(cond(during, 'Reachable')).toEqual(cond(before, 'Reachable'));
    expect(cond(during, 'Reconciling')).toBeUndefined();
    expect(cond(during, 'ReplicasSynced')).toMatchObject({ status: 'False', reason: 'ReplicasNotSynced', message: 'not yet on http://p1 (not ready): connect ECONNREFUSED' });
    expect(during.replicas).toEqual([{ endpoint: 'http://p0', synced: true, ready: true }, { endpoint: 'http://p1', synced: false, ready: false, message: 'connect ECONNREFUSED' }]);
    // Synced and serving, before its first health check: nothing but the replica list differs from before it came.
    const joined = { endpoint: 'http://p1', synced: true, serving: true, read: gread({ lastCheck: null, reachable: false, toolCount: 0 }) };
    const after = gatewayStatus({ ...gw(), status: before }, { replicas: [ready, joined] }, t1);
    expect(statusEqual({ ...after, replicas: undefined }, { ...before, replicas: undefined })).toBe(true);
  });

  it('is Ready=False NoReplicas while no replica is ready', () => {
    const s = gatewayStatus(gw(), { replicas: [{ endpoint: 'http://p0', synced: true, serving: false, read: gread() }] }, t0);
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', reason: 'NoReplicas', message: 'no proxy replica is ready yet (1 starting or not ready)' });
  });

  it('computes an identical status on an unchanged second pass (no write, no new transition time)', () => {
    const obs = { replicas: [{ endpoint: 'http://p0', synced: true, read: gread() }] };
    const first = gatewayStatus(gw(), obs, t0);
    const second = gatewayStatus({ ...gw(), status: first }, obs, t1);
    expect(statusEqual(first, second)).toBe(true);
  });

  it('says Ready=False Unreachable with the proxy\'s error, then recovers', () => {
    const down = gatewayStatus(gw(), { replicas: [{ endpoint: 'http://p0', synced: true, read: gread({ reachable: false, lastError: 'connect ECONNREFUSED 127.0.0.1:3001', toolCount: 0 }) }] }, t0);
    expect(cond(down, 'Ready')).toMatchObject({ status: 'False', reason: 'Unreachable', message: 'connect ECONNREFUSED 127.0.0.1:3001' });
    const up = gatewayStatus({ ...gw(), status: down }, { replicas: [{ endpoint: 'http://p0', synced: true, read: gread() }] }, t1);
    expect(cond(up, 'Ready')).toMatchObject({ status: 'True', lastTransitionTime: '2026-01-01T00:05:00Z' });
  });

  it('is Reconciling while a replica is not in sync, naming it', () => {
    const s = gatewayStatus(gw(), { replicas: [{ endpoint: 'http://p0', synced: true, read: gread() }, { endpoint: 'http://p1', synced: false, error: 'no answer: ECONNREFUSED' }] }, t0);
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', reason: 'ReplicasNotSynced' });
    expect(cond(s, 'Ready')?.message).toContain('http://p1: no answer: ECONNREFUSED');
    expect(cond(s, 'Reconciling')).toMatchObject({ status: 'True' });
  });

  it('is Ready=False NoReplicas when there is no proxy', () => {
    expect(cond(gatewayStatus(gw(), { replicas: [] }, t0), 'Ready')).toMatchObject({ status: 'False', reason: 'NoReplicas' });
  });

  it('is Stalled on a missing Secret and names it', () => {
    const err = new ReconcileError('ERR_SECRET_NOT_FOUND', 'spec.auth.bearer.tokenSecretRef', 'Secret default/tok not found');
    const s = gatewayStatus(gw(), { desiredError: err, replicas: [] }, t0);
    expect(cond(s, 'Stalled')).toMatchObject({ status: 'True', reason: 'SecretNotFound', message: 'spec.auth.bearer.tokenSecretRef: Secret default/tok not found' });
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', reason: 'SecretNotFound' });
  });

  it('is Ready awaiting consent for an OAuth authorization-code gateway nobody consented to', () => {
    const spec = { auth: { type: 'OAuth', oauth: { issuer: 'https://auth.example.com', clientId: 'c' } } };
    const s = gatewayStatus(gw(spec), { replicas: [{ endpoint: 'http://p0', synced: true, read: gread({ authType: 'oauth', reachable: false, lastError: null, lastCheck: null, toolCount: 0 }) }] }, t0);
    expect(cond(s, 'Ready')).toMatchObject({ status: 'True', reason: 'ConsentRequired' });
    expect(cond(s, 'Authorized')).toMatchObject({ status: 'False', reason: 'ConsentRequired' });
  });
});

function sread(over: Partial<ServerRead> = {}): ServerRead {
  return { id: 'b'.repeat(32), name: 'demo', description: null, namespace: 'default', visibility: 'public', associatedTools: ['echo', 'add'], associatedToolIds: [], toolCount: 2, associatedResources: [], associatedResourceIds: [], associatedPrompts: [], associatedPromptIds: [], resourceCount: 0, resourceTemplateCount: 0, promptCount: 0, conflicts: [], resourceConflicts: [], promptConflicts: [], unmatched: [], endpoint: `/servers/${'b'.repeat(32)}/mcp`, specHash: 'h', createdAt: '', updatedAt: '', ...over };
}

describe('status messages speak of the target the operator writes to', () => {
  const cf = 'ContextForge instance';
  it('say "ContextForge instance", never "proxy replica", when the target is ContextForge', () => {
    const member = { endpoint: 'http://contextforge:4444', synced: true };
    const g = gatewayStatus(gw(), { replicas: [{ ...member, read: gread() }], memberNoun: cf }, t0);
    expect(cond(g, 'Ready')?.message).toBe('12 tools served by every ready ContextForge instance');
    expect(cond(g, 'ReplicasSynced')?.message).toBe('every ContextForge instance holds the current spec');
    const behind = gatewayStatus(gw(), { replicas: [{ ...member, synced: false, error: 'HTTP 503' }], memberNoun: cf }, t0);
    expect(cond(behind, 'Ready')?.message).toBe('0/1 ready ContextForge instances in sync; http://contextforge:4444: HTTP 503');
    expect(cond(gatewayStatus(gw(), { replicas: [], memberNoun: cf }, t0), 'Ready')?.message).toBe('no ContextForge instance found to register on');
    const consent = gw({ auth: { type: 'OAuth', oauth: { issuer: 'https://auth.example.com', clientId: 'c' } } });
    expect(cond(gatewayStatus(consent, { replicas: [{ ...member, read: gread({ reachable: false, lastCheck: null, toolCount: 0 }) }], memberNoun: cf }, t0), 'Ready')?.message).toBe('registered on every ready ContextForge instance; waiting for the first user consent');
    const vs = VirtualServer.parse({ apiVersion: 'mcp-gitops.dev/v1alpha1', kind: 'VirtualServer', metadata: { name: 'demo', namespace: 'default', generation: 1 }, spec: { tools: [{ gateway: 'everything' }] } });
    const s = serverStatus(vs, { replicas: [{ ...member, read: sread() }], gateways: [{ name: 'everything', exists: true, ready: true, consentPending: false }], memberNoun: cf }, t0);
    expect(cond(s, 'Ready')?.message).toBe(`2 tools served by every ready ContextForge instance at /servers/${'b'.repeat(32)}/mcp`);
    for (const c of [...(g.conditions ?? []), ...(behind.conditions ?? []), ...(s.conditions ?? [])]) expect(c.message).not.toContain('proxy replica');
  });

  it('names the targets\' members by one noun, or a neutral one when several kinds of target disagree', () => {
    expect(memberNounOf([{}])).toBe('proxy replica');
    expect(memberNounOf([{ memberNoun: cf }])).toBe(cf);
    expect(memberNounOf([{ memberNoun: cf }, { memberNoun: 'proxy replica' }])).toBe('target member');
  });
});

describe('serverStatus', () => {
  const vs = VirtualServer.parse({ apiVersion: 'mcp-gitops.dev/v1alpha1', kind: 'VirtualServer', metadata: { name: 'demo', namespace: 'default', generation: 1 }, spec: { tools: [{ gateway: 'everything' }] } });
  const ready = [{ name: 'everything', exists: true, ready: true, consentPending: false }];

  it('is Ready with the endpoint and tools when gateways are Ready and selectors resolve', () => {
    const s = serverStatus(vs, { replicas: [{ endpoint: 'http://p0', synced: true, read: sread() }], gateways: ready, endpointBase: 'https://mcp.example.com/' }, t0);
    expect(s.endpoint).toBe(`https://mcp.example.com/servers/${'b'.repeat(32)}/mcp`);
    expect(s.toolCount).toBe(2);
    expect(cond(s, 'Ready')).toMatchObject({ status: 'True' });
    expect(cond(s, 'ToolsResolved')).toMatchObject({ status: 'True' });
  });

  it('names a missing gateway', () => {
    const s = serverStatus(vs, { replicas: [{ endpoint: 'http://p0', synced: true, read: sread() }], gateways: [{ name: 'everything', exists: false, ready: false, consentPending: false }] }, t0);
    expect(cond(s, 'GatewaysReady')).toMatchObject({ status: 'False', reason: 'GatewayNotFound', message: 'McpGateway everything not found in namespace default' });
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', reason: 'GatewayNotFound' });
  });

  it('names unmatched selectors and conflicts', () => {
    const s = serverStatus(vs, { replicas: [{ endpoint: 'http://p0', synced: true, read: sread({ unmatched: ['everything: include "nope*"'] }) }], gateways: ready }, t0);
    expect(cond(s, 'ToolsResolved')).toMatchObject({ status: 'False', reason: 'SelectorsUnmatched' });
    expect(cond(s, 'ToolsResolved')?.message).toContain('nope*');
    expect(s.unmatched).toEqual(['everything: include "nope*"']);
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', reason: 'SelectorsUnmatched' });
    const c = serverStatus(vs, { replicas: [{ endpoint: 'http://p0', synced: true, read: sread({ conflicts: [{ name: 'echo', candidates: ['g1/echo', 'g2/echo'] }] }) }], gateways: ready }, t0);
    expect(cond(c, 'ToolsResolved')).toMatchObject({ status: 'False', reason: 'NameConflict' });
  });

  it('a starting replica still discovering the gateway\'s tools does not make a served selector unmatched', () => {
    const served = { endpoint: 'http://p0', synced: true, read: sread() };
    const before = serverStatus(vs, { replicas: [served], gateways: ready }, t0);
    const discovering = sread({ toolCount: 0, associatedTools: [], unmatched: ['everything: no tools'] });
    for (const serving of [false, true]) {
      const s = serverStatus({ ...vs, status: before }, { replicas: [served, { endpoint: 'http://p1', synced: true, serving, read: discovering }], gateways: ready }, t1);
      expect(cond(s, 'Ready')).toEqual(cond(before, 'Ready'));
      expect(cond(s, 'ToolsResolved')).toEqual(cond(before, 'ToolsResolved'));
      expect(s.toolCount).toBe(2);
    }
  });
});
