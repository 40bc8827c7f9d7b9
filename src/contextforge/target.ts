/**
 * ContextForge as a reconcile target (the port in `src/reconcile/target.ts`): one member, the
 * ContextForge instance, reached through its admin API with an admin credential.
 *
 * - McpGateway → a ContextForge gateway, VirtualServer → a ContextForge server (mapping.ts).
 * - Objects are found by their ownership tags (`mcp-gitops.dev:owned` + `mcp-gitops.dev:id:<id>`);
 *   anything without them is never changed or deleted. A hand-made object is taken over only when
 *   the resource names it in the `contextforge.mcp-gitops.dev/adopt` annotation.
 * - Write only on difference: an object is written when its spec tag differs from the desired one
 *   (our spec changed, a Secret changed) or a field differs from what we send (drift, reported in
 *   `MemberObservation.drift` so the operator can say which field it reverted). A no-op resync, and an
 *   operator restart, read and write nothing else.
 * - `observe()` is two list calls; it reports, per owned object, the desired hash when the object
 *   still matches the last body this process applied, else a marker that differs (so the pipeline
 *   re-queues the resource and the next apply reverts the drift).
 */
import { createHash } from 'node:crypto';
import type { DesiredRegistration } from '../reconcile/desired.ts';
import { shortError } from '../reconcile/errors.ts';
import type { BodyOf, DeleteFailure, GatewayObserved, MemberObservation, MemberState, ObservedOf, ReconcileTarget, RegistrationKind, ServerObserved } from '../reconcile/target.ts';
import { ContextForgeError, type CfGateway, type CfServer, type ContextForgeClient } from './client.ts';
import {
  ADOPT_ANNOTATION,
  gatewayBody,
  gatewayDrift,
  ownedId,
  resolveSelectors,
  serverBody,
  serverDrift,
  specOf,
  tagValue,
  VISIBILITY_ANNOTATION,
  type DiscoveredGateway,
  type Owner,
} from './mapping.ts';

export interface ContextForgeTargetOptions {
  client: ContextForgeClient;
  /** The admin credential, for the key of the spec tag (see mapping.ts). */
  token: () => Promise<string> | string;
  /** Base URL agents use to reach ContextForge, for `status.endpoint`. Default: the client's base URL. */
  publicUrl?: string;
}

/** The last body applied per registration, to tell "still as we left it" in `observe()`. */
interface Applied {
  hash: string;
  body: Record<string, unknown>;
}

type CfObject = CfGateway | CfServer;

export class ContextForgeTarget implements ReconcileTarget {
  readonly name = 'contextforge';
  readonly memberNoun = 'ContextForge instance';
  readonly #o: ContextForgeTargetOptions;
  readonly #endpoint: string;
  /** Registration id → ContextForge id, learned from lists and writes. */
  readonly #ids: Record<RegistrationKind, Map<string, string>> = { gateway: new Map(), server: new Map() };
  readonly #applied: Record<RegistrationKind, Map<string, Applied>> = { gateway: new Map(), server: new Map() };

  constructor(options: ContextForgeTargetOptions) {
    this.#o = options;
    this.#endpoint = options.client.baseUrl;
  }

  /** Where agents and browsers reach ContextForge. */
  #publicBase(): string {
    return (this.#o.publicUrl ?? this.#endpoint).replace(/\/+$/, '');
  }

  members(): string[] {
    return [this.#endpoint];
  }

  async apply<K extends RegistrationKind>(kind: K, desired: DesiredRegistration<BodyOf[K]>): Promise<MemberObservation<ObservedOf[K]>[]> {
    try {
      const obs = kind === 'gateway' ? await this.#applyGateway(desired as DesiredRegistration<BodyOf['gateway']>) : await this.#applyServer(desired as DesiredRegistration<BodyOf['server']>);
      return [obs as MemberObservation<ObservedOf[K]>];
    } catch (err) {
      return [{ endpoint: this.#endpoint, synced: false, error: shortError(err) }];
    }
  }

  async #specKey(): Promise<string> {
    return createHash('sha256').update(`mcp-gitops contextforge spec tag\0${await this.#o.token()}`).digest('hex');
  }

  async #applyGateway(desired: DesiredRegistration<BodyOf['gateway']>): Promise<MemberObservation<GatewayObserved>> {
    const owner = ownerOf(desired, desired.body.namespace, desired.body.name);
    const body = gatewayBody(desired.body, owner, await this.#specKey(), `${this.#publicBase()}/oauth/callback`);
    const c = this.#o.client;
    const found = await this.#find('gateway', desired.id, adoptionOf(desired));
    const { live, drift } = found
      ? await converge(found as { object: CfGateway; adopted: boolean }, body, gatewayDrift, (id) => c.updateGateway(id, body), (id) => c.activateGateway(id))
      : { live: await this.#create('gateway', () => c.createGateway(body), desired), drift: [] };
    this.#ids.gateway.set(desired.id, live.id);
    this.#applied.gateway.set(desired.id, { hash: desired.hash, body });
    const tools = await c.listTools(live.id);
    const oauthCode = desired.body.auth_type === 'oauth' && (desired.body.oauth_config?.grant_type ?? 'authorization_code') === 'authorization_code';
    const read: GatewayObserved = {
      reachable: live.enabled && live.reachable,
      lastError: live.reachable ? null : (live.lastError ?? 'ContextForge reports the upstream unreachable'),
      lastCheck: live.lastSeen ?? live.updatedAt ?? null,
      toolCount: tools.length,
      // ContextForge does not say how many users consented; tools exist only after someone did.
      authorizedUsers: oauthCode && tools.length > 0 ? 1 : 0,
      resourceCount: live.resourceCount ?? 0,
      promptCount: live.promptCount ?? 0,
    };
    return { endpoint: this.#endpoint, synced: true, read, ...(drift.length > 0 ? { drift } : {}) };
  }

  async #applyServer(desired: DesiredRegistration<BodyOf['server']>): Promise<MemberObservation<ServerObserved>> {
    const s = desired.body;
    const owner = ownerOf(desired, s.namespace, s.name);
    const c = this.#o.client;
    const gatewayIds = new Set([...(s.tool_selectors ?? []), ...(s.resource_selectors ?? []), ...(s.prompt_selectors ?? [])].map((x) => x.gateway_id));
    const wantsResources = (s.resource_selectors ?? []).length > 0;
    const wantsPrompts = (s.prompt_selectors ?? []).length > 0;
    const [resources, prompts] = await Promise.all([wantsResources ? c.listResources() : [], wantsPrompts ? c.listPrompts() : []]);
    const discovered = new Map<string, DiscoveredGateway>();
    for (const gid of gatewayIds) {
      const found = await this.#find('gateway', gid);
      if (!found) continue;
      const gateway = found.object as CfGateway;
      const tools = (s.tool_selectors ?? []).some((t) => t.gateway_id === gid) ? await c.listTools(gateway.id) : [];
      discovered.set(gid, {
        gateway,
        tools: tools.filter((t) => t.enabled),
        resources: resources.filter((r) => r.gatewayId === gateway.id && r.enabled),
        prompts: prompts.filter((p) => p.gatewayId === gateway.id && p.enabled),
      });
    }
    const resolution = resolveSelectors(s, discovered);
    const visibility = desired.source?.annotations?.[VISIBILITY_ANNOTATION] === 'private' ? 'private' : 'public';
    const body = serverBody(s, resolution, owner, visibility, await this.#specKey());
    const found = await this.#find('server', desired.id, adoptionOf(desired));
    const { live, drift } = found
      ? await converge(found as { object: CfServer; adopted: boolean }, body, serverDrift, (id) => c.updateServer(id, body), (id) => c.activateServer(id))
      : { live: await this.#create('server', () => c.createServer({ ...body, id: desired.id }, body.visibility as string), desired), drift: [] };
    this.#ids.server.set(desired.id, live.id);
    this.#applied.server.set(desired.id, { hash: desired.hash, body });
    const read: ServerObserved = {
      endpoint: `${this.#publicBase()}/servers/${live.id}/mcp`,
      toolCount: resolution.toolIds.length,
      unmatched: resolution.unmatched,
      conflicts: [],
      resourceCount: resolution.resourceIds.length,
      promptCount: resolution.promptIds.length,
    };
    return { endpoint: this.#endpoint, synced: true, read, ...(drift.length > 0 ? { drift } : {}) };
  }

  /** Creates an object; a name ContextForge already holds for an object we do not own is explained. */
  async #create<T extends CfObject>(kind: RegistrationKind, create: () => Promise<T>, desired: DesiredRegistration<unknown>): Promise<T> {
    try {
      return await create();
    } catch (err) {
      if (err instanceof ContextForgeError && err.status === 409) {
        const resource = kind === 'gateway' ? 'McpGateway' : 'VirtualServer';
        const name = (desired.body as { name: string }).name;
        throw new ContextForgeError(
          409,
          `ContextForge already has a ${kind} named "${name}" that mcp-gitops does not own (${err.message}); ` +
            `to take it over, annotate the ${resource} with ${ADOPT_ANNOTATION}=${name}, or rename one of them`,
        );
      }
      throw err;
    }
  }

  /**
   * The object we own for registration `id`: by the remembered ContextForge id (one GET), else by a
   * list. With `adopt` (a ContextForge name or id), an object nobody owns by that name or id is
   * returned as `adopted` when we own none.
   */
  async #find(kind: RegistrationKind, id: string, adopt?: string): Promise<{ object: CfObject; adopted: boolean } | undefined> {
    const c = this.#o.client;
    const known = this.#ids[kind].get(id);
    if (known) {
      const o = kind === 'gateway' ? await c.getGateway(known) : await c.getServer(known);
      if (o && ownedId(o.tags) === id) return { object: o, adopted: false };
      this.#ids[kind].delete(id);
    }
    const all: CfObject[] = kind === 'gateway' ? await c.listGateways() : await c.listServers();
    this.#learn(kind, all);
    const mine = all.find((o) => ownedId(o.tags) === id);
    if (mine) return { object: mine, adopted: false };
    if (adopt) {
      const hand = all.find((o) => ownedId(o.tags) === undefined && (o.id === adopt.replaceAll('-', '').toLowerCase() || o.name === adopt));
      if (hand) return { object: hand, adopted: true };
    }
    return undefined;
  }

  #learn(kind: RegistrationKind, all: CfObject[]): void {
    for (const o of all) {
      const id = ownedId(o.tags);
      if (id) this.#ids[kind].set(id, o.id);
    }
  }

  async delete(kind: RegistrationKind, id: string, options: { onlyNamespace?: string } = {}): Promise<DeleteFailure[]> {
    try {
      const found = await this.#find(kind, id);
      this.#applied[kind].delete(id);
      if (!found) return [];
      if (options.onlyNamespace !== undefined && tagValue(found.object.tags, 'namespace') !== options.onlyNamespace) return [];
      if (kind === 'gateway') await this.#o.client.deleteGateway(found.object.id);
      else await this.#o.client.deleteServer(found.object.id);
      this.#ids[kind].delete(id);
      return [];
    } catch (err) {
      return [{ endpoint: this.#endpoint, error: shortError(err), unreachable: err instanceof ContextForgeError && err.status === 0 }];
    }
  }

  async observe(): Promise<MemberState[]> {
    try {
      const [gateways, servers] = await Promise.all([this.#o.client.listGateways(), this.#o.client.listServers()]);
      this.#learn('gateway', gateways);
      this.#learn('server', servers);
      return [{ endpoint: this.#endpoint, held: { gateway: this.#held('gateway', gateways, gatewayDrift), server: this.#held('server', servers, serverDrift) } }];
    } catch (err) {
      return [{ endpoint: this.#endpoint, error: shortError(err) }];
    }
  }

  /** Per owned object: the applied hash when it still matches the applied body, else a marker that never equals a hash. */
  #held<T extends CfObject>(kind: RegistrationKind, all: T[], drift: (live: T, body: Record<string, unknown>) => string[]): Record<string, string> {
    const held: Record<string, string> = {};
    for (const o of all) {
      const id = ownedId(o.tags);
      if (!id) continue;
      const applied = this.#applied[kind].get(id);
      const same = applied !== undefined && tagValue(o.tags, 'spec') === specOf(applied.body) && drift(o, applied.body).length === 0;
      held[id] = same ? applied.hash : `contextforge-spec:${tagValue(o.tags, 'spec') ?? 'none'}`;
    }
    return held;
  }

  onMembersChanged(): void {
    // One fixed member.
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Brings an existing object to `body`: a PUT when its spec tag differs (our spec or a Secret changed),
 * it was just adopted, or a field differs (drift); re-enables it when someone disabled it. `drift` is
 * what changed outside the operator: the fields that differ while the spec tag is still ours.
 */
async function converge<T extends CfObject>(
  found: { object: T; adopted: boolean },
  body: Record<string, unknown>,
  diff: (live: T, body: Record<string, unknown>) => string[],
  update: (id: string) => Promise<T>,
  activate: (id: string) => Promise<unknown>,
): Promise<{ live: T; drift: string[] }> {
  let live = found.object;
  const fields = diff(live, body);
  const specChanged = found.adopted || tagValue(live.tags, 'spec') !== specOf(body);
  if (specChanged || fields.some((f) => f !== 'enabled')) live = await update(live.id);
  if (!live.enabled) {
    await activate(live.id);
    live = { ...live, enabled: true };
  }
  return { live, drift: specChanged ? [] : fields };
}

function ownerOf(desired: DesiredRegistration<unknown>, namespace: string | undefined, name: string): Owner {
  const uid = desired.source?.uid;
  return { id: desired.id, namespace: namespace ?? 'default', name, ...(uid ? { uid } : {}) };
}

function adoptionOf(desired: DesiredRegistration<unknown>): string | undefined {
  const a = desired.source?.annotations?.[ADOPT_ANNOTATION]?.trim();
  return a ? a : undefined;
}
