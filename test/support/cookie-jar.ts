// A tiny browser for HTTP-level tests of the connections page and the consent relay.
import { expect } from 'vitest';

/** A tiny browser: a cookie jar and manual redirects, so each hop can be checked. */
export class Jar {
  readonly cookies = new Map<string, string>();
  async fetch(url: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(cookie ? { cookie } : {}), ...init.headers } });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      if (attributes.some((a) => a.trim().toLowerCase() === 'max-age=0')) this.cookies.delete(name);
      else this.cookies.set(name, pair!.slice(eq + 1).trim());
    }
    return res;
  }
  async page(url: string): Promise<string> {
    const res = await this.fetch(url);
    expect(res.status).toBe(200);
    return res.text();
  }
  /** The page's CSRF token (from its hidden fields). */
  async csrf(base: string): Promise<string> {
    return /name="csrf" value="([^"]+)"/.exec(await this.page(`${base}/connections`))![1]!;
  }
  post(url: string, form: Record<string, string>, headers: Record<string, string> = { 'sec-fetch-site': 'same-origin' }): Promise<Response> {
    return this.fetch(url, { method: 'POST', body: new URLSearchParams(form), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
  }
}
