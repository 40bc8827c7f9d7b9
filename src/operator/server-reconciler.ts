/**
 * The VirtualServer reconciler: like the gateway's, plus the state of the referenced McpGateways
 * (exist, Ready for their current generation, waiting for consent) read from the gateway cache.
 * A gateway's status change re-queues the VirtualServers that reference it (see manager.ts), so
 * this needs no fast polling of its own.
 */
import { ConditionType, Reason } from '../api/conditions.ts';
import type { Condition } from '../api/conditions.ts';
import { serverId } from '../api/ids.ts';
import { VirtualServer } from '../api/virtual-server.ts';
import { desiredServer, referencedGateways } from '../reconcile/desired.ts';
import type { ServerObserved } from '../reconcile/target.ts';
import type { ReconcileError } from '../reconcile/errors.ts';
import { serverStatus, type GatewayDependency, type ReplicaObservation } from '../reconcile/status.ts';
import type { ReconcileContext } from './context.ts';
import { queueKey } from './context.ts';
import { invalidSpec } from './gateway-reconciler.ts';
import { converge, finalize, removeEverywhere, updateStatus } from './lifecycle.ts';
import { addFinalizer, hasFinalizer } from './objects.ts';
import type { ReconcileResult } from './queue.ts';

/** The referenced gateways as the cache shows them. */
export function gatewayDependencies(ctx: ReconcileContext, namespace: string, names: string[]): GatewayDependency[] {
  return names.map((name) => {
    const gw = ctx.gateways.get(`${namespace}/${name}`);
    if (!gw || gw.metadata.deletionTimestamp) return { name, exists: false, ready: false, consentPending: false };
    const conditions = (gw.status?.conditions ?? []) as Condition[];
    const ready = conditions.find((c) => c.type === ConditionType.Ready);
    const authorized = conditions.find((c) => c.type === ConditionType.Authorized);
    const current = gw.status?.observedGeneration === gw.metadata.generation;
    const dep: GatewayDependency = {
      name,
      exists: true,
      ready: current && ready?.status === 'True',
      consentPending: authorized?.reason === Reason.ConsentRequired,
    };
    if (!dep.ready) dep.message = current ? (ready?.message ?? 'not Ready yet') : 'not reconciled yet';
    return dep;
  });
}

export async function reconcileServer(ctx: ReconcileContext, namespace: string, name: string): Promise<ReconcileResult> {
  const key = queueKey('VirtualServer', namespace, name);
  const id = serverId(namespace, name);
  let obj = ctx.servers.get(`${namespace}/${name}`);
  if (!obj) {
    if (ctx.sync.desiredHash('server', id) !== undefined) await removeEverywhere(ctx, 'server', id);
    ctx.sync.removeDesired('server', id);
    ctx.settled.delete(key);
    return {};
  }
  if (obj.metadata.deletionTimestamp) {
    if (hasFinalizer(obj)) await finalize(ctx, 'VirtualServer', 'server', id, key, obj);
    return {};
  }
  if (!hasFinalizer(obj)) obj = await addFinalizer(ctx.client, 'VirtualServer', obj);

  const parsed = VirtualServer.safeParse(obj);
  let desiredError: ReconcileError | undefined;
  let replicas: ReplicaObservation<ServerObserved>[] = [];
  let gateways: GatewayDependency[] = [];
  if (!parsed.success) desiredError = invalidSpec(parsed.error.issues);
  else {
    const desired = desiredServer(parsed.data);
    ctx.sync.setDesired('server', id, desired.hash, key);
    gateways = gatewayDependencies(ctx, namespace, referencedGateways(parsed.data));
    replicas = await converge(ctx, 'server', desired);
  }
  const view = (parsed.success ? parsed.data : { ...(obj as unknown as VirtualServer), spec: { tools: [], naming: 'Prefixed', access: {} } }) as VirtualServer;
  const observation = { desiredError, replicas, gateways, ...(ctx.endpointBase ? { endpointBase: ctx.endpointBase } : {}) };
  const status = serverStatus({ ...view, metadata: obj.metadata, status: obj.status as VirtualServer['status'] }, observation, ctx.now());
  await updateStatus(ctx, 'VirtualServer', obj, status);
  ctx.settled.add(key);

  const failed = replicas.filter((r) => !r.synced);
  if (failed.length > 0) throw new Error(`${failed.length}/${replicas.length} proxy replicas not in sync: ${failed.map((r) => `${r.endpoint}: ${r.error ?? ''}`).join('; ')}`);
  return desiredError ? {} : { requeueAfterMs: ctx.resyncMs };
}
