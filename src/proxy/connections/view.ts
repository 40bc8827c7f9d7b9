/**
 * The page's HTML: a layout with landmarks and a skip link, the signed-out page, the list of
 * connections, and the error page. Every dynamic value goes through `html\`…\`` (escaped). Forms
 * are plain POST forms with real buttons, Connect is a link; nothing needs a script or a mouse.
 */
import { html, SafeHtml } from './html.ts';
import { RECONNECT_HEADLINE, type ConnectionRow } from './model.ts';
import { STYLE } from './style.ts';
import { relativeTime, utcTime } from './time-words.ts';

export const PATHS = {
  page: '/connections',
  login: '/connections/login',
  logout: '/connections/logout',
  connect: '/connections/connect',
  disconnect: '/connections/disconnect',
} as const;

function layout(title: string, main: SafeHtml, header: SafeHtml | undefined = undefined): SafeHtml {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer">
<title>${title} &middot; mcp-gitops</title><style>${rawStyle}</style></head>
<body><a class="skip" href="#main">Skip to main content</a>
<header><p>mcp-gitops</p>${header}</header>
<main id="main" tabindex="-1">${main}</main>
</body></html>
`;
}

// The style sheet is a constant of ours (no interpolation); its hash is in the CSP.
const rawStyle = new SafeHtml(STYLE);

function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${token}">`;
}

/** The page for a browser without a session. */
export function signedOutPage(notice?: string): SafeHtml {
  return layout(
    'Sign in',
    html`<h1>Your connections</h1>
<p>Here you see which services your agents reach on your behalf, and connect or disconnect your own account for each of them.</p>
${notice ? html`<p class="notice notice-problem" role="alert">${notice}</p>` : undefined}
<p><a class="button" href="${PATHS.login}">Sign in</a></p>`,
  );
}

export interface ConnectionsPageModel {
  user: string;
  csrfToken: string;
  rows: ConnectionRow[];
  flash?: { kind: 'ok' | 'problem'; text: string } | undefined;
  now: number;
}

function when(at: number | undefined, now: number, never: string): SafeHtml {
  if (at === undefined) return html`${never}`;
  return html`<time datetime="${new Date(at).toISOString()}">${relativeTime(at, now)}</time> <span class="utc">(${utcTime(at)})</span>`;
}

const STATUS_WORDS: Record<ConnectionRow['status'], string> = {
  connected: 'Connected',
  'not-connected': 'Not connected',
  'reconnect-needed': RECONNECT_HEADLINE,
  expired: 'Expired: connect again.',
  unreadable: 'Reconnect needed: the saved authorization cannot be read.',
};

function row(r: ConnectionRow, csrfToken: string, now: number): SafeHtml {
  const anchor = `gateway-${r.gatewayId}`;
  const connected = r.status !== 'not-connected';
  const details = connected
    ? html`<dl>
<dt>${r.expiresAt !== undefined && r.expiresAt <= now ? 'Access expired' : 'Access expires'}</dt><dd>${when(r.expiresAt, now, 'no expiry given by the provider')}</dd>
<dt>Connected</dt><dd>${when(r.obtainedAt, now, 'unknown')}</dd>
<dt>Last refreshed</dt><dd>${when(r.lastRefreshedAt, now, 'not yet')}</dd>
<dt>Last used</dt><dd>${when(r.lastUsedAt, now, 'not yet')}</dd>
<dt>Permissions granted</dt><dd>${r.scopes.length ? r.scopes.join(', ') : 'none listed by the provider'}</dd>
<dt>Used by</dt><dd>${r.servers.join(', ')}</dd>
</dl>`
    : html`<dl><dt>Used by</dt><dd>${r.servers.join(', ')}</dd></dl>`;
  const needsConnect = r.status !== 'connected';
  const actions = html`<div class="actions">
${needsConnect ? html`<a class="button" href="${PATHS.connect}/${r.gatewayId}">Connect<span class="vh"> ${r.name}</span></a>` : undefined}
${connected ? html`<form method="post" action="${PATHS.disconnect}">${csrfField(csrfToken)}<input type="hidden" name="gateway" value="${r.gatewayId}"><button type="submit" class="secondary">Disconnect<span class="vh"> ${r.name}</span></button></form>` : undefined}
</div>`;
  return html`<li><article id="${anchor}" aria-labelledby="${anchor}-name" data-status="${r.status}">
<h2 id="${anchor}-name">${r.name}</h2>
${r.description ? html`<p class="desc">${r.description}</p>` : undefined}
<p class="state state-${r.status}">${STATUS_WORDS[r.status]}</p>
${r.problem ? html`<p class="problem">${r.problem}</p>` : undefined}
${details}
${actions}
</article></li>`;
}

/** The signed-in page: every connection of the user. */
export function connectionsPage(m: ConnectionsPageModel): SafeHtml {
  const header = html`<nav aria-label="Account"><span>Signed in as <strong>${m.user}</strong></span>
<form method="post" action="${PATHS.logout}">${csrfField(m.csrfToken)}<button type="submit" class="secondary">Sign out</button></form></nav>`;
  const list = m.rows.length
    ? html`<ul class="connections">${m.rows.map((r) => row(r, m.csrfToken, m.now))}</ul>`
    : html`<p>None of the services you can use needs your own authorization.</p>`;
  return layout(
    'Your connections',
    html`<h1>Your connections</h1>
<p>Your agents reach these services on your behalf. Connect once for each; the gateway keeps your authorization encrypted and uses it only for your own calls. It never shows the authorization itself.</p>
${m.flash ? html`<p class="notice notice-${m.flash.kind}" role="status">${m.flash.text}</p>` : undefined}
${list}`,
    header,
  );
}

/** An error page: what went wrong in plain words, the stable code, and the way back. */
export function errorPage(title: string, message: string, code: string): SafeHtml {
  return layout(
    title,
    html`<h1>${title}</h1>
<p role="alert">${message}</p>
<p>Error code: <code>${code}</code></p>
<p><a href="${PATHS.page}">Back to your connections</a></p>`,
  );
}
