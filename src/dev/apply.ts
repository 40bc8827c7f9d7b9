/**
 * Converges one proxy to a directory snapshot through the admin API, the same way the operator
 * converges each replica: the pure `desired()` bodies, compared by spec hash with `GET /state`,
 * `PUT` what differs, `DELETE` what is gone. A resource whose desired state cannot be computed (a
 * missing Secret) keeps its current registration and is reported instead.
 *
 * Unlike the operator (the only admin client in a cluster), the dev proxy also takes the seed's
 * curl requests on the same port, so the directory deletes only what it registered itself
 * (`owned`, kept by the caller across applies): a gateway created with `POST /gateways` survives
 * every file edit.
 */
import { gatewayId } from '../api/ids.ts';
import type { AdminClient } from '../contract/client.ts';
import { desiredGateway, desiredServer, type DesiredRegistration } from '../reconcile/desired.ts';
import { isReconcileError } from '../reconcile/errors.ts';
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

export async function applySnapshot(admin: AdminClient, snapshot: DevSnapshot, owned: Set<string> = new Set()): Promise<ApplyReport> {
  const problems: string[] = [];
  const keep = new Set<string>();
  const gateways = new Map<string, DesiredRegistration<unknown>>();
  const servers = new Map<string, DesiredRegistration<unknown>>();
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

  const state = await admin.getState();
  const put: string[] = [];
  const deleted: string[] = [];
  // Gateways before servers, so a server's selectors name gateways that exist; deletions the other way round.
  for (const [id, d] of gateways) {
    if (state.gateways[id] !== d.hash) {
      await admin.putGateway(id, d.body as Parameters<AdminClient['putGateway']>[1]);
      put.push(`gateway/${id}`);
    }
    owned.add(`gateway/${id}`);
  }
  for (const [id, d] of servers) {
    if (state.servers[id] !== d.hash) {
      await admin.putServer(id, d.body as Parameters<AdminClient['putServer']>[1]);
      put.push(`server/${id}`);
    }
    owned.add(`server/${id}`);
  }
  for (const id of Object.keys(state.servers)) {
    if (!servers.has(id) && owned.delete(`server/${id}`)) {
      await admin.deleteServer(id);
      deleted.push(`server/${id}`);
    }
  }
  for (const id of Object.keys(state.gateways)) {
    if (!gateways.has(id) && !keep.has(id) && owned.delete(`gateway/${id}`)) {
      await admin.deleteGateway(id);
      deleted.push(`gateway/${id}`);
    }
  }
  return { put, deleted, problems };
}
