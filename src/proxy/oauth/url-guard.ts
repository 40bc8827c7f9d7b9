/**
 * Outbound URL policy for provider and upstream requests (SSRF guard):
 *
 * - `allowedHosts`: when non-empty, the host must match one entry (`example.com` exactly, or
 *   `*.example.com` for any subdomain).
 * - Addresses are resolved and every answer checked (classes in address-class.ts, IPv4 embedded in
 *   IPv6 judged as IPv4): private (RFC 1918, fc00::/7), link-local (169.254/16 incl. cloud metadata,
 *   fe80::/10), CGNAT and the cluster's service ranges are refused unless `allowPrivateNetwork`;
 *   loopback (and 0.0.0.0/8, ::) unless `allowLoopback`; multicast, broadcast, reserved and
 *   documentation ranges always.
 * - `http:` is accepted only for loopback hosts (tests, dev) or when `allowInsecureHttp` is set.
 *
 * Resolution is checked before the request; a DNS answer that changes between check and connect
 * (rebinding) is not covered — the allowlist is the stronger control for that.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ProxyError } from '../errors.ts';
import { classifyAddress } from './address-class.ts';

export interface UrlPolicy {
  /** Host patterns allowed; empty = any host. Defaults to []. */
  allowedHosts?: readonly string[];
  /** Allow private, link-local and CGNAT addresses (the gateway's `allow_private_network`). Defaults to false. */
  allowPrivateNetwork?: boolean;
  /** Allow loopback addresses (tests and dev). Defaults to false. */
  allowLoopback?: boolean;
  /** Allow http: to non-loopback hosts. Defaults to false. */
  allowInsecureHttp?: boolean;
  /** Resolves a host name to addresses. Defaults to `dns.lookup` (all addresses). */
  resolve?: (hostname: string) => Promise<string[]>;
}

const systemResolve = async (hostname: string): Promise<string[]> => (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/** True when `hostname` is a loopback name or literal (`localhost`, 127.0.0.0/8, ::1). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return isIP(host) !== 0 && classifyAddress(host) === 'loopback';
}

function hostAllowed(host: string, patterns: readonly string[]): boolean {
  const h = host.toLowerCase();
  return patterns.some((p) => {
    const pattern = p.toLowerCase();
    return pattern.startsWith('*.') ? h.endsWith(pattern.slice(1)) && h.length > pattern.length - 1 : h === pattern;
  });
}

/**
 * Throws `ERR_OAUTH_URL_REFUSED` naming `what` (e.g. `oauth_config.token_url`) and the reason when
 * `url` breaks `policy`; resolves otherwise.
 */
export async function checkOutboundUrl(url: URL | string, policy: UrlPolicy, what: string): Promise<void> {
  const target = typeof url === 'string' ? new URL(url) : url;
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const refuse = (reason: string): never => {
    throw new ProxyError('ERR_OAUTH_URL_REFUSED', `${what} ${target.origin} is refused: ${reason}`);
  };
  if (target.protocol !== 'https:' && target.protocol !== 'http:') refuse('only http(s) URLs are allowed');
  const allowed = policy.allowedHosts ?? [];
  if (allowed.length > 0 && !hostAllowed(host, allowed)) refuse(`host "${host}" is not in the allowlist`);
  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = await (policy.resolve ?? systemResolve)(host);
    } catch (error) {
      return refuse(`host "${host}" does not resolve (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  const classes = new Set(addresses.map(classifyAddress));
  if (classes.has('special')) refuse('it resolves to a special-purpose address (multicast, broadcast, reserved or documentation), never an upstream');
  if (classes.has('loopback') && !policy.allowLoopback) refuse('it resolves to a loopback address (enable loopback for dev and tests only)');
  if (classes.has('private') && !policy.allowPrivateNetwork) refuse('it resolves to a private or link-local address (set allow_private_network on the gateway to permit)');
  if (target.protocol === 'http:' && !(classes.size === 1 && classes.has('loopback')) && !policy.allowInsecureHttp) {
    refuse('plain http is only allowed to loopback hosts');
  }
}

/** A `fetch` that applies {@link checkOutboundUrl} to every request URL before sending it. */
export function guardedFetch(policy: UrlPolicy, what: string, inner: typeof fetch = fetch): typeof fetch {
  return (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    await checkOutboundUrl(url, policy, what);
    return inner(input, init);
  }) as typeof fetch;
}
