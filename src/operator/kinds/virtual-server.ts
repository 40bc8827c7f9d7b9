/**
 * The VirtualServer adapter of the reconcile pipeline (controller.ts): like the gateway's, plus the
 * state of the referenced McpGateways (exist, Ready for their current generation, waiting for
 * consent) read from the gateway cache. A gateway's change re-queues the VirtualServers that
 * reference it (the manager's `gateways` index), so this needs no fast polling of its own.
 */
import { ConditionType, Reason } from '../../api/conditions.ts';
import type { Condition } from '../../api/conditions.ts';
import { serverId } from '../../api/ids.ts';
import { VirtualServer } from '../../api/virtual-server.ts';
import { desiredServer, referencedGateways, type DesiredRegistration, type ServerBody } from '../../reconcile/desired.ts';
import { serverStatus, type GatewayDependency } from '../../reconcile/status.ts';
import type { KindAdapter, Observed, Parsed } from '../controller.ts';
import type { Informer } from '../kube/informer.ts';
import type { RawResource } from '../objects.ts';
import { parseWith } from './mcp-gateway.ts';
import { serverReadInResourceTerms } from './resource-terms.ts';

/** The referenced gateways as the cache shows them. */
export function gatewayDependencies(gateways: Informer<RawResource>, namespace: string, names: string[]): GatewayDependency[] {
  return names.map((name) => {
    const gw = gateways.get(`${namespace}/${name}`);
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

export interface VirtualServerAdapterOptions {
  gateways: Informer<RawResource>;
  /** Period of the health observation requeue. */
  resyncMs: number;
  /** Public base URL of the proxy for `status.endpoint`. */
  endpointBase?: string;
}

export class VirtualServerAdapter implements KindAdapter<VirtualServer, 'server'> {
  readonly kind = 'VirtualServer' as const;
  readonly registration = 'server' as const;
  readonly #o: VirtualServerAdapterOptions;

  constructor(options: VirtualServerAdapterOptions) {
    this.#o = options;
  }

  idOf(namespace: string, name: string): string {
    return serverId(namespace, name);
  }

  parse(obj: RawResource): Parsed<VirtualServer> {
    return parseWith(VirtualServer, obj);
  }

  desired(vs: VirtualServer): DesiredRegistration<ServerBody> {
    return desiredServer(vs);
  }

  status({ obj, resource, desiredError, replicas: observed, memberNoun }: Observed<VirtualServer, 'server'>, now: Date) {
    const nameOf = (id: string) => this.#o.gateways.byIndex('registration', `gateway/${id}`)[0]?.split('/')[1];
    const replicas = observed.map((r) => (r.read ? { ...r, read: serverReadInResourceTerms(r.read, nameOf) } : r));
    const view = resource ?? ({ ...(obj as unknown as VirtualServer), spec: { tools: [], naming: 'Prefixed', access: {} } } as VirtualServer);
    const gateways = resource ? gatewayDependencies(this.#o.gateways, obj.metadata.namespace ?? 'default', referencedGateways(resource)) : [];
    const observation = { ...(desiredError ? { desiredError } : {}), replicas, gateways, ...(this.#o.endpointBase ? { endpointBase: this.#o.endpointBase } : {}), ...(memberNoun ? { memberNoun } : {}) };
    return serverStatus({ ...view, metadata: obj.metadata, status: obj.status as VirtualServer['status'] }, observation, now);
  }

  requeue() {
    return { afterMs: this.#o.resyncMs, progressing: false };
  }
}
