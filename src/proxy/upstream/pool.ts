/**
 * The upstream pool: one `GatewayRuntime` per registered gateway, replaced when the connection
 * settings change and updated in place otherwise. `version` moves whenever any gateway's tools or
 * registration change, so the catalog knows when to re-resolve.
 */
import type { Logger } from 'pino';
import type { CatalogGateway } from '../catalog/resolve.ts';
import type { GatewayRegistration } from '../registry/types.ts';
import type { UpstreamCredentials } from './credentials.ts';
import { ConnectGate, DEFAULT_CONNECT_CONCURRENCY } from './connect-gate.ts';
import { GatewayRuntime } from './gateway-runtime.ts';
import type { UpstreamSession, UpstreamUrlPolicy } from './session.ts';

export interface UpstreamPoolOptions {
  credentials: UpstreamCredentials;
  logger: Logger;
  /** Called after any change to gateway `gatewayId` (registration, offer, removal) that can change what a server serves. */
  onCatalogChanged: (gatewayId: string) => void;
  onReachabilityChanged?: (gateway: GatewayRegistration, reachable: boolean) => void;
  /** Called when an upstream announces `notifications/resources/updated` on one of its sessions. */
  onResourceUpdated?: (gatewayId: string, session: UpstreamSession, uri: string) => void;
  /** Called when a gateway's runtime is dropped (deleted, or renamed by a replace). */
  onGatewayRemoved?: (gateway: GatewayRegistration) => void;
  /** SSRF policy for upstream URLs; undefined = no check. */
  urlPolicy?: UpstreamUrlPolicy;
  /** Deadline of a tool call without upstream activity, ms. Defaults to 300000. */
  callTimeoutMs?: number;
}

function connectionKey(g: GatewayRegistration): string {
  const s = g.spec;
  return JSON.stringify([s.name, s.url, s.transport, s.auth_type, s.auth_token, s.auth_headers, s.auth_header_key, s.auth_header_value, s.oauth_config, s.enabled, s.allow_private_network]);
}

function viewOf(r: GatewayRuntime): CatalogGateway {
  const o = r.offer;
  return { id: r.id, slug: r.registration.slug, tools: o.tools as CatalogGateway['tools'], prompts: o.prompts, resources: o.resources, resourceTemplates: o.resourceTemplates };
}

export class UpstreamPool {
  readonly #opts: UpstreamPoolOptions;
  readonly #runtimes = new Map<string, GatewayRuntime>();
  readonly #keys = new Map<string, string>();
  /** One bound on session set-ups for every gateway of the replica. */
  readonly #connectGate = new ConnectGate(DEFAULT_CONNECT_CONCURRENCY);
  #view: Map<string, CatalogGateway> | undefined;

  constructor(opts: UpstreamPoolOptions) {
    this.#opts = opts;
  }

  /** Starts (or re-points) the runtime of `gateway`. Returns at once; connecting runs in the background. */
  upsert(gateway: GatewayRegistration): void {
    const key = connectionKey(gateway);
    const old = this.#runtimes.get(gateway.id);
    if (old && this.#keys.get(gateway.id) === key) {
      old.update(gateway);
      this.#changed(gateway.id);
      return;
    }
    const runtime = new GatewayRuntime(gateway, {
      credentials: this.#opts.credentials,
      logger: this.#opts.logger,
      onToolsChanged: () => this.#changed(gateway.id),
      ...(this.#opts.onResourceUpdated ? { onResourceUpdated: this.#opts.onResourceUpdated } : {}),
      onReachabilityChanged: (_id, reachable) => this.#opts.onReachabilityChanged?.(runtime.registration, reachable),
      ...(this.#opts.urlPolicy ? { urlPolicy: this.#opts.urlPolicy } : {}),
      ...(this.#opts.callTimeoutMs === undefined ? {} : { callTimeoutMs: this.#opts.callTimeoutMs }),
      ...(old && old.registration.spec.url === gateway.spec.url ? { initialOffer: old.offer } : {}),
      connectGate: this.#connectGate,
    });
    this.#runtimes.set(gateway.id, runtime);
    this.#keys.set(gateway.id, key);
    if (old) {
      this.#opts.onGatewayRemoved?.(old.registration);
      void old.close();
    }
    this.#opts.onReachabilityChanged?.(gateway, false);
    runtime.start();
    this.#changed(gateway.id);
  }

  /** Stops the runtime of gateway `id` and closes its upstream sessions. */
  async remove(id: string): Promise<void> {
    const old = this.#runtimes.get(id);
    if (!old) return;
    this.#runtimes.delete(id);
    this.#keys.delete(id);
    this.#opts.onGatewayRemoved?.(old.registration);
    this.#changed(id);
    await old.close();
  }

  get(id: string): GatewayRuntime | undefined {
    return this.#runtimes.get(id);
  }

  values(): IterableIterator<GatewayRuntime> {
    return this.#runtimes.values();
  }

  /**
   * What the catalog resolves against: every gateway's id, slug and discovered offer. Built once,
   * then kept current entry by entry as gateways change (a rebuild per change would cost a pass
   * over every gateway for each of them: quadratic during a bulk apply of thousands).
   */
  catalogView(): ReadonlyMap<string, CatalogGateway> {
    if (!this.#view) {
      this.#view = new Map();
      for (const r of this.#runtimes.values()) this.#view.set(r.id, viewOf(r));
    }
    return this.#view;
  }

  #changed(gatewayId: string): void {
    if (this.#view) {
      // Map.set keeps an existing key's position and appends a new one, as #runtimes does: the same order as a rebuild.
      const r = this.#runtimes.get(gatewayId);
      if (r) this.#view.set(gatewayId, viewOf(r));
      else this.#view.delete(gatewayId);
    }
    this.#opts.onCatalogChanged(gatewayId);
  }

  async close(): Promise<void> {
    const all = [...this.#runtimes.values()];
    this.#runtimes.clear();
    await Promise.all(all.map((r) => r.close()));
  }
}
