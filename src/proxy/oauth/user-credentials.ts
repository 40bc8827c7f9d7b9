/**
 * `UpstreamCredentials` for OAuth gateways (the seam in `../upstream/credentials.ts`):
 *
 * - authorization_code: the calling user's own token from the vault — never another user's, never
 *   the agent's token. None stored → `ConsentRequiredError` with a fresh consent link. Expired or
 *   within `skewMs` of expiry → refreshed first, single-flight across replicas
 *   (`vault.refreshUnderLock`). `invalid_grant` → the record is marked "reconnect needed" and the
 *   user is asked to consent again.
 * - client_credentials: one shared cached token ({@link ClientCredentialsCache}).
 * - other auth types: delegated (`staticCredentials` by default).
 *
 * Without a user (the proxy's own discovery and health checks) a per-user gateway uses the token of
 * the most recently active consented user, so a restarted proxy can list tools again.
 */
import * as client from 'openid-client';
import type { Logger } from 'pino';
import { expiresSoon, type Refresher, type StoredTokenSet, type TokenEntry, type TokenRef, type TokenVault } from '../../vault/index.ts';
import type { AgentIdentity, GatewayRegistration } from '../registry/types.ts';
import { ConsentRequiredError, staticCredentials, UpstreamAuthError, type UpstreamCredentials } from '../upstream/credentials.ts';
import type { ClientCredentialsCache } from './client-credentials.ts';
import { describeProviderFailure, oauthErrorCode, relayErrorIn } from './errors.ts';
import type { ProviderResolver } from './provider.ts';
import { bindingOf, bindingProblem, isRetargetReason, TokenBindingError } from './token-binding.ts';
import { storedTokens } from './token-response.ts';

export interface OAuthCredentialsOptions {
  vault: TokenVault;
  resolver: ProviderResolver;
  clientCredentials: ClientCredentialsCache;
  /** A consent link for `user` on `gateway` (signed ticket inside). */
  consentUrl: (gateway: GatewayRegistration, user: string) => Promise<string>;
  /** For non-OAuth gateways. Defaults to `staticCredentials`. */
  fallback?: UpstreamCredentials;
  /** Refresh this long before expiry. Defaults to 60 s. */
  skewMs?: number;
  /** Write `lastUsedAt` at most this often per record. Defaults to 15 min. */
  touchIntervalMs?: number;
  logger?: Logger;
}

export const RECONNECT_REASON = 'the provider rejected the refresh token (invalid_grant): it expired, was revoked, or the user removed access';

/** How long a cached consented-user count is served before it is recounted in the background. */
const COUNT_TTL_MS = 5_000;

export class OAuthCredentials implements UpstreamCredentials {
  readonly #o: OAuthCredentialsOptions;
  readonly #counts = new Map<string, { value: number; at: number; pending?: Promise<number> }>();
  /** Per gateway and spec: users whose tokens were issued for another target, and why (status only). */
  readonly #retargeted = new Map<string, { specHash: string; users: Set<string>; reason?: string; scanned: boolean }>();

  constructor(options: OAuthCredentialsOptions) {
    this.#o = options;
  }

  async headersFor(gateway: GatewayRegistration, user: AgentIdentity | undefined, signal?: AbortSignal): Promise<Record<string, string>> {
    const oauth = gateway.spec.oauth_config;
    if (gateway.spec.auth_type !== 'oauth' || !oauth) return (this.#o.fallback ?? staticCredentials).headersFor(gateway, user, signal);
    if (oauth.grant_type === 'client_credentials') {
      return { authorization: `Bearer ${await this.#o.clientCredentials.accessToken(gateway)}` };
    }
    const entry = user === undefined ? await this.#anyUser(gateway) : await this.#forUser(gateway, user.user);
    return { authorization: `Bearer ${entry.tokens.accessToken}` };
  }

  /**
   * Users with a usable token for a per-user gateway (a number, never who). Synchronous for the
   * proxy's status views: answers the last count and recounts in the background when it is older
   * than 5 s. 0 for other gateways.
   */
  authorizedUsers(gateway: GatewayRegistration): number {
    if (gateway.spec.auth_type !== 'oauth' || gateway.spec.oauth_config?.grant_type !== 'authorization_code') {
      return this.#o.fallback?.authorizedUsers?.(gateway) ?? 0;
    }
    const cached = this.#counts.get(gateway.id);
    // Background recount: it logs its failure and the last count is served meanwhile.
    if (cached === undefined || (Date.now() - cached.at > COUNT_TTL_MS && cached.pending === undefined)) void this.recount(gateway).catch(() => {});
    return cached?.value ?? 0;
  }

  consentNote(gateway: GatewayRegistration): string | undefined {
    if (gateway.spec.auth_type !== 'oauth' || gateway.spec.oauth_config?.grant_type !== 'authorization_code') return this.#o.fallback?.consentNote?.(gateway);
    const slot = this.#retargetSlot(gateway);
    if (!slot.scanned) {
      slot.scanned = true;
      void this.#scanBindings(gateway).catch(() => (slot.scanned = false));
    }
    const n = slot.users.size;
    return n === 0 ? undefined : `gateway ${gateway.spec.name}: ${n} user${n === 1 ? '' : 's'} must reconnect: ${slot.reason}`;
  }

  #retargetSlot(gateway: GatewayRegistration) {
    let slot = this.#retargeted.get(gateway.id);
    if (slot === undefined || slot.specHash !== gateway.specHash) {
      slot = { specHash: gateway.specHash, users: new Set(), scanned: false };
      this.#retargeted.set(gateway.id, slot);
    }
    return slot;
  }

  /** Checks every stored record of the gateway against where it points now (after a spec change). */
  async #scanBindings(gateway: GatewayRegistration): Promise<void> {
    const { entries } = await this.#o.vault.listByGateway(gateway.spec.namespace, gateway.id);
    // One unreadable or unwritable record must not stop the scan; its next use checks it again.
    for (const entry of entries) await this.checkBinding(gateway, entry).catch(() => {});
  }

  /** Counts consented users now (after a consent, a reconnect-needed, a deletion). */
  recount(gateway: GatewayRegistration): Promise<number> {
    const slot = this.#counts.get(gateway.id) ?? { value: 0, at: 0 };
    this.#counts.set(gateway.id, slot);
    slot.pending ??= this.#o.vault.countAuthorized(gateway.spec.namespace, gateway.id).then(
      (value) => {
        slot.value = value;
        slot.at = Date.now();
        slot.pending = undefined;
        return value;
      },
      (error: unknown) => {
        slot.pending = undefined;
        this.#o.logger?.warn({ gatewayId: gateway.id, error: (error as Error).message }, 'counting consented users failed; the last count stays');
        throw error;
      },
    );
    return slot.pending;
  }

  async #forUser(gateway: GatewayRegistration, user: string): Promise<TokenEntry> {
    const ref: TokenRef = { namespace: gateway.spec.namespace, gatewayId: gateway.id, user };
    let entry = await this.#o.vault.get(ref);
    if (entry === undefined) {
      throw consentRequired(gateway, await this.#o.consentUrl(gateway, user), `You have not authorized ${gateway.spec.name} yet. Open this link to connect your account, then retry:`);
    }
    entry = await this.checkBinding(gateway, entry);
    if (!entry.tokens.reconnectNeeded && expiresSoon(entry.tokens, Date.now(), this.#skewMs)) {
      entry = await this.#refresh(gateway, ref, entry);
    }
    if (entry.tokens.reconnectNeeded) {
      const reason = entry.tokens.lastError ?? 'refresh failed';
      throw consentRequired(gateway, await this.#o.consentUrl(gateway, user), `Your authorization for ${gateway.spec.name} needs to be renewed (${reason}). Open this link to reconnect, then retry:`);
    }
    this.#touch(ref, entry);
    return entry;
  }

  /**
   * Why `tokens` must not be sent for `gateway` as it is configured now (it was retargeted since they
   * were issued), or undefined. Resolves the provider (cached per spec); stores nothing.
   */
  async bindingProblem(gateway: GatewayRegistration, tokens: StoredTokenSet): Promise<string | undefined> {
    return bindingProblem(tokens.binding, bindingOf(gateway, await this.#o.resolver.resolve(gateway)));
  }

  /**
   * `entry` checked against where the gateway points now. A record issued elsewhere becomes
   * reconnect-needed (stored, with the reason); a record from before fingerprints is bound to the
   * gateway as it is now. Either write is compare-and-swap and best effort: the returned entry is
   * what the caller must act on.
   */
  async checkBinding(gateway: GatewayRegistration, entry: TokenEntry): Promise<TokenEntry> {
    if (isRetargetReason(entry.tokens.lastError)) this.#noteRetargeted(gateway, entry.ref.user, entry.tokens.lastError!);
    if (entry.tokens.reconnectNeeded) return entry;
    const current = bindingOf(gateway, await this.#o.resolver.resolve(gateway));
    const problem = bindingProblem(entry.tokens.binding, current);
    if (problem === undefined && entry.tokens.binding !== undefined) return entry;
    const tokens: StoredTokenSet = problem === undefined ? { ...entry.tokens, binding: current } : { ...entry.tokens, reconnectNeeded: true, lastError: problem };
    if (problem !== undefined) {
      this.#o.logger?.warn({ gatewayId: gateway.id, user: entry.ref.user, reason: problem }, 'oauth tokens issued for another target: not sent; user must reconnect');
      this.#noteRetargeted(gateway, entry.ref.user, problem);
    }
    // Compare-and-swap: a concurrent writer wins and this record is checked again on its next use.
    const stored = await this.#o.vault.put(entry.ref, tokens, { ifVersion: entry.version }).catch(() => undefined);
    if (problem !== undefined) void this.recount(gateway).catch(() => {}); // recount logs its failure
    return stored ?? { ...entry, tokens };
  }

  /** `user` has just consented (again): they no longer count as having to reconnect. */
  consented(gateway: GatewayRegistration, user: string): void {
    this.#retargeted.get(gateway.id)?.users.delete(user);
  }

  #noteRetargeted(gateway: GatewayRegistration, user: string, reason: string): void {
    const slot = this.#retargetSlot(gateway);
    slot.users.add(user);
    slot.reason ??= reason;
  }

  async #refresh(gateway: GatewayRegistration, ref: TokenRef, entry: TokenEntry, isFresh?: (tokens: StoredTokenSet) => boolean): Promise<TokenEntry> {
    const resolver = this.#o.resolver;
    const skewMs = this.#skewMs;
    const refresher: Refresher = {
      isFresh: isFresh ?? ((tokens) => !expiresSoon(tokens, Date.now(), skewMs)),
      async refresh(tokens) {
        if (!tokens.refreshToken) throw Object.assign(new Error('no refresh token stored'), { error: 'invalid_grant' });
        const provider = await resolver.resolve(gateway);
        // Checked on the record read under the lease, right before the refresh token leaves.
        const binding = bindingOf(gateway, provider);
        const problem = bindingProblem(tokens.binding, binding);
        if (problem !== undefined) throw new TokenBindingError(problem);
        const response = await client.refreshTokenGrant(provider.config, tokens.refreshToken, provider.tokenParams);
        return { ...storedTokens(response, provider.scope, tokens), binding };
      },
      onFailure: (tokens, error) =>
        error instanceof TokenBindingError
          ? { ...tokens, reconnectNeeded: true, lastError: error.reason }
          : oauthErrorCode(error) === 'invalid_grant'
          ? { ...tokens, reconnectNeeded: true, lastError: tokens.refreshToken ? RECONNECT_REASON : 'no refresh token was issued; the user must consent again' }
          : { ...tokens, lastError: `refresh failed: ${relayErrorIn(error)?.message ?? describeProviderFailure(error)}` },
    };
    try {
      // No caller signal: the flight is shared by every concurrent caller of this (gateway, user).
      const refreshed = await this.#o.vault.refreshUnderLock(ref, refresher);
      if (refreshed === undefined) return { ...entry, tokens: { ...entry.tokens, reconnectNeeded: true, lastError: 'the stored token was removed' } };
      if (refreshed.tokens.lastRefreshedAt !== entry.tokens.lastRefreshedAt) {
        this.#o.logger?.info({ gatewayId: gateway.id, user: ref.user }, 'oauth token refreshed');
      }
      return refreshed;
    } catch (error) {
      if (error instanceof TokenBindingError) {
        this.#o.logger?.warn({ gatewayId: gateway.id, user: ref.user, reason: error.reason }, 'oauth refresh token not sent: the gateway was retargeted; user must reconnect');
        void this.recount(gateway).catch(() => {}); // recount logs its failure
        return { ...entry, tokens: { ...entry.tokens, reconnectNeeded: true, lastError: error.reason } };
      }
      if (oauthErrorCode(error) === 'invalid_grant') {
        this.#o.logger?.warn({ gatewayId: gateway.id, user: ref.user }, 'oauth refresh token rejected; user must reconnect');
        void this.recount(gateway).catch(() => {}); // recount logs its failure
        return { ...entry, tokens: { ...entry.tokens, reconnectNeeded: true, lastError: RECONNECT_REASON } };
      }
      // A transient failure: the current token still works until it actually expires.
      if (!expiresSoon(entry.tokens, Date.now(), 0)) return entry;
      const why = relayErrorIn(error)?.message ?? describeProviderFailure(error);
      throw new UpstreamAuthError({ gatewayId: gateway.id, message: `gateway ${gateway.spec.name}: your token expired and could not be refreshed: ${why}` });
    }
  }

  /**
   * Refreshes a user's token now unless `isFresh` says it already is (judged on the stored record
   * under the refresh lease, so of several replicas only one refreshes). For keeping idle users'
   * refresh tokens alive. Resolves the resulting entry; `invalid_grant` marks it reconnect-needed.
   */
  async refreshIfStale(gateway: GatewayRegistration, user: string, isFresh: (tokens: StoredTokenSet) => boolean): Promise<TokenEntry | undefined> {
    const ref: TokenRef = { namespace: gateway.spec.namespace, gatewayId: gateway.id, user };
    const entry = await this.#o.vault.get(ref);
    if (entry === undefined || entry.tokens.reconnectNeeded || isFresh(entry.tokens)) return entry;
    return this.#refresh(gateway, ref, entry, isFresh);
  }

  async #anyUser(gateway: GatewayRegistration): Promise<TokenEntry> {
    const { entries } = await this.#o.vault.listByGateway(gateway.spec.namespace, gateway.id);
    const usable = entries
      .filter((e) => !e.tokens.reconnectNeeded)
      .sort((a, b) => (b.tokens.lastUsedAt ?? b.tokens.obtainedAt) - (a.tokens.lastUsedAt ?? a.tokens.obtainedAt));
    for (const candidate of usable) {
      try {
        return await this.#forUser(gateway, candidate.ref.user);
      } catch (error) {
        if (!(error instanceof ConsentRequiredError)) throw error;
      }
    }
    for (const e of entries) if (isRetargetReason(e.tokens.lastError)) this.#noteRetargeted(gateway, e.ref.user, e.tokens.lastError!);
    const note = this.consentNote(gateway);
    if (note !== undefined) throw new UpstreamAuthError({ gatewayId: gateway.id, message: note });
    throw new UpstreamAuthError({ gatewayId: gateway.id, message: `gateway ${gateway.spec.name} uses per-user OAuth and no user has authorized it yet; tools are discovered after the first consent` });
  }

  #touch(ref: TokenRef, entry: TokenEntry): void {
    const now = Date.now();
    if (now - (entry.tokens.lastUsedAt ?? 0) < (this.#o.touchIntervalMs ?? 15 * 60_000) || entry.version === '') return;
    const tokens: StoredTokenSet = { ...entry.tokens, lastUsedAt: now };
    // Best effort, compare-and-swap: a concurrent refresh wins and the touch is dropped.
    this.#o.vault.put(ref, tokens, { ifVersion: entry.version }).catch(() => {});
  }

  get #skewMs(): number {
    return this.#o.skewMs ?? 60_000;
  }
}

function consentRequired(gateway: GatewayRegistration, consentUrl: string, lead: string): ConsentRequiredError {
  return new ConsentRequiredError({ gatewayId: gateway.id, consentUrl, message: `${lead} ${consentUrl}` });
}
