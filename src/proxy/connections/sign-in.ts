/**
 * The page's sign-in as the consent relay sees it ({@link BrowserSignIn}): who is signed in at a
 * browser, where a browser without a session goes to sign in (and comes back to afterwards), and
 * the page's cookie and CSRF rules for the relay's Continue form.
 *
 * The way back is a short-lived cookie holding the consent link's path; only paths of the relay's
 * authorize route are accepted, so it cannot send anyone elsewhere.
 */
import type { IncomingMessage } from 'node:http';
import type { BrowserSignIn } from '../oauth/browser-sign-in.ts';
import { cookieNames, readCookie, setCookie, type CookieNames } from './cookies.ts';
import { checkCsrfToken, checkSameOrigin } from './csrf.ts';
import { ProxyError } from '../errors.ts';
import { readForm } from './respond.ts';
import type { SessionStore } from './session-store.ts';
import { PATHS } from './view.ts';

/** Consent links the page sends a browser back to after sign-in. */
const RETURN_PREFIX = '/oauth/authorize/';
const RETURN_MAX_LENGTH = 2048;
/** How long the way back is kept while the user signs in. */
const RETURN_TTL_SECONDS = 600;

export function isConsentReturnPath(value: string | undefined): value is string {
  return value !== undefined && value.length <= RETURN_MAX_LENGTH && value.startsWith(RETURN_PREFIX) && /^[\x21-\x7e]*$/.test(value) && !value.includes('\\');
}

/** The path a signed-in browser goes back to (and clears), or undefined. */
export function pendingReturn(req: IncomingMessage, names: CookieNames): string | undefined {
  const raw = readCookie(req, names.returnTo);
  if (raw === undefined) return undefined;
  let value: string | undefined;
  try {
    value = decodeURIComponent(raw);
  } catch {
    value = undefined;
  }
  return isConsentReturnPath(value) ? value : undefined;
}

export function browserSignIn(sessions: SessionStore, publicUrl: () => string): BrowserSignIn {
  const names = () => cookieNames(publicUrl());
  const current = async (req: IncomingMessage) => {
    const session = await sessions.get(readCookie(req, names().session));
    return session === undefined ? undefined : { user: session.user, csrfToken: session.csrfToken };
  };
  return {
    get secure() {
      return names().secure;
    },
    current,
    signIn(returnTo) {
      const n = names();
      const cookies = isConsentReturnPath(returnTo) ? [setCookie(n, n.returnTo, encodeURIComponent(returnTo), RETURN_TTL_SECONDS)] : [];
      return { location: PATHS.login, cookies };
    },
    cookie: (name, value, maxAgeSeconds) => setCookie(names(), name, value, maxAgeSeconds),
    readCookie,
    async readForm(req) {
      checkSameOrigin(req, new URL(publicUrl()).origin);
      const form = await readForm(req);
      const user = await current(req);
      if (user === undefined) throw new ProxyError('ERR_CONNECTIONS_NOT_SIGNED_IN', 'your session has ended, so nothing was started; sign in again and open the link again');
      checkCsrfToken(form, user.csrfToken);
      return { form, user };
    },
  };
}
