/**
 * Writes the operator makes to its own resources: the finalizer and the status subresource. It
 * never writes `spec` (that would fight Argo CD). Every write is a merge patch with an explicit
 * Content-Type; finalizer edits carry the resourceVersion, so a concurrent change makes them fail
 * (409) and the reconcile retries instead of clobbering someone else's finalizer.
 */
import { API_VERSION, GROUP, MCP_GATEWAY, VERSION, VIRTUAL_SERVER } from '../api/names.ts';
import type { Kind } from '../api/names.ts';
import { MERGE_PATCH } from '../kube/client.ts';
import type { KubeClient } from '../kube/client.ts';
import { packStatus, unpackStatus } from './packed-status.ts';

/** The finalizer the operator puts on both kinds. */
export const FINALIZER = 'mcp-gitops.dev/finalizer';

/** A Secret as the cache holds it (only what the reconcile reads). */
export interface SecretObject {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  data?: Record<string, string>;
}

/** An McpGateway or VirtualServer as the API server returns it (not yet validated). */
export interface RawResource {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
    annotations?: Record<string, string>;
  };
  spec?: unknown;
  status?: Record<string, unknown>;
}

/**
 * An McpGateway or VirtualServer as the caches hold it (`trimResource`). `spec` is kept as its JSON
 * and `status` packed (packed-status.ts: ~200 bytes instead of ~1.4 KiB); both are decoded on every
 * read of the property — a fresh object each time: read it once where it is used, never modify it.
 * They are not own properties, so a spread (`{ ...obj }`) leaves them out; name them explicitly
 * (`status: obj.status`).
 */
class CachedResource implements RawResource {
  declare apiVersion?: string;
  declare kind?: string;
  metadata: RawResource['metadata'];
  readonly #spec: string | undefined;
  readonly #status: string | undefined;

  constructor(obj: RawResource, metadata: RawResource['metadata']) {
    if (obj.apiVersion !== undefined) this.apiVersion = shared(obj.apiVersion);
    if (obj.kind !== undefined) this.kind = shared(obj.kind);
    this.metadata = metadata;
    this.#spec = obj.spec === undefined ? undefined : JSON.stringify(obj.spec);
    this.#status = obj.status === undefined ? undefined : packStatus(obj.status);
  }

  get spec(): unknown {
    return this.#spec === undefined ? undefined : JSON.parse(this.#spec);
  }

  get status(): Record<string, unknown> | undefined {
    return this.#status === undefined ? undefined : unpackStatus(this.#status);
  }
}

/**
 * One string instance for values every cached object repeats (apiVersion, kind, namespace, the
 * finalizer): parsed JSON gives each object its own copy. Bounded: forgets everything past 4,096 values.
 */
const pool = new Map<string, string>();
function shared(value: string): string {
  const have = pool.get(value);
  if (have !== undefined) return have;
  if (pool.size >= 4096) pool.clear();
  pool.set(value, value);
  return value;
}

/**
 * What the caches keep of an McpGateway or VirtualServer: the fields the pipeline reads, annotations
 * included (targets read their own, e.g. ContextForge's adopt and visibility), the status packed
 * (`CachedResource`). Dropped: `managedFields`, kubectl's `last-applied-configuration` annotation (a
 * second copy of the spec), `creationTimestamp`, `ownerReferences`, … — at 10,000 objects of each
 * kind that is most of the cache.
 */
export function trimResource(obj: RawResource): RawResource {
  const m = obj.metadata;
  const metadata: RawResource['metadata'] = { name: m.name };
  if (m.namespace !== undefined) metadata.namespace = shared(m.namespace);
  if (m.uid !== undefined) metadata.uid = m.uid;
  if (m.generation !== undefined) metadata.generation = m.generation;
  if (m.resourceVersion !== undefined) metadata.resourceVersion = m.resourceVersion;
  if (m.deletionTimestamp !== undefined) metadata.deletionTimestamp = m.deletionTimestamp;
  if (m.finalizers !== undefined) metadata.finalizers = m.finalizers.map(shared);
  const annotations = withoutLastApplied(m.annotations);
  if (annotations !== undefined) metadata.annotations = annotations;
  return new CachedResource(obj, metadata);
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function withoutLastApplied(annotations: Record<string, string> | undefined): Record<string, string> | undefined {
  if (annotations === undefined) return undefined;
  const { [LAST_APPLIED]: _copyOfSpec, ...kept } = annotations;
  return Object.keys(kept).length > 0 ? kept : undefined;
}

/** What the Secret cache keeps: name, namespace, resourceVersion and data — no labels, annotations, managedFields. */
export function trimSecret(obj: SecretObject): SecretObject {
  const metadata: SecretObject['metadata'] = { name: obj.metadata.name };
  if (obj.metadata.namespace !== undefined) metadata.namespace = obj.metadata.namespace;
  if (obj.metadata.resourceVersion !== undefined) metadata.resourceVersion = obj.metadata.resourceVersion;
  return obj.data === undefined ? { metadata } : { metadata, data: obj.data };
}

export function pluralOf(kind: Kind): string {
  return kind === 'McpGateway' ? MCP_GATEWAY.plural : VIRTUAL_SERVER.plural;
}

/** `/apis/mcp-gitops.dev/v1alpha1[/namespaces/NS]/PLURAL`. */
export function collectionPath(kind: Kind, namespace?: string): string {
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `/apis/${GROUP}/${VERSION}${ns}/${pluralOf(kind)}`;
}

export function objectPath(kind: Kind, namespace: string, name: string): string {
  return `${collectionPath(kind, namespace)}/${encodeURIComponent(name)}`;
}

export function hasFinalizer(obj: RawResource): boolean {
  return obj.metadata.finalizers?.includes(FINALIZER) ?? false;
}

/** Adds the finalizer (optimistic lock on resourceVersion). Returns the updated object. */
export function addFinalizer(client: KubeClient, kind: Kind, obj: RawResource): Promise<RawResource> {
  const finalizers = [...(obj.metadata.finalizers ?? []), FINALIZER];
  return client.request<RawResource>('PATCH', objectPath(kind, obj.metadata.namespace ?? 'default', obj.metadata.name), {
    body: { metadata: { finalizers, resourceVersion: obj.metadata.resourceVersion } },
    contentType: MERGE_PATCH,
  });
}

/** Removes the finalizer (optimistic lock on resourceVersion); the API server then deletes the object. */
export function removeFinalizer(client: KubeClient, kind: Kind, obj: RawResource): Promise<RawResource> {
  const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
  return client.request<RawResource>('PATCH', objectPath(kind, obj.metadata.namespace ?? 'default', obj.metadata.name), {
    body: { metadata: { finalizers: finalizers.length > 0 ? finalizers : null, resourceVersion: obj.metadata.resourceVersion } },
    contentType: MERGE_PATCH,
  });
}

/**
 * Replaces the status `stored` on `obj` with `next` through the status subresource. A merge patch:
 * top-level fields of `stored` that `next` lacks are sent as `null` so they are removed, lists are
 * replaced whole.
 */
export function writeStatus(client: KubeClient, kind: Kind, obj: RawResource, stored: object, next: object): Promise<RawResource> {
  const patch: Record<string, unknown> = { ...next };
  for (const k of Object.keys(stored)) if (!(k in patch)) patch[k] = null;
  return client.request<RawResource>('PATCH', `${objectPath(kind, obj.metadata.namespace ?? 'default', obj.metadata.name)}/status`, {
    body: { status: patch },
    contentType: MERGE_PATCH,
  });
}

/** The target of Events about `obj`. */
export function eventTarget(kind: Kind, obj: RawResource) {
  return {
    apiVersion: API_VERSION,
    kind,
    metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion },
  };
}
