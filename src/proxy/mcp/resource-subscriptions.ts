/**
 * Agents' resource subscriptions, shared over upstream sessions: many agents reach one gateway
 * through one upstream session (or one per user, for per-user OAuth), so one upstream
 * `resources/subscribe` serves every agent subscribed to that URI through that session.
 *
 * Contract:
 * - The first agent subscribing a URI on an upstream session subscribes it upstream (the session
 *   renews it after a reconnect); later agents only join. An upstream refusal fails that subscribe
 *   and leaves nothing behind.
 * - An agent's `resources/unsubscribe`, or its session closing, leaves; the last one to leave
 *   unsubscribes upstream. Unsubscribing what one did not subscribe is a no-op.
 * - `notifications/resources/updated` from an upstream session reaches exactly the agents
 *   subscribed to that URI through that session.
 *
 * Held per replica: an agent session that another replica rebuilds (docs/proxy.md, "Sessions any
 * replica serves") subscribes again there.
 */
import type { CallOptions, UpstreamSession } from '../upstream/session.ts';

/** An agent session that can be told a resource changed. */
export interface ResourceSubscriber {
  resourceUpdated(uri: string): void;
}

interface Subscription {
  readonly session: UpstreamSession;
  readonly uri: string;
  readonly agents: Set<ResourceSubscriber>;
  /** Settles when the upstream subscribe did. */
  readonly upstream: Promise<void>;
}

export class ResourceSubscriptions {
  /** By upstream session, then URI. */
  readonly #bySession = new Map<UpstreamSession, Map<string, Subscription>>();
  /** What each agent holds, to leave everything when it closes. */
  readonly #byAgent = new Map<ResourceSubscriber, Set<Subscription>>();

  /** Subscribes `agent` to `uri` through `session`. Rejects as the upstream subscribe did. */
  async subscribe(agent: ResourceSubscriber, session: UpstreamSession, uri: string, options: CallOptions): Promise<Record<string, unknown>> {
    let uris = this.#bySession.get(session);
    if (!uris) this.#bySession.set(session, (uris = new Map()));
    let sub = uris.get(uri);
    if (!sub) {
      const created: Subscription = { session, uri, agents: new Set(), upstream: session.subscribe(uri, options) };
      uris.set(uri, created);
      created.upstream.catch(() => this.#drop(created));
      sub = created;
    }
    await sub.upstream;
    if (this.#bySession.get(session)?.get(uri) !== sub) return this.subscribe(agent, session, uri, options); // dropped meanwhile
    sub.agents.add(agent);
    let held = this.#byAgent.get(agent);
    if (!held) this.#byAgent.set(agent, (held = new Set()));
    held.add(sub);
    return {};
  }

  /** `agent` leaves `uri` on `session`; the last one out unsubscribes upstream. */
  async unsubscribe(agent: ResourceSubscriber, session: UpstreamSession, uri: string, options: CallOptions): Promise<Record<string, unknown>> {
    const sub = this.#bySession.get(session)?.get(uri);
    if (sub && this.#leave(agent, sub)) await session.unsubscribe(uri, options);
    return {};
  }

  /** Whether `agent` holds a subscription. */
  holds(agent: ResourceSubscriber): boolean {
    return (this.#byAgent.get(agent)?.size ?? 0) > 0;
  }

  /** `agent` closed: leaves everything it held. */
  closed(agent: ResourceSubscriber): void {
    // The agent is gone: an upstream that misses the unsubscribe only sends updates nobody forwards.
    for (const sub of this.#byAgent.get(agent) ?? []) if (this.#leave(agent, sub)) void sub.session.unsubscribe(sub.uri).catch(() => {});
    this.#byAgent.delete(agent);
  }

  /** An upstream session announced `notifications/resources/updated` for `uri`. */
  updated(session: UpstreamSession, uri: string): void {
    for (const agent of this.#bySession.get(session)?.get(uri)?.agents ?? []) agent.resourceUpdated(uri);
  }

  /** How many agent subscriptions are held (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const held of this.#byAgent.values()) n += held.size;
    return n;
  }

  /** Removes `agent` from `sub`; true when it was the last one (the caller unsubscribes upstream). */
  #leave(agent: ResourceSubscriber, sub: Subscription): boolean {
    if (!sub.agents.delete(agent)) return false;
    this.#byAgent.get(agent)?.delete(sub);
    if (sub.agents.size > 0) return false;
    this.#drop(sub);
    return true;
  }

  #drop(sub: Subscription): void {
    const uris = this.#bySession.get(sub.session);
    if (uris?.get(sub.uri) !== sub) return;
    uris.delete(sub.uri);
    if (uris.size === 0) this.#bySession.delete(sub.session);
  }
}
