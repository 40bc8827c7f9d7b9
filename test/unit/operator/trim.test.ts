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
    expect(trimResource(obj as never)).toEqual({
      apiVersion: 'mcp-gitops.dev/v1alpha1',
      kind: 'McpGateway',
      metadata: { name: 'edge', namespace: 'team-a', uid: 'u', generation: 2, resourceVersion: '7', deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['mcp-gitops.dev/finalizer'] },
      spec,
      status: { observedGeneration: 2 },
    });
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
