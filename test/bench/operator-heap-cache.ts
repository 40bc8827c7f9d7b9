/**
 * The operator's cache per object at any scale, in-process (a script, not a test): N McpGateways and
 * N VirtualServers as the API server returns them after converge (five and four conditions, one
 * replica, managedFields, kubectl's last-applied annotation), passed through a checkout's
 * `trimResource` into a Map as the reflector stores them; heap after full GC, per object. The
 * baseline commit's `trimResource` and this checkout's side by side, in one process.
 *
 *   OPHEAP_N=10000 OPHEAP_BASELINE_REF=dbd3b19 node test/bench/operator-heap-cache.ts
 *
 * It needs no cluster, so it runs at 20,000 objects in seconds: what `operator-heap.ts` measures
 * with a real operator at 2,000, here for the cache alone at the scale of the issue.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RawResource } from '../../src/operator/objects.ts';
import { heapAfterGc, MiB } from '../support/heap.ts';
import { baselineCheckout, printTable, ROOT } from './operator-harness.ts';

const N = Number(process.env.OPHEAP_N ?? 10_000);
const BASELINE_REF = process.env.OPHEAP_BASELINE_REF ?? 'dbd3b19';

const time = (s: number) => `2026-12-03T21:${String(40 + (s % 20)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}Z`;
const cond = (type: string, message: string, t: number) => ({ lastTransitionTime: time(t), message, observedGeneration: 1, reason: 'Succeeded', status: 'True', type });
const hex = (i: number, len: number) => i.toString(16).padStart(len, '0');

/** What a watch delivers for gateway/server `i`: fresh strings, as JSON.parse makes them. */
function objects(i: number): RawResource[] {
  const meta = (kind: string, name: string, spec: unknown) => ({
    name,
    namespace: 'team-a',
    uid: `${hex(i, 8)}-1f2e-4d3c-8b7a-${hex(i * 7919, 12)}`,
    generation: 1,
    resourceVersion: String(100_000 + i),
    creationTimestamp: time(i),
    finalizers: ['mcp-gitops.dev/finalizer'],
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ apiVersion: 'mcp-gitops.dev/v1alpha1', kind, metadata: { name, namespace: 'team-a' }, spec }) },
    managedFields: [
      { manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'mcp-gitops.dev/v1alpha1', time: time(i), fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} } }, 'f:spec': { '.': {}, 'f:url': {} } } },
      { manager: 'mcp-gitops-operator', operation: 'Update', apiVersion: 'mcp-gitops.dev/v1alpha1', time: time(i), fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:finalizers': { '.': {}, 'v:"mcp-gitops.dev/finalizer"': {} } } } },
      { manager: 'mcp-gitops-operator', operation: 'Update', apiVersion: 'mcp-gitops.dev/v1alpha1', time: time(i), fieldsType: 'FieldsV1', subresource: 'status', fieldsV1: { 'f:status': { '.': {}, 'f:conditions': {}, 'f:observedGeneration': {}, 'f:replicas': {} } } },
    ],
  });
  const replicas = [{ endpoint: 'http://10.244.1.17:4445', ready: true, synced: true }];
  const gwSpec = { url: `https://mcp-${i}.internal.example.com/mcp`, transport: 'StreamableHTTP', auth: { type: 'None' }, healthCheck: { intervalSeconds: 30, timeoutSeconds: 5 }, toolRefresh: { intervalSeconds: 300 } };
  const serverId = hex(i * 2654435761, 32).slice(-32);
  const vsSpec = { tools: [{ gateway: `gw-${i}`, include: ['echo', 'add'] }], naming: 'Prefixed', access: {} };
  const text = JSON.stringify([
    { apiVersion: 'mcp-gitops.dev/v1alpha1', kind: 'McpGateway', metadata: meta('McpGateway', `gw-${i}`, gwSpec), spec: gwSpec, status: { authorizedUsers: 0, conditions: [cond('Ready', '8 tools served by every ready proxy replica', i), cond('Authorized', 'no credentials required', i), cond('Reachable', 'the upstream answers', i), cond('ReplicasSynced', 'every proxy replica holds the current spec', i), cond('ToolsDiscovered', '8 tools discovered', i + 1)], observedGeneration: 1, promptCount: 0, replicas, resourceCount: 0, resourceTemplateCount: 0, toolCount: 8 } },
    { apiVersion: 'mcp-gitops.dev/v1alpha1', kind: 'VirtualServer', metadata: meta('VirtualServer', `vs-${i}`, vsSpec), spec: vsSpec, status: { conditions: [cond('Ready', `2 tools served by every ready proxy replica at /servers/${serverId}/mcp`, i), cond('GatewaysReady', '1 gateway Ready', i), cond('ReplicasSynced', 'every proxy replica holds the current spec', i), cond('ToolsResolved', '2 tools served', i)], endpoint: `/servers/${serverId}/mcp`, observedGeneration: 1, promptCount: 0, replicas, resourceCount: 0, resourceTemplateCount: 0, toolCount: 2 } },
  ]);
  return JSON.parse(text) as RawResource[];
}

async function perObject(trim: (o: RawResource) => RawResource): Promise<number> {
  const before = await heapAfterGc();
  const store = new Map<string, RawResource>();
  for (let i = 0; i < N; i++) for (const o of objects(i)) store.set(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, trim(o));
  const after = await heapAfterGc();
  if (store.size !== 2 * N) throw new Error('lost objects');
  return (after - before) / store.size;
}

const load = async (root: string) => ((await import(pathToFileURL(join(root, 'src/operator/objects.ts')).href)) as typeof import('../../src/operator/objects.ts')).trimResource;
const identity = (o: RawResource) => o;
const rows: [string, number][] = [
  ['as the API returns it (no transform)', await perObject(identity)],
  [`trimResource of ${BASELINE_REF}`, await perObject(await load(baselineCheckout(BASELINE_REF)))],
  ['trimResource of this checkout', await perObject(await load(ROOT))],
];
printTable(`operator cache per object — ${2 * N} objects (N=${N} McpGateways + N VirtualServers, converged), heap after GC, node ${process.version}`, ['cache', 'per object', `at ${2 * N} objects`], rows.map(([what, b]) => [what, `${(b / 1024).toFixed(2)} KiB`, `${((b * 2 * N) / MiB).toFixed(1)} MiB`]));
