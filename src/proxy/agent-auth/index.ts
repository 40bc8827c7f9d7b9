/** Incoming agent authentication helpers: OIDC/JWKS verification and RFC 9728 metadata. */
export { createOidcAgentVerifier, resolveJwksUri, AgentTokenError, type OidcAgentAuthOptions } from './oidc-verifier.ts';
export { protectedResourceRoutes, bearerChallenge, metadataUrl, METADATA_PATH, type ProtectedResourceOptions } from './protected-resource-metadata.ts';
