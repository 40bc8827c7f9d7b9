import type { AgentIdentity } from '../registry/types.ts';

/** How agents authenticate. Exactly one of the three. */
export type AgentAuthOptions =
  | {
      /** Shared secret for HS256 agent JWTs (≥ 32 bytes). The user is `sub`; groups come from `groups`. */
      hs256Secret: string | Uint8Array;
      /** Expected `iss`, when set. */
      issuer?: string;
      /** Expected `aud`, when set. */
      audience?: string;
    }
  | {
      /**
       * Verifies an agent bearer token and names its user, or throws (→ 401 `invalid_token`).
       * E.g. `createOidcAgentVerifier` from `./agent-auth/` (OIDC issuer + JWKS, audience checked).
       */
      verify: (token: string) => Promise<AgentIdentity>;
    }
  | {
      /** Serve agents without authentication (every caller is user "anonymous"). Logged loudly at start. */
      insecureNoAuth: true;
    };
