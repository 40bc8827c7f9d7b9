import { describe, expect, it } from 'vitest';
import { trimResource, trimSecret } from '../../../src/operator/objects.ts';

describe('cache trimming', () => {
  it('keeps what the pipeline reads of an McpGateway and drops managedFields and the last-applied copy of the spec', () => {
    const spec = { url: 'http://edge/mcp' };
    const obj = {
      apiVersion: 'mcp-gitops.dev/v1alpha1',
      kind: 'McpGateway',
      metadata: {
        name: 'edge', namespace: 'team-a', uid: 'u', generation: 2, resourceVersion: '7', deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['mcp-gitops.dev/finalizer'],
        creationTimestamp: '2026-01-01T00:00:00Z', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ spec }) }, managedFields: [{ manager: 'kubectl' }], ownerReferences: [],
      },
      spec,
      status: { observedGeneration: 2 },
    };
    const trimmed = trimResource(obj as never);
    expect({ ...trimmed }).toEqual({
      apiVersion: 'mcp-gitops.dev/v1alpha1',
      kind: 'McpGateway',
      metadata: { name: 'edge', namespace: 'team-a', uid: 'u', generation: 2, resourceVersion: '7', deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['mcp-gitops.dev/finalizer'] },
    });
    expect(trimmed.spec).toEqual(spec);
    expect(trimmed.status).toEqual({ observedGeneration: 2 });
  });

  it('keeps spec and status packed, and gives them back exactly, as fresh objects on every read', () => {
    const status = {
      conditions: [
        { lastTransitionTime: '2026-12-03T21:42:41Z', message: '8 tools served by every ready proxy replica', observedGeneration: 3, reason: 'Succeeded', status: 'True', type: 'Ready' },
        { lastTransitionTime: '2026-12-03T21:40:02Z', message: 'connect ECONNREFUSED 10.0.0.9:443 — «unicode» kept', observedGeneration: 3, reason: 'Unreachable', status: 'False', type: 'Reachable' },
      ],
      observedGeneration: 3,
      replicas: [{ endpoint: 'http://10.1.2.3:4445', ready: true, synced: false, message: 'the replica does not answer' }],
      unmatched: Array.from({ length: 50 }, (_, i) => `spec.tools[${i}].include[0] "x${i}" matched no tool of gateway edge`),
      toolCount: 0,
    };
    const spec = { tools: [{ gateway: 'edge', include: ['echo'], rename: { echo: 'say' } }], naming: 'Prefixed' };
    const trimmed = trimResource({ metadata: { name: 'edge' }, spec, status });
    expect(trimmed.status).toEqual(status);
    expect(trimmed.status).not.toBe(trimmed.status);
    expect(trimmed.spec).toEqual(spec);
    expect(trimmed.spec).not.toBe(trimmed.spec);
    expect(trimResource({ metadata: { name: 'new' } }).status).toBeUndefined();
  });

  it('keeps the annotations targets read (ContextForge\'s adopt), without kubectl\'s last-applied copy', () => {
    const obj = { metadata: { name: 'gw', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'contextforge.mcp-gitops.dev/adopt': 'hand-made' } } };
    expect(trimResource(obj).metadata.annotations).toEqual({ 'contextforge.mcp-gitops.dev/adopt': 'hand-made' });
  });

  it('keeps a Secret\'s name, namespace, resourceVersion and data only', () => {
    const s = { metadata: { name: 't', namespace: 'n', resourceVersion: '3', labels: { a: 'b' }, managedFields: [{}] }, data: { token: 'eA==' }, type: 'Opaque' };
    expect(trimSecret(s as never)).toEqual({ metadata: { name: 't', namespace: 'n', resourceVersion: '3' }, data: { token: 'eA==' } });
  });
});
