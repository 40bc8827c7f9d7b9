/**
 * `startProxy()`: the data plane in one call — agent listener (MCP endpoints, `/tools/invoke`,
 * health, metrics, extra routes such as the OAuth relay's) and admin listener (the admin API).
 *
 * @example
 * const proxy = await startProxy({ port: 0, adminToken: 'secret', agentAuth: { hs256Secret } });
 * console.log(proxy.url, proxy.adminUrl);
 * await proxy.close();
 */
export type { AgentAuthOptions } from './agent-auth/options.ts';
export type { ExtraRoute } from './http/extra-route.ts';
export type { ProxyHandle, ProxyOptions } from './options.ts';
export { startProxy } from './runtime.ts';
