/**
 * Per-user OAuth for upstream MCP servers: the consent relay and the credentials it feeds the proxy.
 * Start with {@link createOAuthRelay}.
 */
export { createOAuthRelay, type OAuthRelay, type OAuthRelayOptions, type RelayBinding } from './relay.ts';
export { ProxyError, ERRORS, type OAuthErrorCode, type ProxyErrorCode } from '../errors.ts';
export { OAuthCredentials, RECONNECT_REASON, type OAuthCredentialsOptions } from './user-credentials.ts';
export { ClientCredentialsCache } from './client-credentials.ts';
export { ProviderResolver, providerKind, type ResolvedProvider, type ProviderKind } from './provider.ts';
export { MemoryPendingStore, type PendingStore, type PendingAuthorization } from './pending-store.ts';
export { VaultPendingStore } from './vault-pending-store.ts';
export { issueTicket, verifyTicket, type ConsentTicket, type VerifiedTicket } from './ticket.ts';
export type { BrowserSignIn, BrowserUser } from './browser-sign-in.ts';
export { checkOutboundUrl, guardedFetch, isLoopbackHost, type UrlPolicy } from './url-guard.ts';
export { discoverProtectedResource, resourceMetadataUrl } from './protected-resource.ts';
export { AUTHORIZE_PATH, CALLBACK_PATH } from './consent-routes.ts';
export { startTokenKeeper, type TokenKeeper, type TokenKeeperOptions } from './token-keeper.ts';
