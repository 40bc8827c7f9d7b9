/**
 * CSRF defence for the page's forms, two independent checks on every POST:
 *
 * 1. Origin: when the browser says where the request comes from, it must be the page's own origin
 *    (`Sec-Fetch-Site: same-origin`, or without it `Origin` equal to the public URL's origin).
 *    Two loopback ports are the same *site* (so `SameSite=Lax` alone does not stop them), but
 *    they are different origins.
 * 2. Synchronizer token: the form's `csrf` field must equal the session's token, compared in
 *    constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ProxyError } from '../errors.ts';

/**
 * Throws `ERR_CONNECTIONS_CROSS_ORIGIN` when the request says it comes from another origin.
 *
 * `Sec-Fetch-Site` decides when present (it must be `same-origin`). Otherwise `Origin` must equal
 * the page's origin. The page's own `Referrer-Policy: no-referrer` makes browsers send
 * `Origin: null` on its form posts, so `null` without `Sec-Fetch-Site` cannot be told apart from a
 * sandboxed frame elsewhere and is refused. No header at all (not a browser) is left to the token.
 */
export function checkSameOrigin(req: IncomingMessage, publicOrigin: string): void {
  const site = req.headers['sec-fetch-site'];
  const origin = req.headers.origin;
  const sameOrigin = site !== undefined ? site === 'same-origin' : origin === undefined || origin === publicOrigin;
  if (!sameOrigin) throw new ProxyError('ERR_CONNECTIONS_CROSS_ORIGIN', 'this form was sent from another site, so it was refused; use the buttons on this page');
}

/**
 * For GET actions that start something (Connect): refuses navigations another site started
 * (`Sec-Fetch-Site: cross-site` or `same-site`). A link opened from the page, typed, bookmarked
 * or opened from another application (`same-origin`, `none`) passes; so does a browser that sends
 * no fetch metadata.
 */
export function checkNotCrossSite(req: IncomingMessage): void {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') {
    throw new ProxyError('ERR_CONNECTIONS_CROSS_ORIGIN', 'this link was opened from another site, so it was not followed; use the Connect button on this page');
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** True when `submitted` equals `expected`; constant time in the token's content. */
export function csrfTokenMatches(submitted: string | null, expected: string): boolean {
  if (submitted === null || submitted.length === 0) return false;
  return timingSafeEqual(digest(submitted), digest(expected));
}

/** Throws `ERR_CONNECTIONS_CSRF` unless the form carries the session's token. */
export function checkCsrfToken(form: URLSearchParams, expected: string): void {
  if (!csrfTokenMatches(form.get('csrf'), expected)) {
    throw new ProxyError('ERR_CONNECTIONS_CSRF', 'this form has expired or did not come from this page, so nothing was changed; reload the page and try again');
  }
}
