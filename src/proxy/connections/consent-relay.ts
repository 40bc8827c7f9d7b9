import type * as client from 'openid-client';
import type { StoredTokenSet, TokenEntry } from '../../vault/index.ts';
import type { GatewayRegistration } from '../registry/types.ts';

/** What the page needs from the OAuth relay (`createOAuthRelay()` satisfies it). */
export interface ConsentRelay {
  /** A consent link for `user` on the gateway; `returnTo` (a same-origin path) is where the browser lands afterwards. */
  consentUrl(gatewayId: string, user: string, options?: { returnTo?: string }): Promise<string>;
  /** The gateway's provider, for RFC 7009 revocation on Disconnect. Without it Disconnect only deletes the record. */
  resolveProvider?(gateway: GatewayRegistration): Promise<{ config: client.Configuration; tokenParams: Record<string, string> }>;
  /** Recounts the gateway's consented users after a Disconnect (the proxy's `authorizedUsers`). */
  readonly credentials?: {
    recount?(gateway: GatewayRegistration): Promise<unknown>;
    /** The entry checked against where the gateway points now (reconnect-needed when it was retargeted). */
    checkBinding?(gateway: GatewayRegistration, entry: TokenEntry): Promise<TokenEntry>;
    /** Why `tokens` must not be sent for the gateway as configured now; stores nothing. */
    bindingProblem?(gateway: GatewayRegistration, tokens: StoredTokenSet): Promise<string | undefined>;
  };
}
