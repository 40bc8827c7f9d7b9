/**
 * Origin validation for MCP endpoints (MCP spec, Streamable HTTP "Security Warning": servers MUST
 * validate `Origin` to prevent DNS rebinding). A request without `Origin` (not from a browser)
 * passes; one with an origin not on the list gets 403.
 *
 * Patterns are exact origins (`https://app.example.com`) or with a port wildcard
 * (`http://localhost:*`). `*` alone allows every origin.
 */
import type { IncomingMessage } from 'node:http';
import { ProxyError } from '../errors.ts';

export const DEFAULT_ALLOWED_ORIGINS = ['http://localhost:*', 'http://127.0.0.1:*', 'http://[::1]:*'];

export function originGuard(patterns: readonly string[]): (req: IncomingMessage) => void {
  const any = patterns.includes('*');
  const exact = new Set(patterns.filter((p) => !p.endsWith(':*')));
  const anyPort = patterns.filter((p) => p.endsWith(':*')).map((p) => p.slice(0, -2));
  return (req) => {
    const origin = req.headers.origin;
    if (origin === undefined || any || exact.has(origin)) return;
    const withoutPort = origin.replace(/:\d+$/, '');
    if (anyPort.includes(withoutPort)) return;
    throw new ProxyError('ERR_ORIGIN_NOT_ALLOWED', `origin ${origin.slice(0, 200)} is not allowed to call MCP endpoints (see allowedOrigins)`);
  };
}
