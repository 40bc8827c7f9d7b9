/**
 * The page's cookies. Names and attributes follow from the public URL's scheme:
 *
 * - `https:` → `__Host-mcp-gitops-session` with `Secure; Path=/` and no `Domain` (the `__Host-`
 *   prefix makes the browser enforce exactly that, so no subdomain can plant or read it).
 * - `http:` (plain-http dev on loopback) → `mcp-gitops-session` without `Secure`: a `__Host-`
 *   cookie must be `Secure`, and a `Secure` cookie is not stored from an http origin by every
 *   browser, so the prefix cannot be used there.
 *
 * Always `HttpOnly; SameSite=Lax`. No `Max-Age`: the cookie lives for the browser session and the
 * server-side idle timeout decides when it stops working.
 */
import type { IncomingMessage } from 'node:http';

export interface CookieNames {
  session: string;
  /** Binds a sign-in in progress to the browser that started it (login CSRF). */
  login: string;
  /** Where to go after signing in (a consent link opened without a session). */
  returnTo: string;
  secure: boolean;
}

/** Cookie names and the `Secure` attribute for a public base URL. */
export function cookieNames(publicUrl: string): CookieNames {
  const secure = new URL(publicUrl).protocol === 'https:';
  const prefix = secure ? '__Host-' : '';
  return { session: `${prefix}mcp-gitops-session`, login: `${prefix}mcp-gitops-login`, returnTo: `${prefix}mcp-gitops-return`, secure };
}

/** The value of cookie `name` in the request, or undefined. The first occurrence wins. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** A `Set-Cookie` value; `value: undefined` expires the cookie; `maxAgeSeconds` bounds its life. */
export function setCookie(names: Pick<CookieNames, 'secure'>, name: string, value: string | undefined, maxAgeSeconds?: number): string {
  const attributes = ['Path=/', 'HttpOnly', 'SameSite=Lax', ...(names.secure ? ['Secure'] : [])];
  if (value === undefined) attributes.push('Max-Age=0');
  else if (maxAgeSeconds !== undefined) attributes.push(`Max-Age=${Math.max(1, Math.floor(maxAgeSeconds))}`);
  return [`${name}=${value ?? ''}`, ...attributes].join('; ');
}
