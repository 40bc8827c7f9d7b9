import type { AgentIdentity } from '../registry/types.ts';

/** The `iss` and `aud` HS256 agent tokens carry unless configured otherwise (`mcp-gitops token` sets them). */
export const HS256_DEFAULT_ISSUER = 'mcp-gitops';
export const HS256_DEFAULT_AUDIENCE = 'mcp-gitops';

/** How agents authenticate. Exactly one of the three. */
export type AgentAuthOptions =
  | {
      /**
       * Shared secret for HS256 agent JWTs (≥ 32 bytes; dev and small installs — the shipped manifest
       * uses OIDC). The user is `sub`; groups come from `groups`. `exp`, `iss` and `aud` are required.
       */
      hs256Secret: string | Uint8Array;
      /** Expected `iss`. Defaults to {@link HS256_DEFAULT_ISSUER}. */
      issuer?: string;
      /** Expected `aud`. Defaults to {@link HS256_DEFAULT_AUDIENCE}. */
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
