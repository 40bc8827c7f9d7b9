/**
 * How the page answers: every HTML response carries the same strict security headers; every
 * state change answers `303 See Other` (post/redirect/get); request bodies are small URL-encoded
 * forms, read with a hard size limit.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProxyError } from '../errors.ts';
import type { SafeHtml } from './html.ts';

/** Largest form body accepted. 8 KiB: the forms carry a gateway id and a CSRF token. */
export const MAX_FORM_BYTES = 8 * 1024;

/**
 * The headers of every page. `styleSha256` is the base64 SHA-256 of the page's one inline
 * `<style>` element, so no other style (and no script at all) can run.
 */
export function securityHeaders(styleSha256: string): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': `default-src 'none'; style-src 'sha256-${styleSha256}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
  };
}

/** base64 SHA-256 of a style sheet, as CSP `'sha256-…'` wants it. */
export function styleHash(css: string): string {
  return createHash('sha256').update(css, 'utf8').digest('base64');
}

export function sendPage(res: ServerResponse, status: number, body: SafeHtml, headers: Record<string, string>, cookies: string[] = []): void {
  const text = body.toString();
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(text), ...(cookies.length ? { 'set-cookie': cookies } : {}) });
  res.end(text);
}

/** `303 See Other` to a same-origin path or an absolute URL, with optional cookies. */
export function redirect(res: ServerResponse, location: string, cookies: string[] = []): void {
  res.writeHead(303, { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', ...(cookies.length ? { 'set-cookie': cookies } : {}) });
  res.end();
}

/** Reads an `application/x-www-form-urlencoded` body of at most {@link MAX_FORM_BYTES}. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new ProxyError('ERR_CONNECTIONS_FORM', `the form must be sent as application/x-www-form-urlencoded, not "${type.slice(0, 60) || 'nothing'}"`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new ProxyError('ERR_CONNECTIONS_FORM', `the form is larger than ${MAX_FORM_BYTES} bytes`);
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
