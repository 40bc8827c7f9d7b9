/**
 * The McpGateway reconciler (DESIGN.md "Data flows"): read the resource and its Secrets from the
 * cache → pure desiredGateway() → for each proxy replica: read the registration, PUT it when its
 * spec hash differs → observe what the replica reports → write status if it changed → requeue after
 * the gateway's health-check interval (sooner while the first health check is pending).
 */
import { ConditionType, Reason } from '../api/conditions.ts';
import { gatewayId } from '../api/ids.ts';
import { McpGateway } from '../api/mcp-gateway.ts';
import { desiredGateway, type DesiredRegistration, type GatewayBody } from '../reconcile/desired.ts';
import { isReconcileError, ReconcileError } from '../reconcile/errors.ts';
import { gatewayStatus, type ReplicaObservation } from '../reconcile/status.ts';
import type { SecretLookup } from '../reconcile/resources.ts';
import type { GatewayObserved } from '../reconcile/target.ts';
import type { ReconcileResult } from './queue.ts';
import type { ReconcileContext } from './context.ts';
import { queueKey } from './context.ts';
import { converge, finalize, removeEverywhere, updateStatus } from './lifecycle.ts';
import { addFinalizer, hasFinalizer } from './objects.ts';
import type { RawResource } from './objects.ts';

/** Secret data from the cache, base64-decoded. */
export function secretLookup(ctx: ReconcileContext): SecretLookup {
  return (namespace, name) => {
    const s = ctx.secrets.get(`${namespace}/${name}`);
    if (!s) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
    return out;
  };
}

/** Problems of a resource the schema rejects, as one status message naming each field. */
export function invalidSpec(problems: { path: PropertyKey[]; message: string }[]): ReconcileError {
  const text = problems
    .slice(0, 5)
    .map((p) => `${p.path.map(String).join('.') || '(root)'}: ${p.message}`)
    .join('; ');
  return new ReconcileError('ERR_INVALID_SPEC', 'spec', `the resource does not match the schema: ${text}`);
}

export async function reconcileGateway(ctx: ReconcileContext, namespace: string, name: string): Promise<ReconcileResult> {
  const key = queueKey('McpGateway', namespace, name);
  const id = gatewayId(namespace, name);
  let obj = ctx.gateways.get(`${namespace}/${name}`);
  if (!obj) {
    // Gone without our finalizer (removed by hand, or deleted while no operator ran): clean up.
    if (ctx.sync.desiredHash('gateway', id) !== undefined) await removeEverywhere(ctx, 'gateway', id);
    ctx.sync.removeDesired('gateway', id);
    ctx.settled.delete(key);
    ctx.progressAttempts.delete(key);
    return {};
  }
  if (obj.metadata.deletionTimestamp) {
    if (hasFinalizer(obj)) await finalize(ctx, 'McpGateway', 'gateway', id, key, obj);
    return {};
  }
  if (!hasFinalizer(obj)) obj = await addFinalizer(ctx.client, 'McpGateway', obj);

  const parsed = McpGateway.safeParse(obj);
  let desired: DesiredRegistration<GatewayBody> | undefined;
  let desiredError: ReconcileError | undefined;
  if (!parsed.success) desiredError = invalidSpec(parsed.error.issues);
  else {
    try {
      desired = desiredGateway(parsed.data, secretLookup(ctx));
    } catch (err) {
      if (!isReconcileError(err)) throw err;
      desiredError = err;
    }
  }

  let replicas: ReplicaObservation<GatewayObserved>[] = [];
  if (desired) {
    ctx.sync.setDesired('gateway', id, desired.hash, key);
    replicas = await converge(ctx, 'gateway', desired);
  }
  // The last good registration stays on the proxies while the spec or a Secret is broken.
  const view = (parsed.success ? parsed.data : { ...(obj as unknown as McpGateway), spec: { url: '', auth: { type: 'None' } } }) as McpGateway;
  const status = gatewayStatus({ ...view, metadata: obj.metadata, status: obj.status as McpGateway['status'] }, { desiredError, replicas }, ctx.now());
  await updateStatus(ctx, 'McpGateway', obj as RawResource, status);
  ctx.settled.add(key);

  const failed = replicas.filter((r) => !r.synced);
  if (failed.length > 0) throw new Error(`${failed.length}/${replicas.length} proxy replicas not in sync: ${failed.map((r) => `${r.endpoint}: ${r.error ?? ''}`).join('; ')}`);
  if (desiredError) return {};
  const interval = (parsed.success ? parsed.data.spec.healthCheck.intervalSeconds : 30) * 1000;
  // Without replicas there is nothing to wait for: a replica appearing re-queues everything.
  if (replicas.length === 0) return { requeueAfterMs: interval };
  // Waiting for the proxy's first health check, or for the first tool list: look again soon, then
  // less often (progressMs · 2^n, at most 5 s), so a slow upstream does not cost a busy loop.
  const progressing = status.conditions?.some((c) => c.type === ConditionType.Reconciling && c.status === 'True');
  const discovering = status.conditions?.some((c) => c.type === ConditionType.ToolsDiscovered && c.status !== 'True' && c.reason !== Reason.ConsentRequired);
  if (progressing || discovering) {
    const n = ctx.progressAttempts.get(key) ?? 0;
    ctx.progressAttempts.set(key, n + 1);
    return { requeueAfterMs: Math.min(interval, 5_000, ctx.progressMs * 2 ** n) };
  }
  ctx.progressAttempts.delete(key);
  return { requeueAfterMs: interval };
}
