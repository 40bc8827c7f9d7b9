/**
 * `Host` validation for agent endpoints (MCP spec, Streamable HTTP "Security Warning": DNS
 * rebinding). A rebinding page reaches the proxy under the attacker's own DNS name, so that name is
 * what its `Host` carries — with or without an `Origin`. A request whose host name (port ignored)
 * is not allowed gets 403 `ERR_HOST_NOT_ALLOWED`.
 *
 * Patterns: exact names (`mcp.example.com`), subdomain globs (`*.example.com`), IP literals, or `*`
 * (no check). Matching is case-insensitive.
 *
 * Defaults (`defaultAllowedHosts`): the public URL's host, loopback names (`localhost`,
 * `127.0.0.1`, `[::1]`), and — when the listener is not bound to loopback, i.e. it is meant to be
 * reached over a network — any IP literal plus in-cluster names (single-label Service names,
 * `*.svc`, `*.svc.cluster.local`). None of these can be a rebinding attacker's name: rebinding
 * needs a DNS name the attacker controls, and an IP literal or a cluster-local name is not one.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { ProxyError } from '../errors.ts';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
/** Names only in-cluster resolvers answer: single-label Service names and the Service DNS suffixes. */
const CLUSTER_NAMES = ['<single-label>', '*.svc', '*.svc.cluster.local'];
const ANY_IP = '<ip-literal>';

/** The allowed hosts when none are configured, from the listen address and the public URL. */
export function defaultAllowedHosts(listenHost: string, publicUrl: string | undefined): string[] {
  const hosts = [...LOOPBACK_NAMES];
  if (publicUrl) hosts.push(new URL(publicUrl).hostname.toLowerCase());
  const bare = listenHost.replace(/^\[|\]$/g, '');
  const loopback = bare === 'localhost' || bare === '::1' || bare.startsWith('127.');
  if (!loopback) hosts.push(ANY_IP, ...CLUSTER_NAMES);
  return [...new Set(hosts)];
}

/** The host name of a `Host` header value, lower-cased, port removed; IPv6 literals keep brackets. */
function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.indexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

function matches(name: string, pattern: string): boolean {
  if (pattern === ANY_IP) return isIP(name.replace(/^\[|\]$/g, '')) !== 0;
  if (pattern === '<single-label>') return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) && isIP(name) === 0;
  if (pattern.startsWith('*.')) return name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1;
  return name === pattern;
}

/** A check that throws 403 `ERR_HOST_NOT_ALLOWED` for a `Host` not matching `patterns`. */
export function hostGuard(patterns: readonly string[]): (req: IncomingMessage) => void {
  const lowered = patterns.map((p) => p.toLowerCase());
  if (lowered.includes('*')) return () => {};
  return (req) => {
    const header = req.headers.host;
    if (header === undefined || header === '') throw new ProxyError('ERR_HOST_NOT_ALLOWED', 'the request has no Host header');
    const name = hostName(header);
    if (lowered.some((p) => matches(name, p))) return;
    throw new ProxyError('ERR_HOST_NOT_ALLOWED', `host ${name.slice(0, 200)} is not allowed to call MCP endpoints (DNS rebinding protection; see allowedHosts / --allowed-host)`);
  };
}
