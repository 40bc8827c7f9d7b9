/**
 * Keeps idle users' refresh tokens alive. Providers expire a refresh token that is not used for a
 * while (Atlassian: 90 days of inactivity, reset by each rotation), so a user who has not called a
 * tool for months would have to consent again. Periodically, every per-user token not refreshed for
 * `refreshAfterMs` is refreshed once — through the same cross-replica lease as tool calls, so with
 * several replicas running the keeper each token is still refreshed exactly once.
 *
 * @example
 *   const keeper = startTokenKeeper({ credentials: relay.credentials, vault, gateways: () => proxy.registrations().gateways });
 *   await keeper.stop();
 */
import type { Logger } from 'pino';
import type { StoredTokenSet, TokenEntry, TokenVault } from '../../vault/index.ts';
import type { GatewayRegistration } from '../registry/types.ts';
import type { OAuthCredentials } from './user-credentials.ts';

export interface TokenKeeperOptions {
  credentials: OAuthCredentials;
  vault: TokenVault;
  /** The gateways registered now. */
  gateways: () => readonly GatewayRegistration[];
  /** Refresh tokens whose last refresh (or consent) is older than this. Defaults to 7 days. */
  refreshAfterMs?: number;
  /** How often to look. Defaults to 1 hour. 0 = never on a timer (call `runOnce`). */
  intervalMs?: number;
  logger?: Logger;
}

export interface TokenKeeper {
  /** One pass over every per-user gateway; counts what it did. */
  runOnce(): Promise<{ refreshed: number; reconnectNeeded: number; failed: number }>;
  stop(): Promise<void>;
}

export function startTokenKeeper(options: TokenKeeperOptions): TokenKeeper {
  const refreshAfterMs = options.refreshAfterMs ?? 7 * 24 * 3600_000;
  let running: Promise<unknown> | undefined;
  /** Refreshes one listed record when it is due; counts what happened in `result`. */
  const keep = async (gateway: GatewayRegistration, listed: TokenEntry, result: { refreshed: number; reconnectNeeded: number; failed: number }) => {
    let entry;
    try {
      // A gateway retargeted since the consent: the record turns reconnect-needed, nothing is sent.
      entry = await options.credentials.checkBinding(gateway, listed);
    } catch {
      result.failed++;
      return;
    }
    if (entry.tokens.reconnectNeeded) {
      if (!listed.tokens.reconnectNeeded) result.reconnectNeeded++;
      return;
    }
    if (!entry.tokens.refreshToken) return;
    const isFresh = (t: StoredTokenSet) => Date.now() - (t.lastRefreshedAt ?? t.obtainedAt) < refreshAfterMs;
    if (isFresh(entry.tokens)) return;
    try {
      const after = await options.credentials.refreshIfStale(gateway, entry.ref.user, isFresh);
      if (after?.tokens.reconnectNeeded) result.reconnectNeeded++;
      else if (after && after.tokens.lastRefreshedAt !== entry.tokens.lastRefreshedAt) result.refreshed++;
    } catch {
      result.failed++;
    }
  };
  const runOnce = async () => {
    const result = { refreshed: 0, reconnectNeeded: 0, failed: 0 };
    for (const gateway of options.gateways()) {
      const oauth = gateway.spec.oauth_config;
      if (gateway.spec.auth_type !== 'oauth' || oauth?.grant_type !== 'authorization_code') continue;
      try {
        // A page of records at a time (vault LIST_PAGE_SIZE): the pass never holds every user's tokens.
        for await (const listed of options.vault.entriesByGateway(gateway.spec.namespace, gateway.id)) await keep(gateway, listed, result);
      } catch {
        result.failed++; // listing failed part-way: the next pass covers the gateway again
      }
    }
    if (result.refreshed + result.reconnectNeeded + result.failed > 0) options.logger?.info(result, 'oauth token keeper pass');
    return result;
  };
  const timer =
    (options.intervalMs ?? 3600_000) > 0
      ? setInterval(() => {
          running ??= runOnce().finally(() => (running = undefined));
        }, options.intervalMs ?? 3600_000)
      : undefined;
  timer?.unref();
  return {
    runOnce,
    async stop() {
      if (timer) clearInterval(timer);
      await running?.catch(() => {}); // stop only waits for a pass in flight; runOnce counts and logs its failures
    },
  };
}
