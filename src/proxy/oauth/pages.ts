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

/** `headers`: the error's own (e.g. `Retry-After` on 429). */
export function sendErrorPage(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, ...SECURITY_HEADERS });
  res.end(page('Authorization failed', `<p>${escapeHtml(message)}</p><p>Error code: <code>${escapeHtml(code)}</code></p>`));
}

/**
 * Before the browser leaves for the provider: which account is being connected to which gateway,
 * and a Continue button (a same-origin POST carrying the ticket and the session's CSRF token).
 */
export function sendInterstitial(res: ServerResponse, view: { user: string; gatewayName: string; providerOrigin: string; action: string; ticket: string; csrfToken: string }): void {
  res.writeHead(200, SECURITY_HEADERS);
  res.end(page(`Connect ${view.gatewayName}`,
    `<p>You are signed in as <strong>${escapeHtml(view.user)}</strong>.</p>` +
    `<p>Continue to connect <strong>your</strong> account at <code>${escapeHtml(view.providerOrigin)}</code> to the gateway <strong>${escapeHtml(view.gatewayName)}</strong>. ` +
    `Your agents will then act on <strong>${escapeHtml(view.gatewayName)}</strong> as you.</p>` +
    `<form method="post" action="${escapeHtml(view.action)}" data-consent-continue>` +
    `<input type="hidden" name="ticket" value="${escapeHtml(view.ticket)}"><input type="hidden" name="csrf" value="${escapeHtml(view.csrfToken)}">` +
    `<button type="submit">Continue to ${escapeHtml(view.providerOrigin)}</button></form>` +
    `<p><a href="/connections">Cancel</a></p>`));
}

/** A consent link made for one account, opened in a browser signed in as another: nothing happens. */
export function sendWrongAccountPage(res: ServerResponse, view: { signedInAs: string; linkFor: string; gatewayName: string; code: string }): void {
  res.writeHead(403, SECURITY_HEADERS);
  res.end(page('This link is not for your account',
    `<p>You are signed in as <strong>${escapeHtml(view.signedInAs)}</strong>, but this link connects <strong>${escapeHtml(view.gatewayName)}</strong> for the account <strong>${escapeHtml(view.linkFor)}</strong>. Nothing was connected.</p>` +
    `<p>If someone sent you this link, do not use it: finishing it would let their agent act as you. ` +
    `If you are ${escapeHtml(view.linkFor)}, sign out and sign in as ${escapeHtml(view.linkFor)}, then open the link again.</p>` +
    `<p>Error code: <code>${escapeHtml(view.code)}</code></p><p><a href="/connections">Your connections</a></p>`));
}

export function sendRedirect(res: ServerResponse, location: string, cookies: string[] = [], status = 302): void {
  res.writeHead(status, { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', ...(cookies.length ? { 'set-cookie': cookies } : {}) });
  res.end();
}
