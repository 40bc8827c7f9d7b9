/**
 * Converges the dev proxy to a directory snapshot through the same reconcile target port the
 * operator uses (`src/reconcile/target.ts`, the proxy adapter over its admin API): the pure
 * `desired()` bodies, compared by spec hash with `observe()`, `apply` what differs, `delete` what
 * is gone. A resource whose desired state cannot be computed (a missing Secret) keeps its current
 * registration and is reported instead.
 *
 * Unlike the operator (the only admin client in a cluster), the dev proxy also takes the seed's
 * curl requests on the same port, so the directory deletes only what it registered itself
 * (`owned`, kept by the caller across applies): a gateway created with `POST /gateways` survives
 * every file edit.
 */
import { gatewayId } from '../api/ids.ts';
import { desiredGateway, desiredServer, type DesiredRegistration, type GatewayBody, type ServerBody } from '../reconcile/desired.ts';
import { isReconcileError } from '../reconcile/errors.ts';
import type { BodyOf, ReconcileTarget, RegistrationKind } from '../reconcile/target.ts';
import type { DevSnapshot } from './directory-source.ts';

export interface ApplyReport {
  readonly put: readonly string[];
  readonly deleted: readonly string[];
  /** `kind namespace/name: message`, for resources left as they were. */
  readonly problems: readonly string[];
}

function label(kind: string, meta: { namespace?: string | undefined; name: string }): string {
  return `${kind} ${meta.namespace ?? 'default'}/${meta.name}`;
}

/**
 * Converges `target` to `snapshot`: PUTs what a member lacks or holds another version of, DELETEs
 * what the directory no longer has (only what it registered itself, see `owned`).
 */
export async function applySnapshot(target: ReconcileTarget, snapshot: DevSnapshot, owned: Set<string> = new Set()): Promise<ApplyReport> {
  const problems: string[] = [];
  const keep = new Set<string>();
  const gateways = new Map<string, DesiredRegistration<GatewayBody>>();
  const servers = new Map<string, DesiredRegistration<ServerBody>>();
  const lookup = (namespace: string, name: string) => snapshot.secrets.get(`${namespace}/${name}`);

  for (const gw of snapshot.gateways) {
    try {
      const d = desiredGateway(gw, lookup);
      gateways.set(d.id, d);
    } catch (err) {
      if (!isReconcileError(err)) throw err;
      problems.push(`${label('McpGateway', gw.metadata)}: ${err.message}`);
      keep.add(gatewayId(gw.metadata.namespace ?? 'default', gw.metadata.name));
    }
  }
  for (const vs of snapshot.servers) {
    const d = desiredServer(vs);
    servers.set(d.id, d);
  }

  const states = await target.observe();
  const failed = states.find((s) => !s.held);
  if (failed) throw new Error(`${failed.endpoint}: ${failed.error ?? 'does not answer'}`);
  const held = (kind: RegistrationKind): Set<string> => new Set(states.flatMap((s) => Object.keys(s.held?.[kind] ?? {})));
  const differs = (kind: RegistrationKind, d: DesiredRegistration<unknown>): boolean => states.some((s) => s.held?.[kind][d.id] !== d.hash);
  const put: string[] = [];
  const deleted: string[] = [];
  // Gateways before servers, so a server's selectors name gateways that exist; deletions the other way round.
  for (const [kind, desired] of [['gateway', gateways], ['server', servers]] as const) {
    for (const [id, d] of desired) {
      if (differs(kind, d)) {
        const obs = await target.apply(kind, d as DesiredRegistration<BodyOf[typeof kind]>);
        const bad = obs.find((o) => !o.synced);
        if (bad) throw new Error(`${kind} ${id} on ${bad.endpoint}: ${bad.error ?? 'not in sync'}`);
        put.push(`${kind}/${id}`);
      }
      owned.add(`${kind}/${id}`);
    }
  }
  for (const id of held('server')) {
    if (!servers.has(id) && owned.delete(`server/${id}`)) await remove(target, 'server', id, deleted);
  }
  for (const id of held('gateway')) {
    if (!gateways.has(id) && !keep.has(id) && owned.delete(`gateway/${id}`)) await remove(target, 'gateway', id, deleted);
  }
  return { put, deleted, problems };
}

async function remove(target: ReconcileTarget, kind: RegistrationKind, id: string, deleted: string[]): Promise<void> {
  const failures = await target.delete(kind, id);
  if (failures.length > 0) throw new Error(`deleting ${kind} ${id}: ${failures.map((f) => `${f.endpoint}: ${f.error}`).join('; ')}`);
  deleted.push(`${kind}/${id}`);
}
