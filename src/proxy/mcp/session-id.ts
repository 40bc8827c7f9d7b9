/**
 * Agent session ids that any replica can serve: the `Mcp-Session-Id` *is* the session's state,
 * sealed (`../session-seal/sealer.ts`) with a key the replicas share. A replica that has never seen
 * the session opens the id and carries on, with no new `initialize`.
 *
 * What is sealed: the virtual server, the user (`sub`) it is bound to, when it was issued, the
 * negotiated protocol version, and the client's capabilities and name/version from `initialize`
 * (the proxy consults the capabilities before relaying elicitation, sampling and roots requests).
 *
 * Security contract:
 * - The id never authenticates: every request still carries the agent's bearer token, and the id is
 *   accepted only when its sealed user equals the token's user and its server equals the request's
 *   server. A stolen id alone is worth nothing; with the victim's token it adds nothing.
 * - Lifetime: an id is valid for `maxAgeMs` after `initialize` (default 24 h), on every replica.
 *   The idle timeout (`sessionIdleMs`) only frees a replica's memory: the next request rebuilds it.
 * - `DELETE` ends the session on the replica that receives it (it remembers the ended id until its
 *   expiry); another replica would still accept a copy of the id until it expires (there is no
 *   shared list of ended ids). That copy is only usable by the same user, who could as well
 *   initialize a new session.
 */
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS, type ClientCapabilities, type Implementation } from '@modelcontextprotocol/sdk/types.js';
import type { SessionSealer } from '../session-seal/sealer.ts';

const PURPOSE = 'agent-session/v1';
/** Capabilities larger than this (as JSON) are reduced to those the proxy consults. */
const MAX_CAPABILITIES_CHARS = 1024;
const MAX_NAME_CHARS = 100;

export interface AgentSessionClaims {
  readonly serverId: string;
  readonly user: string;
  readonly transport: 'streamable-http';
  /** ms since the epoch */
  readonly issuedAt: number;
  readonly protocolVersion: string;
  readonly capabilities: ClientCapabilities;
  readonly clientInfo: Implementation;
}

/** The sealed form: short keys, it travels on every request. */
interface Sealed {
  s: string;
  u: string;
  t: number;
  v: string;
  c: ClientCapabilities;
  i: { name: string; version: string };
}

export class AgentSessionIds {
  readonly #sealer: SessionSealer;
  readonly #maxAgeMs: number;
  readonly #now: () => number;

  constructor(sealer: SessionSealer, options: { maxAgeMs?: number; now?: () => number } = {}) {
    this.#sealer = sealer;
    this.#maxAgeMs = options.maxAgeMs ?? 24 * 3600_000;
    this.#now = options.now ?? Date.now;
  }

  /** The claims of a session starting now from `initialize` params (version negotiated as the SDK server does). */
  claimsFor(serverId: string, user: string, params: { protocolVersion?: unknown; capabilities?: unknown; clientInfo?: unknown }): AgentSessionClaims {
    const requested = typeof params.protocolVersion === 'string' ? params.protocolVersion : '';
    const info = (params.clientInfo ?? {}) as Partial<Implementation>;
    return {
      serverId,
      user,
      transport: 'streamable-http',
      issuedAt: this.#now(),
      protocolVersion: SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION,
      capabilities: boundedCapabilities((params.capabilities ?? {}) as ClientCapabilities),
      clientInfo: { name: String(info.name ?? '').slice(0, MAX_NAME_CHARS), version: String(info.version ?? '').slice(0, MAX_NAME_CHARS) },
    };
  }

  /** The session id for `claims`. */
  mint(claims: AgentSessionClaims): string {
    const sealed: Sealed = { s: claims.serverId, u: claims.user, t: claims.issuedAt, v: claims.protocolVersion, c: claims.capabilities, i: { name: claims.clientInfo.name, version: claims.clientInfo.version } };
    return this.#sealer.seal(PURPOSE, sealed);
  }

  /** Whether a session of `claims` has not expired yet. */
  live(claims: AgentSessionClaims): boolean {
    return this.#now() - claims.issuedAt <= this.#maxAgeMs;
  }

  /** When a session of `claims` expires (ms since the epoch). */
  expiresAt(claims: AgentSessionClaims): number {
    return claims.issuedAt + this.#maxAgeMs;
  }

  /**
   * The claims of `id` when it is a live session of `user` on `serverId`; undefined when it is
   * malformed, forged, expired, or bound to another user or server (all answered 404 alike).
   */
  open(id: string, serverId: string, user: string): AgentSessionClaims | undefined {
    const v = this.#sealer.open(PURPOSE, id) as Sealed | undefined;
    if (!v || typeof v !== 'object' || v.s !== serverId || v.u !== user || typeof v.t !== 'number') return undefined;
    if (this.#now() - v.t > this.#maxAgeMs) return undefined;
    return { serverId: v.s, user: v.u, transport: 'streamable-http', issuedAt: v.t, protocolVersion: v.v, capabilities: v.c ?? {}, clientInfo: v.i ?? { name: '', version: '' } };
  }
}

/** The capabilities as declared, or only those the proxy consults when the declaration is large. */
function boundedCapabilities(c: ClientCapabilities): ClientCapabilities {
  if (JSON.stringify(c).length <= MAX_CAPABILITIES_CHARS) return c;
  const kept: ClientCapabilities = {};
  if (c.elicitation) kept.elicitation = { ...(c.elicitation.form ? { form: {} } : {}), ...(c.elicitation.url ? { url: {} } : {}) };
  if (c.sampling) kept.sampling = {};
  if (c.roots) kept.roots = {};
  return kept;
}
