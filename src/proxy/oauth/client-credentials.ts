/**
 * Client-credentials gateways: one shared token per gateway, cached in memory, fetched again
 * `skewMs` before it expires. Concurrent callers share one token request.
 */
import * as client from 'openid-client';
import { expiresSoon, StoredTokenSet } from '../../vault/index.ts';
import type { GatewayRegistration } from '../registry/types.ts';
import { UpstreamAuthError } from '../upstream/credentials.ts';
import { describeProviderFailure, relayErrorIn } from './errors.ts';
import type { ProviderResolver } from './provider.ts';
import { storedTokens } from './token-response.ts';

export class ClientCredentialsCache {
  readonly #resolver: ProviderResolver;
  readonly #skewMs: number;
  readonly #tokens = new Map<string, { specHash: string; tokens?: StoredTokenSet; inFlight?: Promise<StoredTokenSet> }>();

  /** @param skewMs refresh this long before expiry. Defaults to 60 s. */
  constructor(resolver: ProviderResolver, skewMs = 60_000) {
    this.#resolver = resolver;
    this.#skewMs = skewMs;
  }

  async accessToken(gateway: GatewayRegistration): Promise<string> {
    let slot = this.#tokens.get(gateway.id);
    if (slot === undefined || slot.specHash !== gateway.specHash) {
      slot = { specHash: gateway.specHash };
      this.#tokens.set(gateway.id, slot);
    }
    if (slot.tokens !== undefined && !expiresSoon(slot.tokens, Date.now(), this.#skewMs)) return slot.tokens.accessToken;
    const current = slot;
    current.inFlight ??= this.#fetch(gateway).finally(() => {
      current.inFlight = undefined;
    });
    current.tokens = await current.inFlight;
    return current.tokens.accessToken;
  }

  forget(gatewayId: string): void {
    this.#tokens.delete(gatewayId);
  }

  async #fetch(gateway: GatewayRegistration): Promise<StoredTokenSet> {
    let provider;
    try {
      provider = await this.#resolver.resolve(gateway);
    } catch (error) {
      throw new UpstreamAuthError({ gatewayId: gateway.id, message: `gateway ${gateway.spec.name}: ${relayErrorIn(error)?.message ?? 'the OAuth provider could not be resolved'}` });
    }
    const params: Record<string, string> = { ...provider.tokenParams };
    if (provider.scope) params.scope = provider.scope;
    if (gateway.spec.oauth_config?.audience) params.audience = gateway.spec.oauth_config.audience;
    try {
      return StoredTokenSet.parse(storedTokens(await client.clientCredentialsGrant(provider.config, params), provider.scope));
    } catch (error) {
      const why = relayErrorIn(error)?.message ?? describeProviderFailure(error);
      throw new UpstreamAuthError({ gatewayId: gateway.id, message: `gateway ${gateway.spec.name}: client-credentials token request failed: ${why}` });
    }
  }
}
