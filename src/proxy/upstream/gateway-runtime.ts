/**
 * Everything the proxy does for one registered gateway: its upstream sessions (one per credential
 * scope), tool discovery and periodic refresh, health checks, and the observed state the admin API
 * reports (reachable, lastError, lastCheck, lastSeen, tools).
 *
 * Nothing here refuses or loses a registration: an unreachable upstream only shows in the observed
 * state and makes calls fail fast until it recovers.
 */
import type { Prompt, Resource, ResourceTemplate, ServerCapabilities, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { AgentIdentity, GatewayRegistration } from '../registry/types.ts';
import { ConsentRequiredError, credentialScope, UpstreamAuthError, type UpstreamCredentials } from './credentials.ts';
import { UpstreamFailure } from './errors.ts';
import type { ConnectGate } from './connect-gate.ts';
import { UpstreamSession, type CallOptions, type UpstreamUrlPolicy } from './session.ts';

/** Per-user upstream sessions unused this long are closed at the next health check. */
const USER_SESSION_IDLE_MS = 30 * 60_000;
/**
 * While the upstream is down, a reconnect is tried after 1 s, then every RECOVERY_PROBE_CAP_MS (2 s),
 * so a recovery shows within seconds (the sessions' own reconnect backoff grows to 30 s).
 */
const RECOVERY_PROBE_FIRST_MS = 1_000;
export const RECOVERY_PROBE_CAP_MS = 2_000;

/** A health check's deadline: `health_check_timeout_seconds`, at most the interval. */
export function healthCheckTimeoutMs(spec: GatewayRegistration['spec']): number {
  return Math.min(spec.health_check_timeout_seconds, spec.health_check_interval_seconds) * 1000;
}

export interface GatewayRuntimeOptions {
  credentials: UpstreamCredentials;
  logger: Logger;
  /** Called when the discovered offer (tools, prompts, resources, templates, capabilities, instructions) changed. */
  onToolsChanged: (gatewayId: string) => void;
  /** Called when the upstream announces `notifications/resources/updated` on one of its sessions. */
  onResourceUpdated?: (gatewayId: string, session: UpstreamSession, uri: string) => void;
  /** Called when reachability changed (metrics). */
  onReachabilityChanged: (gatewayId: string, reachable: boolean) => void;
  /** SSRF policy for upstream URLs; undefined = no check. */
  urlPolicy?: UpstreamUrlPolicy;
  /** Deadline of a tool call without upstream activity, ms. Defaults to 300000. */
  callTimeoutMs?: number;
  /** What a previous runtime of the same upstream discovered, served until rediscovered. */
  initialOffer?: Offer;
  /** The replica's bound on session set-ups in flight (shared by every gateway). */
  connectGate?: ConnectGate;
}

/** What an upstream offers, as discovery last saw it. */
export interface Offer {
  tools: readonly Tool[];
  prompts: readonly Prompt[];
  resources: readonly Resource[];
  resourceTemplates: readonly ResourceTemplate[];
  /** What the upstream declared in `initialize`. */
  capabilities: ServerCapabilities;
  /** The upstream's `instructions`, when it sent any. */
  instructions: string | undefined;
}

const EMPTY_OFFER: Offer = { tools: [], prompts: [], resources: [], resourceTemplates: [], capabilities: {}, instructions: undefined };

export class GatewayRuntime {
  registration: GatewayRegistration;
  offer: Offer;
  discovered = false;
  reachable = false;
  lastError: string | null = null;
  lastCheck: Date | null = null;
  lastSeen: Date | null = null;

  readonly #opts: GatewayRuntimeOptions;
  readonly #sessions = new Map<string, UpstreamSession>();
  #healthTimer: NodeJS.Timeout | undefined;
  #refreshTimer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  #recoveryTimer: NodeJS.Timeout | undefined;
  #recoveryDelayMs = RECOVERY_PROBE_FIRST_MS;
  #closed = false;

  constructor(registration: GatewayRegistration, opts: GatewayRuntimeOptions) {
    this.registration = registration;
    this.#opts = opts;
    this.offer = opts.initialOffer ?? EMPTY_OFFER;
  }

  /** Discovered tools (the offer's). */
  get tools(): readonly Tool[] {
    return this.offer.tools;
  }

  get id(): string {
    return this.registration.id;
  }

  /** Starts discovery and the periodic health check and refresh. */
  start(): void {
    if (!this.registration.spec.enabled) {
      this.lastError = 'gateway is disabled';
      return;
    }
    this.#schedule();
    void this.refresh().catch(() => {}); // refresh records its failure as lastError (status) before rethrowing
  }

  /** Takes a new registration whose connection settings are unchanged (intervals, description…). */
  update(registration: GatewayRegistration): void {
    this.registration = registration;
    this.#schedule();
  }

  #schedule(): void {
    clearInterval(this.#healthTimer);
    clearInterval(this.#refreshTimer);
    const s = this.registration.spec;
    this.#healthTimer = setInterval(() => void this.healthCheck(), s.health_check_interval_seconds * 1000).unref();
    // refresh records its failure as lastError (status) before rethrowing; the next interval tries again.
    this.#refreshTimer = setInterval(() => void this.refresh().catch(() => {}), s.refresh_interval_seconds * 1000).unref();
  }

  /** The session for `user`'s credential scope, created on first use. */
  sessionFor(user: AgentIdentity | undefined): UpstreamSession {
    const scope = credentialScope(this.registration, user);
    let session = this.#sessions.get(scope);
    if (!session) {
      session = new UpstreamSession(this.registration, scope, scope === 'shared' ? undefined : user, {
        credentials: this.#opts.credentials,
        onToolListChanged: () => void this.refresh().catch(() => {}), // recorded as lastError by refresh
        onResourceUpdated: (s, uri) => this.#opts.onResourceUpdated?.(this.id, s, uri),
        onStateChange: (s) => this.#observe(s),
        probeTimeoutMs: () => healthCheckTimeoutMs(this.registration.spec),
        ...(this.#opts.connectGate ? { connectGate: this.#opts.connectGate } : {}),
        ...(this.#opts.urlPolicy ? { urlPolicy: this.#opts.urlPolicy } : {}),
      });
      this.#sessions.set(scope, session);
    }
    return session;
  }

  /**
   * Forwards one `tools/call` as `user`. Fails fast with `UpstreamFailure` when the gateway is
   * disabled or its session is down; `ConsentRequiredError` when the user must consent first.
   */
  async callTool(user: AgentIdentity | undefined, params: { name: string; arguments?: Record<string, unknown>; _meta?: Record<string, unknown> }, options: CallOptions): Promise<Record<string, unknown>> {
    return this.requestSession(user).callTool(params, { ...options, timeoutMs: options.timeoutMs ?? this.callTimeoutMs });
  }

  /**
   * The session `user`'s requests go through (prompts, resources, completions, subscriptions, as
   * tool calls): fails fast with `UpstreamFailure` when the gateway is disabled or removed.
   */
  requestSession(user: AgentIdentity | undefined): UpstreamSession {
    const name = this.registration.spec.name;
    if (!this.registration.spec.enabled) throw new UpstreamFailure('ERR_GATEWAY_DISABLED', name, `gateway ${name} is disabled`);
    if (this.#closed) throw new UpstreamFailure('ERR_UPSTREAM_UNREACHABLE', name, `gateway ${name} was removed`);
    return this.sessionFor(user);
  }

  /** Deadline of a request without upstream activity, ms. */
  get callTimeoutMs(): number {
    return this.#opts.callTimeoutMs ?? 300_000;
  }

  /**
   * Re-lists the upstream's tools (single flight) through the shared session, or `asUser`'s for
   * per-user OAuth gateways (any ready user session when omitted).
   */
  refresh(asUser?: AgentIdentity): Promise<void> {
    if (!this.registration.spec.enabled || this.#closed) return Promise.resolve();
    return (this.#refreshing ??= this.#refresh(asUser).finally(() => (this.#refreshing = undefined)));
  }

  async #refresh(asUser: AgentIdentity | undefined): Promise<void> {
    let session = this.sessionFor(asUser);
    if (session.scope === 'anonymous') {
      const ready = [...this.#sessions.values()].find((s) => s.state === 'ready' && s.scope.startsWith('user:'));
      if (!ready) {
        if (!this.discovered) this.lastError = 'no user has authorized this gateway yet; its tools are discovered after the first consent';
        return;
      }
      session = ready;
    }
    try {
      const offer = await this.#discover(session);
      this.lastCheck = new Date();
      const changed = !this.discovered || JSON.stringify(offer) !== JSON.stringify(this.offer);
      this.offer = offer;
      this.discovered = true;
      if (changed) {
        this.#opts.logger.info(
          { gateway: this.registration.spec.name, gatewayId: this.id, tools: offer.tools.length, prompts: offer.prompts.length, resources: offer.resources.length, resourceTemplates: offer.resourceTemplates.length },
          'upstream offer discovered',
        );
        this.#opts.onToolsChanged(this.id);
      }
    } catch (err) {
      this.lastCheck = new Date();
      if (err instanceof ConsentRequiredError) this.lastError = 'no user has authorized this gateway yet; its tools are discovered after the first consent';
      else if (err instanceof UpstreamAuthError || err instanceof UpstreamFailure) this.lastError = err.message;
      else this.lastError = String((err as Error).message ?? err);
      throw err;
    }
  }

  /**
   * Lists everything the upstream declared (tools always; prompts, resources and templates when
   * its capabilities say so). A failing prompt or resource list keeps what was known before, so a
   * half-broken upstream does not lose its tools.
   */
  async #discover(session: UpstreamSession): Promise<Offer> {
    const tools = await session.listTools();
    const caps = session.capabilities;
    const optional = async <T>(declared: unknown, method: string, field: string, before: readonly T[]): Promise<readonly T[]> => {
      if (!declared) return [];
      try {
        return await session.listAll<T>(method, field);
      } catch (err) {
        this.#opts.logger.warn({ gateway: this.registration.spec.name, gatewayId: this.id, method, error: (err as Error).message }, 'upstream list failed; keeping the previous one');
        return before;
      }
    };
    const [prompts, resources, resourceTemplates] = await Promise.all([
      optional<Prompt>(caps.prompts, 'prompts/list', 'prompts', this.offer.prompts),
      optional<Resource>(caps.resources, 'resources/list', 'resources', this.offer.resources),
      optional<ResourceTemplate>(caps.resources, 'resources/templates/list', 'resourceTemplates', this.offer.resourceTemplates),
    ]);
    return { tools, prompts, resources, resourceTemplates, capabilities: caps, instructions: session.instructions };
  }

  /**
   * Pings every ready session, reconnects down ones, closes per-user sessions unused for 30 minutes
   * (a user's next call opens a new one), and discovers tools if still unknown.
   */
  async healthCheck(): Promise<void> {
    if (this.#closed || !this.registration.spec.enabled) return;
    const idleBefore = Date.now() - USER_SESSION_IDLE_MS;
    for (const [scope, s] of this.#sessions) {
      if (scope !== 'shared' && s.lastUsed < idleBefore) {
        this.#sessions.delete(scope);
        void s.close();
      }
    }
    const timeout = healthCheckTimeoutMs(this.registration.spec);
    await Promise.all(
      [...this.#sessions.values()].map(async (s) => {
        if (s.state === 'down') s.reconnectNow();
        else if (s.state === 'ready') await s.ping(timeout).catch(() => {}); // a failed ping marks the session down; #observe reports it
      }),
    );
    this.lastCheck = new Date();
    if (!this.discovered) await this.refresh().catch(() => {}); // recorded as lastError by refresh
  }

  #observe(session: UpstreamSession): void {
    const was = this.reachable;
    if (session.state === 'ready') {
      this.reachable = true;
      this.lastError = null;
      this.lastSeen = session.lastSeen;
      this.lastCheck = new Date();
      this.#stopRecoveryProbe();
      // First contact, or back after an outage (the upstream may have changed): re-list tools,
      // and let the other sessions that are down try again now rather than after their backoff.
      if (!this.discovered || !was) void this.refresh().catch(() => {});
      if (!was) for (const s of this.#sessions.values()) if (s !== session) s.reconnectNow();
    } else if (session.state === 'down') {
      this.reachable = [...this.#sessions.values()].some((s) => s.state === 'ready');
      this.lastError = session.lastError;
      this.lastCheck = new Date();
      this.#opts.logger.warn({ gateway: this.registration.spec.name, gatewayId: this.id, error: session.lastError, suspectedBecause: session.suspectedBecause ?? undefined }, 'upstream unreachable');
      // The upstream failed one session in transport: the others are suspect too (each is probed
      // on its own, so one user's session never takes the gateway down for the rest).
      for (const s of this.#sessions.values()) if (s !== session) s.suspect(`another session of this gateway failed: ${session.lastError ?? 'down'}`);
      if (!this.reachable) this.#startRecoveryProbe();
    }
    if (was !== this.reachable) this.#opts.onReachabilityChanged(this.id, this.reachable);
  }

  /**
   * While every session is down: try the most recently used one again after 1 s, then every
   * RECOVERY_PROBE_CAP_MS (one timer per gateway, whatever the number of sessions).
   */
  #startRecoveryProbe(): void {
    if (this.#recoveryTimer || this.#closed) return;
    this.#recoveryTimer = setTimeout(() => {
      this.#recoveryTimer = undefined;
      if (this.#closed || this.reachable) return;
      let latest: UpstreamSession | undefined;
      for (const s of this.#sessions.values()) if (s.state === 'down' && (!latest || s.lastUsed > latest.lastUsed)) latest = s;
      if (!latest) return;
      latest.reconnectNow();
      this.#recoveryDelayMs = Math.min(this.#recoveryDelayMs * 2, RECOVERY_PROBE_CAP_MS);
      this.#startRecoveryProbe();
    }, this.#recoveryDelayMs);
    this.#recoveryTimer.unref();
  }

  #stopRecoveryProbe(): void {
    clearTimeout(this.#recoveryTimer);
    this.#recoveryTimer = undefined;
    this.#recoveryDelayMs = RECOVERY_PROBE_FIRST_MS;
  }

  /** Users with a live per-user session (a lower bound of authorized users; the vault knows more). */
  get userSessions(): number {
    let n = 0;
    for (const s of this.#sessions.keys()) if (s.startsWith('user:')) n++;
    return n;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#healthTimer);
    clearInterval(this.#refreshTimer);
    this.#stopRecoveryProbe();
    await Promise.all([...this.#sessions.values()].map((s) => s.close()));
    this.#sessions.clear();
  }
}
