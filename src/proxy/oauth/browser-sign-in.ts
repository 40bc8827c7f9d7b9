/**
 * What the consent relay needs to know about the person at the browser: the connections page's
 * sign-in (OIDC in production, one-time links in dev) implements it, and the relay is bound to it
 * (`relay.bind({ …, signIn: page.signIn })`). A consent flow starts only for a browser whose
 * signed-in user is the user its ticket names.
 */
import type { IncomingMessage } from 'node:http';

export interface BrowserUser {
  user: string;
  /** The session's synchronizer token: the relay's Continue form carries it. */
  csrfToken: string;
}

export interface BrowserSignIn {
  /** Whether the public URL is https (cookies then carry `Secure` and the `__Host-` prefix). */
  readonly secure: boolean;
  /** The signed-in user of the request's browser, or undefined without a live session. */
  current(req: IncomingMessage): Promise<BrowserUser | undefined>;
  /**
   * Sends a browser without a session to sign in; after signing in it is sent to `returnTo` (a
   * same-origin path). Returns where to redirect and the cookies to set.
   */
  signIn(returnTo: string): { location: string; cookies: string[] };
  /** A `Set-Cookie` value with the page's attributes (`value: undefined` expires it). */
  cookie(name: string, value: string | undefined, maxAgeSeconds?: number): string;
  /**
   * Reads a form this browser posted from one of our pages: same origin, a live session, the
   * session's CSRF token. Throws a coded error (`code`, `status`) otherwise.
   */
  readForm(req: IncomingMessage): Promise<{ form: URLSearchParams; user: BrowserUser }>;
  /** Reads a cookie of the request. */
  readCookie(req: IncomingMessage, name: string): string | undefined;
}
