/**
 * The small HTML pages the browser sees at the end of a consent flow. No token, code or state is
 * ever rendered; every dynamic value is escaped; no scripts, no external resources.
 */
import type { ServerResponse } from 'node:http';

const SECURITY_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    `<style>body{font:16px system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}code{background:#eee;padding:0 .2em}</style>` +
    `</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>\n`;
}

export function sendSuccessPage(res: ServerResponse, gatewayName: string): void {
  res.writeHead(200, SECURITY_HEADERS);
  res.end(page('Connected', `<p>You have authorized <strong>${escapeHtml(gatewayName)}</strong>. You can close this tab and go back to your agent.</p>`));
}

export function sendErrorPage(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, SECURITY_HEADERS);
  res.end(page('Authorization failed', `<p>${escapeHtml(message)}</p><p>Error code: <code>${escapeHtml(code)}</code></p>`));
}

export function sendRedirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  res.end();
}
