// Attacker test for issue 11 finding 1 (HIGH): a consent link works only in the browser of the
// person it was made for. Two real Chromium contexts (playwright-core), the real OAuth server
// (oidc-provider: sign-in for the connections page AND the upstream's authorization server), the
// real proxy, relay, page and vault.
//
// The attack: mallory gets a consent link for herself (her agent's tool call is answered with one) and
// sends it to alice ("connect Jira"). On the old relay alice's approval stored ALICE's tokens under
// MALLORY, and mallory's agent acted as alice from then on.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PENDING_GATEWAY, PENDING_NAMESPACE } from '../../../src/proxy/oauth/vault-pending-store.ts';
import { ConsentRequiredError } from '../../../src/proxy/upstream/credentials.ts';
import { browserUnavailable, launchBrowser } from '../../support/browser.ts';
import { completeConsent } from '../../support/oidc-provider.ts';
import { ROVO, startConnectionsWorld, type ConnectionsWorld } from '../connections/setup.ts';

const unavailable = browserUnavailable();
if (unavailable) console.warn(unavailable);

describe.skipIf(unavailable)('attacker: a consent link sent to another person connects nothing', () => {
  let world: ConnectionsWorld;
  let browser: Browser;
  let mallory: BrowserContext;
  let alice: BrowserContext;

  beforeAll(async () => {
    world = await startConnectionsWorld();
    browser = await launchBrowser();
    mallory = await browser.newContext();
    alice = await browser.newContext();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  const body = async (page: Page) => (await page.locator('body').innerText()).replace(/\s+/g, ' ');
  const malloryRecord = () => world.vault.get({ namespace: 'mcp', gatewayId: ROVO, user: 'mallory' });
  const claimedFlows = async () => (await world.vault.listDocuments(PENDING_NAMESPACE, PENDING_GATEWAY)).length;

  /**
   * The consent link mallory is answered with when her agent calls a tool of the gateway she has
   * not connected (what the proxy asks the relay for; no one has consented yet, so the gateway has
   * no tools to call through the agent).
   */
  async function mallorysLink(): Promise<string> {
    const refusal = await world.relay.credentials.headersFor(world.proxy.getGateway(ROVO)!, { user: 'mallory', groups: [] }).then(() => undefined, (e: unknown) => e);
    expect(refusal).toBeInstanceOf(ConsentRequiredError);
    return (refusal as ConsentRequiredError).consentUrl;
  }

  /** Signs in at the provider's dev login and consent pages (the browser is at the provider's login form). */
  async function atProviderSignIn(page: Page, user: string): Promise<void> {
    await page.locator('input[name="login"]').fill(user);
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
  }

  async function signInToPage(page: Page, user: string): Promise<void> {
    await page.goto(`${world.proxy.url}/connections`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await atProviderSignIn(page, user);
    await page.waitForURL(`${world.proxy.url}/connections`);
  }

  it('alice, signed in, opens mallory’s link: a refusal naming both accounts; nothing stored, no flow started', async () => {
    // alice has used the page before: she is signed in there and at the provider.
    const page = await alice.newPage();
    await signInToPage(page, 'alice');
    const link = await mallorysLink();
    const response = await page.goto(link);
    expect(response!.status()).toBe(403);
    const text = await body(page);
    expect(text).toContain('You are signed in as alice, but this link connects rovo-like for the account mallory. Nothing was connected.');
    expect(text).toContain('ERR_OAUTH_WRONG_ACCOUNT');
    // No button leads on to the provider.
    expect(await page.getByRole('button').count()).toBe(0);
    expect(page.url()).toBe(link);
    expect(await malloryRecord()).toBeUndefined();
    expect(await claimedFlows()).toBe(0);
    await page.close();
  });

  it('a browser with no session is sent to sign in first and comes back to the link: still refused for another account', async () => {
    const fresh = await browser.newContext();
    try {
      const page = await fresh.newPage();
      const link = await mallorysLink();
      await page.goto(link);
      // The connections page's sign-in at the identity provider, then straight back to the link.
      await atProviderSignIn(page, 'alice');
      await page.waitForURL(link);
      expect(await body(page)).toContain('You are signed in as alice, but this link connects rovo-like for the account mallory.');
      expect(await malloryRecord()).toBeUndefined();
      expect(await claimedFlows()).toBe(0);
    } finally {
      await fresh.close();
    }
  });

  it('the callback of mallory’s own flow, carried to alice’s browser, stores nothing (state bound to the browser)', async () => {
    // mallory runs her own flow in a scripted browser (sign-in at the provider, the interstitial,
    // consent) and stops where the provider sends her back, then sends that callback URL to alice.
    const { url: callback } = await completeConsent(await mallorysLink(), 'mallory', { stopAt: `${world.proxy.url}/oauth/callback` });
    expect(callback.searchParams.get('code')).toBeTruthy();
    const page = await alice.newPage();
    const response = await page.goto(callback.href);
    expect(response!.status()).toBe(400);
    expect(await body(page)).toContain('ERR_OAUTH_BROWSER_MISMATCH');
    expect(await malloryRecord()).toBeUndefined();
    await page.close();
  });

  it('in mallory’s own browser the link works once; opening it again is refused (single-use tickets)', async () => {
    const page = await mallory.newPage();
    await signInToPage(page, 'mallory');
    const link = await mallorysLink();
    await page.goto(link);
    expect(await body(page)).toMatch(/You are signed in as mallory\. Continue to connect your account at http:\/\/127\.0\.0\.1:\d+ to the gateway rovo-like\./);
    await page.getByRole('button', { name: /^Continue to / }).click();
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.waitForURL(/\/oauth\/callback/);
    expect(await body(page)).toContain('You have authorized rovo-like');
    expect(await malloryRecord()).toBeDefined();

    await page.goto(link);
    await page.getByRole('button', { name: /^Continue to / }).click();
    await page.waitForLoadState();
    expect(await body(page)).toContain('ERR_OAUTH_TICKET_USED');
    await page.close();
  });
});
