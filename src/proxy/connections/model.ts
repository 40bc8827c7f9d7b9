/**
 * What the page shows: for one user, every per-user OAuth gateway they may reach through a virtual
 * server, and the state of their own authorization for it. Only metadata leaves the vault record
 * here; a token never does.
 *
 * "May reach" follows the agent path exactly: a server whose `access` admits the user (empty lists
 * admit everyone), and a gateway that server draws tools from (its `tool_selectors`, or tools it
 * resolved). Gateways with static credentials or client credentials need nothing from the user
 * and are not listed.
 */
import { isVaultError, type TokenEntry, type TokenRef, type TokenVault } from '../../vault/index.ts';
import { mayAccess } from '../mcp/agent-auth.ts';
import type { AgentIdentity, GatewayRegistration, ServerRegistration } from '../registry/types.ts';

/** A virtual server and the gateways it draws tools from. */
export interface ServerGateways {
  server: ServerRegistration;
  gatewayIds: readonly string[];
}

/** A snapshot of what the proxy serves (see `ProxyHandle.registrations()`). */
export interface RegistrationsView {
  gateways: readonly GatewayRegistration[];
  servers: readonly ServerGateways[];
}

export type ConnectionStatus = 'connected' | 'not-connected' | 'reconnect-needed' | 'expired' | 'unreadable';

export interface ConnectionRow {
  gatewayId: string;
  name: string;
  description: string | undefined;
  /** Names of the virtual servers through which this user reaches the gateway. */
  servers: string[];
  status: ConnectionStatus;
  /** Epoch ms; absent when not connected or the provider gave no lifetime. */
  expiresAt?: number;
  obtainedAt?: number;
  lastRefreshedAt?: number;
  lastUsedAt?: number;
  scopes: string[];
  /** Plain words for the person: why it needs attention. Never a token or a provider body. */
  problem?: string;
}

export const RECONNECT_HEADLINE = 'Reconnect needed: the provider no longer accepts the saved authorization. Connect again.';

/** True for gateways whose users each authorize themselves (auth_type oauth, authorization_code). */
export function isPerUserOAuth(gateway: GatewayRegistration): boolean {
  const s = gateway.spec;
  return s.auth_type === 'oauth' && (s.oauth_config?.grant_type ?? 'authorization_code') === 'authorization_code';
}

/** The per-user OAuth gateways `identity` may reach, sorted by name, each with the servers that lead there. */
export function reachableGateways(view: RegistrationsView, identity: AgentIdentity): Array<{ gateway: GatewayRegistration; servers: string[] }> {
  const byId = new Map(view.gateways.map((g) => [g.id, g]));
  const found = new Map<string, { gateway: GatewayRegistration; servers: Set<string> }>();
  for (const { server, gatewayIds } of view.servers) {
    if (!mayAccess(server.spec.access, identity)) continue;
    for (const id of gatewayIds) {
      const gateway = byId.get(id);
      if (gateway === undefined || !isPerUserOAuth(gateway)) continue;
      const slot = found.get(id) ?? { gateway, servers: new Set<string>() };
      slot.servers.add(server.spec.name);
      found.set(id, slot);
    }
  }
  return [...found.values()]
    .map(({ gateway, servers }) => ({ gateway, servers: [...servers].sort() }))
    .sort((a, b) => a.gateway.spec.name.localeCompare(b.gateway.spec.name) || a.gateway.id.localeCompare(b.gateway.id));
}

/** The vault reference of `user`'s token for `gateway`. */
export function tokenRef(gateway: GatewayRegistration, user: string): TokenRef {
  return { namespace: gateway.spec.namespace, gatewayId: gateway.id, user };
}

/**
 * One row from a gateway and what the vault holds for the user: an entry, nothing, or an error
 * (a record that does not open). Pure.
 */
export function describeConnection(gateway: GatewayRegistration, servers: string[], stored: TokenEntry | undefined | Error, now: number): ConnectionRow {
  const base = { gatewayId: gateway.id, name: gateway.spec.name, description: gateway.spec.description || undefined, servers };
  if (stored instanceof Error) {
    return { ...base, status: 'unreadable', scopes: [], problem: 'The saved authorization can no longer be opened (it was sealed with a key this proxy does not hold, or it was damaged). Connect again to replace it.' };
  }
  if (stored === undefined) return { ...base, status: 'not-connected', scopes: [] };
  const t = stored.tokens;
  const times = {
    ...(t.expiresAt !== undefined ? { expiresAt: t.expiresAt } : {}),
    obtainedAt: t.obtainedAt,
    ...(t.lastRefreshedAt !== undefined ? { lastRefreshedAt: t.lastRefreshedAt } : {}),
    ...(t.lastUsedAt !== undefined ? { lastUsedAt: t.lastUsedAt } : {}),
  };
  if (t.reconnectNeeded) {
    return { ...base, ...times, status: 'reconnect-needed', scopes: t.scopes, problem: `Reason: ${plainReason(t.lastError)}` };
  }
  if (t.expiresAt !== undefined && t.expiresAt <= now && !t.refreshToken) {
    return { ...base, ...times, status: 'expired', scopes: t.scopes, problem: 'The authorization has expired and the provider gave no way to renew it. Connect again.' };
  }
  const row: ConnectionRow = { ...base, ...times, status: 'connected', scopes: t.scopes };
  if (t.lastError) row.problem = `The last renewal did not work (${plainReason(t.lastError)}). The current authorization keeps working until it expires; the gateway tries again on the next call.`;
  return row;
}

/** The vault's reason in words a person can act on. */
export function plainReason(lastError: string | undefined): string {
  if (lastError === undefined || lastError === '') return 'the provider refused to renew it.';
  if (/invalid_grant/.test(lastError)) return 'the provider refused to renew it. It may have expired, been revoked, or access was removed in your account settings at the provider.';
  if (/no refresh token/.test(lastError)) return 'the provider did not allow the authorization to be renewed.';
  if (/removed/.test(lastError)) return 'the saved authorization was removed.';
  return lastError.endsWith('.') ? lastError : `${lastError}.`;
}

const UNREADABLE = new Set(['ERR_VAULT_DECRYPT', 'ERR_VAULT_UNKNOWN_KID', 'ERR_VAULT_RECORD_MALFORMED', 'ERR_VAULT_STALE_RECORD']);

/** Every row for `identity`: one vault read per reachable gateway. */
export async function loadConnections(
  vault: TokenVault,
  view: RegistrationsView,
  identity: AgentIdentity,
  now = Date.now(),
  /** Checks a stored entry against where the gateway points now (a retargeted gateway's record turns reconnect-needed). */
  checkBinding?: (gateway: GatewayRegistration, entry: TokenEntry) => Promise<TokenEntry>,
): Promise<ConnectionRow[]> {
  return Promise.all(
    reachableGateways(view, identity).map(async ({ gateway, servers }) => {
      let stored: TokenEntry | undefined | Error;
      try {
        stored = await vault.get(tokenRef(gateway, identity.user));
      } catch (error) {
        // A record that does not open is this user's problem to fix (connect again); a backend
        // outage is not, and fails the page instead of showing everyone "unreadable".
        if (!isVaultError(error) || !UNREADABLE.has(error.code)) throw error;
        stored = error;
      }
      // A provider that cannot be resolved right now leaves the row as stored.
      if (stored !== undefined && !(stored instanceof Error) && checkBinding) stored = await checkBinding(gateway, stored).catch(() => stored as TokenEntry);
      return describeConnection(gateway, servers, stored, now);
    }),
  );
}
