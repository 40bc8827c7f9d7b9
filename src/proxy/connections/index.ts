/**
 * The connections page: each user signs in and sees, connects and disconnects their own upstream
 * authorizations. Start with {@link createConnectionsPage}; see docs/connections.md.
 */
export { createConnectionsPage, type ConnectionsPage, type ConnectionsPageOptions, type ConnectionsBinding } from './page.ts';
export type { ConsentRelay } from './consent-relay.ts';
export { ProxyError, ERRORS, type ProxyErrorCode } from '../errors.ts';
export { LOGIN_CALLBACK_PATH, type OidcLoginOptions } from './login-oidc.ts';
export { DEV_LOGIN_PATH, type DevLoginOptions } from './login-dev.ts';
export { loadConnections, reachableGateways, describeConnection, type ConnectionRow, type ConnectionStatus, type RegistrationsView, type ServerGateways } from './model.ts';
export { PATHS as CONNECTIONS_PATHS } from './view.ts';
