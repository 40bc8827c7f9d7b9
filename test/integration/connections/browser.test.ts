// The connections page in a real browser (Debian chromium via playwright-core, off the network),
// against the real OAuth server and a real OAuth-protected MCP upstream, through the real proxy:
// sign in → "Not connected" → Connect → consent at the provider → "Connected" → the agent's tool
// call succeeds → Disconnect (revoked at the provider) → the call answers with the consent link
// again. A second user sees only their own connections; a forged Disconnect is refused.
// Screenshots of each state go to test-output/connections/.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, launchBrowser, screenshot } from '../../support/browser.ts';
import { connectAgent, eventually } from '../proxy/harness.ts';
import { ALICE_ONLY, ROVO, startConnectionsWorld, TEAM_TOOLS, TRACKER, type ConnectionsWorld } from './setup.ts';

const SHOTS = join(import.meta.dirname, '../../../test-output/connections');
const unavailable = browserUnavailable();
if (unavailable) console.warn(unavailable);

type ToolResult = { isError?: boolean; content: Array<{ type: string; text: string }> };

describe.skipIf(unavailable)('connections page in a real browser', () => {
  let world: ConnectionsWorld;
  let browser: Browser;
  let alice: BrowserContext;
  let alicePage: Page;
  let agent: Client;
  const shots: string[] = [];
  const shot = async (page: Page, name: string) => void shots.push(await screenshot(page, SHOTS, name));

  beforeAll(async () => {
    world = await startConnectionsWorld();
    browser = await launchBrowser();
    alice = await browser.newContext();
    alicePage = await alice.newPage();
    agent = await connectAgent(world.proxy.url, TEAM_TOOLS, 'alice');
  });

  afterAll(async () => {
    await agent?.close().catch(() => {});
    await browser?.close();
    await world?.stop();
    if (shots.length) console.info(`screenshots:\n  ${shots.join('\n  ')}`);
  });

  /** Signs in at the provider's login and consent pages, in the browser, and lands on /connections. */
  async function signIn(page: Page, user: string): Promise<void> {
    await page.goto(`${world.proxy.url}/connections`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.locator('input[name="login"]').fill(user);
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${world.proxy.url}/connections`);
  }

  const card = (page: Page, gatewayId: string) => page.locator(`#gateway-${gatewayId}`);
  /** The element's rendered text, whitespace collapsed (waits for it to be attached). */
  const text = async (locator: Locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();
  /** Waits until the element is visible (fails after 10 s). */
  const visible = (locator: Locator) => locator.waitFor({ state: 'visible', timeout: 10_000 });

  async function whoami(client: Client): Promise<ToolResult> {
    const name = await eventually(async () => (await client.listTools()).tools.find((t) => t.name.endsWith('whoami'))?.name, 15_000, 'whoami tool listed');
    return (await client.callTool({ name, arguments: {} })) as ToolResult;
  }

  it('a signed-out visitor gets a sign-in page with the security headers, and nothing about anyone', async () => {
    const response = await alicePage.goto(`${world.proxy.url}/connections`);
    const headers = response!.headers();
    expect(headers['content-security-policy']).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/);
    expect(headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' });
    expect(await text(alicePage.getByRole('heading', { level: 1 }))).toBe('Your connections');
    expect(await alicePage.content()).not.toContain('rovo-like');
    // The page's own style sheet is allowed by its hash: it is applied (no CSP violation).
    expect(await alicePage.locator('a.button').evaluate((a) => (globalThis as any).getComputedStyle(a).backgroundColor)).toBe('rgb(11, 87, 164)');
    await shot(alicePage, '01-signed-out');
  });

  it('signing in with the identity provider shows alice her gateways as "Not connected"', async () => {
    await signIn(alicePage, 'alice');
    expect(await text(alicePage.getByText('Signed in as'))).toContain('alice');
    expect(await text(card(alicePage, ROVO).locator('.state'))).toBe('Not connected');
    expect(await text(card(alicePage, TRACKER).locator('.state'))).toBe('Not connected');
    // The description is text, not markup.
    expect(await text(card(alicePage, ROVO).locator('.desc'))).toBe('Jira & Confluence <b>through</b> Rovo');
    await visible(card(alicePage, ROVO).getByRole('link', { name: 'Connect rovo-like', exact: true }));
    const [cookie] = (await alice.cookies()).filter((c) => c.name === 'mcp-gitops-session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/', expires: -1 });
    await shot(alicePage, '02-not-connected');
  });

  it('Connect (from the keyboard) runs the consent at the provider and comes back "Connected" with the metadata', async () => {
    const connect = card(alicePage, ROVO).getByRole('link', { name: 'Connect rovo-like', exact: true });
    await connect.focus();
    await alicePage.keyboard.press('Enter');
    // The gateway's own page first: which account, which gateway, where the browser goes next.
    const onward = alicePage.getByRole('button', { name: /^Continue to http:\/\/127\.0\.0\.1:\d+$/ });
    await onward.waitFor();
    expect(await text(alicePage.locator('body'))).toMatch(/signed in as alice\b.*connect your account .* to the gateway rovo-like/i);
    await shot(alicePage, '03-consent-interstitial');
    await onward.click();
    // At the provider: alice is signed in there already, so it asks only for consent.
    const consent = alicePage.getByRole('button', { name: 'Continue', exact: true });
    await consent.waitFor();
    await shot(alicePage, '03b-provider-consent');
    await consent.click();
    await alicePage.waitForURL(new RegExp(`/connections#gateway-${ROVO}$`));
    expect(await text(card(alicePage, ROVO).locator('.state'))).toBe('Connected');
    const details = card(alicePage, ROVO).locator('dl');
    expect(await text(details)).toMatch(/Access expires\s*in (59|60) minutes/);
    expect(await text(details)).toMatch(/Last refreshed\s*not yet/);
    expect(await text(details)).toMatch(/Permissions granted\s*read/);
    expect(await text(details)).toMatch(/Used by\s*team-tools/);
    expect(await text(card(alicePage, TRACKER).locator('.state'))).toBe('Not connected');
    // Only metadata: the stored tokens appear nowhere in the page.
    const entry = await world.vault.get({ namespace: 'mcp', gatewayId: ROVO, user: 'alice' });
    const html = await alicePage.content();
    expect(html).not.toContain(entry!.tokens.accessToken);
    expect(html).not.toContain(entry!.tokens.refreshToken!);
    await shot(alicePage, '04-connected');
  });

  it('now alice’s agent call succeeds, upstream with her own token', async () => {
    const result = await eventually(async () => {
      const r = await whoami(agent);
      return r.isError ? undefined : r;
    }, 15_000, 'tool call succeeds after consent');
    expect(result.content[0]!.text).toBe('alice');
  });

  it('a forged Disconnect is refused with 403 and changes nothing', async () => {
    // 1. From another origin (a page on another loopback port: the same *site*, so the Lax cookie
    //    is sent) posting the form with a guessed token.
    const attacker: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><form method="post" action="${world.proxy.url}/connections/disconnect"><input name="gateway" value="${ROVO}"><input name="csrf" value="guessed"><button>Win a prize</button></form>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    try {
      const evil = await alice.newPage();
      await evil.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
      const [refused] = await Promise.all([evil.waitForResponse((r) => r.url().endsWith('/connections/disconnect')), evil.getByRole('button', { name: 'Win a prize' }).click()]);
      expect(refused.status()).toBe(403);
      expect(await text(evil.getByRole('alert'))).toContain('sent from another site');
      await shot(evil, '05-forged-disconnect-refused');
      await evil.close();
    } finally {
      await new Promise<void>((resolve) => attacker.close(() => resolve()));
    }
    // 2. Same origin, alice's cookie, but no CSRF token.
    const noToken = await alice.request.post(`${world.proxy.url}/connections/disconnect`, { form: { gateway: ROVO }, headers: { origin: world.proxy.url, 'sec-fetch-site': 'same-origin' } });
    expect(noToken.status()).toBe(403);
    expect(await noToken.text()).toContain('ERR_CONNECTIONS_CSRF');
    expect(await world.vault.get({ namespace: 'mcp', gatewayId: ROVO, user: 'alice' })).toBeDefined();
  });

  it('a second user sees only their own connections, and not gateways their access list excludes', async () => {
    const bob = await browser.newContext();
    try {
      const page = await bob.newPage();
      await signIn(page, 'bob');
      expect(await text(page.getByText('Signed in as'))).toContain('bob');
      expect(await text(card(page, ROVO).locator('.state'))).toBe('Not connected');
      expect(await card(page, TRACKER).count()).toBe(0);
      expect(await page.content()).not.toContain('tracker');
      await shot(page, '06-second-user');
    } finally {
      await bob.close();
    }
  });

  it('when the provider stops accepting the refresh token, the page shows "Reconnect needed" with the reason in plain words', async () => {
    // alice connects her second gateway, with the mouse this time.
    await card(alicePage, TRACKER).getByRole('link', { name: 'Connect tracker', exact: true }).click();
    await alicePage.getByRole('button', { name: /^Continue to / }).click();
    await alicePage.getByRole('button', { name: 'Continue', exact: true }).click();
    await alicePage.waitForURL(new RegExp(`/connections#gateway-${TRACKER}$`));
    expect(await text(card(alicePage, TRACKER).locator('.state'))).toBe('Connected');
    const trackerAgent = await connectAgent(world.proxy.url, ALICE_ONLY, 'alice');
    try {
      expect((await eventually(async () => { const r = await whoami(trackerAgent); return r.isError ? undefined : r; }, 15_000, 'tracker call succeeds')).content[0]!.text).toBe('alice');
      // The grant ends at the provider (as when a user removes the app there) and the access token runs out.
      const ref = { namespace: 'mcp', gatewayId: TRACKER, user: 'alice' };
      const entry = (await world.vault.get(ref))!;
      const provider = await world.relay.resolveProvider(world.proxy.getGateway(TRACKER)!);
      await oidc.tokenRevocation(provider.config, entry.tokens.refreshToken!, { token_type_hint: 'refresh_token' });
      await world.vault.put(ref, { ...entry.tokens, expiresAt: Date.now() - 1000 });
      // The next call makes the relay refresh; the provider answers invalid_grant; the relay marks the record.
      const failed = await whoami(trackerAgent);
      expect(failed.isError).toBe(true);
      expect(failed.content[0]!.text).toMatch(/\/oauth\/authorize\/[0-9a-f]{32}\?ticket=/);
    } finally {
      await trackerAgent.close();
    }
    await alicePage.goto(`${world.proxy.url}/connections`);
    const tracker = card(alicePage, TRACKER);
    expect(await text(tracker.locator('.state'))).toBe('Reconnect needed: the provider no longer accepts the saved authorization. Connect again.');
    expect(await text(tracker.locator('.problem'))).toContain('the provider refused to renew it');
    expect(await text(tracker.locator('dl'))).toMatch(/Access expired\s*just now/);
    await visible(tracker.getByRole('link', { name: 'Connect tracker', exact: true }));
    await visible(tracker.getByRole('button', { name: 'Disconnect tracker', exact: true }));
    expect(await text(card(alicePage, ROVO).locator('.state'))).toBe('Connected');
    await shot(alicePage, '07-reconnect-needed');
  });

  it('on a phone-sized screen the page is one column and does not scroll sideways', async () => {
    const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, storageState: await alice.storageState() });
    try {
      const page = await phone.newPage();
      await page.goto(`${world.proxy.url}/connections`);
      expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth <= (globalThis as any).innerWidth)).toBe(true);
      const [dt, dd] = await Promise.all([card(page, ROVO).locator('dt').first().boundingBox(), card(page, ROVO).locator('dd').first().boundingBox()]);
      expect(dd!.y).toBeGreaterThan(dt!.y); // stacked, not side by side
      await shot(page, '08-phone');
    } finally {
      await phone.close();
    }
  });

  it('Disconnect deletes alice’s record, revokes it at the provider, and her call answers with the consent link again', async () => {
    const entry = await world.vault.get({ namespace: 'mcp', gatewayId: ROVO, user: 'alice' });
    await card(alicePage, ROVO).getByRole('button', { name: 'Disconnect rovo-like', exact: true }).click();
    await alicePage.waitForURL(new RegExp(`/connections#gateway-${ROVO}$`));
    expect(await text(alicePage.getByRole('status'))).toContain('Disconnected rovo-like');
    expect(await text(alicePage.getByRole('status'))).toContain('the provider revoked it');
    expect(await text(card(alicePage, ROVO).locator('.state'))).toBe('Not connected');
    await shot(alicePage, '09-disconnected');
    expect(await world.vault.get({ namespace: 'mcp', gatewayId: ROVO, user: 'alice' })).toBeUndefined();

    // The provider no longer honours the refresh token (RFC 7009 revocation reached it).
    const provider = await world.relay.resolveProvider(world.proxy.getGateway(ROVO)!);
    await expect(oidc.refreshTokenGrant(provider.config, entry!.tokens.refreshToken!, provider.tokenParams)).rejects.toMatchObject({ error: 'invalid_grant' });

    const result = await whoami(agent);
    expect(result.isError).toBe(true);
    expect(result.content[0]!.text).toMatch(/\/oauth\/authorize\/[0-9a-f]{32}\?ticket=/);

    // Nothing secret reached a log line of the proxy, the relay or the page.
    const logs = JSON.stringify(world.proxy.logs) + world.logs.join('');
    expect(world.logs.join('')).toContain('connections page: disconnected');
    for (const secret of [entry!.tokens.accessToken, entry!.tokens.refreshToken!]) expect(logs).not.toContain(secret);
    for (const cookie of await alice.cookies()) expect(logs).not.toContain(cookie.value);
  });

  it('Sign out ends the session: the old cookie no longer opens the page', async () => {
    const before = await alice.storageState();
    await alicePage.getByRole('button', { name: 'Sign out' }).click();
    await visible(alicePage.getByRole('link', { name: 'Sign in' }));
    const replay = await browser.newContext({ storageState: before });
    try {
      const page = await replay.newPage();
      await page.goto(`${world.proxy.url}/connections`);
      await visible(page.getByRole('link', { name: 'Sign in' }));
    } finally {
      await replay.close();
    }
  });
});
