/**
 * What `POST /gateways` checks and waits for beyond the body's schema:
 *
 * - `refuseUnreachableByPolicy`: an upstream URL the proxy's SSRF policy would refuse to connect to
 *   (a loopback or private address without `allow_private_network`) is refused at once with 422
 *   naming the field that fixes it, instead of being stored and failing in the background. A host
 *   that does not resolve (yet) is not refused here: it may resolve later, and the gateway's
 *   `lastError` reports it.
 * - `awaitFirstDiscovery`: the answer waits for the gateway's first discovery (connect, initialize,
 *   list) for at most `FIRST_DISCOVERY_WAIT_MS`, so that the next `GET /tools` sees its tools, as
 *   with ContextForge. When discovery has not finished by then, the answer is the gateway's state as
 *   it is (`lastCheck: null` = still discovering).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayCreate } from '../../contract/wire.ts';
import { ProxyError } from '../errors.ts';
import { checkOutboundUrl } from '../oauth/url-guard.ts';
import type { GatewayRuntime } from '../upstream/gateway-runtime.ts';
import type { UpstreamUrlPolicy } from '../upstream/session.ts';

/** How long `POST /gateways` waits for the first discovery before answering. */
export const FIRST_DISCOVERY_WAIT_MS = 10_000;

async function refused(url: string, allowLoopback: boolean, allowPrivateNetwork: boolean): Promise<boolean> {
  return checkOutboundUrl(url, { allowLoopback, allowPrivateNetwork, allowInsecureHttp: true }, 'url').then(
    () => false,
    () => true,
  );
}

/** Throws 422 naming `allow_private_network` when `policy` would refuse the upstream's address. */
export async function refuseUnreachableByPolicy(spec: GatewayCreate, policy: UpstreamUrlPolicy | undefined): Promise<void> {
  if (!policy || spec.allow_private_network) return;
  if (await refused(spec.url, true, true)) return; // not resolvable (yet) or not http(s): reported by the gateway's lastError
  const loopback = await refused(spec.url, policy.allowLoopback ?? false, true);
  const privateNet = !loopback && (await refused(spec.url, true, policy.allowPrivateNetwork ?? false));
  if (!loopback && !privateNet) return;
  const where = loopback ? 'a loopback address' : 'a private or link-local address';
  const message = `url ${new URL(spec.url).origin} resolves to ${where}, which this proxy connects to only when the gateway allows it: set "allow_private_network": true (McpGateway spec.allowPrivateNetwork)`;
  throw new ProxyError('ERR_VALIDATION', `invalid gateway: allow_private_network: ${message}`, { details: [{ path: 'allow_private_network', message }] });
}

/** Resolves when `runtime`'s first discovery has finished (successfully or not), or after `ms`. */
export async function awaitFirstDiscovery(runtime: GatewayRuntime | undefined, ms = FIRST_DISCOVERY_WAIT_MS): Promise<void> {
  if (!runtime || runtime.discovered) return;
  const timer = new AbortController();
  // `refresh()` joins the discovery `start()` began (single flight).
  await Promise.race([runtime.refresh().catch(() => {}), sleep(ms, undefined, { signal: timer.signal, ref: false }).catch(() => {})]);
  timer.abort();
}
